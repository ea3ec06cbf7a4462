"""The one place where the kit touches other libraries' private APIs.

Each helper names what it uses and the versions it was checked on, so that an upgrade that moves
an internal breaks here, loudly, instead of somewhere in a lesson. ``CHECKED`` lists the version
ranges the whole set was checked on; ``check_versions()`` raises ``CompatError`` for a version
outside them (``tests/test_compat.py`` runs it, and checks that every internal used here exists in
the installed versions).

| helper | private API | used by |
|---|---|---|
| ``sync_figure`` | plotly ``FigureWidget._widget_data/_widget_layout``, ``_data``, ``_layout_obj._props`` | lessons, explorer map |
| ``set_figure_config`` | plotly ``FigureWidget._config`` trait | explorer map |
| ``clear_selection`` | plotly ``FigureWidget._send_relayout_msg/_send_restyle_msg`` | explorer map |
| ``count_views`` / ``VIEW_COUNT`` | ipywidgets ``DOMWidget._view_count`` | explorer (map built when shown) |
| ``utcnow`` | jupyter_server ``_tz.utcnow`` | kernels.PoolAwareKernelManager |
| ``kernel_connections`` | jupyter_server ``MappingKernelManager._kernel_connections`` | kernels |
| ``pooled_kernel_ids`` | Voila ``VoilaKernelManager._pools`` (tasks whose result holds ``kernel_id``) | kernels |
| ``bound_channel_waits`` | replaces jupyter_client ``AsyncZMQSocketChannel.get_msg`` (works around jupyter/nbclient#312) | kernels.PoolAwareKernelManager, serve.server_config |
| ``voila_style_js`` / ``write_voila_css`` | Voila's ``templates/base/static/voila-style.js`` and its lab template's ``frontend == "voila"`` test (teachkit-lite sets ``frontend``) | the teachkit-lite template |
| ``send_rows_as_buffers`` | the ``to_json`` of plotly ``BaseFigureWidget``'s synced traits (``plotly.serializers._py_to_js``) | figure_widget: every kit figure |
| ``figure_widget`` / ``load_plotly_by_url`` | plotly ``BaseFigureWidget._esm`` (its anywidget module), ``package_data/widgetbundle.js`` | lessons, corpus, explorer map |
"""

from __future__ import annotations

from copy import deepcopy
from importlib.metadata import PackageNotFoundError, version

# package -> (lowest checked, first version not checked); plain release numbers compared as tuples
CHECKED = {
    "plotly": ("6.0", "7.2"),
    "ipywidgets": ("8.1", "8.2"),
    "voila": ("0.5.6", "0.6"),
    "jupyter_server": ("2.10", "2.22"),
    "jupyter_client": ("8.0", "8.11"),
    "nbclient": ("0.8", "0.12"),
}
VIEW_COUNT = "_view_count"   # the trait to observe after count_views()


class CompatError(RuntimeError):
    """An installed library is outside the versions whose internals the kit was checked on."""


def _release(text: str) -> tuple[int, ...]:
    parts = []
    for piece in text.split("."):
        digits = "".join(ch for ch in piece if ch.isdigit()) if piece[:1].isdigit() else ""
        if not digits:
            break
        parts.append(int(digits))
        if not piece.isdigit():
            break
    return tuple(parts)


def check_versions(installed: dict[str, str] | None = None) -> dict[str, str]:
    """The installed versions of the packages in ``CHECKED``; ``CompatError`` naming each one outside
    its checked range (pass ``installed`` to check other versions)."""
    if installed is None:
        installed = {}
        for name in CHECKED:
            try:
                installed[name] = version(name)
            except PackageNotFoundError:
                continue
    wrong = []
    for name, found in installed.items():
        low, high = CHECKED[name]
        if not _release(low) <= _release(found) < _release(high):
            wrong.append(f"{name} {found} (checked on >={low},<{high})")
    if wrong:
        raise CompatError("widgets/compat.py uses private APIs that were not checked on " + ", ".join(wrong)
                          + ": check each helper there, then widen CHECKED")
    return installed


