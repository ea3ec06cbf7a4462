"""What one page costs the browser: Chromium's CPU seconds per lesson page, split by thread.

    .venv/bin/python bench/bench_page_cpu.py [--lesson diffusion] [--loads 5] [--against FILE]

The kit's server (``widgets.serve``) keeps a warm kernel per load for the lesson
(``bench_class.class_args``), so every page is preheated. Pages are opened one at a time, each in a
fresh browser context (a first visit: no cache), and each is timed until its first plotly figure
holds data (``bench_class.DRAWN``, polled every 100 ms). For each load the CPU seconds that
Chromium's processes used meanwhile are read from ``/proc`` (psutil), by thread: the page's main
thread, the renderer's worker threads (V8's background compiles and garbage collection), the browser
process, the GPU process (compositing). A class of N students on one machine costs about N times
this (``bench_class.py``), so this is the number to cut. Median of ``--loads`` loads.
``--against FILE``: an A/B of one static file of the kit's template (the one named like FILE, e.g.
an older build of ``plotly-widget-cartesian.js``): the loads alternate (ABBA...) between the
committed file and FILE, ``--loads`` each, and the committed file is put back at the end.
Not a test: timings on a shared 2-core machine vary from run to run.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_class import CHROMIUM_ARGS, DRAWN, POLL_MS, class_args, wait_for_pool  # noqa: E402
from widgets.serve import VoilaServer  # noqa: E402

GROUPS = {  # (process type, thread name) -> the column it counts in
    ("renderer", "chromium"): "main thread",
    ("renderer", "ThreadPoolForeg"): "renderer workers",
    ("browser", None): "browser process",
    ("gpu-process", None): "GPU process",
}


def chromium_threads() -> collections.Counter:
    """CPU seconds so far of every Chromium thread, keyed by (process type, thread name)."""
    import psutil

    out: collections.Counter = collections.Counter()
    for proc in psutil.process_iter():
        try:
            if "chrom" not in proc.name():
                continue
            kind = next((a.split("=", 1)[1] for a in proc.cmdline() if a.startswith("--type=")), "browser")
            for thread in proc.threads():
                try:
                    name = Path(f"/proc/{proc.pid}/task/{thread.id}/comm").read_text().strip()
                except OSError:
                    name = "?"
                out[(kind, name)] += thread.user_time + thread.system_time
        except psutil.Error:
            continue
    return out


def grouped(before: collections.Counter, after: collections.Counter) -> dict[str, float]:
    used = {key: after[key] - before.get(key, 0.0) for key in after}
    out = {column: 0.0 for column in [*GROUPS.values(), "other"]}
    for (kind, name), seconds in used.items():
        column = GROUPS.get((kind, name)) or GROUPS.get((kind, None)) or "other"
        out[column] += seconds
    out["all of Chromium"] = sum(used.values())
    return out


STATIC = ROOT / "share" / "jupyter" / "voila" / "templates" / "teachkit-lite" / "static"


async def load_pages(url: str, loads: int, variants: dict[str, bytes] | None = None,
                     target: Path | None = None) -> list[dict]:
    """One row per load. ``variants`` (name -> content of the static file ``target``): the loads
    cycle through them in ABBA order, and each row says which one it had (``"variant"``)."""
    from playwright.async_api import async_playwright

    rows = []
    names = list(variants or [""])
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                          args=CHROMIUM_ARGS)
        for i in range(loads * len(names)):
            turn = names[i % len(names)] if (i // len(names)) % 2 == 0 else names[::-1][i % len(names)]
            if variants:
                target.write_bytes(variants[turn])
            await asyncio.sleep(1)  # the previous page's context has closed
            before = chromium_threads()
            start = time.monotonic()
            context = await browser.new_context(viewport={"width": 1280, "height": 900})
            page = await context.new_page()
            await page.goto(url, wait_until="commit")
            await page.wait_for_function(DRAWN, timeout=120_000, polling=POLL_MS)
            drawn = time.monotonic() - start
            row = grouped(before, chromium_threads())
            row["drawn s"] = drawn
            row["variant"] = turn
            rows.append(row)
            await context.close()
        await browser.close()
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lesson", default="diffusion")
    parser.add_argument("--loads", type=int, default=5)
    parser.add_argument("--against", type=Path, help="A/B: this file in place of the template's static file of its name")
    args = parser.parse_args()
    variants, target = None, None
    if args.against:
        target = STATIC / args.against.name
        if not target.is_file():
            parser.error(f"the template has no static/{args.against.name}")
        committed = target.read_bytes()
        variants = {f"{target.name} (committed)": committed, f"{args.against} (against)": args.against.read_bytes()}
    pages = args.loads * (len(variants) if variants else 1)
    server = VoilaServer(extra=class_args(args.lesson, pages, 300),
                         log_path=ROOT / "tests" / "_artifacts" / "voila-page-cpu.log", timeout=300)
    try:
        wait_for_pool(server, args.lesson, pages)
        rows = asyncio.run(load_pages(f"{server.url}voila/render/lessons/{args.lesson}.ipynb", args.loads, variants, target))
    finally:
        server.stop()
        if variants:
            target.write_bytes(committed)
    columns = ["drawn s", *GROUPS.values(), "other", "all of Chromium"]
    print(f"\n`lessons/{args.lesson}.ipynb`, preheated, one page at a time (median of {args.loads} loads; "
          "CPU seconds)\n")
    print("| " + " | ".join(["file"] * bool(variants) + columns) + " |")
    print("|" + "---|" * bool(variants) + "---:|" * len(columns))
    for name in variants or [""]:
        mine = [r for r in rows if r["variant"] == name]
        print("| " + " | ".join([f"`{name}`"] * bool(variants)
                                + [f"{statistics.median(r[c] for r in mine):.2f}" for c in columns]) + " |")
    against = f" --against {args.against}" if args.against else ""
    print(f"\n`.venv/bin/python bench/bench_page_cpu.py --lesson {args.lesson} --loads {args.loads}{against}`")
    return 0


if __name__ == "__main__":
    sys.exit(main())
