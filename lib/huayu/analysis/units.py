"""Units of comparison and period bins: what a notebook counts by.

A **unit** is what a figure or table compares: ``"doc_id"`` (every document on its own), any column of the
documents table — the metadata of ``metadata.csv`` (``province``, ``admin_level``, ``genre``, ``speakers`` …,
including columns a researcher added) — or one of two columns derived from ``date``:

* ``"year"`` — the first four digits of ``date``;
* ``"period"`` — the bin of the year chosen by ``period``:

  - ``"year"``: every year its own period;
  - ``"five_year_plan"``: the plan periods of ``data/dictionaries/five_year_plans.csv`` (1953–1957 the 1st
    plan … 2026–2030 the 15th, the 1963–1965 readjustment years and the 1949–1952 recovery as periods of their
    own; a year outside every row is ``before 1949`` / ``after 2030``);
  - a list of break years ``[1978, 2012]``: each break opens a period, so the bins are
    ``first year … 1977``, ``1978 … 2011``, ``2012 … last year`` (first and last year of the corpus).

  Period labels are ``"1953–1957"`` (``"1954"`` for a single year).

A document without a value (an empty cell, or no date for ``year``/``period``) belongs to the unit
``"unknown"``; it is never dropped. :func:`document_units` gives each document its unit label,
:func:`unit_order` the order in which units are shown (corpus order; chronological for ``year`` and
``period``, ``unknown`` last), :func:`sum_by_unit` sums a document–term matrix by unit with one sparse
product ``C_units = A · C_documents`` where ``A[u, d] = 1`` when document ``d`` belongs to unit ``u`` — no
Python loop over documents — and :func:`unit_table` lists the units with their documents and sizes.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from huayu.checks import check_columns, is_none
from huayu.errors import DictionaryError, ParameterError

__all__ = ["UNKNOWN", "DERIVED_UNITS", "PERIOD_RULES", "five_year_plans", "check_period", "document_years",
           "document_periods", "document_units", "unit_order", "sum_by_unit", "mean_by_unit", "document_tokens",
           "unit_table", "is_dated", "describe_dating", "valid_units", "ParameterError"]

UNKNOWN = "unknown"
#: Units derived from ``date`` (not columns of metadata.csv).
DERIVED_UNITS = ("year", "period")
#: Named period rules (besides a list of break years).
PERIOD_RULES = ("year", "five_year_plan")
#: Columns of the documents table that are not metadata (never a unit).
_NOT_UNITS = {"text"}
_YEAR = re.compile(r"^\s*(\d{4})")
_PLAN_COLUMNS = ["period", "label_zh", "label_en", "start", "end", "note"]


@functools.lru_cache(maxsize=1)
def _plans() -> pd.DataFrame:
    from huayu.paths import ROOT

    path = ROOT / "data" / "dictionaries" / "five_year_plans.csv"
    try:
        table = pd.read_csv(path, dtype={"period": "str", "label_zh": "str", "label_en": "str", "note": "str"},
                            keep_default_na=False, encoding="utf-8-sig")
    except OSError as exc:
        raise DictionaryError(f"{path}: cannot read the five-year-plan periods ({exc})") from None
    missing = [c for c in _PLAN_COLUMNS if c not in table.columns]
    if missing:
        raise DictionaryError(f"{path}: missing column(s) {missing}; expected {_PLAN_COLUMNS}")
    for col in ("start", "end"):
        bad = pd.to_numeric(table[col], errors="coerce").isna()
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0]) + 2
            raise DictionaryError(f"{path}, line {row}: {col}={table[col].iloc[row - 2]!r} is not a year")
        table[col] = table[col].astype("int64")
    table = table.sort_values("start", kind="mergesort").reset_index(drop=True)
    bad = table["end"] < table["start"]
    overlap = table["start"].iloc[1:].to_numpy() <= table["end"].iloc[:-1].to_numpy()
    if bad.any() or overlap.any():
        which = table["period"][bad].tolist() + table["period"].iloc[1:][overlap].tolist()
        raise DictionaryError(f"{path}: period(s) {which} end before they start or overlap the previous one")
    return table


def five_year_plans() -> pd.DataFrame:
    """The periods of ``data/dictionaries/five_year_plans.csv``: ``period, label_zh, label_en, start, end, note``
    (years inclusive), by start year."""
    return _plans().copy()


def check_period(period: Any) -> str | list[int]:
    """``"year"``, ``"five_year_plan"`` or a sorted list of break years; empty (``""``, ``[]``, ``None``) is
    ``"year"``. Anything else raises :class:`ParameterError` naming the valid values."""
    if is_none(period):
        return "year"
    if isinstance(period, str):
        if period in PERIOD_RULES:
            return period
        raise ParameterError(f"period={period!r} is not a period rule; valid values: 'year', 'five_year_plan' "
                             "or a list of break years such as [1978, 2012]")
    if isinstance(period, Iterable) and not isinstance(period, Mapping):
        years = []
        for value in period:
            if isinstance(value, bool) or not isinstance(value, int | np.integer | str) or not str(value).isdigit():
                raise ParameterError(f"period={period!r}: {value!r} is not a year; give break years as integers, "
                                     "e.g. [1978, 2012]")
            year = int(value)
            if not 1000 <= year <= 2999:
                raise ParameterError(f"period={period!r}: {year} is not a plausible year (1000–2999)")
            years.append(year)
        if not years:
            return "year"
        return sorted(set(years))
    raise ParameterError(f"period={period!r}: give 'year', 'five_year_plan' or a list of break years")


def document_years(documents_table: pd.DataFrame) -> pd.Series:
    """The year of each document (index ``doc_id``, nullable ``Int64``): the four leading digits of ``date``
    (``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``), or a ``year`` column when the table has one; missing where
    there is no date."""
    check_columns("documents_table", documents_table, ["doc_id"])
    index = pd.Index(documents_table["doc_id"].astype("str"), name="doc_id")
    if "year" in documents_table.columns:
        values = pd.to_numeric(documents_table["year"], errors="coerce")
    else:
        check_columns("documents_table", documents_table, ["date"])
        digits = documents_table["date"].astype("str").str.extract(_YEAR, expand=False)
        values = pd.to_numeric(digits, errors="coerce")
    return pd.Series(values.to_numpy(), index=index, name="year").astype("Int64")


def _label(start: int, end: int) -> str:
    return str(start) if start == end else f"{start}–{end}"


def document_periods(documents_table: pd.DataFrame, period: Any = "year") -> pd.DataFrame:
    """The period of each document (index ``doc_id``): ``year``, ``period`` (label), ``period_start``,
    ``period_end`` (years, inclusive) and ``period_name`` (the plan's English name for
    ``"five_year_plan"``, else the label). Undated documents get ``period = "unknown"`` and missing years.
    The open ends of break-year bins are the corpus's first and last year."""
    rule = check_period(period)
    years = document_years(documents_table)
    out = pd.DataFrame({"year": years, "period": UNKNOWN, "period_start": pd.NA, "period_end": pd.NA,
                        "period_name": UNKNOWN}, index=years.index)
    dated = years.notna().to_numpy()
    y = years[dated].astype("int64").to_numpy()
    if y.size:
        if rule == "year":
            start, end, name = y, y, None
        elif rule == "five_year_plan":
            plans = _plans()
            first, last = int(plans["start"].iloc[0]), int(plans["end"].iloc[-1])
            row = np.clip(np.searchsorted(plans["start"].to_numpy(), y, side="right") - 1, 0, None)
            inside = (y >= first) & (y <= plans["end"].to_numpy()[row])
            if np.any(~inside & (y >= first) & (y <= last)):
                gap = int(y[~inside & (y >= first) & (y <= last)][0])
                raise DictionaryError(f"five_year_plans.csv: no period holds the year {gap}")
            before, after = y < first, y > last
            start = np.where(inside, plans["start"].to_numpy()[row], np.where(before, y.min(), last + 1))
            end = np.where(inside, plans["end"].to_numpy()[row], np.where(before, first - 1, y.max()))
            name = np.where(inside, plans["label_en"].to_numpy()[row],
                            np.where(before, f"before {first}", f"after {last}"))
        else:
            edges = np.array(rule, dtype=np.int64)
            row = np.searchsorted(edges, y, side="right")  # 0 = before the first break
            start = np.concatenate([[y.min()], edges])[row]
            end = np.concatenate([edges - 1, [y.max()]])[row]
            name = None
        labels = [_label(int(a), int(b)) for a, b in zip(start, end, strict=True)]
        if rule == "five_year_plan":
            labels = [str(n) if str(n).startswith(("before", "after")) else lab for lab, n in zip(labels, name, strict=True)]
        out.loc[dated, "period"] = labels
        out.loc[dated, "period_start"] = start
        out.loc[dated, "period_end"] = end
        out.loc[dated, "period_name"] = labels if name is None else list(name)
    out["period_start"] = out["period_start"].astype("Int64")
    out["period_end"] = out["period_end"].astype("Int64")
    out["period"] = out["period"].astype("str")
    out["period_name"] = out["period_name"].astype("str")
    return out


