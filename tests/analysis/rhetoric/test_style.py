"""Style: sentence lengths, four-character shares and parallel runs, against hand counts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from huayu.errors import ParameterError
from huayu.analysis.rhetoric.style import clauses, four_char_shares, length_summary, parallel_runs, parallelism_summary, sentence_lengths

PUNCT = set(",、;:。!?“”")


def _tokens(paragraphs: dict[str, list[list[str]]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``{doc_id: [[tokens of paragraph 0], …]}`` → (documents, tokens); paragraphs joined by "\\n";
    a sentence ends after 。"""
    docs, rows = [], []
    for doc_id, paras in paragraphs.items():
        offset, index, sent = 0, 0, 0
        for para_id, words in enumerate(paras):
            for w in words:
                rows.append((doc_id, para_id, sent, index, offset, offset + len(w), w, w in PUNCT))
                offset += len(w)
                index += 1
                if w == "。":
                    sent += 1
            offset += 1
            sent += 0 if words and words[-1] == "。" else 1
        docs.append((doc_id, "\n".join("".join(p) for p in paras)))
    t = pd.DataFrame(rows, columns=["doc_id", "para_id", "sent_id", "token_index", "char_start", "char_end", "token",
                                    "is_punct"])
    return pd.DataFrame(docs, columns=["doc_id", "text"]), t


def test_sentence_lengths_and_summary():
    sents = pd.DataFrame({"doc_id": ["a", "a", "a", "b"], "sent_id": [0, 1, 2, 0],
                          "text": ["要稳投资。", "“放管服”改革,5G基站!", "好。", "一二三四五六七八九十。"]})
    lengths = sentence_lengths(sents)
    assert list(lengths["n_chars"]) == [4, 9, 1, 10]  # 放管服改革 + 5G基站 = 5 + 4
    s = length_summary(lengths).set_index("doc_id")
    assert s.loc["a", "n_sentences"] == 3
    assert s.loc["a", "mean"] == pytest.approx(14 / 3)
    assert s.loc["a", "median"] == 4 and s.loc["a", "max"] == 9
    assert s.loc["a", "q1"] == pytest.approx(2.5) and s.loc["a", "q3"] == pytest.approx(6.5)
    assert s.loc["a", "sd"] == pytest.approx(pd.Series([4, 9, 1]).std())


def test_four_character_shares():
    docs, tokens = _tokens({"a": [["早干快干", "、", "苦干", "实干", ",", "抓", "落实", "。"]],
                            "b": [["一", "二", "三", "。"]]})
    out = four_char_shares(docs, tokens).set_index("doc_id")
    # Segments of a: 早干快干 | 苦干实干 | 抓落实 → 2 of 3 are four Han characters.
    assert out.loc["a", "n_segments"] == 3 and out.loc["a", "n_4char_segments"] == 2
    assert out.loc["a", "share_4char_segments"] == pytest.approx(2 / 3)
    # Word tokens of a: 早干快干 苦干 实干 抓 落实 → 1 of 5 is four Han characters.
    assert out.loc["a", "share_4char_tokens"] == pytest.approx(1 / 5)
    assert out.loc["b", "share_4char_segments"] == 0 and out.loc["b", "share_4char_tokens"] == 0


def _four_char_shares_by_explode(documents_table, tokens):
    """The previous implementation (every segment and token a Python string), the reference of the new one."""
    word, han = r"[\u3400-\u4dbf\u4e00-\u9fffA-Za-z0-9]", r"[\u3400-\u4dbf\u4e00-\u9fff]"
    segs = documents_table["text"].astype("str").str.findall(rf"{word}+")
    seg = pd.DataFrame({"doc_id": documents_table["doc_id"].to_numpy(), "seg": segs.to_numpy()}).explode("seg")
    seg = seg.dropna(subset=["seg"])
    seg["seg"] = seg["seg"].astype("str")
    seg = seg[seg["seg"].str.contains(han)]
    seg["four"] = seg["seg"].str.fullmatch(rf"{han}{{4}}")
    g = seg.groupby("doc_id", sort=False)
    out = pd.DataFrame({"doc_id": documents_table["doc_id"].to_numpy()}).set_index("doc_id")
    out["n_segments"] = g.size()
    out["n_4char_segments"] = g["four"].sum()
    out = out.fillna(0).astype("int64")
    words = tokens[~tokens["is_punct"].astype(bool)]
    four = words["token"].astype("str").str.fullmatch(rf"{han}{{4}}")
    gt = four.groupby(words["doc_id"], sort=False)
    out["n_tokens"] = gt.size().reindex(out.index).fillna(0).astype("int64")
    out["n_4char_tokens"] = gt.sum().reindex(out.index).fillna(0).astype("int64")
    return out.reset_index()


