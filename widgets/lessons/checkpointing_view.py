"""The checkpointing lesson's view: the ranks of two layouts and the atomic files between them.

The maths is in ``checkpointing.py``, the words in ``checkpointing.yaml``; this module only draws.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from . import checkpointing as ck
from .base import Lesson, LessonDisplay, add, assign, set_title, table, trace
from .controls import Choice, Pick

COLOURS = ["#8c564b", "#1f77b4", "#17becf", "#9467bd", "#ff7f0e", "#2ca02c", "#d9d9d9", "#f7b6d2"]
BAR = 0.55          # bar height (a row is 1)
WRONG = "#d62728"


def _boxes(x0, x1, y0, y1):
    """Rectangles as one closed path each, NaN between them (one filled trace for many boxes)."""
    n = len(x0)
    xs = np.column_stack([x0, x1, x1, x0, x0, np.full(n, np.nan)]).ravel()
    ys = np.column_stack([y0, y0, y1, y1, y0, np.full(n, np.nan)]).ravel()
    return xs, ys


def _grid(buffers: dict, layout: ck.Layout, hidden: int, marks: dict | None = None):
    """Per kind the boxes of every rank's flat buffer; the misplaced runs; label positions."""
    ranks = list(buffers)
    width = max(b.size for b in buffers.values())
    left = np.array([d * (layout.tp + 0.4) + t for t, p, d in ranks])
    row = -np.array([p for t, p, d in ranks], dtype=float)
    seg = ck.segments([buffers[r] for r in ranks], hidden)
    boxes = np.column_stack([left[seg[:, 0]] + 0.9 * seg[:, 1] / width,
                             left[seg[:, 0]] + 0.9 * seg[:, 2] / width, row[seg[:, 0]]])
    parts = {k: boxes[seg[:, 3] == k] for k in range(len(ck.KINDS))}
    wrong = None
    if marks is not None:
        w = ck.runs([marks[r].astype(np.int64) for r in ranks])
        w = w[w[:, 3] == 1]
        wrong = np.column_stack([left[w[:, 0]] + 0.9 * w[:, 1] / width,
                                 left[w[:, 0]] + 0.9 * w[:, 2] / width, row[w[:, 0]]])
    labels = (left + 0.45, row - BAR / 2 - 0.14, [f"t{t}d{d}" for t, p, d in ranks])
    return parts, wrong, labels


def _draw_grid(fig, prefix: str, parts, wrong, labels) -> None:
    for kind, boxes in parts.items():
        x, y = _boxes(boxes[:, 0], boxes[:, 1], boxes[:, 2] - BAR / 2, boxes[:, 2] + BAR / 2)
        assign(trace(fig, f"{prefix}{kind}"), x=x, y=y)
    if wrong is not None:
        x, y = _boxes(wrong[:, 0], wrong[:, 1], wrong[:, 2] - BAR / 2 - 0.05, wrong[:, 2] + BAR / 2 + 0.05)
        assign(trace(fig, f"{prefix}wrong"), x=x, y=y)
    lx, ly, lt = labels
    assign(trace(fig, f"{prefix}labels"), x=lx, y=ly, text=lt)


