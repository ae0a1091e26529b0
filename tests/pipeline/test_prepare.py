"""End to end: `make prepare` / `python -m huayu prepare` write the stage tables and never touch raw data."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from huayu.paths import ROOT

FIXTURES = ROOT / "tests" / "fixtures"


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


def _cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "huayu", *args], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, "PYTHONHASHSEED": "0"})


def test_prepare_writes_every_table_and_keeps_raw_untouched(repo_root, bundled_out):
    raw_before = _digest(repo_root / "data" / "raw")
    interim, processed = bundled_out / "interim", bundled_out / "processed"
    for name in ("documents", "paragraphs", "sentences", "cleaning_log"):
        assert (interim / f"{name}.parquet").is_file() and (interim / f"{name}.csv").is_file()
    assert sorted(p.name for p in (interim / "clean_text").iterdir()) == [
        "anyuan_2022.txt", "changan_2023.txt", "laixi_2023.txt", "template_xx.txt", "xifeng_2021.txt"]
    docs = pd.read_parquet(interim / "documents.parquet")
    paragraphs = pd.read_parquet(interim / "paragraphs.parquet")
    sentences = pd.read_parquet(interim / "sentences.parquet")
    log = pd.read_csv(interim / "cleaning_log.csv", encoding="utf-8-sig")
    assert list(log.columns) == ["doc_id", "rule", "removed_text", "raw_char_start", "raw_char_end"]
    assert dict(docs.set_index("doc_id")["n_paragraphs"]) == {
        "changan_2023": 16, "xifeng_2021": 42, "template_xx": 8, "laixi_2023": 12, "anyuan_2022": 16}
    assert len(paragraphs) == 94 and len(log) == 20
    for doc in docs.itertuples():
        for s in sentences[sentences.doc_id == doc.doc_id].itertuples():
            assert doc.text[s.char_start:s.char_end] == s.text
    manifest = json.loads((interim / "prepare_manifest.json").read_text())
    assert len(manifest["corpus_sha256"]) == 64 and manifest["documents"] == 5
    tokens = pd.read_parquet(processed / "tokens.parquet")
    assert list(tokens.columns) == ["doc_id", "para_id", "sent_id", "token_index", "char_start", "char_end",
                                    "token", "pos", "is_stop", "is_punct", "is_formula"]
    texts = dict(zip(docs.doc_id, docs.text))
    sample = tokens.sample(500, random_state=0)
    for t in sample.itertuples():
        assert texts[t.doc_id][t.char_start:t.char_end] == t.token
    assert _digest(repo_root / "data" / "raw") == raw_before


def test_invalid_corpus_writes_nothing_and_exits_nonzero_without_traceback(tmp_path):
    result = _cli("prepare", "--corpus", str(FIXTURES / "bad_corpus"), "--out", str(tmp_path / "out"))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "problem(s)" in result.stderr and "listed file is missing" in result.stderr
    assert "unknown genre 'sermon'" in result.stderr
    assert not (tmp_path / "out").exists()


def test_failed_run_leaves_the_last_good_outputs(tmp_path, corpus_copy):
    out = tmp_path / "out"
    assert _cli("prepare", "--corpus", str(corpus_copy), "--out", str(out), "--no-segment").returncode == 0
    before = _digest(out / "interim")
    (corpus_copy / "raw" / "000_9d4fa8580e58e8e8.txt").write_bytes(b"\x00\x01\x02binary")
    result = _cli("prepare", "--corpus", str(corpus_copy), "--out", str(out), "--no-segment")
    assert result.returncode == 2 and "binary" in result.stderr
    assert _digest(out / "interim") == before


def test_unknown_segmentation_setting_lists_valid_ones(tmp_path):
    result = _cli("prepare", "--corpus", "data", "--out", str(tmp_path), "--set", "colour=blue")
    assert result.returncode == 2
    assert "colour" in result.stderr and "max_slogan_chars" in result.stderr
    assert not (tmp_path / "interim").exists()


def test_cleaning_can_be_switched_off(tmp_path):
    assert _cli("prepare", "--out", str(tmp_path), "--no-clean", "--no-segment").returncode == 0
    log = pd.read_parquet(tmp_path / "interim" / "cleaning_log.parquet")
    docs = pd.read_parquet(tmp_path / "interim" / "documents.parquet").set_index("doc_id")
    assert log.empty
    assert "【摘要】" in docs.loc["xifeng_2021", "text"]


def test_an_output_folder_that_is_a_file_is_named_without_a_traceback(tmp_path):
    not_a_folder = tmp_path / "out"
    not_a_folder.write_text("I am a file", encoding="utf-8")
    result = _cli("prepare", "--out", str(not_a_folder), "--no-segment")
    assert result.returncode == 1
    assert f"error: cannot use {not_a_folder / 'interim'}: Not a directory" in result.stderr
    assert "Traceback" not in result.stderr
    assert not_a_folder.read_text(encoding="utf-8") == "I am a file"


def test_help_helps():
    result = _cli("prepare", "--help")
    assert result.returncode == 0
    for option in ("--corpus", "--out", "--to-simplified", "--no-clean", "--set", "--force"):
        assert option in result.stdout
    top = _cli("--help")
    assert "prepare" in top.stdout and "run-notebook" in top.stdout


@pytest.mark.slow
def test_make_prepare_with_corpus_and_out(repo_root, tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(FIXTURES / "encodings_corpus", corpus)
    out = tmp_path / "out"
    result = subprocess.run(["make", "--no-print-directory", "prepare", f"CORPUS={corpus}", f"OUT={out}"],
                            cwd=repo_root, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (out / "processed" / "tokens.parquet").is_file()
    assert (out / "interim" / "documents.parquet").is_file()
    docs = pd.read_parquet(out / "interim" / "documents.parquet").set_index("doc_id")
    assert docs.loc["gbk", "encoding"] == "gb18030" and docs.loc["trad_big5", "script"] == "traditional"
    again = subprocess.run(["make", "--no-print-directory", "-q", "prepare", f"CORPUS={corpus}", f"OUT={out}"],
                           cwd=repo_root, capture_output=True, text=True)
    assert again.returncode == 0, "make -q prepare should report up to date after a run"


def test_workers_and_batches_give_the_same_tables_and_big_tables_get_no_csv(tmp_path, monkeypatch):
    from _synthetic_corpus import write_corpus
    from huayu.pipeline import prepare as prepare_module

    corpus = write_corpus(tmp_path / "corpus", 12, chars_per_document=1500, sources=("bundled", "external"))
    monkeypatch.setattr(prepare_module, "BATCH_DOCUMENTS", 5)  # three batches
    one = prepare_module.prepare(corpus, tmp_path / "one", segment=False, progress=False, workers=1)
    (tmp_path / "two" / "interim").mkdir(parents=True)
    (tmp_path / "two" / "interim" / "sentences.csv").write_text("stale\n")  # from an earlier, smaller corpus
    monkeypatch.setattr(prepare_module, "SPREADSHEET_MAX_ROWS", one.n_paragraphs)  # sentences no longer fit
    two = prepare_module.prepare(corpus, tmp_path / "two", segment=False, progress=False, workers=2)
    for name in ("documents", "paragraphs", "sentences", "cleaning_log"):
        pd.testing.assert_frame_equal(pd.read_parquet(one.interim_dir / f"{name}.parquet"),
                                      pd.read_parquet(two.interim_dir / f"{name}.parquet"))
    assert (two.interim_dir / "paragraphs.csv").is_file() and (two.interim_dir / "documents.csv").is_file()
    assert not (two.interim_dir / "sentences.csv").exists()
    assert one.n_sentences > one.n_paragraphs and (one.interim_dir / "sentences.csv").is_file()
    csv = pd.read_csv(one.interim_dir / "paragraphs.csv", encoding="utf-8-sig")
    assert len(csv) == one.n_paragraphs and list(csv.columns) == list(pd.read_parquet(
        one.interim_dir / "paragraphs.parquet").columns)
    assert not list(two.interim_dir.glob(".*.tmp")) and not list(two.interim_dir.glob(".*.staged"))


def test_prepare_batch_reports_a_bad_file_as_a_problem_not_an_exception(tmp_path):
    from huayu.pipeline.corpus import plan_corpus
    from huayu.pipeline.prepare import prepare_batch

    (tmp_path / "raw").mkdir()
    (tmp_path / "raw" / "a.txt").write_text("第一段。\n第二段。\n", encoding="utf-8")
    (tmp_path / "raw" / "b.txt").write_bytes(b"\x00\x01\x02binary")
    pd.DataFrame([{"doc_id": d, "file": f"raw/{d}.txt", "place_zh": "中国", "place_en": "China",
                   "prefecture": "unknown", "province": "unknown", "admin_level": "national", "date": "2020",
                   "date_certainty": "stated", "speakers": "unknown", "speaker_roles": "unknown", "event": "x",
                   "genre": "speech", "source": "x", "notes": ""} for d in "ab"]).to_csv(tmp_path / "metadata.csv",
                                                                                      index=False)
    plan = plan_corpus(tmp_path)
    assert not plan.problems
    batch = prepare_batch(plan.root, plan.entries, list(plan.metadata.columns), rules=[])
    assert batch.n_documents == 1 and batch.tables["paragraphs"].num_rows == 2
    assert [(i, "b.txt" in p.where) for i, p in batch.problems] == [(1, True)]
