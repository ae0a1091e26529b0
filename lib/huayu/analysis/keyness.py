"""Keyness: which terms a target (a document or a group of documents) uses more — or less — than a reference.

For each term the comparison is a 2×2 contingency table (Rayson & Garside 2000, Table 1)::

                      target      reference     total
    the term          a           b             a + b
    every other term  c − a       d − b         c + d − a − b
    total             c           d             N = c + d

``a``/``b`` are the term's frequencies, ``c``/``d`` the token totals of target and reference.
Expected frequencies under "same relative frequency in both": ``E1 = c·(a+b)/N``, ``E2 = d·(a+b)/N``.

Statistics (every one is vectorised over all terms at once):

``g2`` — log-likelihood (Dunning 1993, "Accurate methods for the statistics of surprise and
coincidence", *Computational Linguistics* 19(1): 61–74; Rayson & Garside 2000, "Comparing corpora using
frequency profiling", *Proc. Workshop on Comparing Corpora*, ACL 2000, 1–6)::

    G² = 2 · Σ O·ln(O/E)        with the convention 0·ln 0 = 0

``g2_form="rayson"`` (default) sums over the two cells of the term (``a`` and ``b``) — the form used by
Rayson & Garside (2000), the Lancaster log-likelihood wizard (ucrel.lancs.ac.uk/llwizard.html), Wmatrix
and AntConc. ``g2_form="dunning"`` sums over all four cells (Dunning 1993; quanteda's
``textstat_keyness(measure = "lr", correction = "none")``). The two differ by a term of order
``(a+b)²/N`` and agree to the reported precision for small relative frequencies.

``chi2`` — Pearson's chi-square of the 2×2 table::

    χ² = N·(|a·(d−b) − b·(c−a)| − δ)² / ((a+b)·(N−a−b)·c·d)

with Yates' continuity correction ``δ = N/2`` applied as quanteda (``textstat_keyness``, C++
``yates_correction``) does: only when ``|ad' − bc'| ≥ N/2`` and at least one expected cell is below 5
(``correction="yates"``, default); never (``"none"``); or on every table, as R's
``chisq.test(correct = TRUE)`` and ``scipy.stats.chi2_contingency`` do (``"always"``; they cap ``δ`` so the
corrected difference never changes sign — here too).

Both ``g2`` and ``chi2`` are *signed*, like quanteda: positive when the term is over-represented in the
target (``a > E1``: a *positive keyword*), negative when under-represented (a *negative keyword*). Their
p-values (``p_value`` for G², ``p_chi2``) come from the χ² distribution with 1 degree of freedom on the
absolute value. ``p_bonferroni = min(1, m·p)`` with ``m`` the number of terms tested (after the frequency
filter), and ``significant`` is ``p_bonferroni < alpha``; the critical value ``χ²₁(1 − alpha/m)`` is in
``table.attrs["critical_g2"]``.

``log_ratio`` — the effect size of Hardie (2014, "Log Ratio – an informal introduction", CASS blog,
cass.lancs.ac.uk): the binary log of the ratio of relative frequencies, with a zero frequency replaced by
0.5 (CQPweb's adjustment)::

    log_ratio = log2( (a'/c) / (b'/d) ),   a' = a if a > 0 else 0.5,  b' = b if b > 0 else 0.5

Each unit is a doubling: ``1`` = twice as frequent in the target, ``−1`` = half as frequent.

``pct_diff`` — %DIFF of Gabrielatos & Marchi (2012, "Keyness: appropriate metrics and practical
issues", CADS International Conference, Bologna)::

    %DIFF = 100 · (NF_target − NF_reference) / NF_reference,   NF = frequency / corpus size

with a zero ``NF_reference`` replaced by 1e-18 as the authors do (so a term absent from the reference
gets a huge, not infinite, %DIFF).

``pm_target``/``pm_reference`` are frequencies per million tokens.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy import special, stats
from scipy.special import xlogy

from huayu.checks import check_choice, check_columns, check_fraction, check_int, is_none
from huayu.errors import ParameterError
from huayu.analysis import units
from huayu.analysis.dfm import DocumentTermMatrix, build_dfm, factorize_strings

__all__ = [
    "keyness",
    "keyness_scores",
    "keyness_by_group",
    "group_labels",
    "describe_groups",
    "group_sizes",
    "largest_group",
    "choose_target",
    "top_keywords",
    "ParameterError",
    "CORRECTIONS",
    "G2_FORMS",
]

CORRECTIONS = ("yates", "none", "always")
G2_FORMS = ("rayson", "dunning")
SORT_KEYS = ("g2", "chi2", "log_ratio", "pct_diff", "freq_target")
#: ``%DIFF`` denominator for a term absent from the reference (Gabrielatos & Marchi 2012).
PCT_DIFF_ZERO = 1e-18
#: Hardie (2014): a zero frequency counts as 0.5 in Log Ratio.
LOG_RATIO_ZERO = 0.5
DERIVED_COLUMNS = ("year",)



def keyness_scores(a: Any, b: Any, c: Any, d: Any, *, correction: str = "yates",
                   g2_form: str = "rayson", alpha: float = 0.05, n_tests: int | None = None) -> pd.DataFrame:
    """Keyness statistics for term frequencies ``a`` (target) and ``b`` (reference).

    ``c`` and ``d`` are the target and reference sizes in tokens (scalars, or arrays as long as ``a``
    when every row compares a different pair of groups). Returns one row per term with the columns
    ``freq_target, freq_reference, pm_target, pm_reference, expected_target, expected_reference, g2,
    p_value, p_bonferroni, chi2, p_chi2, log_ratio, pct_diff, direction, significant`` (formulas in the
    module docstring). Bonferroni uses ``m = n_tests`` tests (default: ``len(a)``).
    """
    check_choice("correction", correction, CORRECTIONS)
    check_choice("g2_form", g2_form, G2_FORMS)
    alpha = _check_alpha(alpha)
    a = np.asarray(a, dtype=np.float64).ravel()
    b = np.asarray(b, dtype=np.float64).ravel()
    if a.shape != b.shape:
        raise ParameterError(f"a and b must have the same length, got {a.size} and {b.size}")
    c = np.broadcast_to(np.asarray(c, dtype=np.float64), a.shape)
    d = np.broadcast_to(np.asarray(d, dtype=np.float64), a.shape)
    if np.any(~(c > 0)):
        raise ParameterError("c (target size in tokens) must be positive: the target group is empty")
    if np.any(~(d > 0)):
        raise ParameterError("d (reference size in tokens) must be positive: the reference group is empty")
    if np.any(a < 0) or np.any(b < 0) or np.any(a > c) or np.any(b > d):
        raise ParameterError("frequencies must lie between 0 and the corpus size (0 ≤ a ≤ c, 0 ≤ b ≤ d)")
    n = c + d
    ab = a + b
    rest = n - ab
    e1, e2, g2, sign = _log_likelihood(a, b, c, d, g2_form)

    # Pearson chi-square of the 2×2 table with the chosen continuity correction
    cross = np.abs(a * (d - b) - b * (c - a))
    denom = ab * rest * c * d
    if correction == "none":
        delta = np.zeros_like(a)
    else:
        delta = n / 2.0
        if correction == "yates":  # quanteda: only where some expected cell is below 5
            small = (e1 < 5) | (e2 < 5) | (c * rest / n < 5) | (d * rest / n < 5)
            delta = np.where((cross >= n / 2.0) & small, delta, 0.0)
        delta = np.minimum(delta, cross)  # never flip the sign of the difference
    safe = np.where(denom > 0, denom, 1.0)
    chi2 = np.where(denom > 0, n * (cross - delta) ** 2 / safe, 0.0)

    p_g2 = _chi2_sf_1df(g2)
    m = a.size if n_tests is None else int(n_tests)
    p_bonf = np.minimum(p_g2 * max(m, 1), 1.0)

    a_adj = np.where(a > 0, a, LOG_RATIO_ZERO)
    b_adj = np.where(b > 0, b, LOG_RATIO_ZERO)
    log_ratio = np.log2((a_adj / c) / (b_adj / d))
    nf_t = a / c
    nf_r = b / d
    pct_diff = 100.0 * (nf_t - nf_r) / np.where(nf_r > 0, nf_r, PCT_DIFF_ZERO)

    integral = bool(np.all(a == np.round(a)) and np.all(b == np.round(b)))
    return pd.DataFrame({
        "freq_target": a.astype(np.int64) if integral else a,
        "freq_reference": b.astype(np.int64) if integral else b,
        "pm_target": nf_t * 1e6,
        "pm_reference": nf_r * 1e6,
        "expected_target": e1,
        "expected_reference": e2,
        "g2": sign * g2,
        "p_value": p_g2,
        "p_bonferroni": p_bonf,
        "chi2": sign * chi2,
        "p_chi2": _chi2_sf_1df(chi2),
        "log_ratio": log_ratio,
        "pct_diff": pct_diff,
        "direction": pd.Series(np.where(sign > 0, "target", "reference"), dtype="str"),
        "significant": p_bonf < alpha,
    })


def _log_likelihood(a: np.ndarray, b: np.ndarray, c: np.ndarray, d: np.ndarray, g2_form: str = "rayson"
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(E1, E2, G², sign)`` of the 2×2 tables (module docstring; ``G² ≥ 0``, ``sign`` +1 where ``a > E1``)."""
    n = c + d
    ab = a + b
    e1 = c * ab / n
    e2 = d * ab / n
    # log-likelihood G² (0·ln 0 = 0)
    g2 = 2.0 * (xlogy(a, a / np.where(e1 > 0, e1, 1.0)) + xlogy(b, b / np.where(e2 > 0, e2, 1.0)))
    if g2_form == "dunning":
        rest = n - ab
        ca, db = c - a, d - b
        e3 = c * rest / n
        e4 = d * rest / n
        g2 = g2 + 2.0 * (xlogy(ca, ca / np.where(e3 > 0, e3, 1.0)) + xlogy(db, db / np.where(e4 > 0, e4, 1.0)))
    g2 = np.maximum(g2, 0.0)  # rounding can leave -1e-15 where a = E1
    return e1, e2, g2, np.where(a > e1, 1.0, -1.0)