class CheckpointDisplay(LessonDisplay):
    @classmethod
    def figure(cls) -> go.Figure:
        fig = make_subplots(rows=2, cols=2, specs=[[{}, {}], [{"colspan": 2}, None]],
                            row_heights=[0.55, 0.45], vertical_spacing=0.12, horizontal_spacing=0.06,
                            subplot_titles=("saved", "loaded", "the atomic checkpoint: one file per parameter"))
        for col, prefix in ((1, "src"), (2, "dst")):
            for kind, name in enumerate(ck.KINDS):
                add(fig, f"{prefix}{kind}", go.Scatter(
                    x=[], y=[], mode="lines", fill="toself", fillcolor=COLOURS[kind], name=name,
                    legendgroup=name, showlegend=col == 2, hoverinfo="name",
                    line=dict(color="white", width=0.5)), 1, col)
            add(fig, f"{prefix}labels", go.Scatter(x=[], y=[], mode="text", text=[], showlegend=False,
                                                   textfont=dict(size=9, color="#555"), hoverinfo="skip"), 1, col)
        add(fig, "dstwrong", go.Scatter(x=[], y=[], mode="lines", name="not where training keeps it",
                                        line=dict(color=WRONG, width=2), hoverinfo="name"), 1, 2)
        for kind, name in enumerate(ck.KINDS[:6]):
            add(fig, f"atom{kind}", go.Scatter(x=[], y=[], mode="lines", fill="toself", fillcolor=COLOURS[kind],
                                               name=name, legendgroup=name, showlegend=False, hoverinfo="name",
                                               line=dict(color="white", width=0.5)), 2, 1)
        # auto-margin's own margins for the first view: drawn once, not twice (tests/browser/test_first_draw.py)
        fig.update_layout(width=980, height=740, margin=dict(l=90, r=20, t=50, b=100),
                          template="plotly_white", legend=dict(orientation="h", y=-0.1, x=0),
                          hovermode="closest")
        for col in (1, 2):
            fig.update_xaxes(showticklabels=False, showgrid=False, zeroline=False, row=1, col=col)
            fig.update_yaxes(showgrid=False, zeroline=False, row=1, col=col)
        names = [q.name for q in ck.model_spec(8)]
        fig.update_xaxes(title_text="element (row by row)", row=2, col=1)
        fig.update_yaxes(tickvals=-np.arange(len(names)), ticktext=names, range=[-len(names) + 0.4, 0.6],
                         showgrid=False, row=2, col=1)
        return fig

    def draw(self, fig) -> None:
        r, v = self.result, self.values
        h = r.hidden
        src_parts, _, src_labels = _grid(r.saved_ids_, r.source, h)
        _draw_grid(fig, "src", src_parts, None, src_labels)
        dst_parts, wrong, dst_labels = _grid(r.loaded_ids_, r.target, h, r.misplaced_)
        _draw_grid(fig, "dst", dst_parts, wrong, dst_labels)
        for axis, lay in (("", r.source), ("2", r.target)):      # subplots (1, 1) and (1, 2)
            fig.layout[f"xaxis{axis}"].range = [-0.15, lay.dp * (lay.tp + 0.4) - 0.3]
            fig.layout[f"yaxis{axis}"].update(tickvals=-np.arange(lay.pp), range=[-lay.pp + 0.35, 0.5],
                                              ticktext=[f"stage {p}" for p in range(lay.pp)])
        set_title(fig, 0, f"saved under {r.source}: {len(r.saved_)} files, one per rank")
        set_title(fig, 1, f"loaded under {r.target}: {len(r.loaded_)} ranks")
        seg = ck.segments([r.atomic_ids_[q.name].ravel() for q in ck.model_spec(h)], h).astype(float)
        for kind in range(6):
            b = seg[seg[:, 3] == kind]
            x, y = _boxes(b[:, 1], b[:, 2], -b[:, 0] - 0.35, -b[:, 0] + 0.35)
            assign(trace(fig, f"atom{kind}"), x=x, y=y)
        fig.layout.xaxis3.range = [0, max(3 * h * h, ck.VOCAB * h) * 1.01]
        ok = "bit-identical to the model" if r.atomic_identical_ else "NOT the model's tensors"
        set_title(fig, 2, f"the atomic checkpoint: one file per parameter ({v['qkv']} qkv): {ok}")

    def readout(self) -> str:
        r = self.result
        kb = lambda b: f"{b / 1024:.2f} KiB"  # noqa: E731
        n_wrong = int(sum(m.sum() for m in r.misplaced_.values()))
        rows = [["save (every rank writes its own slice)", r.files_["save"], kb(r.bytes_["save"]),
                 f"largest file {kb(r.bytes_['save_max_rank'])}"],
                ["convert: read the slices", r.files_["convert_read"], kb(r.bytes_["convert_read"]), "padding included"],
                ["convert: write one file per parameter", r.files_["convert_write"], kb(r.bytes_["convert_write"]),
                 "the model, once"],
                ["load (each rank reads what its slice needs)", r.files_["load"], kb(r.bytes_["load"]),
                 f"files per rank {min(r.rank_files_.values())}–{max(r.rank_files_.values())}"]]
        verdict = ("<span style='color:#1b7f3b'>✓ every loaded slice is bit-identical to what training "
                   f"under {r.target} holds</span>" if r.loaded_identical_ else
                   f"<span style='color:{WRONG}'>✗ {n_wrong} loaded elements are not where training "
                   f"under {r.target} keeps them</span>")
        return (f"<div class='kit-readout'><b>{r.source} → {r.target}</b>, width H = {r.hidden}: {verdict}."
                + table(["phase", "files", "bytes (float32)", "note"], rows, "kit-ckpt-table") + "</div>")


