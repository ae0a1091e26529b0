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

Counting is vectorised: the ``n`` token ids of every window position are folded into one integer code
by ``n − 1`` rounds of :func:`pandas.factorize` (hashing, O(N) each), then counted with
:func:`numpy.bincount`; range counts distinct ``(cluster, document)`` codes the same way.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from huayu.checks import is_none, check_choice, check_columns, check_int
from huayu.analysis.dfm import factorize_strings
from huayu.errors import ParameterError

__all__ = ["ngram_clusters", "BOUNDARIES", "ParameterError"]

BOUNDARIES = ("sentence", "paragraph", "document")
_BOUNDARY_COLUMNS = {"sentence": ["doc_id", "sent_id"], "paragraph": ["doc_id", "para_id"], "document": ["doc_id"]}
MAX_N = 6


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
    ids, vocab = factorize_strings(tokens["token"])
    n_tok = len(ids)
    docs, doc_index = factorize_strings(tokens["doc_id"])
    unit = docs
    if len(cols) > 1:
        sub = tokens[cols[1]].to_numpy(dtype=np.int64)
        unit = pd.factorize(docs * (int(sub.max()) + 1) + sub, sort=False)[0].astype(np.int64)
    breaks = np.zeros(n_tok, dtype=bool)
    if drop_punct:
        check_columns("tokens", tokens, ["is_punct"])
        breaks |= tokens["is_punct"].to_numpy(dtype=bool)
    if drop_stop:
        check_columns("tokens", tokens, ["is_stop"])
        breaks |= tokens["is_stop"].to_numpy(dtype=bool)
    n_words = int((~breaks).sum())
    n_docs = len(doc_index)
    bad_cum = np.concatenate([[0], np.cumsum(breaks)])
    contains_id = None
    if not is_none(contains):
        found = pd.Index(vocab).get_indexer([contains])
        if found[0] < 0:
            raise ParameterError(f"contains={contains!r} is not a token of the corpus; check the spelling "
                                 "(or the segmentation: huayu.analysis.kwic with match='chars' finds it inside words)")
        contains_id = int(found[0])

    frames = []
    for size in sizes:  # loop over cluster lengths (≤ 5), never over tokens
        m = n_tok - size + 1
        if m <= 0:
            continue
        start = np.arange(m)
        ok = (unit[start] == unit[start + size - 1]) & (bad_cum[start + size] - bad_cum[start] == 0)
        start = start[ok]
        if start.size == 0:
            continue
        code = ids[start]
        width = len(vocab)
        for j in range(1, size):
            code = pd.factorize(code * width + ids[start + j], sort=False)[0].astype(np.int64)
        n_codes = int(code.max()) + 1
        freq = np.bincount(code, minlength=n_codes)
        pair = pd.factorize(code * n_docs + docs[start], sort=False)[0]
        _, first_pair = np.unique(pair, return_index=True)  # first occurrence of each (cluster, document)
        rng = np.bincount(code[first_pair], minlength=n_codes)
        _, first = np.unique(code, return_index=True)  # first occurrence of each cluster
        keep = (freq >= min_freq) & (rng >= min_range)
        if contains_id is not None:
            has = np.zeros(n_codes, dtype=bool)
            for j in range(size):
                has |= np.bincount(code, weights=(ids[start + j] == contains_id), minlength=n_codes) > 0
            keep &= has
        kept = np.flatnonzero(keep)
        if kept.size == 0:
            continue
        pos = start[first[kept]]
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