def sync_figure(fig) -> None:
    """Make a plotly ``FigureWidget``'s synced state equal its Python state.

    Uses ``FigureWidget._widget_data`` / ``_widget_layout`` (the traits the browser reads when it
    connects) and ``_data`` / ``_layout_obj._props``, as plotly's own ``_repr_mimebundle_`` does.
    Checked on plotly 6.x and 7.1. ``batch_update`` sends deltas as messages; a front end that
    connects later (Voila fetches the widgets' state after the notebook ran) would otherwise see
    the figure as it was constructed.
    """
    fig._widget_layout = deepcopy(fig._layout_obj._props)
    fig._widget_data = deepcopy(fig._data)


def set_figure_config(fig, config: dict) -> None:
    """plotly.js ``config`` of a ``FigureWidget`` (``FigureWidget`` takes no config argument; the
    ``_config`` trait is what its front end reads). Checked on plotly 6.x and 7.1."""
    fig._config = dict(config)


def clear_selection(fig, trace: int = 0) -> None:
    """Drop a box/lasso selection and the selected points of ``trace`` in the browser.

    ``fig.update_layout(selections=[])`` sends nothing when the Python side holds no selection;
    send the messages explicitly. Order matters: plotly.js re-applies the selection while
    ``layout.selections`` holds a box, so drop the box first, then ``selectedpoints``. Checked on
    plotly 6.x and 7.1.
    """
    fig._send_relayout_msg({"selections": []})
    fig._send_restyle_msg({"selectedpoints": [None]}, trace_indexes=[trace])


def count_views(widget) -> None:
    """Make ``widget`` count its views in the browser (observe ``VIEW_COUNT``): ipywidgets only
    counts when the trait is not None. Checked on ipywidgets 8.1."""
    setattr(widget, VIEW_COUNT, 0)


def views(widget) -> int:
    return getattr(widget, VIEW_COUNT) or 0


def utcnow():
    """jupyter_server's timezone-aware now, the clock of ``last_activity``. Checked on 2.10–2.21."""
    from jupyter_server._tz import utcnow as now

    return now()


def kernel_connections(manager, kernel_id: str, default=None):
    """How many browser connections a kernel has (``MappingKernelManager._kernel_connections``).
    Checked on jupyter_server 2.10–2.21."""
    return manager._kernel_connections.get(kernel_id, default)


def pooled_kernel_ids(manager) -> set[str]:
    """The kernels waiting in a Voila pool now (their notebook has run). Voila's kernel manager
    keeps ``_pools``: notebook path -> asyncio tasks whose result is a dict with ``kernel_id``.
    Without preheating there are none. Checked on Voila 0.5.6–0.5.13."""
    ids = set()
    for pool in getattr(manager, "_pools", {}).values():
        for task in pool:
            if task.done() and not task.cancelled() and task.exception() is None:
                ids.add(task.result()["kernel_id"])
    return ids


# Voila runs a notebook with nbclient, which waits for each cell's reply on the kernel's shell socket
# (``AsyncZMQSocketChannel.get_msg``, an asyncio poll of the zmq socket). While it waits, an
# ``ipywidgets.Output`` that a cell prints into (``with out: ...``) makes nbclient send the Output's
# state back to the kernel on that same socket, and under load the wake-up for the reply is sometimes
# lost: the reply sits in the socket, and the page stops streaming until the cell's time-out (voila.json:
# 120 s) ends the poll, whose last check then finds it. Measured with nbclient alone, the notebook of
# tests/browser/test_frontend.py's Output test and two busy loops on the 2 cores: 6 to 12 runs in 25
# waited out a 15 s time-out (bench/bench_lost_wakeup.py); with nbclient's send stubbed out, 0 in 25,
# and 0 in 25 with this function (jupyter/nbclient#312 reports
# the same hang; its proposed fix polls in slices). ``bound_channel_waits`` makes every wait on such a
# channel a loop of short polls with the same overall time-out: a lost wake-up costs one slice.
CHANNEL_WAIT_SLICE = 0.25  # seconds


