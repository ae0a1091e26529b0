"""huayu.analysis.overview at scale: the batched, integer-code MATTR and document lengths equal the earlier
whole-corpus implementation exactly (kept here as the reference), also across batch boundaries, for
categorical and plain string token tables, and for a doc_ids filter."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from _token_tables import make_documents, make_tokens
from huayu.analysis import overview
from huayu.analysis.overview import document_lengths, lexical_diversity, moving_ttr


def _reference_window_types(doc_codes, type_codes, window):
    """The earlier implementation: one difference array over every window of the corpus at once."""
    n = len(doc_codes)
    n_docs = int(doc_codes.max()) + 1 if n else 0
    lengths = np.bincount(doc_codes, minlength=n_docs)
    doc_start = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    pos = np.arange(n) - doc_start[doc_codes]
    w = np.minimum(window, lengths)
    n_windows = lengths - w + 1
    win_offset = np.concatenate([[0], np.cumsum(n_windows)[:-1]])
    prev = pd.Series(pos).groupby([doc_codes, type_codes], sort=False).shift(1).fillna(-1).to_numpy(np.int64)
    wd = w[doc_codes]
    lo = np.maximum.reduce([prev + 1, pos - wd + 1, np.zeros(n, dtype=np.int64)])
    hi = np.minimum(pos, (lengths - w)[doc_codes])
    valid = lo <= hi
    total = int(n_windows.sum())
    diff = np.zeros(total + 1, dtype=np.int64)
    base = win_offset[doc_codes]
    np.add.at(diff, (base + lo)[valid], 1)
    np.add.at(diff, (base + hi + 1)[valid], -1)
    types = np.cumsum(diff[:-1])
    window_doc = np.repeat(np.arange(n_docs), n_windows)
    window_start = np.arange(total) - win_offset[window_doc]
    return window_doc, window_start, types, w


def _reference_codes(tokens):
    words = tokens.loc[~tokens["is_punct"].to_numpy(dtype=bool), ["doc_id", "token"]]
    doc_codes, doc_index = pd.factorize(words["doc_id"], sort=False)
    order = np.argsort(doc_codes, kind="stable")
    type_codes, _ = pd.factorize(words["token"].to_numpy()[order], sort=False)
    return doc_codes[order], doc_index, type_codes


def reference_lexical_diversity(tokens, window):
    doc_codes, doc_index, type_codes = _reference_codes(tokens)
    window_doc, _, types, w = _reference_window_types(doc_codes, type_codes, window)
    n_docs = len(doc_index)
    mattr = (np.bincount(window_doc, weights=types / w[window_doc], minlength=n_docs)
             / np.bincount(window_doc, minlength=n_docs))
    n_tokens = np.bincount(doc_codes, minlength=n_docs)
    pairs = np.unique(doc_codes.astype(np.int64) * (int(type_codes.max()) + 1) + type_codes)
    n_types = np.bincount(pairs // (int(type_codes.max()) + 1), minlength=n_docs)
    return pd.DataFrame({"doc_id": pd.Series(np.asarray(doc_index, dtype=object), dtype="str"),
                         "n_tokens": n_tokens.astype(np.int64), "n_types": n_types.astype(np.int64),
                         "ttr": n_types / n_tokens, "mattr": mattr,
                         "window": np.int64(window), "mattr_window": w.astype(np.int64)})


def reference_moving_ttr(tokens, window):
    doc_codes, doc_index, type_codes = _reference_codes(tokens)
    window_doc, window_start, types, w = _reference_window_types(doc_codes, type_codes, window)
    return pd.DataFrame({"doc_id": pd.Series(np.asarray(doc_index, dtype=object)[window_doc], dtype="str"),
                         "window_start": window_start.astype(np.int64), "ttr": types / w[window_doc]})


def random_corpus(seed: int, n_docs: int = 12):
    rng = np.random.default_rng(seed)
    vocab = [f"w{i}" for i in range(40)] + ["，", "。"]
    docs = {}
    for d in range(n_docs):
        n_words = int(rng.integers(1, 400))
        p = rng.dirichlet(np.full(len(vocab), 0.3))
        words = list(rng.choice(vocab, size=n_words, p=p))
        docs[f"doc{d:02d}"] = [words[i:i + 37] for i in range(0, len(words), 37)]
    return docs


def categorical(tokens):
    out = tokens.copy()
    for col in ("doc_id", "token", "pos"):
        out[col] = out[col].astype("category")  # sorted categories, as read_tokens(categorical=True)
    return out


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("window", [1, 7, 50, 1000])
@pytest.mark.parametrize("batch", [1, 150, 10**6])
def test_lexical_diversity_equals_reference(monkeypatch, seed, window, batch):
    monkeypatch.setattr(overview, "_BATCH_TOKENS", batch)
    tokens = make_tokens(random_corpus(seed))
    expected = reference_lexical_diversity(tokens, window)
    for table in (tokens, categorical(tokens)):
        pd.testing.assert_frame_equal(lexical_diversity(table, window=window), expected, check_exact=True)
        pd.testing.assert_frame_equal(moving_ttr(table, window=window), reference_moving_ttr(tokens, window),
                                      check_exact=True)


def test_doc_ids_filter_equals_reference_on_the_selected_documents(monkeypatch):
    monkeypatch.setattr(overview, "_BATCH_TOKENS", 100)
    tokens = make_tokens(random_corpus(3))
    chosen = ["doc07", "doc02"]
    subset = tokens[tokens["doc_id"].isin(chosen)]
    for table in (tokens, categorical(tokens)):
        got = lexical_diversity(table, window=20, doc_ids=chosen)
        pd.testing.assert_frame_equal(got, reference_lexical_diversity(subset, 20), check_exact=True)
        assert got["doc_id"].tolist() == ["doc02", "doc07"]  # corpus order
        pd.testing.assert_frame_equal(moving_ttr(table, window=20, doc_ids=chosen),
                                      reference_moving_ttr(subset, 20), check_exact=True)


def test_document_lengths_on_codes_equals_strings(monkeypatch):
    monkeypatch.setattr(overview, "_BATCH_TOKENS", 64)
    docs = random_corpus(4)
    tokens, documents = make_tokens(docs), make_documents(docs)
    words = tokens[~tokens["is_punct"]]
    got = document_lengths(documents, categorical(tokens)).set_index("doc_id")
    assert got.equals(document_lengths(documents, tokens).set_index("doc_id"))
    grouped = words.groupby("doc_id")["token"]
    assert got["n_tokens"].to_dict() == grouped.size().to_dict()
    assert got["n_types"].to_dict() == grouped.nunique().to_dict()
    chars = words["token"].str.len().groupby(words["doc_id"]).sum()
    assert np.array_equal(got["chars_per_token"].to_numpy(), (chars / grouped.size()).reindex(got.index).to_numpy())


def test_document_without_word_tokens_gets_zero_and_no_ratio():
    docs = {"a": [["发展", "改革"]], "b": [["，", "。"]]}
    table = document_lengths(make_documents(docs), categorical(make_tokens(docs))).set_index("doc_id")
    assert table.loc["b", "n_tokens"] == 0 and table.loc["b", "n_types"] == 0
    assert np.isnan(table.loc["b", "chars_per_token"])
    assert table.loc["a", "n_types"] == 2


def test_document_lengths_of_interleaved_rows():
    docs = {"a": [["发展", "改革", "发展"]], "b": [["乡村振兴", "，"]]}
    tokens, documents = make_tokens(docs), make_documents(docs)
    shuffled = tokens.iloc[[0, 3, 1, 4, 2]]
    for table in (shuffled, categorical(shuffled)):
        got = document_lengths(documents, table).set_index("doc_id")
        assert got.loc["a", "n_tokens"] == 3 and got.loc["a", "n_types"] == 2
        assert got.loc["a", "chars_per_token"] == pytest.approx(2.0)
        assert got.loc["b", "chars_per_token"] == pytest.approx(4.0)
