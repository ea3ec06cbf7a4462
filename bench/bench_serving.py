"""Time to first widget in headless Chromium, cold and preheated, and 10 concurrent explorer sessions.

    .venv/bin/python bench/bench_serving.py [--loads 4] [--sessions 10] [--skip-lessons] [--sessions-only]
                                            [--no-sessions] [--apps NOTEBOOK ...]

Every number is measured in this run. Two Voila servers run side by side on the project's
voila.json: one as it is (a preheated kernel pool per notebook) and one with
``preheat_kernel=False`` (a fresh kernel per request, "cold"). The apps are (a) a notebook holding
one ipywidgets Button (the floor any Voila app pays), (b) the gallery, the explorer, the corpus page,
then every lesson (``--apps`` picks some). The
Button notebook runs on Voila's own front end (the reference of every ratio) and, as
``_button_lite.ipynb``, on the kit's (``teachkit-lite``, which the explorer, the gallery and the
corpus page use).
"Time to first widget" is the page's ``performance.now()`` (navigation start = 0) when the first
frame in which a ``.jupyter-widgets`` element is visible has been laid out, just before it is
painted; "plots drawn" is the same for the first frame in which every plotly figure on the page holds
its data (the gallery has none: there it is the first widget); median of ``--loads`` loads. The page
takes both times itself (``FRAME_TIMES``, a script that runs before the page's own). Until
2026-12-03 the bench read ``performance.now()`` with a second call from Playwright once its wait
had returned: that added the driver's round trips and every task the page ran meanwhile,
0.2-0.6 s on this machine, to every page, the reference included (RESULTS, "Timed in the page"). Each load uses a fresh
browser context (a first visit: nothing cached). Loads are interleaved, one round at a time; in a
round every app is loaded right after a load of the reference (cold), then cold, then preheated, and
its ratios are to that reference: drift in the machine's speed during a run (1.5x seen within one
run) cancels out of the ratios instead of favouring the apps measured first.
After each load the bench waits until both servers' kernels are idle (the explorer draws its map
after the page shows; a used pool refills after voila.json's fill delay), so one load's after-work
does not slow the next.

Chromium's resolver answers only for 127.0.0.1 (``--host-resolver-rules``), so no request can leave
the machine. Earlier runs of this bench blocked other hosts with Playwright's request routing
instead, which sends every request of the page through the test driver and added 200-400 ms to
every load; a student's browser pays nothing like it.
"""

from __future__ import annotations

import argparse
import json
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
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
                 "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]
BUTTON = "_button.ipynb"
BUTTON_LITE = "_button_lite.ipynb"
# a used pool starts refilling after voila.json's fill_delay; wait for that before the idle check
REFILL_S = json.loads((ROOT / "voila.json").read_text())["VoilaKernelManager"]["fill_delay"] + 1


def make_root(tmp: Path) -> Path:
    root = tmp / "notebooks"
    shutil.copytree(ROOT / "notebooks", root)
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell("import ipywidgets as W\nW.Button(description='Hello')")]
    nbformat.write(nb, root / BUTTON)
    nb.metadata["voila"] = {"template": "teachkit-lite"}
    nbformat.write(nb, root / BUTTON_LITE)
    return root


# every plotly figure on the page holds data (the app "with its plots")
PLOTS_DRAWN = """() => { const plots = [...document.querySelectorAll('.js-plotly-plot')];
  return plots.length > 0 && plots.every(p => p.data && p.data.length); }"""
# Runs in every page before its own scripts. Once per animation frame it checks whether a widget is
# visible and whether every figure holds data. The time of each is taken later in the first frame
# in which it holds: in a ResizeObserver's first callback, which the browser calls after that
# frame's style and layout (the HTML spec's "update the rendering"), just before its paint.
FRAME_TIMES = """(() => {
  const times = window.__benchTimes = {};
  const visible = (e) => { const r = e.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && e.checkVisibility({ visibilityProperty: true }); };
  const drawn = %s;
  const pending = {};
  const stamp = (key) => {
    pending[key] = true;
    const observer = new ResizeObserver(() => { times[key] = performance.now(); observer.disconnect(); });
    observer.observe(document.documentElement);
  };
  const frame = () => {
    if (!pending.widget && [...document.querySelectorAll('.jupyter-widgets')].some(visible)) stamp('widget');
    if (!pending.drawn && drawn()) stamp('drawn');
    if (!pending.drawn) requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
})();""" % PLOTS_DRAWN
NO_PLOTS = ("_button", "index.ipynb")  # pages without a figure: drawn = first widget


