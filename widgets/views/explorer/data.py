"""The explorer's data: a corpus, its fitted topic model and what the views derive from them.

No widgets here. ``ExplorerData`` is immutable in use: a refit or a new corpus makes a new one,
which is what ``ExplorerState.data`` changes to (every view observes that one trait).
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from ... import corpus as corpus_module
from ...analysis import Facets, fit_cached
from ... import representation as representation_module
from .html import as_list, one_line

PALETTE = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
           "#9c755f", "#bab0ac", "#1f77b4", "#8c564b", "#17becf", "#bcbd22", "#7f7f7f", "#d62728"]
CORPUS_ENV, CORPUS_MAX_MB_ENV = "KIT_CORPUS", "KIT_CORPUS_MAX_MB"


def fit(df: pd.DataFrame, n_topics: int | None, progress=None):
    """The topic model of ``df`` (from the disk cache when it was fitted before)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # NMF ConvergenceWarnings are not for students' eyes
        return fit_cached(df, n_topics=n_topics, map_method="svd", progress=progress)


def initial_corpus(corpus=None) -> tuple[pd.DataFrame, str, str | None]:
    """(frame, its name, a one-line problem or None): a frame as given; a path read with
    ``widgets.corpus.read``; else ``$KIT_CORPUS`` if set; else the bundled corpus. A file that
    cannot be read gives the bundled corpus and the reason."""
    if isinstance(corpus, pd.DataFrame):
        return corpus.reset_index(drop=True), "your corpus", None
    path = corpus if corpus is not None else os.environ.get(CORPUS_ENV, "").strip() or None
    if path is None:
        return corpus_module.load(), "the bundled corpus", None
    try:
        megabytes = float(os.environ.get(CORPUS_MAX_MB_ENV, "") or 4096)
        frame = corpus_module.read_cached(path, max_bytes=int(megabytes * 2**20))
        return frame, Path(path).name, None
    except (corpus_module.CorpusError, ValueError) as exc:
        problem = f"{one_line(exc)} Showing the bundled corpus instead."
    except Exception as exc:  # noqa: BLE001 - never a traceback in the page
        problem = f"{Path(str(path)).name}: could not be read ({type(exc).__name__}: {one_line(exc)}). " \
                  "Showing the bundled corpus instead."
    return corpus_module.load(), "the bundled corpus", problem


def find_lessons() -> dict[str, list[dict]]:
    """Paper id -> the lessons (``LESSON`` dicts + ``notebook`` path) that demo it."""
    try:
        from ...lessons import registry
        lessons = registry()
    except Exception:  # noqa: BLE001 - a broken lesson module must not take the explorer down
        lessons = []
    by_paper: dict[str, list[dict]] = {}
    for lesson in lessons:
        lesson = dict(lesson)
        lesson.setdefault("notebook", f"lessons/{lesson.get('slug', '')}.ipynb")
        for pid in lesson.get("papers", []):
            by_paper.setdefault(pid, []).append(lesson)
    return by_paper


