"""Numbered formulas (数字式提法) across documents: notebook 07's tables.

The formulas are found by the segmentation stage's finder, :mod:`huayu.pipeline.segment.formulas`
(what counts as a formula, the lexicon, the priority rules and the numeral normalisation are described
there); this module tabulates them: every occurrence with its sentence (:func:`formula_table`), counts
per document (:func:`formulas_by_document`), the formulas several documents share
(:func:`shared_formulas`), a per-document summary (:func:`formula_summary`), counts per unit of comparison
(:func:`formulas_by_unit`) and, in a dated corpus, the first and last appearance of each formula
(:func:`formula_timeline`: the earliest and latest dated document that uses it, by year, then corpus order).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from typing import Any

from huayu.analysis import units
from huayu.checks import check_columns, check_int
from huayu.errors import ParameterError
from huayu.pipeline.segment.formulas import KINDS, formula_spans, normalize_formula

__all__ = ["formula_table", "formulas_by_document", "formulas_by_unit", "shared_formulas", "formula_summary",
           "formula_timeline"]

_TABLE_COLUMNS = ["doc_id", "sent_id", "char_start", "char_end", "surface", "normalized", "kind", "sentence"]


def formula_table(documents_table: pd.DataFrame, sentences: pd.DataFrame | None = None, *,
                  kinds: tuple[str, ...] | list[str] = ("numbered", "coded"),
                  max_slogan_chars: int = 8) -> pd.DataFrame:
    """Every formula occurrence with its document, sentence and offsets.

    ``documents_table`` needs ``doc_id`` and ``text`` (the cleaned text; offsets index it). With ``sentences``
    (``doc_id, sent_id, char_start, char_end, text``) each formula gets the ``sent_id`` and text of the
    sentence containing its start (``np.searchsorted`` on the sentence starts); otherwise ``sent_id`` is
    -1 and ``sentence`` empty. Columns: ``doc_id, sent_id, char_start, char_end, surface, normalized,
    kind, sentence``; rows in document order, then offset.
    """
    check_columns("documents_table", documents_table, ["doc_id", "text"])
    kinds = list(kinds)
    bad = [k for k in kinds if k not in KINDS]
    if bad or not kinds:
        raise ParameterError(f"kinds={kinds!r}: give one or more of {', '.join(KINDS)}")
    rows = []
    for doc_id, text in zip(documents_table["doc_id"], documents_table["text"]):
        for s in formula_spans(str(text), max_slogan_chars=max_slogan_chars, include_slogans="slogan" in kinds):
            if s.kind in kinds:
                rows.append((str(doc_id), s.start, s.end, s.surface, s.kind))
    out = pd.DataFrame(rows, columns=["doc_id", "char_start", "char_end", "surface", "kind"])
    out["char_start"] = out["char_start"].astype("int64")
    out["char_end"] = out["char_end"].astype("int64")
    out["normalized"] = [normalize_formula(s) for s in out["surface"]]
    out["sent_id"] = np.int64(-1)
    out["sentence"] = ""
    if sentences is not None and len(out):
        sent_ids, sent_text = sentence_at(out, sentences)
        out["sent_id"] = sent_ids
        out["sentence"] = pd.array(sent_text, dtype="str")
    out = out[_TABLE_COLUMNS].reset_index(drop=True)
    out.attrs["kinds"] = tuple(kinds)
    return out


def sentence_at(spans: pd.DataFrame, sentences: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The sentence containing each span's start: ``(sent_id, text)`` arrays aligned with ``spans``
    (``doc_id, char_start``); ``-1`` and ``""`` where a document has no sentence at or before the start.

    One ``np.searchsorted`` for all documents: the sentences are sorted once by (document, start) and every
    span is looked up by the key (its document's code, its start) — O((spans + sentences) log), where a
    lookup per document that filtered the whole sentences table each time was O(documents × sentences)."""
    check_columns("sentences", sentences, ["doc_id", "sent_id", "char_start", "text"])
    sent_ids = np.full(len(spans), -1, dtype=np.int64)
    sent_text = np.array([""] * len(spans), dtype=object)
    if not len(spans) or not len(sentences):
        return sent_ids, sent_text
    span_docs = spans["doc_id"].astype("str").to_numpy(dtype=object)
    sent_docs = sentences["doc_id"].astype("str").to_numpy(dtype=object)
    codes, _ = pd.factorize(np.concatenate([sent_docs, span_docs]), sort=False)
    sent_doc, span_doc = codes[:len(sent_docs)].astype(np.int64), codes[len(sent_docs):].astype(np.int64)
    sent_start = sentences["char_start"].to_numpy(np.int64)
    span_start = spans["char_start"].to_numpy(np.int64)
    width = int(max(sent_start.max(), span_start.max())) + 2
    order = np.lexsort((sent_start, sent_doc))
    keys = sent_doc[order] * width + sent_start[order]
    pos = np.searchsorted(keys, span_doc * width + span_start, side="right") - 1
    ok = pos >= 0
    ok[ok] = sent_doc[order][pos[ok]] == span_doc[ok]  # a sentence of the span's own document
    rows = order[pos[ok]]
    sent_ids[ok] = sentences["sent_id"].to_numpy(np.int64)[rows]
    sent_text[ok] = sentences["text"].iloc[rows].to_numpy(dtype=object)  # the texts found only, not every one
    return sent_ids, sent_text


