"""widgets/compat.py: the installed libraries are versions whose internals the kit was checked on,
every internal it touches exists there, and an unknown version fails loudly."""

from __future__ import annotations

import inspect

import ipywidgets as W
import numpy as np
import plotly.graph_objects as go
import pytest

from widgets import compat


def test_installed_versions_were_checked():
    found = compat.check_versions()
    assert set(found) == set(compat.CHECKED)


@pytest.mark.parametrize("installed, culprit", [
    ({"plotly": "5.24.1"}, "plotly 5.24.1 (checked on >=6.0,<7.2)"),
    ({"plotly": "8.0.0"}, "plotly 8.0.0"),
    ({"ipywidgets": "9.0.0a1"}, "ipywidgets 9.0.0a1"),
    ({"voila": "0.6.0"}, "voila 0.6.0"),
    ({"voila": "0.5.5"}, "voila 0.5.5"),
    ({"jupyter_server": "3.0.0"}, "jupyter_server 3.0.0"),
])
def test_an_unknown_version_fails_loudly(installed, culprit):
    with pytest.raises(compat.CompatError) as err:
        compat.check_versions(installed)
    assert culprit in str(err.value) and "widgets/compat.py" in str(err.value)


def test_versions_inside_the_ranges_pass():
    assert compat.check_versions({"plotly": "6.0.0", "voila": "0.5.13", "ipywidgets": "8.1.9",
                                  "jupyter_server": "2.21.1"})


def test_plotly_internals_exist_and_do_what_the_helpers_say():
    fig = go.FigureWidget(go.Scatter(x=[0, 1], y=[1, 2]))
    with fig.batch_update():
        fig.data[0].y = [3, 4]
    compat.sync_figure(fig)
    assert list(fig._widget_data[0]["y"]) == [3, 4]
    compat.set_figure_config(fig, {"displaylogo": False})
    assert "_config" in fig.traits() and fig._config == {"displaylogo": False}
    sent = []
    fig._send_relayout_msg = lambda *a, **k: sent.append(("relayout", a, k))
    fig._send_restyle_msg = lambda *a, **k: sent.append(("restyle", a, k))
    compat.clear_selection(fig, trace=0)
    assert [s[0] for s in sent] == ["relayout", "restyle"]
    assert inspect.signature(go.FigureWidget._send_restyle_msg).parameters.keys() >= {"restyle_data", "trace_indexes"}


def test_ipywidgets_counts_views_once_asked():
    box = W.Box()
    assert compat.VIEW_COUNT in box.traits() and getattr(box, compat.VIEW_COUNT) is None
    compat.count_views(box)
    assert compat.views(box) == 0


def test_jupyter_server_and_voila_internals_exist():
    from jupyter_server.services.kernels.kernelmanager import MappingKernelManager
    from voila import voila_kernel_manager

    assert compat.utcnow().tzinfo is not None
    assert "_kernel_connections" in inspect.getsource(MappingKernelManager)
    source = inspect.getsource(voila_kernel_manager)
    assert "self._pools" in source and '"kernel_id"' in source


def test_pooled_kernel_ids_reads_finished_tasks_only():
    class Task:
        def __init__(self, result=None, done=True, error=None):
            self._r, self._d, self._e = result, done, error

        def done(self):
            return self._d

        def cancelled(self):
            return False

        def exception(self):
            return self._e

        def result(self):
            return self._r

    class Manager:
        _pools = {"a.ipynb": [Task({"kernel_id": "k1"}), Task(done=False)], "b.ipynb": [Task(error=RuntimeError())]}

    assert compat.pooled_kernel_ids(Manager()) == {"k1"}
    assert compat.pooled_kernel_ids(object()) == set()


# --- plotly's FigureWidget module by URL under Voila (compat.load_plotly_by_url) ---

@pytest.fixture
def plotly_esm():
    """Restore plotly's own module on FigureWidget after a test that replaced it."""
    from plotly.basewidget import BaseFigureWidget

    saved = BaseFigureWidget.__dict__["_esm"]
    yield BaseFigureWidget
    BaseFigureWidget._esm = saved