def valid_units(documents_table: pd.DataFrame) -> list[str]:
    """Every value ``unit`` may take for this documents table: ``doc_id``, its metadata columns, ``year``, ``period``."""
    columns = [str(c) for c in documents_table.columns if c not in _NOT_UNITS]
    return list(dict.fromkeys(["doc_id", *columns, *DERIVED_UNITS]))


def document_units(documents_table: pd.DataFrame, unit: str = "doc_id", *, period: Any = "year") -> pd.Series:
    """The unit label of each document (index ``doc_id``, values ``str``, name ``unit``).

    ``unit`` is ``"doc_id"``, a column of ``documents_table`` or ``"year"``/``"period"`` (derived from
    ``date``; ``period`` is the rule, see the module docstring). An empty value becomes ``"unknown"``.
    An unknown ``unit`` raises :class:`ParameterError` listing the valid ones.
    """
    check_columns("documents_table", documents_table, ["doc_id"])
    valid = valid_units(documents_table)
    if not isinstance(unit, str) or unit not in valid:
        raise ParameterError(f"unit={unit!r} is not a column of the documents table; valid values: "
                             + ", ".join(repr(v) for v in valid))
    index = pd.Index(documents_table["doc_id"].astype("str"), name="doc_id")
    if unit == "doc_id":
        return pd.Series(index.to_numpy(), index=index, name="doc_id", dtype="str")
    if unit == "period" and "period" not in documents_table.columns:
        values = document_periods(documents_table, period)["period"]
    elif unit == "year" and "year" not in documents_table.columns:
        years = document_years(documents_table)
        values = years.astype("str").where(years.notna(), UNKNOWN)
    else:
        values = documents_table[unit].astype("str")
        values = values.where(documents_table[unit].notna(), UNKNOWN)
    values = pd.Series(np.asarray(values, dtype=object), index=index)
    values = values.mask(values.str.strip().isin(["", "nan", "None", "<NA>", "NaT"]), UNKNOWN)
    return pd.Series(values.to_numpy(), index=index, name=unit, dtype="str")


