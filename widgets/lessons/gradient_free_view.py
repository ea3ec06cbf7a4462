"""The gradient-free lesson's view: CBO on Rastrigin, a token on a graph, anarchic FedAvg, LQR policy gradient.

The maths is in ``gradient_free.py``, the words in ``gradient_free.yaml``; this module only draws.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from . import gradient_free as gf, diskcache
from .base import Lesson, LessonDisplay, add, assign, set_title, table, trace
from .controls import Choice, LogSlider, Pick, Slider

XS = np.linspace(-3.0, 5.5, 600)
NODES = [str(i) for i in range(10)]


def _pt(v) -> str:
    return "(" + ", ".join(f"{x:.2f}" for x in v) + ")"


class GradientFreeDisplay(LessonDisplay):
    """Four panels: particles on Rastrigin, visit frequencies vs target, FedAvg path, gain vs iteration."""

    @classmethod
    def figure(cls) -> go.Figure:
        fig = make_subplots(rows=2, cols=2, vertical_spacing=0.16, horizontal_spacing=0.09,
                            subplot_titles=("CBO", "Token walk", "FedAvg", "Policy gradient"))
        add(fig, "f", go.Scatter(x=XS, y=gf.rastrigin(XS), mode="lines", line=dict(color="#bbb"),
                                 name="Rastrigin f(x)", hoverinfo="skip"), 1, 1)
        add(fig, "x0", go.Scatter(mode="markers", marker=dict(color="#f59e0b", opacity=0.6),
                                  name="start (size = Laplace weight)"), 1, 1)
        add(fig, "x", go.Scatter(mode="markers", marker=dict(color="#1f77b4", size=7), name="particles at the end"), 1, 1)
        add(fig, "v", go.Scatter(mode="markers", marker=dict(symbol="star", size=16, color="#d62728"),
                                 name="consensus point at the end"), 1, 1)
        add(fig, "mu", go.Bar(x=NODES, marker_color="#111", width=0.15, name="target μ (degree / 2|E|)"), 1, 2)
        add(fig, "plain", go.Scatter(x=NODES, mode="markers", marker=dict(symbol="circle-open", size=11,
                                     color="#888", line=dict(width=2)), name="plain walk, one run"), 1, 2)
        add(fig, "srrw", go.Scatter(x=NODES, mode="markers", marker=dict(symbol="diamond", size=9, color="#2563eb"),
                                    name="self-repellent walk, one run"), 1, 2)
        add(fig, "clients", go.Scatter(x=gf.CLIENT_CENTRES[:, 0], y=gf.CLIENT_CENTRES[:, 1], mode="markers+text",
                                       text=[f"client {i}" for i in range(5)], textposition="top center",
                                       marker=dict(color="#9467bd"), name="client minimisers (size = pull)"), 2, 1)
        add(fig, "path", go.Scatter(mode="lines", line=dict(color="#2ca02c", width=1), name="server model"), 2, 1)
        add(fig, "fixed", go.Scatter(mode="markers", marker=dict(symbol="diamond-open", size=14, color="#2ca02c",
                                     line=dict(width=3)), name="fixed point (closed form)"), 2, 1)
        truth = gf.true_minimiser()
        add(fig, "truth", go.Scatter(x=[truth[0]], y=[truth[1]], mode="markers",
                                     marker=dict(symbol="star", size=16, color="black"), name="true minimiser"), 2, 1)
        add(fig, "k", go.Scatter(mode="lines", line=dict(color="#ff7f0e"), name="gain k_t"), 2, 2)
        add(fig, "k*", go.Scatter(mode="lines", line=dict(color="black", dash="dash"), name="Riccati k*"), 2, 2)
        add(fig, "moreau", go.Scatter(mode="lines", line=dict(color="#555", dash="dash"), hoverinfo="skip",
                                      name="f(y) + (y − c)²/2τ (one step's objective)"), 1, 1)
        add(fig, "prox", go.Scatter(mode="markers", marker=dict(symbol="diamond-open", size=15, color="black",
                                    line=dict(width=3)), name="implicit gradient step (proximal point)"), 1, 1)
        add(fig, "gd", go.Scatter(mode="markers", marker=dict(symbol="x", size=12, color="#2ca02c"),
                                  name="explicit gradient step c − τf′(c)"), 1, 1)
        # auto-margin's own margins for the first view: drawn once, not twice (tests/browser/test_first_draw.py)
        fig.update_layout(width=1000, height=760, template="plotly_white", margin=dict(l=51, r=22, t=40, b=144),
                          legend=dict(orientation="h", y=-0.08, x=0), font=dict(size=12))
        fig.update_annotations(font_size=14)
        fig.update_xaxes(title_text="x", row=1, col=1)
        fig.update_yaxes(range=[-2, 45], title_text="f(x)", row=1, col=1)
        fig.update_xaxes(title_text="node", row=1, col=2)
        fig.update_yaxes(title_text="share of visits", row=1, col=2)
        fig.update_xaxes(range=[-3, 4], title_text="θ₁", row=2, col=1)
        fig.update_yaxes(range=[-3.5, 3], title_text="θ₂", row=2, col=1)
        fig.update_xaxes(title_text="iteration", row=2, col=2)
        fig.update_yaxes(title_text="gain k", row=2, col=2)
        return fig

    def draw(self, fig) -> None:
        cbo, walk, plain, fed, pg, step = self.result
        if step is None:
            assign(trace(fig, "x0"), x=cbo["x0"], y=gf.rastrigin(cbo["x0"]), name="start (size = Laplace weight)")
            trace(fig, "x0").marker.size = 3 + 15 * cbo["w0"] / cbo["w0"].max()
            assign(trace(fig, "x"), x=cbo["x"], y=gf.rastrigin(cbo["x"]))
            assign(trace(fig, "v"), x=[cbo["v"]], y=[gf.rastrigin(cbo["v"])], name="consensus point at the end")
            for key in ("moreau", "prox", "gd"):
                assign(trace(fig, key), x=[], y=[])
            set_title(fig, 0, f"CBO on Rastrigin: consensus ends at {cbo['v']:+.3f} (minimiser 0)")
        else:
            assign(trace(fig, "x0"), x=step["x"], y=gf.rastrigin(step["x"]),
                   name=f"cloud around c (width {step['width']:.3g}; size = weight)")
            trace(fig, "x0").marker.size = 3 + 15 * step["w"] / step["w"].max()
            assign(trace(fig, "x"), x=[], y=[])
            assign(trace(fig, "v"), x=[step["v"]], y=[gf.rastrigin(step["v"])],
                   name="consensus of the cloud (many particles)")
            assign(trace(fig, "moreau"), x=XS, y=gf.moreau_objective(XS, step["centre"], step["tau"]))
            assign(trace(fig, "prox"), x=[step["prox"]], y=[gf.rastrigin(step["prox"])])
            gd = float(np.clip(step["gd"], XS[0], XS[-1]))           # an exploding step is drawn at the edge
            assign(trace(fig, "gd"), x=[gd], y=[gf.rastrigin(gd)])
            set_title(fig, 0, f"One consensus step from c = {step['centre']:g}, τ = {step['tau']:g}: "
                              f"{step['v']:+.3f} (proximal point {step['prox']:+.3f})")
        assign(trace(fig, "mu"), y=walk["mu"])
        assign(trace(fig, "plain"), y=plain["freq"][0])
        assign(trace(fig, "srrw"), y=walk["freq"][0], name=f"self-repellent walk (α = {self.values['repel']:g}), one run")
        set_title(fig, 1, f"Token SGD: n·Var(θ) plain {plain['nvar']:.1f}, self-repellent {walk['nvar']:.1f}")
        q, k, path = fed["q"], fed["k"], fed["path"]
        pull = q * k if self.values["aggregation"] == "FedAvg" else np.ones(5)
        trace(fig, "clients").marker.size = 8 + 16 * pull / pull.max()
        assign(trace(fig, "path"), x=path[:, 0], y=path[:, 1])
        assign(trace(fig, "fixed"), x=[fed["fixed"][0]], y=[fed["fixed"][1]])
        gap = np.linalg.norm(fed["fixed"] - fed["truth"])
        set_title(fig, 2, f"{self.values['aggregation']}, η_L = {self.values['local_lr']:g}: "
                          f"fixed point {gap:.3f} from the minimiser")
        ks = pg["k"]
        assign(trace(fig, "k"), x=np.arange(len(ks)), y=ks)
        assign(trace(fig, "k*"), x=[0, len(ks) - 1], y=[pg["k_star"]] * 2)
        set_title(fig, 3, f"{self.values['pg_method']} on 1-D LQR: k ends at {ks[-1]:.2f} (k* = {pg['k_star']:.3f})")

    def readout(self) -> str:
        cbo, walk, plain, fed, pg, step = self.result
        rows = [["CBO", f"consensus {cbo['v']:+.4f}; weighted mean of the start {cbo['v0']:+.3f}",
                 f"minimiser 0; best start {cbo['best0']:+.3f}"]
                if step is None else
                ["CBO, one step", f"consensus of the cloud {step['v']:+.4f}",
                 f"proximal point {step['prox']:+.4f}; explicit gradient step {step['gd']:+.3f}"],
                ["token walk", f"n·Var(θ): plain {plain['nvar']:.2f}, self-repellent {walk['nvar']:.2f}",
                 f"closed form {plain['var_formula']:.2f} and {walk['var_formula']:.2f}"],
                ["FedAvg", f"server model {_pt(fed['path'][-1])}, fixed point {_pt(fed['fixed'])}",
                 f"true minimiser {_pt(fed['truth'])}"],
                ["policy gradient", f"mean gain, last 50 iterations {np.mean(pg['k'][-50:]):.3f}",
                 f"Riccati k* = {pg['k_star']:.4f}"]]
        return f"<div class='kit-readout'>{table(['toy', 'reached', 'known answer'], rows)}</div>"


class GradientFreeLesson(Lesson):
    """Each column of controls drives one panel (the others come from caches)."""

    slug = "gradient_free"
    LABEL_WIDTH = "120px"
    CONTROLS = {
        "cbo_view": Choice(["swarm run", "one step"], "swarm run", "CBO panel", width="300px"),
        "alpha": LogSlider(-1, 4, 0.25, 100.0, "α (weight)", fmt=".3g"),
        "lam": Slider(0.2, 3.0, 0.1, 1.0, "λ (drift)", fmt=".1f"),
        "sigma": Slider(0.0, 3.0, 0.1, 2.0, "σ (noise)", fmt=".1f"),
        "centre": Slider(1.0, 4.5, 0.1, 2.3, "cloud centre c", fmt=".1f"),
        "tau": Pick([0.001, 0.01, 0.1, 0.5, 2.0], 0.1, "step τ", width="300px"),
        "repel": Pick([0.5, 1.0, 2.0, 5.0, 10.0, 20.0], 5.0, "α (repel)", width="300px"),
        "p": Slider(0.05, 1.0, 0.05, 0.3, "participation p", fmt=".2f"),
        "kmax": Slider(1, 20, 1, 10, "max local steps", integer=True),
        "aggregation": Choice(["FedAvg", "AFA-CS"], "FedAvg", "server", width="300px"),
        "local_lr": Pick([0.005, 0.01, 0.02, 0.05], 0.05, "local step η_L", width="300px"),
        "eta": Pick([0.005, 0.01, 0.02, 0.05, 0.1], 0.02, "step η", width="300px"),
        "beta": Pick([0.05, 0.1, 0.2, 0.5, 1.0], 0.2, "momentum β", width="300px"),
        "batch": Pick([1, 10, 50], 10, "trajectories", width="300px"),
        "pg_method": Choice(["N-PG-IGT", "N-HARPG"], "N-PG-IGT", "method", width="300px"),
    }
    COLUMNS = {"CBO particles": ["cbo_view", "alpha", "lam", "sigma", "centre", "tau"], "Token walk": ["repel"],
               "Anarchic clients": ["p", "kmax", "aggregation", "local_lr"], "LQR policy gradient": ["pg_method", "eta", "beta", "batch"]}
    Display = GradientFreeDisplay

    @diskcache.default_result  # the first view's result is read from disk (diskcache.py)
    def compute(self, cbo_view, alpha, lam, sigma, centre, tau, repel, p, kmax, aggregation, local_lr, eta, beta,
                batch, pg_method):
        step = gf.cbo_step(float(centre), float(tau), float(alpha)) if cbo_view == "one step" else None
        return (gf.cbo_run(float(alpha), float(lam), float(sigma)), gf.token_run(float(repel)),
                gf.token_run(0.0), gf.fedavg_run(float(p), int(kmax), aggregation, float(local_lr)),
                (gf.npg_run if pg_method == "N-PG-IGT" else gf.harpg_run)(float(eta), float(beta), int(batch)), step)

    def update_controls(self, values) -> None:
        swarm = values["cbo_view"] == "swarm run"
        for name in ("lam", "sigma"):
            self.controls[name].disabled = not swarm
        for name in ("centre", "tau"):
            self.controls[name].disabled = swarm

    def facts(self) -> dict:
        plain, srrw = gf.token_run(0.0), gf.token_run(10.0)
        q, k = gf.client_behaviour(0.2, 20)
        cbo = gf.cbo_run(100.0, 1.0, 2.0)
        return {"v_flat": gf.cbo_run(0.1, 1.0, 2.0)["v"], "v_sharp": cbo["v"], "best0": cbo["best0"],
                "v_still": gf.cbo_run(100.0, 1.0, 0.0)["v"],
                "plain_var": plain["nvar"], "plain_formula": plain["var_formula"],
                "srrw_var": srrw["nvar"], "srrw_formula": srrw["var_formula"],
                "node0": plain["mu"][0],
                "fed_gap": float(np.linalg.norm(gf.fedavg_fixed_point(q, k, "FedAvg") - gf.true_minimiser())),
                "afa_gap": float(np.linalg.norm(gf.fedavg_fixed_point(q, k, "AFA-CS") - gf.true_minimiser())),
                "afa_gap_small": float(np.linalg.norm(gf.fedavg_fixed_point(q, k, "AFA-CS", 0.005) - gf.true_minimiser())),
                "fed_gap_small": float(np.linalg.norm(gf.fedavg_fixed_point(q, k, "FedAvg", 0.005) - gf.true_minimiser())),
                "step_tiny": gf.cbo_step(2.3, 0.001, 100.0)["v"], "gd_tiny": gf.cbo_step(2.3, 0.001, 100.0)["gd"],
                "step_mid": gf.cbo_step(2.3, 0.5, 100.0)["v"], "gd_mid": gf.cbo_step(2.3, 0.5, 100.0)["gd"],
                "step_flat": gf.cbo_step(2.3, 0.5, 0.1)["v"],
                "k_star": gf.npg_run(0.02, 0.2, 10)["k_star"],
                "k_one": float(np.mean(gf.npg_run(0.02, 1.0, 1)["k"][-50:])),
                "k_harpg": float(np.mean(gf.harpg_run(0.02, 0.2, 1)["k"][-50:])),
                "k_igt": float(np.mean(gf.npg_run(0.02, 0.2, 1)["k"][-50:]))}


def view(**values):
    """The lesson as one widget (see ``Lesson.show``)."""
    return GradientFreeLesson.show(**values)
