"""Kernel side of a cold Voila page: how long a fresh kernel takes to run a notebook's code cells.

For each notebook (every lesson, the explorer, the corpus page, and a baseline notebook that only
does ``import ipywidgets; ipywidgets.Button()``), ``--repeat`` times in a fresh kernel with
``VOILA_BASE_URL=/`` set (as Voila sets it; ``widgets.lessons.hood.in_voila`` reads it):
the kernel's start (until it answers), each code cell's execution (wall clock around nbclient's
``execute_cell``), their sum, and which heavy packages the kernel imported by the end. Separately,
``python -X importtime`` of the notebook's own imports on top of what a kernel already has
(ipykernel, ipywidgets): the import share of the first cell. Prints a markdown table of medians.

    .venv/bin/python bench/bench_kernel_start.py                 # everything, 3 runs each
    .venv/bin/python bench/bench_kernel_start.py koopman diffusion --repeat 5 --cells
    git archive --prefix=before/ HEAD~3 | tar -x -C /tmp && \
        .venv/bin/python bench/bench_kernel_start.py --baseline /tmp/before --no-imports

The facts cache (``widgets.cache_dir()``) is used as a server uses it: warm after the first run.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
HEAVY = ["scipy", "sklearn", "pandas", "plotly.graph_objects", "plotly.subplots", "pygments",
         "yaml", "matplotlib", "IPython.core.display", "jupyter_server", "nbformat"]
BASELINE = "import ipywidgets\nipywidgets.Button()"
PRE = "import time as _t; _cpu0 = _t.process_time()"  # a probe run before the notebook's cells
PROBE = ("import sys as _s; print(round(_t.process_time() - _cpu0, 3)); print(','.join(m for m in %r "
         "if type(_s.modules.get(m)).__name__ == 'module'))" % (HEAVY,))  # not widgets.lazyimport's


def notebook_paths(names: list[str]) -> list[tuple[str, Path | None]]:
    lessons = sorted((NOTEBOOKS / "lessons").glob("*.ipynb"))
    every = [("button", None)] + [(p.stem, p) for p in lessons] + [
        ("explorer", NOTEBOOKS / "explorer.ipynb"), ("corpus", NOTEBOOKS / "corpus.ipynb")]
    if not names:
        return every
    return [("button", None)] + [(n, p) for n, p in every if n in names]


def load(path: Path | None) -> nbformat.NotebookNode:
    if path is None:
        nb = nbformat.v4.new_notebook()
        nb.cells.append(nbformat.v4.new_code_cell(BASELINE))
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        return nb
    return nbformat.read(path, as_version=4)


def run_once(path: Path | None, tree: Path = ROOT) -> dict:
    """One fresh kernel: start time, per-cell wall times (s), the kernel's CPU time over all cells
    (s; unlike the wall time, not inflated by other work on the machine), the heavy modules
    imported."""
    path = tree / path.relative_to(ROOT) if path else None
    nb = load(path)
    cwd = str(path.parent if path else tree / "notebooks")
    env = dict(os.environ, VOILA_BASE_URL="/", PYDEVD_DISABLE_FILE_VALIDATION="1")
    if tree != ROOT:  # the kernel imports this tree's widgets (before the checkout's .pth entry)
        env["PYTHONPATH"] = os.pathsep.join([str(tree)] + [p for p in [env.get("PYTHONPATH")] if p])
    client = NotebookClient(nb, kernel_name="python3", timeout=300, allow_errors=True,
                            resources={"metadata": {"path": cwd}})
    t0 = time.perf_counter()
    with client.setup_kernel(env=env, cwd=cwd):
        started = time.perf_counter() - t0
        own = [(i, c) for i, c in enumerate(nb.cells) if c.cell_type == "code"]
        pre = nbformat.v4.new_code_cell(PRE)
        nb.cells.append(pre)
        client.execute_cell(pre, len(nb.cells) - 1)
        cells = []
        for index, cell in own:
            t = time.perf_counter()
            client.execute_cell(cell, index)
            cells.append(time.perf_counter() - t)
            errors = [o for o in cell.outputs if o.output_type == "error"]
            if errors:
                print(f"  ! {path and path.stem} cell {index}: {errors[0].ename}", file=sys.stderr)
        probe = nbformat.v4.new_code_cell(PROBE)
        nb.cells.append(probe)
        client.execute_cell(probe, len(nb.cells) - 1)
        text = "".join(o.get("text", "") for o in probe.outputs if o.output_type == "stream")
    cpu, heavy = (text.strip().splitlines() + ["", ""])[:2]
    return {"start": started, "cells": cells, "cpu": float(cpu), "heavy": heavy}


def import_lines(nb: nbformat.NotebookNode) -> str:
    """The import statements of a notebook's first code cell."""
    code = next((c.source for c in nb.cells if c.cell_type == "code"), "")
    return "; ".join(line.strip() for line in code.splitlines()
                     if re.match(r"\s*(from\s+\S+\s+)?import\s", line))


