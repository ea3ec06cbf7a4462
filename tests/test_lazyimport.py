"""``widgets.lazyimport``: a name or a module imported only when used, and used exactly as before."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from widgets.lazyimport import defer, lazy


@pytest.fixture
def package(tmp_path, monkeypatch):
    """A fresh importable package ``kit_probe_<n>`` whose import is recorded in ``LOG``."""
    name = f"kit_probe_{len(list(tmp_path.parent.iterdir()))}_{id(tmp_path) % 10_000}"
    root = tmp_path / name
    (root / "sub").mkdir(parents=True)
    (root / "__init__.py").write_text(textwrap.dedent("""
        import builtins
        builtins.KIT_PROBE_LOG = getattr(builtins, "KIT_PROBE_LOG", []) + [__name__]
        VALUE = 42
        def double(x):
            return 2 * x
        class Box:
            size = 3
    """))
    (root / "sub" / "__init__.py").write_text("NAME = 'sub'\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield name
    for key in [k for k in sys.modules if k == name or k.startswith(name + ".")]:
        del sys.modules[key]


def imported(name: str) -> bool:
    import builtins

    return name in getattr(builtins, "KIT_PROBE_LOG", [])


def test_lazy_imports_on_first_call_or_attribute_and_forwards(package):
    double, box = lazy(package, "double"), lazy(package, "Box")
    assert not imported(package) and package not in sys.modules
    assert double(21) == 42 and imported(package)
    assert box.size == 3 and isinstance(box(), sys.modules[package].Box)
    assert "double" in repr(double)


def test_lazy_name_that_does_not_exist_fails_when_used():
    missing = lazy("json", "no_such_function")
    with pytest.raises(AttributeError):
        missing()


def test_defer_runs_the_module_on_first_attribute_read(package):
    assert defer(package)
    import importlib

    stand_in = importlib.import_module(package)      # what a library's `import name` gets
    assert not imported(package)
    assert stand_in.VALUE == 42 and imported(package)
    assert stand_in.double(2) == 4
    assert type(sys.modules[package]).__name__ == "module"   # the real module took its place
    assert importlib.import_module(f"{package}.sub").NAME == "sub"


def test_defer_then_import_a_submodule_first(package):
    assert defer(package)
    import importlib

    assert importlib.import_module(f"{package}.sub").NAME == "sub"
    assert imported(package) and sys.modules[package].VALUE == 42


def test_defer_leaves_imported_and_missing_modules_alone():
    assert not defer("json")              # already imported: nothing changes
    assert not defer("no_such_module_kit")
    assert "no_such_module_kit" not in sys.modules


def test_a_lesson_page_does_not_import_nbformat_until_used():
    """The ground truth of the deferral: a lesson's figure is built without running nbformat (and
    jsonschema), and plotly still finds a working nbformat when it needs one."""
    code = textwrap.dedent("""
        import os, sys
        os.environ["VOILA_BASE_URL"] = "/"
        from widgets.lessons.koopman_view import view
        view()._repr_mimebundle_()
        print("jsonschema" in sys.modules, type(sys.modules["nbformat"]).__name__)
        from plotly.io import _renderers
        print(_renderers.nbformat.__version__ >= "4.2", "jsonschema" in sys.modules)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "_Deferred", "True", "True"]
