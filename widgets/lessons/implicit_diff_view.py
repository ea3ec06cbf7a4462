"""The implicit-differentiation lesson's view: ridge layer, dispatch LP, projected field.

The maths is in ``implicit_diff.py``, the words in ``implicit_diff.yaml``; this module only draws.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from . import implicit_diff as idf, diskcache
from .base import Lesson, LessonDisplay, add, assign, polylines, set_title, table, trace
from .controls import Choice, LogSlider, Pick, Slider

COLORS = ["#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e"]
UNIT_COLORS = {"hydro": "#3b82f6", "coal": "#6b7280", "gas": "#f97316"}
HALF = 0.5                      # tangents span ±HALF decades of λ
CONDITION_LABELS = {"by hand": "hand-derived −(XᵀX+λI)⁻¹w*",
                    "gradient": "automatic from F = ∇f(w)",
                    "fixed point": "automatic from F = step(w) − w",
                    "proximal": "automatic from F = prox-step(w) − w"}
AGAINST = {"d1": "demand, period 1 (MW)", "d2": "demand, period 2 (MW)", "water": "water budget (MWh)"}


def _vec(v) -> str:
    return "(" + ", ".join(f"{x:+.4f}" for x in v) + ")"


class ImplicitDiffDisplay(LessonDisplay):
    """Column 1 ridge (path with tangents; errors of unrolling vs k), column 2 dispatch (stack;
    cost curve with the dual's slope), column 3 conservation (fields; RMS error vs subdomains)."""

    @classmethod
    def figure(cls) -> go.Figure:
        fig = make_subplots(rows=3, cols=3, vertical_spacing=0.09, horizontal_spacing=0.08,
                            specs=[[{}, {}, {}], [{}, {}, {}], [{}, {}, None]],
                            subplot_titles=("Ridge layer w*(λ) and its slope at λ", "Dispatch by period",
                                            "Field: truth, prediction, projection",
                                            "Unrolling k steps: relative error", "Optimal cost",
                                            "RMS error against the truth",
                                            "TS-DDR policy: period-1 hydro vs demand 1",
                                            "Policy's mean cost while SGD trains it"))
        for j, color in enumerate(COLORS):
            add(fig, f"path{j}", go.Scatter(mode="lines", line=dict(color=color), name="coefficients w*(λ)",
                                            showlegend=j == 0), 1, 1)
        add(fig, "tangent", go.Scatter(mode="lines", line=dict(color="black", width=3),
                                       name="implicit slope dw*/dλ"), 1, 1)
        add(fig, "unrolled", go.Scatter(mode="markers", marker=dict(symbol="x", size=9, color="#d62728"),
                                        name="k-step iterate w_k"), 1, 1)
        add(fig, "unrolled tangent", go.Scatter(mode="lines", line=dict(color="#d62728", dash="dash", width=2),
                                                name="unrolled slope dw_k/dλ"), 1, 1)
        add(fig, "err w", go.Scatter(mode="lines", line=dict(color="#7f7f7f"),
                                     name="iterate ‖w_k − w*‖/‖w*‖"), 2, 1)
        add(fig, "err d", go.Scatter(mode="lines", line=dict(color="#d62728"), name="derivative, unrolled"), 2, 1)
        add(fig, "err implicit", go.Scatter(mode="lines", line=dict(color="black", dash="dot"),
                                            name="derivative, implicit (vs closed form)"), 2, 1)
        add(fig, "k", go.Scatter(mode="lines", line=dict(color="#d62728", width=1), showlegend=False), 2, 1)
        for unit in idf.UNITS:
            add(fig, unit, go.Bar(x=["period 1", "period 2"], marker_color=UNIT_COLORS[unit], name=unit), 1, 2)
        add(fig, "demand", go.Scatter(x=["period 1", "period 2"], mode="markers+text", textposition="top center",
                                      marker=dict(symbol="line-ew-open", size=40, line=dict(width=3, color="black")),
                                      name="demand, price = dual"), 1, 2)
        add(fig, "cost", go.Scatter(mode="lines", line=dict(color="#444"), name="optimal cost"), 2, 2)
        add(fig, "dual slope", go.Scatter(mode="lines", line=dict(color="#d62728", width=3),
                                          name="slope = the LP's dual"), 2, 2)
        add(fig, "cost now", go.Scatter(mode="markers", marker=dict(size=10, color="#d62728"),
                                        showlegend=False), 2, 2)
        add(fig, "truth", go.Scatter(mode="lines", line=dict(color="black", width=2), name="true field"), 1, 3)
        add(fig, "prediction", go.Scatter(mode="markers", marker=dict(size=4, color="#9ca3af"),
                                          name="prediction"), 1, 3)
        add(fig, "projected", go.Scatter(mode="lines", line=dict(color="#16a34a", width=2),
                                         name="projected (mass exact per subdomain)"), 1, 3)
        add(fig, "borders", go.Scatter(mode="lines", line=dict(color="#16a34a", dash="dot", width=1),
                                       showlegend=False, hoverinfo="skip"), 1, 3)
        add(fig, "rms before", go.Scatter(mode="lines", line=dict(color="#9ca3af", dash="dash"),
                                          name="RMS, prediction"), 2, 3)
        add(fig, "rms after", go.Scatter(mode="lines+markers", line=dict(color="#16a34a"),
                                         name="RMS, projected"), 2, 3)
        add(fig, "rms now", go.Scatter(mode="markers", marker=dict(size=13, color="#16a34a", symbol="circle-open",
                                                                   line=dict(width=3)), showlegend=False), 2, 3)
        add(fig, "hindsight", go.Scatter(mode="markers", marker=dict(size=4, color="#9ca3af"),
                                         name="hydro₁ with perfect foresight"), 3, 1)
        add(fig, "policy start", go.Scatter(mode="lines", line=dict(color="#3b82f6", dash="dot"),
                                            name="policy before training"), 3, 1)
        add(fig, "policy", go.Scatter(mode="lines", line=dict(color="#3b82f6", width=3),
                                      name="policy after the SGD steps"), 3, 1)
        add(fig, "train cost", go.Scatter(mode="lines", line=dict(color="#3b82f6"),
                                          name="mean cost of the policy (test scenarios)"), 3, 2)
        add(fig, "foresight", go.Scatter(mode="lines", line=dict(color="black", dash="dash"),
                                         name="perfect foresight (lower bound)"), 3, 2)
        add(fig, "train now", go.Scatter(mode="markers", marker=dict(size=10, color="#3b82f6"),
                                         showlegend=False), 3, 2)
        # auto-margin's own margins for the first view: drawn once, not twice (tests/browser/test_first_draw.py)
        fig.update_layout(width=1150, height=1060, template="plotly_white", barmode="stack",
                          margin=dict(l=51, r=22, t=40, b=216),
                          legend=dict(orientation="h", y=-0.1, x=0, traceorder="normal"))
        fig.update_xaxes(type="log", title_text="λ", row=1, col=1)
        fig.update_xaxes(type="log", title_text="k (gradient steps)", row=2, col=1)
        fig.update_yaxes(type="log", range=[-17, 0.5], exponentformat="power", row=2, col=1)
        fig.update_yaxes(title_text="MW", range=[0, 175], row=1, col=2)
        fig.update_yaxes(title_text="$", row=2, col=2)
        fig.update_xaxes(title_text="x", row=1, col=3)
        fig.update_xaxes(type="log", title_text="subdomains (experts)", tickvals=list(idf.SUBDOMAINS),
                         row=2, col=3)
        fig.update_yaxes(rangemode="tozero", row=2, col=3)
        fig.update_xaxes(title_text="demand 1 (MW), known when deciding", range=[idf.D_LOW, idf.D_HIGH], row=3, col=1)
        fig.update_yaxes(title_text="hydro₁ target (MW)", range=[-2, 45], row=3, col=1)
        fig.update_xaxes(title_text="SGD step", row=3, col=2)
        fig.update_yaxes(title_text="$", row=3, col=2)
        return fig

    def draw(self, fig) -> None:
        r, d, c, v = self.result["ridge"], self.result["dispatch"], self.result["conservation"], self.values
        lam, k = v["lam"], int(v["k"])
        ends = lam * 10.0 ** np.array([-HALF, HALF])
        scale = HALF * lam * np.log(10.0)            # change of w along the tangent per HALF decades
        for j in range(len(COLORS)):
            assign(trace(fig, f"path{j}"), x=idf.LAM_GRID, y=r["path"][:, j])
        segments = lambda w, s: polylines(np.stack(  # noqa: E731
            [np.tile(ends, (len(w), 1)), w[:, None] + np.outer(s, [-scale, scale])], -1))
        assign(trace(fig, "tangent"), **dict(zip("xy", segments(r["coef"], r["dcoef"]))))
        assign(trace(fig, "unrolled"), x=[lam] * len(COLORS), y=r["w"][k])
        assign(trace(fig, "unrolled tangent"), **dict(zip("xy", segments(r["w"][k], r["dw"][k]))))
        steps = np.arange(1, idf.K_MAX + 1)
        floor = lambda e: np.maximum(e, 1e-17)  # noqa: E731
        assign(trace(fig, "err w"), x=steps, y=floor(r["w_error"][1:]))
        assign(trace(fig, "err d"), x=steps, y=floor(r["d_error"][1:]))
        assign(trace(fig, "err implicit"), x=[1, idf.K_MAX], y=floor(np.full(2, r["implicit_error"])))
        assign(trace(fig, "k"), x=[k, k], y=[1e-17, 3.0])
        for i, unit in enumerate(idf.UNITS):
            assign(trace(fig, unit), y=d["dispatch"][:, i])
        assign(trace(fig, "demand"), y=[v["d1"], v["d2"]], text=[f"{p:.0f} $/MWh" for p in d["prices"]])
        p0, slope, cost = v[v["against"]], d["duals"][v["against"]], d["cost"]
        assign(trace(fig, "cost"), x=d["grid"], y=d["curve"])
        assign(trace(fig, "dual slope"), x=[p0 - 20, p0 + 20], y=[cost - 20 * slope, cost + 20 * slope])
        assign(trace(fig, "cost now"), x=[p0], y=[cost])
        fig.layout.xaxis5.title.text = AGAINST[v["against"]]
        set_title(fig, 4, f"Optimal cost: slope {slope:+.0f} $/unit (the dual)")
        s = int(v["subdomains"])
        assign(trace(fig, "truth"), x=idf.X_CELLS, y=c["truth"])
        assign(trace(fig, "prediction"), x=idf.X_CELLS, y=c["prediction"])
        assign(trace(fig, "projected"), x=idf.X_CELLS, y=c["projected"])
        walls = np.arange(1, s) / s
        lo, hi = float(c["truth"].min()) - 0.8, float(c["truth"].max()) + 0.8
        assign(trace(fig, "borders"), **dict(zip("xy", polylines(
            np.stack([np.repeat(walls[:, None], 2, 1), np.tile([lo, hi], (len(walls), 1))], -1)))))
        set_title(fig, 2, f"Field: mass error {c['violation_before'].max():.1e} → "
                          f"{c['violation_after'].max():.0e}")
        assign(trace(fig, "rms before"), x=[1, idf.SUBDOMAINS[-1]], y=[c["rms_before"]] * 2)
        assign(trace(fig, "rms after"), x=idf.SUBDOMAINS, y=c["rms_by_subdomains"])
        assign(trace(fig, "rms now"), x=[s], y=[c["rms_by_subdomains"][idf.SUBDOMAINS.index(s)]])
        self._draw_policy(fig)

    def _draw_policy(self, fig) -> None:
        p, step = self.result["policy"], int(self.values["sgd"])
        d = np.array([idf.D_LOW, idf.D_HIGH])
        X = idf.policy_features(d)
        assign(trace(fig, "hindsight"), x=p["d1_test"], y=p["best_target"])
        assign(trace(fig, "policy start"), x=d, y=X @ p["theta"][0])
        assign(trace(fig, "policy"), x=d, y=X @ p["theta"][step])
        steps = np.arange(len(p["cost"]))
        assign(trace(fig, "train cost"), x=steps, y=p["cost"])
        assign(trace(fig, "foresight"), x=[0, steps[-1]], y=[p["foresight"]] * 2)
        assign(trace(fig, "train now"), x=[step], y=[p["cost"][step]])

    def readout(self) -> str:
        r, d, c, k = self.result["ridge"], self.result["dispatch"], self.result["conservation"], int(self.values["k"])
        how = CONDITION_LABELS[self.values["condition"]]
        ridge = table(["dw*/dλ", "value"], [[f"implicit, {how}", _vec(r["dcoef"])],
                                            ["error vs closed form", f"{r['implicit_error']:.1e}"],
                                            ["central difference", _vec(r["fd"])],
                                            [f"unrolled, k = {k}", _vec(r["dw"][k])],
                                            ["condition number", f"{r['condition']:.0f}"]])
        names = {"d1": "price, period 1", "d2": "price, period 2", "water": "water budget"}
        lp = table(["constraint", "dual", "Δcost/Δ (±0.5)"],
                   [[names[n], f"{d['duals'][n]:+.2f}", f"{d['fd'][n]:+.2f}"] for n in names])
        field = table(["", "prediction", "projected"],
                      [["max |mass error|", f"{c['violation_before'].max():.1e}", f"{c['violation_after'].max():.0e}"],
                       ["RMS error", f"{c['rms_before']:.3f}",
                        f"{c['rms_by_subdomains'][idf.SUBDOMAINS.index(int(self.values['subdomains']))]:.3f}"],
                       ["backprop: nonzeros of d(projected)/d(prediction)", "",
                        f"{c['jacobian_nonzero']} = {int(self.values['subdomains'])} blocks of "
                        f"{idf.N_CELLS // int(self.values['subdomains'])}²"]])
        p, step = self.result["policy"], int(self.values["sgd"])
        theta = p["theta"][step]
        policy = table(["TS-DDR policy", f"after {step} SGD steps"],
                       [["target hydro₁", f"{theta[0]:.1f} + {theta[1]:.1f}·(d₁ − 90)/50 MW"],
                        ["mean cost (before training)", f"{p['cost'][step]:.0f} $ ({p['cost'][0]:.0f} $)"],
                        ["perfect foresight", f"{p['foresight']:.0f} $"]])
        return (f"<div class='kit-readout' style='display:flex;gap:24px;flex-wrap:wrap'>{ridge}{lp}{field}{policy}</div>")


class ImplicitDiffLesson(Lesson):
    """Ridge (features, λ, k), dispatch (demands, water, which curve) and conservation (noise, bias, experts)."""

    slug = "implicit_diff"
    LABEL_WIDTH = "120px"
    CONTROLS = {
        "features": Choice(list(idf.FEATURES), "independent", "features"),
        "condition": Choice([(label, name) for name, label in CONDITION_LABELS.items()], "by hand",
                            "derivative", width="320px"),
        "lam": LogSlider(-3, 2, 0.1, 0.1, "λ (ridge)", fmt=".3g"),
        "k": Slider(1, idf.K_MAX, 1, 20, "unrolled steps k", integer=True, live=True),
        "d1": Slider(10, 150, 1, 110, "demand 1 (MW)", integer=True),
        "d2": Slider(10, 150, 1, 40, "demand 2 (MW)", integer=True),
        "water": Slider(0, 80, 1, 50, "water (MWh)", integer=True),
        "against": Choice([(label, name) for name, label in AGAINST.items()], "d1", "cost against", width="320px"),
        "sgd": Slider(0, idf.SGD_STEPS, 1, idf.SGD_STEPS, "SGD steps", integer=True, live=True),
        "noise": Slider(0.0, 0.5, 0.05, 0.2, "noise σ", fmt=".2f"),
        "drift": Slider(0.0, 1.0, 0.1, 0.5, "smooth bias", fmt=".1f"),
        "subdomains": Pick(list(idf.SUBDOMAINS), 1, "subdomains"),
    }
    COLUMNS = {"Ridge layer": ["features", "condition", "lam", "k"], "Dispatch LP": ["d1", "d2", "water", "against", "sgd"],
               "Conservation": ["subdomains", "noise", "drift"]}
    Display = ImplicitDiffDisplay

    @diskcache.default_result  # the first view's result is read from disk (diskcache.py)
    def compute(self, features, condition, lam, d1, d2, water, against, noise, drift, subdomains):
        return {"ridge": idf.ridge_state(features, float(lam), condition),
                "dispatch": idf.dispatch_state(float(d1), float(d2), float(water), against),
                "conservation": idf.conservation_state(round(float(noise), 6), round(float(drift), 6),
                                                       int(subdomains)),
                "policy": idf.train_policy()}

    def facts(self) -> dict:
        ind, cor = idf.ridge_state("independent", 0.1), idf.ridge_state("correlated", 0.01)
        lp = idf.dispatch_state(110.0, 40.0, 50.0)
        cons = idf.conservation_state(0.2, 0.5, 1)
        policy = idf.train_policy()
        return {"ind_d10": ind["d_error"][10], "ind_w10": ind["w_error"][10],
                "ind_d20": ind["d_error"][20], "ind_cond": ind["condition"],
                "cor_d500": cor["d_error"][500], "cor_w500": cor["w_error"][500], "cor_cond": cor["condition"],
                "price1": lp["duals"]["d1"], "price2": lp["duals"]["d2"], "water_value": -lp["duals"]["water"],
                "cost": lp["cost"], "five_more": 5 * lp["duals"]["d1"],
                "rms_before": cons["rms_before"], "rms_1": cons["rms_by_subdomains"][0],
                "rms_8": cons["rms_by_subdomains"][3], "viol_before": cons["violation_before"].max(),
                "penalty": idf.PENALTY, "sgd_steps": idf.SGD_STEPS, "policy_start": policy["cost"][0],
                "policy_end": policy["cost"][-1], "theta1": policy["theta"][-1][1],
                "foresight": policy["foresight"]}


def view(**values):
    """The lesson as one widget (see ``Lesson.show``)."""
    return ImplicitDiffLesson.show(**values)
