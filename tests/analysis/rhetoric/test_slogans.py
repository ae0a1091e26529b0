"""Quoted slogans: quotations (nested too), length, frequency, sharing across documents."""

from __future__ import annotations

import pandas as pd
import pytest

from huayu.errors import ParameterError
from huayu.analysis.rhetoric.slogans import quotations, shared_slogans, slogan_counts, slogan_frequencies, slogan_table

DOCS = pd.DataFrame({
    "doc_id": ["a", "b", "c"],
    "text": [
        "深化“放管服”改革,坚持“人民城市人民建”。增强“四个意识”。再谈“放管服”。",
        "推进“放管服”改革。“城,所以盛民也。”做到“两个维护”和“四个意识”。",
        "坚决贯彻市委“奋力推进‘五区’建设、打造最美转型城市”战略部署,围绕“稳”字。",
    ],
})


def test_quotations_finds_nested_quotes_with_offsets():
    text = DOCS.loc[2, "text"]
    q = quotations(text)
    assert list(q["content"]) == ["奋力推进‘五区’建设、打造最美转型城市", "五区", "稳"]
    for start, end, content in zip(q["start"], q["end"], q["content"]):
        assert text[start:end] == content


def test_slogan_table_lengths_kinds_and_clause_punctuation():
    t = slogan_table(DOCS)
    assert list(t["slogan"]) == ["放管服", "人民城市人民建", "四个意识", "放管服",
                                 "放管服", "两个维护", "四个意识", "五区"]
    # “城,所以盛民也。” holds clause punctuation: a quoted sentence, not a slogan; “稳” is one character.
    assert "城,所以盛民也。" not in set(t["slogan"]) and "稳" not in set(t["slogan"])
    assert list(t["n_chars"]) == [3, 7, 4, 3, 3, 4, 4, 2]
    kinds = dict(zip(t["slogan"], t["formula_kind"]))
    assert kinds == {"放管服": "", "人民城市人民建": "", "四个意识": "numbered", "两个维护": "numbered", "五区": "numbered"}
    assert t.loc[t["slogan"] == "四个意识", "normalized"].iloc[0] == "4个意识"
    for d, s, e, slogan in zip(t["doc_id"], t["char_start"], t["char_end"], t["slogan"]):
        assert DOCS.set_index("doc_id").loc[d, "text"][s:e] == slogan


def test_frequencies_and_shared():
    t = slogan_table(DOCS)
    f = slogan_frequencies(t).set_index("slogan")
    assert f.loc["放管服", "total"] == 3 and f.loc["放管服", "n_docs"] == 2
    assert f.loc["放管服", "a"] == 2 and f.loc["放管服", "b"] == 1 and f.loc["放管服", "c"] == 0
    assert f.loc["人民城市人民建", "n_chars"] == 7
    shared = shared_slogans(t)
    assert list(shared["slogan"]) == ["放管服", "四个意识"]  # n_docs 2, then total (3 before 2)
    assert shared_slogans(t, min_docs=3).empty
    counts = slogan_counts(t, min_docs=2)
    assert list(counts.index) == ["放管服", "四个意识"] and list(counts.columns) == ["a", "b", "c"]
    assert counts.loc["放管服"].tolist() == [2, 1, 0]


def test_length_limits_and_sentence_ids():
    sents = pd.DataFrame({"doc_id": ["a", "a", "a"], "sent_id": [0, 1, 2], "char_start": [0, 22, 31],
                          "char_end": [22, 31, 39], "text": ["", "", ""]})
    t = slogan_table(DOCS.iloc[:1], sents, max_chars=4)
    assert list(t["slogan"]) == ["放管服", "四个意识", "放管服"]
    assert list(t["sent_id"]) == [0, 1, 2]
    with pytest.raises(ParameterError, match="max_chars"):
        slogan_table(DOCS, min_chars=5, max_chars=3)


def test_formula_kinds_from_the_formula_table_equal_the_finder():
    from huayu.analysis.rhetoric.formulas import formula_table

    table = formula_table(DOCS)
    looked_up = slogan_table(DOCS, formulas=table)
    pd.testing.assert_frame_equal(looked_up, slogan_table(DOCS))
    assert "numbered" in set(looked_up["formula_kind"])
    with pytest.raises(ParameterError, match="formulas: a formula_table of the kinds"):
        slogan_table(DOCS, formulas=formula_table(DOCS, kinds=["numbered"]))


def test_sentence_at_finds_the_sentence_of_each_span_across_documents():
    from huayu.analysis.rhetoric.formulas import sentence_at

    # sentences deliberately out of order and of interleaved documents; document "z" has no sentences
    sents = pd.DataFrame({"doc_id": ["b", "a", "b", "a", "a"], "sent_id": [1, 2, 0, 0, 1],
                          "char_start": [10, 20, 0, 0, 10], "text": ["b1", "a2", "b0", "a0", "a1"]})
    spans = pd.DataFrame({"doc_id": ["a", "a", "b", "z", "a", "b"], "char_start": [0, 25, 9, 3, 10, 10]})
    ids, texts = sentence_at(spans, sents)
    assert ids.tolist() == [0, 2, 0, -1, 1, 1]
    assert texts.tolist() == ["a0", "a2", "b0", "", "a1", "b1"]
    late = pd.DataFrame({"doc_id": ["b"], "char_start": [5]})
    assert sentence_at(late, sents.iloc[[0]])[0].tolist() == [-1]  # before the first sentence of b
