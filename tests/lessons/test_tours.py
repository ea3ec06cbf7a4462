"""Ground truths for the tours lesson, none taken from the code under test: optimal tours by trying
every permutation, nearest neighbours from scipy's KD-tree, partial tours enumerated one by one
(state counts, and best completions by brute force, for the bisimulation), the closed forms
floor(e (n-1)!) and 1 + (n-1) 2^(n-2), 2-opt optimality checked move by move, and shortest paths
by Floyd-Warshall for the grid oracle's stretch bound."""

import heapq
from itertools import permutations
from math import e, factorial, floor

import numpy as np
import pytest
from scipy.spatial import cKDTree

from widgets.lessons import tours as T


def brute_tour(d):
    n = len(d)
    best = min(permutations(range(1, n)), key=lambda p: sum(d[a, b] for a, b in zip((0,) + p, p + (0,))))
    tour = (0,) + best
    return sum(d[a, b] for a, b in zip(tour, tour[1:] + (0,))), list(tour)


def floyd_warshall(W):
    dense = W.toarray()
    dist = np.where(dense > 0, dense, np.inf)
    np.fill_diagonal(dist, 0.0)
    for k in range(len(dist)):
        dist = np.minimum(dist, dist[:, k:k + 1] + dist[k:k + 1, :])
    return dist


@pytest.mark.parametrize("n, seed", [(6, 0), (7, 3), (8, 1), (8, 5)])
def test_held_karp_finds_the_brute_force_optimum(n, seed):
    d = T.distances(T.cities(n, seed))
    length, tour, _ = T.held_karp(d)
    best, _ = brute_tour(d)
    assert length == pytest.approx(best, rel=1e-12)
    assert sorted(tour) == list(range(n)) and tour[0] == 0
    assert T.tour_length(d, tour) == pytest.approx(best, rel=1e-12)


@pytest.mark.parametrize("k", [2, 3, 5])
def test_knn_coverage_counts_optimal_edges_among_nearest_neighbours(k):
    xy = T.cities(8, 2)
    d = T.distances(xy)
    _, tour = brute_tour(d)
    _, idx = cKDTree(xy).query(xy, k + 1)          # first neighbour is the city itself
    near = {(i, int(j)) for i in range(8) for j in idx[i, 1:]}
    edges = list(zip(tour, tour[1:] + tour[:1]))
    share = np.mean([(a, b) in near or (b, a) in near for a, b in edges])
    assert T.knn_coverage(d, tour, k) == pytest.approx(share)


def test_the_optimal_tour_lives_in_the_five_nearest_neighbours():
    """The paper's premise on small random instances: almost every optimal edge is a k-NN edge."""
    shares = [T.knn_coverage(T.instance(n, s)["d"], T.instance(n, s)["tour"], 5) for n in (10, 12) for s in range(10)]
    assert np.mean(shares) > 0.97
    assert np.mean([T.knn_coverage(T.instance(12, s)["d"], T.instance(12, s)["tour"], 2) for s in range(10)]) < 0.95


def test_softdist_is_a_softmax_over_the_k_nearest():
    xy = T.cities(9, 4)
    d = T.distances(xy)
    heat = T.softdist_heatmap(d, 4, tau=0.1)
    _, idx = cKDTree(xy).query(xy, 5)
    for i in range(9):
        support = set(np.flatnonzero(heat[i]))
        assert support == {int(j) for j in idx[i, 1:]}
        a, b = idx[i, 1], idx[i, 2]
        assert heat[i, a] / heat[i, b] == pytest.approx(np.exp(-(d[i, a] - d[i, b]) / 0.1))
    np.testing.assert_allclose(heat.sum(axis=1), 1.0)


def test_two_opt_leaves_no_improving_move():
    d = T.distances(T.cities(12, 7))
    start = list(range(12))
    tour = T.two_opt(d, start)
    assert sorted(tour) == start and tour[0] == 0
    length = T.tour_length(d, tour)
    assert length <= T.tour_length(d, start)
    for i in range(1, 12):
        for j in range(i + 1, 12):
            flipped = tour[:i] + tour[i:j + 1][::-1] + tour[j + 1:]
            assert T.tour_length(d, flipped) >= length - 1e-12


def test_tree_search_never_beats_the_optimum_and_finds_it_on_seven_cities():
    d = T.distances(T.cities(7, 1))
    best, _ = brute_tour(d)
    mcts = T.HeatmapMCTS(budget=1000, c_puct=1.0).fit(d, T.softdist_heatmap(d, 5))
    assert np.all(np.diff(mcts.curve_) <= 0) and np.all(mcts.curve_ >= best - 1e-12)
    assert mcts.curve_[-1] == pytest.approx(best)
    assert T.tour_length(d, mcts.tour_) == pytest.approx(mcts.length_)


