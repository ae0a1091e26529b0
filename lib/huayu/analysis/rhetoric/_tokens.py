"""Integer-code access to a tokens table for the rhetoric modules: documents as runs of rows, without copies.

A tokens table as :func:`huayu.pipeline.tables.read_tokens` reads it holds each document's rows together, in
text order (sentences and offsets never go back within a document). The functions here find each document's
rows from the integer codes of ``doc_id`` (one ``numpy.diff``), so a computation can walk the table document
block by document block (:func:`blocks`) and keep its temporary arrays at the size of a block instead of the
whole table (at 10,000 documents some 60 million rows). A table not in that order is put in order once
(a stable ``argsort`` of the document codes and offsets: :func:`rows`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from huayu.analysis.dfm import factorize_strings

#: Rows of the tokens table per block (documents are never split): bounds the temporary arrays.
BLOCK_ROWS = 4_000_000


def codes(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Integer codes and the strings they stand for: a categorical column's own codes (a view, no hashing),
    else :func:`~huayu.analysis.dfm.factorize_strings`."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        c = values.cat.codes.to_numpy()
        if not len(c) or c.min() >= 0:
            return c, pd.Index(values.cat.categories.astype("str"), dtype="str")
    return factorize_strings(values)


@dataclass
class Layout:
    """Where each document's rows are: ``order`` (``None`` when the table is already in document order, else the
    row permutation that puts it in order), ``doc`` (the code of each document, in order of first appearance),
    ``start``/``stop`` (its rows in the ordered table) and ``names`` (the strings of the codes)."""

    order: np.ndarray | None
    doc: np.ndarray
    start: np.ndarray
    stop: np.ndarray
    names: pd.Index

    def take(self, values: np.ndarray, lo: int, hi: int) -> np.ndarray:
        """Rows ``lo:hi`` of the ordered table of a column's values (a view when the table is in order)."""
        return values[lo:hi] if self.order is None else values[self.order[lo:hi]]


def layout(tokens: pd.DataFrame, offsets: str | None = "char_start") -> Layout:
    """The :class:`Layout` of ``tokens``: each document one run of rows, ``offsets`` (a column, or ``None``: any
    order within a document) not decreasing within it."""
    doc_codes, names = codes(tokens["doc_id"])
    n = len(doc_codes)
    if n == 0:
        empty = np.zeros(0, dtype=np.int64)
        return Layout(None, empty, empty, empty, names)
    change = np.flatnonzero(doc_codes[1:] != doc_codes[:-1]) + 1
    start = np.r_[0, change].astype(np.int64)
    doc = doc_codes[start].astype(np.int64)
    off = tokens[offsets].to_numpy() if offsets is not None and offsets in tokens.columns else None
    in_order = len(np.unique(doc)) == len(doc)
    if in_order and off is not None:
        back = off[1:] < off[:-1]
        back[change - 1] = False  # a new document may start lower
        in_order = not bool(back.any())
    if in_order:
        return Layout(None, doc, start, np.r_[start[1:], n].astype(np.int64), names)
    # first appearance order of the documents, then offsets within each document (stable)
    first = pd.unique(doc_codes)
    rank = np.empty(int(doc_codes.max()) + 1, dtype=np.int64)
    rank[first] = np.arange(len(first))
    keys = (rank[doc_codes],) if off is None else (off, rank[doc_codes])
    order = np.lexsort(keys)
    sizes = np.bincount(rank[doc_codes], minlength=len(first))
    stop = np.cumsum(sizes).astype(np.int64)
    return Layout(order, first.astype(np.int64), stop - sizes, stop, names)


def blocks(lay: Layout, max_rows: int = BLOCK_ROWS):
    """``(first document, last document + 1, first row, last row + 1)`` of consecutive documents whose rows
    add up to at most ``max_rows`` (a longer document is a block of its own)."""
    i, n = 0, len(lay.doc)
    while i < n:
        j = int(np.searchsorted(lay.stop, lay.start[i] + max_rows, side="right"))
        j = max(j, i + 1)
        yield i, j, int(lay.start[i]), int(lay.stop[j - 1])
        i = j


def sentence_words(tokens: pd.DataFrame, lay: Layout | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Word tokens (``is_punct`` False) per sentence: ``(document, sent_id, n_words)`` arrays, one entry per
    sentence with at least one word token, in text order; ``document`` is the position of the document in
    ``lay.doc`` (order of first appearance). Runs of ``sent_id`` within a document, block by block; the
    (document, sentence) keys are increasing (a sentence whose tokens are not together is one entry)."""
    lay = layout(tokens) if lay is None else lay
    sent_all = tokens["sent_id"].to_numpy()
    punct_all = tokens["is_punct"].to_numpy(dtype=bool) if "is_punct" in tokens.columns else None
    parts = []
    for i, j, lo, hi in blocks(lay):
        sent = lay.take(sent_all, lo, hi)
        change = np.r_[True, sent[1:] != sent[:-1]]
        change[lay.start[i:j] - lo] = True  # every document starts a sentence
        first = np.flatnonzero(change)
        if punct_all is None:
            n_words = np.diff(np.r_[first, hi - lo])
        else:
            n_words = np.add.reduceat(~lay.take(punct_all, lo, hi), first, dtype=np.int64)
        doc = i + np.searchsorted(lay.start[i:j] - lo, first, side="right") - 1
        ok = n_words > 0
        parts.append((doc[ok], sent[first[ok]].astype(np.int64), n_words[ok].astype(np.int64)))
    if not parts:
        z = np.zeros(0, dtype=np.int64)
        return z, z, z
    doc, sent, n_words = (np.concatenate(p) for p in zip(*parts))
    width = int(sent.max()) - int(min(sent.min(), 0)) + 1
    key = doc * width + (sent - min(int(sent.min()), 0))
    if len(key) > 1 and np.any(key[1:] <= key[:-1]):  # a sentence in two places (not text order): one entry each
        order = np.argsort(key, kind="stable")
        key, doc, sent, n_words = key[order], doc[order], sent[order], n_words[order]
        first = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
        doc, sent, n_words = doc[first], sent[first], np.add.reduceat(n_words, first)
    return doc, sent, n_words
