"""A listing's highlighted HTML is kept on disk (``hood.highlighted``): the same HTML Pygments
gives, and a new kernel does not run Pygments for a listing it has shown before."""

from __future__ import annotations

import inspect

import pytest
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer

from widgets.lessons import hood, koopman


def test_a_listing_is_highlighted_once_per_machine(monkeypatch, tmp_path):
    monkeypatch.setenv("KIT_CACHE_DIR", str(tmp_path))
    code = inspect.getsource(koopman.edmd)
    expected = highlight(code, PythonLexer(), HtmlFormatter(**hood._FORMATTER_OPTIONS))
    assert hood.highlighted(code) == expected
    assert len(list(tmp_path.glob("listing-*.html"))) == 1

    def fail(*args, **kwargs):
        raise AssertionError("highlighted again")

    monkeypatch.setattr("pygments.highlight", fail)
    assert hood.highlighted(code) == expected                       # read from the file
    with pytest.raises(AssertionError, match="again"):
        hood.highlighted(code + "# edited\n")                       # other code: highlighted


def test_an_unwritable_cache_still_shows_the_listing(monkeypatch, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("KIT_CACHE_DIR", str(blocker / "cache"))      # a directory under a file
    assert "kit-listing" in hood.listing_html("def f():\n    return 1\n")
