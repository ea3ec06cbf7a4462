"""Shortcut partitions for the tours lesson: a road grid, cop decompositions and a distance oracle.

H.-C. Chang, J. Conroy, H. Le, L. Milenkovic, S. Solomon, C. Than, "Shortcut Partitions in
Minor-Free Graphs: Steiner Point Removal, Distance Oracles, Tree Covers, and More", SODA 2024,
arXiv:2308.00555. Compute only (numpy, scipy); re-imported by ``tours.py``, where the lesson finds
these names.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from widgets.lazyimport import lazy

from .diskcache import on_disk  # the road-graph results below are the same for every page

csr_matrix = lazy("scipy.sparse", "csr_matrix")  # scipy imported when first used
connected_components = lazy("scipy.sparse.csgraph", "connected_components")
dijkstra = lazy("scipy.sparse.csgraph", "dijkstra")


# ----------------------------------------------------------------------------- shortcut partitions


GRID_SIDE = 16


ROADS = {"grid": "grid (planar)", "diagonal": "grid + diagonals (not planar)"}


@lru_cache(maxsize=4)
@on_disk
def grid_graph(roads: str = "grid", side: int = GRID_SIDE, seed: int = 0) -> dict:
    """A side x side grid with road lengths uniform in [1, 2] (planar); with ``roads="diagonal"``
    every cell also gets both diagonals, length sqrt(2) times [1, 2]: crossing roads (overpasses),
    too many edges for a planar graph. All-pairs distances by Dijkstra."""
    rng = np.random.default_rng(seed)
    idx = np.arange(side * side).reshape(side, side)
    a = np.concatenate([idx[:, :-1].ravel(), idx[:-1, :].ravel()])
    b = np.concatenate([idx[:, 1:].ravel(), idx[1:, :].ravel()])
    w = rng.uniform(1.0, 2.0, a.size)
    if roads == "diagonal":
        da = np.concatenate([idx[:-1, :-1].ravel(), idx[:-1, 1:].ravel()])
        db = np.concatenate([idx[1:, 1:].ravel(), idx[1:, :-1].ravel()])
        a, b = np.concatenate([a, da]), np.concatenate([b, db])
        w = np.concatenate([w, np.sqrt(2) * rng.uniform(1.0, 2.0, da.size)])
    n = side * side
    xy = np.column_stack([(np.arange(n) % side).astype(float), (np.arange(n) // side).astype(float)])
    # numpy arrays only: the result is kept on disk, and a scipy matrix in it would import
    # scipy.sparse (0.2-0.35 s) in every kernel that loads it, before the page can show
    g = {"xy": xy, "edges": (a, b), "lengths": w}
    dist = dijkstra(road_matrix(g), directed=False)
    return {**g, "dist": dist, "diameter": float(dist.max())}


def road_matrix(g: dict):
    """The graph's symmetric sparse matrix of road lengths (scipy CSR)."""
    a, b = g["edges"]
    w, n = g["lengths"], len(g["xy"])
    return csr_matrix((np.concatenate([w, w]), (np.concatenate([a, b]), np.concatenate([b, a]))), shape=(n, n))


