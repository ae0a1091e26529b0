"""TF-IDF: distinctive terms per document, chosen terms × documents, document similarity and clustering.

Weighting (scikit-learn's :class:`~sklearn.feature_extraction.text.TfidfTransformer`, defaults
``smooth_idf=True, norm="l2"``) for a unit ``d`` among ``n`` units and a term ``t`` with count
``n[d, t]`` occurring in ``df(t)`` units:

    idf(t)       = ln((1 + n) / (1 + df(t))) + 1
    tfidf(d, t)  = n[d, t] · idf(t) / ‖ n[d, ·] · idf(·) ‖₂

(Spärck Jones 1972, "A statistical interpretation of term specificity and its application in
retrieval", *Journal of Documentation* 28(1): 11–21; Manning, Raghavan & Schütze 2008, *Introduction to
Information Retrieval*, §6.2–6.3; scikit-learn user guide §6.2.3.4 "Tf–idf term weighting".)
With ``sublinear_tf=True`` the count is replaced by ``1 + ln n[d, t]``.

Cosine similarity of two units ``a``, ``b`` with weight vectors ``x_a``, ``x_b``:
``cos(a, b) = x_a · x_b / (‖x_a‖ ‖x_b‖)`` (Manning et al. 2008, §6.3.1) — 1 on the diagonal, symmetric.
Hierarchical clustering uses the cosine distance ``1 − cos`` and average linkage (UPGMA; Sokal &
Michener 1958, *University of Kansas Science Bulletin* 38: 1409–1438) via :func:`scipy.cluster.hierarchy.linkage`.

With five documents ``df(t)`` takes only the values 1…5, so idf has five levels: a term is
"distinctive" mostly because it occurs in one document only. Read rankings as descriptions of
these texts, not as estimates for a population of speeches.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.cluster import hierarchy
from scipy.spatial.distance import squareform
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.metrics.pairwise import cosine_similarity as sk_cosine

from huayu.checks import check_choice, check_int, check_known, check_string_list, is_none
from huayu.errors import ParameterError
from huayu.analysis.dfm import DocumentTermMatrix

__all__ = ["tfidf_weights", "idf", "top_terms", "choose_terms", "term_document_table", "cosine_similarity",
           "similarity_units", "cluster_units", "Clustering", "MAX_SIMILARITY_UNITS", "ParameterError"]

WEIGHTINGS = ("tfidf", "count", "per_1000")
LINKAGES = ("average", "complete", "single", "weighted")
#: Default of :func:`similarity_units`: the similarity matrix, its clustering and its figure cover at most this
#: many units (a matrix of units² cells; 200² = 40,000 cells still read as a figure).
MAX_SIMILARITY_UNITS = 200


def _check_dfm(dfm: DocumentTermMatrix) -> None:
    if not isinstance(dfm, DocumentTermMatrix):
        raise ParameterError(f"dfm must be a huayu.analysis.dfm.DocumentTermMatrix, got {type(dfm).__name__}")
    if dfm.shape[0] == 0 or dfm.shape[1] == 0:
        raise ParameterError(f"dfm is empty (shape {dfm.shape}); there is nothing to weight")


def idf(dfm: DocumentTermMatrix, *, smooth_idf: bool = True) -> pd.Series:
    """Inverse document frequency per term (formula in the module docstring), indexed by term."""
    _check_dfm(dfm)
    n = dfm.shape[0]
    df = dfm.document_frequency()
    values = np.log((1 + n) / (1 + df)) + 1 if smooth_idf else np.log(n / df) + 1
    return pd.Series(values, index=dfm.terms, name="idf")


def tfidf_weights(dfm: DocumentTermMatrix, *, sublinear_tf: bool = False, smooth_idf: bool = True,
                  norm: str | None = "l2") -> sp.csr_matrix:
    """The TF-IDF matrix (units × terms, float64 CSR) of ``dfm`` — scikit-learn's TfidfTransformer."""
    _check_dfm(dfm)
    check_choice("norm", norm, ["l2", "l1", None])
    transformer = TfidfTransformer(norm=norm, use_idf=True, smooth_idf=smooth_idf, sublinear_tf=sublinear_tf)
    return sp.csr_matrix(transformer.fit_transform(dfm.matrix.astype(np.float64)), dtype=np.float64)


