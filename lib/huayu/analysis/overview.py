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

Computation is O(N) for all documents at once: a token at position ``j`` whose previous occurrence of
the same type is at ``p_j`` (−1 if none) is a *new* type in exactly the windows starting at
``s ∈ [max(p_j + 1, j − W + 1, 0), min(j, N − W)]``; adding +1 over those ranges with a difference array
and a cumulative sum gives ``V`` for every window.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from huayu.analysis.dfm import word_columns
from huayu.checks import check_columns, check_int, select_documents
from huayu.errors import ParameterError

__all__ = ["metadata_table", "document_lengths", "cleaning_summary", "lexical_diversity", "moving_ttr",
           "ParameterError"]

DEFAULT_WINDOW = 200


def _word_tokens(tokens: pd.DataFrame, drop_punct: bool) -> pd.DataFrame:
    check_columns("tokens", tokens, ["doc_id", "token"])
    if drop_punct:
        check_columns("tokens", tokens, ["is_punct"])
        return word_columns(tokens, [c for c in ("doc_id", "token", "sent_id", "token_index") if c in tokens.columns])
    return tokens


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
    words = _word_tokens(tokens, drop_punct="is_punct" in tokens.columns)
    grouped = words.groupby("doc_id", sort=False)["token"]
    n_tokens = grouped.size()
    n_types = grouped.nunique()
    n_chars_words = words["token"].str.len().groupby(words["doc_id"], sort=False).sum()
    out = docs[["doc_id", "n_chars_raw", "n_chars_clean", "n_paragraphs", "n_sentences"]].copy()
    out["n_tokens"] = out["doc_id"].map(n_tokens).fillna(0).astype(np.int64)
    out["n_types"] = out["doc_id"].map(n_types).fillna(0).astype(np.int64)
    out["tokens_per_sentence"] = out["n_tokens"] / out["n_sentences"].where(out["n_sentences"] > 0)
    out["chars_per_token"] = out["doc_id"].map(n_chars_words).astype(float) / out["n_tokens"].where(
        out["n_tokens"] > 0)
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


def _window_types(doc_codes: np.ndarray, type_codes: np.ndarray, window: int
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Types per window for every document at once (``doc_codes`` grouped, in text order).

    Returns ``(window_doc, window_start, n_types, w)``: one entry per window (documents in code order)
    and the effective window ``w`` per document (``min(window, length)``).
    """
    n = len(doc_codes)
    n_docs = int(doc_codes.max()) + 1 if n else 0
    lengths = np.bincount(doc_codes, minlength=n_docs)
    doc_start = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    pos = np.arange(n) - doc_start[doc_codes]  # position within the document
    w = np.minimum(window, lengths)  # effective window per document
    n_windows = lengths - w + 1
    win_offset = np.concatenate([[0], np.cumsum(n_windows)[:-1]])
    # previous occurrence of the same type in the same document (−1 if none)
    prev = pd.Series(pos).groupby([doc_codes, type_codes], sort=False).shift(1).fillna(-1).to_numpy(np.int64)
    wd = w[doc_codes]
    lo = np.maximum.reduce([prev + 1, pos - wd + 1, np.zeros(n, dtype=np.int64)])
    hi = np.minimum(pos, (lengths - w)[doc_codes])
    valid = lo <= hi
    total = int(n_windows.sum())
    diff = np.zeros(total + 1, dtype=np.int64)
    base = win_offset[doc_codes]
    np.add.at(diff, (base + lo)[valid], 1)
    np.add.at(diff, (base + hi + 1)[valid], -1)
    types = np.cumsum(diff[:-1])
    window_doc = np.repeat(np.arange(n_docs), n_windows)
    window_start = np.arange(total) - win_offset[window_doc]
    return window_doc, window_start, types, w


def _codes(words: pd.DataFrame) -> tuple[np.ndarray, pd.Index, np.ndarray]:
    """Document and type codes with each document's tokens contiguous and in text order."""
    if words.empty:
        raise ParameterError("tokens holds no word token to measure")
    doc_codes, doc_index = pd.factorize(words["doc_id"], sort=False)
    order = np.argsort(doc_codes, kind="stable")
    type_codes, _ = pd.factorize(words["token"].to_numpy()[order], sort=False)
    return doc_codes[order], doc_index, type_codes


def moving_ttr(tokens: pd.DataFrame, window: int = DEFAULT_WINDOW, *, drop_punct: bool = True,
               doc_ids: list[str] | None = None) -> pd.DataFrame:
    """TTR of every window of ``window`` consecutive tokens in each document (the MATTR profile).

    Columns: ``doc_id, window_start, ttr`` with ``ttr = V(s, s+W)/W`` (see the module docstring; a
    document shorter than ``window`` has one window, the whole text). Documents keep their order.
    """
    window = check_int("window", window, minimum=1)
    words = select_documents(_word_tokens(tokens, drop_punct), doc_ids)
    doc_codes, doc_index, type_codes = _codes(words)
    window_doc, window_start, types, w = _window_types(doc_codes, type_codes, window)
    return pd.DataFrame({"doc_id": pd.Series(np.asarray(doc_index, dtype=object)[window_doc], dtype="str"),
                         "window_start": window_start.astype(np.int64),
                         "ttr": types / w[window_doc]})


def lexical_diversity(tokens: pd.DataFrame, window: int = DEFAULT_WINDOW, *, drop_punct: bool = True,
                      doc_ids: list[str] | None = None) -> pd.DataFrame:
    """TTR and MATTR per document (Covington & McFall 2010; formulas in the module docstring).

    Columns: ``doc_id, n_tokens, n_types, ttr, mattr, window, mattr_window``; ``mattr_window`` is the
    window actually used (smaller than ``window`` only for a document shorter than it, whose MATTR then
    equals its TTR and should not be compared with the others).
    """
    window = check_int("window", window, minimum=1)
    words = select_documents(_word_tokens(tokens, drop_punct), doc_ids)
    doc_codes, doc_index, type_codes = _codes(words)
    window_doc, _, types, w = _window_types(doc_codes, type_codes, window)
    n_docs = len(doc_index)
    mattr = (np.bincount(window_doc, weights=types / w[window_doc], minlength=n_docs)
             / np.bincount(window_doc, minlength=n_docs))
    n_tokens = np.bincount(doc_codes, minlength=n_docs)
    pairs = np.unique(doc_codes.astype(np.int64) * (int(type_codes.max()) + 1) + type_codes)
    n_types = np.bincount(pairs // (int(type_codes.max()) + 1), minlength=n_docs)
    return pd.DataFrame({"doc_id": pd.Series(np.asarray(doc_index, dtype=object), dtype="str"),
                         "n_tokens": n_tokens.astype(np.int64), "n_types": n_types.astype(np.int64),
                         "ttr": n_types / n_tokens, "mattr": mattr,
                         "window": np.int64(window), "mattr_window": w.astype(np.int64)})
