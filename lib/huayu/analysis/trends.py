"""Keyword trends: relative frequency across narrative segments and across dated documents; dispersion.

Counting
--------
A document's *word tokens* are its tokens without punctuation, numbered ``j = 0 … L−1`` in text order.
``match="token"`` counts the tokens equal to the keyword (it must be one token of the segmentation);
``match="text"`` counts the keyword's non-overlapping occurrences in the cleaned text, whatever the
segmentation, each placed at the word token where it starts.

Granularity: with the coarse tokens table a keyword is counted where it is a whole token; with the fine one
(``read_tokens(granularity="fine")``) also where it is a part of a compound the dictionary keeps whole — a
count of 人居环境 includes 农村人居环境整治. ``N`` and positions are counted in coarse tokens either way (a part
sits at the position of its compound), so the two granularities differ only in the hits.

Relative frequency per 1,000 tokens of keyword ``k`` in a span with ``N`` word tokens and ``c`` hits:
``f = 1000 · c / N`` (Biber, Conrad & Reppen 1998, *Corpus Linguistics*, §9 "normalisation"; Voyant
Tools' "Trends" tool, Sinclair & Rockwell 2016, which uses the same per-segment relative frequencies).

Narrative segments: token ``j`` of a document of ``L`` tokens falls in segment ``⌊j · S / L⌋ + 1`` of
``S`` (sizes differ by at most one token), so segment 1 is the opening and segment ``S`` the close of
every document whatever its length.

Dispersion plot: each hit drawn at its relative position ``j / L`` in the document (Bird, Klein & Loper
2009, *Natural Language Processing with Python*, ch. 1, ``dispersion_plot``).

Rates by unit and over time (:func:`keyword_rates`): the documents of a unit (a metadata column, ``year`` or a
``period`` bin, :mod:`huayu.analysis.units`) are pooled, ``f = 1000 · c / N`` with ``c`` the keyword's hits and
``N`` the word tokens of the unit, and the confidence interval is the **exact Poisson interval** of the count
(Garwood 1936, "Fiducial limits for the Poisson distribution", *Biometrika* 28: 437–442; Ulm 1990, *American
Journal of Epidemiology* 131: 373–375), scaled to the rate::

    lower = χ²(α/2; 2c) / 2 · 1000 / N          (0 when c = 0)
    upper = χ²(1 − α/2; 2c + 2) / 2 · 1000 / N

with ``χ²(p; k)`` the ``p`` quantile of the χ² distribution with ``k`` degrees of freedom and ``α = 1 − ci``
(for ``c = 0`` at 95 %: ``[0, 3.689]`` per ``N`` tokens). It treats tokens as independent draws, so it is the
sampling error of the count, not the variation between the documents of a year; a unit made of one document
(one work report a year) has no other.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from huayu.analysis import units as units_module
from huayu.checks import (check_choice, check_columns, check_fraction, check_int, check_string_list,
                          select_documents)
from huayu.errors import ParameterError
from huayu.pipeline.metadata import date_sort_key

__all__ = ["keyword_hits", "keywords_present", "keyword_segments", "keyword_by_document", "dispersion_positions",
           "poisson_interval", "keyword_rates", "hits_by_unit", "ParameterError"]

MATCH_MODES = ("token", "text")
UNDATED = "undated"


def _word_tokens(tokens: pd.DataFrame, doc_ids: Iterable[str] | str | None) -> pd.DataFrame:
    """Word tokens (no punctuation) of the chosen documents, each document contiguous and in text order,
    with their ``position`` in the document and the document's ``length`` (both in word tokens).

    ``tokens`` may be the fine granularity (``read_tokens(granularity="fine")``, ``NotebookContext.tokens_fine``):
    each token followed by its parts, which repeat its ``token_index``. A part is then a word token that is
    counted (``is_part`` true) but adds nothing to the length, and it sits at the position of the token it
    lies in: the rate of 人居环境 counts its occurrences inside 农村人居环境整治 per 1,000 *coarse* tokens.
    """
    check_columns("tokens", tokens, ["doc_id", "token", "char_start", "is_punct"])
    words = select_documents(tokens, doc_ids)
    columns = ["doc_id", "token", "char_start"] + (["token_index"] if "token_index" in words.columns else [])
    words = words.loc[~words["is_punct"].to_numpy(dtype=bool), columns]
    if words.empty:
        raise ParameterError("tokens holds no word token for the chosen documents")
    doc_codes, doc_index = pd.factorize(words["doc_id"], sort=False)
    if np.any(np.diff(doc_codes) < 0):  # documents interleaved: make each one contiguous
        order = np.argsort(doc_codes, kind="stable")
        words = words.iloc[order]
        doc_codes = doc_codes[order]
    if "token_index" in words.columns:  # a part repeats the token_index of the token before it
        key = doc_codes.astype(np.int64) * (1 << 40) + words["token_index"].to_numpy(dtype=np.int64)
        step = np.diff(key)
        if (step >= 0).all():  # each token's rows together (the fine table's order): a repeat is the row before
            is_part = np.r_[False, step == 0]
        else:
            is_part = pd.Series(key).duplicated().to_numpy()
        del key, step
        words = words.drop(columns="token_index")
    else:
        is_part = np.zeros(len(words), dtype=bool)
    lengths = np.bincount(doc_codes[~is_part], minlength=len(doc_index))
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    words = words.reset_index(drop=True)
    # int32 per row (positions within one document): at 10,000 documents 60 M rows, 1 GB less than int64
    words["doc_code"] = doc_codes.astype(np.int32)
    words["position"] = (np.cumsum(~is_part) - 1 - starts[doc_codes]).astype(np.int32)
    words["length"] = lengths[doc_codes].astype(np.int32)
    words["char_start"] = words["char_start"].astype(np.int32)
    words["is_part"] = is_part
    return words


def keyword_hits(tokens: pd.DataFrame, keywords: Iterable[str], *, doc_ids: Iterable[str] | None = None,
                 match: str = "token", texts: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every occurrence of every keyword: ``doc_id, keyword, position, length, char_start, relative_position``.

    ``match``: ``"token"`` (the keyword is a token) or ``"text"`` (substring of the cleaned text; needs
    ``texts`` = the documents table with ``doc_id, text``). An empty ``keywords``, an unknown doc_id or a
    keyword found nowhere in the chosen documents raises :class:`ParameterError` naming it.
    """
    keywords = check_string_list("keywords", keywords, allow_empty=False)
    check_choice("match", match, MATCH_MODES)
    return _hits(_word_tokens(tokens, doc_ids), keywords, match, texts)