def cop_partition(W, radius: float) -> tuple[np.ndarray, np.ndarray]:
    """Clusters grown around shortest paths (a one-cop simplification of a cop decomposition).

    In rounds, for every component of the graph still left: its skeleton is a shortest path (in
    what is left) from its lowest vertex to the vertex farthest from it; its supernode is every
    vertex within ``radius`` of the skeleton, split into clusters by which stretch of length
    ``radius`` along the skeleton is nearest. The supernodes are removed and the next round works
    on what remains. Returns each vertex's cluster and each cluster's centre (the skeleton vertex
    mid-stretch): every vertex is within 2 * radius of its centre, along a path inside its cluster.
    """
    W = csr_matrix(W).tocoo()
    n = W.shape[0]
    if radius < W.data.min():                                       # balls and stretches hold one vertex each
        return np.arange(n), np.arange(n)
    label = np.full(n, -1)
    centres: list[int] = []
    left = np.ones(n, dtype=bool)
    while left.any():
        alive = left[W.row] & left[W.col]                          # what is left: removed vertices isolated
        sub = csr_matrix((W.data[alive], (W.row[alive], W.col[alive])), shape=(n, n))
        _, comp = connected_components(sub, directed=False)
        keep = np.flatnonzero(left)
        _, first = np.unique(comp[keep], return_index=True)
        roots = keep[first]                                         # lowest vertex of each component
        dist, pred = dijkstra(sub, directed=False, indices=roots, return_predecessors=True)
        segment_of = np.full(n, -1)                                 # skeleton vertex -> cluster id
        skeletons = []
        for c, root in enumerate(roots):
            reach = np.where(np.isfinite(dist[c]), dist[c], -1.0)
            v = int(np.argmax(reach))
            path = [v]
            while path[-1] != root:
                path.append(int(pred[c, path[-1]]))
            path = path[::-1]
            along = dist[c, path]
            stretch = np.floor(along / radius).astype(int)
            for s in np.unique(stretch):
                on = np.flatnonzero(stretch == s)
                mid = (along[on[0]] + along[on[-1]]) / 2
                segment_of[np.asarray(path)[on]] = len(centres)
                centres.append(path[on[np.argmin(np.abs(along[on] - mid))]])
            skeletons.extend(path)
        near, _, source = dijkstra(sub, directed=False, indices=skeletons, min_only=True,
                                   return_predecessors=True)
        inside = (near <= radius) & left
        label[inside] = segment_of[source[inside]]
        left &= ~inside
    return label, np.array(centres)


def oracle_scales(diameter: float, eps: float, w_min: float = 1.0) -> list[float]:
    """Distance scales D, D/2, ... down to the first whose cluster radius eps*scale/16 is below the
    lightest edge (its clusters are single vertices: that scale answers exactly)."""
    scales = [diameter]
    while eps * scales[-1] / 16 >= w_min:
        scales.append(scales[-1] / 2)
    return scales


@lru_cache(maxsize=8)
@on_disk
def build_oracle(eps: float, roads: str = "grid") -> dict:
    """One cop partition per scale (cluster radius r = eps*scale/16, so every vertex is within 2r =
    eps*scale/8 of its centre); at each scale store each vertex's
    distance to its cluster centre and the centre-to-centre distances up to scale*(1 + eps/4)."""
    g = grid_graph(roads)
    dist, W = g["dist"], road_matrix(g)
    levels = []
    for scale in oracle_scales(g["diameter"], eps):
        label, centres = cop_partition(W, eps * scale / 16)
        cd = dist[np.ix_(centres, centres)]
        stored = cd <= scale * (1 + eps / 4)
        own = dist[np.arange(len(label)), centres[label]]
        a, b = g["edges"]
        earlier: dict = {}                                         # cluster -> touching clusters before it
        for x, y in zip(label[a].tolist(), label[b].tolist()):
            if x != y:
                earlier.setdefault(max(x, y), set()).add(min(x, y))
        colour = [0] * len(centres)                                 # 12 colours, neighbours differ
        for c in range(len(centres)):
            used = {colour[y] for y in earlier.get(c, ())}
            colour[c] = next(k % 12 for k in range(c, c + 12) if k % 12 not in used)
        colour = np.array(colour)
        levels.append({"scale": scale, "label": label, "centres": centres, "stored": stored,
                       "centre_dist": np.where(stored, cd, np.inf), "own": own,
                       "rho": float(own.max()), "colour": colour})
    return {"levels": levels, "entries": int(sum(np.triu(lv["stored"]).sum() + len(lv["own"]) for lv in levels)),
            "n": len(dist)}


def oracle_query(oracle: dict, u, v):
    """The oracle's estimate: the least over scales of d(u, c_u) + d(c_u, c_v) + d(c_v, v), using
    only stored centre pairs (every term is a real path length, so it never underestimates)."""
    u, v = np.asarray(u), np.asarray(v)
    best = np.full(np.broadcast(u, v).shape, np.inf)
    for lv in oracle["levels"]:
        cu, cv = lv["label"][u], lv["label"][v]
        best = np.minimum(best, lv["own"][u] + lv["centre_dist"][cu, cv] + lv["own"][v])
    return np.where(u == v, 0.0, best)


