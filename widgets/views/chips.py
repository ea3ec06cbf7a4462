"""A wrap-around row of toggle chips held in one widget model.

The explorer's topic filters were one ipywidgets Button per chip: two models each (the button and
its style; the layout is shared), 38 of the 131 models the explorer's page had to fetch and build
before its first widget showed. Here the chips are plain ``<button>`` elements drawn by a few lines
of JavaScript through anywidget, with the ipywidgets button classes so they look the same. Being
real buttons, they take the keyboard focus and toggle with Enter or Space; ``aria-pressed`` says
whether a chip is on. A click comes back to Python as a custom message naming the chip's position,
and Python decides: ``value`` only ever holds keys of chips on show.

Labels and tooltips are set as text, never parsed as HTML.
"""

from __future__ import annotations

from typing import Sequence

import anywidget
import traitlets

_ESM = """
function render({ model, el }) {
  el.classList.add("kx-chips");
  let buttons = [];
  function paint() {  // on/off looks; the buttons stay, so the keyboard focus stays too
    const on = new Set(model.get("value").map(String));
    model.get("chips").forEach((chip, position) => {
      const pressed = on.has(String(chip.key));
      const [background, color] = pressed ? chip.on : chip.off;
      const button = buttons[position];
      button.setAttribute("aria-pressed", String(pressed));
      button.style.background = background;
      button.style.color = color;
      button.style.fontWeight = pressed ? "bold" : "normal";
    });
  }
  function build() {
    buttons = model.get("chips").map((chip, position) => {
      const button = document.createElement("button");
      button.className = "jupyter-button widget-button kx-chip";
      button.type = "button";
      button.textContent = chip.label;
      button.title = chip.tooltip;
      button.addEventListener("click", () => model.send({ toggle: position }));
      return button;
    });
    el.replaceChildren(...buttons);
    paint();
  }
  build();
  model.on("change:chips", build);
  model.on("change:value", paint);
}
export default { render };
"""

ON, OFF_BG, OFF_TEXT = "#3b6ea8", "#edf0f4", "#1f2a36"  # chips without a colour of their own


def tint(hex_color: str, amount: float = 0.78) -> str:
    """``hex_color`` mixed with white (``amount`` = share of white)."""
    r, g, b = (int(hex_color[i:i + 2], 16) for i in (1, 3, 5))
    mix = [round(c + (255 - c) * amount) for c in (r, g, b)]
    return "#" + "".join(f"{c:02x}" for c in mix)


class Chips(anywidget.AnyWidget):
    """Toggle chips; ``value`` is the tuple of keys switched on (in the order they were switched on).

    ``set_options`` takes ``(label, key, colour or None, tooltip)`` per chip. A chip with a colour
    is drawn in a pale tint of it when off and in the colour when on; the others in blue.
    """

    _esm = _ESM
    _css = """
    .kx-chips { display: flex; flex-flow: row wrap; width: 100%; }
    .kx-chips .kx-chip { width: auto; height: 26px; margin: 2px 4px 2px 0; padding: 0 9px;
                         font-size: 12.5px; }
    """
    chips = traitlets.List(traitlets.Dict()).tag(sync=True)
    value = traitlets.Tuple(help="Keys of the chips that are on.").tag(sync=True)

    def __init__(self, options: Sequence[tuple[str, object, str | None, str]] = (), **kwargs):
        super().__init__(**kwargs)
        self.chip_keys: list = []
        self.on_msg(self._handle_message)
        self.set_options(options)

    def set_options(self, options: Sequence[tuple[str, object, str | None, str]]) -> None:
        """Replace the chips; keys that are still offered stay switched on."""
        self.chip_keys = [key for _label, key, _color, _tooltip in options]
        self.chips = [{"key": key, "label": str(label), "tooltip": str(tooltip or label),
                       "on": [color, "white"] if color else [ON, "white"],
                       "off": [tint(color), OFF_TEXT] if color else [OFF_BG, OFF_TEXT]}
                      for label, key, color, tooltip in options]
        self.value = tuple(k for k in self.value if k in self.chip_keys)

    def look(self, key) -> tuple[str, str]:
        """(background, text colour) of the chip ``key`` as it is drawn now."""
        chip = self.chips[self.chip_keys.index(key)]
        return tuple(chip["on"] if key in self.value else chip["off"])

    def toggle(self, key) -> None:
        self.value = tuple(k for k in self.value if k != key) if key in self.value else (*self.value, key)

    def click(self, key) -> None:
        """What a click on the chip ``key`` does (for code and tests without a browser)."""
        self._handle_message(self, {"toggle": self.chip_keys.index(key)}, [])

    def _handle_message(self, _widget, content, _buffers) -> None:
        if not isinstance(content, dict) or "toggle" not in content:
            return
        position = content["toggle"]
        if type(position) is int and 0 <= position < len(self.chip_keys):
            self.toggle(self.chip_keys[position])