def _chi2_sf_1df(x: np.ndarray) -> np.ndarray:
    """Upper tail of χ² with 1 degree of freedom: ``P(X ≥ x) = erfc(√(x/2))`` (exact, and fast)."""
    return special.erfc(np.sqrt(np.maximum(x, 0.0) / 2.0))


def _check_alpha(alpha: Any) -> float:
    return check_fraction("alpha", alpha)


def group_labels(documents_table: pd.DataFrame, by: str, *, period: Any = "year") -> pd.Series:
    """The group of every document (index ``doc_id``) by a metadata column.

    ``by`` is any column of the documents table (``place_zh``, ``place_en``, ``genre``, ``province``,
    ``admin_level`` …), ``"doc_id"`` itself, ``"year"`` (the first four digits of ``date``) or ``"period"``
    (the bin of the year chosen by ``period``: ``"year"``, ``"five_year_plan"`` or a list of break years;
    :mod:`huayu.analysis.units`). Missing values (and undated documents) become ``"unknown"``.
    """
    check_columns("documents_table", documents_table, ["doc_id"])
    try:
        return units.document_units(documents_table, by, period=period)
    except ParameterError as exc:
        if "is not a column" in str(exc):
            raise ParameterError(f"by={by!r} is not a column to group documents by; valid values: "
                                 + ", ".join(repr(v) for v in units.valid_units(documents_table))) from None
        raise


