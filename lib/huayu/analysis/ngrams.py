"""N-gram clusters (AntConc's *Clusters/N-Grams*): recurrent sequences of 2–6 tokens, with frequency and range.

A cluster is a sequence of ``n`` consecutive tokens inside one boundary unit (sentence by default) that
contains no punctuation (``drop_punct``: a sequence across a comma is not a cluster). For every cluster:

``freq``
    number of occurrences in the corpus (overlapping occurrences count: ``a a a`` holds ``a a`` twice).
``range``
    number of documents it occurs in (``range_pct`` = 100 · range / number of documents) — a cluster
    shared by several places is a *formula* of the genre rather than one speaker's habit.
``per_million``
    ``10⁶ · freq / N`` with ``N`` the number of tokens (punctuation excluded when ``drop_punct``).

Counting is vectorised on the integer codes of the tokens, one cluster length after the other: the clusters
of ``s + 1`` tokens are the clusters of ``s`` tokens extended by the next token of the same unit — their
codes folded into one integer by :func:`pandas.factorize` (hashing, O(N)), counted with
:func:`numpy.bincount`; range counts distinct ``(cluster, document)`` codes the same way. Only the
occurrences of clusters with ``freq ≥ min_freq`` and ``range ≥ min_range`` are extended (a longer cluster
occurs at most as often, in at most as many documents, as its first ``s`` tokens), so the work shrinks
with every length instead of holding every window position of the corpus.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from huayu.checks import is_none, check_choice, check_columns, check_int
from huayu.errors import ParameterError

__all__ = ["ngram_clusters", "BOUNDARIES", "ParameterError"]

BOUNDARIES = ("sentence", "paragraph", "document")
_BOUNDARY_COLUMNS = {"sentence": ["doc_id", "sent_id"], "paragraph": ["doc_id", "para_id"], "document": ["doc_id"]}
MAX_N = 6


def _codes(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """``(codes, distinct values as a str Index)``: a categorical column's own codes (no string and no hash
    per token), else ``pd.factorize`` of the strings."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        return values.cat.codes.to_numpy(), pd.Index(values.cat.categories.astype("str"), dtype="str")
    codes, uniques = pd.factorize(values.astype("str"), sort=False)
    return codes, pd.Index(np.asarray(uniques, dtype=object), dtype="str")


def _sizes(n: int | Sequence[int]) -> list[int]:
    if isinstance(n, (int, np.integer)) and not isinstance(n, bool):
        sizes = [int(n)]
    else:
        try:
            sizes = list(n)
        except TypeError:
            raise ParameterError(f"n={n!r} must be an integer 2–{MAX_N} or a pair (min, max), e.g. (2, 6)") from None
        if len(sizes) != 2:
            raise ParameterError(f"n={n!r} must be an integer or a pair (min, max), e.g. (2, 6)")
        lo = check_int("n[0]", sizes[0], minimum=2, maximum=MAX_N)
        hi = check_int("n[1]", sizes[1], minimum=lo, maximum=MAX_N)
        return list(range(lo, hi + 1))
    check_int("n", sizes[0], minimum=2, maximum=MAX_N,
              why_max="longer clusters are almost always unique; use huayu.analysis.kwic for whole passages")
    return sizes