def test_knn_heatmap_keeps_up_with_the_learned_one_and_beats_none():
    """The paper's claim on the toy: averaged over instances, SoftDist matches the learned
    heatmap and both leave the uniform one far behind (budget 50, c = 1)."""
    gaps = {kind: [] for kind in T.HEATMAPS}
    for seed in range(8):
        opt = T.instance(12, seed)["opt"]
        for kind in T.HEATMAPS:
            run = T.search_run(12, seed, kind, 5 if kind == "softdist" else 0, 1.0)
            gaps[kind].append(T.gap(run["curve"][49], opt))
    soft, learned, uniform = (np.mean(gaps[k]) for k in ("softdist", "learned", "uniform"))
    assert soft < uniform / 3 and learned < uniform / 3
    assert abs(soft - learned) < 5.0


def test_exploration_weight_matters():
    """c = 0 never explores: on most instances 200 simulations end worse than with c = 1."""
    worse = 0
    for seed in range(8):
        stuck = T.search_run(10, seed, "softdist", 5, 0.0)["curve"][-1]
        tuned = T.search_run(10, seed, "softdist", 5, 1.0)["curve"][-1]
        worse += stuck > tuned + 1e-9
    assert worse >= 5


def test_learned_coefficients_are_the_fit():
    coef, intercept = T.fit_learned_heatmap()
    np.testing.assert_allclose(coef, T.LEARNED_COEF, atol=2e-3)
    assert intercept == pytest.approx(T.LEARNED_INTERCEPT, abs=2e-3)


# ----------------------------------------------------------------------------- the quotient


def partial_tours(n):
    """Every partial tour from city 0, by brute force."""
    for t in range(1, n + 1):
        for rest in permutations(range(1, n), t - 1):
            yield (0,) + rest


@pytest.mark.parametrize("n", [4, 5, 6, 7])
def test_state_counts_by_enumeration(n):
    tours = list(partial_tours(n))
    for t in range(1, n + 1):
        these = [p for p in tours if len(p) == t]
        assert T.direct_states(n, t) == len(these)
        assert T.quotient_states(n, t) == len({(p[-1], frozenset(p)) for p in these})
    counts = T.state_counts(n)
    assert counts["direct_total"] == len(tours) == floor(e * factorial(n - 1))
    assert counts["quotient_total"] == len({(p[-1], frozenset(p)) for p in tours}) == 1 + (n - 1) * 2 ** (n - 2)


def test_twelve_cities_closed_forms():
    counts = T.state_counts(12)
    assert counts["direct_total"] == floor(e * factorial(11)) == 108505112
    assert counts["quotient_total"] == 1 + 11 * 1024


def test_bisimilar_partial_tours_have_the_same_best_completion():
    """Brute force: the cheapest way to finish a partial tour depends only on (current, visited)."""
    n = 7
    d = T.distances(T.cities(n, 2))
    _, _, table = T.held_karp(d)
    best = {}
    for p in partial_tours(n):
        left = [c for c in range(n) if c not in p]
        to_go = min(sum(d[a, b] for a, b in zip((p[-1],) + q, q + (0,))) for q in permutations(left)) \
            if left else d[p[-1], 0]
        key = (p[-1], frozenset(p))
        if key in best:
            assert to_go == pytest.approx(best[key], rel=1e-12)
        best[key] = to_go
        if len(p) >= 2:
            assert T.cost_to_go(table, n, list(p)) == pytest.approx(to_go, rel=1e-12)


def test_quotient_picture_shows_two_members_of_one_state():
    for t in (4, 6, 9):
        q = T.quotient_picture(10, 0, t)
        a, b = q["prefix"], q["other"]
        assert a != b and a[0] == b[0] == 0 and a[-1] == b[-1] and set(a) == set(b) and len(a) == t
        assert q["merged"] == factorial(t - 2)
        assert q["prefix_len"] <= q["other_len"] + 1e-12          # A is the optimal tour's prefix
    assert T.quotient_picture(10, 0, 3)["other"] is None


# ----------------------------------------------------------------------------- grid oracle


def test_grid_distances_are_dijkstras():
    g = T.grid_graph()
    np.testing.assert_allclose(g["dist"], floyd_warshall(T.road_matrix(g)), rtol=1e-12)


def test_diagonal_roads_make_the_graph_non_planar():
    """Euler: a simple planar graph has at most 3V - 6 edges."""
    g = T.grid_graph("diagonal")
    a, b = g["edges"]
    V = T.GRID_SIDE ** 2
    assert len({frozenset(e) for e in zip(a.tolist(), b.tolist())}) == len(a) > 3 * V - 6
    assert len(T.grid_graph("grid")["edges"][0]) <= 3 * V - 6
    np.testing.assert_allclose(g["dist"], floyd_warshall(T.road_matrix(g)), rtol=1e-12)