def _as_values(name: str, value: Any) -> list[str]:
    if is_none(value):
        return []
    if isinstance(value, (str, int, np.integer)):
        return [str(value)]
    if isinstance(value, Iterable):
        items = [str(v) for v in value]
        return list(dict.fromkeys(items))
    raise ParameterError(f"{name}={value!r} must be a value or a list of values")


def _dfm_by_document(tokens: pd.DataFrame | DocumentTermMatrix, *, drop_stop: bool,
                     drop_punct: bool) -> DocumentTermMatrix:
    if isinstance(tokens, DocumentTermMatrix):
        return tokens
    check_columns("tokens", tokens, ["doc_id", "token"])
    return build_dfm(tokens, "doc_id", drop_stop=drop_stop, drop_punct=drop_punct)


def keyness(tokens: pd.DataFrame | DocumentTermMatrix, target: str | Sequence[str],
            reference: str | Sequence[str] | None = None, *, by: str = "doc_id",
            documents_table: pd.DataFrame | None = None, min_freq: int = 3, alpha: float = 0.05,
            correction: str = "yates", g2_form: str = "rayson", sort_by: str = "g2",
            drop_stop: bool = False, drop_punct: bool = True, period: Any = "year") -> pd.DataFrame:
    """Keywords of a target against a reference: one row per term, positive and negative keywords.

    Parameters
    ----------
    tokens
        The token table (``processed/tokens.parquet`` schema) or a :class:`~huayu.analysis.dfm.DocumentTermMatrix`
        whose units are ``doc_id``.
    target, reference
        A value (or list of values) of ``by``. ``reference=None`` means every other document
        ("the rest of the corpus").
    by
        ``"doc_id"`` (default) or a metadata column of ``documents_table``: ``place_zh``, ``genre``,
        ``year`` (derived from ``date``), ``period`` (bins of the year by ``period``), ``province`` … (see
        :func:`group_labels`).
    period
        With ``by="period"``: ``"year"``, ``"five_year_plan"`` or a list of break years (:mod:`huayu.analysis.units`).
    documents_table
        The documents table; required when ``by`` is not ``"doc_id"``.
    min_freq
        Keep terms with ``a + b ≥ min_freq`` (frequency in target and reference together) — the
        minimum-frequency filter of AntConc/WordSmith. The Bonferroni ``m`` counts the kept terms.
    alpha
        Family-wise error rate for ``significant`` (Bonferroni-adjusted).
    correction, g2_form
        See the module docstring (``"yates"``/``"none"``/``"always"``; ``"rayson"``/``"dunning"``).
    sort_by
        ``"g2"`` (default, positive keywords first, negative keywords last), ``"chi2"``,
        ``"log_ratio"``, ``"pct_diff"`` or ``"freq_target"``; ties are broken by term.

    Returns
    -------
    DataFrame with ``term`` and the columns of :func:`keyness_scores`. ``attrs`` holds ``target``,
    ``reference``, ``by``, ``n_target``, ``n_reference`` (tokens), ``n_terms`` (tests),
    ``critical_g2`` and ``alpha``.
    """
    check_choice("sort_by", sort_by, SORT_KEYS)
    check_choice("correction", correction, CORRECTIONS)
    check_choice("g2_form", g2_form, G2_FORMS)
    alpha = _check_alpha(alpha)
    min_freq = check_int("min_freq", min_freq, minimum=1)
    dfm = _dfm_by_document(tokens, drop_stop=drop_stop, drop_punct=drop_punct)
    counted = [str(u) for u in dfm.units]
    # every document, also one whose tokens are all dropped (it then has no tokens to count)
    doc_ids = list(dict.fromkeys(
        ([str(d) for d in documents_table["doc_id"]] if documents_table is not None and "doc_id" in documents_table else [])
        + ([str(d) for d in pd.unique(tokens["doc_id"])] if isinstance(tokens, pd.DataFrame) else [])
        + counted))
    if by == "doc_id":
        labels = pd.Series(doc_ids, index=pd.Index(doc_ids, name="doc_id"), dtype="str")
    else:
        if documents_table is None:
            raise ParameterError(f"by={by!r} groups documents by metadata: pass documents_table= (the documents "
                                 "table, e.g. ctx.documents_table), or use by='doc_id'")
        labels = group_labels(documents_table, by, period=period)
        missing = [d for d in doc_ids if d not in labels.index]
        if missing:
            raise ParameterError(f"documents has no row for doc_id(s) {missing[:10]} found in tokens")
        labels = labels.loc[doc_ids]
    available = list(dict.fromkeys(labels.tolist()))
    targets = _as_values("target", target)
    references = _as_values("reference", reference)
    if not targets:
        raise ParameterError(f"target is empty; give a value of by={by!r}; valid values: "
                             + ", ".join(repr(v) for v in available))
    unknown = [t for t in targets + references if t not in available]
    if unknown:
        which = "target" if unknown[0] in targets else "reference"
        raise ParameterError(f"{which}: no document has {by}={unknown[0]!r}; valid values: "
                             + ", ".join(repr(v) for v in available))
    overlap = sorted(set(targets) & set(references))
    if overlap:
        raise ParameterError(f"target and reference share {overlap}; a group cannot be compared with itself")
    target_docs = set(labels.index[labels.isin(targets)])
    reference_docs = set(labels.index[labels.isin(references)]) if references else set(doc_ids) - target_docs
    if not reference_docs:
        raise ParameterError(f"the reference group is empty: target={targets} covers every document "
                             f"(by={by!r}); choose a smaller target or name a reference")
    in_target = pd.Index(counted).isin(list(target_docs))  # hashed: 10,000 documents in milliseconds
    in_reference = pd.Index(counted).isin(list(reference_docs))
    totals = dfm.totals()
    c = int(totals[in_target].sum())
    d = int(totals[in_reference].sum())
    if c == 0:
        raise ParameterError(f"the target group {targets} (by={by!r}) has no tokens to count")
    if d == 0:
        raise ParameterError(f"the reference group {references or 'rest of the corpus'} (by={by!r}) has no "
                             "tokens to count")
    mat = dfm.matrix
    a = np.asarray(mat[in_target].sum(axis=0)).ravel()
    b = np.asarray(mat[in_reference].sum(axis=0)).ravel()
    keep = (a + b) >= min_freq
    if not keep.any():
        raise ParameterError(f"min_freq={min_freq} leaves no term (the most frequent term occurs "
                             f"{int((a + b).max())} times in target and reference together)")
    table = keyness_scores(a[keep], b[keep], c, d, correction=correction, g2_form=g2_form, alpha=alpha)
    table.insert(0, "term", pd.Series(np.asarray(dfm.terms)[keep], dtype="str"))
    table = _sort(table, sort_by)
    m = int(keep.sum())
    table.attrs.update({
        "target": targets, "reference": references or ["rest"], "by": by, "n_target": c, "n_reference": d,
        "n_terms": m, "alpha": alpha, "critical_g2": float(stats.chi2.isf(alpha / m, df=1)),
        "correction": correction, "g2_form": g2_form, "min_freq": min_freq,
    })
    return table