def keywords_present(tokens: pd.DataFrame, keywords: Iterable[str], *, doc_ids: Iterable[str] | None = None,
                     match: str = "token", texts: pd.DataFrame | None = None) -> tuple[list[str], list[str]]:
    """``(present, missing)``: the keywords that occur in the chosen documents and those that never do, each
    in the given order, so a notebook can leave out (and name) the missing ones before counting.

    Raises :class:`ParameterError` (as :func:`keyword_hits` does) only when none of them occurs.
    """
    keywords = check_string_list("keywords", keywords, allow_empty=False)
    check_choice("match", match, MATCH_MODES)
    words = _word_tokens(tokens, doc_ids)
    found = set(_hits(words, keywords, match, texts, strict=False)["keyword"])
    present = [k for k in keywords if k in found]
    if not present:
        _hits(words, keywords, match, texts)  # raises, naming the keywords (and a hint for match='text')
    return present, [k for k in keywords if k not in found]


def _hits(words: pd.DataFrame, keywords: list[str], match: str, texts: pd.DataFrame | None, *,
          strict: bool = True) -> pd.DataFrame:
    if match == "token":
        hits = words.loc[words["token"].isin(keywords).to_numpy(),
                         ["doc_id", "token", "position", "length", "char_start"]]
        hits = hits.rename(columns={"token": "keyword"}).astype(
            {"position": np.int64, "length": np.int64, "char_start": np.int64})
    else:
        if texts is None:
            raise ParameterError("match='text' needs texts=<the documents table with doc_id and text>")
        check_columns("texts", texts, ["doc_id", "text"])
        hits = _text_hits(words, keywords, texts)
    hits = hits.assign(relative_position=hits["position"] / hits["length"])
    found = set(hits["keyword"])
    missing = [k for k in keywords if k not in found]
    if missing and strict:
        hint = ""
        if match == "token" and texts is not None:
            in_text = [k for k in missing
                       if texts["text"].astype("str").str.contains(k, regex=False).any()]
            if in_text:
                hint = (f"; {in_text} occur in the text but not as single tokens — use match='text' "
                        "or add them to the segmentation dictionary")
        raise ParameterError(f"keywords: {missing} never occur in the chosen documents "
                             f"(match={match!r}){hint}")
    hits["doc_id"] = hits["doc_id"].astype("str")
    hits["keyword"] = hits["keyword"].astype("str")
    order = {k: i for i, k in enumerate(keywords)}
    doc_order = {d: i for i, d in enumerate(pd.unique(words["doc_id"]))}
    hits = hits.assign(_d=hits["doc_id"].map(doc_order), _k=hits["keyword"].map(order))
    hits = hits.sort_values(["_d", "_k", "position"], kind="stable").drop(columns=["_d", "_k"])
    return hits.reset_index(drop=True)