def _static(tmp_path, **change):
    folder = tmp_path / "static"
    folder.mkdir()
    info = compat.write_plotly_module(folder)
    if change:
        import json

        (folder / compat.PLOTLY_MODULE_INFO).write_text(json.dumps({**info, **change}))
    return folder


def test_outside_voila_figures_keep_plotlys_module(plotly_esm, tmp_path):
    assert compat.load_plotly_by_url(env={}, static_dirs=[_static(tmp_path)]) is False
    fig = go.FigureWidget()
    assert len(fig._esm) == compat.plotly_bundle().stat().st_size or len(fig._esm) > 1_000_000


def test_under_voila_a_figure_imports_the_templates_copy(plotly_esm, tmp_path):
    folder = _static(tmp_path)
    assert (folder / compat.PLOTLY_MODULE).read_bytes() == compat.plotly_bundle().read_bytes()
    assert compat.load_plotly_by_url(env={"VOILA_BASE_URL": "/user/ada/"}, static_dirs=[folder]) is True
    fig = go.FigureWidget(go.Scatter(x=[0, 1], y=[1, 2]))
    state = fig.get_state()
    assert len(state["_esm"]) < 3_000   # not 5 MB
    assert "voila/templates/teachkit-lite/static/`" in state["_esm"] and '"plotly-widget.js?v=' in state["_esm"]
    assert '"/user/ada/"' in state["_esm"]   # the fallback base when the page has no template script
    assert "export default" in state["_esm"]


def _partial(folder, **change):
    """A partial build beside the copy, as frontend/plotly-partial.mjs writes it (its module is a dummy)."""
    import json

    full = json.loads((folder / compat.PLOTLY_MODULE_INFO).read_text())
    (folder / f"{compat.PLOTLY_PARTIAL}.js").write_text("// partial")
    info = {"from_sha256": full["sha256"], "traces": ["bar", "heatmap", "scatter"], "sha256": "ab" * 32, **change}
    (folder / f"{compat.PLOTLY_PARTIAL}.json").write_text(json.dumps(info))


def test_under_voila_a_figure_picks_the_partial_build_by_its_trace_types(plotly_esm, tmp_path):
    folder = _static(tmp_path)
    _partial(folder)
    assert compat.load_plotly_by_url(env={"VOILA_BASE_URL": "/"}, static_dirs=[folder]) is True
    esm = go.FigureWidget().get_state()["_esm"]
    assert 'new Set(["bar", "heatmap", "scatter"])' in esm
    assert f'"{compat.PLOTLY_PARTIAL}.js?v={"ab" * 6}"' in esm and '"plotly-widget.js?v=' in esm


def test_a_partial_build_of_another_copy_is_not_used(plotly_esm, tmp_path):
    folder = _static(tmp_path)
    _partial(folder, from_sha256="0" * 64)
    assert compat.load_plotly_by_url(env={"VOILA_BASE_URL": "/"}, static_dirs=[folder]) is True
    esm = go.FigureWidget().get_state()["_esm"]
    assert "new Set([])" in esm and compat.PLOTLY_PARTIAL not in esm


@pytest.mark.parametrize("change", [{"plotly": "0.0.1"}, {"bytes": 12}])
def test_a_copy_of_another_plotly_is_not_used(plotly_esm, tmp_path, change):
    folder = _static(tmp_path, **change)
    assert compat.load_plotly_by_url(env={"VOILA_BASE_URL": "/"}, static_dirs=[folder]) is False
    assert len(go.FigureWidget()._esm) > 1_000_000


def test_no_copy_in_any_template_folder_means_plotlys_module(plotly_esm, tmp_path):
    assert compat.load_plotly_by_url(env={"VOILA_BASE_URL": "/"}, static_dirs=[tmp_path]) is False


