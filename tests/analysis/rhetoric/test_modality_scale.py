"""The modality rates at scale: the packed, chunked bootstrap and the array sentence counts equal the
weight-matrix reference (the implementation they replace) draw for draw."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from huayu.analysis.rhetoric import modality
from huayu.analysis.rhetoric.modality import _pack, bootstrap_rates, modality_matches, modality_rates, sentence_counts

_spec = importlib.util.spec_from_file_location("_modality_helpers", Path(__file__).with_name("test_modality.py"))
_helpers = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_helpers)
LEX, _tables = _helpers.LEX, _helpers._tables


def _reference_bootstrap(counts, totals, *, n_boot, rng, per=1000.0):
    """The replaced implementation: one multinomial weight matrix W (n_boot × S) and W @ counts."""
    counts = np.asarray(counts, dtype=np.float64)
    totals = np.asarray(totals, dtype=np.float64)
    s = counts.shape[0]
    draws = rng.integers(0, s, size=(n_boot, s))
    draws += np.arange(n_boot, dtype=draws.dtype)[:, None] * s
    w = np.bincount(draws.ravel(), minlength=n_boot * s).reshape(n_boot, s).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return per * (w @ counts) / (w @ totals)[:, None]


@pytest.mark.parametrize("s, n_boot", [(1, 50), (7, 300), (500, 40), (9000, 700)])  # 9000 × 700: several chunks
def test_packed_chunked_bootstrap_equals_the_weight_matrix_draw_for_draw(s, n_boot):
    rng = np.random.default_rng(s)
    counts = rng.poisson([0.3, 2.0, 0.0, 5.0], size=(s, 4)).astype(float)
    totals = rng.integers(1, 300, size=s).astype(float)
    new = bootstrap_rates(counts, totals, n_boot=n_boot, rng=np.random.default_rng(42))
    old = _reference_bootstrap(counts, totals, n_boot=n_boot, rng=np.random.default_rng(42))
    np.testing.assert_array_equal(new, old)


def test_non_integer_counts_fall_back_to_the_weight_matrix():
    counts = np.array([[0.5], [1.25], [0.0]])
    totals = np.array([1.0, 2.0, 3.0])
    assert _pack(np.column_stack([counts, totals]), 3) is None
    new = bootstrap_rates(counts, totals, n_boot=100, rng=np.random.default_rng(1))
    old = _reference_bootstrap(counts, totals, n_boot=100, rng=np.random.default_rng(1))
    np.testing.assert_allclose(new, old, rtol=1e-12)


def test_packing_hand_computed_fields():
    # Column maxima 3 and 5 over s = 2 rows: fields of bit_length(6) = 3 and bit_length(10) = 4 bits.
    words = _pack(np.array([[3.0, 5.0], [1.0, 0.0]]), 2)
    assert len(words) == 1
    packed, fields = words[0]
    assert fields == [(0, 0, 0b111), (1, 3, 0b1111)]
    assert packed.tolist() == [3 | (5 << 3), 1]
    # 65 bits in all do not fit one word: the second column goes to a word of its own.
    assert [len(f) for _, f in _pack(np.array([[2.0**40, 2.0**30]]), 1)] == [1, 1]


def test_two_sentence_resample_law_hand_computed():
    # Sentences (2 matches, 4 tokens) and (0 matches, 1 token); a resample of two sentences is
    # {both first} 4/8 → 1000·4/8 = 500 with p 1/4, {one each} 2/5 → 400 with p 1/2, {both second} 0 with p 1/4.
    reps = bootstrap_rates(np.array([[2.0], [0.0]]), np.array([4.0, 1.0]), n_boot=40000,
                           rng=np.random.default_rng(3))[:, 0]
    assert set(np.unique(reps)) == {0.0, 400.0, 500.0}
    assert np.mean(reps == 500.0) == pytest.approx(0.25, abs=0.01)
    assert np.mean(reps == 400.0) == pytest.approx(0.5, abs=0.01)


def _reference_sentence_counts(matches, tokens, categories):
    words = tokens[~tokens["is_punct"]]
    base = words.groupby(["doc_id", "sent_id"], sort=False).size().rename("n_tokens").reset_index()
    counts = (pd.crosstab([matches["doc_id"], matches["sent_id"]], matches["category"])
              .reindex(columns=categories, fill_value=0))
    counts.columns = list(counts.columns)
    out = base.merge(counts.reset_index(), on=["doc_id", "sent_id"], how="left")
    out[categories] = out[categories].fillna(0).astype("int64")
    return out


def _corpus(seed=0):
    rng = np.random.default_rng(seed)
    vocab = ["要", "坚持", "全力", "以赴", "干", "重要", "狠抓落实", "我们", "。", ","]
    return _tables({f"d{k}": [[vocab[i] for i in rng.integers(0, len(vocab), rng.integers(1, 12))] + ["。"]
                              for _ in range(rng.integers(1, 40))] for k in (3, 1, 2, 0)})


def test_sentence_counts_and_rates_equal_the_reference():
    docs, tokens = _corpus()
    m = modality_matches(docs, tokens, LEX)
    cats = list(modality.CATEGORIES)
    got = sentence_counts(m, tokens)
    ref = _reference_sentence_counts(m, tokens, cats)
    pd.testing.assert_frame_equal(got, ref[got.columns.tolist()], check_dtype=False)
    r = modality_rates(m, tokens, n_boot=500, random_state=4)
    assert list(dict.fromkeys(r["doc_id"])) == ["d3", "d1", "d2", "d0"]  # order of the tokens table
    # the per-document replicates are the reference's: same stream per document, same quantiles
    rng = np.random.default_rng(4)
    for doc_id, g in ref.groupby("doc_id", sort=False):
        reps = _reference_bootstrap(g[cats].to_numpy(float), g["n_tokens"].to_numpy(float), n_boot=500,
                                    rng=np.random.default_rng(rng.integers(0, 2**63 - 1)))
        row = r[r["doc_id"] == doc_id].set_index("category")
        for j, cat in enumerate(cats):
            lo, hi = np.nanquantile(reps[:, j], [(1 - 0.95) / 2, 1 - (1 - 0.95) / 2])
            assert (row.loc[cat, "ci_low"], row.loc[cat, "ci_high"]) == (lo, hi)


def test_rates_of_a_table_out_of_document_order():
    docs, tokens = _corpus(1)
    m = modality_matches(docs, tokens, LEX)
    shuffled = tokens.sample(frac=1.0, random_state=0)
    a = modality_rates(m, tokens, n_boot=200, random_state=2).sort_values(["doc_id", "category"]).reset_index(drop=True)
    b = modality_rates(m, shuffled, n_boot=200, random_state=2)
    # documents in order of first appearance in the shuffled table; the sentences put back in text order
    assert list(dict.fromkeys(b["doc_id"])) == list(dict.fromkeys(shuffled["doc_id"]))
    b = b.sort_values(["doc_id", "category"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(a[["doc_id", "category", "count", "n_tokens", "n_sentences", "rate"]],
                                  b[["doc_id", "category", "count", "n_tokens", "n_sentences", "rate"]])


def _reference_matches(documents_table, tokens, lex):
    """The replaced implementation: every word searched in every text (str.find), longest first."""
    category = dict(zip(lex["word"], lex["category"]))
    words = sorted(category, key=lambda w: (-len(w), w))
    rows = []
    for doc_id, text in zip(documents_table["doc_id"], documents_table["text"]):
        t = tokens[tokens["doc_id"] == doc_id]
        if t.empty:
            continue
        starts, ends, sents = t["char_start"].to_numpy(), t["char_end"].to_numpy(), t["sent_id"].to_numpy()
        is_start = np.zeros(len(text) + 1, dtype=bool)
        is_start[starts] = True
        is_end = np.zeros(len(text) + 1, dtype=bool)
        is_end[ends] = True
        taken = np.zeros(len(text) + 1, dtype=bool)
        found = []
        for w in words:
            pos, i = [], text.find(w)
            while i >= 0:
                pos.append(i)
                i = text.find(w, i + 1)
            for p in pos:
                if is_start[p] and (len(w) > 1 or is_end[p + 1]) and not taken[p:p + len(w)].any():
                    taken[p:p + len(w)] = True
                    found.append((p, p + len(w), w))
        found.sort()
        by_start = np.argsort(starts, kind="stable")
        for a, b, w in found:
            s = sents[by_start][np.searchsorted(starts[by_start], a, side="right") - 1]
            rows.append((doc_id, int(s), a, b, w, category[w]))
    out = pd.DataFrame(rows, columns=["doc_id", "sent_id", "char_start", "char_end", "word", "category"])
    return out.astype({"doc_id": "str", "sent_id": "int64", "char_start": "int64", "char_end": "int64",
                       "word": "str", "category": "str"})


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
@pytest.mark.parametrize("categorical", [False, True])
def test_matches_equal_the_text_search_reference(seed, categorical):
    # Overlaps on purpose: 全力 + 以赴 (a word over two tokens), 全力以 + 赴, 狠抓落实 (a word inside a
    # token), 要 inside 重要 and 需要, 力以 (a word starting inside a token: never a match).
    rng = np.random.default_rng(seed)
    vocab = ["要", "重要", "需要", "全力", "以赴", "全力以", "赴", "狠抓落实", "狠抓", "坚持", "坚", "持", "力", "以",
             "干", "。", ","]
    lex = pd.DataFrame({"word": ["要", "全力", "全力以赴", "狠抓", "重要", "坚持", "力以", "以赴", "持要"],
                        "category": ["directive", "directive", "mobilisation", "mobilisation", "evaluation",
                                     "commitment", "evaluation", "mobilisation", "directive"]})
    docs, tokens = _tables({f"d{k}": [[vocab[i] for i in rng.integers(0, len(vocab), rng.integers(1, 15))]
                                      for _ in range(rng.integers(1, 30))] for k in range(5)})
    docs = docs.iloc[[3, 0, 4, 1]]  # documents_table order, one document without text
    if categorical:
        tokens = tokens.astype({"doc_id": "category", "token": "category"})
    got = modality_matches(docs, tokens, lex)
    expected = _reference_matches(docs.astype({"doc_id": "str"}), tokens.astype({"doc_id": "str"}), lex)
    pd.testing.assert_frame_equal(got, expected)
    assert len(got) > 20 and {"全力以赴", "狠抓", "要"} <= set(got["word"])