@lru_cache(maxsize=8)
@on_disk
def oracle_report(eps: float, roads: str = "grid") -> dict:
    """The stretch (answer / true distance) of every pair, its worst and mean, and the space used."""
    g, oracle = grid_graph(roads), build_oracle(eps, roads)
    n = len(g["dist"])
    table = np.full((n, n), np.inf)                               # every answer at once, scale by scale
    for lv in oracle["levels"]:
        lab = lv["label"]
        np.minimum(table, lv["own"][:, None] + lv["centre_dist"][np.ix_(lab, lab)] + lv["own"][None, :], out=table)
    u, v = np.triu_indices(n, 1)
    true, est = g["dist"][u, v], table[u, v]
    return {"stretch": est / true, "max_stretch": float((est / true).max()),
            "mean_stretch": float((est / true).mean()), "bound": 1 + eps,
            "entries": oracle["entries"], "pairs": n * (n - 1) // 2, "n": n, "levels": len(oracle["levels"])}


def fewest_clusters(W, label, u: int, v: int, budget: float, max_hops: int = 60) -> int:
    """The fewest clusters a u-v path of length <= ``budget`` passes through (the shortcut property
    asks for few). Layer h holds the shortest lengths to each vertex using h cluster changes: a
    crossing edge moves up a layer, edges inside a cluster stay (one Dijkstra per layer)."""
    W = csr_matrix(W)
    a, b = W.nonzero()
    w = np.asarray(W[a, b]).ravel()
    same = label[a] == label[b]
    n = W.shape[0]
    inside = csr_matrix((w[same], (a[same], b[same])), shape=(n, n))
    start = np.full(n, np.inf)
    start[u] = 0.0
    for hops in range(max_hops):
        # relax inside clusters from the layer's starting lengths (a super-source at index n)
        seeds = np.flatnonzero(np.isfinite(start))
        ext = csr_matrix((np.concatenate([inside.data, start[seeds] + 1e-12]),
                          (np.concatenate([inside.nonzero()[0], np.full(len(seeds), n)]),
                           np.concatenate([inside.nonzero()[1], seeds]))), shape=(n + 1, n + 1))
        layer = dijkstra(ext, directed=True, indices=n)[:n]
        if layer[v] <= budget + 1e-9:
            return hops + 1
        nxt = np.full(n, np.inf)
        cross = ~same
        np.minimum.at(nxt, b[cross], layer[a[cross]] + w[cross])
        start = np.where(nxt <= budget, nxt, np.inf)
    return max_hops + 1


QUERIES = [(18, 158), (17, 238), (3, 60), (164, 174), (40, 200), (250, 5)]


def shortest_path(u: int, v: int, roads: str = "grid") -> list:
    g = grid_graph(roads)
    _, pred = dijkstra(road_matrix(g), directed=False, indices=u, return_predecessors=True)
    path = [v]
    while path[-1] != u:
        path.append(int(pred[path[-1]]))
    return path[::-1]


@lru_cache(maxsize=128)
@on_disk
def query_picture(eps: float, level: int, query: int, roads: str = "grid") -> dict:
    """One query: the exact path, the oracle's route (u -> c_u -> c_v -> v at the scale it used),
    and the clusters of the shown level."""
    g, oracle = grid_graph(roads), build_oracle(eps, roads)
    u, v = QUERIES[query]
    levels = oracle["levels"]
    lv = levels[min(level, len(levels) - 1)]
    ests = [lvl["own"][u] + lvl["centre_dist"][lvl["label"][u], lvl["label"][v]] + lvl["own"][v] for lvl in levels]
    used = int(np.argmin(ests))
    cu, cv = (levels[used]["centres"][levels[used]["label"][w]] for w in (u, v))
    path = shortest_path(u, v, roads)
    return {"u": u, "v": v, "true": float(g["dist"][u, v]), "estimate": float(min(ests)), "used": used,
            "path": path, "route": shortest_path(u, cu, roads) + shortest_path(cu, cv, roads)[1:]
            + shortest_path(cv, v, roads)[1:], "label": lv["label"], "colour": lv["colour"][lv["label"]],
            "scale": lv["scale"],
            "clusters_met": len(set(lv["label"][path].tolist())), "n_clusters": len(lv["centres"]),
            "fewest": fewest_clusters(road_matrix(g), lv["label"], u, v, (1 + eps) * float(g["dist"][u, v])),
            "rho": lv["rho"], "levels": len(levels)}
