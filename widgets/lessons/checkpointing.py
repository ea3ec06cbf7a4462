"""Saving training state under one parallel layout and loading it under another, through a
per-parameter ("atomic") checkpoint.

Compute only (numpy): no ipywidgets, no plotly.

Paper
-----
* X. Lian, S. A. Jacobs, L. Kurilenko, M. Tanaka, S. Bekman, O. Ruwase, M. Zhang, "Universal
  Checkpointing: Efficient and Flexible Checkpointing for Large Scale Distributed Training",
  arXiv:2406.18820. Save distributed (every rank writes its own piece, no gathering), convert the
  pieces into one consolidated tensor per parameter plus metadata, and load that under any tensor
  (TP), pipeline (PP) and data (DP) parallel degrees. The conversion is written in a small
  language of patterns: a parameter is replicated, partitioned along a dimension, fused (several
  matrices stored as one, each split on its own) or padded.

The toy model has ``LAYERS`` transformer-like layers of width ``H`` and a vocabulary of ``VOCAB``:

* ``embed`` (V x H): partitioned by rows over TP, the vocabulary padded with zero rows to a
  multiple of TP (pattern ``vocab``);
* per layer ``qkv`` (3H x H): Q, K and V stacked; TP rank t holds rows t of Q, of K and of V
  (pattern ``fused``); ``proj`` (H x H): partitioned by columns (pattern ``cols``); ``ln`` (H):
  the same on every TP rank (pattern ``replicated``);
* ``final_ln`` (H): replicated.

PP gives stage p the layers ``p L/P .. (p+1) L/P - 1`` (``embed`` on the first stage, ``final_ln``
on the last). ZeRO-style DP: a (t, p) group flattens its shards in order into one buffer, pads it
with zeros to a multiple of D, and DP rank d keeps slice d. Each of the T P D ranks saves its
slice as one file. Values are float32: 4 bytes each (Adam's two moments would triple every count).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

LESSON = {
    "slug": "checkpointing",
    "title": "Saving and resharding training state: universal checkpoints",
    "pitch": "Every rank saves its own slice; a converter turns the slices into one tensor per "
             "parameter, with patterns for fused, replicated and padded parameters; any other "
             "tensor × pipeline × data parallel layout loads from that, bit for bit.",
    "papers": ["universal-checkpointing-efficient-and-flexible-checkpointing"],
}

LAYERS, VOCAB, BYTES = 4, 50, 4
HIDDEN_OPTIONS = (8, 16, 32)
TP_OPTIONS, PP_OPTIONS, DP_OPTIONS = (1, 2, 4), (1, 2, 4), (1, 2, 3, 4)
PATTERNS = ("vocab", "fused", "cols", "replicated", "rows")
DP_PAD, VOCAB_PAD = -1, -2          # element ids of padding (values: 0.0)
# what each element is, for the picture: ids map to one of these
KINDS = ("embed", "Q", "K", "V", "proj", "ln", "DP padding", "vocab padding")


@dataclass(frozen=True)
class Layout:
    """Parallel degrees: tensor (tp), pipeline (pp), data (dp); tp * pp * dp ranks."""

    tp: int
    pp: int
    dp: int

    @property
    def ranks(self) -> list[tuple[int, int, int]]:
        return [(t, p, d) for p in range(self.pp) for d in range(self.dp) for t in range(self.tp)]

    def __str__(self) -> str:
        return f"TP{self.tp}·PP{self.pp}·DP{self.dp}"


LAYOUTS = [Layout(t, p, d) for t in TP_OPTIONS for p in PP_OPTIONS for d in DP_OPTIONS]


@dataclass(frozen=True)
class Param:
    name: str
    shape: tuple[int, ...]
    pattern: str
    layer: int          # -1: embed (first stage), LAYERS: final_ln (last stage)


def model_spec(hidden: int) -> list[Param]:
    """The parameters in the order the stages hold them."""
    h = hidden
    spec = [Param("embed", (VOCAB, h), "vocab", -1)]
    for layer in range(LAYERS):
        spec += [Param(f"layer{layer}.qkv", (3 * h, h), "fused", layer),
                 Param(f"layer{layer}.proj", (h, h), "cols", layer),
                 Param(f"layer{layer}.ln", (h,), "replicated", layer)]
    return spec + [Param("final_ln", (h,), "replicated", LAYERS)]


def stage_of(param: Param, pp: int) -> int:
    if param.layer < 0:
        return 0
    if param.layer >= LAYERS:
        return pp - 1
    return param.layer // (LAYERS // pp)


@lru_cache(maxsize=8)
def make_params(hidden: int, seed: int = 0) -> dict[str, np.ndarray]:
    """The model's true values (float32)."""
    rng = np.random.default_rng(seed)
    return _frozen({p.name: rng.standard_normal(p.shape).astype(np.float32) for p in model_spec(hidden)})