def _text_hits(words: pd.DataFrame, keywords: list[str], texts: pd.DataFrame) -> pd.DataFrame:
    text_of = texts.drop_duplicates("doc_id").set_index("doc_id")["text"]
    frames = []
    for doc_id, group in words.loc[~words["is_part"].to_numpy()].groupby("doc_id", sort=False):  # the text's
        if doc_id not in text_of.index:                                  # words, no parts; one document a turn
            raise ParameterError(f"texts has no text for doc_id {doc_id!r}")
        text = str(text_of[doc_id])
        starts = group["char_start"].to_numpy()
        for keyword in keywords:
            offsets = np.array([m.start() for m in re.finditer(re.escape(keyword), text)], dtype=np.int64)
            if offsets.size == 0:
                continue
            # the word token containing (or the first one after) the match start
            pos = np.clip(np.searchsorted(starts, offsets, side="right") - 1, 0, len(starts) - 1)
            frames.append(pd.DataFrame({"doc_id": doc_id, "keyword": keyword, "position": pos.astype(np.int64),
                                        "length": np.int64(len(starts)), "char_start": offsets}))
    if not frames:
        return pd.DataFrame({"doc_id": pd.Series(dtype="str"), "keyword": pd.Series(dtype="str"),
                             "position": pd.Series(dtype=np.int64), "length": pd.Series(dtype=np.int64),
                             "char_start": pd.Series(dtype=np.int64)})
    return pd.concat(frames, ignore_index=True)


