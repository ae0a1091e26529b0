"""Corpus order and the longest documents for the rhetoric figures, in time linear in the documents.

The same results as :func:`huayu.plot.panels.doc_order` and :func:`huayu.plot.panels.longest`, with the
corpus position of each document looked up in a dict (``list.index`` per document is quadratic: 2.5 s per
call at 10,000 documents).
"""

from __future__ import annotations

__all__ = ["doc_order", "longest"]


def doc_order(ctx, doc_ids) -> list[str]:
    """``doc_ids`` (distinct, as strings) in the order of the context's document colours (corpus order);
    documents without a colour last, in their given order."""
    known = list(getattr(ctx, "doc_colors", {}) or {})
    rank = {d: i for i, d in reversed(list(enumerate(known)))}  # the first position of each, as list.index
    docs = list(dict.fromkeys(str(d) for d in doc_ids))
    return sorted(docs, key=lambda d: rank.get(d, len(known)))


def longest(ctx, doc_ids, n: int) -> list[str]:
    """The ``n`` longest of ``doc_ids`` (characters of the cleaned text; documents of unknown length last),
    returned in corpus order. All of ``doc_ids`` (in corpus order) when there are at most ``n``."""
    docs = doc_order(ctx, doc_ids)
    if len(docs) <= n:
        return docs
    lengths = {}
    table = getattr(ctx, "documents_table", None)
    if table is not None and "doc_id" in table.columns:
        column = "n_chars_clean" if "n_chars_clean" in table.columns else None
        if column is None and "text" in table.columns:
            lengths = dict(zip(table["doc_id"].astype(str), table["text"].astype(str).str.len()))
        elif column is not None:
            lengths = dict(zip(table["doc_id"].astype(str), table[column]))
    ranked = sorted(range(len(docs)), key=lambda i: (-float(lengths.get(docs[i], -1)), i))[:n]
    return [docs[i] for i in sorted(ranked)]
