"""Corpus overview: document lengths, what cleaning removed, lexical diversity (TTR, MATTR).

Lexical diversity
-----------------
*Type–token ratio* of a text of ``N`` tokens with ``V`` distinct types: ``TTR = V / N``. TTR falls as a
text grows (new types become rarer), so it cannot compare texts of different lengths (Baayen 2001,
*Word Frequency Distributions*, ch. 1; Tweedie & Baayen 1998, *Computers and the Humanities* 32: 323–352).

*Moving-average type–token ratio* (Covington & McFall 2010, "Cutting the Gordian knot: the
moving-average type–token ratio (MATTR)", *Journal of Quantitative Linguistics* 17(2): 94–100): slide a
window of ``W`` tokens over the text one token at a time and average the TTR of the ``N − W + 1`` windows

    MATTR_W = 1/(N − W + 1) · Σ_{s=0}^{N−W} V(s, s+W) / W

where ``V(s, s+W)`` is the number of types among tokens ``s … s+W−1``. It depends on ``W`` but not on
``N``, so texts of different lengths compare. A text shorter than ``W`` has a single window, the whole
text: its MATTR is its TTR, and the table says so (``mattr_window`` < ``window``).

Computation is one vectorised pass over integer codes (no Python loop over tokens or documents): a token at
position ``j`` whose previous occurrence of the same type is at ``p_j`` (−1 if none) is a *new* type in
exactly the windows starting at ``s ∈ [max(p_j + 1, j − W + 1, 0), min(j, N − W)]``; adding +1 over those
ranges with a difference array (``numpy.bincount``) and a cumulative sum gives ``V`` for every window. The
``p_j`` come from one stable sort of the key (document, type); the documents are taken a batch of about
``_BATCH_TOKENS`` tokens at a time, so memory stays bounded at any corpus size (10,000 documents, 60 million
tokens: a few hundred MB beyond the tokens table) and the time grows as N log N within a batch.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd

from huayu.analysis.dfm import factorize_strings
from huayu.checks import ALL_DOCUMENTS, check_columns, check_int, document_ids, is_none, select_documents
from huayu.errors import ParameterError

__all__ = ["metadata_table", "document_lengths", "cleaning_summary", "lexical_diversity", "moving_ttr",
           "ParameterError"]

DEFAULT_WINDOW = 200


METADATA_COLUMNS = ("doc_id", "place_zh", "place_en", "province", "admin_level", "date", "date_certainty",
                    "genre", "speakers", "speaker_roles", "event")


def metadata_table(documents_table: pd.DataFrame, *, doc_ids: list[str] | None = None) -> pd.DataFrame:
    """The documents and what is known about them (the metadata columns present, one row per document).

    Dates and roles marked "inferred"/"unknown" in the metadata are shown as such, never filled in.
    """
    check_columns("documents_table", documents_table, ["doc_id"])
    docs = select_documents(documents_table, doc_ids)
    columns = [c for c in METADATA_COLUMNS if c in docs.columns]
    return docs[columns].reset_index(drop=True)


def document_lengths(documents_table: pd.DataFrame, tokens: pd.DataFrame, *,
                     doc_ids: list[str] | None = None) -> pd.DataFrame:
    """One row per document: characters (raw and cleaned), paragraphs, sentences, tokens and types.

    Columns: ``doc_id, n_chars_raw, n_chars_clean, n_paragraphs, n_sentences, n_tokens, n_types,
    tokens_per_sentence, chars_per_token``. ``n_tokens`` counts word tokens (punctuation excluded),
    ``n_types`` the distinct ones; ``chars_per_token`` = mean word-token length in characters.
    """
    check_columns("documents_table", documents_table, ["doc_id", "n_chars_raw", "n_chars_clean",
                                                       "n_paragraphs", "n_sentences"])
    docs = select_documents(documents_table, doc_ids)
    mask = ~tokens["is_punct"].to_numpy(dtype=bool) if "is_punct" in tokens.columns else None
    doc_codes, doc_index, type_codes = _codes(tokens, mask)
    n_docs = len(doc_index)
    n_tokens = np.bincount(doc_codes, minlength=n_docs)
    values = tokens["token"]
    if isinstance(values.dtype, pd.CategoricalDtype) and (len(values) == 0 or values.cat.codes.min() >= 0):
        # the type codes are the category codes: one length per category, looked up per token
        per_category = np.asarray(values.cat.categories.astype("str").str.len(), dtype=np.float64)
        n_chars_words = np.bincount(doc_codes, weights=per_category[type_codes], minlength=n_docs)
    else:  # the type codes are those of factorize_strings: one length per distinct string
        per_type = np.asarray(factorize_strings(values)[1].str.len(), dtype=np.float64)
        n_chars_words = np.bincount(doc_codes, weights=per_type[type_codes], minlength=n_docs)
    n_types = np.zeros(n_docs, dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(n_tokens)[:-1]])
    n_all_types = int(type_codes.max()) + 1
    for d0, d1 in _batches(n_tokens):  # distinct types per document: first occurrences, a batch at a time
        lo, hi = int(starts[d0]), int(starts[d0] + n_tokens[d0:d1].sum())
        local = doc_codes[lo:hi].astype(np.int64) - d0
        pos = np.arange(hi - lo, dtype=np.int64) - (starts[d0:d1] - starts[d0])[local]
        prev = _previous_occurrence(local, type_codes[lo:hi], pos, n_all_types)
        n_types[d0:d1] = np.bincount(local[prev < 0], minlength=d1 - d0)
    index = pd.Index(np.asarray(doc_index, dtype=object), dtype="str")
    out = docs[["doc_id", "n_chars_raw", "n_chars_clean", "n_paragraphs", "n_sentences"]].copy()
    out["n_tokens"] = out["doc_id"].map(pd.Series(n_tokens, index=index)).fillna(0).astype(np.int64)
    out["n_types"] = out["doc_id"].map(pd.Series(n_types, index=index)).fillna(0).astype(np.int64)
    out["tokens_per_sentence"] = out["n_tokens"] / out["n_sentences"].where(out["n_sentences"] > 0)
    out["chars_per_token"] = out["doc_id"].map(pd.Series(n_chars_words, index=index)).astype(float) / out[
        "n_tokens"].where(out["n_tokens"] > 0)
    return out.reset_index(drop=True)


def cleaning_summary(cleaning_log: pd.DataFrame, documents_table: pd.DataFrame, *,
                     doc_ids: list[str] | None = None) -> pd.DataFrame:
    """What cleaning removed: one row per (document, rule) with the number of removals and characters.

    Columns: ``doc_id, rule, n_removals, n_chars_removed, share_of_raw`` where
    ``n_chars_removed = Σ (raw_char_end − raw_char_start)`` over the log rows and
    ``share_of_raw = n_chars_removed / n_chars_raw`` of the document. Documents without any removal
    appear with ``rule = "(none)"`` and zeros, so no document silently disappears from the figure.
    """
    check_columns("cleaning_log", cleaning_log, ["doc_id", "rule", "raw_char_start", "raw_char_end"])
    check_columns("documents_table", documents_table, ["doc_id", "n_chars_raw"])
    docs = select_documents(documents_table, doc_ids)
    log = cleaning_log[cleaning_log["doc_id"].isin(docs["doc_id"])]
    chars = (log["raw_char_end"].astype(np.int64) - log["raw_char_start"].astype(np.int64))
    summary = (log.assign(n_chars_removed=chars)
               .groupby(["doc_id", "rule"], sort=False)
               .agg(n_removals=("n_chars_removed", "size"), n_chars_removed=("n_chars_removed", "sum"))
               .reset_index())
    missing = docs.loc[~docs["doc_id"].isin(summary["doc_id"]), ["doc_id"]]
    if len(missing):
        summary = pd.concat([summary, missing.assign(rule="(none)", n_removals=0, n_chars_removed=0)],
                            ignore_index=True)
    order = {d: i for i, d in enumerate(docs["doc_id"])}
    summary = summary.assign(_o=summary["doc_id"].map(order)).sort_values(["_o", "rule"], kind="stable")
    raw = summary["doc_id"].map(docs.set_index("doc_id")["n_chars_raw"]).astype(float)
    summary["share_of_raw"] = summary["n_chars_removed"] / raw
    summary["doc_id"] = summary["doc_id"].astype("str")
    summary["rule"] = summary["rule"].astype("str")
    for col in ("n_removals", "n_chars_removed"):
        summary[col] = summary[col].astype(np.int64)
    return summary.drop(columns="_o").reset_index(drop=True)


def _word_mask(tokens: pd.DataFrame, drop_punct: bool) -> np.ndarray | None:
    """The rows counted (word tokens when ``drop_punct``), or ``None`` for every row."""
    check_columns("tokens", tokens, ["doc_id", "token"])
    if drop_punct:
        check_columns("tokens", tokens, ["is_punct"])
        return ~tokens["is_punct"].to_numpy(dtype=bool)
    return None


def _document_codes(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """``factorize_strings(values)`` with ``int32`` codes; a categorical column (the tokens as a notebook
    reads them) by a lookup of its category codes: the categories ranked by first appearance from the first
    row of each run of equal codes, no ``int64`` array per token."""
    if isinstance(values.dtype, pd.CategoricalDtype) and len(values) and values.cat.codes.min() >= 0:
        raw = values.cat.codes.to_numpy()
        heads = np.flatnonzero(np.r_[True, raw[1:] != raw[:-1]])
        first = pd.unique(raw[heads])  # categories in order of first appearance
        rank = np.zeros(len(values.cat.categories), dtype=np.int32)
        rank[first] = np.arange(len(first), dtype=np.int32)
        return rank[raw], pd.Index(values.cat.categories.astype("str")[first], dtype="str")
    codes, index = factorize_strings(values)
    return codes.astype(np.int32 if len(index) < 2**31 else np.int64), index


def _codes(tokens: pd.DataFrame, mask: np.ndarray | None, doc_ids: list[str] | str | None = None
           ) -> tuple[np.ndarray, pd.Index, np.ndarray]:
    """Document codes (order of first appearance), the doc_ids, and type codes of the rows of ``mask`` (and of
    the documents ``doc_ids``), with each document's tokens contiguous and in text order — integer codes only:
    the codes of a categorical column as they are, never a string per token."""
    doc_codes, doc_index = _document_codes(tokens["doc_id"])
    if not is_none(doc_ids) and not (isinstance(doc_ids, str) and doc_ids.strip().lower() in ALL_DOCUMENTS):
        chosen = document_ids(pd.DataFrame({"doc_id": doc_index}), doc_ids)  # an unknown id: ParameterError
        selected = np.zeros(len(doc_index), dtype=bool)
        selected[doc_index.get_indexer(chosen)] = True
        wanted = selected[doc_codes]  # a lookup per row, not a search
        mask = wanted if mask is None else mask & wanted
    values = tokens["token"]
    if isinstance(values.dtype, pd.CategoricalDtype) and (len(values) == 0 or values.cat.codes.min() >= 0):
        type_codes = values.cat.codes.to_numpy()
    else:
        type_codes = factorize_strings(values)[0]
    if mask is not None:
        doc_codes, type_codes = doc_codes[mask], type_codes[mask]
    if doc_codes.size == 0:
        raise ParameterError("tokens holds no word token to measure")
    type_codes = type_codes.astype(np.int64 if type_codes.max() >= 2**31 else np.int32, copy=False)
    if np.any(doc_codes[1:] < doc_codes[:-1]):  # a document's rows apart: gather them, in text order
        order = np.argsort(doc_codes, kind="stable")
        doc_codes, type_codes = doc_codes[order], type_codes[order]
    used = np.bincount(doc_codes, minlength=len(doc_index)) > 0  # documents with no row left go
    if not used.all():
        renumber = (np.cumsum(used) - 1).astype(doc_codes.dtype)
        doc_codes, doc_index = renumber[doc_codes], doc_index[used]
    return doc_codes, doc_index, type_codes


def _previous_occurrence(docs: np.ndarray, types: np.ndarray, pos: np.ndarray, n_types: int) -> np.ndarray:
    """For every token, the position ``p_j`` of the previous occurrence of its type in its document (−1 if
    none): one stable sort of the key ``document · n_types + type`` puts the occurrences of a type in a
    document next to each other, in text order."""
    key = docs.astype(np.int64) * n_types + types
    order = np.argsort(key, kind="stable")
    key = key[order]
    same = np.flatnonzero(key[1:] == key[:-1])
    del key
    prev = np.full(len(docs), -1, dtype=np.int64)
    prev[order[same + 1]] = pos[order[same]]
    return prev


#: Tokens per batch of documents (the running-distinct count works on one batch at a time: memory bounded).
_BATCH_TOKENS = 4_000_000


def _batches(lengths: np.ndarray, size: int | None = None) -> list[tuple[int, int]]:
    """Consecutive document ranges ``[d0, d1)`` of about ``size`` tokens each (default ``_BATCH_TOKENS``; a
    longer document alone)."""
    size = _BATCH_TOKENS if size is None else size
    ends = np.cumsum(lengths)
    out, d0 = [], 0
    while d0 < len(lengths):
        before = ends[d0 - 1] if d0 else 0
        d1 = int(np.searchsorted(ends, before + size, side="right"))
        d1 = max(d1, d0 + 1)
        out.append((d0, d1))
        d0 = d1
    return out


def _window_types(doc_codes: np.ndarray, type_codes: np.ndarray, window: int, *, with_types: bool = False
                  ) -> Iterator[tuple]:
    """Types per window, one batch of documents at a time (``doc_codes`` contiguous, non-decreasing, in text order).

    Yields ``(d0, lengths, w, window_doc, types)`` per batch: the batch's first document code, its documents'
    lengths, effective windows ``w = min(window, length)``, and per window its document (code − ``d0``) and
    the number of types ``V(s, s+w)`` (module docstring: the previous occurrence ``p_j`` of each token's type
    in its document from one stable sort of (document, type), then a difference array); ``with_types`` adds
    the number of types of each document (its tokens without a previous occurrence).
    """
    n_docs = int(doc_codes[-1]) + 1
    all_lengths = np.bincount(doc_codes, minlength=n_docs)
    all_starts = np.concatenate([[0], np.cumsum(all_lengths)[:-1]])
    n_types = int(type_codes.max()) + 1
    for d0, d1 in _batches(all_lengths):
        lo_row, hi_row = int(all_starts[d0]), int(all_starts[d0]) + int(all_lengths[d0:d1].sum())
        lengths = all_lengths[d0:d1].astype(np.int64)
        docs = doc_codes[lo_row:hi_row].astype(np.int64) - d0
        m = hi_row - lo_row
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        pos = np.arange(m, dtype=np.int64) - starts[docs]  # position within the document
        prev = _previous_occurrence(docs, type_codes[lo_row:hi_row], pos, n_types)
        w = np.minimum(window, lengths)
        n_windows = lengths - w + 1
        win_offset = np.concatenate([[0], np.cumsum(n_windows)[:-1]])
        lo = np.maximum(np.maximum(prev + 1, pos - w[docs] + 1), 0)
        hi = np.minimum(pos, (lengths - w)[docs])
        lo_first = np.flatnonzero(prev < 0) if with_types else None
        del prev
        valid = lo <= hi
        base = win_offset[docs]
        total = int(n_windows.sum())
        diff = (np.bincount((base + lo)[valid], minlength=total + 1)
                - np.bincount((base + hi + 1)[valid], minlength=total + 1))
        types = np.cumsum(diff[:-1])
        window_doc = np.repeat(np.arange(d1 - d0), n_windows)
        if with_types:
            yield d0, lengths, w, window_doc, types, np.bincount(docs[lo_first], minlength=d1 - d0)
        else:
            yield d0, lengths, w, window_doc, types


def moving_ttr(tokens: pd.DataFrame, window: int = DEFAULT_WINDOW, *, drop_punct: bool = True,
               doc_ids: list[str] | None = None) -> pd.DataFrame:
    """TTR of every window of ``window`` consecutive tokens in each document (the MATTR profile).

    Columns: ``doc_id, window_start, ttr`` with ``ttr = V(s, s+W)/W`` (see the module docstring; a
    document shorter than ``window`` has one window, the whole text). Documents keep their order.
    """
    window = check_int("window", window, minimum=1)
    doc_codes, doc_index, type_codes = _codes(tokens, _word_mask(tokens, drop_punct), doc_ids)
    names = np.asarray(doc_index, dtype=object)
    parts = []
    for d0, _lengths, w, window_doc, types in _window_types(doc_codes, type_codes, window):
        n_windows = np.bincount(window_doc, minlength=len(w))
        offset = np.concatenate([[0], np.cumsum(n_windows)[:-1]])
        parts.append(pd.DataFrame({"doc_id": names[d0 + window_doc],
                                   "window_start": (np.arange(len(window_doc)) - offset[window_doc]).astype(np.int64),
                                   "ttr": types / w[window_doc]}))
    out = pd.concat(parts, ignore_index=True)
    out["doc_id"] = out["doc_id"].astype("str")
    return out


def lexical_diversity(tokens: pd.DataFrame, window: int = DEFAULT_WINDOW, *, drop_punct: bool = True,
                      doc_ids: list[str] | None = None) -> pd.DataFrame:
    """TTR and MATTR per document (Covington & McFall 2010; formulas in the module docstring).

    Columns: ``doc_id, n_tokens, n_types, ttr, mattr, window, mattr_window``; ``mattr_window`` is the
    window actually used (smaller than ``window`` only for a document shorter than it, whose MATTR then
    equals its TTR and should not be compared with the others). One pass over the integer codes of the
    tokens, a batch of documents at a time (O(N log N) for the sort, memory bounded by the batch).
    """
    window = check_int("window", window, minimum=1)
    doc_codes, doc_index, type_codes = _codes(tokens, _word_mask(tokens, drop_punct), doc_ids)
    n_docs = len(doc_index)
    mattr = np.empty(n_docs)
    mattr_window = np.empty(n_docs, dtype=np.int64)
    n_types = np.empty(n_docs, dtype=np.int64)
    for d0, lengths, w, window_doc, types, first in _window_types(doc_codes, type_codes, window, with_types=True):
        k = len(lengths)
        mattr[d0:d0 + k] = (np.bincount(window_doc, weights=types / w[window_doc], minlength=k)
                            / np.bincount(window_doc, minlength=k))
        mattr_window[d0:d0 + k] = w
        n_types[d0:d0 + k] = first
    n_tokens = np.bincount(doc_codes, minlength=n_docs)
    return pd.DataFrame({"doc_id": pd.Series(np.asarray(doc_index, dtype=object), dtype="str"),
                         "n_tokens": n_tokens.astype(np.int64), "n_types": n_types,
                         "ttr": n_types / n_tokens, "mattr": mattr,
                         "window": np.int64(window), "mattr_window": mattr_window})