def keyword_segments(tokens: pd.DataFrame, keywords: Iterable[str], n_segments: int = 10, *,
                     doc_ids: Iterable[str] | None = None, match: str = "token",
                     texts: pd.DataFrame | None = None) -> pd.DataFrame:
    """Relative frequency of each keyword in ``n_segments`` equal segments of each document.

    One row per (document, keyword, segment), zeros included: ``doc_id, keyword, segment (1…S),
    count, n_tokens, per_1000``. Formulas in the module docstring.
    """
    keywords = check_string_list("keywords", keywords, allow_empty=False)
    check_choice("match", match, MATCH_MODES)
    n_segments = check_int("n_segments", n_segments, minimum=1)
    words = _word_tokens(tokens, doc_ids)
    shortest = int(words["length"].min())
    if n_segments > shortest:
        raise ParameterError(f"n_segments={n_segments} is larger than the shortest chosen document "
                             f"({shortest} word tokens); choose n_segments ≤ {shortest}")
    hits = _hits(words, keywords, match, texts)
    segment_of = words["position"].to_numpy().astype(np.int64) * n_segments // words["length"].to_numpy()
    doc_order = list(pd.unique(words["doc_id"]))
    n_docs, n_kw = len(doc_order), len(keywords)
    coarse = ~words["is_part"].to_numpy()  # a part is no word of its own in the segment's size
    seg_tokens = np.bincount((words["doc_code"].to_numpy().astype(np.int64) * n_segments + segment_of)[coarse],
                             minlength=n_docs * n_segments)
    doc_code = pd.Index(doc_order).get_indexer(hits["doc_id"])
    kw_code = pd.Index(keywords).get_indexer(hits["keyword"])
    hit_segment = hits["position"].to_numpy() * n_segments // hits["length"].to_numpy()
    counts = np.bincount((doc_code * n_kw + kw_code) * n_segments + hit_segment,
                         minlength=n_docs * n_kw * n_segments)
    d = np.repeat(np.arange(n_docs), n_kw * n_segments)
    k = np.tile(np.repeat(np.arange(n_kw), n_segments), n_docs)
    s = np.tile(np.arange(n_segments), n_docs * n_kw)
    n_tok = seg_tokens[d * n_segments + s]
    return pd.DataFrame({
        "doc_id": pd.Series(np.asarray(doc_order, dtype=object)[d], dtype="str"),
        "keyword": pd.Series(np.asarray(keywords, dtype=object)[k], dtype="str"),
        "segment": (s + 1).astype(np.int64),
        "count": counts.astype(np.int64),
        "n_tokens": n_tok.astype(np.int64),
        "per_1000": 1000.0 * counts / n_tok,
    })


def keyword_by_document(tokens: pd.DataFrame, keywords: Iterable[str], documents_table: pd.DataFrame, *,
                        doc_ids: Iterable[str] | None = None, match: str = "token") -> pd.DataFrame:
    """Relative frequency of each keyword in each whole document, documents ordered by date.

    Columns: ``doc_id, date, date_certainty, dated, keyword, count, n_tokens, per_1000, order``
    (``date_certainty`` from the metadata, empty if the table has none). Documents without a
    date (e.g. the template) come last with ``dated = False`` and ``date = "undated"`` — kept, never
    dropped; the plot sets them apart. Ties in date keep the corpus order.
    """
    check_columns("documents_table", documents_table, ["doc_id", "date"])
    texts = documents_table if "text" in documents_table.columns else None
    keywords = check_string_list("keywords", keywords, allow_empty=False)
    check_choice("match", match, MATCH_MODES)
    words = _word_tokens(tokens, doc_ids)
    hits = _hits(words, keywords, match, texts)
    lengths = words.groupby("doc_id", sort=False)["length"].first().astype(np.int64)
    meta = documents_table.drop_duplicates("doc_id").set_index("doc_id")
    doc_order = list(lengths.index)
    raw_dates = meta["date"].reindex(doc_order).fillna("").astype("str")
    dates = date_sort_key(raw_dates)  # YYYY, YYYY-MM or YYYY-MM-DD; empty → NaT
    corpus_rank = np.arange(len(doc_order))
    date_key = np.where(dates.isna().to_numpy(), np.iinfo(np.int64).max,
                        dates.to_numpy().astype("datetime64[D]").astype(np.int64))
    order = np.lexsort((corpus_rank, date_key, dates.isna().to_numpy()))
    ordered = [doc_order[i] for i in order]
    counts = hits.groupby(["doc_id", "keyword"]).size()
    index = pd.MultiIndex.from_product([ordered, keywords], names=["doc_id", "keyword"])
    table = counts.reindex(index, fill_value=0).rename("count").reset_index()
    table["n_tokens"] = table["doc_id"].map(lengths).astype(np.int64)
    table["per_1000"] = 1000.0 * table["count"] / table["n_tokens"]
    table["dated"] = table["doc_id"].map(dates.notna()).astype(bool)
    table["date"] = table["doc_id"].map(raw_dates.where(dates.notna(), UNDATED)).astype("str")
    table["order"] = table["doc_id"].map({d: i + 1 for i, d in enumerate(ordered)}).astype(np.int64)
    certainty = (meta["date_certainty"].astype("str").to_dict() if "date_certainty" in meta.columns else {})
    table["date_certainty"] = pd.Series([certainty.get(d, "") for d in table["doc_id"]], index=table.index,
                                        dtype="str")
    table["doc_id"] = table["doc_id"].astype("str")
    table["keyword"] = table["keyword"].astype("str")
    table["count"] = table["count"].astype(np.int64)
    return table[["doc_id", "date", "date_certainty", "dated", "keyword", "count", "n_tokens", "per_1000", "order"]]