def bound_channel_waits(slice_s: float = CHANNEL_WAIT_SLICE) -> bool:
    """Make ``jupyter_client``'s ``AsyncZMQSocketChannel.get_msg(timeout)`` poll in slices of at most
    ``slice_s`` seconds until ``timeout`` (None: for ever), in this process (a Voila or Jupyter
    server). It returns a message, or raises ``Empty`` once ``timeout`` has passed, exactly as before;
    each slice ends with zmq's immediate check, which finds a reply whose wake-up was lost. Idempotent;
    returns True when it installed the wrapper. Checked on jupyter_client 8.x, pyzmq 25-27, nbclient
    0.8-0.11."""
    import time
    from queue import Empty

    from jupyter_client.channels import AsyncZMQSocketChannel

    current = AsyncZMQSocketChannel.get_msg
    if getattr(current, "kit_slice", None) is not None:
        return False
    original = current

    async def get_msg(self, timeout: float | None = None):
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = slice_s if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                return await original(self, min(slice_s, left))
            except Empty:
                if deadline is not None and time.monotonic() >= deadline:
                    raise

    get_msg.kit_slice = slice_s
    get_msg.kit_original = original
    get_msg.__doc__ = original.__doc__
    AsyncZMQSocketChannel.get_msg = get_msg
    return True


# plotly's FigureWidget is an anywidget whose ES module (5 MB of JavaScript) is the class attribute
# ``BaseFigureWidget._esm``; anywidget sends it in the state of every figure. The kit's Voila
# template ships a copy (``PLOTLY_MODULE``, written by ``python -m widgets.compat``) with the plotly
# version and size it was copied from, and the same module with a partial plotly.js inside
# (``PLOTLY_PARTIAL``, 1.3 MB: the core and the trace types the kit draws, frontend/plotly-traces.js,
# built by frontend/plotly-partial.mjs from plotly.js and that copy; its JSON lists its trace
# types). Under Voila, when the copy matches the installed plotly, every figure's ``_esm``
# becomes a few lines that import one of them by URL: the partial one when every trace of the
# figure is of its types at the time the browser first draws it, else the full one.
# One cacheable request per browser instead of 5 MB through the kernel, the server and the
# websocket per figure, and a third of the JavaScript to evaluate. Checked on plotly 6.x and 7.1
# (``_esm`` is anywidget's documented attribute; its home class is plotly's).
PLOTLY_MODULE = "plotly-widget.js"
PLOTLY_MODULE_INFO = "plotly-widget.json"
PLOTLY_PARTIAL = "plotly-widget-cartesian"
TEMPLATE = "teachkit-lite"
PLOTLY_STUB = """// plotly's FigureWidget module, loaded by URL from the kit's Voila template (widgets/compat.py):
// the build with plotly.js's partial bundle when every trace of the figure is of its types, else plotly's own.
const kit = document.querySelector('script[src*="/voila/templates/"]');
const base = kit ? kit.src.replace(/voila\\/templates\\/.*$/, '') : new URL(%(base)s, location.href).href;
const folder = `${base}voila/templates/%(template)s/static/`;
const partial = new Set(%(traces)s);
const fits = (data) => Array.isArray(data) && data.every((trace) => partial.has(trace.type || 'scatter'));
// the template's preload of the same file (teachkit-lite, "figures" notebooks): import that very URL
const preloaded = document.querySelector('link[rel="modulepreload"][data-kit-figures]');
const url = (file) => (preloaded && new URL(preloaded.href).pathname.endsWith(`/${file.split('?')[0]}`)
  ? preloaded.href : folder + file);
export default () => {
  let widget;
  return {
    async initialize(context) {
      const loading = import(url(fits(context.model.get('_widget_data')) ? %(partial)s : %(full)s));
      (globalThis.kitFigureModules ||= []).push(loading); // kit.js typesets the page's math after them
      widget = (await loading).default();
      return widget.initialize(context);
    },
    render(context) { return widget.render(context); },
  };
};
"""


def plotly_bundle():
    """The installed plotly's FigureWidget module (a file)."""
    import plotly.basewidget

    from pathlib import Path

    return Path(plotly.basewidget.__file__).parent / "package_data" / "widgetbundle.js"


def template_static_dirs(template: str = TEMPLATE) -> list:
    """Where Voila looks for the template's static files, in order (as ``voila.paths`` does)."""
    from pathlib import Path

    from jupyter_core.paths import jupyter_path

    return [Path(p) for p in jupyter_path("voila", "templates", template, "static")]