def _sort(table: pd.DataFrame, sort_by: str) -> pd.DataFrame:
    return table.sort_values([sort_by, "term"], ascending=[False, True], kind="mergesort").reset_index(drop=True)


def top_keywords(table: pd.DataFrame, n: int = 20, *, sort_by: str = "g2", significant_only: bool = False) -> pd.DataFrame:
    """The ``n`` strongest positive and ``n`` strongest negative keywords of a :func:`keyness` table.

    Ranked by ``|sort_by|`` within each direction (``sort_by`` = ``"g2"``, ``"chi2"``, ``"log_ratio"`` or
    ``"pct_diff"``). Positive keywords first (strongest first), then negative ones (strongest last), as in
    quanteda's ``textplot_keyness``. ``significant_only`` keeps rows with ``significant`` true.
    """
    n = check_int("n", n, minimum=1)
    check_choice("sort_by", sort_by, ("g2", "chi2", "log_ratio", "pct_diff"))
    check_columns("table", table, ["term", sort_by, "direction", "significant"])
    rows = table[table["significant"]] if significant_only else table
    pos = rows[rows["direction"] == "target"]
    neg = rows[rows["direction"] == "reference"]
    pos = pos.assign(_k=pos[sort_by].abs()).sort_values(["_k", "term"], ascending=[False, True], kind="mergesort")
    neg = neg.assign(_k=neg[sort_by].abs()).sort_values(["_k", "term"], ascending=[True, True], kind="mergesort")
    out = pd.concat([pos.head(n), neg.tail(n)]).drop(columns="_k").reset_index(drop=True)
    out.attrs = dict(table.attrs)
    return out