def time_to_widget(browser, url: str, timeout: float = 120_000) -> tuple[float, float, bool]:
    """(ms from navigation start to the first visible widget, ms until every plotly figure drew,
    whether a .voila-error showed)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(FRAME_TIMES)
    page = context.new_page()
    try:
        page.goto(url, wait_until="commit", timeout=timeout)
        key = "widget" if any(name in url for name in NO_PLOTS) else "drawn"
        page.wait_for_function(f"() => window.__benchTimes && window.__benchTimes.{key} !== undefined",
                               timeout=timeout, polling=50)
        times = page.evaluate("window.__benchTimes")
        ms = times["widget"]
        drawn = times.get("drawn", ms)
        error = page.locator(".voila-error").count() > 0
    finally:
        context.close()
    return ms, drawn, error


def measure(browser, servers: dict[str, VoilaServer], notebooks: list[str],
            loads: int) -> dict[tuple[str, str], list[float]]:
    """``loads`` rounds; in each round every notebook is loaded cold and preheated, each time right
    after the reference (the one-Button notebook on Voila's front end, cold), so that every app's
    ratio is to a reference measured a few seconds before it, not minutes earlier: on this shared
    machine the speed drifts by 1.5x within a run. After each load the bench waits until every
    server's kernels are idle (and, after a preheated load, for the pool's refill)."""
    times: dict[tuple[str, str], list[float]] = {}

    def load(mode: str, nb: str, key: str, row: str) -> None:
        ms, drawn, error = time_to_widget(browser, servers[mode].url + "voila/render/" + nb)
        if error:
            raise SystemExit(f"{nb} ({mode}): Voila showed an error")
        times.setdefault((key, row), []).append(ms)
        times.setdefault((key + " drawn", row), []).append(drawn)
        if mode == "preheated":
            time.sleep(REFILL_S)  # a used pool starts its refill after voila.json's fill_delay
        for each in servers.values():
            each.wait_until_idle(quiet=1.0)

    for _ in range(loads):
        for nb in notebooks:
            load("cold", BUTTON, "reference", nb)  # the reference, in the row of the app it is for
            load("cold", nb, "cold", nb)
            load("preheated", nb, "preheated", nb)
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
    rendered, missing = 0, []
    for i, page in enumerate(pages):
        try:
            page.wait_for_selector(".jupyter-widgets, .voila-error", state="visible",
                                   timeout=max(1_000, 300_000 - 1000 * (time.perf_counter() - start)))
            rendered += page.locator(".jupyter-widgets").count() > 0
        except Exception:  # noqa: BLE001 - a session that never renders is counted, not fatal
            state = page.evaluate("() => [document.readyState, document.body ? document.body.dataset.kitReady :"
                                  " null, document.body ? document.body.innerText.slice(0, 160) : '']")
            missing.append(f"session {i}: {state}")
    all_rendered = time.perf_counter() - start
    for line in missing:  # what a page that never drew showed, to tell a server stall from a page fault
        print("  not rendered:", line)
    errors = sum(page.locator(".voila-error").count() > 0 for page in pages)
    rss = server.kernel_rss_mb()
    for context in contexts:
        context.close()
    return {"sessions": n, "rendered": rendered, "all_rendered_s": all_rendered, "errors": errors,
            "kernels_open": len(rss), "rss_mb_median": statistics.median(rss.values()) if rss else 0}


def culled(server: VoilaServer, pool_kernels: set[int], limit: float = 180) -> dict:
    """Wait until the culler has shut the sessions' kernels down. Pool kernels are never culled and
    a used pool refills, so the sessions are gone when the kernel count is back to the pools' size."""
    t0 = time.perf_counter()
    while len(server.kernel_pids()) > len(pool_kernels) and time.perf_counter() - t0 < limit:
        time.sleep(1)
    now = len(server.kernel_pids())
    return {"left_after_close": max(0, now - len(pool_kernels)), "freed_after_s": time.perf_counter() - t0,
            "pool_kernels": len(pool_kernels), "kernels_now": now}


