"""The committed corpus is exactly what the build step makes from the raw page, and it is clean."""

import json
import re

import pytest

from widgets import DATA
from widgets.build import RAW, build_records, clean_abstract, extract_code_url, slugify, to_jsonl

RECORDS = [json.loads(line) for line in (DATA / "papers.jsonl").read_text(encoding="utf-8").splitlines()]


def test_rebuild_matches_committed_file():
    rebuilt = to_jsonl(build_records(RAW.read_text(encoding="utf-8")))
    assert rebuilt == (DATA / "papers.jsonl").read_text(encoding="utf-8")


def test_sixty_four_papers_in_page_order():
    assert len(RECORDS) == 64
    assert len({r["id"] for r in RECORDS}) == 64
    # First, middle and last titles as they appear on the page.
    assert RECORDS[0]["title"] == "Entropy-Guided Attention for Private LLMs"
    assert RECORDS[15]["title"].startswith("DPM-Solver++: Fast Solver for Guided Sampling")
    assert RECORDS[-1]["title"] == "Streaming Deep Reinforcement Learning Finally Works"


def test_source_names_page_and_date():
    assert {r["source"] for r in RECORDS} == {
        "Hugging Face trending papers (byAK and the research community), Apr 9"
    }


@pytest.mark.parametrize(
    "raw, clean",
    [
        (r"failure modes: {\em entropy collapse} in deeper", "failure modes: entropy collapse in deeper"),
        ("kinetic optimal as n/drightarrow 0. We", "kinetic optimal as n/d → 0. We"),
        ("FID on ImageNet 64times64 with", "FID on ImageNet 64×64 with"),
        ("an acceleration ratio of 2times, showing", "an acceleration ratio of 2×, showing"),
        ("achieves it 3-it 10 times faster inference", "achieves 3–10 times faster inference"),
        ("achieve nearly ``optimal'' regret", "achieve nearly “optimal” regret"),
        ("rate O(1/{\\alpha}^2) - the", "rate O(1/α^2) - the"),
        ("explore tilde O( d^2varepsilon^{-2}) episodes", "explore Õ( d^2ε^-2) episodes"),
        ("is tilde Omega(T^{1/3}) times larger", "is Ω̃(T^(1/3)) times larger"),
        ("a mathcal{O}(varepsilon^{-2.5}) sample", "a O(ε^-2.5) sample"),
        ("with a 1{2} -epsilon approximation", "with a 1/2 - ε approximation"),
        ("average of 24.8\\% on these", "average of 24.8% on these"),
    ],
)
def test_latex_debris_is_cleaned(raw, clean):
    assert clean_abstract(raw) == clean


@pytest.mark.parametrize(
    "raw, url, rest",
    [
        ("It works. The code and implementation are available at "
         "https://github.com/Nandan91/entropy-guided-attention-llm{entropy-guided-llm}.",
         "https://github.com/Nandan91/entropy-guided-attention-llm", "It works."),
        ("at https://github.com/MoE-Inf/awesome-moe-inference/.",
         "https://github.com/MoE-Inf/awesome-moe-inference", ""),
        ("The code is available at https://github.com/lilijiangg/AutoDiffusion.",
         "https://github.com/lilijiangg/AutoDiffusion", ""),
        ("framework, PromptTPPOur code is available at {\\small \\url{ https://github.com/yanyanSann/PromptTPP}}, "
         "by integrating", "https://github.com/yanyanSann/PromptTPP", "framework, PromptTPP by integrating"),
        ("Code open-sourced at: github.com/anyasims/edge-of-reach.",
         "https://github.com/anyasims/edge-of-reach", ""),
        ("No link here.", None, "No link here."),
    ],
)
def test_code_links_are_extracted_clean(raw, url, rest):
    got_url, got_rest = extract_code_url(raw)
    assert got_url == url
    if rest:
        assert got_rest == rest


def test_every_code_link_is_a_clean_github_repo():
    urls = [r["code_url"] for r in RECORDS if r["code_url"]]
    # Ten papers link with https://, one more ("The Edge-of-Reach Problem") without a scheme.
    assert len(urls) == 11
    for url in urls:
        assert re.fullmatch(r"https://github\.com/[\w.-]+/[\w-]+(\.[\w-]+)*", url), url
        assert not url.endswith((".", ",", "}", "/"))


def test_no_debris_left_in_any_abstract():
    debris = re.compile(r"\\[a-z]+|\{|\}|``|''|varepsilon|mathcal|rightarrow|\dtimes|\bit \d|github\.com")
    for r in RECORDS:
        assert not debris.search(r["abstract"]), (r["id"], debris.search(r["abstract"]).group(0))


def test_slugify_is_stable_and_ascii():
    assert slugify("DPM-Solver++: Fast Solver for Guided Sampling of Diffusion") == "dpm-solver-fast-solver-for-guided"
    assert slugify("Über  Café!") == "uber-cafe"