_PIECES = ["早", "干", "快", "实", "㐀", "抓落实", "苦干实干", "5G", "ab", "7", ",", "、", "。", " ", "“", "”", "\n"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.lists(st.sampled_from(_PIECES), max_size=14), min_size=1, max_size=3), min_size=1,
                max_size=3), st.booleans())
def test_four_character_shares_equal_the_explode_implementation(documents, categorical):
    docs, tokens = _tokens({f"d{i}": paras for i, paras in enumerate(documents)})
    tokens["is_punct"] = tokens["token"].isin(PUNCT | {" ", "\n"})
    if categorical:
        tokens["token"] = tokens["token"].astype("category")
    got = four_char_shares(docs, tokens)
    expected = _four_char_shares_by_explode(docs, tokens)
    for column in ("n_segments", "n_4char_segments", "n_tokens", "n_4char_tokens"):
        assert got[column].tolist() == expected[column].tolist(), column
    assert got["doc_id"].tolist() == expected["doc_id"].tolist()


def test_token_flags_categorical_and_plain():
    from huayu.analysis.rhetoric.style import token_flags

    plain = pd.Series(["一二三四", "二", "一二三四", "五六七八"])
    expected = [True, False, True, True]
    assert token_flags(plain, lambda t: len(t) == 4).tolist() == expected
    assert token_flags(plain.astype("category"), lambda t: len(t) == 4).tolist() == expected
    assert token_flags(plain.iloc[:0], len).dtype == np.bool_


def test_parallel_runs_at_clause_and_phrase_level():
    docs, tokens = _tokens({"a": [
        ["要", "稳", "投资", ";", "要", "保", "就业", ",", "扩大", "内需", ";", "要", "稳", "物价", "。"],
        ["把", "项目", "倾斜", ",", "把", "资金", "靠拢", ",", "把", "资源", "整合", "。"],
        ["坚持", "人民", "、", "坚持", "系统", "、", "坚持", "创新", "。"],
        ["一是", "稳", ",", "二是", "进", ",", "三", "是", "好", "。"],
    ]})
    runs = parallel_runs(tokens, docs)
    got = list(zip(runs["para_id"], runs["level"], runs["opening"], runs["n_clauses"]))
    # Paragraph 0: 要, 要, 扩大, 要 — broken by 扩大: no run. Paragraph 1: a clause run of 把 (the identical
    # phrase run is not counted again). Paragraph 2: a phrase run of 坚持. Paragraph 3: an enumeration N是.
    assert got == [(1, "clause", "把", 3), (2, "phrase", "坚持", 3), (3, "clause", "N是", 3)]
    assert runs.loc[0, "text"] == "把项目倾斜,把资金靠拢,把资源整合"
    summary = parallelism_summary(tokens).set_index("doc_id")
    assert summary.loc["a", "n_clauses"] == 4 + 3 + 1 + 3
    assert summary.loc["a", "n_runs"] == 3
    assert summary.loc["a", "share_in_runs"] == pytest.approx(6 / 11)
    assert summary.loc["a", "longest_run"] == 3


def test_clause_openings_normalise_ordinals():
    docs, tokens = _tokens({"a": [["第一", ",", "修路", ";", "一", "要", "稳", ",", "二要", "进", "。"]]})
    cl = clauses(tokens)
    assert list(cl["opening"]) == ["第N", "修路", "N要", "N要"]
    ph = clauses(tokens, "phrase")
    assert len(ph) == len(cl)
    with pytest.raises(ParameterError, match="clause, phrase"):
        clauses(tokens, "sentence")
    with pytest.raises(ParameterError, match="min_run"):
        parallel_runs(tokens, min_run=1)