class CheckpointingLesson(Lesson):
    """Three degrees for the saving run, three for the loading run, the model width, the qkv rule."""

    slug = "checkpointing"
    LABEL_WIDTH = "120px"
    CONTROLS = {
        "src_tp": Pick(ck.TP_OPTIONS, 2, "tensor (TP)", width="260px"),
        "src_pp": Pick(ck.PP_OPTIONS, 2, "pipeline (PP)", width="260px"),
        "src_dp": Pick(ck.DP_OPTIONS, 3, "data (DP)", width="260px"),
        "dst_tp": Pick(ck.TP_OPTIONS, 2, "tensor (TP)", width="260px"),
        "dst_pp": Pick(ck.PP_OPTIONS, 2, "pipeline (PP)", width="260px"),
        "dst_dp": Pick(ck.DP_OPTIONS, 3, "data (DP)", width="260px"),
        "hidden": Pick(ck.HIDDEN_OPTIONS, 16, "width H", width="260px"),
        "qkv": Choice(["fused", "plain rows"], "fused", "qkv declared as"),
    }
    COLUMNS = {"Saved under": ["src_tp", "src_pp", "src_dp"],
               "Loaded under": ["dst_tp", "dst_pp", "dst_dp"],
               "Model": ["hidden", "qkv"]}
    Display = CheckpointDisplay

    def compute(self, src_tp, src_pp, src_dp, dst_tp, dst_pp, dst_dp, hidden, qkv):
        return ck.reshard(ck.Layout(src_tp, src_pp, src_dp), ck.Layout(dst_tp, dst_pp, dst_dp), hidden,
                          "fused" if qkv == "fused" else "rows")

    def facts(self) -> dict:
        same = ck.reshard(ck.Layout(2, 2, 3), ck.Layout(2, 2, 3), 16)
        moved = ck.reshard(ck.Layout(2, 2, 3), ck.Layout(4, 1, 2), 16)
        wrong = ck.reshard(ck.Layout(2, 2, 3), ck.Layout(4, 1, 2), 16, "rows")
        big = ck.reshard(ck.Layout(2, 2, 3), ck.Layout(4, 1, 2), 32)
        return {"saved_kib": same.bytes_["save"] / 1024, "model_kib": same.bytes_["convert_write"] / 1024,
                "dp_pad": sum(int((f == ck.DP_PAD).sum()) for f in same.saved_ids_.values()),
                "vocab_pad": sum(int((f == ck.VOCAB_PAD).sum()) for f in moved.loaded_ids_.values()),
                "load_same_kib": same.bytes_["load"] / 1024, "load_moved_kib": moved.bytes_["load"] / 1024,
                "files_moved": moved.files_["load"], "n_wrong": int(sum(m.sum() for m in wrong.misplaced_.values())),
                "big_model_kib": big.bytes_["convert_write"] / 1024,
                "ratio": big.bytes_["convert_write"] / moved.bytes_["convert_write"]}


def view(**values):
    """The lesson as one widget (see ``Lesson.show``)."""
    return CheckpointingLesson.show(**values)