def _start_year(label: str) -> float:
    match = re.search(r"(\d{4})", str(label))
    return float(match.group(1)) if match else np.inf


def unit_order(labels: pd.Series) -> list[str]:
    """The units of ``labels`` (from :func:`document_units`) in display order: chronological for ``year`` and
    ``period`` (``before …`` first), else the order of their first document; ``unknown`` last."""
    units = list(dict.fromkeys(str(v) for v in labels))
    known = [u for u in units if u != UNKNOWN]
    if labels.name in DERIVED_UNITS:
        known = sorted(known, key=lambda u: (_start_year(u) - (0.5 if u.startswith("before") else 0), u))
    return known + ([UNKNOWN] if UNKNOWN in units else [])


def sum_by_unit(dfm, labels: pd.Series | Mapping[str, str], order: Iterable[str] | None = None):
    """The document–term matrix ``dfm`` (units = doc_ids) summed by unit: ``n[u, t] = Σ_{d ∈ u} n[d, t]``.

    One sparse product ``A · C`` with the indicator ``A[u, d] = 1`` if document ``d`` is in unit ``u``. ``labels``
    maps doc_id → unit (:func:`document_units`); every document of ``dfm`` must have one. Units are in
    ``order`` (default :func:`unit_order`); a unit without a document of ``dfm`` is left out. With
    ``unit="doc_id"`` labels (``labels.name == "doc_id"``) the matrix comes back unchanged.
    """
    from huayu.analysis.dfm import DocumentTermMatrix

    labels = labels if isinstance(labels, pd.Series) else pd.Series(dict(labels), dtype="str")
    docs = pd.Index([str(u) for u in dfm.units])
    if labels.name == "doc_id" and order is None:
        return dfm
    mapped = labels.reindex(docs)
    if mapped.isna().any():
        missing = list(docs[mapped.isna().to_numpy()][:5])
        raise ParameterError(f"the matrix has unit(s) {missing} that are not documents of the labels (documents "
                             "already summed into groups?); sum documents either by groups or by unit, not both")
    present = set(mapped)
    order = [u for u in (unit_order(labels) if order is None else list(order)) if u in present]
    if set(order) != present:
        raise ParameterError(f"order leaves out unit(s) {sorted(present - set(order))[:5]}")
    codes = pd.Index(order).get_indexer(mapped.to_numpy())
    indicator = sp.csr_matrix((np.ones(len(docs), dtype=np.int64), (codes, np.arange(len(docs)))),
                              shape=(len(order), len(docs)))
    matrix = (indicator @ dfm.matrix).tocsr().astype(np.int64)
    return DocumentTermMatrix(matrix, pd.Index(order, dtype="str", name="unit"), dfm.terms)


