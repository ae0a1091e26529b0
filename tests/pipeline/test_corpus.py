"""Corpus loading: encodings, scripts, and validation that reports every problem at once."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from huayu.errors import CorpusError
from huayu.paths import ROOT
from huayu.pipeline.corpus import decode_bytes, detect_script, load_corpus, to_simplified

FIXTURES = ROOT / "tests" / "fixtures"


def test_bundled_corpus_loads_with_all_metadata(repo_root):
    corpus = load_corpus(repo_root / "data", progress=False)
    docs = corpus.documents_table
    assert list(docs["doc_id"]) == ["changan_2023", "xifeng_2021", "template_xx", "laixi_2023", "anyuan_2022"]
    assert set(docs["encoding"]) == {"utf-8"}
    assert set(docs["script"]) == {"simplified"}
    template = docs.set_index("doc_id").loc["template_xx"]
    assert template["genre"] == "template" and template["place_en"] == "unknown"
    assert template["date"] == "" and template["date_certainty"] == "unknown"
    assert docs.set_index("doc_id").loc["anyuan_2022", "date_certainty"] == "inferred"


def test_raw_files_are_the_seeds_byte_for_byte(repo_root):
    seeds = repo_root.parent / "shared" / "seeds"
    if not seeds.is_dir():
        pytest.skip("the seed folder is not beside this checkout")
    for seed in sorted(seeds.glob("*.txt")):
        raw = repo_root / "data" / "raw" / seed.name
        assert hashlib.sha256(raw.read_bytes()).hexdigest() == hashlib.sha256(seed.read_bytes()).hexdigest()


def test_encodings_are_detected_and_recorded():
    corpus = load_corpus(FIXTURES / "encodings_corpus", progress=False)
    docs = corpus.documents_table.set_index("doc_id")
    assert docs.loc["utf8", "encoding"] == "utf-8"
    assert docs.loc["utf8_bom", "encoding"] == "utf-8-sig"
    assert docs.loc["gbk", "encoding"] == "gb18030"
    assert docs.loc["gb18030", "encoding"] == "gb18030"
    assert docs.loc["trad_big5", "encoding"] == "big5"
    sentence = "同志们:要坚持高质量发展,优化营商环境,全力推动乡村振兴。"
    for doc_id in ("utf8", "utf8_bom", "gbk", "gb18030"):
        assert docs.loc[doc_id, "raw_text"].startswith(sentence)
    assert not docs.loc["utf8_bom", "raw_text"].startswith("\ufeff")
    assert "𠀀𪚥" in docs.loc["gb18030", "raw_text"]


def test_traditional_is_detected_reported_and_optionally_converted():
    corpus = load_corpus(FIXTURES / "encodings_corpus", progress=False)
    docs = corpus.documents_table.set_index("doc_id")
    assert docs.loc["trad_utf8", "script"] == "traditional"
    assert docs.loc["trad_big5", "script"] == "traditional"
    assert docs.loc["utf8", "script"] == "simplified"
    assert not docs.loc["trad_utf8", "converted_to_simplified"]
    assert any("traditional_utf8.txt" in w and "--to-simplified" in w for w in corpus.warnings)
    converted = load_corpus(FIXTURES / "encodings_corpus", to_simplified_chinese=True, progress=False)
    text = converted.documents_table.set_index("doc_id").loc["trad_utf8", "raw_text"]
    assert text.startswith("同志们:要坚持高质量发展,优化营商环境,全力推动乡村振兴。政府工作报告说明经济发展。")
    assert converted.documents_table.set_index("doc_id").loc["trad_utf8", "converted_to_simplified"]


def test_to_simplified_keeps_length():
    text = "後來發現乾隆著作裡的頭髮"
    assert len(to_simplified(text)) == len(text)


def test_detect_script_thresholds():
    assert detect_script("要坚持高质量发展")[0] == "simplified"
    assert detect_script("要堅持高質量發展")[0] == "traditional"
    assert detect_script("hello world") == ("simplified", 0.0)


def test_every_problem_is_reported_at_once():
    with pytest.raises(CorpusError) as err:
        load_corpus(FIXTURES / "bad_corpus", progress=False)
    problems = [str(p) for p in err.value.problems]
    text = "\n".join(problems)
    expected = [
        ("texts/missing.txt", "listed file is missing"),
        ("row 4", "duplicate doc_id 'ok_doc' (first used in row 2)"),
        ("row 5", "unsafe doc_id '../escape'"),
        ("texts/empty.txt", "empty or whitespace only"),
        ("texts/binary.txt", "binary"),
        ("row 8", "bad date '2023-02-30'"),
        ("row 9", "unknown genre 'sermon'; known: speech, news_report, template, work_report"),
        ("texts/not_listed.txt", "text file is not listed in metadata.csv"),
    ]
    for where, reason in expected:
        assert any(where in p and reason in p for p in problems), (where, reason, text)
    assert len(problems) == len(expected)
    assert "nothing was written" in str(err.value)


def test_missing_metadata_and_missing_columns(tmp_path):
    with pytest.raises(CorpusError, match="missing: a corpus folder needs a metadata.csv"):
        load_corpus(tmp_path, progress=False)
    (tmp_path / "metadata.csv").write_text("doc_id,file\na,a.txt\n", encoding="utf-8")
    with pytest.raises(CorpusError, match="missing column"):
        load_corpus(tmp_path, progress=False)


def test_file_outside_corpus_is_refused(corpus_copy):
    meta = corpus_copy / "metadata.csv"
    meta.write_text(meta.read_text(encoding="utf-8").replace("raw/000_9d4fa8580e58e8e8.txt", "../outside.txt"),
                    encoding="utf-8")
    (corpus_copy.parent / "outside.txt").write_text("外部文件。", encoding="utf-8")
    with pytest.raises(CorpusError, match="points outside the corpus folder"):
        load_corpus(corpus_copy, progress=False)


def test_decode_rejects_non_text():
    from huayu.pipeline.corpus import DecodeError

    with pytest.raises(DecodeError, match="binary"):
        decode_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert decode_bytes("文本".encode("utf-16"))[1] == "utf-16"



def test_the_external_example_corpus_ships_as_published(repo_root):
    """data/external/state-council-and-congress: the two JSON Lines files byte for byte as published, with
    their README; 72 work reports and 16 congress reports, each with a text."""
    import json

    folder = repo_root / "data" / "external" / "state-council-and-congress"
    published = {"government_work_reports.jsonl": ("1d4eb8102366f5645e2b423b9659ff83f95aaa01377c62be6177860e71f18023", 72),
                 "cpc_congress_reports.jsonl": ("461cf818caac06b429de47a49f64504cec650b66001fc156d76f30844d7a5401", 16)}
    for name, (sha256, n_records) in published.items():
        data = (folder / name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == sha256, name
        records = [json.loads(line) for line in data.decode("utf-8").splitlines() if line.strip()]
        assert len(records) == n_records and all(r.get("content") for r in records), name
    assert (folder / "README.md").is_file()


def test_the_state_council_reports_make_a_valid_corpus(tmp_path):
    """The 52 annual work reports of data/external/ as a corpus folder validate (admin_level `national`)."""
    from _state_council import work_reports, write_corpus

    reports = work_reports()
    assert len(reports) == 52 and {r["year"] for r in reports} >= {1954, 1978, 2012, 2025}
    corpus = load_corpus(write_corpus(tmp_path / "sc", limit=6), progress=False)
    docs = corpus.documents_table
    assert len(docs) == 6 and set(docs["admin_level"]) == {"national"} and set(docs["genre"]) == {"work_report"}
    assert docs["doc_id"].is_unique


def test_the_synthetic_builder_draws_documents_of_about_the_asked_length(tmp_path):
    from _synthetic_corpus import write_corpus

    a = write_corpus(tmp_path / "a", 6, chars_per_document=3000, sources=("bundled", "external"), seed=5)
    b = write_corpus(tmp_path / "b", 6, chars_per_document=3000, sources=("bundled", "external"), seed=5)
    corpus = load_corpus(a, progress=False)
    lengths = corpus.documents_table["raw_text"].str.len()
    assert ((lengths >= 3000 - 1) & (lengths < 3000 + 1300)).all()  # one paragraph (≤ 1,255 chars) past the target at most
    assert [p.read_bytes() for p in sorted((a / "raw").iterdir())] == [p.read_bytes() for p in sorted((b / "raw").iterdir())]