def test_the_committed_copy_is_the_installed_plotlys():
    import hashlib
    import json

    from plotly import __version__

    folder = ROOT_STATIC
    info = json.loads((folder / compat.PLOTLY_MODULE_INFO).read_text())
    if info["plotly"] != __version__:
        pytest.skip(f"the template's copy is of plotly {info['plotly']}, {__version__} is installed "
                    "(figures fall back to plotly's own module): run `python -m widgets.compat`")
    body = (folder / compat.PLOTLY_MODULE).read_bytes()
    assert len(body) == info["bytes"]
    assert hashlib.sha256(body).hexdigest() == info["sha256"] == hashlib.sha256(
        compat.plotly_bundle().read_bytes()).hexdigest()


def test_the_committed_partial_build_is_of_the_committed_copy():
    """frontend/plotly-partial.mjs wrote it from plotly-widget.js (.ci/run rebuilds it and compares)."""
    import hashlib
    import json

    info = compat.plotly_module_info([ROOT_STATIC])
    partial = info["partial"]
    assert partial is not None, "rebuild with: cd frontend && npm run build"
    body = (ROOT_STATIC / f"{compat.PLOTLY_PARTIAL}.js").read_bytes()
    assert len(body) == partial["bytes"] and hashlib.sha256(body).hexdigest() == partial["sha256"]
    assert len(body) < info["bytes"] / 2
    assert {"scatter", "bar", "heatmap", "contour"} <= set(partial["traces"])  # what the lessons draw
    assert "scattergl" not in partial["traces"]  # the explorer's map of >3000 papers needs the full one


from pathlib import Path  # noqa: E402

ROOT_STATIC = Path(__file__).resolve().parents[1] / "share/jupyter/voila/templates/teachkit-lite/static"


def test_the_scripts_a_page_runs_on_load_carry_v8s_compile_hint():
    """kit.js, its chunks and the partial plotly module start with V8's explicit compile hint, so
    that Chromium compiles them on a background thread as they stream in, not function by function
    on the page's main thread (bench/RESULTS.md, "Compile hints": 0.6 s of main thread per lesson
    page). The hint must be the file's first line; frontend/build.mjs writes it."""
    hint = b"//# allFunctionsCalledOnLoad\n"
    scripts = [ROOT_STATIC / "kit.js", ROOT_STATIC / f"{compat.PLOTLY_PARTIAL}.js",
               *sorted((ROOT_STATIC / "kit-chunks").glob("*.js"))]
    assert len(scripts) >= 3
    for script in scripts:
        with open(script, "rb") as f:
            assert f.read(len(hint)) == hint, f"{script.name}: rebuild with cd frontend && npm run build"


def test_the_templates_css_was_extracted_from_the_installed_voilas_script():
    """teachkit-lite links voila-lab.css where Voila's lab template would run voila-style.js: the
    committed CSS must come from the installed Voila's script (`python -m widgets.compat` rewrites it)."""
    import hashlib
    import json

    from voila import __version__

    info = json.loads((ROOT_STATIC / compat.VOILA_CSS_INFO).read_text())
    source = compat.voila_style_js()
    assert source is not None, "no voila-style.js in the installed Voila's base template"
    assert info["voila"] == __version__ and info["from_sha256"] == hashlib.sha256(source.read_bytes()).hexdigest(), (
        f"voila-lab.css was extracted from Voila {info['voila']}'s voila-style.js, Voila {__version__} is "
        "installed: run `python -m widgets.compat` and compare a page before and after")
    assert info["sha256"] == hashlib.sha256((ROOT_STATIC / compat.VOILA_CSS).read_bytes()).hexdigest()


def test_the_extraction_gives_the_committed_css_and_what_the_script_adds(tmp_path):
    """frontend/voila-css.mjs run again gives the committed file. Its content against the script's own
    text: every stylesheet in it is a string literal of voila-style.js (css-loader's output, with
    the font URLs resolved), and Font Awesome (linked by the template) is the only part left out."""
    import json
    import os
    import re
    import shutil

    node = shutil.which("node")
    if node is None:
        message = "Node.js is needed to run frontend/voila-css.mjs"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    info = compat.write_voila_css(tmp_path, node=node)
    assert (tmp_path / compat.VOILA_CSS).read_bytes() == (ROOT_STATIC / compat.VOILA_CSS).read_bytes()
    assert info == json.loads((ROOT_STATIC / compat.VOILA_CSS_INFO).read_text())
    css = (tmp_path / compat.VOILA_CSS).read_text()
    script = compat.voila_style_js().read_text()
    rules = re.findall(r"^\.([\w-]+) \{", css, flags=re.M)
    assert len(set(rules)) >= 200  # JupyterLab's classes: cells, outputs, widgets, the theme's tokens
    assert all(f".{rule} {{" in script for rule in set(rules))
    assert "Font Awesome Free" in script and "Font Awesome Free" not in css
    assert ".jp-OutputArea-output" in css and "font-family: var(--jp-ui-font-family);" in css


