"""The one place where the kit touches other libraries' private APIs.

Each helper names what it uses and the versions it was checked on, so that an upgrade that moves
an internal breaks here, loudly, instead of somewhere in a lesson.
"""

from __future__ import annotations

from copy import deepcopy


def sync_figure(fig) -> None:
    """Make a plotly ``FigureWidget``'s synced state equal its Python state.

    Uses ``FigureWidget._widget_data`` / ``_widget_layout`` (the traits the browser reads when it
    connects) and ``_data`` / ``_layout_obj._props``, as plotly's own ``_repr_mimebundle_`` does.
    Checked on plotly 6.x and 7.1. ``batch_update`` sends deltas as messages; a front end that
    connects later (Voila fetches the widgets' state after the notebook ran) would otherwise see
    the figure as it was constructed.
    """
    fig._widget_layout = deepcopy(fig._layout_obj._props)
    fig._widget_data = deepcopy(fig._data)