@pytest.mark.parametrize("eps, roads", [(0.5, "grid"), (1.0, "grid"), (2.0, "grid"), (1.0, "diagonal"), (2.0, "diagonal")])
def test_oracle_never_underestimates_and_stretches_at_most_one_plus_eps(eps, roads):
    g = T.grid_graph(roads)
    true = floyd_warshall(T.road_matrix(g))
    n = len(true)
    u, v = np.triu_indices(n, 1)
    est = T.oracle_query(T.build_oracle(eps, roads), u, v)
    assert np.all(est >= true[u, v] - 1e-9)
    assert np.all(est <= (1 + eps) * true[u, v] + 1e-9)
    report = T.oracle_report(eps, roads)
    assert report["max_stretch"] == pytest.approx(np.max(est / true[u, v]))


@pytest.mark.parametrize("eps, roads", [(0.5, "grid"), (2.0, "grid"), (1.0, "diagonal")])
def test_clusters_are_connected_with_small_radius(eps, roads):
    """Every cluster, on its own (induced subgraph), reaches all its vertices from its centre within
    2r = eps * scale / 8, and the finest scale cuts the grid into single vertices."""
    g = T.grid_graph(roads)
    dense = T.road_matrix(g).toarray()
    oracle = T.build_oracle(eps, roads)
    for lv in oracle["levels"]:
        assert lv["label"].min() == 0 and np.all(lv["label"] < len(lv["centres"]))
        for c, centre in enumerate(lv["centres"]):
            members = np.flatnonzero(lv["label"] == c)
            assert lv["label"][centre] == c
            sub = dense[np.ix_(members, members)]
            inside = floyd_warshall(type(T.road_matrix(g))(sub))[list(members).index(centre)]
            assert np.all(inside <= eps * lv["scale"] / 8 + 1e-9)
    assert len(oracle["levels"][-1]["centres"]) == 16 * 16


def fewest_by_layers(W, label, u, v, budget, max_hops=40):
    """Dijkstra on (vertex, cluster changes so far) with heapq: the least h + 1 with a u-v path of
    length <= budget and h cluster changes."""
    dense = W.toarray()
    best = {}
    heap = [(0.0, u, 0)]
    while heap:
        length, x, h = heapq.heappop(heap)
        if (x, h) in best or length > budget or h > max_hops:
            continue
        best[(x, h)] = length
        for y in np.flatnonzero(dense[x]):
            step = h + (label[x] != label[y])
            if (y, step) not in best:
                heapq.heappush(heap, (length + dense[x, y], int(y), int(step)))
    return min(h for (x, h) in best if x == v) + 1


@pytest.mark.parametrize("eps, level", [(1.0, 0), (2.0, 0), (2.0, 1)])
def test_fewest_clusters_on_a_near_shortest_path(eps, level):
    g = T.grid_graph()
    lv = T.build_oracle(eps)["levels"][level]
    for u, v in T.QUERIES[:4]:
        budget = (1 + eps) * g["dist"][u, v]
        want = fewest_by_layers(T.road_matrix(g), lv["label"], u, v, budget)
        assert T.fewest_clusters(T.road_matrix(g), lv["label"], u, v, budget) == want
        # the exact shortest path meets at least as many
        assert len(set(lv["label"][T.shortest_path(u, v)].tolist())) >= want


def test_a_near_shortest_path_meets_few_clusters():
    """The shortcut property on the toy: between the grid's query pairs, a path at most 1 + eps
    times the shortest passes through a handful of the top scale's clusters (eps = 2: 23 clusters)."""
    q = [T.query_picture(2.0, 0, i) for i in range(len(T.QUERIES))]
    assert q[0]["n_clusters"] == len(T.build_oracle(2.0)["levels"][0]["centres"])
    assert max(p["fewest"] for p in q) <= 6
    assert all(p["fewest"] <= p["clusters_met"] for p in q)


def test_touching_clusters_are_drawn_in_different_colours():
    a, b = T.grid_graph()["edges"]
    for lv in T.build_oracle(1.0)["levels"]:
        la, lb = lv["label"][a], lv["label"][b]
        differ = la != lb
        assert np.all(lv["colour"][la[differ]] != lv["colour"][lb[differ]])


def test_a_page_from_the_disk_cache_does_not_import_scipy_sparse(tmp_path):
    """The road graph is kept on disk as numpy arrays: a kernel that shows the lesson from a warm
    cache must not import scipy.sparse to unpickle it (0.2-0.35 s before a cold page can show)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    code = ("import sys\nfrom widgets.lessons.tours_view import view\nview()\n"
            "print('scipy.sparse' in sys.modules)")
    env = {**os.environ, "KIT_CACHE_DIR": str(tmp_path)}
    root = Path(__file__).resolve().parents[2]
    runs = [subprocess.run([sys.executable, "-c", code], env=env, cwd=root, capture_output=True, text=True,
                           check=True).stdout.split()[-1] for _ in range(2)]
    assert runs == ["True", "False"]  # the first kernel computes with scipy; the second only loads