def _clauses_by_groupby(tokens, level="clause"):
    """The previous implementation of :func:`clauses` (token strings, a pandas groupby, the opening per
    clause), the reference of the vectorised one."""
    from huayu.analysis.rhetoric.style import CLAUSE_PUNCT, PHRASE_PUNCT, _opening

    punct = CLAUSE_PUNCT if level == "clause" else PHRASE_PUNCT
    t = tokens
    tok = t["token"].astype("str")
    is_punct = t["is_punct"].astype(bool).to_numpy()
    breaks = is_punct & tok.isin(punct | {"……"}).to_numpy()
    doc = t["doc_id"].to_numpy()
    para = t["para_id"].to_numpy()
    new_doc = np.r_[True, doc[1:] != doc[:-1]]
    new_para = np.r_[True, para[1:] != para[:-1]] | new_doc
    clause_global = np.cumsum(new_para | np.r_[False, breaks[:-1]])
    keep = ~is_punct
    w = pd.DataFrame({"doc_id": doc[keep], "para_id": para[keep], "cg": clause_global[keep],
                      "char_start": t["char_start"].to_numpy()[keep], "char_end": t["char_end"].to_numpy()[keep],
                      "token": tok.to_numpy()[keep]})
    g = w.groupby("cg", sort=True)
    first = g["token"].nth(0).to_numpy()
    pos_in = g.cumcount().to_numpy()
    second = pd.Series(w["token"].to_numpy()[pos_in == 1], index=w["cg"].to_numpy()[pos_in == 1])
    out = pd.DataFrame({"doc_id": g["doc_id"].first(), "para_id": g["para_id"].first().astype("int64"),
                        "char_start": g["char_start"].min().astype("int64"),
                        "char_end": g["char_end"].max().astype("int64"), "n_tokens": g.size().astype("int64"),
                        "first": first})
    out["second"] = second.reindex(out.index).fillna("").astype("str").to_numpy()
    out["opening"] = [_opening(a, b) for a, b in zip(out["first"], out["second"])]
    out["clause"] = out.groupby("doc_id", sort=False).cumcount().astype("int64")
    return out[["doc_id", "para_id", "clause", "char_start", "char_end", "n_tokens", "opening"]].reset_index(drop=True)


_CLAUSE_PIECES = ["要", "一是", "二是", "第一", "三", "是", "坚持", "稳", "投资", ",", "、", ";", "。", "……", "“"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.lists(st.sampled_from(_CLAUSE_PIECES), max_size=16), min_size=1, max_size=3),
                min_size=1, max_size=3), st.sampled_from(["clause", "phrase"]), st.booleans())
def test_clauses_equal_the_groupby_implementation(documents, level, categorical):
    _, tokens = _tokens({f"d{i}": paras for i, paras in enumerate(documents)})
    tokens["is_punct"] = tokens["token"].isin(PUNCT | {";", "……"})
    if categorical:
        tokens["token"] = tokens["token"].astype("category")
        tokens["doc_id"] = tokens["doc_id"].astype("category")
    got = clauses(tokens, level)
    if not (~tokens["is_punct"]).any():
        assert got.empty
        return
    expected = _clauses_by_groupby(tokens, level)
    assert got.astype({"doc_id": str}).to_dict("list") == expected.astype({"doc_id": str}).to_dict("list")


def test_word_char_counts_equal_the_regular_expression():
    import random

    from huayu.analysis.rhetoric.style import _WORD_CHAR, word_char_counts

    rng = random.Random(0)
    # the ends of every range and their neighbours, an astral character, punctuation and spaces
    alphabet = list("中国要abcXYZ09 ,。、“”\n㐀䶿一鿿𠀀") + [chr(c) for c in (0x4DC0, 0xA000, 0x2F, 0x3A, 0x40, 0x5B, 0x60,
                                                                       0x7B, 0x33FF)]
    texts = pd.Series(["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30))) for _ in range(3000)],
                      dtype="str")
    expected = texts.str.count(_WORD_CHAR).astype("int64").to_numpy()
    np.testing.assert_array_equal(word_char_counts(texts, chunk=97), expected)
    assert word_char_counts(pd.Series(["一是a1,。"], dtype="str")).tolist() == [4]


def test_segment_counts_equal_the_regular_expressions():
    import random

    from huayu.analysis.rhetoric.style import _FOUR_HAN_SEGMENT, _HAN_SEGMENT, segment_counts

    rng = random.Random(1)
    alphabet = list("中国要abcXYZ09 ,。、“”\n㐀䶿一鿿𠀀") + [chr(c) for c in (0x4DC0, 0xA000, 0x2F, 0x3A, 0x40, 0x5B, 0x60,
                                                                       0x7B, 0x33FF)]
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40))) for _ in range(2000)]
    for chunk_chars in (10, 1000, 10**7):  # texts joined a few at a time, or all at once
        seg, four = segment_counts(texts, chunk_chars=chunk_chars)
        assert seg.tolist() == [len(_HAN_SEGMENT.findall(t)) for t in texts]
        assert four.tolist() == [len(_FOUR_HAN_SEGMENT.findall(t)) for t in texts]
    seg, four = segment_counts(["早干快干、苦干实干,ab12中文", "", "abc"])
    assert seg.tolist() == [3, 0, 0] and four.tolist() == [2, 0, 0]