_CHUNK = 1_000_000


def keyness_by_group(tokens: pd.DataFrame | DocumentTermMatrix, *, by: str = "doc_id",
                     documents_table: pd.DataFrame | None = None, min_freq: int = 3, alpha: float = 0.05,
                     top_n: int | None = 20, drop_stop: bool = False, drop_punct: bool = True,
                     period: Any = "year") -> pd.DataFrame:
    """Positive keywords of *every* group against the rest of the corpus, in one long table.

    One pass over the non-zero counts of the group × term matrix (O(non-zeros), linear in the number of
    groups): for each group ``g`` and each term it uses, ``a = n[g, t]``, ``b = Σ n[·, t] − a``,
    ``c = N_g``, ``d = N − N_g`` and the statistics of :func:`keyness_scores` (``g2_form="rayson"``,
    quanteda's Yates rule). Only over-represented terms (``a > E1``) with ``a + b ≥ min_freq`` are kept;
    Bonferroni's ``m`` is the number of terms with ``a + b ≥ min_freq`` (the tests one group's full
    :func:`keyness` table would run). ``top_n`` keeps the strongest per group (``None`` = all).
    Columns: ``group, term`` and those of :func:`keyness_scores`. Groups are in :func:`huayu.analysis.units.unit_order`
    (chronological for ``by="year"``/``"period"``, ``period`` as in :func:`group_labels`); ``attrs["group_sizes"]``
    holds every group's tokens, also of a group without a positive keyword.
    """
    min_freq = check_int("min_freq", min_freq, minimum=1)
    alpha = _check_alpha(alpha)
    if top_n is not None:
        top_n = check_int("top_n", top_n, minimum=1)
    dfm = _dfm_by_document(tokens, drop_stop=drop_stop, drop_punct=drop_punct)
    if by != "doc_id":
        if documents_table is None:
            raise ParameterError(f"by={by!r} groups documents by metadata: pass documents_table= (the documents table)")
        labels = group_labels(documents_table, by, period=period)
        docs = [str(u) for u in dfm.units]
        missing = [u for u in docs if u not in labels.index]
        if missing:
            raise ParameterError(f"documents has no row for doc_id(s) {missing[:10]} found in tokens")
        dfm = units.sum_by_unit(dfm, labels.loc[docs])
    if len(dfm.units) < 2:
        raise ParameterError(f"by={by!r} gives a single group ({list(dfm.units)}); keyness needs a reference")
    totals = dfm.totals().astype(np.float64)
    n_all = totals.sum()
    term_tot = dfm.term_totals().astype(np.float64)
    m = int((term_tot >= min_freq).sum())
    if m == 0:
        raise ParameterError(f"min_freq={min_freq} leaves no term (the most frequent term occurs "
                             f"{int(term_tot.max())} times)")
    if np.any(n_all - totals <= 0):
        raise ParameterError("one group holds every token of the corpus; keyness needs a non-empty reference")
    mat = sp.csr_matrix(dfm.matrix)
    if not mat.has_sorted_indices:
        mat = mat.sorted_indices()
    rows = np.repeat(np.arange(mat.shape[0], dtype=np.int32), np.diff(mat.indptr))  # cells in (group, term) order
    cols, a = mat.indices, mat.data.astype(np.float64)
    c = totals[rows]
    # over-represented (a > E1 = c·(a+b)/N) and frequent enough
    keep = np.flatnonzero((term_tot[cols] >= min_freq) & (a * n_all > c * term_tot[cols]))
    rows, cols, a, c = rows[keep], cols[keep], a[keep], c[keep]
    del keep
    # G² of every cell first (the formula of keyness_scores, only G², in chunks), then the order — group
    # (corpus order), G² descending, term — and the top_n of each group; the other statistics only for the
    # rows kept (each row's statistics depend on that row alone, and Bonferroni's m is given)
    g2 = np.concatenate([_log_likelihood(a[i:i + _CHUNK], term_tot[cols[i:i + _CHUNK]] - a[i:i + _CHUNK],
                                         c[i:i + _CHUNK], n_all - c[i:i + _CHUNK])[2]
                         for i in range(0, a.size, _CHUNK)]) if a.size else np.zeros(0)
    # = np.lexsort((cols, -g2, rows)): the cells are in (group, term) order, so two stable sorts suffice
    order = np.argsort(-g2, kind="stable")
    order = order[np.argsort(rows[order], kind="stable")]
    if top_n is not None:
        ranked = rows[order]
        first = np.searchsorted(ranked, ranked, side="left")
        order = order[(np.arange(ranked.size) - first) < top_n]
    rows, cols, a, c = rows[order], cols[order], a[order], c[order]
    scores = keyness_scores(a, term_tot[cols] - a, c, n_all - c, alpha=alpha, n_tests=m)
    out = pd.concat([pd.DataFrame({"group": pd.Series(np.asarray(dfm.units, dtype=object)[rows], dtype="str"),
                                   "term": pd.Series(np.asarray(dfm.terms, dtype=object)[cols], dtype="str")}),
                     scores], axis=1)
    out.attrs.update({"by": by, "n_terms": m, "alpha": alpha, "min_freq": min_freq,
                      "critical_g2": float(stats.chi2.isf(alpha / max(m, 1), df=1)),
                      "group_sizes": {str(u): int(t) for u, t in zip(dfm.units, totals)}})
    return out


