""""Meet the corpus": a table of the papers and a bar chart of papers per topic, filtered by a dropdown."""

from __future__ import annotations

import html

import ipywidgets as W
import pandas as pd
import plotly.graph_objects as go

from .. import compat
from ..corpus import load, load_topics
from ..teaching import FigureBox

ALL = "__all__"
BAR, BAR_ACTIVE = "#9db4d3", "#2f5d95"


def topic_counts(frame: pd.DataFrame, topics: dict[str, dict]) -> dict[str, int]:
    """Papers per curated topic, in taxonomy order (a paper with two topics counts in both)."""
    return {tid: int(sum(tid in (ts or []) for ts in frame["topics"])) for tid in topics}


def papers_with_topic(frame: pd.DataFrame, topic: str) -> pd.DataFrame:
    if topic == ALL:
        return frame
    return frame[[topic in (ts or []) for ts in frame["topics"]]]


def table_html(frame: pd.DataFrame, topics: dict[str, dict]) -> str:
    """An escaped HTML table: number, title, topics, code link."""
    rows = []
    for i, r in enumerate(frame.itertuples(index=False), 1):
        names = ", ".join(html.escape(topics.get(t, {"name": t})["name"]) for t in (r.topics or []))
        code = (f"<a href='{html.escape(r.code_url, quote=True)}' target='_blank' rel='noopener'>code</a>"
                if r.code_url else "")
        rows.append(f"<tr><td>{i}</td><td class='kit-title'>{html.escape(r.title)}</td>"
                    f"<td>{names}</td><td>{code}</td></tr>")
    return ("<table class='kit-table' style='border-collapse:collapse;width:100%'>"
            "<thead><tr style='text-align:left;border-bottom:2px solid #ccc'><th>#</th><th>Title</th>"
            "<th>Topics</th><th>Code</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>")


class CorpusOverview(FigureBox):
    """The corpus at a glance; ``topic.value`` filters the table and highlights its bar."""

    def __init__(self, frame: pd.DataFrame | None = None, topics: dict[str, dict] | None = None):
        self.frame = load() if frame is None else frame
        self.topics = load_topics() if topics is None else topics
        counts = topic_counts(self.frame, self.topics)
        options = [(f"All topics ({len(self.frame)})", ALL)] + [
            (f"{t['name']} ({counts[tid]})", tid) for tid, t in self.topics.items()
        ]
        self.topic = W.Dropdown(options=options, value=ALL, description="Topic:",
                                layout=W.Layout(width="420px"))
        self.count = W.HTML()
        self.table = W.HTML(layout=W.Layout(max_height="520px", overflow="auto"))
        names = [t["name"] for t in self.topics.values()]
        self.chart = compat.figure_widget(
            go.Bar(x=list(counts.values()), y=names, orientation="h", marker_color=[BAR] * len(names),
                   hovertemplate="%{y}: %{x} papers<extra></extra>"),
            layout=dict(height=340, margin=dict(l=10, r=10, t=40, b=30), title="Papers per topic",
                        yaxis=dict(autorange="reversed", automargin=True), xaxis_title="papers"),
        )
        self.topic.observe(self._redraw, "value")
        super().__init__([self.chart, W.HBox([self.topic, self.count]), self.table])
        self._redraw()

    @property
    def shown(self) -> pd.DataFrame:
        return papers_with_topic(self.frame, self.topic.value)

    def _redraw(self, _change=None):
        shown = self.shown
        self.count.value = f"<span class='kit-count'>&nbsp;{len(shown)} of {len(self.frame)} papers</span>"
        self.table.value = table_html(shown, self.topics)
        keys = list(self.topics)
        with self.chart.batch_update():
            self.chart.data[0].marker.color = [BAR_ACTIVE if k == self.topic.value else BAR for k in keys]


def view() -> CorpusOverview:
    return CorpusOverview()