def import_ms(statement: str, repeat: int) -> float:
    """Median ms that ``statement`` adds to a process that already imported ipykernel and
    ipywidgets (from ``-X importtime``: the cumulative time of the top-level imports it triggers)."""
    if not statement:
        return 0.0
    pre = "import ipykernel.ipkernel, ipywidgets, IPython.display"
    runs = []
    for _ in range(repeat):
        out = subprocess.run([sys.executable, "-X", "importtime", "-c", f"{pre}\n{statement}"],
                             cwd=ROOT, capture_output=True, text=True, check=True).stderr
        lines = out.splitlines()
        # the part after the pre-imports: lines after the last top-level line of `pre`
        marks = [i for i, line in enumerate(lines) if re.search(r"\|\s(ipykernel\.ipkernel|ipywidgets|IPython\.display)$", line)]
        total = 0
        for line in lines[max(marks) + 1 if marks else 0:]:
            m = re.match(r"import time:\s+\d+\s+\|\s+(\d+)\s+\|( *)(\S+)", line)
            if m and len(m.group(2)) == 1:  # top level (one space of indent)
                total += int(m.group(1))
        runs.append(total / 1e3)
    return statistics.median(runs)


def medians(runs: list[dict]) -> dict:
    return {"start": statistics.median(r["start"] for r in runs),
            "total": statistics.median(sum(r["cells"]) for r in runs),
            "cpu": statistics.median(r["cpu"] for r in runs),
            "cells": [statistics.median(r["cells"][i] for r in runs) for i in range(len(runs[0]["cells"]))],
            "heavy": runs[-1]["heavy"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="notebook stems (default: all)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cells", action="store_true", help="also print per-cell medians")
    parser.add_argument("--no-imports", action="store_true", help="skip the -X importtime part")
    parser.add_argument("--baseline", type=Path, help="another tree (e.g. a `git archive` of a "
                        "commit) to compare with: its runs alternate with this checkout's")
    args = parser.parse_args()

    trees = ([args.baseline.resolve()] if args.baseline else []) + [ROOT]
    print(f"load average at start: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}", file=sys.stderr)
    rows, base = [], None
    for name, path in notebook_paths(args.names):
        runs = {tree: [] for tree in trees}
        for _ in range(args.repeat):
            for tree in trees:
                runs[tree].append(run_once(path, tree))
        m = [medians(runs[tree]) for tree in trees]
        base = m if base is None else base
        imp = 0.0 if args.no_imports else import_ms(import_lines(load(path)), args.repeat)
        rows.append((name, m, [(x["total"] - b["total"], x["cpu"] - b["cpu"]) for x, b in zip(m, base)], imp))
        print(f"  {name}: " + " -> ".join(f"{x['total']:.2f} s" for x in m), file=sys.stderr)

    print(f"\n{args.repeat} fresh kernels each, medians; load average at end "
          f"{os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}\n")
    if args.baseline:
        print("| notebook | cells s before | after | over Button before | after | CPU s before | after "
              "| CPU over Button before | after | within +0.8 s | heavy modules loaded (after) |")
        print("|---|---|---|---|---|---|---|---|---|---|---|")
        for name, (b, a), ((ob, cb), (oa, ca)), _ in rows:
            print(f"| {name} | {b['total']:.2f} | {a['total']:.2f} | {ob:+.2f} | {oa:+.2f} | {b['cpu']:.2f} "
                  f"| {a['cpu']:.2f} | {cb:+.2f} | {ca:+.2f} | {'yes' if oa <= 0.8 else 'no'} | {a['heavy']} |")
    else:
        print("| notebook | kernel start s | cells s | over Button s | cells CPU s | CPU over Button s "
              "| within +0.8 s | imports ms | first cell s | heavy modules loaded |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        for name, (a,), ((over, cpu_over),), imp in rows:
            first = a["cells"][0] if a["cells"] else 0.0
            print(f"| {name} | {a['start']:.2f} | {a['total']:.2f} | {over:+.2f} | {a['cpu']:.2f} "
                  f"| {cpu_over:+.2f} | {'yes' if over <= 0.8 else 'no'} | {imp:.0f} | {first:.2f} "
                  f"| {a['heavy']} |")
    if args.cells:
        print("\n| notebook | per-cell s |\n|---|---|")
        for name, m, _, _ in rows:
            print(f"| {name} | " + " → ".join(" · ".join(f"{t:.2f}" for t in x["cells"]) for x in m) + " |")


if __name__ == "__main__":
    main()
