"""The explorer's attributes that its parts keep (``ex.search``, ``ex.card_html``, ``ex.map``, ``ex.df``,
``ex.paper``, a panel's ``ex.k`` ...): the names code and tests used when the explorer was one class."""

from __future__ import annotations

# name -> (part, the part's name for it); "data" and "result_state" are the state's data and result
_PARTS = {
    **{n: ("filters", n) for n in ("search", "curated", "curated_note", "learned", "has_code", "has_demo_box",
                                   "full_demo_box", "clear_filters")},
    **{n: ("result_list", n) for n in ("count", "results", "more", "limit")}, "_row_html": ("result_list", "row_html"),
    **{n: ("card_view", n) for n in ("card_html", "similar_title", "similar", "back", "card")},
    **{n: ("rep_switch", n) for n in ("rep_buttons", "rep_note")},
    "map_slot": ("map_view", "slot"), "clear_map": ("map_view", "clear"), "map_note": ("map_view", "note"),
    "_map": ("map_view", "_fig"), "map": ("map_view", "figure"), "terms_fig": ("topics_panel", "terms_fig"),
    **{n: ("data", n) for n in ("df", "tm", "colors", "ids", "row_of", "facets", "has_demo", "has_full_demo")},
    "corpus_name": ("data", "name"),
    **{n: ("explorer_state", n) for n in ("paper", "history", "map_selection", "filter_mask", "refresh")},
    "_quality": ("explorer_state", "quality"), "terms": ("result_state", "terms"), "result": ("result_state", "indices"),
}


class PartNames:
    """Looks a missing attribute up in the parts (after the explorer was built)."""

    def __getattr__(self, name):
        # widgets and values kept by the parts; a panel's widgets are made on first use
        parts = self.__dict__
        if "explorer_state" in parts:
            if name in _PARTS:
                part, attr = _PARTS[name]
                owner = {"data": lambda: parts["explorer_state"].data,
                         "result_state": lambda: parts["explorer_state"].result}.get(part, lambda: parts[part])()
                return getattr(owner, attr)
            panel = parts["panel_set"].owner_of(name)
            if panel is not None:
                panel.build()
                return getattr(panel, name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