def formulas_by_document(table: pd.DataFrame, *, form: str = "normalized") -> pd.DataFrame:
    """Counts of each formula (rows: ``form`` = ``"normalized"`` or ``"surface"``) in each document (columns).

    Documents keep the order of their first appearance in ``table``.
    """
    check_columns("table", table, ["doc_id", form] if form in ("normalized", "surface") else ["doc_id"])
    if form not in ("normalized", "surface"):
        raise ParameterError(f"form={form!r} is not valid; valid values: 'normalized', 'surface'")
    docs = list(dict.fromkeys(table["doc_id"]))
    counts = pd.crosstab(table[form], table["doc_id"]).reindex(columns=docs, fill_value=0)
    counts.columns.name = "doc_id"
    counts.index.name = form
    return counts.astype("int64")


def shared_formulas(table: pd.DataFrame, *, min_docs: int = 2) -> pd.DataFrame:
    """Formulas (by normalised form) used in at least ``min_docs`` documents.

    Columns: ``normalized, surfaces`` (the surface variants, ``"; "``-joined), ``n_docs``, ``docs``,
    ``total`` (occurrences). Sorted by ``n_docs`` then ``total``, descending, then ``normalized``.
    """
    check_columns("table", table, ["doc_id", "surface", "normalized"])
    min_docs = check_int("min_docs", min_docs, minimum=1)
    cols = ["normalized", "surfaces", "n_docs", "docs", "total"]
    if table.empty:
        return pd.DataFrame(columns=cols)
    g = table.groupby("normalized", sort=True)
    out = pd.DataFrame({
        "surfaces": g["surface"].agg(lambda s: "; ".join(dict.fromkeys(s))),
        "n_docs": g["doc_id"].nunique().astype("int64"),
        "docs": g["doc_id"].agg(lambda s: "; ".join(dict.fromkeys(s))),
        "total": g.size().astype("int64"),
    }).reset_index()
    out = out[out["n_docs"] >= min_docs]
    return out.sort_values(["n_docs", "total", "normalized"], ascending=[False, False, True])[cols].reset_index(
        drop=True)


def formula_summary(table: pd.DataFrame, documents_table: pd.DataFrame) -> pd.DataFrame:
    """One row per document: ``n_occurrences``, ``n_distinct`` (normalised forms), ``n_numbered``,
    ``n_coded``, ``n_shared`` (distinct formulas also used by another document) and
    ``per_10k_chars`` = 10,000 × occurrences / characters of the cleaned text. Documents without any
    formula are listed with zeros, in the order of ``documents_table``."""
    check_columns("table", table, ["doc_id", "normalized", "kind"])
    check_columns("documents_table", documents_table, ["doc_id", "text"])
    ids = [str(d) for d in documents_table["doc_id"]]
    n_docs_of = table.groupby("normalized")["doc_id"].nunique()
    g = table.groupby("doc_id", sort=False)
    out = pd.DataFrame(index=pd.Index(ids, name="doc_id"))
    out["n_occurrences"] = g.size()
    out["n_distinct"] = g["normalized"].nunique()
    kinds = pd.crosstab(table["doc_id"], table["kind"]) if len(table) else pd.DataFrame()
    for kind in ("numbered", "coded"):
        out[f"n_{kind}"] = kinds[kind] if kind in kinds else 0
    shared = table[table["normalized"].map(n_docs_of) >= 2]
    out["n_shared"] = shared.groupby("doc_id")["normalized"].nunique()
    out = out.fillna(0).astype("int64")
    chars = pd.Series([len(str(t)) for t in documents_table["text"]], index=ids)
    out["per_10k_chars"] = 10_000 * out["n_occurrences"] / chars.where(chars > 0)
    return out.reset_index()


