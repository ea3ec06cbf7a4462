"""Ground truths for the checkpointing lesson, none taken from the code under test: every rank's
slice written out here by index arithmetic from the description of TP, PP and ZeRO DP (a second,
independent implementation), checked bit for bit for every pair of 36 layouts; byte and file
counts as closed forms evaluated by hand; the wrong (plain rows) qkv rule's atomic tensor written
out by hand."""

import itertools

import numpy as np
import pytest

from widgets.lessons import checkpointing as ck

L, V = 4, 50
LAYOUTS = [ck.Layout(t, p, d) for t in (1, 2, 4) for p in (1, 2, 4) for d in (1, 2, 3, 4)]


def stage_names(pp, p):
    per = L // pp
    names = ["embed"] if p == 0 else []
    for layer in range(p * per, (p + 1) * per):
        names += [f"layer{layer}.qkv", f"layer{layer}.proj", f"layer{layer}.ln"]
    return names + (["final_ln"] if p == pp - 1 else [])


def shard_by_hand(name, full, tp, t):
    """What TP rank t holds, by index arithmetic."""
    if name.endswith("ln"):
        return full
    if name.endswith("proj"):
        w = full.shape[1] // tp
        return full[:, t * w:(t + 1) * w]
    if name.endswith("qkv"):
        h = full.shape[0] // 3
        k = h // tp
        rows = [blk * h + t * k + i for blk in range(3) for i in range(k)]
        return full[rows]
    per = -(-V // tp)                                          # embed: vocab padded to tp * per
    out = np.zeros((per, full.shape[1]), full.dtype)
    got = full[t * per:min((t + 1) * per, V)]
    out[:len(got)] = got
    return out


def slice_by_hand(params, layout, t, p, d):
    flat = np.concatenate([shard_by_hand(n, params[n], layout.tp, t).ravel() for n in stage_names(layout.pp, p)])
    size = -(-flat.size // layout.dp)
    flat = np.concatenate([flat, np.zeros(size * layout.dp - flat.size, flat.dtype)])
    return flat[d * size:(d + 1) * size]


def same_bits(a, b):
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


@pytest.fixture(scope="module")
def params():
    return ck.make_params(8)


def test_saving_cuts_every_rank_as_described(params):
    for lay in LAYOUTS:
        files, _ = ck.save(params, ck.model_spec(8), lay)
        assert sorted(files) == sorted(itertools.product(range(lay.tp), range(lay.pp), range(lay.dp)))
        for (t, p, d), piece in files.items():
            assert same_bits(piece, slice_by_hand(params, lay, t, p, d)), (lay, t, p, d)


def test_every_pair_of_layouts_reshards_bit_for_bit(params):
    """36 x 36 layouts: the atomic tensors are the model's, and every rank of the target gets
    exactly the slice that training under the target holds."""
    spec = ck.model_spec(8)
    expected = {lay: {r: slice_by_hand(params, lay, *r) for r in lay.ranks} for lay in LAYOUTS}
    for src in LAYOUTS:
        atomic = ck.to_universal(*ck.save(params, spec, src), spec, src)
        assert all(same_bits(atomic[k], params[k]) for k in params), src
        for dst in LAYOUTS:
            loaded = ck.load(atomic, spec, dst)
            assert all(same_bits(loaded[r], expected[dst][r]) for r in dst.ranks), (src, dst)


def test_the_lesson_object_reports_it():
    r = ck.Reshard(ck.Layout(4, 1, 3), ck.Layout(1, 4, 2), 16).fit()
    assert r.atomic_identical_ and r.loaded_identical_
    assert not any(m.any() for m in r.misplaced_.values())


def elements(h):
    return V * h + L * (3 * h * h + h * h + h) + h


@pytest.mark.parametrize("h, src, dst", [(16, (2, 2, 3), (4, 1, 2)), (8, (1, 1, 1), (2, 4, 3)),
                                         (32, (4, 4, 4), (1, 2, 3))])
def test_bytes_and_files_are_the_closed_forms(h, src, dst):
    r = ck.reshard(ck.Layout(*src), ck.Layout(*dst), h)
    T, P, D = src
    T2, P2, D2 = dst
    per = L // P

    def n(t, p):        # elements a (t, p) group holds before ZeRO padding
        return per * (4 * h * h // T + h) + (p == 0) * (-(-V // T)) * h + (p == P - 1) * h
    saved = 4 * T * sum(D * -(-n(0, p) // D) for p in range(P))
    assert r.bytes_["save"] == r.bytes_["convert_read"] == saved
    assert r.bytes_["convert_write"] == 4 * elements(h)
    # partitioned elements are read once, the 5 replicated norms once per target TP rank
    assert r.bytes_["load"] == 4 * (elements(h) + (T2 - 1) * (L + 1) * h)
    assert r.files_["save"] == r.files_["convert_read"] == T * P * D
    assert r.files_["convert_write"] == 3 * L + 2
    assert r.bytes_["save_max_rank"] == 4 * max(-(-n(0, p) // D) for p in range(P))


def test_byte_counts_by_hand():
    """H = 16, TP2 PP2 DP3 -> TP4 PP1 DP2, evaluated on paper.

    stage 0 per TP rank: embed 25*16 = 400, two layers of (24*16 + 16*8 + 16) = 528: 1456 -> 1458
    stage 1 per TP rank: two layers 1056 + final norm 16 = 1072 -> 1074
    saved: 2 * (1458 + 1074) * 4 = 20256 bytes; model: 4976 * 4 = 19904; load at TP4: + 3*5*16*4."""
    r = ck.reshard(ck.Layout(2, 2, 3), ck.Layout(4, 1, 2), 16)
    assert r.bytes_["save"] == 20256 and r.bytes_["convert_write"] == 19904 and r.bytes_["load"] == 20864
    dp_pad = sum(int((f == ck.DP_PAD).sum()) for f in r.saved_ids_.values())
    assert dp_pad == 2 * (2 + 2)


def test_files_a_target_rank_opens_without_dp():
    """With DP = 1 a rank's slice is its whole stage: 3 files per layer, + embed, + final norm."""
    for P2 in (1, 2, 4):
        r = ck.reshard(ck.Layout(2, 2, 3), ck.Layout(2, P2, 1), 8)
        for (t, p, d), files in r.rank_files_.items():
            assert files == 3 * (L // P2) + (p == 0) + (p == P2 - 1)


def test_plain_rows_rule_round_trips_but_scrambles_qkv():
    h = 8
    params = ck.make_params(h)
    q, k, v = np.split(params["layer0.qkv"], 3)
    same = ck.reshard(ck.Layout(2, 2, 3), ck.Layout(2, 1, 1), h, "rows")
    # glued end to end: [Q0; K0; V0; Q1; K1; V1] with Q0 = rows 0..3 of Q
    by_hand = np.concatenate([q[:4], k[:4], v[:4], q[4:], k[4:], v[4:]])
    assert same_bits(same.atomic_["layer0.qkv"], by_hand) and not same.atomic_identical_
    assert same.loaded_identical_                           # the same TP degree undoes the mistake
    moved = ck.reshard(ck.Layout(2, 2, 3), ck.Layout(4, 1, 1), h, "rows")
    assert not moved.loaded_identical_
    # TP rank t of 4 should hold [Q rows 2t, 2t+1; K rows 2t, 2t+1; V rows 2t, 2t+1] but gets rows
    # 6t..6t+5 of the scrambled tensor: rank 0 gets Q0-3, K0-1 (Q0-1 right), rank 1 K2-3, V0-3
    # (V2-3 right), rank 2 Q4-7, K4-5 (Q4-5 right), rank 3 K6-7, V4-7 (V6-7 right): 8 of 24 rows
    wrong = sum(int(m.sum()) for m in moved.misplaced_.values())
    assert wrong == L * (24 - 8) * h
