"""Time to first widget in headless Chromium, cold and preheated, and 10 concurrent explorer sessions.

    .venv/bin/python bench/bench_serving.py [--loads 4] [--sessions 10] [--skip-lessons]

Every number is measured in this run, against Voila started with the project's voila.json:
(a) a notebook holding one ipywidgets Button (the floor any Voila app pays), (b) the explorer with
a fresh kernel per request, (c) the explorer from a preheated kernel pool, then every lesson cold
and preheated. "Time to first widget" is the page's ``performance.now()`` when the first
``.jupyter-widgets`` element becomes visible (navigation start = 0), median of ``--loads`` loads.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from widgets.lessons import registry  # noqa: E402
from widgets.serve import VoilaServer  # noqa: E402

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
BUTTON = "_button.ipynb"


def make_root(tmp: Path) -> Path:
    root = tmp / "notebooks"
    shutil.copytree(ROOT / "notebooks", root)
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell("import ipywidgets as W\nW.Button(description='Hello')")]
    nbformat.write(nb, root / BUTTON)
    return root


def time_to_widget(browser, url: str, timeout: float = 120_000) -> tuple[float, bool]:
    """(ms from navigation start to the first visible widget, whether a .voila-error showed)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.route("**/*", lambda route: route.continue_() if "127.0.0.1" in route.request.url
                  or route.request.url.startswith(("data:", "blob:")) else route.abort())
    page = context.new_page()
    try:
        page.goto(url, wait_until="commit", timeout=timeout)
        page.wait_for_selector(".jupyter-widgets", state="visible", timeout=timeout)
        ms = page.evaluate("performance.now()")
        error = page.locator(".voila-error").count() > 0
    finally:
        context.close()
    return ms, error


def measure(browser, server: VoilaServer, notebook: str, loads: int, settle: float) -> list[float]:
    times = []
    for _ in range(loads):
        ms, error = time_to_widget(browser, server.url + "voila/render/" + notebook)
        if error:
            raise SystemExit(f"{notebook}: Voila showed an error")
        times.append(ms)
        time.sleep(settle)  # let a preheated pool refill (and a cold kernel's CPU settle)
    return times


def concurrent_sessions(browser, server: VoilaServer, notebook: str, n: int) -> dict:
    contexts, pages = [], []
    start = time.perf_counter()
    for _ in range(n):
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.goto(server.url + "voila/render/" + notebook, wait_until="commit")
        contexts.append(context)
        pages.append(page)
    rendered = 0
    for page in pages:
        try:
            page.wait_for_selector(".jupyter-widgets, .voila-error", state="visible",
                                   timeout=max(1_000, 300_000 - 1000 * (time.perf_counter() - start)))
            rendered += page.locator(".jupyter-widgets").count() > 0
        except Exception:  # noqa: BLE001 - a session that never renders is counted, not fatal
            pass
    all_rendered = time.perf_counter() - start
    errors = sum(page.locator(".voila-error").count() > 0 for page in pages)
    rss = server.kernel_rss_mb()
    for context in contexts:
        context.close()
    # Closed tabs leave their kernels behind (voila-dashboards/voila#617); the culler must free them.
    t0 = time.perf_counter()
    while len(server.kernel_pids()) > 0 and time.perf_counter() - t0 < 180:
        time.sleep(1)
    return {"sessions": n, "rendered": rendered, "all_rendered_s": all_rendered, "errors": errors,
            "kernels_open": len(rss), "rss_mb_median": statistics.median(rss.values()) if rss else 0,
            "left_after_close": len(server.kernel_pids()), "freed_after_s": time.perf_counter() - t0}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loads", type=int, default=4)
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--skip-lessons", action="store_true")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    lessons = [] if args.skip_lessons else [lesson["notebook"] for lesson in registry()]
    apps = ["explorer.ipynb", *lessons]
    rows: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        root = make_root(Path(tmp))
        cold = VoilaServer(root=root, extra=["--VoilaConfiguration.preheat_kernel=False"])
        try:
            for nb in [BUTTON, *apps]:
                rows.setdefault(nb, {})["cold"] = statistics.median(measure(browser, cold, nb, args.loads, 1))
        finally:
            cold.stop()
        hot = VoilaServer(root=root, extra=["--VoilaConfiguration.preheat_kernel=True",
                                            "--VoilaConfiguration.default_pool_size=1"])
        try:
            time.sleep(20 + 3 * len(apps))  # let every pool fill once
            for nb in apps:
                rows[nb]["preheated"] = statistics.median(measure(browser, hot, nb, args.loads, 6))
        finally:
            hot.stop()
        floor = rows[BUTTON]["cold"]
        print("## Serving: time to first widget (headless Chromium)\n")
        print(f"`.venv/bin/python bench/bench_serving.py --loads {args.loads} --sessions {args.sessions}` "
              f"(median of {args.loads} loads each; ratios are to the one-Button notebook, cold, same run)\n")
        print("| app | cold ms | cold ÷ button | preheated ms | preheated ÷ button (cold) |")
        print("|---|---:|---:|---:|---:|")
        for nb, r in rows.items():
            hot_ms = r.get("preheated")
            hot_cells = f"{hot_ms:.0f} | {hot_ms / floor:.2f}" if hot_ms else "– | –"
            print(f"| {nb} | {r['cold']:.0f} | {r['cold'] / floor:.2f} | {hot_cells} |")
        sys.stdout.flush()
        culling = VoilaServer(root=root, extra=["--VoilaConfiguration.preheat_kernel=False",
                                                "--MappingKernelManager.cull_idle_timeout=20",
                                                "--MappingKernelManager.cull_interval=5"])
        try:
            load = concurrent_sessions(browser, culling, "explorer.ipynb", args.sessions)
        finally:
            culling.stop()
        browser.close()

    print(f"\n### {load['sessions']} concurrent explorer sessions\n")
    print(f"- {load['rendered']} of {load['sessions']} rendered, the last after {load['all_rendered_s']:.1f} s; "
          f"sessions showing .voila-error: {load['errors']}")
    print(f"- kernels open: {load['kernels_open']}, median resident memory per kernel {load['rss_mb_median']:.0f} MB")
    print(f"- after closing the tabs the culler (idle timeout 20 s, interval 5 s) left "
          f"{load['left_after_close']} kernels, {load['freed_after_s']:.0f} s after close")
    ok = load["errors"] == 0 and load["rendered"] == load["sessions"] and load["left_after_close"] == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
