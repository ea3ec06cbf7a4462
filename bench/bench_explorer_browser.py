"""The explorer in headless Chromium at 64 and 100,000 papers: time to a usable page, keystroke to
updated list, click to card, similar papers, and the kernel's memory.

    .venv/bin/python bench/bench_explorer_browser.py                 # 64 and 100000
    .venv/bin/python bench/bench_explorer_browser.py --sizes 64 --trials 5

The 100,000 abstracts are the synthetic corpus of ``bench_explorer.py`` (mixed from the real ones),
written as JSON Lines to a temporary folder and given to the explorer app the way a teacher would:
``KIT_CORPUS=<file>`` in the environment of a Voila server with the project's ``voila.json`` (no
preheating: every page load runs the notebook). A first process reads the file and fits the topic
model into the cache (``KIT_CACHE_DIR`` in the same folder), which is timed as "first fit"; the
page loads then use the cached corpus and fit.

In the page (Chromium with SwiftShader, so the WebGL map draws without a GPU; requests only to
127.0.0.1):
* "usable page": navigation start to the search box, the first rows of the list and the map's
  points all on screen (median of --loads fresh page loads);
* "keystroke to list": a word typed into the search box (one ``input`` event) to the moment the
  list's count line changes, from a MutationObserver's ``performance.now()``; median of --trials
  words, each from the empty box;
* "click to card": a click on a row of the list to the card showing that paper's title;
* "similar papers": the card lists the similar papers (checked, not timed separately).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--use-angle=swiftshader", "--enable-unsafe-swiftshader",
                 "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]
WORDS = ["diffusion", "privacy", "policy", "graph", "entropy", "sampling", "reward", "attention", "kernel",
         "bandit", "robust", "compression"]
GOALS = {64: (100.0, 100.0), 100_000: (300.0, 300.0)}   # keystroke, click (ms)

# the count line's text and the time of its last change, kept by a MutationObserver
WATCH = """() => {
  const text = () => (document.querySelector('.kx-count') || {}).textContent;
  const box = document.querySelector('.kx-count').closest('.widget-html');  // the widget's own element stays
  window.__kx = {count: text(), changed: performance.now(), typed: null};
  new MutationObserver(() => { if (text() !== window.__kx.count) {
      window.__kx.count = text(); window.__kx.changed = performance.now(); } })
    .observe(box, {childList: true, subtree: true, characterData: true});
  const input = document.querySelector('input[placeholder^="Search titles"]');
  input.addEventListener('input', () => { window.__kx.typed = performance.now(); }, true);
  const card = () => (document.querySelector('.kx-card h3') || {}).innerText;
  window.__kx.card = card(); window.__kx.cardAt = null; window.__kx.clicked = null;
  new MutationObserver(() => { const c = card(); if (c !== window.__kx.card) {
      window.__kx.card = c; window.__kx.cardAt = performance.now(); } })
    .observe(document.body, {childList: true, subtree: true, characterData: true});
  document.addEventListener('click', () => { window.__kx.clicked = performance.now(); }, true);
}"""


def write_corpus(n: int, folder: Path) -> Path:
    from bench_explorer import synthetic_corpus

    path = folder / f"papers-{n}.jsonl"
    with path.open("w", encoding="utf-8") as f:
        for record in synthetic_corpus(n).to_dict("records"):
            f.write(json.dumps(record) + "\n")
    return path


def first_fit(env: dict) -> dict:
    code = ("import time, resource; t = time.perf_counter(); "
            "from widgets.views.explorer import initial_corpus, _fit; df, name, problem = initial_corpus(); "
            "r = time.perf_counter(); tm = _fit(df, None); f = time.perf_counter(); "
            "print(len(df), r - t, f - r, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, problem)")
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout.split()
    return {"papers": int(out[0]), "read_s": float(out[1]), "fit_s": float(out[2]), "peak_mb": float(out[3])}


def measure(url: str, loads: int, trials: int, browser, n: int = 0) -> dict:
    usable, keystroke, click, similar = [], [], [], []
    for load in range(loads):
        context = browser.new_context(viewport={"width": 1400, "height": 1400})
        page = context.new_page()
        page.goto(url, timeout=600_000)
        page.wait_for_selector(".kx-row", timeout=600_000)
        page.wait_for_selector(".js-plotly-plot .gl-container canvas, .js-plotly-plot .scatterlayer .point",
                               timeout=600_000)
        page.wait_for_selector('input[placeholder^="Search titles"]', timeout=600_000)
        usable.append(page.evaluate("performance.now()") / 1000)
        if load == 0:
            page.evaluate(WATCH)
            box = page.locator('input[placeholder^="Search titles"]')
            for word in WORDS[:trials]:
                before = page.evaluate("window.__kx.count")
                box.fill(word)
                page.wait_for_function("b => window.__kx.count !== b", arg=before, timeout=60_000)
                keystroke.append(page.evaluate("window.__kx.changed - window.__kx.typed"))
                row = page.locator(".kx-results .kx-row").first
                title = row.locator(".kx-title").inner_text()
                row.click()
                page.wait_for_function("t => window.__kx.card === t", arg=title, timeout=60_000)
                click.append(page.evaluate("window.__kx.cardAt - window.__kx.clicked"))
                page.wait_for_selector(".kx-similar .kx-row", timeout=60_000)
                similar.append(page.locator(".kx-similar .kx-row").count())
                before = page.evaluate("window.__kx.count")
                box.fill("")
                page.wait_for_function("b => window.__kx.count !== b", arg=before, timeout=60_000)
            page.screenshot(path=str(ROOT / "tests" / "_artifacts" / "screens" / f"explorer-{n}-papers.png"))
        context.close()
    return {"usable_s": statistics.median(usable), "keystroke_ms": statistics.median(keystroke),
            "keystroke_max_ms": max(keystroke), "click_ms": statistics.median(click),
            "similar_listed": min(similar)}


def run(n: int, loads: int, trials: int) -> dict:
    from playwright.sync_api import sync_playwright

    from widgets.serve import VoilaServer

    with tempfile.TemporaryDirectory(prefix="kit-explorer-") as tmp:
        folder = Path(tmp)
        env = dict(os.environ, KIT_CACHE_DIR=str(folder / "cache"))
        if n != 64:
            env["KIT_CORPUS"] = str(write_corpus(n, folder))
        fit = first_fit(env)
        saved = dict(os.environ)
        os.environ.update(env)
        try:
            server = VoilaServer(extra=["--VoilaConfiguration.preheat_kernel=False"], timeout=300)
        finally:
            os.environ.clear()
            os.environ.update(saved)
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
                row = measure(f"{server.url}voila/render/explorer.ipynb", loads, trials, browser, n)
                row["kernel_mb"] = max(server.kernel_rss_mb().values(), default=float("nan"))
                browser.close()
        finally:
            server.stop()
    return {"n": n, **fit, **row}


def table(rows: list[dict], command: str) -> str:
    lines = [f"Command: `{command}`", "",
             "| papers | first read + fit (s) | usable page (s) | keystroke → list (ms, median / max) | "
             "click → card (ms) | goal (ms) | similar papers listed | kernel memory (MB) |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        goal = GOALS.get(r["n"], (None, None))[0]
        ok = r["keystroke_ms"] <= goal and r["click_ms"] <= goal if goal else None
        lines.append(f"| {r['n']:,} | {r['read_s']:.1f} + {r['fit_s']:.1f} | {r['usable_s']:.1f} | "
                     f"{r['keystroke_ms']:.0f} / {r['keystroke_max_ms']:.0f} | {r['click_ms']:.0f} | "
                     f"≤ {goal:.0f} {'✔' if ok else '✘'} | {r['similar_listed']} | {r['kernel_mb']:.0f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="64,100000")
    parser.add_argument("--loads", type=int, default=3)
    parser.add_argument("--trials", type=int, default=8)
    args = parser.parse_args()
    rows = [run(int(n), args.loads, args.trials) for n in args.sizes.split(",")]
    print(table(rows, "python " + " ".join(["bench/bench_explorer_browser.py", *sys.argv[1:]])))


if __name__ == "__main__":
    main()
