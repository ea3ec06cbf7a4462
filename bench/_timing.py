"""Timing helpers shared by the lesson benchmarks (``bench/bench_<lesson>.py``).

A lesson bench moves each interactive control of a built lesson view (no browser) and times the
observer's recompute plus the in-place figure update, as wall clock and as CPU time of this
process (on a shared machine the wall time includes waiting for a core; the CPU time does not).

Importing this module puts the repository root on ``sys.path`` (the benches are run as scripts,
``.venv/bin/python bench/bench_<lesson>.py``, so ``bench/`` itself is already there).

Two table layouts are in use, both kept as they were printed before this module existed:

- ``move_table``: ``| control move | median ms | max ms | [median CPU ms |] within budget |``
  (diffusion, attention_entropy, entropy_coupling), with ``one_off_row`` for one-off costs;
- ``update_table``: ``| control | median update (wall) | max (wall) | median CPU time | budget .. |``
  (continual_dp, koopman, streaming_td, safe_exploration).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

BUDGET_MS = 50.0


def timed(fn) -> tuple[float, float]:
    """(wall-clock ms, CPU ms of this process, all threads) of ``fn()``."""
    c, t = time.process_time(), time.perf_counter()
    fn()
    return (time.perf_counter() - t) * 1e3, (time.process_time() - c) * 1e3


def time_moves(control, values) -> list[tuple[float, float]]:
    """Set ``control.value`` to each of ``values`` in turn and time each move (see ``timed``).

    A value equal to the control's current one is skipped (it would not fire the observer).
    """
    times = []
    for v in values:
        if control.value == v:
            continue
        times.append(timed(lambda: setattr(control, "value", v)))
    return times


def time_cycle(control, values, moves: int, before=None) -> list[tuple[float, float]]:
    """Make ``moves`` timed moves of ``control`` cycling through ``values``.

    Move ``i`` sets ``values[i % len(values)]``, or the next value of the cycle when that one is
    the current value, so every move changes the value (and recomputes). ``before()``, if given,
    runs untimed before each move (e.g. to clear the model's caches, so every move is cold).
    """
    times = []
    for i in range(moves):
        value = values[i % len(values)]
        if control.value == value:
            value = values[(i + 1) % len(values)]
        if before is not None:
            before()
        times.append(timed(lambda: setattr(control, "value", value)))
    return times


def time_each_control(make_lesson, moves_by_control: dict, moves: int,
                      caches=None) -> list[tuple[str, list]]:
    """``[(control, times)]``: for each control a fresh ``make_lesson()``, then ``time_cycle``.

    ``caches(name)``, if given, returns the model's ``lru_cache`` functions that a move of control
    ``name`` recomputes; they are cleared before every move of it.
    """
    rows = []
    for name, values in moves_by_control.items():
        lesson = make_lesson()
        # Lessons on the base memoise compute on the control values; a bench that cycles through
        # a few values would time only the drawing. Measure every move cold.
        if hasattr(lesson, "MEMO_SIZE"):
            lesson.MEMO_SIZE = 0
            lesson._memo.clear()
        clear = [] if caches is None else list(caches(name))
        rows.append((name, time_cycle(lesson.controls[name], values, moves,
                                      before=lambda: [c.cache_clear() for c in clear])))
    return rows


def time_tour(tour, passes: int = 3) -> list[tuple[float, float]]:
    """Time ``tour.go(i)`` for every step of the tour, ``passes`` times over."""
    steps = []
    for _ in range(passes):
        for i in range(len(tour.steps)):
            steps.append(timed(lambda: tour.go(i)))
    return steps


def summary(times) -> tuple[float, float, float]:
    """(median wall ms, max wall ms, median CPU ms) of ``(wall, cpu)`` pairs."""
    wall = [w for w, _ in times]
    return statistics.median(wall), max(wall), statistics.median(c for _, c in times)


def load_1min() -> float:
    """The 1-minute load average, or nan where the platform has none."""
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")


def script_cmd(bench_file: str) -> str:
    """The command that runs a bench, as the sections print it."""
    return f".venv/bin/python bench/{Path(bench_file).name}"


# --- `move_table` layout (diffusion, attention_entropy, entropy_coupling) ---

def kernel_update_note(bench_file: str, moves: int, load: float, budget_ms: float = BUDGET_MS) -> str:
    """The line under the section heading: what is timed, the budget and the load at start."""
    return (f"`{script_cmd(bench_file)}` \u2014 kernel-side update = recompute + in-place "
            f"figure update, median of \u2265{moves - 4} moves, budget {budget_ms:.0f} ms "
            f"(1-min load average at start: {load:.1f} on {os.cpu_count()} cores).\n")


def move_table(rows, budget_ms: float = BUDGET_MS, cpu: bool = True) -> str:
    """Header and one row per ``(name, times)``; ``cpu=False`` leaves out the CPU column."""
    lines = ["| control move | median ms | max ms | median CPU ms | within budget |"
             if cpu else "| control move | median ms | max ms | within budget |",
             "|---|---:|---:|---:|:---:|" if cpu else "|---|---:|---:|:---:|"]
    for name, times in rows:
        med, worst, cpu_med = summary(times)
        cells = f"| {name} | {med:.1f} | {worst:.1f} | " + (f"{cpu_med:.1f} | " if cpu else "")
        lines.append(cells + f"{'yes' if med <= budget_ms else 'NO'} |")
    return "\n".join(lines)


def one_off_row(label: str, ms: float, cpu: bool = True) -> str:
    """A ``move_table`` row for a one-off cost (no max, no CPU time)."""
    return f"| {label} | {ms:.0f} | |" + (" |" if cpu else "") + " one-off |"


# --- `update_table` layout (continual_dp, koopman, streaming_td, safe_exploration) ---

def run_note(bench_file: str, setting: str, moves: int) -> str:
    """The line under the section heading: the setting, moves per control, load during the run."""
    load = os.getloadavg()
    return (f"`{script_cmd(bench_file)}` ({setting}, {moves} moves per control, no browser; "
            f"load average during the run {load[0]:.1f} / {load[1]:.1f} on {os.cpu_count()} cores)\n")


def update_table(rows, budget_ms: float = BUDGET_MS) -> str:
    """Header and one row per ``(name, times)``: "ok", "ok (CPU)" (only the CPU time is within
    the budget) or "OVER"."""
    lines = [f"| control | median update (wall) | max (wall) | median CPU time | budget {budget_ms:.0f} ms |",
             "|---|---|---|---|---|"]
    for name, times in rows:
        med, worst, cpu = summary(times)
        ok = "ok" if med <= budget_ms else ("ok (CPU)" if cpu <= budget_ms else "OVER")
        lines.append(f"| {name} | {med:.1f} ms | {worst:.1f} ms | {cpu:.1f} ms | {ok} |")
    return "\n".join(lines)