def formulas_by_unit(table: pd.DataFrame, documents_table: pd.DataFrame, unit: str = "doc_id", *,
                     period: Any = "year", form: str = "surface") -> pd.DataFrame:
    """Counts of each formula (rows) in each unit of comparison (columns): the columns of
    :func:`formulas_by_document` summed by ``unit`` (``doc_id``, a metadata column, ``year`` or ``period``;
    :mod:`huayu.analysis.units`), units in :func:`huayu.analysis.units.unit_order`. A unit without any
    formula is left out (it has nothing to show)."""
    counts = formulas_by_document(table, form=form)
    if unit == "doc_id":
        return counts
    labels = units.document_units(documents_table, unit, period=period)
    order = [u for u in units.unit_order(labels) if u in set(labels.reindex(counts.columns))]
    summed = counts.T.groupby(labels.reindex(counts.columns).to_numpy(), sort=False).sum().T
    summed = summed.reindex(columns=order)
    summed.columns.name = unit
    return summed.astype("int64")


def formula_timeline(table: pd.DataFrame, documents_table: pd.DataFrame) -> pd.DataFrame:
    """The first and last appearance of each formula (by normalised form) in the dated documents.

    One row per formula used in at least one dated document: ``normalized, surfaces, n_docs, total,
    first_year, first_doc_id, last_year, last_doc_id, span_years`` (``last_year − first_year``) and
    ``n_years`` (distinct years with the formula). "First" is the smallest year, ties broken by corpus order
    (the order of ``documents_table``); "last" the largest year, ties broken by the latest in corpus order.
    Undated documents are left out. Rows by ``first_year``, then ``n_docs`` descending, then ``normalized``.
    """
    check_columns("table", table, ["doc_id", "surface", "normalized"])
    cols = ["normalized", "surfaces", "n_docs", "total", "first_year", "first_doc_id", "last_year",
            "last_doc_id", "span_years", "n_years"]
    years = units.document_years(documents_table)
    rank = pd.Series(np.arange(len(years)), index=years.index)
    dated = table[table["doc_id"].astype("str").map(years).notna().to_numpy()]
    if dated.empty:
        return pd.DataFrame({c: pd.Series(dtype="int64" if c in ("n_docs", "total", "span_years", "n_years")
                                          else "str") for c in cols})
    dated = dated.assign(year=dated["doc_id"].astype("str").map(years).astype("int64"),
                         rank=dated["doc_id"].astype("str").map(rank).astype("int64"))
    ordered = dated.sort_values(["normalized", "year", "rank"], kind="mergesort")
    g = ordered.groupby("normalized", sort=True)
    first, last = g.head(1).set_index("normalized"), g.tail(1).set_index("normalized")
    out = pd.DataFrame({
        "surfaces": g["surface"].agg(lambda s: "; ".join(dict.fromkeys(s))),
        "n_docs": g["doc_id"].nunique().astype("int64"),
        "total": g.size().astype("int64"),
        "first_year": first["year"].astype("int64"),
        "first_doc_id": first["doc_id"].astype("str"),
        "last_year": last["year"].astype("int64"),
        "last_doc_id": last["doc_id"].astype("str"),
        "n_years": g["year"].nunique().astype("int64"),
    })
    out["span_years"] = (out["last_year"] - out["first_year"]).astype("int64")
    out = out.reset_index()
    out = out.sort_values(["first_year", "n_docs", "normalized"], ascending=[True, False, True], kind="mergesort")
    return out[cols].reset_index(drop=True)
