"""keyness_by_group at scale: G² alone per cell and two stable sorts give the table of the earlier
implementation (full keyness_scores per chunk, np.lexsort), kept here as the reference."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from huayu.analysis import keyness as keyness_module
from huayu.analysis.dfm import DocumentTermMatrix
from huayu.analysis.keyness import keyness_by_group, keyness_scores


def reference_by_group(dfm, min_freq, top_n, chunk):
    totals = dfm.totals().astype(np.float64)
    n_all = totals.sum()
    term_tot = dfm.term_totals().astype(np.float64)
    m = int((term_tot >= min_freq).sum())
    coo = sp.csr_matrix(dfm.matrix).tocoo()
    rows, cols, a = coo.row, coo.col, coo.data.astype(np.float64)
    c = totals[rows]
    keep = (term_tot[cols] >= min_freq) & (a * n_all > c * term_tot[cols])
    rows, cols, a, c = rows[keep], cols[keep], a[keep], c[keep]
    g2 = np.concatenate([keyness_scores(a[i:i + chunk], term_tot[cols[i:i + chunk]] - a[i:i + chunk],
                                        c[i:i + chunk], n_all - c[i:i + chunk], n_tests=m)["g2"].to_numpy()
                         for i in range(0, a.size, chunk)])
    order = np.lexsort((cols, -g2, rows))
    if top_n is not None:
        ranked = rows[order]
        first = np.searchsorted(ranked, ranked, side="left")
        order = order[(np.arange(ranked.size) - first) < top_n]
    rows, cols, a, c = rows[order], cols[order], a[order], c[order]
    scores = keyness_scores(a, term_tot[cols] - a, c, n_all - c, n_tests=m)
    return pd.concat([pd.DataFrame({"group": pd.Series(np.asarray(dfm.units, dtype=object)[rows], dtype="str"),
                                    "term": pd.Series(np.asarray(dfm.terms, dtype=object)[cols], dtype="str")}),
                      scores], axis=1)


def random_dfm(seed, n_units=30, n_terms=60):
    rng = np.random.default_rng(seed)
    dense = rng.poisson(rng.gamma(0.3, 2.0, size=(n_units, n_terms)))
    dense[:, :5] = 3  # ties in G² within a group
    dense[rng.integers(0, n_units), :] += 1
    matrix = sp.csr_matrix(dense.astype(np.int64))
    units = pd.Index([f"u{i:02d}" for i in range(n_units)], dtype="str")
    terms = pd.Index([f"t{j:03d}" for j in range(n_terms)], dtype="str")
    return DocumentTermMatrix(matrix, units, terms)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
@pytest.mark.parametrize("top_n", [None, 1, 4])
@pytest.mark.parametrize("chunk", [7, 1_000_000])
def test_keyness_by_group_equals_reference(monkeypatch, seed, top_n, chunk):
    monkeypatch.setattr(keyness_module, "_CHUNK", chunk)
    dfm = random_dfm(seed)
    got = keyness_by_group(dfm, min_freq=2, top_n=top_n)
    pd.testing.assert_frame_equal(got, reference_by_group(dfm, 2, top_n, chunk), check_exact=True)


def test_unsorted_indices_of_a_summed_matrix_give_the_same_table():
    dfm = random_dfm(5)
    shuffled = dfm.matrix.copy()
    for i in range(shuffled.shape[0]):  # reverse the column order within every row
        lo, hi = shuffled.indptr[i], shuffled.indptr[i + 1]
        shuffled.indices[lo:hi] = shuffled.indices[lo:hi][::-1].copy()
        shuffled.data[lo:hi] = shuffled.data[lo:hi][::-1].copy()
    shuffled.has_sorted_indices = False
    other = DocumentTermMatrix(shuffled, dfm.units, dfm.terms)
    pd.testing.assert_frame_equal(keyness_by_group(other, min_freq=2, top_n=3),
                                  reference_by_group(dfm, 2, 3, 1_000_000), check_exact=True)