def unit_table(documents_table: pd.DataFrame, unit: str = "doc_id", *, period: Any = "year",
               tokens: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per unit, in :func:`unit_order`: ``unit, n_documents, n_tokens`` (word tokens, punctuation
    excluded; with ``tokens``), ``first_year, last_year`` (of its dated documents) and ``doc_ids``
    (``"; "``-joined). Every unit is listed, however many."""
    labels = document_units(documents_table, unit, period=period)
    years = document_years(documents_table) if ("date" in documents_table.columns
                                                or "year" in documents_table.columns) else None
    frame = pd.DataFrame({"unit": labels.to_numpy(), "doc_id": labels.index})
    if years is not None:
        frame["year"] = years.to_numpy()
    order = unit_order(labels)
    g = frame.groupby("unit", sort=False)
    out = pd.DataFrame(index=pd.Index(order, name="unit"))
    out["n_documents"] = g.size().reindex(order).astype("int64")
    if tokens is not None:
        check_columns("tokens", tokens, ["doc_id"])
        per_doc = document_tokens(tokens)
        frame["n_tokens"] = per_doc.reindex(frame["doc_id"].astype("str")).fillna(0).astype("int64").to_numpy()
        out["n_tokens"] = frame.groupby("unit", sort=False)["n_tokens"].sum().reindex(order).astype("int64")
    if years is not None:
        out["first_year"] = g["year"].min().reindex(order).astype("Int64")
        out["last_year"] = g["year"].max().reindex(order).astype("Int64")
    out["doc_ids"] = g["doc_id"].agg(lambda s: "; ".join(s)).reindex(order).astype("str")
    out = out.reset_index()
    out.attrs["unit"] = unit
    return out


def is_dated(documents_table: pd.DataFrame, *, period: Any = "year", min_periods: int = 2) -> bool:
    """Whether the corpus is dated enough for a diachronic analysis: its dated documents fall in at least
    ``min_periods`` different periods of ``period`` (with ``"year"``: different years)."""
    if "date" not in documents_table.columns and "year" not in documents_table.columns:
        return False
    periods = document_periods(documents_table, period)["period"]
    return int(periods[periods != UNKNOWN].nunique()) >= min_periods


def document_tokens(tokens: pd.DataFrame) -> pd.Series:
    """Word tokens (punctuation excluded) of each document of the tokens table (index ``doc_id``, ``int64``)."""
    check_columns("tokens", tokens, ["doc_id"])
    from huayu.analysis.dfm import factorize_strings

    codes, order = factorize_strings(tokens["doc_id"])  # integer codes: no string per token
    words = ~tokens["is_punct"].to_numpy(dtype=bool) if "is_punct" in tokens.columns else slice(None)
    counts = np.bincount(codes[words], minlength=len(order)).astype("int64")
    return pd.Series(counts, index=pd.Index(order, dtype="str", name="doc_id"), name="n_tokens")


def mean_by_unit(frame: pd.DataFrame, labels: pd.Series, *, weights: str | pd.Series | None = None) -> pd.DataFrame:
    """The weighted mean of each numeric column of ``frame`` (one row per document: index ``doc_id`` or a
    ``doc_id`` column) over the documents of each unit: ``x̄_u = Σ_{d ∈ u} w_d · x_d / Σ_{d ∈ u} w_d``.

    ``weights`` is a column of ``frame`` (its sum per unit is kept, e.g. ``n_chars``), a Series by doc_id
    (e.g. :func:`document_tokens`) or ``None`` (equal weights). Shares of a document's length (topic shares
    weighted by tokens, reuse coverage weighted by characters) become the shares of the unit's pooled length.
    The result is indexed by unit (:func:`unit_order`) with ``n_documents`` first; with ``unit="doc_id"``
    labels ``frame`` comes back indexed by doc_id, unchanged.
    """
    data = frame.set_index("doc_id") if "doc_id" in frame.columns else frame.copy()
    data.index = data.index.astype("str")
    if labels.name == "doc_id":
        return data
    mapped = labels.reindex(data.index)
    if mapped.isna().any():
        raise ParameterError(f"labels gives no unit for document(s) {list(data.index[mapped.isna().to_numpy()][:5])}")
    if isinstance(weights, str):
        check_columns("frame", data, [weights])
        w = data[weights].astype("float64")
    elif weights is None:
        w = pd.Series(1.0, index=data.index)
    else:
        w = weights.reindex(data.index).fillna(0).astype("float64")
    numeric = [c for c in data.columns if pd.api.types.is_numeric_dtype(data[c]) and not pd.api.types.is_bool_dtype(data[c])
               and c != weights]
    order = [u for u in unit_order(labels) if u in set(mapped)]
    key = mapped.to_numpy()
    sums = data[numeric].mul(w, axis=0).groupby(key, sort=False).sum()
    totals = w.groupby(key, sort=False).sum()
    out = sums.div(totals.where(totals > 0), axis=0).reindex(order)
    out.insert(0, "n_documents", mapped.value_counts().reindex(order).astype("int64"))
    if isinstance(weights, str):
        out.insert(1, weights, totals.reindex(order).astype(data[weights].dtype))
    out.index = pd.Index(order, name=str(labels.name), dtype="str")
    return out


def describe_dating(documents_table: pd.DataFrame, period: Any = "year") -> str:
    """One line for a notebook to print: how many documents are dated, their years, and the periods ``period``
    makes of them — or that the corpus is not dated enough for the diachronic sections (:func:`is_dated`)."""
    has_dates = "date" in documents_table.columns or "year" in documents_table.columns
    dated = document_years(documents_table).dropna() if has_dates else pd.Series(dtype="Int64")
    n = len(documents_table)
    years = f", {int(dated.min())}–{int(dated.max())} ({dated.nunique()} years)" if len(dated) else ""
    if not has_dates:
        return "no date column: the diachronic sections are skipped"
    periods = document_periods(documents_table, period)["period"]
    bins = [b for b in unit_order(periods.rename("period")) if b != UNKNOWN]
    shown = ", ".join(bins[:8]) + (f", … ({len(bins)} in all)" if len(bins) > 8 else "")
    if len(bins) < 2:
        return (f"{len(dated)} of {n} documents dated{years}; period={period!r} makes {len(bins)} period(s): "
                "the diachronic sections are skipped (they need dated documents in at least two periods)")
    return f"{len(dated)} of {n} documents dated{years}; period={period!r} makes {len(bins)} periods: {shown}"