def plotly_module_info(static_dirs=None) -> dict | None:
    """The copy of plotly's module that the template serves: ``{"plotly", "bytes", "sha256"}`` of
    the first template folder that has one, with ``"partial"``: the JSON of the partial build beside
    it (``{"from_sha256", "traces", "sha256", ...}``) when it was built from that copy, else None."""
    import json

    for folder in static_dirs if static_dirs is not None else template_static_dirs():
        info = folder / PLOTLY_MODULE_INFO
        if info.is_file() and (folder / PLOTLY_MODULE).is_file():
            info = json.loads(info.read_text())
            partial = folder / f"{PLOTLY_PARTIAL}.json"
            info["partial"] = None
            if partial.is_file() and (folder / f"{PLOTLY_PARTIAL}.js").is_file():
                partial = json.loads(partial.read_text())
                if partial.get("from_sha256") == info.get("sha256"):
                    info["partial"] = partial
            return info
    return None


def load_plotly_by_url(env=None, static_dirs=None) -> bool:
    """Under Voila (``VOILA_BASE_URL`` is set in its kernels), make every plotly ``FigureWidget``
    created from now on load plotly's module from the template's copies, if they are of the
    installed plotly (version and size). Returns whether it did; elsewhere (JupyterLab, nbval, a
    copy of another plotly) figures keep the module in their state, as plotly sends it."""
    import json
    import os

    env = os.environ if env is None else env
    if "VOILA_BASE_URL" not in env:
        return False
    info = plotly_module_info(static_dirs)
    from plotly import __version__ as plotly_version
    from plotly.basewidget import BaseFigureWidget

    bundle = plotly_bundle()
    if not info or info.get("plotly") != plotly_version or info.get("bytes") != bundle.stat().st_size:
        return False
    partial = info["partial"]
    BaseFigureWidget._esm = PLOTLY_STUB % {
        "base": json.dumps(env["VOILA_BASE_URL"]), "template": TEMPLATE,
        "traces": json.dumps(partial["traces"] if partial else []),
        "partial": json.dumps(f"{PLOTLY_PARTIAL}.js?v={partial['sha256'][:12]}" if partial else ""),
        "full": json.dumps(f"{PLOTLY_MODULE}?v={info['sha256'][:12]}")}
    return True


def write_plotly_module(static_dir) -> dict:
    """Copy the installed plotly's module into ``static_dir`` with its version, size and SHA-256."""
    import hashlib
    import json
    import shutil

    from plotly import __version__ as plotly_version

    bundle = plotly_bundle()
    shutil.copyfile(bundle, static_dir / PLOTLY_MODULE)
    info = {"plotly": plotly_version, "bytes": bundle.stat().st_size,
            "sha256": hashlib.sha256(bundle.read_bytes()).hexdigest()}
    (static_dir / PLOTLY_MODULE_INFO).write_text(json.dumps(info, indent=1) + "\n")
    return info


# Voila's lab template starts every page with ``voila-style.js``, a 343 kB script that adds
# JupyterLab's CSS to the page when it runs (99 ms of the main thread on a lesson page, before
# anything is drawn). The teachkit-lite template links the CSS itself instead (``VOILA_CSS``,
# extracted once by frontend/voila-css.mjs, which runs the script against a stand-in DOM) and sets
# the template variable ``frontend`` to its own name, which makes Voila's lab template leave the
# script out (it includes it only when ``frontend == "voila"``). ``VOILA_CSS_INFO`` records the
# Voila version and the script's SHA-256 it was extracted from. Checked on Voila 0.5.13.
VOILA_CSS = "voila-lab.css"
VOILA_CSS_INFO = "voila-lab.json"


def voila_style_js():
    """The installed Voila's ``voila-style.js`` (its base template's static folder), or None."""
    for folder in template_static_dirs("base"):
        if (folder / "voila-style.js").is_file():
            return folder / "voila-style.js"
    return None


