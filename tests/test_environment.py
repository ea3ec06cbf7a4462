"""pyproject.toml is the one list of dependencies; environment.yml must list the same packages."""

import re
import tomllib

import yaml

from widgets import ROOT


def _split(requirement: str) -> tuple[str, str]:
    name, spec = re.match(r"\s*([A-Za-z0-9_.-]+)\s*(.*)", requirement).groups()
    return re.sub(r"[-_.]+", "-", name).lower(), spec.replace(" ", "")


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = dict(_split(r) for r in project["dependencies"] + project["optional-dependencies"]["test"])
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


def test_environment_installs_this_package():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert "-e ." in pip


def test_plotly_widgets_import_without_the_slow_iri_parser():
    """Every lesson kernel imports plotly's FigureWidget; through nbformat -> jsonschema that used to
    build rfc3987-syntax's Earley parsers (1.3 s per kernel). The jsonschema cap keeps it out."""
    import subprocess
    import sys

    code = ("import sys, plotly.graph_objects as go; go.FigureWidget; "
            "print('rfc3987_syntax' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