# --- 2-D arrays as one binary buffer per row (compat.send_rows_as_buffers) ---

def _sent(fig):
    """What ipywidgets sends of a FigureWidget's synced data: (JSON part, buffers by path)."""
    from ipywidgets.widgets.widget import _remove_buffers

    state, paths, buffers = _remove_buffers(fig.get_state("_widget_data"))
    return state["_widget_data"], {tuple(p[1:]): bytes(b) for p, b in zip(paths, buffers)}


def test_a_2d_array_goes_out_as_one_buffer_per_row_holding_that_rows_numbers():
    assert compat.send_rows_as_buffers() is True
    z = np.arange(12, dtype=np.float64).reshape(3, 4) / 7   # not exact in JSON text
    fig = go.FigureWidget(go.Heatmap(z=z, x=np.arange(4.0)))
    data, buffers = _sent(fig)
    rows = [buffers[(0, "z", i, "buffer")] for i in range(3)]
    # read back as plotly's front end does: each row into its own typed array (here numpy)
    assert np.array_equal(np.vstack([np.frombuffer(r, dtype=np.float64) for r in rows]), z)
    assert [row["dtype"] for row in data[0]["z"]] == ["float64"] * 3
    assert len(buffers[(0, "x", "buffer")]) == 4 * 8           # 1-D arrays: one buffer, as before
    assert compat.send_rows_as_buffers() is True               # a second call changes nothing
    assert len(_sent(fig)[1]) == 4


@pytest.mark.parametrize("z", [np.arange(6, dtype=np.int64).reshape(2, 3),      # no Int64Array in JS
                               np.array([["a", "b"], ["c", "d"]], dtype=object),
                               np.arange(8, dtype=np.float16).reshape(2, 4)])    # no Float16Array
def test_arrays_plotlys_front_end_cannot_type_stay_json_lists(z):
    compat.send_rows_as_buffers()
    fig = go.FigureWidget(go.Heatmap(z=z))
    data, buffers = _sent(fig)
    assert not any(path[1] == "z" for path in buffers)
    assert data[0]["z"] == z.tolist()


def test_a_redraw_sends_the_rows_too():
    """Changing a heatmap's z after it is shown goes out in a restyle message through the same
    serializer: rows as buffers there as well."""
    from ipywidgets.widgets.widget import _remove_buffers

    compat.send_rows_as_buffers()
    fig = go.FigureWidget(go.Heatmap(z=np.zeros((2, 2))))
    to_json = fig.trait_metadata("_py2js_restyle", "to_json")
    z = np.array([[0.1, 0.2], [0.3, 0.4]])
    state, paths, buffers = _remove_buffers({"m": to_json({"restyle_data": {"z": [z]}}, None)})
    assert [p[-2] for p in paths] == [0, 1]
    assert np.array_equal(np.vstack([np.frombuffer(bytes(b)) for b in buffers]), z)


def test_the_diffusion_lessons_state_is_mostly_binary_now():
    """Its three density grids (60 x 101 float64 each) were 425 kB of JSON text."""
    import json

    from ipywidgets.widgets.widget import _remove_buffers

    from widgets.lessons.diffusion_view import DiffusionLesson

    lesson = DiffusionLesson()
    state, _, buffers = _remove_buffers(lesson.figure.get_state("_widget_data"))
    assert len(json.dumps(state)) < 20_000
    assert sum(memoryview(b).nbytes for b in buffers) >= 3 * 60 * 101 * 8
