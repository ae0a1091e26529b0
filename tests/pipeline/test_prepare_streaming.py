"""prepare streams: each file read once (the evidence pass keeps the decoded texts for cleaning), and the
tokens segmented part by part (whole documents) give the tables of the whole sentences table at once."""

from __future__ import annotations

import pandas as pd
import pyarrow.parquet as pq
import pytest

from huayu.paths import ROOT


def _table(path):
    return pq.read_table(path).to_pandas()


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    from _synthetic_corpus import write_corpus

    folder = tmp_path_factory.mktemp("streaming")
    return write_corpus(folder / "corpus", 30, chars_per_document=2500, sources=("bundled", "external"))


def test_streamed_prepare_equals_cleaning_and_segmenting_the_whole_corpus_at_once(tmp_path, synthetic, monkeypatch):
    from huayu.pipeline import prepare as prepare_module
    from huayu.pipeline.corpus import load_corpus
    from huayu.pipeline.segment import SegmentSettings, cache

    monkeypatch.setattr(prepare_module, "BATCH_DOCUMENTS", 7)   # five cleaning batches
    monkeypatch.setattr(cache, "PART_CHARS", 12_000)            # about six segmentation parts
    result = prepare_module.prepare(synthetic, tmp_path / "out", progress=False, workers=2)
    interim, processed = result.interim_dir, result.processed_dir
    assert len(list(cache.sentence_parts(interim / "sentences.parquet"))) >= 5
    assert not list(interim.glob(".prepare-reads-*")), "the decoded texts kept between the passes are removed"
    whole = prepare_module.clean_corpus(load_corpus(synthetic, progress=False), progress=False)
    for name in ("paragraphs", "sentences", "cleaning_log"):
        pd.testing.assert_frame_equal(_table(interim / f"{name}.parquet"), whole[name], check_dtype=False)
    # the reference: the whole sentences table segmented at once, in one part
    sentences = pd.read_parquet(interim / "sentences.parquet")
    cache.write_tokens(sentences, tmp_path / "at-once", SegmentSettings(), progress=False)
    for name in ("tokens", "token_parts"):
        pd.testing.assert_frame_equal(_table(processed / f"{name}.parquet"),
                                      _table(tmp_path / "at-once" / f"{name}.parquet"))
    # the same cache key either way: the streamed run is up to date for the whole-table writer and back
    assert cache.write_tokens(sentences, processed, SegmentSettings(), progress=False)[1] is False
    assert cache.write_tokens_from_parquet(interim / "sentences.parquet", tmp_path / "at-once", SegmentSettings(),
                                           progress=False)[1] is False


def test_parts_find_the_corpus_formula_words_themselves_when_not_given(tmp_path, bundled_out):
    from huayu.pipeline.segment import SegmentSettings, cache
    from huayu.pipeline.segment.engine import formula_words

    sentences = bundled_out / "interim" / "sentences.parquet"
    everywhere = formula_words(pd.read_parquet(sentences)["text"].tolist(), SegmentSettings())
    assert everywhere
    parts = list(cache.sentence_parts(sentences, part_chars=1))  # one document per part
    assert [p["doc_id"].nunique() for p in parts] == [1] * 5
    found = cache.write_tokens_from_parquet(sentences, tmp_path / "found", SegmentSettings(), part_chars=1,
                                            progress=False)[0]
    given = cache.write_tokens_from_parquet(sentences, tmp_path / "given", SegmentSettings(), part_chars=1,
                                            formula_words=everywhere, progress=False)[0]
    pd.testing.assert_frame_equal(_table(found), _table(given))
    pd.testing.assert_frame_equal(_table(found), _table(bundled_out / "processed" / "tokens.parquet"))


def test_each_file_is_read_and_decoded_once(tmp_path, synthetic, monkeypatch):
    from huayu.pipeline import clean
    from huayu.pipeline import prepare as prepare_module

    assert any(r.kind == "repeated" for r in clean.load_rules())  # so there are two passes
    calls = []
    real = prepare_module.read_document
    monkeypatch.setattr(prepare_module, "read_document", lambda *a, **k: calls.append(a[2]["doc_id"]) or real(*a, **k))
    result = prepare_module.prepare(synthetic, tmp_path / "out", segment=False, progress=False, workers=1)
    assert len(calls) == len(set(calls)) == result.n_documents == 30


def test_a_document_left_out_still_gives_evidence_and_is_read_twice_only_itself(tmp_path, corpus_copy, monkeypatch):
    from huayu.pipeline import prepare as prepare_module

    stub = corpus_copy / "raw" / "002_11807d7a74c58c6f.txt"  # template_xx
    stub.write_text("通知\n", encoding="utf-8")  # near-empty: left out with exclude_flagged
    calls = []
    real = prepare_module.read_document
    monkeypatch.setattr(prepare_module, "read_document", lambda *a, **k: calls.append(a[2]["doc_id"]) or real(*a, **k))
    kept = prepare_module.prepare(corpus_copy, tmp_path / "out", segment=False, progress=False, workers=1,
                                  exclude_flagged=True)
    assert kept.n_documents == 4
    assert sorted(calls) == sorted(["anyuan_2022", "changan_2023", "laixi_2023", "xifeng_2021", "template_xx",
                                    "template_xx"])
