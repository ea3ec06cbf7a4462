"""Benchmark of the checkpointing lesson: kernel-side update time per control, and headline numbers.

    .venv/bin/python bench/bench_checkpointing.py

For every control it moves the control >= 20 times on a built view (no browser) and times compute +
in-place figure update (wall clock, and CPU time of this process). The resharding (save, convert,
load, for values and for element ids) is lru_cached in the model; the cache is cleared before every
move so each move pays it cold. The other controls sit at the largest layouts (TP4·PP4·DP4) and
width 32. Then it prints bytes and files for a few resharding pairs.
"""

from __future__ import annotations

from _timing import BUDGET_MS, run_note, time_each_control, update_table

MOVES = 20
MOVES_BY_CONTROL = {
    "src_tp": [1, 2, 4], "src_pp": [1, 2, 4], "src_dp": [1, 2, 3, 4],
    "dst_tp": [1, 2, 4], "dst_pp": [1, 2, 4], "dst_dp": [1, 2, 3, 4],
    "hidden": [8, 16, 32], "qkv": ["fused", "plain rows"],
}
BIG = dict(src_tp=4, src_pp=4, src_dp=4, dst_tp=4, dst_pp=4, dst_dp=4, hidden=32)


def time_controls():
    from widgets.lessons import checkpointing as ck
    from widgets.lessons.checkpointing_view import CheckpointingLesson

    return time_each_control(lambda: CheckpointingLesson(**BIG), MOVES_BY_CONTROL, MOVES,
                             caches=lambda n: (ck.reshard, ck.trained))


def main():
    from widgets.lessons import checkpointing as ck

    rows = time_controls()
    print("## Checkpointing (lesson `checkpointing`)\n")
    print(run_note(__file__, "the other controls at TP4·PP4·DP4 and width 32; the resharding cache "
                   "cleared before every move", MOVES))
    print(update_table(rows, BUDGET_MS))
    print("\nBytes (float32 weights) and files per phase, width 16:\n")
    print("| saved under | loaded under | save files | save bytes | atomic files | atomic bytes | load files | load bytes | bit-identical |")
    print("|---|---|---:|---:|---:|---:|---:|---:|:---:|")
    for src, dst in (((2, 2, 3), (2, 2, 3)), ((2, 2, 3), (4, 1, 2)), ((4, 4, 4), (1, 1, 1)), ((1, 1, 1), (4, 4, 3))):
        r = ck.reshard(ck.Layout(*src), ck.Layout(*dst), 16)
        print(f"| {r.source} | {r.target} | {r.files_['save']} | {r.bytes_['save']} | {r.files_['convert_write']} | "
              f"{r.bytes_['convert_write']} | {r.files_['load']} | {r.bytes_['load']} | "
              f"{'yes' if r.atomic_identical_ and r.loaded_identical_ else 'no'} |")
    pairs = [(a, b) for a in ck.LAYOUTS for b in ck.LAYOUTS]
    ok = sum(ck.Reshard(a, b, 8).fit().loaded_identical_ for a, b in pairs[::37])
    print(f"\nEvery 37th of the {len(pairs)} layout pairs at width 8: {ok} of {len(pairs[::37])} bit-identical "
          "(the tests check all of them).")


if __name__ == "__main__":
    main()
