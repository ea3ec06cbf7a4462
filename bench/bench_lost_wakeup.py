"""How often a cell that prints into an ipywidgets.Output waits out its whole time-out under nbclient.

    .venv/bin/python bench/bench_lost_wakeup.py [--runs 25] [--busy 2] [--timeout 15]
                                                [--transport ipc|tcp] [--sliced | --no-send]

Voila runs notebooks with nbclient. While nbclient waits on the kernel's shell socket for a cell's
reply, an Output the cell prints into makes it send the Output's state to the kernel on that same
socket; on a busy machine the reply's wake-up is sometimes lost, and the wait lasts until the cell's
time-out (whose last check then finds the reply: the run still "succeeds", late). Each run starts a
kernel and runs a four-cell notebook (an Output with printed text, markdown and HTML; an HTMLMath; a
plotly figure; a button with an Output), with ``--busy`` busy loops running beside it. A run counts
as stalled when it takes longer than the time-out. ``--sliced`` installs the kit's fix
(``widgets.compat.bound_channel_waits``); ``--no-send`` stubs out nbclient's send (the cause).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import statistics
import sys
import time
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

CELLS = [
    "import ipywidgets as W\nfrom IPython.display import HTML, Markdown, display\n"
    "out = W.Output()\nwith out:\n    print('printed inside an Output widget')\n"
    "    display(Markdown(r'## A heading with **bold** and $x^2$'))\n"
    "    display(HTML('<i>HTML in an Output</i>'))\nout",
    'W.HTMLMath(r"area $\\pi r^2$")',
    "import plotly.graph_objects as go\ngo.FigureWidget(go.Scatter(x=[1, 2, 3], y=[1, 4, 9]))",
    "log = W.Output()\nb = W.Button(description='Print')\nW.VBox([b, log])",
]


def _busy() -> None:
    while True:
        pass


async def _runs(args) -> list[float]:
    from jupyter_client.manager import AsyncKernelManager
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in CELLS]
    times = []
    for i in range(args.runs):
        km = AsyncKernelManager(transport=args.transport)
        await km.start_kernel()
        client = NotebookClient(nb, km=km, timeout=args.timeout, iopub_timeout=args.timeout)
        start = time.monotonic()
        try:
            client.kc = await client.async_start_new_kernel_client()
            for index, cell in enumerate(nb.cells):
                await client.async_execute_cell(cell, index)
        finally:
            times.append(time.monotonic() - start)
            client.kc.stop_channels()
            await km.shutdown_kernel(now=True)
        print(f"run {i + 1}: {times[-1]:.2f} s", flush=True)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=25)
    parser.add_argument("--busy", type=int, default=2, help="busy loops beside the runs")
    parser.add_argument("--timeout", type=float, default=15, help="the cell time-out (s)")
    parser.add_argument("--transport", choices=["ipc", "tcp"], default="ipc")
    fix = parser.add_mutually_exclusive_group()
    fix.add_argument("--sliced", action="store_true", help="with widgets.compat.bound_channel_waits")
    fix.add_argument("--no-send", action="store_true", help="nbclient's Output sends nothing")
    args = parser.parse_args()
    if args.sliced:
        from widgets.compat import bound_channel_waits

        bound_channel_waits()
    if args.no_send:
        import nbclient.output_widget

        nbclient.output_widget.OutputWidget._publish_msg = lambda *a, **k: None
    busy = [multiprocessing.Process(target=_busy, daemon=True) for _ in range(args.busy)]
    for each in busy:
        each.start()
    try:
        times = asyncio.run(_runs(args))
    finally:
        for each in busy:
            each.terminate()
    stalled = sum(t > args.timeout for t in times)
    mode = "sliced" if args.sliced else "no send" if args.no_send else "nbclient as installed"
    print(f"{mode}, {args.transport}, {args.busy} busy loops: {stalled} of {len(times)} runs waited out "
          f"the {args.timeout:g} s time-out; median {statistics.median(times):.2f} s, max {max(times):.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
