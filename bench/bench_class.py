"""A class at once: N students open the same lesson at the same moment.

    .venv/bin/python bench/bench_class.py [--students 20] [--lesson diffusion] [--fill-delay 5]
    .venv/bin/python bench/bench_class.py --reference [--students 20] [--fill-delay 5]

The server is the kit's own (``widgets.serve``, voila.json) with the setting the README gives for a
class: the lesson's warm pool as large as the class
(``--VoilaKernelManager.kernel_pools_config``), filled before the students arrive. Then N headless
Chromium pages (one browser, a context each: N first visits) open the lesson together, over
loopback. Reported: seconds from the common start until each page showed its plotly figure with
data (the last one is the figure that matters), pages with a ``.voila-error`` or a page error,
resident memory per kernel while the class is on, and the students' kernels still running one
minute after every tab closed (voila.json's ``disconnect_timeout`` frees a closed tab's kernel).
``--reference``: the class opens, instead of a lesson, the notebook every ratio of
``bench_serving.py`` is taken to: one ipywidgets Button on Voila's own front end (drawn = the button
shows). What a class costs this machine when the page itself costs next to nothing.
Not a test: timings on a shared 2-core machine vary from run to run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from widgets.serve import VoilaServer  # noqa: E402

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
                 "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]
POLL_MS = 100  # how often a page is asked whether its figure has drawn (the times' resolution)
DRAWN = """() => { const p = document.querySelector('.js-plotly-plot');
                   return !!(p && p.data && p.data.length); }"""
BUTTON_SHOWN = "() => !!document.querySelector('button.jupyter-widgets, .jupyter-widgets button')"  # --reference's page drawn


def class_args(lesson: str, students: int, fill_delay: float, others: int = 0,
               notebook: str | None = None) -> list[str]:
    """The README's class setting: the lesson's pool holds a kernel per student; the other apps
    keep ``others`` warm kernels each (0: none, so that their pools do not take the cores while
    the class arrives; voila.json's everyday setting is 1). ``notebook``: another notebook than
    the lesson's (a path under the server's root)."""
    pools = {"default": {"pool_size": others}, notebook or f"lessons/{lesson}.ipynb": {"pool_size": students}}
    return [f"--VoilaKernelManager.kernel_pools_config={json.dumps(pools)}",
            f"--VoilaKernelManager.fill_delay={fill_delay}"]


async def student(browser, url: str, start: float, timeout_ms: float, drawn: str = DRAWN) -> dict:
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    # an uncaught error's cause (anywidget wraps the real one) reaches the console
    await context.add_init_script("""for (const kind of ['error', 'unhandledrejection']) {
      window.addEventListener(kind, (e) => { const err = e.error || e.reason;
        if (err && err.cause) console.error('cause: ' + (err.cause.stack || err.cause)); });
    }""")
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(f"console: {msg.text[:300]}") if msg.type == "error" else None)
    out = {"context": context, "page": page, "errors": errors, "drawn_s": None}
    try:
        await page.goto(url, wait_until="commit", timeout=timeout_ms)
        # every 100 ms, not Playwright's default (every animation frame): polling on each frame makes
        # all 20 pages produce 60 frames a second while they wait, work that a student's page never
        # does (measured: 32 of 187 CPU seconds went to compositing, none of it the kit's)
        await page.wait_for_function(drawn, timeout=timeout_ms, polling=POLL_MS)
        out["drawn_s"] = time.monotonic() - start
    except Exception as exc:  # noqa: BLE001 (reported, not raised: the bench counts the misses)
        out["failure"] = f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
    out["voila_error"] = await page.locator(".voila-error").count() > 0
    config = await page.locator("#jupyter-config-data").text_content() if await page.locator(
        "#jupyter-config-data").count() else None
    out["kernel_id"] = json.loads(config)["kernelId"] if config else None
    return out


def wait_for_pool(server: VoilaServer, lesson: str, students: int, timeout: float = 900,
                  notebook: str | None = None) -> float:
    """Seconds until Voila logs that the lesson's pool holds a kernel per student (each has run
    the lesson), then until the kernels are quiet (at most one more minute)."""
    start = time.monotonic()
    line = f"Kernel pool of {notebook or f'lessons/{lesson}.ipynb'} is filled with {students} kernel(s)"
    while line not in server.log():
        if time.monotonic() - start > timeout:
            raise RuntimeError(f"the pool was not filled within {timeout:.0f} s")
        time.sleep(1)
    filled = time.monotonic() - start
    server.wait_until_idle(timeout=60, quiet=3)
    return filled


def cpu_seconds(server: VoilaServer) -> dict[str, float]:
    """CPU seconds used so far by the Voila server, its kernels, and Chromium's processes (the
    headless students' browsers, which share this machine's cores with the server)."""
    import psutil

    server_proc = psutil.Process(server.proc.pid)
    kernels = {p.pid for p in server_proc.children(recursive=True)}
    out = {"server": 0.0, "kernels": 0.0, "chromium": 0.0}
    for proc in psutil.process_iter():
        try:
            times = proc.cpu_times()
            used = times.user + times.system
            if proc.pid == server_proc.pid:
                out["server"] += used
            elif proc.pid in kernels:
                out["kernels"] += used
            elif "chrom" in proc.name():
                out["chromium"] += used
        except psutil.Error:
            continue
    return out


async def run_class(server: VoilaServer, notebook: str, students: int, timeout_s: float,
                    drawn: str = DRAWN) -> dict:
    from playwright.async_api import async_playwright

    url = f"{server.url}voila/render/{notebook}"
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                          args=CHROMIUM_ARGS)
        cpu_before = cpu_seconds(server)
        start = time.monotonic()
        sessions = await asyncio.gather(*(student(browser, url, start, timeout_s * 1000, drawn)
                                          for _ in range(students)))
        cpu_after = cpu_seconds(server)
        rss = server.kernel_rss_mb()
        kernels_open = len(rss)
        ids = [s["kernel_id"] for s in sessions if s["kernel_id"]]
        for s in sessions:
            await s["context"].close()
        closed_at = time.monotonic()
        left = ids
        while left and time.monotonic() - closed_at < 60:
            await asyncio.sleep(1)
            left = [k for k in ids if server.has_kernel(k)]
        freed_s = time.monotonic() - closed_at
        await browser.close()
    drawn = [s["drawn_s"] for s in sessions if s["drawn_s"] is not None]
    return {
        "students": students, "drawn": len(drawn), "last_drawn_s": max(drawn) if drawn else None,
        "median_drawn_s": statistics.median(drawn) if drawn else None,
        "voila_errors": sum(s["voila_error"] for s in sessions),
        "page_errors": sum(bool(s["errors"]) for s in sessions),
        "failures": [s["failure"] for s in sessions if "failure" in s],
        "first_page_errors": next((s["errors"][:6] for s in sessions if s["errors"]), []),
        "distinct_kernels": len(set(ids)), "kernels_open": kernels_open,
        "rss_mb_median": statistics.median(rss.values()) if rss else None,
        "rss_mb_max": max(rss.values()) if rss else None,
        "left_after_close": len(left), "freed_after_s": freed_s,
        "cpu_s": {k: round(cpu_after[k] - cpu_before[k], 1) for k in cpu_before},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=20)
    parser.add_argument("--lesson", default="diffusion")
    parser.add_argument("--fill-delay", type=float, default=5.0,
                        help="VoilaKernelManager.fill_delay (voila.json: 5)")
    parser.add_argument("--others", type=int, default=0,
                        help="warm kernels for every other app (voila.json's everyday setting: 1)")
    parser.add_argument("--timeout", type=float, default=300, help="seconds a page may take to draw")
    parser.add_argument("--reference", action="store_true",
                        help="open the one-Button notebook on Voila's front end instead of a lesson")
    args = parser.parse_args()

    notebook, drawn, root = f"lessons/{args.lesson}.ipynb", DRAWN, None
    if args.reference:
        import tempfile

        from bench_serving import BUTTON, make_root
        notebook, drawn = BUTTON, BUTTON_SHOWN
        root = make_root(Path(tempfile.mkdtemp(prefix="bench-class-")))
    extra = class_args(args.lesson, args.students, args.fill_delay, args.others, notebook=notebook)
    # a SIGTERM (e.g. from `timeout`) still stops the server and its kernels
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    t0 = time.monotonic()
    server = VoilaServer(root=root, extra=extra, log_path=ROOT / "tests" / "_artifacts" / "voila-class.log",
                         timeout=300)
    try:
        filled = wait_for_pool(server, args.lesson, args.students, notebook=notebook)
        pool = len(server.kernel_pids())
        print(f"the lesson's pool was filled {filled:.0f} s after the server answered, the kernels quiet "
              f"{time.monotonic() - t0:.0f} s after start; {pool} kernels waiting; "
              f"load average {os.getloadavg()[0]:.1f}", flush=True)
        result = asyncio.run(run_class(server, notebook, args.students, args.timeout, drawn))
    finally:
        server.stop()
        if root is not None:
            import shutil

            shutil.rmtree(root.parent, ignore_errors=True)
    result["load_average_after"] = round(os.getloadavg()[0], 1)
    print(json.dumps(result, indent=2))
    drawn = result["drawn"]
    print(f"\n### {args.students} students open `{notebook}` at once\n")
    last = f"{result['last_drawn_s']:.1f} s (median {result['median_drawn_s']:.1f} s)" if drawn else "-"
    print(f"- {result['drawn']} of {args.students} drew their {'button' if args.reference else 'figure'}; the last after {last}; "
          f".voila-error on {result['voila_errors']} pages, page errors on {result['page_errors']}; "
          f"{result['distinct_kernels']} distinct kernels")
    print(f"- {result['kernels_open']} kernels open during the class (the sessions' plus the refilled "
          f"pools), {result['rss_mb_median']:.0f} MB resident per kernel (median; max "
          f"{result['rss_mb_max']:.0f} MB)")
    cpu = result["cpu_s"]
    print(f"- CPU while the class arrived: server {cpu['server']:.1f} s, its kernels {cpu['kernels']:.1f} s, "
          f"the {args.students} Chromium pages {cpu['chromium']:.1f} s (the machine has {os.cpu_count()} cores)")
    print(f"- after every tab closed: {result['left_after_close']} of the sessions' kernels still "
          f"running after {result['freed_after_s']:.0f} s")
    which = "--reference" if args.reference else f"--lesson {args.lesson}"
    print(f"\n`.venv/bin/python bench/bench_class.py --students {args.students} {which} "
          f"--fill-delay {args.fill_delay:g} --others {args.others}`")
    ok = (result["drawn"] == args.students and not result["voila_errors"] and not result["page_errors"]
          and result["left_after_close"] == 0)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
