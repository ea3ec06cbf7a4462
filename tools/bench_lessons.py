"""Run every lesson's benchmark and write their sections into bench/RESULTS.md.

    .venv/bin/python tools/bench_lessons.py            # all lessons, in teaching order
    .venv/bin/python tools/bench_lessons.py koopman    # one

Each ``bench/bench_<slug>.py`` prints one Markdown section starting with ``## ``; this replaces the
section of the same heading in RESULTS.md (or adds it before the serving sections), so the lesson
tables are always the output of one command.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "RESULTS.md"
ANCHOR = "## Serving:"   # lesson sections go before the serving and class sections


def sections(text: str) -> list[str]:
    parts = text.split("\n## ")
    return [parts[0]] + ["## " + p for p in parts[1:]]


def main(slugs: list[str]) -> int:
    sys.path.insert(0, str(ROOT))
    from widgets.lessons import ORDER

    text = RESULTS.read_text(encoding="utf-8")
    for slug in slugs or ORDER:
        out = subprocess.run([sys.executable, str(ROOT / "bench" / f"bench_{slug}.py")], cwd=ROOT,
                             capture_output=True, text=True)
        if out.returncode:
            print(out.stdout[-2000:], out.stderr[-2000:], file=sys.stderr)
            return out.returncode
        new = out.stdout.strip() + "\n"
        heading = new.splitlines()[0]
        parts = sections(text)
        at = next((i for i, p in enumerate(parts) if p.splitlines()[0] == heading), None)
        if at is None:
            at = next(i for i, p in enumerate(parts) if p.startswith(ANCHOR))
            parts.insert(at, new + "\n")
        else:
            parts[at] = new + ("\n" if at < len(parts) - 1 else "")
        text = "\n".join(p.rstrip("\n") + "\n" for p in parts)
        RESULTS.write_text(text, encoding="utf-8")
        print(f"{slug}: {heading}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
