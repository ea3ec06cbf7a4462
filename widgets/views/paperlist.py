"""A list of clickable paper rows held in one widget model.

The explorer first built each row from ipywidgets (a Box, an HTML body and a full-size Button):
three models a row, so a page of 50 results plus 5 similar papers was 165 of the page's 360 widget
models. Voila handles every model's messages while it executes the notebook, and the page cost
about 1 s more to appear with 360 models than with 120 (``bench/RESULTS.md``). Here the rows are
plain DOM elements drawn by a few lines of JavaScript through anywidget (already installed: plotly's
FigureWidget is built on it), and a click comes back to Python as a custom message.

Row bodies are HTML made by the caller, which must escape everything taken from a corpus; labels
are set as text (``aria-label``/``title``), never parsed as HTML.
"""

from __future__ import annotations

from typing import Callable, Sequence

import anywidget
import traitlets

_ESM = """
function render({ model, el }) {
  const open = (index) => model.send({ open: index });
  function draw() {
    const current = model.get("current");
    el.replaceChildren(...model.get("rows").map(({ index, body, label }) => {
      const row = document.createElement("div");
      row.className = index === current ? "kx-row kx-current" : "kx-row";
      row.setAttribute("role", "button");
      row.setAttribute("aria-label", label);
      row.title = "Open: " + label;
      row.tabIndex = 0;
      row.innerHTML = body;
      row.addEventListener("click", () => open(index));
      row.addEventListener("keydown", (event) => {
        if (event.key === "Enter" || event.key === " ") {
          event.preventDefault();
          open(index);
        }
      });
      return row;
    }));
  }
  draw();
  model.on("change:rows", draw);
  model.on("change:current", draw);
}
export default { render };
"""


class PaperList(anywidget.AnyWidget):
    """Rows of papers; clicking one (or Enter/Space on it) calls ``on_open(index)``.

    ``rows`` is a list of ``{"index": int, "body": html, "label": text}``; ``current`` is the index
    of the row to highlight (-1 for none).
    """

    _esm = _ESM
    rows = traitlets.List(traitlets.Dict()).tag(sync=True)
    current = traitlets.Int(-1).tag(sync=True)

    def __init__(self, on_open: Callable[[int], None], **kwargs):
        super().__init__(**kwargs)
        self._on_open = on_open
        self.on_msg(self._handle_message)

    def show(self, rows: Sequence[tuple[int, str, str]], current: int | None = None) -> None:
        """Replace the rows: ``(index, body html, label)`` each."""
        self.rows = [{"index": int(i), "body": body, "label": str(label)[:200]} for i, body, label in rows]
        self.current = -1 if current is None else int(current)

    @property
    def indices(self) -> list[int]:
        return [row["index"] for row in self.rows]

    def click(self, index: int) -> None:
        """What a click on the row of paper ``index`` does (for code and tests without a browser)."""
        self._handle_message(self, {"open": index}, [])

    def _handle_message(self, _widget, content, _buffers) -> None:
        if not isinstance(content, dict) or "open" not in content:
            return
        try:
            index = int(content["open"])
        except (TypeError, ValueError):
            return
        if index in self.indices:  # only rows that are on show can be opened
            self._on_open(index)