def describe_groups(documents_table: pd.DataFrame, by: str, *, period: Any = "year") -> Mapping[str, list[str]]:
    """``{group: [doc_id, …]}`` for ``by`` (see :func:`group_labels`) — which documents form each group, in
    :func:`huayu.analysis.units.unit_order`."""
    labels = group_labels(documents_table, by, period=period)
    return {g: list(labels.index[labels == g]) for g in units.unit_order(labels)}


def group_sizes(tokens: pd.DataFrame, *, by: str = "doc_id", documents_table: pd.DataFrame | None = None,
                drop_punct: bool = True, period: Any = "year") -> pd.Series:
    """Word tokens per group of ``by`` (see :func:`group_labels`), groups in corpus order (the order of their
    first document); ``documents_table`` is needed for any ``by`` other than ``doc_id``."""
    check_columns("tokens", tokens, ["doc_id", "token"])
    codes, doc_order = factorize_strings(tokens["doc_id"])  # integer codes, no string per token
    words = ~tokens["is_punct"].to_numpy(dtype=bool) if drop_punct and "is_punct" in tokens.columns else slice(None)
    per_doc = pd.Series(np.bincount(codes[words], minlength=len(doc_order)), index=doc_order)
    per_doc = per_doc[per_doc > 0]
    if documents_table is not None:
        order = [str(d) for d in documents_table["doc_id"]]
    else:
        order = [str(d) for d in doc_order]
    if by == "doc_id":
        labels = pd.Series(order, index=pd.Index(order, name="doc_id"), dtype="str")
    elif documents_table is None:
        raise ParameterError(f"by={by!r} groups documents by metadata: pass documents_table= (the documents table)")
    else:
        labels = group_labels(documents_table, by, period=period)
    counts = per_doc.reindex(labels.index).fillna(0).astype("int64")
    sizes = counts.groupby(labels.to_numpy(), sort=False).sum().astype("int64")
    sizes.index = pd.Index([str(g) for g in sizes.index], name=by)
    return sizes.rename("n_tokens")


