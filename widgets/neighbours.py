"""Every paper's k nearest neighbours under a representation, as JSON lines.

    python -m widgets.neighbours --representation tfidf|lsa|embedding --k 5 [--corpus PATH]

One line per paper, in corpus order: ``{"id", "title", "neighbours": [{"id", "score"}, ...]}``,
neighbours best first, ``score`` the cosine similarity of the two papers' vectors (rounded to 6
places). The corpus is the kit's 64 papers unless ``--corpus`` names a file in any format
``widgets.corpus.read`` takes. Fits are cached as the explorer's are (``$KIT_CACHE_DIR``, else
``~/.cache/paper-explorer-kit``; ``--cache-dir`` overrides). Nothing is downloaded. With
``--representation embedding`` and no ``wordllama`` package the command fails (exit 1) rather
than print TF-IDF neighbours under another name.
"""

from __future__ import annotations

import argparse
import json
import sys


def main(argv: list[str] | None = None) -> int:
    from .representation import DEFAULT, REPRESENTATIONS

    parser = argparse.ArgumentParser(prog="python -m widgets.neighbours",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--representation", choices=list(REPRESENTATIONS), default=DEFAULT)
    parser.add_argument("--k", type=int, default=5, help="neighbours per paper (default 5)")
    parser.add_argument("--corpus", help="a corpus file (default: the kit's 64 papers)")
    parser.add_argument("--cache-dir", help="where fits are cached (default $KIT_CACHE_DIR)")
    args = parser.parse_args(argv)
    if args.k < 1:
        parser.error("--k must be at least 1")

    from .corpus import CorpusError, load, read
    from .representation import RepresentationUnavailable, fit_cached

    try:
        df = read(args.corpus) if args.corpus else load()
    except (CorpusError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if len(df) < 2:
        print("error: the corpus needs at least two papers to have neighbours", file=sys.stderr)
        return 1
    if args.k > len(df) - 1:
        print(f"note: --k {args.k} capped at {len(df) - 1} (the other papers of the corpus)", file=sys.stderr)
    try:
        rep = fit_cached(df, args.representation, cache_dir=args.cache_dir, fallback=False)
    except RepresentationUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    ind, sims = rep.kneighbors(args.k)
    ids = [str(i) for i in df["id"]]
    out = sys.stdout
    for i, (row, scores) in enumerate(zip(ind, sims)):
        out.write(json.dumps({
            "id": ids[i], "title": str(df["title"].iloc[i]),
            "neighbours": [{"id": ids[j], "score": round(float(s), 6)} for j, s in zip(row, scores)],
        }, ensure_ascii=False) + "\n")
    out.flush()
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # e.g. piped into `head`: stop quietly, as Unix tools do
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
