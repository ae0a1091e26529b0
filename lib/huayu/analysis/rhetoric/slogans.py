"""Quoted slogans (“…”): every short quotation, its length, frequency and the documents that share it.

A *slogan* here is the content of a quotation (Chinese “…”, ‘…’, 「…」, 『…』 or ASCII "…") that is
between ``min_chars`` and ``max_chars`` characters long and holds no clause punctuation (,。!?;:), so a
quoted sentence (“城,所以盛民也。”) is not a slogan but an enumeration (“盯、拼、抢”) is. Quoted numbered
formulas and codes (“两个维护”, “1168”) are slogans too; the column ``formula_kind`` says so
(:mod:`huayu.pipeline.segment.formulas`). Quotation marks in Chinese official writing mark set phrases, slogans and
special terms (GB/T 15834-2011 《标点符号用法》 §4.1.3.2: 标示需要着重论述或强调的内容, 具有特殊含义的词语).

Frequency is the number of occurrences; ``n_docs`` the number of documents; a slogan is *shared* when
``n_docs ≥ 2``. Length ``n_chars`` counts characters of the content (quotation marks excluded).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from huayu.analysis.rhetoric.formulas import sentence_at
from huayu.checks import check_columns, check_int
from huayu.errors import ParameterError
from huayu.pipeline.segment.formulas import _CLAUSE_PUNCT, _QUOTE_PATTERNS, formula_offsets, normalize_formula

__all__ = ["quotations", "slogan_table", "slogan_frequencies", "shared_slogans", "slogan_counts"]


def quotations(text: str) -> pd.DataFrame:
    """Every quotation in ``text``: ``start, end`` (content offsets, marks excluded) and ``content``.

    Nested quotations (‘五区’ inside “…”) are reported as well as the quotation around them.
    """
    if not isinstance(text, str):
        raise ParameterError(f"text must be a string, got {type(text).__name__}")
    out = pd.DataFrame(_quotation_rows(text), columns=["start", "end", "content"])
    return out.astype({"start": "int64", "end": "int64", "content": "str"}).reset_index(drop=True)


def _quotation_rows(text: str) -> list[tuple[int, int, str]]:
    """:func:`quotations` as ``(start, end, content)`` tuples sorted by start, then end."""
    return sorted((m.start(1), m.end(1), m.group(1)) for qp in _QUOTE_PATTERNS for m in qp.finditer(text))


_COLUMNS = ["doc_id", "sent_id", "char_start", "char_end", "slogan", "n_chars", "formula_kind", "normalized"]
_FORMULA_KINDS = ("numbered", "coded")


def slogan_table(documents_table: pd.DataFrame, sentences: pd.DataFrame | None = None, *, min_chars: int = 2,
                 max_chars: int = 8, formulas: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every quoted slogan occurrence in the cleaned ``documents_table`` (``doc_id``, ``text``).

    Columns: ``doc_id, sent_id`` (-1 without ``sentences``), ``char_start, char_end`` (offsets of the
    content in the document text), ``slogan``, ``n_chars``, ``formula_kind`` (``numbered``, ``coded`` or
    empty), ``normalized`` (for formulas the numerals as digits, :func:`huayu.pipeline.segment.formulas.normalize_formula`;
    otherwise the slogan itself).

    ``formula_kind`` is the kind of the numbered or coded formula spanning exactly the quotation's content.
    ``formulas``: the :func:`huayu.analysis.rhetoric.formulas.formula_table` of the same documents (kinds
    ``numbered`` and ``coded``, its default), so the formulas are looked up there instead of found again;
    without it the finder runs on every text.
    """
    check_columns("documents_table", documents_table, ["doc_id", "text"])
    min_chars = check_int("min_chars", min_chars, minimum=1)
    max_chars = check_int("max_chars", max_chars, minimum=min_chars)
    known = None
    if formulas is not None:
        check_columns("formulas", formulas, ["doc_id", "char_start", "char_end", "kind"])
        kinds = tuple(formulas.attrs.get("kinds", _FORMULA_KINDS))
        if sorted(kinds) != sorted(_FORMULA_KINDS):
            raise ParameterError(f"formulas: a formula_table of the kinds {list(_FORMULA_KINDS)} is needed, this one "
                                 f"has {list(kinds)}; call formula_table(documents_table) with its default kinds")
        known = {}
        for doc_id, start, end, kind in zip(formulas["doc_id"].astype("str"), formulas["char_start"],
                                            formulas["char_end"], formulas["kind"]):
            known.setdefault(doc_id, {})[(int(start), int(end))] = str(kind)
    rows = []
    for doc_id, text in zip(documents_table["doc_id"].astype("str"), documents_table["text"]):
        text = str(text)
        q = [(a, b, c) for a, b, c in _quotation_rows(text)
             if min_chars <= len(c) <= max_chars and not _CLAUSE_PUNCT.search(c)]
        if not q:
            continue
        if known is not None:
            kinds_at = known.get(doc_id, {})
        else:
            kinds_at = {(a, b): kind for a, b, kind in formula_offsets(text, include_slogans=False)}
        rows.extend((doc_id, a, b, c, kinds_at.get((a, b), "")) for a, b, c in q)
    out = pd.DataFrame(rows, columns=["doc_id", "char_start", "char_end", "slogan", "formula_kind"])
    out = out.astype({"doc_id": "str", "char_start": "int64", "char_end": "int64", "slogan": "str",
                      "formula_kind": "str"})
    out["n_chars"] = out["slogan"].str.len().astype("int64")
    out["normalized"] = pd.array([normalize_formula(s) if k else s for s, k in zip(out["slogan"], out["formula_kind"])],
                                 dtype="str")
    out["sent_id"] = np.int64(-1)
    if sentences is not None and len(out):
        out["sent_id"] = sentence_at(out, sentences)[0]
    return out[_COLUMNS].reset_index(drop=True)


