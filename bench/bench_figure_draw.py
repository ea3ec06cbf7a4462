"""How long plotly.js takes to draw each lesson's first figure, in headless Chromium.

    .venv/bin/python bench/bench_figure_draw.py [--reps 9] LESSON [LESSON ...]   (slugs: diffusion tours ...)

Each lesson's figures are built as a fresh kernel shows them first (``view().figures``) and
written as plotly JSON; one page with plotly.js (the installed plotly's own ``plotly.min.js``)
then draws them with ``Plotly.newPlot`` plus two animation frames, interleaved, ``--reps`` times
after one unmeasured warm-up each. Prints the figure's JSON size and the median draw time: the
browser's share of a lesson page that no server setting changes (bench/RESULTS.md, "First
figures").
"""

from __future__ import annotations

import argparse
import importlib
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_serving import CHROMIUM_ARGS  # noqa: E402

DRAW = """async (text) => { const fig = JSON.parse(text);
  const div = document.createElement('div'); document.body.appendChild(div);
  const t0 = performance.now();
  await Plotly.newPlot(div, fig.data, fig.layout);
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  const ms = performance.now() - t0; Plotly.purge(div); div.remove(); return ms; }"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=9)
    parser.add_argument("lessons", nargs="+")
    args = parser.parse_args()
    import plotly
    from playwright.sync_api import sync_playwright

    figures = {}
    for slug in args.lessons:
        for name, fig in importlib.import_module(f"widgets.lessons.{slug}_view").view().figures.items():
            figures[f"{slug}:{name}"] = fig.to_json()
    times = {key: [] for key in figures}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_content("<html><body style='margin:0'></body></html>")
        page.add_script_tag(path=str(Path(plotly.__file__).parent / "package_data" / "plotly.min.js"))
        for text in figures.values():
            page.evaluate(DRAW, text)  # warm-up: JIT, fonts
        for _ in range(args.reps):
            for key, text in figures.items():
                times[key].append(page.evaluate(DRAW, text))
        browser.close()
    print(f"| figure | JSON bytes | newPlot ms (median of {args.reps}) |\n|---|---:|---:|")
    for key, text in figures.items():
        print(f"| {key} | {len(text):,} | {statistics.median(times[key]):.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
