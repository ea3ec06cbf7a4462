"""Every module of ``widgets/`` stays readable: at most 600 lines (the project's rule, issue 19)."""

from __future__ import annotations

from widgets import ROOT

MAX_LINES = 600
EXCLUDED: set[str] = set()  # widgets/views/explorer.py was, until it became a package (issue 19)


def test_no_module_of_widgets_is_over_600_lines():
    files = sorted(p for p in (ROOT / "widgets").rglob("*.py") if "__pycache__" not in p.parts)
    assert len(files) > 50  # the whole package was found
    sizes = {p.relative_to(ROOT).as_posix(): len(p.read_text(encoding="utf-8").splitlines()) for p in files}
    too_long = {name: n for name, n in sizes.items() if n > MAX_LINES and name not in EXCLUDED}
    assert not too_long, f"modules over {MAX_LINES} lines (split them by concern): {too_long}"
