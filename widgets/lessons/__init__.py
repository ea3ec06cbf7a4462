"""One module per lesson (numpy only) plus a thin ``<slug>_view`` module for each.

``registry()`` lists the lessons that are installed, in teaching order, from each module's
``LESSON`` constant: ``{"slug", "title", "pitch", "papers": [paper ids]}``.
"""

from __future__ import annotations

import importlib

ORDER = [
    "diffusion",
    "attention_entropy",
    "continual_dp",
    "koopman",
    "streaming_td",
    "safe_exploration",
    "entropy_coupling",
    "offline_rl",
    "combinatorial_choice",
    "unusual_feedback",
    "safe_control",
    "implicit_diff",
    "gradient_free",
    "event_times",
    "diffusion_control",
    "token_dynamics",
]


def registry() -> list[dict]:
    """The ``LESSON`` dict of every lesson module present, in ``ORDER``."""
    found = []
    for slug in ORDER:
        try:
            module = importlib.import_module(f"{__name__}.{slug}")
        except ModuleNotFoundError:
            continue
        lesson = getattr(module, "LESSON", None)
        if lesson:
            found.append(dict(lesson, notebook=f"lessons/{slug}.ipynb"))
    return found


def lessons_for_paper(paper_id: str) -> list[dict]:
    return [lesson for lesson in registry() if paper_id in lesson["papers"]]
