"""The explorer's map: a plotly ``FigureWidget`` of the papers, owned by ``MapView``.

It observes the state (``data``: points and colours; ``shown``: the representation whose map it
draws, so the points move and the title says what "closer" means; ``result``: which points are dimmed;
``paper``: the ring; ``map_selection``: the Clear button and the outline in the browser) and
writes to it (a box or lasso selection, a click that opens a paper). Everything is updated in
place (``fig.batch_update()``); the figure is built once, when the page first shows its slot.

The figure has no pixel width: it is sized by its container (``autosize``, set once the browser
has a view of it, when the view sits in the page and plotly.js can measure its container).
"""

from __future__ import annotations

import ipywidgets as W
import numpy as np
import plotly.graph_objects as go

from ...compat import VIEW_COUNT, clear_selection, count_views, figure_widget, set_figure_config
from .html import hover_labels, map_title
from .state import ExplorerState

WEBGL_FROM = 3000        # above this many papers the map uses Scattergl
IN_OPACITY, OUT_OPACITY = 0.9, 0.12
HEIGHT = 440


def hbox(children, **layout) -> W.HBox:
    """A row of widgets, vertically centred, with a 12 px gap (CSS class ``kx-gap``)."""
    box = W.HBox(children, layout=W.Layout(align_items="center", **layout))
    box.add_class("kx-gap")
    return box


