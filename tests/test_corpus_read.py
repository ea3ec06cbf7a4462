"""``widgets.corpus.read``: a user's own abstracts in six formats, and hostile files that must fail cleanly.

The expected values below are copied by hand from the fixture files in ``tests/data/good`` and
``tests/data/bad`` (written for these tests), not produced by the reader.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest

from widgets.corpus import COLUMNS, CorpusError, load, read
from widgets.export import to_bibtex

DATA = Path(__file__).parent / "data"
GOOD = DATA / "good"
BAD = DATA / "bad"


def _one_line(text: str) -> bool:
    return "\n" not in text and "\r" not in text


# --- good files ----------------------------------------------------------------------------------

def test_csv_with_bom_quoted_newlines_and_aliases():
    frame = read(GOOD / "papers.csv")
    assert list(frame.columns) == COLUMNS
    assert frame.attrs["warnings"] == []
    assert frame["title"].tolist() == [
        "Entropy-Guided Attention for Private LLMs",
        "EvoPress: Towards Optimal Dynamic Model Compression via Evolutionary Search",
        "Harnessing Mixed Offline Reinforcement Learning Datasets via Trajectory Weighting",
    ]
    # the quoted abstract spans three lines in the file: whitespace is collapsed
    assert frame["abstract"][0] == (
        "The pervasiveness of proprietary language models has raised critical privacy concerns, "
        "necessitating advancements in private inference (PI), where computations are performed "
        "directly on encrypted data without revealing users' sensitive information.")
    assert 'given by "dynamic, non-uniform" compression methods.' in frame["abstract"][1]
    assert frame["abstract"][2].startswith("Most offline") and frame["abstract"][2].endswith("the risk.")
    # no id column: ids are slugs of the titles (widgets.build.slugify, 6 words)
    assert frame["id"].tolist() == ["entropy-guided-attention-for-private-llms",
                                    "evopress-towards-optimal-dynamic-model-compression",
                                    "harnessing-mixed-offline-reinforcement-learning-datasets"]
    assert frame["authors"].tolist() == ["Nandan Kumar Jha; Brandon Reagen",
                                         "Oliver Sieberling; Denis Kuznedelev; Eldar Kurtic; Dan Alistarh",
                                         "Zhang-Wei Hong; Pulkit Agrawal"]
    assert frame["url"].tolist() == ["https://arxiv.org/abs/2501.03489", "https://arxiv.org/abs/2410.14649",
                                     "https://arxiv.org/abs/2306.13085"]
    assert frame["code_url"].tolist() == ["https://github.com/Nandan91/entropy-guided-attention-llm",
                                          "https://github.com/IST-DASLab/EvoPress",  # was github.com/...EvoPress.git
                                          "https://github.com/Improbable-AI/harness-offline-rl"]
    assert frame["topics"].tolist() == [["privacy", "transformers"], ["compression"], []]
    assert frame["published"].tolist() == ["2025", "2024", "2023"]
    assert set(frame["source"]) == {"papers.csv (CSV)"}


def test_json_list_with_summary_and_link_aliases():
    frame = read(GOOD / "papers.json")
    assert frame.attrs["warnings"] == [] and frame.attrs["format"] == "JSON"
    assert frame["id"].tolist() == ["diffusion-planner", "moe-inference-survey", "tsp-heatmap-mcts"]
    assert frame["title"][1] == "A Survey on Inference Optimization Techniques for Mixture of Experts Models"
    assert frame["title"][2] == ('Rethinking the "Heatmap + Monte Carlo Tree Search" Paradigm for Solving '
                                 'Large Scale TSP')
    assert frame["abstract"][2] == ("The Travelling Salesman Problem (TSP) remains a fundamental challenge "
                                    "in combinatorial optimization, inspiring diverse algorithmic strategies.")
    assert frame["authors"].tolist() == ["Renming Huang; Yunqiang Pei; Guoqing Wang", "Jiacheng Liu; Peng Tang",
                                         "Yifan Xia; Xianliang Yang"]
    assert frame["published"].tolist() == ["2024-07-22", "2024", "2024-11-14"]
    assert frame["url"][0] == "https://arxiv.org/abs/2407.16142"
    assert frame["code_url"].tolist() == ["https://github.com/RenMing-Huang/TrajectoryDiffuser",
                                          "https://github.com/MoE-Inf/awesome-moe-inference", None]
    assert frame["topics"].tolist() == [["diffusion", "offline-rl"], ["moe", "survey"], []]
    assert set(frame["source"]) == {"papers.json (JSON)"}


def test_jsonl_with_mixed_case_keys_and_github_shorthand():
    frame = read(GOOD / "papers.jsonl")
    assert frame.attrs["warnings"] == [] and frame.attrs["format"] == "JSON Lines"
    assert frame["id"].tolist() == ["2310.04993", "2309.10438", "2410.14649"]
    assert frame["title"][0] == "Prompt-augmented Temporal Point Process for Streaming Event Sequence"
    assert frame["abstract"][1] == ("Diffusion models are emerging expressive generative models, in which a "
                                    "large number of time steps (inference steps) are required for a single "
                                    "image generation.")
    assert frame["authors"].tolist() == ["Siqiao Xue; Yan Wang; Zhixuan Chu", "Lijiang Li; Huixia Li",
                                         "Oliver Sieberling; Dan Alistarh"]
    assert frame["url"].tolist() == ["https://arxiv.org/pdf/2310.04993", "https://arxiv.org/pdf/2309.10438",
                                     "https://arxiv.org/pdf/2410.14649"]
    assert frame["code_url"].tolist() == ["https://github.com/yanyanSann/PromptTPP",
                                          "https://github.com/lilijiangg/AutoDiffusion", None]
    assert frame["topics"][0] == ["point-processes", "continual-learning"]
    assert frame["published"].tolist() == ["2023-10-08", "2023-09-19", "2024-10-18"]


def test_bibtex_braces_accents_and_links():
    frame = read(GOOD / "papers.bib")
    assert frame.attrs["warnings"] == [] and frame.attrs["format"] == "BibTeX"
    assert frame["id"].tolist() == ["hong2023harnessing", "sieberling2024evopress", "jha2025entropy"]
    assert frame["title"].tolist() == [
        "Harnessing Mixed Offline Reinforcement Learning Datasets via Trajectory Weighting",
        "EvoPress: Towards Optimal Dynamic Model Compression via Evolutionary Search",  # {EvoPress}
        "Entropy-Guided Attention for Private LLMs",  # {{...}}
    ]
    assert frame["abstract"][0] == ("Most offline reinforcement learning (RL) algorithms return a target policy "
                                    "maximizing a trade-off between the expected performance gain over the "
                                    "behavior policy & the risk of out-of-distribution actions.")
    assert frame["abstract"][1].endswith("research on LLM compression, e.g. 50% sparsity.")
    assert frame["authors"][0] == "Zhang-Wei Hong; Pulkit Agrawal; Rémi Tachet des Combes; Romain Laroche"
    assert frame["authors"][2] == "Nandan Kumar Jha; Brandon Reagen"
    assert frame["url"].tolist() == ["https://openreview.net/forum?id=OhUAblg27z",
                                     "https://arxiv.org/abs/2410.14649",  # from eprint + archivePrefix
                                     "https://doi.org/10.48550/arXiv.2501.03489"]  # from doi
    assert frame["code_url"].tolist() == ["https://github.com/Improbable-AI/harness-offline-rl", None, None]
    assert frame["published"].tolist() == ["2023", "2024", "2025"]


def test_arxiv_atom_feed():
    frame = read(GOOD / "arxiv.xml")
    assert frame.attrs["warnings"] == [] and frame.attrs["format"] == "arXiv Atom XML"
    assert frame["id"].tolist() == ["2309.10438", "2407.16142", "2410.14649"]
    assert frame["title"].tolist() == [
        "AutoDiffusion: Training-Free Optimization of Time Steps and Architectures for Automated Diffusion "
        "Model Acceleration",
        "Diffusion Models as Optimizers for Efficient Planning in Offline RL",
        "EvoPress: Towards Optimal Dynamic Model Compression via Evolutionary Search",
    ]
    assert frame["abstract"][2] == ("The high computational costs of large language models (LLMs) have led to a "
                                    "flurry of research on LLM compression, via methods such as quantization, "
                                    "sparsification, or structured pruning & more.")
    assert frame["authors"].tolist() == ["Lijiang Li; Huixia Li; Xiawu Zheng", "Renming Huang; Yunqiang Pei",
                                         "Oliver Sieberling; Dan Alistarh"]
    assert frame["url"].tolist() == ["http://arxiv.org/abs/2309.10438v2", "http://arxiv.org/abs/2407.16142v1",
                                     "http://arxiv.org/abs/2410.14649v1"]
    assert frame["published"].tolist() == ["2023-09-19", "2024-07-23", "2024-10-18"]
    # the code link is in <arxiv:comment>
    assert frame["code_url"].tolist() == ["https://github.com/lilijiangg/AutoDiffusion", None, None]


def test_arxiv_feed_with_more_results_than_entries_warns():
    text = (GOOD / "arxiv.xml").read_text(encoding="utf-8").replace(
        '1.1/">3</opensearch:totalResults>', '1.1/">120</opensearch:totalResults>')
    frame = read(text.encode(), name="page1.xml")
    assert len(frame) == 3
    assert frame.attrs["warnings"] == [
        "page1.xml: the feed reports 120 results but holds 3 entries (the arXiv API returns results in "
        "pages: fetch the others with start=...)"]


def test_hugging_face_daily_papers():
    frame = read(GOOD / "hf_daily.json")
    assert frame.attrs["warnings"] == [] and frame.attrs["format"] == "Hugging Face daily papers"
    assert frame["id"].tolist() == ["2501.03489", "2412.14219", "2411.09238"]
    assert frame["title"][0] == "Entropy-Guided Attention for Private LLMs"
    assert frame["abstract"][0] == ("The pervasiveness of proprietary language models has raised critical "
                                    "privacy concerns, necessitating advancements in private inference (PI).")
    assert frame["authors"].tolist() == ["Nandan Kumar Jha; Brandon Reagen", "Jiacheng Liu; Peng Tang; Chao Li",
                                         "Yifan Xia"]
    assert frame["published"].tolist() == ["2025-01-07", "2024-12-18", "2024-11-14"]
    assert frame["code_url"].tolist() == ["https://github.com/Nandan91/entropy-guided-attention-llm",
                                          "https://github.com/MoE-Inf/awesome-moe-inference", None]
    assert frame["url"][2] == "https://arxiv.org/abs/2411.09238"
    assert set(frame["source"]) == {"hf_daily.json (Hugging Face daily papers)"}


# --- format detection ------------------------------------------------------------------------------

GOOD_FORMATS = {"papers.csv": "CSV", "papers.json": "JSON", "papers.jsonl": "JSON Lines",
                "papers.bib": "BibTeX", "arxiv.xml": "arXiv Atom XML", "hf_daily.json": "Hugging Face daily papers",
                "zotero.csv": "Zotero CSV", "papers.ris": "RIS", "openalex.json": "OpenAlex works",
                "semantic_scholar.json": "Semantic Scholar",
                "arxiv_snapshot.jsonl": "JSON Lines (arXiv metadata snapshot)"}


@pytest.mark.parametrize("filename", sorted(GOOD_FORMATS))
def test_format_detected_from_content_without_a_name(filename):
    by_path = read(GOOD / filename)
    data = (GOOD / filename).read_bytes()
    for name in (None, "mystery.txt"):  # no name, or an extension that says nothing
        by_content = read(data, name=name)
        assert by_content.attrs["format"] == GOOD_FORMATS[filename]
        assert by_content["id"].tolist() == by_path["id"].tolist()
        assert by_content["title"].tolist() == by_path["title"].tolist()
        assert by_content["abstract"].tolist() == by_path["abstract"].tolist()
    assert read(data)["source"][0] == f"upload ({GOOD_FORMATS[filename]})"


@pytest.mark.parametrize("filename", sorted(GOOD_FORMATS))
def test_format_detected_from_the_name(filename):
    data = (GOOD / filename).read_bytes()
    frame = read(io.BytesIO(data), name=f"/some/folder/{filename}")
    assert frame.attrs["format"] == GOOD_FORMATS[filename]
    assert frame["source"][0] == f"{filename} ({GOOD_FORMATS[filename]})"


def test_recognisable_content_wins_over_the_extension_and_format_argument_wins_over_both():
    data = b'[{"title": "A", "abstract": "B"}]'
    frame = read(data, name="papers.csv")
    assert frame["title"].tolist() == ["A"] and frame.attrs["format"] == "JSON"
    assert frame.attrs["warnings"] == ["papers.csv: named .csv but holds JSON: read as JSON"]
    with pytest.raises(CorpusError, match=r"^papers.json: line 1, column 1: not valid JSON"):
        read(b"title,abstract\nA,B\n", "json", name="papers.json")
    assert read(b"title\tabstract\nA\tB\n", name="papers.tsv").attrs["format"] == "TSV"
    with pytest.raises(CorpusError, match="unknown format 'yaml'"):
        read(data, "yaml")


def test_other_delimiters_tsv_and_semicolon():
    assert read(b"title\tabstract\nA, b\tC\n", name="x.tsv").attrs["format"] == "TSV"
    frame = read(b"Title;Summary\nA, with a comma;B\n")  # Excel in a European locale
    assert frame["title"].tolist() == ["A, with a comma"] and frame["abstract"].tolist() == ["B"]


def test_one_line_json_object_and_json_lines_in_a_json_file():
    wrapped = read(b'{"papers": [{"title": "A", "abstract": "B"}, {"title": "C", "abstract": "D"}]}')
    assert wrapped["title"].tolist() == ["A", "C"] and wrapped.attrs["format"] == "JSON"
    lines = b'{"title": "A", "abstract": "B"}\n{"title": "C", "abstract": "D"}\n'
    assert read(lines, name="misnamed.json").attrs["format"] == "JSON Lines"


# --- hostile files -------------------------------------------------------------------------------

BAD_MESSAGES = {
    "not_utf8.csv": "not_utf8.csv: line 2: not UTF-8 text (byte 0xE9 at offset 16); save the file as UTF-8",
    "empty.csv": "empty.csv: is empty",
    "wrong_columns.csv": ("wrong_columns.csv: line 1: no title column (found: 'name', 'text', 'link'; "
                          "expected: 'title' and one of 'abstract', 'summary', 'description')"),
    "truncated.json": ("truncated.json: line 10, column 17: not valid JSON (a string that is never closed; "
                       "the text ends too early, is it cut short?)"),
    "billion_laughs.xml": ("billion_laughs.xml: line 3: XML entity declaration 'lol' refused (entities are "
                           "not allowed: a 'billion laughs' file expands them until memory runs out)"),
    "malformed.xml": "malformed.xml: line 10, column 65: malformed XML (mismatched tag)",
    "no_valid_records.jsonl": ("no_valid_records.jsonl: no valid record: 2 records skipped without an abstract "
                               "(line 1, line 2); 1 record skipped without a title (line 3)"),
    "ragged.csv": ("ragged.csv: line 4: has 4 fields but the header (line 1) has 3; a value with an "
                   "unquoted comma?"),
    "binary.csv": ("binary.csv: byte 0: is a PNG image, not a text file (expected CSV, TSV, JSON, JSON Lines, "
                   "BibTeX, RIS or arXiv Atom XML)"),
}


@pytest.mark.parametrize("filename", sorted(BAD_MESSAGES))
def test_hostile_file_gives_one_line_error(filename):
    with pytest.raises(CorpusError) as err:
        read(BAD / filename)
    message = str(err.value)
    assert message == BAD_MESSAGES[filename]
    assert message.startswith(filename + ": ") and _one_line(message)
    # the same bytes uploaded under the same name give the same message
    with pytest.raises(CorpusError) as again:
        read((BAD / filename).read_bytes(), name=filename)
    assert str(again.value) == message


def test_every_bad_fixture_is_covered():
    on_disk = {p.name for p in BAD.iterdir()}
    assert on_disk == set(BAD_MESSAGES) | {"missing_abstracts.csv", "duplicate_ids.jsonl"}


def test_missing_abstracts_are_skipped_and_reported():
    frame = read(BAD / "missing_abstracts.csv")
    assert frame["id"].tolist() == ["entropy", "autodiffusion"]
    assert frame.attrs["warnings"] == ["missing_abstracts.csv: 2 records skipped without an abstract "
                                       "(line 3, line 5)"]


def test_duplicate_ids_are_renamed_and_reported():
    frame = read(BAD / "duplicate_ids.jsonl")
    assert frame["id"].tolist() == ["diffusion", "evopress", "diffusion-2", "diffusion-3"]
    assert frame["title"][2].startswith("AutoDiffusion")
    assert frame.attrs["warnings"] == [
        "duplicate_ids.jsonl: duplicate id 'diffusion' (line 1, line 3, line 4): the later ones renamed to "
        "'diffusion-2', 'diffusion-3'"]


def test_duplicate_suffix_never_collides_with_an_existing_id():
    data = b"id,title,abstract\nx,A,a\nx-2,B,b\nx,C,c\n"
    assert read(data, name="d.csv")["id"].tolist() == ["x", "x-2", "x-3"]


def test_size_limit_is_checked_before_reading(tmp_path, monkeypatch):
    big = tmp_path / "big.csv"
    with big.open("wb") as f:  # a sparse 31.2 MB file of NUL bytes: reading it would say "binary data"
        f.truncate(int(31.2 * 2**20))
    with pytest.raises(CorpusError) as err:
        read(big)
    assert str(err.value) == "big.csv: is 31.2 MB, over the 25 MB limit"
    monkeypatch.setenv("KIT_MAX_UPLOAD_MB", "40")
    with pytest.raises(CorpusError, match="big.csv: line 1: contains binary data"):
        read(big)  # under the raised limit, so it is read (and refused for what it is)
    monkeypatch.setenv("KIT_MAX_UPLOAD_MB", "10")
    with pytest.raises(CorpusError, match=r"^big.csv: is 31.2 MB, over the 10 MB limit$"):
        read(big)
    data = (GOOD / "papers.csv").read_bytes()
    with pytest.raises(CorpusError) as err:
        read(data, name="papers.csv", max_bytes=500)
    assert str(err.value) == f"papers.csv: is {len(data) / 1024:.1f} KB, over the 500 bytes limit"
    assert len(read(data, name="papers.csv", max_bytes=len(data))) == 3
    with pytest.raises(CorpusError, match=r"^stream.csv: is over the 500 bytes limit$"):
        read(io.BytesIO(data), name="stream.csv", max_bytes=500)  # an open file: reads at most 501 bytes
    monkeypatch.setenv("KIT_MAX_UPLOAD_MB", "lots")
    with pytest.raises(CorpusError, match="KIT_MAX_UPLOAD_MB='lots' is not a number of megabytes"):
        read(data)


INLINE_BAD = [
    ("x.csv", "title,abstract\nA,B\n".encode("utf-16"), "x.csv: byte 0: is UTF-16 text, not UTF-8: save it as UTF-8"),
    ("x.csv", b"title,abstract\nA,\"B\nC\n", "x.csv: line 2: CSV syntax error (a quoted value that is never closed)"),
    ("x.csv", b"title,abstract\n", "x.csv: line 1: has a header but no rows"),
    ("x.csv", b"title,abstract,Title\nA,B,C\n", "x.csv: line 1: column 'Title' appears twice"),
    ("x.csv", b"title,url\nA,https://a.org\n",
     "x.csv: line 1: no abstract column (found: 'title', 'url'; expected: 'title' and one of 'abstract', "
     "'summary', 'description')"),
    ("x.csv", b"title,abstract\nA,B\x00C\n", "x.csv: line 2: contains binary data (a NUL byte at offset 18), not text"),
    ("x.json", b"[" * 50_000, "x.json: is nested too deeply to read as JSON"),
    ("x.json", b"42", "x.json: the JSON value is a number, expected a list of papers"),
    ("x.json", b"[]", "x.json: holds an empty list: no papers"),
    ("x.json", b'{"count": 2}', "x.json: a JSON object without a list of papers (keys: 'count')"),
    ("x.jsonl", b'{"title": "A", "abstract": "B"}\n{"title": "C", "abstract": "D}\n',
     "x.jsonl: line 2, column 28: not valid JSON (a string that is never closed; the text ends too early, "
     "is it cut short?)"),
    ("x.bib", b"@article{ok, title={A}, abstract={B}}\n\n@misc{broken, title = {Unclosed\n",
     "x.bib: entry 'broken' at line 3: BibTeX syntax error (Unexpectedly reached end of file.)"),
    ("x.bib", b"@article{k, title={A}, title={C}, abstract={B}}\n",
     "x.bib: entry 'k' at line 1: field 'title' appears twice"),
    ("x.bib", b"% only a comment\n", "x.bib: no BibTeX entries (@article{...}, @misc{...}) found"),
    ("x.xml", b"<rss><channel/></rss>",
     "x.xml: line 1: not an arXiv Atom feed (root element <rss>, expected <feed> in the Atom namespace "
     "http://www.w3.org/2005/Atom)"),
    ("x.xml", b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>http://arxiv.org/api/errors#incorrect_id'
              b'</id><title>Error</title><summary>incorrect id format for 1234</summary></entry></feed>',
     "x.xml: entry 1: the arXiv API returned an error: incorrect id format for 1234"),
    ("x.xml", b'<?xml version="1.0"?>\n<!DOCTYPE feed [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<feed>&x;</feed>',
     "x.xml: line 2: XML entity declaration 'x' refused (entities are not allowed: a 'billion laughs' file "
     "expands them until memory runs out)"),
    ("x.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "x.pdf: byte 0: is a PDF document, not a text file (expected CSV, TSV, "
                                              "JSON, JSON Lines, BibTeX, RIS or arXiv Atom XML)"),
    ("   ", b"  \n\t\n", "upload: is empty"),
]


@pytest.mark.parametrize("name, data, message", INLINE_BAD)
def test_more_hostile_inputs(name, data, message):
    with pytest.raises(CorpusError) as err:
        read(data, name=name if name.strip() else None)
    assert str(err.value) == message and _one_line(str(err.value))


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(CorpusError, match=r"^nope.csv: no such file$"):
        read(tmp_path / "nope.csv")
    with pytest.raises(CorpusError, match="is a folder, not a file"):
        read(tmp_path)


def test_text_is_kept_raw_but_controls_and_unsafe_links_go():
    data = ('title,abstract,url,code\n'
            '"<script>alert(1)</script>\x07 Title\u202e",A  <b>bold</b>\tclaim,javascript:alert(1),ftp://x/y\n'
            ).encode()
    frame = read(data, name="x.csv")
    assert frame["title"][0] == "<script>alert(1)</script> Title"  # escaping is the display's job
    assert frame["abstract"][0] == "A <b>bold</b> claim"
    assert frame["url"][0] is None and frame["code_url"][0] is None
    assert frame.attrs["warnings"] == [
        "x.csv: url ignored on 1 record: not an http(s) link (line 2)",
        "x.csv: code_url ignored on 1 record: not an http(s) link (line 2)",
    ]


def test_records_that_are_not_objects_or_not_text_are_reported():
    data = b'["just a string", {"title": ["a", "list"], "abstract": "x"}, {"title": "T", "abstract": "A"}]'
    frame = read(data, name="x.json")
    assert frame["title"].tolist() == ["T"]
    assert frame.attrs["warnings"] == ["x.json: 1 record skipped (not an object with fields) (record 1)",
                                       "x.json: 1 record skipped (title is not text) (record 2)"]


def test_many_skipped_records_are_summarised_on_one_line():
    rows = "".join(f"T{i},\n" for i in range(12))
    frame = read(("title,abstract\nGood,Abstract\n" + rows).encode(), name="m.csv")
    assert len(frame) == 1
    (warning,) = frame.attrs["warnings"]
    assert warning == ("m.csv: 12 records skipped without an abstract (line 3, line 4, line 5, line 6, line 7, "
                       "and 7 more)")


# --- round trips and the bundled corpus --------------------------------------------------------------

def _joined(frame):
    out = frame.copy()
    for column in ("topics", "lessons"):
        out[column] = out[column].map("; ".join)
    return out


def test_round_trip_csv_and_jsonl(tmp_path):
    corpus = load()
    csv_path = tmp_path / "corpus.csv"
    _joined(corpus).to_csv(csv_path, index=False)
    jsonl_path = tmp_path / "corpus.jsonl"
    corpus.to_json(jsonl_path, orient="records", lines=True, force_ascii=False)
    for path in (csv_path, jsonl_path):
        back = read(path)
        assert back.attrs["warnings"] == []
        assert back["id"].tolist() == corpus["id"].tolist()
        assert back["title"].tolist() == corpus["title"].tolist()
        assert back["abstract"].tolist() == corpus["abstract"].tolist()
        assert back["code_url"].tolist() == corpus["code_url"].tolist()
        assert back["topics"].tolist() == corpus["topics"].tolist()


def test_round_trip_through_the_bibtex_exporter():
    corpus = load()
    back = read(to_bibtex(corpus).encode(), name="selection.bib")
    assert back["id"].tolist() == corpus["id"].tolist()
    assert back["title"].tolist() == corpus["title"].tolist()
    assert back["abstract"].tolist() == corpus["abstract"].tolist()
    assert back["code_url"].tolist() == corpus["code_url"].tolist()


def test_bundled_corpus_is_clean():
    corpus = load()
    assert len(corpus) == 64 and corpus["id"].is_unique
    assert all(isinstance(t, str) and t.strip() for t in corpus["title"])
    assert all(isinstance(a, str) and a.strip() for a in corpus["abstract"])
    code = [u for u in corpus["code_url"] if u is not None]
    assert code and all(re.fullmatch(r"https://github\.com/[\w.-]+/[\w.-]+", u) for u in code)
    raw = [json.loads(line) for line in (Path(__file__).parents[1] / "data" / "papers.jsonl").open(encoding="utf-8")]
    assert [r["id"] for r in raw] == corpus["id"].tolist()


def test_skipped_records_are_located_in_every_format():
    atom = (GOOD / "arxiv.xml").read_text(encoding="utf-8")
    summaries = re.findall(r"<summary>.*?</summary>", atom, flags=re.S)
    atom = atom.replace(summaries[1], "<summary>\n  </summary>")  # the second entry loses its abstract
    assert read(atom.encode(), name="a.xml").attrs["warnings"] == [
        "a.xml: 1 record skipped without an abstract (entry 2)"]
    bib = b"@misc{first, title={A}, abstract={B}}\n\n@misc{second,\n  title={C}\n}\n"
    assert read(bib, name="b.bib").attrs["warnings"] == [
        "b.bib: 1 record skipped without an abstract (entry 'second' at line 3)"]
    hf = json.loads((GOOD / "hf_daily.json").read_text(encoding="utf-8"))
    hf[1]["paper"]["summary"] = ""
    assert read(json.dumps(hf).encode(), name="daily.json").attrs["warnings"] == [
        "daily.json: 1 record skipped without an abstract (record 2)"]
