"""Directive modality: lexicon, matching at token boundaries, rates and the sentence bootstrap."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from huayu.errors import ParameterError
from huayu.analysis.rhetoric.modality import (CATEGORIES, bootstrap_rates, load_modality_lexicon, modality_matches, modality_rates,
                            sentence_counts)


def _tables(sentences: dict[str, list[list[str]]]):
    """Documents and tokens from ``{doc_id: [[tokens of sentence 0], …]}`` (sentences joined directly)."""
    docs, rows = [], []
    for doc_id, sents in sentences.items():
        offset, index = 0, 0
        for sent_id, words in enumerate(sents):
            for w in words:
                rows.append((doc_id, 0, sent_id, index, offset, offset + len(w), w, w in "。,、"))
                offset += len(w)
                index += 1
        docs.append((doc_id, "".join("".join(s) for s in sents)))
    tokens = pd.DataFrame(rows, columns=["doc_id", "para_id", "sent_id", "token_index", "char_start", "char_end",
                                         "token", "is_punct"])
    return pd.DataFrame(docs, columns=["doc_id", "text"]), tokens


LEX = pd.DataFrame({"word": ["要", "全力", "全力以赴", "狠抓", "重要", "坚持"],
                    "category": ["directive", "directive", "mobilisation", "mobilisation", "evaluation", "commitment"]})


def test_lexicon_file_is_valid_and_documented():
    lex = load_modality_lexicon()
    assert set(lex["category"]) == set(CATEGORIES)
    assert not lex["word"].duplicated().any()
    assert (lex["source"].str.len() > 0).all() and (lex["gloss_en"].str.len() > 0).all()
    for w in ("要", "必须", "务必", "坚决", "确保", "全力", "力争"):
        assert lex.set_index("word").loc[w, "category"] == "directive"


def test_matching_respects_token_boundaries_and_longest_first():
    docs, tokens = _tables({"a": [["重要", "的", "是", "要", "狠抓落实", "。"], ["全力以赴", ",", "全力", "推进", "。"],
                                  ["需要", "主要", "坚持", "。"]]})
    m = modality_matches(docs, tokens, LEX)
    assert list(m["word"]) == ["重要", "要", "狠抓", "全力以赴", "全力", "坚持"]
    assert list(m["category"]) == ["evaluation", "directive", "mobilisation", "mobilisation", "directive",
                                   "commitment"]
    assert list(m["sent_id"]) == [0, 0, 0, 1, 1, 2]
    # 要 inside 重要/需要/主要 is never counted; 全力 inside 全力以赴 is not counted twice.
    assert (m["word"] == "要").sum() == 1 and (m["word"] == "全力").sum() == 1
    text = docs.loc[0, "text"]
    for s, e, w in zip(m["char_start"], m["char_end"], m["word"]):
        assert text[s:e] == w


def test_split_multiword_entry_is_still_matched():
    docs, tokens = _tables({"a": [["全力", "以赴", "。"]]})
    m = modality_matches(docs, tokens, LEX)
    assert list(m["word"]) == ["全力以赴"]


def test_rates_are_hand_computed():
    # Document a: 2 sentences, 4 + 3 word tokens; 要 twice (directive), 坚持 once (commitment).
    docs, tokens = _tables({"a": [["要", "坚持", "要", "干", "。"], ["我们", "都", "来", "。"]],
                            "b": [["他们", "干", "。"]]})
    m = modality_matches(docs, tokens, LEX)
    r = modality_rates(m, tokens, n_boot=200, random_state=1).set_index(["doc_id", "category"])
    assert r.loc[("a", "directive"), "count"] == 2
    assert r.loc[("a", "directive"), "n_tokens"] == 7
    assert r.loc[("a", "directive"), "rate"] == pytest.approx(1000 * 2 / 7)
    assert r.loc[("a", "commitment"), "rate"] == pytest.approx(1000 / 7)
    assert r.loc[("b", "directive"), "rate"] == 0 and r.loc[("b", "directive"), "ci_high"] == 0
    a_dir = r.loc[("a", "directive")]
    assert a_dir["ci_low"] <= a_dir["rate"] <= a_dir["ci_high"]
    counts = sentence_counts(m, tokens)
    assert list(counts["n_tokens"]) == [4, 3, 2] and list(counts["directive"]) == [2, 0, 0]


def test_bootstrap_distribution_of_two_sentences_matches_its_exact_law():
    # Sentences: (1 match, 1 token) and (0 matches, 1 token). A resample of 2 sentences has rate 1000 with
    # probability 1/4, 500 with probability 1/2 and 0 with probability 1/4.
    reps = bootstrap_rates(np.array([[1.0], [0.0]]), np.array([1.0, 1.0]), n_boot=20000,
                           rng=np.random.default_rng(7))[:, 0]
    assert set(np.unique(reps)) == {0.0, 500.0, 1000.0}
    assert np.mean(reps == 1000.0) == pytest.approx(0.25, abs=0.015)
    assert np.mean(reps == 500.0) == pytest.approx(0.5, abs=0.015)


def test_bootstrap_standard_error_matches_the_delta_method():
    # Many sentences with equal length: the rate is a mean; its bootstrap SE ≈ sd/√S (Efron & Tibshirani ch. 6).
    rng = np.random.default_rng(3)
    x = rng.poisson(2.0, size=(400, 1)).astype(float)
    n = np.full(400, 20.0)
    reps = bootstrap_rates(x, n, n_boot=4000, rng=np.random.default_rng(11))[:, 0]
    se_expected = 1000 * x[:, 0].std(ddof=0) / 20 / np.sqrt(400)
    assert reps.std() == pytest.approx(se_expected, rel=0.06)


def test_fixed_seed_gives_identical_intervals():
    rng = np.random.default_rng(0)
    sents = [["要"] * int(k) + ["干"] * int(j) + ["。"] for k, j in zip(rng.integers(0, 4, 30), rng.integers(1, 6, 30))]
    docs, tokens = _tables({"a": sents})
    m = modality_matches(docs, tokens, LEX)
    a = modality_rates(m, tokens, n_boot=300, random_state=5)
    b = modality_rates(m, tokens, n_boot=300, random_state=5)
    c = modality_rates(m, tokens, n_boot=300, random_state=6)
    pd.testing.assert_frame_equal(a, b)
    d = a[a["category"] == "directive"].iloc[0], c[c["category"] == "directive"].iloc[0]
    assert (d[0]["ci_low"], d[0]["ci_high"]) != (d[1]["ci_low"], d[1]["ci_high"])
    assert d[0]["rate"] == d[1]["rate"]


def test_bad_parameters():
    docs, tokens = _tables({"a": [["要", "。"]]})
    m = modality_matches(docs, tokens, LEX)
    with pytest.raises(ParameterError, match="ci="):
        modality_rates(m, tokens, ci=95)
    with pytest.raises(ParameterError, match="directive, mobilisation, commitment, evaluation"):
        modality_rates(m, tokens, categories=["obligation"])
    with pytest.raises(ParameterError, match="unknown category"):
        modality_matches(docs, tokens, pd.DataFrame({"word": ["要"], "category": ["order"]}))
