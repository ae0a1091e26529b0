"""Style: sentence lengths, four-character shares and parallel runs, against hand counts."""

from __future__ import annotations

import pandas as pd
import pytest

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
