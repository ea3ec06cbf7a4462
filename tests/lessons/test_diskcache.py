"""``widgets.lessons.diskcache``: a lesson's first view, and a few slow compute functions, are read
from disk in a new kernel; the numbers are the ones computing them gives."""

from __future__ import annotations

import importlib
import pickle
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from widgets import ROOT
from widgets.lessons import diskcache

from widgets.lessons.base import Lesson

def lesson_class(slug: str) -> type[Lesson]:
    module = importlib.import_module(f"widgets.lessons.{slug}_view")
    return next(c for c in vars(module).values() if isinstance(c, type) and issubclass(c, Lesson)
                and c.__module__ == module.__name__)


# The lessons whose first view is kept on disk (``@default_result`` on their compute).
FIRST_VIEW = ["compression", "conditional_compute", "diffusion", "event_times",
              "gradient_free", "implicit_diff", "information_bottleneck", "unusual_feedback"]


def test_the_lessons_listed_are_the_lessons_decorated():
    decorated = [slug for slug in sorted(p.stem[:-5] for p in (ROOT / "widgets" / "lessons").glob("*_view.py"))
                 if getattr(lesson_class(slug).compute, "__wrapped__", None) is not None]
    assert decorated == FIRST_VIEW


def test_default_result_reads_the_first_view_from_disk(monkeypatch, tmp_path):
    monkeypatch.setenv("KIT_CACHE_DIR", str(tmp_path))
    cls = lesson_class("information_bottleneck")
    calls = []
    real = cls.compute.__wrapped__

    def counted(self, **values):
        calls.append(values)
        return real(self, **values)

    monkeypatch.setattr(cls, "compute", diskcache.default_result(counted))
    lesson = cls()
    assert len(calls) == 1
    (written,) = tmp_path.glob("first-information_bottleneck-*.pkl")
    cls()                                                    # a new kernel: read, not computed
    assert len(calls) == 1
    name, spec = next((n, s) for n, s in cls.CONTROLS.items() if len(getattr(s, "options", [])) > 1
                      or hasattr(s, "max"))
    other = next(v for v in (getattr(spec, "options", None) or [spec.min, spec.max]) if v != spec.value)
    other = other[1] if isinstance(other, tuple) else other
    lesson.controls[name].value = other                     # any other value: computed, not kept
    assert len(calls) == 2 and len(list(tmp_path.glob("first-*.pkl"))) == 1
    written.write_bytes(b"not a pickle")                     # a broken file: computed again
    cls()
    assert len(calls) == 3


def test_default_result_key_changes_with_the_code(monkeypatch, tmp_path):
    monkeypatch.setenv("KIT_CACHE_DIR", str(tmp_path))
    cls = lesson_class("combinatorial_choice")
    from widgets.lessons import base

    files = diskcache.module_files("combinatorial_choice")
    assert [p.name for p in files] == [p.name for p in base.code_files(cls) if not p.stem.endswith("_view")]
    assert len(files) > 1  # the model and its sibling modules
    key = sorted({n: s.value for n, s in cls.CONTROLS.items()}.items())
    before = diskcache.cache_file("first-x", files, key)
    assert diskcache.cache_file("first-x", files, key[:-1]) != before
    for i, source in enumerate(files):          # an edit in any part of the lesson: another file
        edited = tmp_path / source.name
        edited.write_bytes(source.read_bytes() + b"#")
        diskcache._code_digest.cache_clear()
        assert diskcache.cache_file("first-x", files[:i] + (edited,) + files[i + 1:], key) != before


def test_on_disk_keys_by_arguments(monkeypatch, tmp_path):
    monkeypatch.setenv("KIT_CACHE_DIR", str(tmp_path))
    calls = []

    def square(x):
        calls.append(x)
        return np.arange(3) * x

    square.__module__ = "widgets.lessons.koopman"
    cached = diskcache.on_disk(square)
    assert list(cached(2)) == [0, 2, 4] and list(cached(2)) == [0, 2, 4] and list(cached(3)) == [0, 3, 6]
    assert calls == [2, 3] and len(list(tmp_path.glob("koopman-square-*.pkl"))) == 2


def test_unpicklable_results_are_returned_and_not_kept(monkeypatch, tmp_path):
    monkeypatch.setenv("KIT_CACHE_DIR", str(tmp_path))
    fn = diskcache.on_disk(lambda: (lambda: 1))
    assert fn()() == 1 and not list(tmp_path.iterdir())


FRESH = textwrap.dedent("""
    import importlib, os, pickle, sys
    os.environ["VOILA_BASE_URL"] = "/"
    slug = sys.argv[1]
    module = importlib.import_module(f"widgets.lessons.{slug}_view")
    from widgets.lessons.base import Lesson
    cls = next(c for c in vars(module).values() if isinstance(c, type) and issubclass(c, Lesson)
               and c.__module__ == module.__name__)
    lesson = cls.show()
    sys.stdout.buffer.write(pickle.dumps((sorted(m for m in ("scipy", "jsonschema") if m in sys.modules),
                                          lesson.result)))
""")


def fresh_kernel(slug: str, cache) -> tuple[list, object]:
    env = {"KIT_CACHE_DIR": str(cache), "PATH": "/usr/bin:/bin", "HOME": str(cache)}
    out = subprocess.run([sys.executable, "-c", FRESH, slug], capture_output=True, env=env, cwd=ROOT,
                         check=True).stdout
    return pickle.loads(out)


def same(a, b) -> bool:
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, np.ndarray):
        return np.array_equal(a, b, equal_nan=a.dtype.kind in "fc")
    if hasattr(a, "__dict__") and not isinstance(a, type):
        return type(a) is type(b) and same(vars(a), vars(b))
    return a == b or (a != a and b != b)


@pytest.mark.parametrize("slug", ["conditional_compute", "unusual_feedback"])
def test_a_new_kernel_shows_the_first_view_without_scipy_and_the_same_numbers(slug, tmp_path):
    """The ground truth: the first kernel computes (and imports scipy), the next one reads the
    file, imports no scipy, and holds exactly the result the first one computed."""
    imported, computed = fresh_kernel(slug, tmp_path)
    assert "scipy" in imported
    imported, read = fresh_kernel(slug, tmp_path)
    assert imported == [] and same(read, computed)


def _parsed_module_files(stem: str) -> list[str]:
    """The reference: a lesson's modules found by parsing every import with ``ast`` (any depth)."""
    import ast

    here, found, todo = diskcache.HERE, set(), [stem]
    while todo:
        name = todo.pop()
        path = here / f"{name}.py"
        if name in found or not path.is_file():
            continue
        found.add(name)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                todo += [node.module.split(".")[0]] if node.module else [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("widgets.lessons."):
                todo.append(node.module.split(".")[2])
    return sorted(f"{name}.py" for name in found)


@pytest.mark.parametrize("stem", sorted(p.stem for p in diskcache.HERE.glob("*.py") if not p.stem.startswith("_")))
def test_module_files_finds_what_a_parse_finds(stem):
    """The regular expression (fast, in every fresh kernel) against a parse of every import."""
    assert [p.name for p in diskcache.module_files(stem)] == _parsed_module_files(stem)