class MapView:
    """The map (``figure``), its slot in the page (``slot``) and its Clear button (``clear``)."""

    def __init__(self, state: ExplorerState, guard):
        self.state, self._guard = state, guard
        self._fig: go.FigureWidget | None = None
        self._drawn_for = None        # the ExplorerData the points show
        self._from_plot = False       # the browser already dropped the selection it reports
        # The FigureWidget is created once the page shows this slot (its view count goes up):
        # plotly's 5 MB widget module then loads on an idle page, well inside anywidget's 2 s
        # start-up limit. Code and tests that touch ``figure`` earlier build it on the spot.
        self.slot = W.Box([W.HTML('<div class="kx-muted" style="padding:200px 0 0 40%">Drawing the '
                                  'map…</div>')], layout=W.Layout(width="100%", min_height=f"{HEIGHT}px"))
        count_views(self.slot)
        self.slot.observe(self._on_slot_shown, VIEW_COUNT)
        self.clear = W.Button(description="Clear map selection", icon="eraser", disabled=True,
                              layout=W.Layout(width="auto"))
        self.note = W.HTML('<span class="kx-muted">Drag a box (or lasso) on the map to filter the '
                           'list; click a point to open its paper.</span>')
        self.controls = hbox([self.clear, self.note])
        self.clear.on_click(guard(lambda _b: self.clear_selection()))
        state.observe(self._on_data, ["data", "shown"])
        state.observe(self._on_result, "result")
        state.observe(self._on_paper, "paper")
        state.observe(self._on_selection, "map_selection")

    @property
    def figure(self) -> go.FigureWidget:
        """The map, built with the current state on first use."""
        if self._fig is None:
            self._fig = self._make()
        return self._fig

    def _on_slot_shown(self, change) -> None:
        if (change["new"] or 0) >= 1 and self.slot.children[:1] != (self._fig,):
            self.slot.children = (self.figure,)

    def _on_figure_shown(self, change) -> None:
        # plotly.js drew the figure before its element was in the page (anywidget renders views
        # detached; plotly.py#5208), at its default 700 px; now that it is in place, fit it.
        if (change["new"] or 0) >= 1 and self._fig is not None:
            self._fig.layout.autosize = True

    # ----------------------------------------------------------------- building
    def _points(self) -> dict:
        """Coordinates, colours, hover labels and ids of the points for the current model.

        Per-point values are numpy arrays (numbers, or objects for text) and the colour is the topic
        number on a stepped colour scale: plotly validates a list element by element (100,000 hex
        colours took 5 s), an array at once."""
        data = self.state.data
        emb, tm = np.asarray(self.state.rep.embedding_, dtype=float), data.tm
        hover = hover_labels(data.df["title"].fillna(""), tm.topic_, tm.labels_)
        k = len(data.colors)
        scale = [[edge / k, c] for i, c in enumerate(data.colors) for edge in (i, i + 1)]
        return {"x": emb[:, 0], "y": emb[:, 1], "hovertext": hover, "customdata": np.array(data.ids, dtype=object),
                "color": np.asarray(tm.topic_, dtype=int), "colorscale": scale, "cmax": k - 0.5}

    def _points_trace(self, pts: dict):
        n = len(self.state.data)
        kind = go.Scattergl if n > WEBGL_FROM else go.Scatter
        return kind(x=pts["x"], y=pts["y"], hovertext=pts["hovertext"], customdata=pts["customdata"],
                    mode="markers", name="papers", hovertemplate="%{hovertext}<extra></extra>",
                    marker=dict(color=pts["color"], colorscale=pts["colorscale"], cmin=-0.5, cmax=pts["cmax"],
                                size=10 if n <= 300 else 6, opacity=self.opacity(),
                                line=dict(width=0.6, color="white")),
                    unselected=dict(marker=dict(opacity=0.1)))

    def opacity(self) -> np.ndarray:
        """Marker opacity per paper: papers in the result list stand out, the others are dimmed."""
        in_result = np.zeros(len(self.state.data), dtype=bool)
        in_result[self.state.result.indices] = True
        return np.where(in_result, IN_OPACITY, OUT_OPACITY)

    def ring_xy(self) -> tuple[list[float], list[float]]:
        """Where the ring around the open paper goes (nowhere when no paper is open)."""
        paper = self.state.paper
        if paper is None:
            return [], []
        emb = self.state.rep.embedding_
        return [float(emb[paper, 0])], [float(emb[paper, 1])]

    def _ring_trace(self):
        x, y = self.ring_xy()
        return go.Scatter(x=x, y=y, mode="markers", name="open paper", hoverinfo="skip",
                          marker=dict(size=20, symbol="circle-open", line=dict(width=3, color="#1f3b5c")))

    def _make(self) -> go.FigureWidget:
        """The map, built once with its data (so the first render is complete); later only updated."""
        fig = figure_widget(
            data=[self._points_trace(self._points()), self._ring_trace()],
            layout=go.Layout(
                height=HEIGHT, margin=dict(l=8, r=8, t=34, b=8), dragmode="select", hovermode="closest",
                clickmode="event", template="plotly_white", showlegend=False,
                title=dict(text=map_title(self.state.shown), x=0.01,
                           font=dict(size=14, color="#1f3b5c")),
                xaxis=dict(visible=False), yaxis=dict(visible=False), hoverlabel=dict(align="left")))
        set_figure_config(fig, {"displaylogo": False, "responsive": True})  # plotly.js follows window resizes
        fig.add_class("kx-map")
        count_views(fig)
        fig.observe(self._on_figure_shown, VIEW_COUNT)
        self._drawn_for = self.state.data
        self._connect(fig)
        return fig

    def _connect(self, fig: go.FigureWidget) -> None:
        points = fig.data[0]
        points.on_selection(self._guard(self._on_plot_selection))
        points.on_deselect(self._guard(lambda *_: self._plot_deselected()))
        points.on_click(self._guard(self._on_plot_click))

    # ----------------------------------------------------------------- the state, drawn
    def _on_data(self, _change) -> None:
        """New corpus, topic model or representation: move and recolour the points in place."""
        fig = self._fig
        if fig is None:
            return
        want = go.Scattergl if len(self.state.data) > WEBGL_FROM else go.Scatter
        if not isinstance(fig.data[0], want):  # crossed the WebGL threshold: a new figure, as the
            self._fig = self._make()         # browser picks plotly's module for a figure's trace types
            if self.slot.children[:1] == (fig,):  # once, when it first draws it (widgets/compat.py)
                self.slot.children = (self._fig,)
            fig.close()
            return
        pts = self._points()
        self._drawn_for = self.state.data
        fig.layout.title.text = map_title(self.state.shown)
        with fig.batch_update():
            fig.data[1].x, fig.data[1].y = self.ring_xy()
            points = fig.data[0]
            points.x, points.y = pts["x"], pts["y"]
            points.hovertext, points.customdata = pts["hovertext"], pts["customdata"]
            points.marker.update(color=pts["color"], colorscale=pts["colorscale"], cmin=-0.5, cmax=pts["cmax"])
            points.marker.opacity = self.opacity()

    def _on_result(self, _change) -> None:
        if self._fig is not None and self._drawn_for is self.state.data:  # else _on_data draws it
            with self._fig.batch_update():
                self._fig.data[0].marker.opacity = self.opacity()

    def _on_paper(self, _change) -> None:
        if self._fig is not None and self._drawn_for is self.state.data:
            with self._fig.batch_update():
                self._fig.data[1].x, self._fig.data[1].y = self.ring_xy()

    def _on_selection(self, change) -> None:
        self.clear.disabled = change["new"] is None
        if change["new"] is None and not self._from_plot and self._fig is not None:
            # plotly.js keeps the box/lasso outline and the selected-point styling to itself
            clear_selection(self._fig, trace=0)

    # ----------------------------------------------------------------- the browser, heard
    def clear_selection(self) -> None:
        """Drop the map selection (the Clear button)."""
        self.state.map_selection = None

    def _plot_deselected(self) -> None:
        """A double click on empty map space: the browser dropped its selection itself."""
        if self.state.map_selection is None:
            return
        self._from_plot = True
        try:
            self.state.map_selection = None
        finally:
            self._from_plot = False

    def _on_plot_selection(self, trace, points, selector=None) -> None:
        if selector is None and not points.point_inds:
            # plotly.js reports the selection we just removed as an empty one without a box, and
            # plotly.py has just turned that into "no point selected": undo that.
            trace.selectedpoints = None
            self._plot_deselected()
            return
        self.state.select(points.point_inds)

    def _on_plot_click(self, trace, points, state=None) -> None:
        """A click on a map point opens that paper."""
        if points.point_inds:
            self.state.open(int(points.point_inds[0]))
