"""pyproject.toml is the one list of dependencies; environment.yml must list the same packages."""

import json
import re
import tomllib

import yaml

from widgets import ROOT


def _split(requirement: str) -> tuple[str, str]:
    name, spec = re.match(r"\s*([A-Za-z0-9_.-]+)\s*(.*)", requirement).groups()
    return re.sub(r"[-_.]+", "-", name).lower(), spec.replace(" ", "")


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    wanted = dict(_split(r) for r in project["dependencies"] + extras["test"] + extras["hub"])
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    listed = {}
    for dep in env["dependencies"]:
        entries = dep["pip"] if isinstance(dep, dict) else [dep]
        for entry in entries:
            if entry.startswith("-e"):
                continue
            name, spec = _split(entry.replace("=", "==", 1) if re.match(r"^[\w-]+=[^=<>]", entry) else entry)
            listed[name] = spec
    assert listed.pop("python") == "==3.11"
    listed.pop("pip")
    assert listed == wanted


def test_plotly_widgets_import_without_the_slow_iri_parser():
    """Every lesson kernel imports plotly's FigureWidget; through nbformat -> jsonschema that used to
    build rfc3987-syntax's Earley parsers (1.3 s per kernel). The jsonschema cap keeps it out."""
    import subprocess
    import sys

    code = ("import sys, plotly.graph_objects as go; go.FigureWidget; "
            "print('rfc3987_syntax' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def _minor(version: str) -> tuple[int, int]:
    major, minor = re.match(r"\D*(\d+)\.(\d+)", version).groups()
    return int(major), int(minor)


def test_python_anywidget_matches_the_one_bundled_in_kit_js():
    """kit.js bundles the npm anywidget named in frontend/package-lock.json; the kernel speaks the
    installed Python anywidget's protocol. A different minor version may change the messages."""
    from importlib.metadata import version

    lock = json.loads((ROOT / "frontend" / "package-lock.json").read_text())
    bundled = lock["packages"]["node_modules/anywidget"]["version"]
    declared = json.loads((ROOT / "frontend" / "package.json").read_text())["dependencies"]["anywidget"]
    assert _minor(declared) == _minor(bundled)
    assert _minor(version("anywidget")) == _minor(bundled), (
        f"Python anywidget {version('anywidget')} but kit.js bundles anywidget {bundled}: pin the same "
        "minor version in pyproject.toml, or rebuild kit.js (cd frontend && npm ci && npm run build)")
    pinned = next(r for r in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
                  if r.startswith("anywidget"))
    assert f">={_minor(bundled)[0]}.{_minor(bundled)[1]}" in pinned.replace(" ", "")


def test_plotly_figurewidget_is_an_anywidget():
    """kit.js draws FigureWidget through anywidget, which plotly does from version 6 on."""
    from importlib.metadata import version

    import anywidget
    import plotly.graph_objects as go

    assert _minor(version("plotly"))[0] >= 6
    assert issubclass(go.FigureWidget, anywidget.AnyWidget)
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert "plotly>=6" in [r.split("#")[0].strip().replace(" ", "") for r in project["dependencies"]]
