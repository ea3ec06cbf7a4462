"""Write a lesson notebook's "Under the hood" and "Try it yourself" sections from the code.

    python tools/lesson_sections.py koopman edmd "Markdown that introduces the code ..."
    python tools/lesson_sections.py koopman edmd     # again, keeping the introduction

Takes the core function ``widgets.lessons.<slug>.<function>`` and the lesson's exercise
(``widgets.lessons.<slug>_exercise.EXERCISE``) and (re)writes, just before the "Go deeper" cell:
a markdown cell and a code cell holding the function's source (run and edit it in JupyterLab; in
Voila ``under_the_hood`` shows it as a listing), then the exercise: its task, the stub to fill,
the check, and the reference solution in a collapsed cell. Cells it wrote before are replaced, so
run it again after changing the function or the exercise; ``tests/lessons/test_lessons.py``
fails when a notebook's copy differs from the package.
"""

from __future__ import annotations

import importlib
import inspect
import json
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MARK = "kit-section"   # metadata key of the cells this script writes


def cell(kind: str, source: str, slide: str = "-", tags=(), hidden: bool = False) -> dict:
    c = {"cell_type": kind, "metadata": {"slideshow": {"slide_type": slide}, MARK: True},
         "source": source.strip("\n").splitlines(keepends=True)}
    if tags:
        c["metadata"]["tags"] = list(tags)
    if hidden:
        c["metadata"]["jupyter"] = {"source_hidden": True}
    if kind == "code":
        c.update(execution_count=None, outputs=[])
    return c


def sections(slug: str, function: str, intro: str) -> list[dict]:
    model = importlib.import_module(f"widgets.lessons.{slug}")
    fn = getattr(model, function)
    ex_module = f"widgets.lessons.{slug}_exercise"
    exercise = importlib.import_module(ex_module).EXERCISE
    hood_code = (f"# The code the lesson runs, from widgets/lessons/{slug}.py. Edit it and run the cell.\n"
                 f"import numpy as np\n\nfrom widgets.lessons import {slug}\n"
                 f"from widgets.lessons.{slug} import *  # noqa: F403 - the names the function uses\n"
                 f"from widgets.lessons.hood import under_the_hood\n\n\n"
                 f"{textwrap.dedent(inspect.getsource(fn))}\n\nunder_the_hood({slug}.{function})\n")
    stub = (f"import numpy as np\n\nfrom {ex_module} import EXERCISE\nfrom widgets.lessons.hood import try_it\n\n\n"
            f"{exercise.stub}\n\ntry_it(EXERCISE)\n")
    solution = (f"# A solution: expand this cell to read it (or press the button). Running it keeps your function.\n"
                f"from widgets.lessons.hood import solution\n\n\n{exercise.solution_source()}\n\n"
                f"solution(EXERCISE)\n")
    cells = [
        cell("markdown", "## Under the hood\n\n" + intro.strip(), slide="slide"),
        cell("code", hood_code, tags=["hood"]),
        cell("markdown", "## Try it yourself\n\n" + exercise.task.strip() + "\n\n"
             "In JupyterLab, fill in the function below, run its cell, then run the check under it: "
             "it runs your function on cases whose answers are known and says in one line what is "
             "wrong, if anything. The last cell holds a solution; it is collapsed, so try first.",
             slide="slide"),
        cell("code", stub, tags=["exercise-stub"]),
        cell("code", f"EXERCISE.check({exercise.name})", tags=["exercise-check"]),
        cell("code", solution, tags=["solution"], hidden=True),
    ]
    names = ["hood-text", "hood-code", "exercise-text", "exercise-stub", "exercise-check", "solution"]
    for c, name in zip(cells, names):
        c["id"] = f"{slug}-{name}"
    return cells


def main(slug: str, function: str, intro: str | None = None) -> None:
    path = ROOT / "notebooks" / "lessons" / f"{slug}.ipynb"
    nb = json.loads(path.read_text())
    if intro is None:   # keep the introduction written last time
        old = next(c for c in nb["cells"] if c.get("id") == f"{slug}-hood-text")
        intro = "".join(old["source"]).split("\n", 1)[1]
    cells = [c for c in nb["cells"] if not c["metadata"].get(MARK)]
    at = next((i for i, c in enumerate(cells) if "".join(c["source"]).lstrip().startswith("## Go deeper")),
              len(cells))
    nb["cells"] = cells[:at] + sections(slug, function, intro) + cells[at:]
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote the sections of {path.relative_to(ROOT)}")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    main(*sys.argv[1:4])
