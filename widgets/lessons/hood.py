"""Notebook helpers for a lesson's "Under the hood" and "Try it yourself" sections.

In JupyterLab the student reads and edits the code itself (the notebook holds a copy of the
function in a code cell; ``tests/lessons/test_lessons.py`` checks the copy equals the module's
source). Voila strips code cells, so there the same function is shown as a syntax-highlighted
listing (Pygments, inline styles: nothing fetched; kept on disk, see ``highlighted``).
``under_the_hood(fn)`` shows the listing in Voila and a one-line pointer elsewhere; ``Exercise``
sections use ``try_it`` and ``solution``.
"""

from __future__ import annotations

import html
import inspect
import os
import textwrap
from typing import Callable

from IPython.display import HTML

from .exercise import Exercise

_FORMATTER_OPTIONS = dict(noclasses=True, style="friendly", nobackground=True,
                          prestyles="margin:0;line-height:1.4;font-family:ui-monospace,"
                                    "SFMono-Regular,Menlo,Consolas,'DejaVu Sans Mono',monospace")
BOX = ("border:1px solid #d0d7de;border-radius:6px;padding:6px 10px;background:#f6f8fa;"
       "overflow-x:auto;font-size:12.5px")


def in_voila() -> bool:
    """True in a kernel that Voila started (it sets these variables before the notebook runs)."""
    return "VOILA_KERNEL_ID" in os.environ or "VOILA_BASE_URL" in os.environ


def highlighted(code: str) -> str:
    """``code`` as Pygments' HTML, kept in ``widgets.cache_dir()`` by a hash of the code, the
    options and Pygments' version: a fresh kernel's first highlight compiles the Python lexer's
    rules (30-80 ms of every lesson page, which shows two or three listings)."""
    import hashlib

    import pygments

    from widgets import cache_dir

    key = hashlib.sha256(repr((pygments.__version__, _FORMATTER_OPTIONS, code)).encode()).hexdigest()[:20]
    path = cache_dir() / f"listing-{key}.html"
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, ValueError):
        pass
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import PythonLexer

    body = highlight(code, PythonLexer(), HtmlFormatter(**_FORMATTER_OPTIONS))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(body, encoding="utf-8")
        tmp.replace(path)
    except OSError:
        pass
    return body


def listing_html(source: str, caption: str = "") -> str:
    body = highlighted(textwrap.dedent(source))
    head = f"<div style='font-size:12px;color:#555;margin-bottom:2px'>{caption}</div>" if caption else ""
    return f"<div class='kit-listing'>{head}<div style='{BOX}'>{body}</div></div>"


def where(fn: Callable) -> str:
    module = inspect.getmodule(fn)
    path = (module.__name__.replace(".", "/") + ".py") if module else "?"
    line = inspect.getsourcelines(fn)[1]
    return f"<code>{html.escape(fn.__name__)}</code> in <code>{html.escape(path)}</code>, line {line}"


def under_the_hood(fn: Callable) -> HTML:
    """The listing of ``fn`` in Voila; elsewhere a pointer (the cell above holds the code)."""
    if in_voila():
        return HTML(listing_html(inspect.getsource(fn), f"The code the lesson runs: {where(fn)}"))
    return HTML(f"<div class='kit-hood-note' style='color:#555'>The cell above is {where(fn)}, "
                "as the lesson runs it. Edit it and run it to experiment.</div>")


def try_it(exercise: Exercise) -> HTML | None:
    """In Voila: the stub as a listing and where to write it; elsewhere nothing (the stub is the
    code of the same cell)."""
    if in_voila():
        return HTML(listing_html(exercise.stub, "Write this function (open the notebook in "
                                                "JupyterLab to run your version):"))
    return None


def solution(exercise: Exercise):
    """A button that reveals the reference solution as a listing (Voila and JupyterLab)."""
    import ipywidgets as W

    button = W.Button(description="Show a solution", icon="eye")
    shown = W.HTML(listing_html(exercise.solution_source(), "One solution:"),
                   layout=W.Layout(display="none"))

    def toggle(_=None):
        hidden = shown.layout.display == "none"
        shown.layout.display = "block" if hidden else "none"
        button.description = "Hide the solution" if hidden else "Show a solution"

    button.on_click(toggle)
    box = W.VBox([button, shown])
    box.add_class("kit-solution")
    box.toggle = toggle
    return box