def ngram_clusters(tokens: pd.DataFrame, n: int | Sequence[int] = (2, 6), *, min_freq: int = 2,
                   min_range: int = 1, boundary: str = "sentence", drop_punct: bool = True,
                   drop_stop: bool = False, contains: str | None = None, sep: str = " ") -> pd.DataFrame:
    """Recurrent clusters of ``n`` tokens (an integer, or a ``(min, max)`` pair) with frequency and range.

    ``min_freq``/``min_range`` filter rare clusters; ``contains`` keeps clusters that have this token
    (AntConc's search term). ``drop_stop`` also breaks clusters at stopwords. Returns ``cluster``
    (tokens joined by ``sep``), ``text`` (tokens joined without separator, as printed in Chinese),
    ``n, freq, per_million, range, range_pct, first_doc`` sorted by frequency, range, length and cluster.
    """
    sizes = _sizes(n)
    min_freq = check_int("min_freq", min_freq, minimum=1)
    min_range = check_int("min_range", min_range, minimum=1)
    check_choice("boundary", boundary, BOUNDARIES)
    cols = _BOUNDARY_COLUMNS[boundary]
    check_columns("tokens", tokens, ["token", *cols])
    if tokens.empty:
        raise ParameterError("tokens is empty: there is nothing to count")
    ids, vocab = _codes(tokens["token"])
    n_tok = len(ids)
    docs, doc_index = _codes(tokens["doc_id"])
    sub = tokens[cols[1]].to_numpy() if len(cols) > 1 else None
    breaks = np.zeros(n_tok, dtype=bool)
    if drop_punct:
        check_columns("tokens", tokens, ["is_punct"])
        breaks |= tokens["is_punct"].to_numpy(dtype=bool)
    if drop_stop:
        check_columns("tokens", tokens, ["is_stop"])
        breaks |= tokens["is_stop"].to_numpy(dtype=bool)
    n_words = int((~breaks).sum())
    n_docs = int(np.count_nonzero(np.bincount(docs[docs >= 0], minlength=len(doc_index))))
    contains_id = None
    if not is_none(contains):
        found = pd.Index(vocab).get_indexer([contains])
        if found[0] < 0 or not (ids == found[0]).any():
            raise ParameterError(f"contains={contains!r} is not a token of the corpus; check the spelling "
                                 "(or the segmentation: huayu.analysis.kwic with match='chars' finds it inside words)")
        contains_id = int(found[0])

    # Level by level: the clusters of size s + 1 start where a cluster of size s starts that is frequent and
    # widespread enough (its prefix: an occurrence of the longer cluster is one of the prefix, so a cluster
    # kept at s + 1 never lost an occurrence) and is followed by a word of the same unit.
    pos_dtype = np.int32 if n_tok < 2**31 - 8 else np.int64
    start = np.flatnonzero(~breaks).astype(pos_dtype)
    code = ids[start].astype(np.int64)
    width = len(vocab)
    frames = []
    for size in range(1, sizes[-1] + 1):  # loop over cluster lengths (≤ 6), never over tokens
        if size > 1:
            nxt = start.astype(np.int64) + (size - 1)
            ok = nxt < n_tok
            start, code, nxt = start[ok], code[ok], nxt[ok]
            ok = ~breaks[nxt] & (docs[start] == docs[nxt])
            if sub is not None:
                ok &= sub[start] == sub[nxt]
            start, code, nxt = start[ok], code[ok], nxt[ok]
            code = pd.factorize(code * width + ids[nxt], sort=False)[0].astype(np.int64)
            del nxt, ok
        if start.size == 0:
            break
        n_codes = int(code.max()) + 1
        freq = np.bincount(code, minlength=n_codes)
        keep = freq >= min_freq
        if size >= sizes[0]:  # (below the shortest size asked for, the frequency alone prunes)
            # documents per cluster: the distinct (cluster, document) pairs (hashing, no sort)
            pair = pd.unique(code * (len(doc_index) + 1) + docs[start])
            rng = np.bincount(pair // (len(doc_index) + 1), minlength=n_codes)
            del pair
            keep &= rng >= min_range
        if size >= sizes[0]:
            emit = keep.copy()
            if contains_id is not None:
                has = np.zeros(n_codes, dtype=bool)
                for j in range(size):
                    has |= np.bincount(code, weights=(ids[start + j] == contains_id), minlength=n_codes) > 0
                emit &= has
            kept = np.flatnonzero(emit)
            if kept.size:
                # factorize numbers clusters by first occurrence: cluster k first occurs where the running
                # maximum of the codes first reaches k
                running = np.maximum.accumulate(code)
                first = np.flatnonzero(np.r_[True, running[1:] > running[:-1]])
                pos = start[first[kept]].astype(np.int64)
                words = [pd.Series(np.asarray(vocab, dtype=object)[ids[pos + j]], dtype="str") for j in range(size)]
                cluster = words[0]
                text = words[0]
                for w in words[1:]:
                    cluster = cluster + sep + w
                    text = text + w
                frames.append(pd.DataFrame({
                    "cluster": cluster, "text": text, "n": np.full(kept.size, size, dtype=np.int64),
                    "freq": freq[kept].astype(np.int64), "per_million": freq[kept] / max(n_words, 1) * 1e6,
                    "range": rng[kept].astype(np.int64), "range_pct": 100.0 * rng[kept] / n_docs,
                    "first_doc": pd.Series(np.asarray(doc_index, dtype=object)[docs[pos]], dtype="str"),
                }))
        if size < sizes[-1]:
            ok = keep[code]
            start, code = start[ok], code[ok]
    if not frames:
        raise ParameterError(f"no cluster of {sizes[0]}–{sizes[-1]} tokens occurs at least min_freq={min_freq} "
                             f"times in at least min_range={min_range} document(s)"
                             + (f" and contains {contains!r}" if contains else "")
                             + "; lower min_freq/min_range or shorten n")
    out = pd.concat(frames, ignore_index=True)
    out = out.sort_values(["freq", "range", "n", "cluster"], ascending=[False, False, False, True],
                          kind="mergesort").reset_index(drop=True)
    out.attrs.update({"n_tokens": n_words, "n_documents": n_docs, "boundary": boundary, "sizes": sizes,
                      "min_freq": min_freq, "min_range": min_range})
    return out