def dispersion_positions(tokens: pd.DataFrame, keywords: Iterable[str], *,
                         doc_ids: Iterable[str] | None = None, match: str = "token",
                         texts: pd.DataFrame | None = None) -> pd.DataFrame:
    """Where each keyword falls in each document: the hits of :func:`keyword_hits` (relative positions
    ``j / L`` in ``[0, 1)``), ready for a lexical dispersion plot."""
    return keyword_hits(tokens, keywords, doc_ids=doc_ids, match=match, texts=texts)


def poisson_interval(counts: Any, ci: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """The exact (Garwood) confidence interval of Poisson counts: ``(lower, upper)`` arrays of the expected
    count (formula in the module docstring; ``lower = 0`` for a count of 0)."""
    ci = _check_ci(ci)
    c = np.asarray(counts, dtype=np.float64)
    if np.any(c < 0) or np.any(c != np.round(c)):
        raise ParameterError("counts must be non-negative integers")
    alpha = 1.0 - ci
    lower = np.where(c > 0, stats.chi2.ppf(alpha / 2, np.maximum(2 * c, 1e-300)) / 2, 0.0)
    upper = stats.chi2.ppf(1 - alpha / 2, 2 * c + 2) / 2
    return lower, upper


def _check_ci(ci: Any) -> float:
    return check_fraction("ci", ci, what="a confidence level", example="0.95")


def keyword_rates(tokens: pd.DataFrame, keywords: Iterable[str], documents_table: pd.DataFrame, *,
                  unit: str = "doc_id", period: Any = "year", ci: float = 0.95,
                  doc_ids: Iterable[str] | None = None, match: str = "token") -> pd.DataFrame:
    """Relative frequency of each keyword per unit, with its exact Poisson confidence interval.

    ``unit`` is ``"doc_id"``, a metadata column, ``"year"`` or ``"period"`` (bins by ``period``: ``"year"``,
    ``"five_year_plan"`` or break years; :mod:`huayu.analysis.units`). One row per (unit, keyword), zeros
    included, units in :func:`huayu.analysis.units.unit_order` (chronological for years and periods):
    ``unit, keyword, n_documents, n_tokens, count, per_1000, ci_low, ci_high, start_year, end_year`` —
    ``start_year``/``end_year`` are the period's bounds for ``year``/``period`` and the first and last year
    of the unit's dated documents otherwise (missing when it has none). Formulas in the module docstring.
    """
    check_columns("documents_table", documents_table, ["doc_id"])
    keywords = check_string_list("keywords", keywords, allow_empty=False)
    check_choice("match", match, MATCH_MODES)
    ci = _check_ci(ci)
    texts = documents_table if "text" in documents_table.columns else None
    words = _word_tokens(tokens, doc_ids)
    hits = _hits(words, keywords, match, texts, strict=False)
    labels = units_module.document_units(documents_table, unit, period=period)
    docs = list(pd.unique(words["doc_id"]))
    missing = [d for d in docs if d not in labels.index]
    if missing:
        raise ParameterError(f"documents_table has no row for doc_id(s) {missing[:10]} found in tokens")
    labels = labels.loc[docs]
    order = units_module.unit_order(labels)
    lengths = words.groupby("doc_id", sort=False)["length"].first().astype(np.int64)
    unit_tokens = lengths.groupby(labels.reindex(lengths.index).to_numpy(), sort=False).sum().reindex(order)
    unit_docs = labels.value_counts().reindex(order)
    hit_units = labels.reindex(hits["doc_id"]).to_numpy()
    counts = hits.assign(unit=hit_units).groupby(["unit", "keyword"]).size()
    index = pd.MultiIndex.from_product([order, keywords], names=["unit", "keyword"])
    table = counts.reindex(index, fill_value=0).rename("count").reset_index()
    table["count"] = table["count"].astype(np.int64)
    table.insert(2, "n_documents", table["unit"].map(unit_docs).astype(np.int64))
    table.insert(3, "n_tokens", table["unit"].map(unit_tokens).astype(np.int64))
    scale = 1000.0 / table["n_tokens"].to_numpy(dtype=np.float64)
    low, high = poisson_interval(table["count"].to_numpy(), ci)
    table["per_1000"] = table["count"].to_numpy() * scale
    table["ci_low"] = low * scale
    table["ci_high"] = high * scale
    has_dates = "date" in documents_table.columns or "year" in documents_table.columns
    if unit in ("year", "period") and has_dates:
        periods = units_module.document_periods(documents_table, period if unit == "period" else "year")
        periods = periods.loc[docs]
        bounds = periods.groupby("period", sort=False)[["period_start", "period_end"]].first()
        start, end = bounds["period_start"], bounds["period_end"]
    elif has_dates:
        years = units_module.document_years(documents_table).loc[docs]
        start = years.groupby(labels.to_numpy(), sort=False).min()
        end = years.groupby(labels.to_numpy(), sort=False).max()
    else:
        start = end = pd.Series(dtype="Int64")
    table["start_year"] = table["unit"].map(start).astype("Int64")
    table["end_year"] = table["unit"].map(end).astype("Int64")
    table["unit"] = table["unit"].astype("str")
    table["keyword"] = table["keyword"].astype("str")
    table.attrs.update({"unit": unit, "period": period, "ci": ci})
    return table


def hits_by_unit(hits: pd.DataFrame, tokens: pd.DataFrame, documents_table: pd.DataFrame, *, unit: str = "doc_id",
                 period: Any = "year", ci: float = 0.95) -> pd.DataFrame:
    """Rows of any table with a ``doc_id`` column (a concordance, a list of hits) counted per unit, as a rate.

    One row per unit (:func:`huayu.analysis.units.unit_order`), every unit of the corpus even with no hit:
    ``unit, n_documents, n_tokens, count, per_1000, ci_low, ci_high`` (word tokens of the unit's documents;
    exact Poisson interval as in :func:`keyword_rates`)."""
    check_columns("hits", hits, ["doc_id"])
    ci = _check_ci(ci)
    labels = units_module.document_units(documents_table, unit, period=period)
    order = units_module.unit_order(labels)
    n_tokens = units_module.document_tokens(tokens).reindex(labels.index).fillna(0)
    unknown = sorted(set(hits["doc_id"].astype("str")) - set(labels.index))
    if unknown:
        raise ParameterError(f"hits has doc_id(s) {unknown[:5]} that the documents table does not have")
    counts = labels.reindex(hits["doc_id"].astype("str")).value_counts().reindex(order, fill_value=0)
    out = pd.DataFrame({"unit": pd.Series(order, dtype="str"),
                        "n_documents": labels.value_counts().reindex(order).to_numpy(dtype=np.int64),
                        "n_tokens": n_tokens.groupby(labels.to_numpy(), sort=False).sum().reindex(order)
                        .to_numpy(dtype=np.int64),
                        "count": counts.to_numpy(dtype=np.int64)})
    scale = 1000.0 / out["n_tokens"].where(out["n_tokens"] > 0).to_numpy(dtype=np.float64)
    low, high = poisson_interval(out["count"].to_numpy(), ci)
    out["per_1000"] = out["count"] * scale
    out["ci_low"] = low * scale
    out["ci_high"] = high * scale
    out.attrs.update({"unit": unit, "period": period, "ci": ci})
    return out
