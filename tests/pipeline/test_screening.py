"""Screening: near-empty stubs and texts mostly not in Chinese are reported by `prepare`, excluded on request."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from huayu.errors import CorpusError
from huayu.pipeline.corpus import load_corpus
from huayu.pipeline.screening import TextCounts, count_text, is_han, screen_text

STUB = "論聯合政府\n的版本包括：\n\n\n論聯合政府 (1945年)\n，1945年中共七大報告\n\n\n論聯合政府 (1953年)\n，1953年4月《毛澤東選集》第三卷"
ENGLISH = ("Fellow deputies, on behalf of the State Council, I will now report to you on the work of the government "
           "and ask for your deliberation and approval. ") * 3


def test_counts_by_hand():
    counts = count_text("GDP增长5%， 全年目标\n基本完成。\u200b")
    # not whitespace: G D P 增 长 5 % ， 全 年 目 标 基 本 完 成 。 = 17; Han: 10; other letters: G D P = 3
    assert (counts.chars, counts.han, counts.other_letters) == (17, 10, 3)
    assert counts.han_share == pytest.approx(10 / 13)
    assert count_text("2025，。").han_share == 1.0     # no letters: nothing says it is not Chinese


def _count_one_by_one(text: str) -> TextCounts:
    """The definition of the counts, character by character."""
    chars = han = other = 0
    for ch in text:
        if ch.isspace() or ch in "\u200b\u200c\u200d\ufeff":
            continue
        chars += 1
        if is_han(ch):
            han += 1
        elif ch.isalpha():
            other += 1
    return TextCounts(chars, han, other)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.one_of(st.characters(codec="utf-8"), st.sampled_from("\u200b\ufeff\u3000\u3400\u4dbf\u4e00\u9fff\u4dc0\ua000 \n")),
               max_size=80))
def test_counts_equal_the_definition_character_by_character(text):
    assert count_text(text) == _count_one_by_one(text)


def test_screen_text_flags_the_shipped_stub_and_an_english_translation():
    assert screen_text(STUB)[0].startswith("near-empty: 65 characters")
    assert screen_text(ENGLISH)[0].startswith("mostly not Chinese: 0%")
    chinese = "现在，我代表国务院，向大会报告政府工作，请予审议，并请全国政协委员提出意见。GDP增长5%左右。" * 5
    assert screen_text(chinese) == []
    mixed = chinese[:120] + ENGLISH * 2                  # a Chinese title page before an English translation
    assert screen_text(mixed)[0].startswith("mostly not Chinese")


def test_prepare_warns_and_excludes_on_request(corpus_copy):
    meta = pd.read_csv(corpus_copy / "metadata.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    (corpus_copy / meta.loc[0, "file"]).write_text(STUB, encoding="utf-8")
    (corpus_copy / meta.loc[1, "file"]).write_text(ENGLISH, encoding="utf-8")
    corpus = load_corpus(corpus_copy, progress=False)
    assert len(corpus.documents_table) == 5
    flagged = [w for w in corpus.warnings if "near-empty" in w or "not Chinese" in w]
    assert len(flagged) == 2 and all("--exclude-flagged" in w for w in flagged)
    assert flagged[0].startswith(meta.loc[0, "file"])
    corpus = load_corpus(corpus_copy, progress=False, exclude_flagged=True)
    assert list(corpus.documents_table["doc_id"]) == list(meta["doc_id"][2:])


def test_excluding_every_document_is_an_error(tmp_path, corpus_copy):
    meta = pd.read_csv(corpus_copy / "metadata.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    for f in meta["file"]:
        (corpus_copy / f).write_text(STUB, encoding="utf-8")
    with pytest.raises(CorpusError, match="every document was left out by --exclude-flagged"):
        load_corpus(corpus_copy, progress=False, exclude_flagged=True)


def test_the_bundled_corpus_has_nothing_to_flag(repo_root):
    assert [w for w in load_corpus(repo_root / "data", progress=False).warnings
            if "near-empty" in w or "not Chinese" in w] == []