def top_terms(dfm: DocumentTermMatrix, n: int = 10, *, min_freq: int = 2, sublinear_tf: bool = False
              ) -> pd.DataFrame:
    """The ``n`` terms with the highest TF-IDF in each unit.

    Only terms occurring at least ``min_freq`` times in the unit compete (a single occurrence says
    little about a text). Ties are broken by count, then by term, so the ranking is deterministic.
    Columns: ``unit, rank (1 = most distinctive), term, tfidf, count, n_units_with_term``.

    One pass over the non-zero cells (O(non-zeros · log), no lookup per cell): the weights keep the sparsity
    structure of the counts, the cells are ranked with one ``numpy.lexsort`` on integer keys (the term's
    rank in code-point order stands for the term) and only the ``n`` kept per unit are turned into strings.
    """
    n = check_int("n", n, minimum=1)
    min_freq = check_int("min_freq", min_freq, minimum=1)
    counts = dfm.matrix.tocsr(copy=True)
    counts.sum_duplicates()
    counts.sort_indices()
    weights = tfidf_weights(DocumentTermMatrix(counts, dfm.units, dfm.terms), sublinear_tf=sublinear_tf)
    weights.sort_indices()
    rows = np.repeat(np.arange(weights.shape[0], dtype=np.int64), np.diff(weights.indptr))
    cols = weights.indices.astype(np.int64)
    tfidf_values = weights.data.astype(np.float64)
    if np.array_equal(weights.indptr, counts.indptr) and np.array_equal(weights.indices, counts.indices):
        count_values = counts.data.astype(np.int64)  # the weights keep the structure of the counts
    else:
        count_values = np.asarray(counts[rows, cols], dtype=np.int64).ravel()
    keep = count_values >= min_freq
    rows, cols, count_values, tfidf_values = rows[keep], cols[keep], count_values[keep], tfidf_values[keep]
    term_rank = _term_rank(dfm.terms)
    order = np.lexsort((term_rank[cols], -count_values, -tfidf_values, rows))
    rows, cols, count_values, tfidf_values = rows[order], cols[order], count_values[order], tfidf_values[order]
    starts = np.r_[0, np.flatnonzero(rows[1:] != rows[:-1]) + 1] if rows.size else np.zeros(0, dtype=np.int64)
    rank = np.arange(rows.size, dtype=np.int64) - np.repeat(starts, np.diff(np.r_[starts, rows.size]))
    first = rank < n
    rows, cols, count_values, tfidf_values, rank = (rows[first], cols[first], count_values[first],
                                                     tfidf_values[first], rank[first] + 1)
    df = dfm.document_frequency()
    out = pd.DataFrame({
        "unit": pd.Series(np.asarray(dfm.units, dtype=object)[rows], dtype="str"),
        "rank": rank.astype(np.int64),
        "term": pd.Series(np.asarray(dfm.terms, dtype=object)[cols], dtype="str"),
        "tfidf": tfidf_values,
        "count": count_values,
        "n_units_with_term": df[cols].astype(np.int64),
    })
    return out.reset_index(drop=True)


def _term_rank(terms: pd.Index) -> np.ndarray:
    """Each term's position in code-point order (the terms of a dfm are usually sorted already)."""
    if terms.is_monotonic_increasing:
        return np.arange(len(terms), dtype=np.int64)
    order = np.argsort(np.asarray(terms, dtype=object), kind="stable")
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return rank


def choose_terms(top: pd.DataFrame, terms: Iterable[str] | None = None, *, per_unit: int = 4) -> list[str]:
    """The terms for the term × document heatmap: ``terms`` if given, else the union of the first
    ``per_unit`` terms of each unit in a :func:`top_terms` table (in order of first appearance)."""
    chosen = check_string_list("terms", terms)
    if chosen:
        return chosen
    per_unit = check_int("per_unit", per_unit, minimum=1)
    picked = top[top["rank"] <= per_unit]
    return list(pd.unique(picked["term"]))


def term_document_table(dfm: DocumentTermMatrix, terms: Iterable[str], *, value: str = "tfidf",
                        sublinear_tf: bool = False) -> pd.DataFrame:
    """A ``terms × units`` table for chosen terms.

    ``value``: ``"tfidf"`` (weights of the whole vocabulary, so comparable with :func:`top_terms`),
    ``"count"``, or ``"per_1000"`` (``1000 · n[d, t] / N_d``). A term found in no unit raises
    :class:`ParameterError` (check the spelling, or the segmentation: the term must be one token).
    """
    check_choice("value", value, WEIGHTINGS)
    terms = check_string_list("terms", terms, allow_empty=False)
    _check_dfm(dfm)
    cols = dfm.terms.get_indexer(terms)
    absent = [t for t, c in zip(terms, cols, strict=True) if c < 0]
    if absent:
        raise ParameterError(f"terms: {absent} never occur as a token in the selected units; a term must be "
                             "one token of the segmentation (see processed/tokens.parquet)")
    if value == "tfidf":
        matrix = tfidf_weights(dfm, sublinear_tf=sublinear_tf)[:, cols].toarray()
    elif value == "count":
        matrix = dfm.matrix[:, cols].toarray().astype(np.int64)
    else:
        totals = dfm.totals().astype(np.float64)
        matrix = dfm.matrix[:, cols].toarray() * 1000.0 / np.where(totals > 0, totals, np.nan)[:, None]
    table = pd.DataFrame(matrix.T, index=pd.Index(terms, dtype="str", name="term"),
                         columns=pd.Index(dfm.units, dtype="str", name="unit"))
    return table