@lru_cache(maxsize=8)
def make_ids(hidden: int) -> dict[str, np.ndarray]:
    """A unique int64 id per element (in spec order), to trace where every element travels."""
    out, start = {}, 0
    for p in model_spec(hidden):
        n = int(np.prod(p.shape))
        out[p.name] = np.arange(start, start + n, dtype=np.int64).reshape(p.shape)
        start += n
    return _frozen(out)


def _frozen(arrays: dict) -> dict:
    """Cached arrays are shared: make them read-only."""
    for a in arrays.values():
        a.setflags(write=False)
    return arrays


def kind_of_ids(hidden: int) -> np.ndarray:
    """For every element id, its index in ``KINDS`` (Q, K and V told apart)."""
    kinds = []
    for p in model_spec(hidden):
        if p.pattern == "fused":
            kinds.append(np.repeat([1, 2, 3], hidden * hidden))
        else:
            code = {"vocab": 0, "cols": 4, "replicated": 5}[p.pattern]
            kinds.append(np.full(int(np.prod(p.shape)), code))
    return np.concatenate(kinds)


def _pad_value(a: np.ndarray, which: int):
    return which if a.dtype.kind == "i" else 0


# ----------------------------------------------------------------------------- the pattern language
def tp_shard(full: np.ndarray, pattern: str, tp: int, t: int) -> np.ndarray:
    """What TP rank t of tp holds of a full (consolidated) parameter."""
    if pattern == "replicated":
        return full
    if pattern == "cols":
        w = full.shape[1] // tp
        return full[:, t * w:(t + 1) * w]
    if pattern == "rows":
        k = full.shape[0] // tp
        return full[t * k:(t + 1) * k]
    if pattern == "vocab":
        k = -(-full.shape[0] // tp)
        shard = full[t * k:(t + 1) * k]
        pad = np.full((k - len(shard),) + full.shape[1:], _pad_value(full, VOCAB_PAD), full.dtype)
        return np.concatenate([shard, pad]) if len(pad) else shard
    if pattern == "fused":
        h = full.shape[0] // 3
        k = h // tp
        return np.concatenate([full[i * h + t * k:i * h + (t + 1) * k] for i in range(3)])
    raise ValueError(f"unknown pattern {pattern!r}")


def merge_shards(shards: list[np.ndarray], pattern: str, shape: tuple[int, ...]) -> np.ndarray:
    """Consolidate the TP shards of one parameter into its full tensor of ``shape``: the
    conversion the universal checkpoint language describes, one rule per pattern."""
    if pattern == "replicated":
        return shards[0]                                    # every TP rank holds the same copy
    if pattern == "cols":
        return np.concatenate(shards, axis=1)
    if pattern == "rows":
        return np.concatenate(shards, axis=0)
    if pattern == "vocab":
        return np.concatenate(shards, axis=0)[: shape[0]]   # drop the padding rows
    if pattern == "fused":
        parts = [np.split(s, 3, axis=0) for s in shards]    # each shard is [Q_t; K_t; V_t]
        return np.concatenate([np.concatenate([p[i] for p in parts]) for i in range(3)])
    raise ValueError(f"unknown pattern {pattern!r}")


def patterns_for(hidden: int, qkv_pattern: str = "fused") -> list[Param]:
    """The spec with the pattern declared for qkv (``rows``: the plain, wrong declaration)."""
    return [Param(p.name, p.shape, qkv_pattern, p.layer) if p.pattern == "fused" else p
            for p in model_spec(hidden)]


# ----------------------------------------------------------------------------- save, convert, load
def save(params: dict, spec: list[Param], layout: Layout) -> tuple[dict, dict]:
    """Distributed save: ``files[(t, p, d)]`` = that rank's ZeRO slice (one file per rank), and
    ``meta[(t, p)]`` = [(name, shard shape, offset in the flat buffer)], the mapping metadata."""
    files, meta = {}, {}
    for p in range(layout.pp):
        names = [q for q in spec if stage_of(q, layout.pp) == p]
        for t in range(layout.tp):
            shards = [tp_shard(params[q.name], q.pattern, layout.tp, t) for q in names]
            offsets = np.cumsum([0] + [s.size for s in shards])
            meta[(t, p)] = [(q.name, s.shape, int(o)) for q, s, o in zip(names, shards, offsets)]
            flat = np.concatenate([s.ravel() for s in shards])
            size = -(-flat.size // layout.dp) * layout.dp
            flat = np.concatenate([flat, np.full(size - flat.size, _pad_value(flat, DP_PAD), flat.dtype)])
            step = size // layout.dp
            for d in range(layout.dp):
                files[(t, p, d)] = flat[d * step:(d + 1) * step]
    return files, meta


def to_universal(files: dict, meta: dict, spec: list[Param], layout: Layout) -> dict[str, np.ndarray]:
    """Convert a distributed checkpoint into the atomic format: one full tensor per parameter.

    For each (t, p) the DP slices are joined (the padding falls past the last offset), each
    parameter's shard is cut out by its offset and shape, and the TP shards are merged by the
    parameter's pattern.
    """
    shards: dict[str, list] = {q.name: [None] * layout.tp for q in spec}
    for (t, p), entries in meta.items():
        flat = np.concatenate([files[(t, p, d)] for d in range(layout.dp)])
        for name, shape, offset in entries:
            shards[name][t] = flat[offset: offset + int(np.prod(shape))].reshape(shape)
    return {q.name: merge_shards(shards[q.name], q.pattern, q.shape) for q in spec}


def load(atomic: dict, spec: list[Param], layout: Layout) -> dict:
    """Load the atomic checkpoint under ``layout``: every rank cuts its slice from the full tensors."""
    return save(atomic, spec, layout)[0]


def bitwise_equal(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and a.dtype == b.dtype and np.array_equal(
        np.ascontiguousarray(a).view(np.uint8), np.ascontiguousarray(b).view(np.uint8))


# ----------------------------------------------------------------------------- one resharding
class Reshard:
    """Save the toy model under ``source``, convert to the atomic format, load under ``target``.

    ``qkv_pattern``: "fused" (right) or "rows" (qkv declared as one plain row-partitioned matrix).
    Learned: ``saved_``, ``atomic_``, ``loaded_`` (values), ``*_ids_`` (the same for element ids),
    ``atomic_identical_`` (every atomic tensor bit-identical to the true parameter),
    ``loaded_identical_`` (every loaded slice bit-identical to what training under ``target`` holds),
    ``misplaced_`` (loaded elements that are not where training under ``target`` keeps them),
    ``bytes_`` and ``files_`` per phase, ``rank_bytes_`` and ``rank_files_`` per target rank.
    """

    def __init__(self, source=Layout(2, 2, 3), target=Layout(4, 1, 2), hidden=16, qkv_pattern="fused"):
        self.source = source
        self.target = target
        self.hidden = hidden
        self.qkv_pattern = qkv_pattern

    def fit(self):
        h, src, dst = self.hidden, self.source, self.target
        spec = patterns_for(h, self.qkv_pattern)
        self.saved_, self.saved_ids_, meta = trained(src, h)       # training always holds the truth
        self.atomic_ = to_universal(self.saved_, meta, spec, src)
        self.atomic_ids_ = to_universal(self.saved_ids_, meta, spec, src)
        self.loaded_ = load(self.atomic_, spec, dst)
        self.loaded_ids_ = load(self.atomic_ids_, spec, dst)
        expected, expected_ids, _ = trained(dst, h)
        params = make_params(h)
        self.misplaced_ = {r: self.loaded_ids_[r] != expected_ids[r] for r in dst.ranks}
        self.atomic_identical_ = all(bitwise_equal(self.atomic_[k], params[k]) for k in params)
        self.loaded_identical_ = all(bitwise_equal(self.loaded_[r], expected[r]) for r in dst.ranks)
        param_of = _lookup(h)[1]
        self.rank_bytes_, self.rank_files_ = {}, {}
        for r in dst.ranks:
            real = self.loaded_ids_[r][self.loaded_ids_[r] >= 0]
            self.rank_bytes_[r] = BYTES * real.size
            self.rank_files_[r] = len(np.unique(param_of[real]))
        saved = sum(f.nbytes for f in self.saved_.values())
        self.bytes_ = {"save": saved, "convert_read": saved,
                       "convert_write": sum(a.nbytes for a in self.atomic_.values()),
                       "load": sum(self.rank_bytes_.values()),
                       "save_max_rank": max(f.nbytes for f in self.saved_.values())}
        self.files_ = {"save": len(self.saved_), "convert_read": len(self.saved_),
                       "convert_write": len(self.atomic_), "load": sum(self.rank_files_.values())}
        return self


@lru_cache(maxsize=128)
def trained(layout: Layout, hidden: int) -> tuple[dict, dict, dict]:
    """What training under ``layout`` holds: every rank's slice of values and of element ids,
    and the metadata (the same for any qkv declaration: training always keeps the true layout)."""
    spec = model_spec(hidden)
    values, meta = save(make_params(hidden), spec, layout)
    return values, save(make_ids(hidden), spec, layout)[0], meta


@lru_cache(maxsize=256)
def reshard(source: Layout, target: Layout, hidden: int, qkv_pattern: str = "fused") -> Reshard:
    return Reshard(source, target, hidden, qkv_pattern).fit()


def runs(keys: list[np.ndarray]) -> np.ndarray:
    """Runs of equal values in each of several arrays: (n, 4) rows (array index, start, stop, value)."""
    sizes = np.array([k.size for k in keys])
    group = np.repeat(np.arange(len(keys)), sizes)
    flat = np.concatenate(keys)
    cut = np.flatnonzero((np.diff(flat) != 0) | (np.diff(group) != 0)) + 1
    start = np.concatenate([[0], cut])
    stop = np.concatenate([cut, [flat.size]])
    first = np.concatenate([[0], np.cumsum(sizes)[:-1]])[group[start]]
    return np.column_stack([group[start], start - first, stop - first, flat[start]])


def segments(buffers: list[np.ndarray], hidden: int) -> np.ndarray:
    """Runs of one kind of one parameter in flat buffers of element ids: (n, 4) rows (buffer,
    start, stop, kind index in ``KINDS``)."""
    kinds, param_of = _lookup(hidden)
    keys = []
    for ids in buffers:
        real = ids >= 0
        safe = np.where(real, ids, 0)
        keys.append(np.where(real, param_of[safe] * 10 + kinds[safe], np.where(ids == DP_PAD, -6, -7)))
    out = runs(keys)
    out[:, 3] = np.where(out[:, 3] < 0, -out[:, 3], out[:, 3] % 10)
    return out


@lru_cache(maxsize=8)
def _lookup(hidden: int):
    spec = model_spec(hidden)
    return kind_of_ids(hidden), np.concatenate([np.full(int(np.prod(q.shape)), i) for i, q in enumerate(spec)])
