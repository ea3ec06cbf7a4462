"""One module per lesson (numpy only) plus a thin ``<slug>_view`` module for each.

``registry()`` lists the lessons that are installed, in teaching order, from each module's
``LESSON`` constant: ``{"slug", "title", "pitch", "papers": [paper ids]}``, plus its ``notebook`` and ``topic``.
"""

from __future__ import annotations

import ast
import importlib
import re
from functools import lru_cache
from pathlib import Path

HERE = Path(__file__).resolve().parent

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


def _lesson_literal(path: Path) -> dict | None:
    """The ``LESSON = {...}`` literal of a lesson module, read from its source without importing it
    (the modules import numpy and scipy: the explorer and the gallery only need these dicts)."""
    text = path.read_text(encoding="utf-8")
    match = re.search(r"^LESSON(?:\s*:[^=]+)?\s*=\s*(\{.*?^\})", text, re.M | re.S)
    if match:
        try:
            return ast.literal_eval(match.group(1))
        except (ValueError, SyntaxError):
            pass
    module = importlib.import_module(f"{__name__}.{path.stem}")  # not a plain literal: run the module
    return getattr(module, "LESSON", None)


@lru_cache(maxsize=None)
def _registry(stamp: tuple) -> tuple[dict, ...]:
    found = []
    for slug, _ in stamp:
        lesson = _lesson_literal(HERE / f"{slug}.py")
        if lesson:
            found.append(dict(lesson, notebook=f"lessons/{slug}.ipynb", topic=TOPIC_OF[slug]))
    return tuple(found)


def registry() -> list[dict]:
    """The ``LESSON`` dict of every lesson module present, in ``ORDER`` (read again when a module
    file changes)."""
    stamp = tuple((slug, (HERE / f"{slug}.py").stat().st_mtime_ns) for slug in ORDER
                  if (HERE / f"{slug}.py").exists())
    return [dict(lesson) for lesson in _registry(stamp)]


def lessons_for_paper(paper_id: str) -> list[dict]:
    return [lesson for lesson in registry() if paper_id in lesson["papers"]]
