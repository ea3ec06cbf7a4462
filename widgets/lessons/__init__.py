"""One module per lesson (numpy only) plus a thin ``<slug>_view`` module for each.

``registry()`` lists the lessons that are installed, in teaching order, from each module's
``LESSON`` constant: ``{"slug", "title", "pitch", "papers": [paper ids]}``, plus its ``notebook`` and ``topic``.
"""

from __future__ import annotations

import importlib

# The gallery shows the lessons by topic, in this order; ``ORDER`` is the teaching order.
TOPICS = [
    ("Diffusion and generative models", ["diffusion", "diffusion_control"]),
    ("Transformers and sequence models", ["attention_entropy", "token_dynamics"]),
    ("Dynamics and events in time", ["koopman", "event_times"]),
    ("Reinforcement learning", ["streaming_td", "offline_rl", "unusual_feedback", "rl_internals"]),
    ("Safety and control", ["safe_exploration", "safe_control"]),
    ("Privacy and information", ["continual_dp", "entropy_coupling", "information_bottleneck"]),
    ("Optimisation", ["implicit_diff", "gradient_free", "combinatorial_choice", "tours"]),
    ("Efficient and large models", ["compression", "conditional_compute", "checkpointing"]),
]
ORDER = [slug for _, slugs in TOPICS for slug in slugs]
TOPIC_OF = {slug: topic for topic, slugs in TOPICS for slug in slugs}


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
            found.append(dict(lesson, notebook=f"lessons/{slug}.ipynb", topic=TOPIC_OF[slug]))
    return found


def lessons_for_paper(paper_id: str) -> list[dict]:
    return [lesson for lesson in registry() if paper_id in lesson["papers"]]