def write_voila_css(static_dir, node: str = "node") -> dict:
    """Extract the installed Voila's CSS into ``static_dir`` (Node.js runs frontend/voila-css.mjs)."""
    import hashlib
    import json
    import subprocess
    from pathlib import Path

    from voila import __version__ as voila_version

    source = voila_style_js()
    script = Path(__file__).resolve().parent.parent / "frontend" / "voila-css.mjs"
    subprocess.run([node, str(script), str(source), str(static_dir / VOILA_CSS)], check=True)
    info = {"voila": voila_version, "from_sha256": hashlib.sha256(source.read_bytes()).hexdigest(),
            "sha256": hashlib.sha256((static_dir / VOILA_CSS).read_bytes()).hexdigest()}
    (static_dir / VOILA_CSS_INFO).write_text(json.dumps(info, indent=1) + "\n")
    return info


# the dtypes plotly's front end reads into typed arrays (its numpy_dtype_to_typedarray_type)
ROW_DTYPES = {"int8", "int16", "int32", "uint8", "uint16", "uint32", "float32", "float64"}


def _rows_to_js(value, widget_manager, to_js):
    """plotly's serializer ``to_js``, with each row of a 2-D numeric array sent as a binary buffer."""
    import numpy as np

    if isinstance(value, dict):
        return {k: _rows_to_js(v, widget_manager, to_js) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_rows_to_js(v, widget_manager, to_js) for v in value]
    if isinstance(value, np.ndarray) and value.ndim == 2 and value.dtype.name in ROW_DTYPES:
        return [to_js(row, widget_manager) for row in np.ascontiguousarray(value)]
    return to_js(value, widget_manager)


def send_rows_as_buffers() -> bool:
    """Make plotly's ``FigureWidget`` send 2-D numeric arrays (a heatmap's or contour's ``z``,
    2-D ``customdata``) as one binary buffer per row instead of JSON text.

    plotly's widget serializer (``plotly.serializers._py_to_js``, the ``to_json`` of the widget's
    synced traits ``_widget_data``, ``_py2js_restyle``, ...) sends a 1-D numeric array as a buffer,
    which its front end reads into a typed array, but turns a 2-D array into nested lists: every
    number as up to 24 characters of JSON for the kernel to write, the server and the websocket to
    carry and the browser to parse. Sent as a list of rows, each row is a 1-D array, which the same
    front end reads into a list of typed arrays: the form plotly.js itself decodes a 2-D array into
    (its ``decodeTypedArraySpec``), so the figure draws the same. Integers of 8 bytes stay lists, as
    plotly sends them (JavaScript has no 64-bit integer typed array). Checked on plotly 6.x and 7.1
    (the traits' ``to_json`` metadata, read by ipywidgets on every send). Returns whether it did.
    """
    from plotly.basewidget import BaseFigureWidget
    from plotly.serializers import _py_to_js

    def rows_to_js(value, widget_manager):
        return _rows_to_js(value, widget_manager, _py_to_js)

    rows_to_js.kit_original = _py_to_js
    traits = BaseFigureWidget.class_traits().values()
    for trait in traits:
        if trait.metadata.get("to_json") is _py_to_js:
            trait.metadata["to_json"] = rows_to_js
    return any(getattr(t.metadata.get("to_json"), "kit_original", None) is _py_to_js for t in traits)


_PLOTLY_BY_URL: list = []


def figure_widget(*args, **kwargs):
    """``plotly.graph_objects.FigureWidget(*args, **kwargs)``, after (once per kernel)
    ``send_rows_as_buffers()`` and ``load_plotly_by_url()``: the kit makes its figures here.
    plotly's FigureWidget imports nbformat (and jsonschema: 0.1-0.2 s of a fresh kernel) only for
    ``fig.show()``; it is deferred until something reads it (``widgets/lazyimport.py``)."""
    import plotly.graph_objects as go

    if not _PLOTLY_BY_URL:
        from .lazyimport import defer

        defer("nbformat")
        send_rows_as_buffers()
        _PLOTLY_BY_URL.append(load_plotly_by_url())
    return go.FigureWidget(*args, **kwargs)


if __name__ == "__main__":  # python -m widgets.compat: refresh the template's copies of plotly's
    from pathlib import Path  # module and of Voila's CSS

    static = Path(__file__).resolve().parent.parent / "share" / "jupyter" / "voila" / "templates" / TEMPLATE / "static"
    print(write_plotly_module(static))
    print(write_voila_css(static))
