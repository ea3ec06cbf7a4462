"""The lesson texts are read with libyaml's safe loader when PyYAML has it (``text._SafeLoader``):
it must give every lesson exactly the data PyYAML's own loader gives, and a broken file the same
message."""

from __future__ import annotations

import pytest
import yaml

from widgets import ROOT
from widgets.lessons import text
from widgets.lessons.controls import Slider

TEXTS = sorted((ROOT / "widgets" / "lessons").glob("*.yaml"))


@pytest.mark.parametrize("path", TEXTS, ids=lambda p: p.stem)
def test_the_fast_loader_reads_every_lesson_text_as_pyyaml_does(path):
    source = path.read_text(encoding="utf-8")
    assert yaml.load(source, Loader=text._SafeLoader) == yaml.safe_load(source)


def test_a_broken_text_is_reported_in_pyyaml_words(tmp_path):
    broken = tmp_path / "lesson.yaml"
    broken.write_text("tour:\n  steps:\n    - title: a\n   - title: b\nquestions: []\n")
    with pytest.raises(text.LessonTextError) as caught:
        text.load(broken, {"x": Slider(0, 1, 0.1, 0.5, "x")})
    with pytest.raises(yaml.YAMLError) as pure:
        yaml.safe_load(broken.read_text())
    assert str(caught.value).endswith(f"line {pure.value.problem_mark.line + 1}: {pure.value.problem}")