def largest_group(tokens: pd.DataFrame, *, by: str = "doc_id", documents_table: pd.DataFrame | None = None,
                  exclude: str | Sequence[str] | None = None, period: Any = "year") -> str:
    """The group of ``by`` with the most word tokens (ties: the first in corpus order); with ``by="doc_id"``
    the longest document. Groups in ``exclude`` are left out, and so is ``"unknown"`` (no value in the
    metadata) unless it is the only group left."""
    sizes = group_sizes(tokens, by=by, documents_table=documents_table, period=period)
    sizes = sizes.drop(_as_values("exclude", exclude), errors="ignore")
    known = sizes.drop("unknown", errors="ignore") if by != "doc_id" else sizes
    if not known.empty and known.max() > 0:
        sizes = known
    if sizes.empty or sizes.max() <= 0:
        raise ParameterError(f"by={by!r}: no group with word tokens to choose a target from")
    return str(sizes.idxmax())


def choose_target(tokens: pd.DataFrame, target: Any, *, by: str = "doc_id",
                  documents_table: pd.DataFrame | None = None,
                  reference: Any = None, period: Any = "year") -> tuple[Any, str]:
    """``(target, how)``: the target of a keyness comparison and how it was chosen, for the notebook to print.

    A given ``target`` is kept (``how="given"``); an empty one (``None``, ``""``, ``[]``) becomes the
    :func:`largest_group` of ``by`` outside ``reference`` (with ``by="doc_id"``: the longest document). When
    ``by`` has a single group in the corpus there is nothing to compare: ``(None, note)``.
    """
    sizes = group_sizes(tokens, by=by, documents_table=documents_table, period=period)
    if len(sizes) < 2:
        return None, (f"by={by!r} has a single group in this corpus ({', '.join(sizes.index)}): "
                      "the comparison is skipped")
    if not is_none(target):
        return target, "given"
    chosen = largest_group(tokens, by=by, documents_table=documents_table, exclude=reference, period=period)
    rule = "the longest document" if by == "doc_id" else f"the largest group of by={by!r}"
    return chosen, f"{rule}: {int(sizes[chosen])} word tokens"