class ExplorerData:
    """A corpus (``df``, its ``name``) with its topic model ``tm`` and per-paper arrays: ``ids``,
    ``row_of`` (id -> row), ``has_demo``, ``has_full_demo`` (a lesson teaches the paper's own key
    idea: at least one of its lesson links carries no "partial" note), ``facets`` and a colour per
    learned topic.

    ``search``, ``neighbors`` and ``embedding`` are the topic model's (TF-IDF): what the list, the
    similar papers and the map show by default. ``reps`` holds the fitted representations
    (``widgets.representation``; TF-IDF from the topic model at once, the others once
    ``fit_representation`` made them); ``rep(name)`` is one of them.
    """

    def __init__(self, df: pd.DataFrame, tm, name: str, topic_info: dict, lessons: dict[str, list[dict]],
                 *, _derived: ExplorerData | None = None):
        self.df, self.tm, self.name = df, tm, name
        self.topic_info, self.lessons = topic_info, lessons
        self.reps = {"tfidf": representation_module.fit_cached(df, "tfidf", model=tm)}
        if _derived is not None:  # same corpus, another model: the per-paper arrays stay
            for key in ("facets", "ids", "row_of", "has_demo", "has_full_demo", "curated_keys"):
                setattr(self, key, getattr(_derived, key))
            # and so do LSA and embeddings (the TF-IDF under LSA does not depend on the topics)
            self.reps.update({k: v for k, v in _derived.reps.items() if k != "tfidf"})
        else:
            self.facets = Facets.from_frame(df)
            self.ids = df["id"].astype(str).tolist()
            self.row_of = {pid: i for i, pid in enumerate(self.ids)}
            demos = [{lesson.get("slug") for lesson in lessons.get(pid, [])} | set(as_list(linked))
                     for pid, linked in zip(self.ids, df["lessons"])]
            notes = [n if isinstance(n, dict) else {} for n in df["lesson_notes"]]
            self.has_demo = np.array([bool(d) for d in demos], dtype=bool)
            self.has_full_demo = np.array([any(s not in n for s in d) for d, n in zip(demos, notes)], dtype=bool)
            self.curated_keys = [key for _label, key, _c, _t in self.curated_options()]
        self.colors = [PALETTE[t % len(PALETTE)] for t in range(tm.n_topics_)]

    def with_model(self, tm) -> ExplorerData:
        """The same corpus with another topic model (a refit)."""
        return ExplorerData(self.df, tm, self.name, self.topic_info, self.lessons, _derived=self)

    def __len__(self) -> int:
        return len(self.df)

    @property
    def n_topics(self) -> int:
        return int(self.tm.n_topics_)

    # ----------------------------------------------------------------- what the views ask for
    def search(self, query: str):
        """Ranked hits (``.indices``) and the query's ``.terms``."""
        return self.tm.search(query)

    def neighbors(self, i: int, n: int):
        """The ``n`` papers most similar to paper ``i`` (``.index``, ``.score``, ``.shared_terms``)."""
        return self.tm.neighbors(i, n=n)

    @property
    def embedding(self) -> np.ndarray:
        """Map coordinates, one row per paper."""
        return np.asarray(self.tm.embedding_, dtype=float)

    def rep(self, name: str):
        """The fitted representation ``name`` (KeyError if it was not fitted)."""
        return self.reps[name]

    def fit_representation(self, name: str):
        """Fit (or read from the disk cache) representation ``name`` of this corpus; blocking.

        Returns the representation, kept in ``reps``; when its package is missing, the TF-IDF one
        with ``fallback_reason_`` set (not kept under ``name``)."""
        if name in self.reps:
            return self.reps[name]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            rep = representation_module.fit_cached(self.df, name, model=self.tm)
        if getattr(rep, "fallback_reason_", None) is None:
            self.reps[name] = rep
        return rep

    def demo(self, i: int) -> str | None:
        return "full" if self.has_full_demo[i] else "partial" if self.has_demo[i] else None

    def mask(self, topics, learned, code: bool, demo: bool, full: bool) -> np.ndarray:
        """Papers passing the curated, learned, code and demo filters (AND; any topic of a group)."""
        mask = self.facets.mask(curated=topics or None, learned=list(learned) or None,
                                has_code=True if code else None, topic_of_doc=self.tm.topic_)
        if demo:
            mask &= self.has_demo
        if full:
            mask &= self.has_full_demo
        return mask

    # ----------------------------------------------------------------- chip options
    def curated_options(self) -> list[tuple]:
        """(label with count, key, colour, tooltip) per curated topic that has papers."""
        options = []
        extra = sorted(k for k in self.facets.curated if k not in self.topic_info)
        for key in [*self.topic_info, *extra]:
            count = int(self.facets.curated[key].sum()) if key in self.facets.curated else 0
            if count == 0:
                continue
            info = self.topic_info.get(key, {})
            name = info.get("name", key)
            options.append((f"{name} · {count}", key, None, info.get("description", name)))
        return options

    def learned_options(self) -> list[tuple]:
        sizes = np.bincount(self.tm.topic_, minlength=self.tm.n_topics_)
        return [(f"{label} · {int(sizes[t])}", t, self.colors[t], f"Learned topic {t + 1}: {label}")
                for t, label in enumerate(self.tm.labels_)]