def print_loads(browser, root: Path, apps: list[str], args) -> None:
    """Time every app cold and preheated (``measure``) and print the table."""
    rows: dict[str, dict[str, float]] = {}
    servers = {"cold": VoilaServer(root=root, extra=["--VoilaConfiguration.preheat_kernel=False"]),
               "preheated": VoilaServer(root=root)}  # voila.json as it is: one warm kernel per notebook
    try:
        for server in servers.values():
            server.wait_until_idle()  # every pool has run its notebook
        for server in servers.values():  # unmeasured: a new server's first page of Voila's
            time_to_widget(browser, server.url + "voila/render/" + BUTTON)  # application took 21 s once
            time.sleep(REFILL_S)
            server.wait_until_idle(quiet=1.0)
        loads = measure(browser, servers, [BUTTON, BUTTON_LITE, *apps], args.loads)
    finally:
        for server in servers.values():
            server.stop()
    for (mode, nb), times in loads.items():
        print(f"{nb} {mode}: " + ", ".join(f"{ms:.0f}" for ms in times) + " ms")
        rows.setdefault(nb, {})[mode] = statistics.median(times)
    for nb, r in rows.items():  # each load's time over the reference loaded just before it
        for mode in ("cold drawn", "preheated drawn"):
            r[mode + " ratio"] = statistics.median(
                t / ref for t, ref in zip(loads[(mode, nb)], loads[("reference drawn", nb)]))
    references = [t for (mode, _), times in loads.items() if mode == "reference drawn" for t in times]
    print()
    print("## Serving: time to first widget and to the drawn plots (headless Chromium)\n")
    print(f"`.venv/bin/python bench/bench_serving.py {' '.join(sys.argv[1:])}` "
          f"(median of {args.loads} loads each; every load is timed right after a load of the reference, "
          f"the one-Button notebook on Voila's front end, cold: {min(references):.0f}-{max(references):.0f} ms "
          f"in this run, median {statistics.median(references):.0f} ms; a ratio is the median of a "
          f"page's loads, each over the reference loaded just before it)\n")
    print("| app | reference ms | cold: first widget ms | cold: plots drawn ms | cold ÷ button | "
          "preheated: first widget ms | preheated: plots drawn ms | preheated ÷ button |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for nb, r in rows.items():
        print(f"| {nb} | {r['reference drawn']:.0f} | {r['cold']:.0f} | {r['cold drawn']:.0f} | "
              f"{r['cold drawn ratio']:.2f} {'✔' if r['cold drawn ratio'] <= 1.3 else '✘'} | "
              f"{r['preheated']:.0f} | {r['preheated drawn']:.0f} | "
              f"{r['preheated drawn ratio']:.2f} {'✔' if r['preheated drawn ratio'] <= 0.7 else '✘'} |")
    sys.stdout.flush()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loads", type=int, default=4)
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--skip-lessons", action="store_true")
    parser.add_argument("--sessions-only", action="store_true", help="only the concurrent sessions")
    parser.add_argument("--no-sessions", action="store_true", help="only the page loads")
    parser.add_argument("--apps", nargs="*", help="only these notebooks (paths under notebooks/)")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    lessons = [] if args.skip_lessons else [lesson["notebook"] for lesson in registry()]
    apps = args.apps or ["index.ipynb", "explorer.ipynb", "corpus.ipynb", *lessons]
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        root = make_root(Path(tmp))
        if not args.sessions_only:
            print_loads(browser, root, apps, args)
        if args.no_sessions:
            browser.close()
            return 0
        # The deployment's configuration (preheated pools) with a short idle time-out for the culler.
        culling = VoilaServer(root=root, extra=["--MappingKernelManager.cull_idle_timeout=20",
                                                "--MappingKernelManager.cull_interval=5"])
        try:
            culling.wait_until_idle()
            pool_kernels = set(culling.kernel_pids())
            load = concurrent_sessions(browser, culling, "explorer.ipynb", args.sessions)
            load.update(culled(culling, pool_kernels))
        finally:
            culling.stop()
        browser.close()

    print(f"\n### {load['sessions']} concurrent explorer sessions\n")
    print(f"- {load['rendered']} of {load['sessions']} rendered, the last after {load['all_rendered_s']:.1f} s; "
          f"sessions showing .voila-error: {load['errors']}")
    print(f"- kernels open: {load['kernels_open']} (including {load['pool_kernels']} preheated pool "
          f"kernels), median resident memory per kernel {load['rss_mb_median']:.0f} MB")
    print(f"- after closing the tabs the culler (idle timeout 20 s, interval 5 s) left "
          f"{load['left_after_close']} of the sessions' kernels, {load['freed_after_s']:.0f} s after close; "
          f"{load['kernels_now']} kernels remain (the refilled pools)")
    ok = load["errors"] == 0 and load["rendered"] == load["sessions"] and load["left_after_close"] == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