def similarity_units(dfm: DocumentTermMatrix, max_units: int | None = MAX_SIMILARITY_UNITS) -> list[str]:
    """The units a similarity matrix is computed on: every unit when there are at most ``max_units``
    (``None`` or 0: no limit), else the ``max_units`` units with the most tokens (ties: the first), in the
    order of ``dfm``.

    Pairwise similarity is quadratic by nature (units² cells, and the clustering needs them all): above
    this size it is computed on the figure's units only, which costs ``max_units²`` whatever the corpus.
    """
    _check_dfm(dfm)
    if max_units is None or max_units == 0:
        return [str(u) for u in dfm.units]
    max_units = check_int("max_units", max_units, minimum=2)
    if dfm.shape[0] <= max_units:
        return [str(u) for u in dfm.units]
    totals = dfm.totals()
    picked = np.sort(np.lexsort((np.arange(len(totals)), -totals))[:max_units])
    return [str(dfm.units[i]) for i in picked]


def cosine_similarity(dfm: DocumentTermMatrix, *, weighting: str = "tfidf",
                      units: Iterable[str] | None = None) -> pd.DataFrame:
    """Cosine similarity of every pair of units (formula in the module docstring).

    ``weighting``: ``"tfidf"`` or ``"count"`` (raw counts; dominated by frequent function words unless
    stopwords were dropped) or ``"per_1000"`` (same as ``"count"`` for the cosine: it is scale-free).
    The result is exactly symmetric with 1 on the diagonal (a unit with no tokens has 0 everywhere).
    Its size is units², as any similarity matrix: ``units`` (e.g. :func:`similarity_units`) restricts it to
    those units, in that order — the TF-IDF weights (idf) are still those of every unit of ``dfm``, so a
    pair has the same similarity whichever other units are shown.
    """
    check_choice("weighting", weighting, WEIGHTINGS)
    _check_dfm(dfm)
    x = tfidf_weights(dfm) if weighting == "tfidf" else dfm.matrix.astype(np.float64)
    labels = pd.Index(dfm.units, dtype="str", name="unit")
    if not is_none(units):
        chosen = check_string_list("units", units, allow_empty=False)
        check_known("units", chosen, list(dfm.units), "unit")
        rows = dfm.units.get_indexer(chosen)
        x = x[rows]
        labels = pd.Index(chosen, dtype="str", name="unit")
    sim = np.asarray(sk_cosine(x, dense_output=True), dtype=np.float64)
    sim = np.clip((sim + sim.T) / 2.0, 0.0, 1.0)
    nonzero = np.asarray(abs(x).sum(axis=1)).ravel() > 0
    np.fill_diagonal(sim, np.where(nonzero, 1.0, 0.0))
    out = pd.DataFrame(sim, index=labels, columns=labels.rename("unit_b"))
    out.attrs["n_units"] = int(dfm.shape[0])
    return out


@dataclass(frozen=True)
class Clustering:
    """Agglomerative clustering of units: scipy ``linkage`` matrix and the dendrogram's leaf order."""

    linkage: np.ndarray
    order: list[str]
    method: str

    def ordered(self, table: pd.DataFrame) -> pd.DataFrame:
        """``table`` (units × units, or units × anything) with its rows (and columns if units) in leaf order."""
        out = table.loc[self.order]
        if set(self.order) <= set(out.columns):
            out = out[self.order]
        return out


def cluster_units(similarity: pd.DataFrame, *, method: str = "average") -> Clustering:
    """Hierarchical clustering on the cosine distance ``1 − similarity`` (see the module docstring).

    ``method`` is a scipy linkage method valid for non-Euclidean distances: ``average`` (UPGMA,
    default), ``complete``, ``single`` or ``weighted``. Needs at least two units.
    """
    check_choice("method", method, LINKAGES)
    if not isinstance(similarity, pd.DataFrame) or similarity.shape[0] != similarity.shape[1]:
        raise ParameterError("similarity must be a square DataFrame from cosine_similarity()")
    if similarity.shape[0] < 2:
        raise ParameterError(f"clustering needs at least 2 units, got {similarity.shape[0]}; "
                             "include more documents")
    distance = 1.0 - similarity.to_numpy(dtype=np.float64)
    distance = np.clip((distance + distance.T) / 2.0, 0.0, None)
    np.fill_diagonal(distance, 0.0)
    z = hierarchy.linkage(squareform(distance, checks=False), method=method)
    leaves = hierarchy.leaves_list(z)
    return Clustering(linkage=z, order=[str(similarity.index[i]) for i in leaves], method=method)