def slogan_frequencies(table: pd.DataFrame) -> pd.DataFrame:
    """One row per slogan: ``slogan, n_chars, formula_kind, total, n_docs, docs`` plus one count column
    per document (in order of first appearance). Sorted by ``n_docs``, ``total`` (descending), ``slogan``.

    On integer codes: the slogan × document counts are one ``np.bincount`` of the combined codes, the
    documents of each slogan its distinct (slogan, document) pairs in order of first appearance."""
    check_columns("table", table, ["doc_id", "slogan", "n_chars", "formula_kind"])
    base = ["slogan", "n_chars", "formula_kind", "total", "n_docs", "docs"]
    if table.empty:
        return pd.DataFrame(columns=base)
    s_code, s_uniq = pd.factorize(table["slogan"].astype("str"), sort=True)  # slogans sorted, as groupby
    d_code, d_uniq = pd.factorize(table["doc_id"].astype("str"), sort=False)  # documents by first appearance
    ns, nd = len(s_uniq), len(d_uniq)
    key = s_code.astype(np.int64) * nd + d_code
    counts = np.bincount(key, minlength=ns * nd).reshape(ns, nd).astype(np.int64)
    first_row = np.full(ns, len(table), dtype=np.int64)
    np.minimum.at(first_row, s_code, np.arange(len(table), dtype=np.int64))
    # the documents of each slogan in order of first appearance: distinct pairs, by slogan then first row
    pair, pair_first = np.unique(key, return_index=True)
    by = np.lexsort((pair_first, pair // nd))
    pair_slogan, pair_doc = (pair // nd)[by], (pair % nd)[by]
    doc_names = np.asarray(d_uniq, dtype=object)
    bounds = np.searchsorted(pair_slogan, np.arange(ns + 1))
    docs_text = ["; ".join(doc_names[pair_doc[bounds[k]:bounds[k + 1]]]) for k in range(ns)]
    out = pd.DataFrame({
        "slogan": pd.array(np.asarray(s_uniq, dtype=object), dtype="str"),
        "n_chars": table["n_chars"].to_numpy()[first_row].astype("int64"),
        "formula_kind": pd.array(table["formula_kind"].astype("str").to_numpy(dtype=object)[first_row], dtype="str"),
        "total": counts.sum(axis=1),
        "n_docs": (counts > 0).sum(axis=1).astype("int64"),
        "docs": docs_text,
    })
    out = pd.concat([out, pd.DataFrame(counts, columns=[str(d) for d in d_uniq])], axis=1)
    out = out.sort_values(["n_docs", "total", "slogan"], ascending=[False, False, True]).reset_index(drop=True)
    return out[base + [str(d) for d in d_uniq]]


def shared_slogans(table: pd.DataFrame, *, min_docs: int = 2) -> pd.DataFrame:
    """The rows of :func:`slogan_frequencies` with ``n_docs ≥ min_docs``."""
    min_docs = check_int("min_docs", min_docs, minimum=1)
    freq = slogan_frequencies(table)
    if freq.empty:
        return freq
    return freq[freq["n_docs"] >= min_docs].reset_index(drop=True)


def slogan_counts(table: pd.DataFrame, *, min_docs: int = 1) -> pd.DataFrame:
    """Slogan × document counts (index ``slogan``, one column per document) of the slogans used in at
    least ``min_docs`` documents, in the order of :func:`slogan_frequencies` — the input of
    :func:`huayu.plot.rhetoric.plot_presence`."""
    min_docs = check_int("min_docs", min_docs, minimum=1)
    check_columns("table", table, ["doc_id", "slogan"])
    freq = slogan_frequencies(table)
    docs = [str(d) for d in dict.fromkeys(table["doc_id"])]
    if freq.empty:
        return pd.DataFrame(columns=docs, dtype="int64").rename_axis("slogan")
    freq = freq[freq["n_docs"] >= min_docs]
    return freq.set_index("slogan")[docs].astype("int64")
