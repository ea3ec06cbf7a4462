"""Benchmark of the event-times lesson: kernel-side update time per control, and headline numbers.

    .venv/bin/python bench/bench_event_times.py

For every control it moves the control >= 20 times on a built view (no browser) and times
recompute + in-place figure update (wall clock, and CPU time of this process), each move cold: the
lesson's memo and the moved control's panel cache are cleared before every move, so a jump-process rate
re-simulates 1000 paths, a Hawkes control re-simulates and refits, a restart control recomputes the
closed-form curve and 7 x 3000 Monte Carlo runs. The Hawkes controls move with the heaviest other
setting (mu = 0.8, alpha/beta = 0.85, T = 400: about 2100 events). Then the headline numbers.
"""

from __future__ import annotations

# bench/ is on sys.path when this runs as a script; _timing adds the repository root (for `widgets`)
from _timing import BUDGET_MS, run_note, timed, update_table

MOVES = 20
MOVES_BY_CONTROL = {
    "k01": [0.5, 1.0, 2.0, 3.0, 1.5],
    "k12": [0.5, 1.0, 2.0, 3.0, 1.5],
    "k20": [0.5, 1.0, 2.0, 3.0, 1.5],
    "back": [0.0, 0.5, 1.0, 3.0, 2.0],
    "paths": [10, 100, 1000, 500],
    "observed": ["whole paths", "noisy snapshots"],
    "mu": [0.2, 0.4, 0.6, 0.8],
    "branching": [0.0, 0.5, 0.8, 0.85],
    "beta": [0.5, 1.0, 2.0, 5.0],
    "horizon": [50.0, 100.0, 200.0, 400.0],
    "hawkes_view": ["one process", "stream of 3 tasks"],
    "prompts": [1, 2, 3, 4],
    "p": [0.2, 0.4, 0.6, 0.9],
    "dprime": [0.0, 1.0, 2.0, 4.0],
    "threshold": [-3.0, 0.0, 2.0, 5.0],
    "tau": [2.0, 10.0, 25.0, 40.0],
}
HEAVY = {"mu": 0.8, "branching": 0.85, "horizon": 400.0, "k01": 3.0, "k12": 3.0, "k20": 3.0, "back": 3.0}


# Extra rows: a control timed again in another mode of its panel (label -> control, settings).
MODES = {"k01 (noisy snapshots)": ("k01", {"observed": "noisy snapshots"}),
         "prompts": ("prompts", {"hawkes_view": "stream of 3 tasks"})}

PANEL = {**dict.fromkeys(["k01", "k12", "k20", "back"], ["mjp_simulation", "mjp_snapshots"]),
         "observed": ["mjp_snapshots"],
         **dict.fromkeys(["mu", "branching", "beta", "horizon"], "hawkes_state"),
         **dict.fromkeys(["hawkes_view", "prompts"], "stream_state"),  # the stream's data and the fine-tuned
         # reference are computed once (like the pretrained zero-shot model), the pool is relearned
         **dict.fromkeys(["p", "dprime", "tau"], "restart_curve")}   # paths, threshold: no cache to miss


def _clear(lesson, name):
    """Forget the lesson's memo and the cache of the moved control's panel (the other two panels
    stay cached, as they do for a student: only the column whose control moved recomputes)."""
    from widgets.lessons import event_times as et

    lesson._memo.clear()
    for cache in ([PANEL[name]] if isinstance(PANEL.get(name), str) else PANEL.get(name, [])):
        getattr(et, cache).cache_clear()


def time_controls():
    from widgets.lessons.event_times_view import EventTimesLesson

    rows = []
    cases = [(name, name, {}) for name in MOVES_BY_CONTROL if name != "prompts"]
    cases += [(label, name, extra) for label, (name, extra) in MODES.items()]
    for label, name, extra in cases:
        values = MOVES_BY_CONTROL[name]
        lesson = EventTimesLesson(**{k: v for k, v in HEAVY.items() if k != name}, **extra)
        lesson.MEMO_SIZE = 0
        times = []
        for i in range(MOVES):
            value = values[i % len(values)]
            if lesson.controls[name].value == value:
                value = values[(i + 1) % len(values)]
            _clear(lesson, name)
            times.append(timed(lambda: setattr(lesson.controls[name], "value", value)))
        rows.append((label, times))
    return rows


def headline():
    from widgets.lessons import event_times as et
    from widgets.lessons.event_times_view import SEED

    mjp = et.mjp_state(1.0, 0.8, 0.6, 0.3, 1000, SEED)
    errors = ", ".join(f"{n}: {e:.3f}" for n, e in zip(mjp["sizes"], mjp["error"]))
    hawkes = [et.hawkes_state(0.5, n, 1.0, 400.0, SEED) for n in (0.0, 0.5, 0.8)]
    restart = et.restart_curve(0.5, 2.0, 10.0, SEED)
    lines = [f"- jump process (rates 1, 0.8, 0.6, back 0.3): max |Q̂ − Q| by paths used: {errors}",
             *(f"- Hawkes mu = 0.5, alpha/beta = {h['alpha']:.1f}, beta = 1, T = 400: {len(h['events'])} events, "
               f"rate {h['empirical_rate']:.3f} (stationary {h['rate']:.3f}); fit mu {h['fit'].mu_:.2f}, "
               f"alpha/beta {h['fit'].branching_:.2f}, beta {h['fit'].beta_:.2f}" for h in hawkes),
             f"- restarts p = 0.5, d' = 2, tau = 10 s: never {restart['never']:.1f} s, always {restart['always']:.1f} s, "
             f"best threshold {restart['best']:.2f}: {restart['best_makespan']:.1f} s; Monte Carlo − closed form at "
             "the 7 checked thresholds, in standard errors: "
             + ", ".join(f"{(m - c) / s:+.1f}" for m, c, s in zip(
                 restart["mc_mean"], et.expected_makespan(0.5, *et.alarm_rates(2.0, et.MC_THRESHOLDS), 10.0),
                 restart["mc_se"]))]
    snap = et.snapshot_state(1.0, 0.8, 0.6, 0.3, 1000, SEED)
    lines.append(f"- jump process seen as 11 noisy snapshots per path, 1000 paths: max rate error zero-shot "
                 f"{snap['zero_error_now']:.3f}, naive log(P̂)/gap {snap['naive_error_now']:.3f}")
    for k in (1, 2, 3, 4):
        st = et.stream_state(k)
        lines.append(f"- Hawkes stream A → B → C, pool of {k}: held-out log-likelihood per event "
                     + ", ".join(f"{v:.2f}" for v in st["pool"]) + " (true parameters "
                     + ", ".join(f"{v:.2f}" for v in st["true"]) + f"); chunks → prompts {st['history']}")
    return lines


def main():
    rows = time_controls()
    print("## Events in time (lesson `event_times`)\n")
    print(run_note(__file__, "every move cold (memo and the moved panel's cache cleared); rates 3, 3, 3, 3 and "
                   "Hawkes mu = 0.8, alpha/beta = 0.85, T = 400 while the other controls move", MOVES))
    print(update_table(rows, BUDGET_MS))
    print()
    print("\n".join(headline()))


if __name__ == "__main__":
    main()
