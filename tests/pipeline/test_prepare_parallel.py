"""prepare does each piece of work once and off the main process where it can: the formula spans found while
cleaning are not looked for again by segmentation, the CSV copies are rendered by the cleaning workers and
written as the batches come, clean_text/ and the corpus hash are made by background processes. Each must
write the same bytes as the way it replaces."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    from _synthetic_corpus import write_corpus

    folder = tmp_path_factory.mktemp("parallel")
    return write_corpus(folder / "corpus", 24, chars_per_document=2500, sources=("bundled", "external"))


@pytest.fixture(scope="module")
def prepared(tmp_path_factory, synthetic):
    from huayu.pipeline import prepare as prepare_module

    out = tmp_path_factory.mktemp("prepared") / "out"
    return prepare_module.prepare(synthetic, out, progress=False, workers=2, segment=False)


def _same_bytes(a, b) -> bool:
    return a.read_bytes() == b.read_bytes()


def test_formula_spans_found_while_cleaning_are_those_segmentation_finds(tmp_path, prepared):
    from huayu.pipeline.segment import SegmentSettings, cache, get_segmenter
    from huayu.pipeline.segment.engine import formula_words, sentence_formula_spans

    sentences = prepared.interim_dir / "sentences.parquet"
    texts = pd.read_parquet(sentences)["text"].tolist()
    rows, starts, ends = sentence_formula_spans(texts, SegmentSettings())
    assert len(rows) and np.all(np.diff(rows) >= 0) and np.all(ends > starts)
    words = {texts[r][a:b] for r, a, b in zip(rows.tolist(), starts.tolist(), ends.tolist())}
    assert words == formula_words(texts, SegmentSettings())
    # by hand: a sentence's own spans, each a substring of it
    one = int(rows[0])
    assert {(int(a), int(b)) for r, a, b in zip(rows, starts, ends) if r == one} == set(
        get_segmenter(SegmentSettings()).formula_spans(texts[one]))
    for part_chars, workers in ((8_000, 2), (8_000, 1), (None, 2)):
        found = cache.write_tokens_from_parquet(sentences, tmp_path / f"found-{part_chars}-{workers}",
                                                SegmentSettings(workers=workers), part_chars=part_chars,
                                                formula_words=words, progress=False)[0]
        given = cache.write_tokens_from_parquet(sentences, tmp_path / f"given-{part_chars}-{workers}",
                                                SegmentSettings(workers=workers), part_chars=part_chars,
                                                formula_words=words, formula_spans=(rows, starts, ends),
                                                progress=False)[0]
        for name in ("tokens.parquet", "token_parts.parquet"):
            assert _same_bytes(found.with_name(name), given.with_name(name)), (name, part_chars, workers)


def test_prepare_gives_segmentation_the_spans_it_found_while_cleaning(tmp_path, synthetic, monkeypatch):
    from huayu.pipeline import prepare as prepare_module
    from huayu.pipeline.segment import cache

    given = []
    real = cache.write_tokens_from_parquet
    monkeypatch.setattr(cache, "write_tokens_from_parquet",
                        lambda *a, **k: given.append(k.get("formula_spans")) or real(*a, **k))
    result = prepare_module.prepare(synthetic, tmp_path / "out", progress=False, workers=2)
    (rows, starts, ends), = given
    assert len(rows) and rows.max() < result.n_sentences
    texts = pd.read_parquet(result.interim_dir / "sentences.parquet")["text"].tolist()
    from huayu.pipeline.segment import SegmentSettings
    from huayu.pipeline.segment.engine import sentence_formula_spans

    expected = sentence_formula_spans(texts, SegmentSettings())
    for got, want in zip((rows, starts, ends), expected):
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("workers", [1, 2])
def test_streamed_csv_copies_are_the_copies_of_the_parquet_tables(tmp_path, synthetic, monkeypatch, workers):
    from huayu.pipeline import prepare as prepare_module

    first = prepare_module.prepare(synthetic, tmp_path / "first", progress=False, workers=workers, segment=False)
    limit = first.n_paragraphs  # the sentences table outgrows a "spreadsheet" while the batches come
    assert first.n_sentences > limit
    monkeypatch.setattr(prepare_module, "SPREADSHEET_MAX_ROWS", limit)
    monkeypatch.setattr(prepare_module, "BATCH_DOCUMENTS", 5)
    result = prepare_module.prepare(synthetic, tmp_path / "out", progress=False, workers=workers, segment=False)
    interim = result.interim_dir
    for name in prepare_module.TABLE_NAMES:
        if name == "sentences":
            assert not (interim / "sentences.csv").exists()
            continue
        reference = tmp_path / f"{name}.reference.csv"  # the copy as it was written before: from the parquet file
        prepare_module._write_csv_copy(interim / f"{name}.parquet", reference,
                                       drop=prepare_module.CSV_DROP.get(name, ()))
        assert _same_bytes(interim / f"{name}.csv", reference), name
        assert _same_bytes(interim / f"{name}.csv", first.interim_dir / f"{name}.csv"), name
    assert not list(interim.glob(".*.tmp")), "no staged file is left behind"


def test_background_work_returns_its_value_and_raises_its_error():
    from huayu.pipeline.prepare import Background

    assert Background(sum, [1, 2, 3]).result() == 6
    with pytest.raises(ZeroDivisionError):
        Background(divmod, 1, 0).result()


def test_a_csv_copy_suspended_on_the_way_is_completed_from_the_parquet_file_when_the_table_fits(
        tmp_path, synthetic, monkeypatch):
    from huayu.pipeline import prepare as prepare_module

    reference = prepare_module.prepare(synthetic, tmp_path / "reference", progress=False, workers=2, segment=False)
    monkeypatch.setattr(prepare_module._TableWriters, "_outgrows", lambda self, name: True)  # a wrong forecast
    monkeypatch.setattr(prepare_module, "BATCH_DOCUMENTS", 5)
    result = prepare_module.prepare(synthetic, tmp_path / "out", progress=False, workers=2, segment=False)
    for name in prepare_module.TABLE_NAMES:
        assert _same_bytes(result.interim_dir / f"{name}.csv", reference.interim_dir / f"{name}.csv"), name
