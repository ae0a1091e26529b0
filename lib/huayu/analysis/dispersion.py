"""Frequency lists with dispersion: how evenly a term is spread over the parts of a corpus.

A frequency alone hides whether a term is used everywhere or in one burst (Gries 2008). The parts are the
documents (``parts="doc_id"``), any grouping column of the token table (``"para_id"`` → paragraphs), or
``n_segments`` equal slices of one document (the term's spread *within* a speech).

Notation (Gries 2008): ``n`` parts of sizes ``W_i`` tokens, corpus size ``W = Σ W_i``, expected
proportions ``s_i = W_i / W``; a term occurs ``f_i`` times in part ``i``, ``f = Σ f_i`` in all,
observed proportions ``v_i = f_i / f``; normalised sub-frequencies ``R_i = f_i / W_i``.

``per_million``
    ``10⁶ · f / W``.
``range``
    Number of parts with ``f_i > 0`` (``range_pct`` = 100 · range / n) — Keniston (1920), AntConc's
    "Range".
``juilland_d``
    Juilland's D (Juilland & Chang-Rodríguez 1964, *Frequency Dictionary of Spanish Words*), computed on
    the normalised sub-frequencies so that unequal parts are comparable (Gries 2008: 410; the ``tlda`` R
    package, Sönning 2025)::

        D = 1 − V / √(n − 1),   V = σ(R) / mean(R),   σ = population standard deviation

    1 = perfectly even, 0 = concentrated in one part. Needs ``n ≥ 2``.
``dp``
    Gries' deviation of proportions (Gries 2008, "Dispersions and adjusted frequencies in corpora",
    *International Journal of Corpus Linguistics* 13(4): 403–437)::

        DP = ½ · Σ_i |v_i − s_i|

    0 = spread exactly as the part sizes predict, → 1 = concentrated (note the direction: the opposite of D).
``dp_norm``
    DP normalised to [0, 1] (Lijffijt & Gries 2012, "Correction to Stefan Th. Gries' 'Dispersions and
    adjusted frequencies in corpora'", *IJCL* 17(1): 147–149)::

        DP_norm = DP / (1 − min_i s_i)

All measures are computed for every term at once from the sparse parts × terms count matrix in
O(non-zeros): sums over the parts where ``f_i = 0`` have closed forms (``Σ_{f_i=0} s_i = 1 − Σ_{f_i>0} s_i``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp

from huayu.checks import check_columns, check_int, check_string_list, is_none
from huayu.errors import ParameterError
from huayu.analysis.dfm import DocumentTermMatrix, build_dfm, factorize_strings, word_columns

__all__ = [
    "dispersion_measures",
    "frequency_list",
    "segment_tokens",
    "term_positions",
    "longest_document",
    "choose_document",
    "ParameterError",
]


def dispersion_measures(counts: sp.spmatrix | np.ndarray, part_sizes: Sequence[float] | np.ndarray | None = None
                        ) -> pd.DataFrame:
    """Frequency and dispersion of every column of a parts × terms count matrix.

    ``part_sizes`` are the token counts ``W_i`` of the parts (default: the row sums of ``counts``; pass
    them when ``counts`` holds only some of the terms). Returns a DataFrame, one row per column, with
    ``freq, per_million, range, range_pct, juilland_d, dp, dp_norm`` (formulas in the module docstring).
    A column that never occurs gets ``freq = 0`` and NaN dispersions.
    """
    mat = sp.csc_matrix(counts, dtype=np.float64)
    n_parts, n_terms = mat.shape
    if n_parts < 1:
        raise ParameterError("counts has no part (row)")
    sizes = (np.asarray(mat.sum(axis=1)).ravel() if part_sizes is None
             else np.asarray(part_sizes, dtype=np.float64).ravel())
    if sizes.size != n_parts:
        raise ParameterError(f"part_sizes has {sizes.size} values for {n_parts} parts")
    if np.any(~(sizes > 0)):
        raise ParameterError(f"every part must hold at least one token; part sizes: {sizes.tolist()[:20]}")
    total = sizes.sum()
    s = sizes / total
    freq = np.asarray(mat.sum(axis=0)).ravel()
    nnz_col = np.repeat(np.arange(n_terms), np.diff(mat.indptr))
    f_i = mat.data
    part = mat.indices
    present = f_i > 0
    f_i, part, col = f_i[present], part[present], nnz_col[present]
    rng = np.bincount(col, minlength=n_terms).astype(np.int64)

    with np.errstate(divide="ignore", invalid="ignore"):
        v_i = f_i / freq[col]
        # DP: Σ_{f_i>0} |v_i − s_i| + Σ_{f_i=0} s_i
        abs_dev = np.bincount(col, weights=np.abs(v_i - s[part]), minlength=n_terms)
        s_present = np.bincount(col, weights=s[part], minlength=n_terms)
        dp = 0.5 * (abs_dev + (1.0 - s_present))
        dp_norm = dp / (1.0 - s.min()) if n_parts > 1 else np.full(n_terms, np.nan)
        # Juilland's D on R_i = f_i / W_i (population SD over all n parts, zeros included)
        r_i = f_i / sizes[part]
        sum_r = np.bincount(col, weights=r_i, minlength=n_terms)
        sum_r2 = np.bincount(col, weights=r_i * r_i, minlength=n_terms)
        mean_r = sum_r / n_parts
        var_r = np.maximum(sum_r2 / n_parts - mean_r ** 2, 0.0)
        cv = np.sqrt(var_r) / mean_r
        juilland = 1.0 - cv / np.sqrt(n_parts - 1) if n_parts > 1 else np.full(n_terms, np.nan)
    absent = freq == 0
    for arr in (dp, dp_norm, juilland):
        arr[absent] = np.nan
    dp = np.clip(dp, 0.0, 1.0)
    return pd.DataFrame({
        "freq": freq.astype(np.int64) if np.all(freq == np.round(freq)) else freq,
        "per_million": freq / total * 1e6,
        "range": rng,
        "range_pct": 100.0 * rng / n_parts,
        "juilland_d": np.clip(juilland, 0.0, 1.0),
        "dp": dp,
        "dp_norm": np.clip(dp_norm, 0.0, 1.0),
    })


def segment_tokens(tokens: pd.DataFrame, n_segments: int, *, doc_id: str | None = None,
                   drop_punct: bool = True) -> pd.DataFrame:
    """Tokens of one document with a ``segment`` column: ``n_segments`` consecutive, (near) equal slices.

    Token ``j`` of ``N`` (counting after punctuation is dropped) falls in segment ``⌊j·n/N⌋``, so
    segment sizes differ by at most one token. ``doc_id`` is required when ``tokens`` holds more than
    one document.
    """
    check_columns("tokens", tokens, ["doc_id", "token"])
    n_segments = check_int("n_segments", n_segments, minimum=2)
    docs = [str(d) for d in factorize_strings(tokens["doc_id"])[1]]
    if doc_id is None:
        if len(docs) != 1:
            raise ParameterError(f"doc_id is required when tokens holds {len(docs)} documents; valid values: "
                                 + ", ".join(repr(d) for d in docs))
        doc_id = docs[0]
    if doc_id not in docs:
        raise ParameterError(f"doc_id={doc_id!r} is not in tokens; valid values: "
                             + ", ".join(repr(d) for d in docs))
    one = tokens[(tokens["doc_id"] == doc_id).to_numpy(dtype=bool)]
    if drop_punct and "is_punct" in one.columns:
        one = one[~one["is_punct"].to_numpy(dtype=bool)]
    if "token_index" in one.columns:
        one = one.sort_values("token_index", kind="mergesort")
    n = len(one)
    if n < n_segments:
        raise ParameterError(f"n_segments={n_segments} is more than the {n} tokens of {doc_id!r}")
    seg = (np.arange(n, dtype=np.int64) * n_segments) // n
    return one.assign(segment=seg)


def frequency_list(tokens: pd.DataFrame | DocumentTermMatrix, *, parts: str = "doc_id",
                   doc_id: str | None = None, n_segments: int | None = None, min_freq: int = 1,
                   drop_stop: bool = False, drop_punct: bool = True, terms: Sequence[str] | None = None
                   ) -> pd.DataFrame:
    """A frequency list with dispersion across parts (documents, paragraphs, or segments of one document).

    Parameters
    ----------
    tokens
        The token table, or a :class:`~huayu.analysis.dfm.DocumentTermMatrix` whose rows are the parts.
    parts
        ``"doc_id"`` (default: across documents) or another unit of :func:`huayu.analysis.dfm.build_dfm`
        (``"para_id"`` → across the paragraphs of all documents). Ignored when ``n_segments`` is set.
    doc_id, n_segments
        With ``n_segments``: dispersion *within* document ``doc_id`` across ``n_segments`` equal slices
        (see :func:`segment_tokens`).
    min_freq
        Keep terms with ``freq ≥ min_freq``.
    terms
        Only these terms (a term that never occurs gets ``freq = 0``).

    Returns
    -------
    DataFrame ``rank, term, freq, per_million, range, range_pct, juilland_d, dp, dp_norm`` sorted by
    frequency (then term); ``attrs``: ``n_parts``, ``n_tokens``, ``parts``.
    """
    min_freq = check_int("min_freq", min_freq, minimum=1)
    if isinstance(tokens, DocumentTermMatrix):
        dfm = tokens
        parts_label = "rows"
    elif n_segments is not None:
        seg = segment_tokens(tokens, n_segments, doc_id=doc_id, drop_punct=drop_punct)
        dfm = build_dfm(seg, "segment", drop_stop=drop_stop, drop_punct=False)
        parts_label = f"{seg['doc_id'].iloc[0]}: {n_segments} segments"
    else:
        check_columns("tokens", tokens, ["doc_id", "token"])
        dfm = build_dfm(tokens, parts, drop_stop=drop_stop, drop_punct=drop_punct)
        parts_label = parts
    if n_segments is None and dfm.shape[0] < 2:
        raise ParameterError(f"dispersion needs at least 2 parts; parts={parts!r} gives {dfm.shape[0]} "
                             "(for one document use n_segments=10 and doc_id=…)")
    sizes = dfm.totals()
    if terms is not None:
        wanted = check_string_list("terms", terms, allow_empty=False)
        dfm = dfm.select_terms(wanted)
    table = dispersion_measures(dfm.matrix, sizes)
    table.insert(0, "term", pd.Series(np.asarray(dfm.terms), dtype="str"))
    if terms is None:
        table = table[table["freq"] >= min_freq]
        table = table.sort_values(["freq", "term"], ascending=[False, True], kind="mergesort")
    table = table.reset_index(drop=True)
    table.insert(0, "rank", np.arange(1, len(table) + 1, dtype=np.int64))
    table.attrs.update({"n_parts": int(dfm.shape[0]), "n_tokens": int(sizes.sum()), "parts": parts_label})
    return table


def term_positions(tokens: pd.DataFrame, terms: Sequence[str], *, drop_punct: bool = True) -> pd.DataFrame:
    """Where each of ``terms`` occurs in each document, for a dispersion (barcode) plot.

    Returns ``doc_id, term, token_index, position, n_tokens``: ``position`` is the relative position
    ``j / N`` of the occurrence among the ``N`` tokens of its document (punctuation not counted when
    ``drop_punct``), in [0, 1). Documents keep their corpus order, terms the given order.
    """
    check_columns("tokens", tokens, ["doc_id", "token"])
    wanted = check_string_list("terms", terms, allow_empty=False)
    fast = _term_positions_of_codes(tokens, wanted, drop_punct)
    if fast is not None:
        return fast
    t = word_columns(tokens, ["doc_id", "token"], drop_punct=drop_punct)
    codes, uniques = factorize_strings(t["doc_id"])  # integer codes, no string per token
    doc_names = np.asarray(uniques, dtype=object)
    n_tok = np.bincount(codes)
    starts = np.concatenate([[0], np.cumsum(n_tok)[:-1]])
    if isinstance(t["token"].dtype, pd.CategoricalDtype):  # the hits from the categories, not from every row
        token_codes = t["token"].cat.codes.to_numpy()
        token_uniques = pd.Index(t["token"].cat.categories.astype("str"))
    else:
        token_codes, token_uniques = factorize_strings(t["token"])
    hit_rows = np.flatnonzero(np.isin(token_codes, np.flatnonzero(token_uniques.isin(wanted))))
    if not np.any(codes[1:] < codes[:-1]):  # each document's tokens contiguous: rank = row − first row
        rank_hit = hit_rows - starts[codes[hit_rows]]
    else:  # rank of every token within its document (rows in document order, then offset)
        order = np.argsort(codes, kind="stable")
        rank = np.empty(len(codes), dtype=np.int64)
        rank[order] = np.arange(len(codes)) - np.repeat(starts, n_tok)
        rank_hit = rank[hit_rows]
    if not hit_rows.size:
        raise ParameterError(f"terms={wanted!r}: none of them occurs in the tokens; check the spelling or "
                             "the segmentation (a longer word may contain it: try huayu.analysis.kwic with match='chars')")
    out = pd.DataFrame({
        "doc_id": pd.Series(doc_names[codes[hit_rows]], dtype="str"),
        "term": pd.Series(np.asarray(token_uniques, dtype=object)[token_codes[hit_rows]], dtype="str"),
        "token_index": rank_hit.astype(np.int64),
        "position": rank_hit / n_tok[codes[hit_rows]],
        "n_tokens": n_tok[codes[hit_rows]].astype(np.int64),
    })
    out["_t"] = out["term"].map({w: i for i, w in enumerate(wanted)})
    out["_d"] = pd.Series(codes[hit_rows])
    out = out.sort_values(["_t", "_d", "token_index"], kind="mergesort").drop(columns=["_t", "_d"])
    return out.reset_index(drop=True)


def _term_positions_of_codes(tokens: pd.DataFrame, wanted: list[str], drop_punct: bool) -> pd.DataFrame | None:
    """:func:`term_positions` of a tokens table with categorical ``doc_id``/``token`` whose documents are
    contiguous (as read_tokens reads them), on the codes and without a copy of the word rows: the hits by a
    lookup of the wanted categories, a hit's rank among its document's words from one running count of the
    words. ``None`` for any other table (the general path then applies)."""
    doc_values, token_values = tokens["doc_id"], tokens["token"]
    if not (isinstance(doc_values.dtype, pd.CategoricalDtype) and isinstance(token_values.dtype, pd.CategoricalDtype)):
        return None
    if len(tokens) == 0 or doc_values.cat.codes.min() < 0 or token_values.cat.codes.min() < 0:
        return None
    raw_docs = doc_values.cat.codes.to_numpy()
    heads = np.flatnonzero(np.r_[True, raw_docs[1:] != raw_docs[:-1]])  # first row of each run of a document
    if len(pd.unique(raw_docs[heads])) != heads.size:  # a document in more than one run: not contiguous
        return None
    words = (~tokens["is_punct"].to_numpy(dtype=bool) if drop_punct and "is_punct" in tokens.columns
             else np.ones(len(tokens), dtype=bool))
    before = np.concatenate([[0], np.cumsum(words, dtype=np.int64 if len(tokens) >= 2**31 else np.int32)])
    run_words = before[np.r_[heads[1:], len(tokens)]] - before[heads]  # words per run (document)
    keep = run_words > 0  # documents without a word are not documents of the table of words
    categories = pd.Index(token_values.cat.categories.astype("str"))
    is_wanted = categories.isin(wanted)
    token_codes = token_values.cat.codes.to_numpy()
    hit_rows = np.flatnonzero(is_wanted[token_codes] & words)
    if not hit_rows.size:
        raise ParameterError(f"terms={wanted!r}: none of them occurs in the tokens; check the spelling or "
                             "the segmentation (a longer word may contain it: try huayu.analysis.kwic with match='chars')")
    run_of_hit = np.searchsorted(heads, hit_rows, side="right") - 1
    rank_hit = (before[hit_rows] - before[heads[run_of_hit]]).astype(np.int64)
    doc_rank = np.cumsum(keep) - 1  # document code among the documents with words (corpus order)
    doc_names = np.asarray(doc_values.cat.categories.astype("str")[raw_docs[heads]], dtype=object)
    n_tok = run_words[run_of_hit]
    out = pd.DataFrame({
        "doc_id": pd.Series(doc_names[run_of_hit], dtype="str"),
        "term": pd.Series(np.asarray(categories, dtype=object)[token_codes[hit_rows]], dtype="str"),
        "token_index": rank_hit,
        "position": rank_hit / n_tok,
        "n_tokens": n_tok.astype(np.int64),
    })
    out["_t"] = out["term"].map({w: i for i, w in enumerate(wanted)})
    out["_d"] = pd.Series(doc_rank[run_of_hit])
    out = out.sort_values(["_t", "_d", "token_index"], kind="mergesort").drop(columns=["_t", "_d"])
    return out.reset_index(drop=True)


def longest_document(tokens: pd.DataFrame, *, drop_punct: bool = True) -> str:
    """The doc_id with the most tokens (punctuation not counted when ``drop_punct``); ties: the first in
    corpus order."""
    check_columns("tokens", tokens, ["doc_id", "token"])
    codes, order = factorize_strings(tokens["doc_id"])  # documents in corpus order, integer codes
    words = ~tokens["is_punct"].to_numpy(dtype=bool) if drop_punct and "is_punct" in tokens.columns else slice(None)
    sizes = np.bincount(codes[words], minlength=len(order))
    if not sizes.sum():
        raise ParameterError("tokens holds no word token: no document to choose")
    return str(order[int(np.argmax(sizes))])  # argmax: the first of the largest


def choose_document(tokens: pd.DataFrame, doc_id: str | None) -> tuple[str, str]:
    """``(doc_id, how)``: a given ``doc_id`` as it is (``how="given"``), an empty one (``None``, ``""``) the
    :func:`longest_document`, for the notebook to print."""
    if not is_none(doc_id):
        return doc_id, "given"
    chosen = longest_document(tokens)
    words = word_columns(tokens, ["doc_id"])
    n = int((words["doc_id"] == chosen).sum())
    return chosen, f"the longest document: {n} word tokens"
