"""huayu.analysis.overview: lengths, cleaning summary, TTR and MATTR against hand-computed values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from _token_tables import make_documents, make_tokens
from huayu.errors import ParameterError
from huayu.analysis.overview import cleaning_summary, document_lengths, lexical_diversity, moving_ttr


def brute_mattr(words: list[str], window: int) -> float:
    w = min(window, len(words))
    return float(np.mean([len(set(words[s:s + w])) / w for s in range(len(words) - w + 1)]))


def test_mattr_hand_computed():
    # a b a c b a, W = 3: windows aba (2/3), bac (1), acb (1), cba (1) → 11/12
    tokens = make_tokens({"x": [list("abacba")]})
    row = lexical_diversity(tokens, window=3).iloc[0]
    assert row["mattr"] == pytest.approx(11 / 12)
    assert row["ttr"] == pytest.approx(3 / 6)
    assert row["n_types"] == 3 and row["n_tokens"] == 6
    profile = moving_ttr(tokens, window=3)
    assert profile["ttr"].tolist() == pytest.approx([2 / 3, 1, 1, 1])
    assert profile["window_start"].tolist() == [0, 1, 2, 3]


def test_mattr_covington_mcfall_definition_window_equal_to_text_is_ttr():
    tokens = make_tokens({"x": [list("aabbc")], "y": [list("ab")]})
    table = lexical_diversity(tokens, window=5).set_index("doc_id")
    assert table.loc["x", "mattr"] == pytest.approx(table.loc["x", "ttr"])
    # a text shorter than the window: one window, flagged by mattr_window
    assert table.loc["y", "mattr_window"] == 2
    assert table.loc["y", "mattr"] == pytest.approx(1.0)


def test_punctuation_is_not_a_type():
    tokens = make_tokens({"x": [["发展", "，", "发展", "。"]]})
    row = lexical_diversity(tokens, window=2).iloc[0]
    assert row["n_tokens"] == 2 and row["n_types"] == 1 and row["mattr"] == pytest.approx(0.5)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.sampled_from("abcde"), min_size=1, max_size=30), min_size=1, max_size=3),
       st.integers(min_value=1, max_value=12))
def test_mattr_matches_brute_force(texts, window):
    docs = {f"d{i}": [t] for i, t in enumerate(texts)}
    table = lexical_diversity(make_tokens(docs), window=window)
    for i, text in enumerate(texts):
        assert table.loc[i, "mattr"] == pytest.approx(brute_mattr(text, window))
        assert table.loc[i, "ttr"] == pytest.approx(len(set(text)) / len(text))


def test_interleaved_documents_are_measured_in_text_order():
    tokens = make_tokens({"x": [list("abab")], "y": [list("cccd")]})
    shuffled = pd.concat([tokens.iloc[[0, 4, 1, 5, 2, 6, 3, 7]]])
    table = lexical_diversity(shuffled, window=2).set_index("doc_id")
    assert table.loc["x", "mattr"] == pytest.approx(1.0)
    assert table.loc["y", "mattr"] == pytest.approx((1 / 2 + 1 / 2 + 1) / 3)


def test_document_lengths():
    docs = {"a": [["发展", "，", "改革"], ["创新", "。"]], "b": [["安全"]]}
    table = document_lengths(make_documents(docs), make_tokens(docs)).set_index("doc_id")
    assert table.loc["a", "n_tokens"] == 3
    assert table.loc["a", "n_types"] == 3
    assert table.loc["a", "n_chars_clean"] == len("发展，改革\n创新。")
    assert table.loc["a", "tokens_per_sentence"] == pytest.approx(1.5)
    assert table.loc["b", "chars_per_token"] == pytest.approx(2.0)
    only_b = document_lengths(make_documents(docs), make_tokens(docs), doc_ids=["b"])
    assert only_b["doc_id"].tolist() == ["b"]


def test_cleaning_summary_counts_characters_per_rule():
    docs = {"a": [["x"]], "b": [["y"]]}
    documents = make_documents(docs)
    documents["n_chars_raw"] = [100, 50]
    log = pd.DataFrame({"doc_id": ["a", "a", "a"], "rule": ["byline", "byline", "widget"],
                        "removed_text": ["1234", "12", "123456789"],
                        "raw_char_start": [0, 10, 90], "raw_char_end": [4, 12, 99]})
    table = cleaning_summary(log, documents)
    byline = table[(table["doc_id"] == "a") & (table["rule"] == "byline")].iloc[0]
    assert byline["n_removals"] == 2 and byline["n_chars_removed"] == 6
    assert byline["share_of_raw"] == pytest.approx(0.06)
    none = table[table["doc_id"] == "b"].iloc[0]
    assert none["rule"] == "(none)" and none["n_chars_removed"] == 0
    assert table["doc_id"].tolist() == ["a", "a", "b"]


def test_bad_parameters():
    docs = {"a": [["x"]]}
    with pytest.raises(ParameterError, match="window"):
        lexical_diversity(make_tokens(docs), window=0)
    with pytest.raises(ParameterError, match="unknown doc_id.*'zz'.*valid values: 'a'"):
        document_lengths(make_documents(docs), make_tokens(docs), doc_ids=["zz"])
    with pytest.raises(ParameterError, match="lacks the column"):
        cleaning_summary(pd.DataFrame({"doc_id": []}), make_documents(docs))
