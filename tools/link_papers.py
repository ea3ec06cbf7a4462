"""Link a lesson's papers in data/annotations.json from its ``LESSON["papers"]``, then rebuild
data/papers.jsonl.

    python tools/link_papers.py offline_rl [notes.json]

``notes.json`` (optional) maps paper id -> one line of what the lesson does not cover, for the
links that are partial. Papers that name the lesson but are no longer in ``LESSON["papers"]`` are
unlinked. ``tests/lessons/test_lessons.py`` checks that both sides agree.
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ANNOTATIONS = ROOT / "data" / "annotations.json"


def link(slug: str, notes: dict[str, str]) -> None:
    papers = importlib.import_module(f"widgets.lessons.{slug}").LESSON["papers"]
    data = json.loads(ANNOTATIONS.read_text(encoding="utf-8"))
    unknown = [pid for pid in [*papers, *notes] if pid not in data]
    if unknown:
        sys.exit(f"unknown paper ids: {unknown}")
    for pid, note in data.items():
        lessons = note.setdefault("lessons", [])
        partial = note.get("lesson_notes", {})
        if pid in papers and slug not in lessons:
            lessons.append(slug)
        if pid not in papers and slug in lessons:
            lessons.remove(slug)
            partial.pop(slug, None)
        if pid in notes:
            partial[slug] = notes[pid]
        if partial:
            note["lesson_notes"] = partial
        else:
            note.pop("lesson_notes", None)
    ANNOTATIONS.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    link(sys.argv[1], json.loads(Path(sys.argv[2]).read_text()) if len(sys.argv) == 3 else {})
    from widgets.build import main

    main([])
