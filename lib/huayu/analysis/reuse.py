"""Text reuse: passages two documents (or one document twice) share, found by hashing character n-grams.

Method (the seed-and-extend design of text-reuse detectors such as passim — Smith, Cordell & Mullen
2015, "Computational methods for uncovering reprinted texts in antebellum newspapers", *American
Literary History* 27(3) — and of n-gram "shingling", Broder 1997, "On the resemblance and containment of
documents"):

1. **Strip.** Each text keeps only letters and digits (Unicode categories L* and N*: Han characters,
   Latin letters, digits); punctuation, symbols and spaces are removed, and every kept character
   remembers its offset in the text, so positions can be reported in the original.
2. **Hash.** Every character n-gram (``n`` ≥ 8 by default; Chinese has no spaces, so characters are the
   natural unit) gets a 64-bit polynomial hash
   :math:`h_i = \\sum_{j=0}^{n-1} c_{i+j} P^{\\,n-1-j} \\bmod 2^{64}` (``c`` = code points, ``P`` a large
   odd constant), computed for all positions at once with ``n`` vectorised multiply-adds.
3. **Index.** Equal hashes are numbered by hashing (:func:`pandas.factorize`: O(N) for *N* characters in
   total, no sort of the corpus and never a comparison of all pairs of documents); each group's size and
   number of documents are counted (the documents: one small sort per document). Equal hashes are the
   candidate matches; only the groups kept are sorted, and only their pairs are generated. N-grams found
   in more than ``max_df`` documents can be left out (passim's ``max-df``): they are boilerplate, and
   leaving them out bounds the work by ``N · max_df``, i.e. linear in the corpus. The texts are stripped
   and hashed a batch of documents at a time (arrays of code points, never a loop over characters).
4. **Merge.** Matching n-gram pairs lying on one diagonal (same offset difference between the two
   texts) at consecutive positions are merged into one *maximal aligned span*: a run of *k* consecutive
   matches is a shared passage of ``k + n − 1`` characters. Every passage is verified by comparing the
   two stripped strings (so a hash collision can never report a false passage).
5. **Within a document** (``internal=True``) the same is done for pairs of positions in one text whose
   copies do not overlap — a repeated paragraph, or an abstract that copies the body.

Scale. The candidate pairs of step 3 grow with the square of the number of documents an n-gram occurs
in. Before generating them their number is counted (``Σ_g C(size_g, 2)`` over the hash groups); when it
exceeds ``max_pairs`` (default :data:`MAX_PAIRS`) and no ``max_df`` is given, ``max_df`` is set to the
largest number of documents that keeps the pairs within ``max_pairs`` — the most widespread n-grams (the
stock phrases of the genre) are left out — and the value used is reported in ``attrs["max_df"]``. At most
``max_passages`` passages (default :data:`MAX_PASSAGES`, longest first) are reported
(``attrs["n_found"]`` is the number found). The share matrix is dense only up to
:data:`MAX_MATRIX_DOCUMENTS` documents; above, it holds the documents with the most shared text and
:func:`share_pairs` gives every pair with a passage, in long form (sparse: linear in the passages).

Share matrix. For documents *r* (row) and *c* (column),
:math:`S_{rc} = |\\bigcup_{p \\in P_{rc}} p|_r / L_r`: the number of stripped characters of *r* covered
by the passages it shares with *c* (overlapping passages counted once), divided by the stripped length
:math:`L_r` of *r*. The matrix is not symmetric: a short text can be entirely inside a long one. The
diagonal :math:`S_{rr}` is internal reuse: the share of *r* in a passage that occurs twice in *r* (both
copies count).
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

import numpy as np
import pandas as pd

from huayu.checks import is_none, check_columns, check_int
from huayu.errors import ParameterError

__all__ = ["strip_text", "ngram_hashes", "find_reuse", "share_matrix", "share_pairs", "MAX_PAIRS",
           "MAX_PASSAGES", "MAX_MATRIX_DOCUMENTS", "coverage", "alignment_table",
           "baseline_shares", "choose_baseline", "uncleaned_documents", "BASELINE_GENRE"]

#: the genre whose first document is the baseline when none is given (see :func:`choose_baseline`)
BASELINE_GENRE = "template"
#: candidate n-gram pairs above which ``max_df`` is chosen automatically (see "Scale" above)
MAX_PAIRS = 5_000_000
#: passages reported at most (the longest)
MAX_PASSAGES = 50_000
#: documents of a dense share matrix at most (more: the documents with the most shared text)
MAX_MATRIX_DOCUMENTS = 200

_P = np.uint64(0x100000001B3)  # the 64-bit FNV prime, odd


@lru_cache(maxsize=65536)
def _keep_char(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "LN"


def _keep_mask(cp: np.ndarray) -> np.ndarray:
    """Whether each code point of ``cp`` is a letter or a number (Unicode L*, N*): the category is looked
    up once per distinct code point (a table indexed by code point), never once per character."""
    if cp.size == 0:
        return np.zeros(0, dtype=bool)
    present = np.flatnonzero(np.bincount(cp))
    table = np.zeros(int(present[-1]) + 1, dtype=bool)
    table[present] = np.fromiter((_keep_char(chr(c)) for c in present.tolist()), dtype=bool, count=present.size)
    return table[cp]


def strip_text(text: str) -> tuple[str, np.ndarray]:
    """``(stripped, index)``: ``text`` without punctuation, symbols and spaces (only Unicode letters and
    numbers are kept), and for each kept character its offset in ``text`` (int64)."""
    if not isinstance(text, str):
        raise ParameterError(f"text must be a string, got {type(text).__name__}")
    if not text:
        return "", np.zeros(0, dtype=np.int64)
    cp = np.frombuffer(text.encode("utf-32-le"), dtype="<u4")
    keep = _keep_mask(cp)
    index = np.flatnonzero(keep).astype(np.int64)
    stripped = cp[keep].astype("<u4").tobytes().decode("utf-32-le")
    return stripped, index


def ngram_hashes(codepoints: np.ndarray, n: int) -> np.ndarray:
    """64-bit polynomial hashes of every length-``n`` window of ``codepoints`` (``len − n + 1`` values).

    :math:`h_i = \\sum_{j<n} c_{i+j} P^{n-1-j}` modulo :math:`2^{64}` (unsigned overflow wraps).
    """
    c = np.asarray(codepoints, dtype=np.uint64)
    m = len(c) - n + 1
    if m <= 0:
        return np.zeros(0, dtype=np.uint64)
    h = c[:m].copy()
    with np.errstate(over="ignore"):
        for j in range(1, n):  # in place: no temporary array per step
            h *= _P
            h += c[j:j + m]
    return h


_PASSAGE_COLUMNS = ["doc_a", "doc_b", "internal", "n_chars", "start_a", "end_a", "start_b", "end_b",
                    "stripped_start_a", "stripped_end_a", "stripped_start_b", "stripped_end_b", "text_a", "text_b"]


def find_reuse(documents_table: pd.DataFrame, *, n: int = 8, min_chars: int | None = None, max_df: int | None = None,
               internal: bool = True, progress: bool = False, max_pairs: int | None = MAX_PAIRS,
               max_passages: int | None = MAX_PASSAGES, between: bool = True) -> pd.DataFrame:
    """Shared passages between and (with ``internal``) within the ``documents_table`` (``doc_id``, ``text``).

    Returns one row per maximal aligned passage: ``doc_a, doc_b`` (``doc_a`` first in document order;
    equal for internal reuse), ``internal``, ``n_chars`` (stripped characters), ``start_a, end_a,
    start_b, end_b`` (offsets in the documents' texts, end exclusive), the same in stripped
    coordinates, and ``text_a, text_b`` (the passage as written in each text). Sorted by document pair,
    then ``start_a``. See the module docstring for the method.

    Parameters
    ----------
    n : n-gram length in characters (at least 2; the shortest passage reported is ``n`` characters).
    min_chars : drop passages shorter than this many stripped characters (default ``n``).
    max_df : leave out n-grams found in more than this many documents (``None`` or 0: keep all).
    internal : also report reuse within a document.
    progress : show a tqdm bar while hashing documents.
    max_pairs : candidate n-gram pairs at most; above, ``max_df`` is chosen to keep within it (module
        docstring, "Scale"; ``None``: no limit). ``attrs["max_df"]`` is the value used (``None``: all kept).
    max_passages : passages reported at most, the longest (``None``: all); ``attrs["n_found"]``: found.
    between : also report reuse between documents; ``False`` (with ``internal``) finds only the passages a
        document repeats, by the same method restricted to the n-grams repeated within one document (the
        candidate pairs, and ``max_pairs``, count only pairs within a document): for the same ``max_df``,
        the internal passages of ``True``, at a fraction of the work on a large corpus. A ``max_df`` chosen
        for ``max_pairs`` is then chosen for the pairs within documents (usually none is needed), so fewer
        widespread n-grams are left out than when the pairs between documents are counted too.
    """
    check_columns("documents_table", documents_table, ["doc_id", "text"])
    n = check_int("n", n, minimum=2)
    if min_chars is None:
        min_chars = n
    elif check_int("min_chars", min_chars, minimum=1) < n:
        raise ParameterError(f"min_chars={min_chars} must be at least n={n} (no passage is shorter than one n-gram)")
    if is_none(max_df) or (isinstance(max_df, int) and not isinstance(max_df, bool) and max_df == 0):
        max_df = None
    if max_df is not None:
        max_df = check_int("max_df", max_df, minimum=2)
    if not isinstance(internal, bool):
        raise ParameterError(f"internal={internal!r} must be True or False")
    if not isinstance(between, bool):
        raise ParameterError(f"between={between!r} must be True or False")
    if not between and not internal:
        raise ParameterError("between=False and internal=False leave nothing to find: keep one of them True")
    ids = [str(d) for d in documents_table["doc_id"]]
    if len(set(ids)) != len(ids):
        dup = sorted(d for d, k in pd.Series(ids).value_counts().items() if k > 1)
        raise ParameterError(f"documents has repeated doc_id values {dup}; each document must appear once")
    texts = [str(t) for t in documents_table["text"]]
    stripped, h, offsets, removed = _hash_corpus(texts, n, progress=progress)
    if len(h) == 0:
        return _empty_passages()

    # Index: equal hashes numbered by hashing (pd.factorize, O(N), no sort of the N n-grams); per group its
    # size and the number of documents it occurs in (the distinct groups of each document).
    codes, uniques = pd.factorize(h, sort=False)
    del h
    n_groups = len(uniques)
    del uniques
    codes = codes.astype(np.int32 if n_groups < 2**31 - 1 else np.int64)
    if between:
        g_size = np.bincount(codes, minlength=n_groups)
        n_docs = _documents_per_group(codes, offsets, n_groups)
        pairs = g_size.astype(np.float64) * (g_size - 1) / 2
        repeated = None
    else:
        n_docs, pairs, repeated = _repeats_within_documents(codes, offsets, n_groups)
        g_size = None
    if max_df is None and max_pairs is not None:
        max_df = _max_df_for_pairs(n_docs, pairs, check_int("max_pairs", max_pairs, minimum=1))
    wanted = pairs > 0
    if max_df is not None:
        wanted &= n_docs <= max_df
    del g_size, n_docs, pairs
    # The candidates only (elements of the groups kept), ordered by group; a stable sort keeps them in
    # (document, position) order within a group.
    chosen = wanted[codes]
    if repeated is not None:
        chosen &= repeated  # only the n-grams repeated within their document
    k_idx = np.flatnonzero(chosen)
    del wanted, chosen, repeated
    cc = codes[k_idx]
    del codes
    o = np.argsort(cc, kind="stable")
    k_idx, cc = k_idx[o], cc[o]
    del o
    if len(cc) == 0:
        return _empty_passages()
    new_group = np.r_[True, cc[1:] != cc[:-1]]
    del cc
    if not between:  # a group is one hash in one document
        k_doc = np.searchsorted(offsets, k_idx, side="right")
        new_group[1:] |= k_doc[1:] != k_doc[:-1]
        del k_doc
    gid = np.cumsum(new_group) - 1
    g_start = np.flatnonzero(new_group)
    g_end = np.r_[g_start[1:], len(new_group)]
    # Partners of candidate j: the later candidates of its group, j+1 … group end − 1.
    cnt = g_end[gid] - np.arange(len(gid)) - 1
    del gid, g_start, g_end, new_group
    total = int(cnt.sum())
    if total == 0:
        return _empty_passages()
    left = np.repeat(np.arange(len(cnt)), cnt)
    offs = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(cnt) - cnt, cnt)
    right = left + 1 + offs
    del offs, cnt
    ka, kb = k_idx[left], k_idx[right]
    del left, right, k_idx
    da = (np.searchsorted(offsets, ka, side="right") - 1).astype(np.int64)
    db = (np.searchsorted(offsets, kb, side="right") - 1).astype(np.int64)
    pa, pb = ka - offsets[da], kb - offsets[db]
    del ka, kb
    keep = (da != db) | (internal & (da == db) & (pb - pa >= n))
    da, pa, db, pb = da[keep], pa[keep], db[keep], pb[keep]
    if len(da) == 0:
        return _empty_passages()

    # Merge consecutive matches on one diagonal into maximal spans.
    diag = pb - pa
    o = _pair_order(da, db, diag, pa, n_docs=len(ids), max_len=max(len(x) for x in stripped) + 1)
    del pb
    da, pa, db, diag = da[o], pa[o], db[o], diag[o]
    brk = np.r_[True, (da[1:] != da[:-1]) | (db[1:] != db[:-1]) | (diag[1:] != diag[:-1]) | (pa[1:] != pa[:-1] + 1)]
    run_start = np.flatnonzero(brk)
    run_end = np.r_[run_start[1:], len(da)] - 1
    ra, rb = da[run_start], db[run_start]
    s_a = pa[run_start]
    e_a = pa[run_end] + n
    s_b = s_a + diag[run_start]
    e_b = e_a + diag[run_start]
    length = e_a - s_a
    ok = length >= min_chars
    # Within a document the two copies must not overlap.
    ok &= (ra != rb) | (s_b >= e_a)
    ra, rb, s_a, e_a, s_b, e_b = ra[ok], rb[ok], s_a[ok], e_a[ok], s_b[ok], e_b[ok]
    n_found = len(ra)
    if max_passages is not None and n_found > check_int("max_passages", max_passages, minimum=1):
        top = np.sort(np.argsort(-(e_a - s_a), kind="stable")[:max_passages])  # the longest, in pair order
        ra, rb, s_a, e_a, s_b, e_b = ra[top], rb[top], s_a[top], e_a[top], s_b[top], e_b[top]

    # offsets in the texts: the stripped position plus the characters removed before it
    ca, cea = _text_offsets(removed, ra, s_a), _text_offsets(removed, ra, e_a - 1) + 1
    cb, ceb = _text_offsets(removed, rb, s_b), _text_offsets(removed, rb, e_b - 1) + 1
    rows = []
    for a, b, sa, ea, sb, eb, xa, xea, xb, xeb in zip(ra.tolist(), rb.tolist(), s_a.tolist(), e_a.tolist(),
                                                      s_b.tolist(), e_b.tolist(), ca.tolist(), cea.tolist(),
                                                      cb.tolist(), ceb.tolist()):
        if stripped[a][sa:ea] != stripped[b][sb:eb]:
            continue  # a hash collision: never report it
        rows.append((ids[a], ids[b], a == b, ea - sa, xa, xea, xb, xeb, sa, ea, sb, eb,
                     texts[a][xa:xea], texts[b][xb:xeb]))
    if not rows:
        return _empty_passages()
    out = _typed(pd.DataFrame(rows, columns=_PASSAGE_COLUMNS))
    out.attrs["stripped_lengths"] = {ids[k]: len(stripped[k]) for k in range(len(ids))}
    out.attrs["max_df"] = None if max_df is None else int(max_df)
    out.attrs["n_found"] = int(n_found)
    return out


#: characters per batch of documents when the corpus is stripped and hashed (bounds the temporary arrays)
_BATCH_CHARS = 1 << 23


def _hash_corpus(texts: list[str], n: int, *, progress: bool = False
                 ) -> tuple[list[str], np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray, int]]:
    """Strip and hash every text, a batch of documents at a time (one encode, one keep mask and ``n``
    multiply-adds per batch, no loop over characters).

    Returns ``(stripped, h, offsets, removed)``: the stripped texts; the hash of every n-gram of the corpus
    (document ``k``'s n-grams are ``h[offsets[k]:offsets[k + 1]]``, in text order); and the removed
    characters as ``(key, start, big)`` for :func:`_text_offsets`.
    """
    n_texts = len(texts)
    char_len = np.fromiter((len(t) for t in texts), dtype=np.int64, count=n_texts)
    big = int(char_len.max(initial=0)) + 1
    stripped: list[str] = []
    hashes: list[np.ndarray] = []
    removed_keys: list[np.ndarray] = []
    n_removed = np.zeros(n_texts, dtype=np.int64)
    bar = None
    if progress:
        from tqdm.auto import tqdm
        bar = tqdm(total=n_texts, desc="hash n-grams", unit="doc", disable=None)  # a widget in Jupyter
    k0 = 0
    while k0 < n_texts:
        k1 = k0 + 1
        size = char_len[k0]
        while k1 < n_texts and size + char_len[k1] <= _BATCH_CHARS:
            size += char_len[k1]
            k1 += 1
        cp = np.frombuffer("".join(texts[k0:k1]).encode("utf-32-le"), dtype="<u4")
        bounds = np.r_[0, np.cumsum(char_len[k0:k1])]
        keep = _keep_mask(cp)
        gone = np.flatnonzero(~keep)  # removed characters, batch offsets
        gone_doc = np.searchsorted(bounds, gone, side="right") - 1
        gone_before = np.searchsorted(gone, bounds)  # removed characters before each document start
        n_removed[k0:k1] = np.diff(gone_before)
        # key of a removed character: document · big + (its offset − removed characters before it in the
        # document), non-decreasing, so a searchsorted counts the removed characters before a kept one
        local = gone - bounds[gone_doc]
        rank_in_doc = np.arange(gone.size) - gone_before[gone_doc]
        removed_keys.append((gone_doc + k0) * big + (local - rank_in_doc))
        kept = cp[keep]
        s_bounds = bounds - gone_before
        text = kept.tobytes().decode("utf-32-le")
        stripped.extend(text[s_bounds[j]:s_bounds[j + 1]] for j in range(k1 - k0))
        h = ngram_hashes(kept, n)
        # the n-grams that lie inside one document: starts s_bounds[j] … s_bounds[j + 1] − n
        count = np.maximum(np.diff(s_bounds) - n + 1, 0)
        first = np.repeat(s_bounds[:-1] - (np.cumsum(count) - count), count)
        hashes.append(h[np.arange(int(count.sum()), dtype=np.int64) + first])
        if bar is not None:
            bar.update(k1 - k0)
        k0 = k1
    if bar is not None:
        bar.close()
    lengths = np.maximum(char_len - n_removed - n + 1, 0)
    offsets = np.r_[0, np.cumsum(lengths)]
    h = np.concatenate(hashes) if hashes else np.zeros(0, dtype=np.uint64)
    key = np.concatenate(removed_keys) if removed_keys else np.zeros(0, dtype=np.int64)
    start = np.r_[0, np.cumsum(n_removed)]
    return stripped, h, offsets, (key, start, big)


def _text_offsets(removed: tuple[np.ndarray, np.ndarray, int], doc: np.ndarray, pos: np.ndarray) -> np.ndarray:
    """Offsets in the texts of the stripped positions ``pos`` of documents ``doc``: ``pos`` plus the number of
    characters removed before it (the removed characters whose key is at most ``doc · big + pos``)."""
    key, start, big = removed
    doc = np.asarray(doc, dtype=np.int64)
    pos = np.asarray(pos, dtype=np.int64)
    return pos + np.searchsorted(key, doc * big + pos, side="right") - start[doc]


def _documents_per_group(codes: np.ndarray, offsets: np.ndarray, n_groups: int) -> np.ndarray:
    """Number of documents each hash group occurs in: the distinct groups of each document (one small sort
    per document), counted in batches with ``np.bincount``."""
    n_docs = np.zeros(n_groups, dtype=np.int64)
    batch, size = [], 0
    for k in range(len(offsets) - 1):
        if offsets[k + 1] > offsets[k]:
            u = np.sort(codes[offsets[k]:offsets[k + 1]])
            u = u[np.r_[True, u[1:] != u[:-1]]]
            batch.append(u)
            size += u.size
        if batch and (size >= 1 << 23 or k == len(offsets) - 2):
            n_docs += np.bincount(np.concatenate(batch), minlength=n_groups)
            batch, size = [], 0
    return n_docs


def _repeats_within_documents(codes: np.ndarray, offsets: np.ndarray, n_groups: int
                              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For reuse within documents only: ``(n_docs, pairs, repeated)`` — the documents each hash group occurs
    in, its candidate pairs within documents (``Σ_docs C(count in the document, 2)``), and for each n-gram
    whether its hash occurs again in the same document (one small sort per document)."""
    n_docs = np.zeros(n_groups, dtype=np.int64)
    pairs = np.zeros(n_groups, dtype=np.float64)
    repeated = np.zeros(len(codes), dtype=bool)
    batch, rep_codes, rep_pairs, size = [], [], [], 0
    last = len(offsets) - 2
    for k in range(len(offsets) - 1):
        a, b = offsets[k], offsets[k + 1]
        if b > a:
            seg = codes[a:b]
            srt = np.sort(seg)
            new = np.r_[True, srt[1:] != srt[:-1]]
            u = srt[new]
            batch.append(u)
            size += u.size
            count = np.diff(np.r_[np.flatnonzero(new), srt.size])
            again = count > 1
            if again.any():
                rep_codes.append(u[again])
                rep_pairs.append(count[again] * (count[again] - 1) / 2)
                repeated[a:b] = np.isin(seg, u[again], assume_unique=False)
        if batch and (size >= 1 << 23 or k == last):
            n_docs += np.bincount(np.concatenate(batch), minlength=n_groups)
            batch, size = [], 0
    if rep_codes:
        pairs += np.bincount(np.concatenate(rep_codes), weights=np.concatenate(rep_pairs), minlength=n_groups)
    return n_docs, pairs, repeated


def _max_df_within(n_docs: np.ndarray, g_size: np.ndarray, max_pairs: int) -> int | None:
    """The largest document frequency ``m`` such that the hash groups found in at most ``m`` documents
    generate at most ``max_pairs`` candidate pairs (``C(size, 2)`` each); ``None`` when all of them do."""
    return _max_df_for_pairs(n_docs, g_size.astype(np.float64) * (g_size - 1) / 2, max_pairs)


def _max_df_for_pairs(n_docs: np.ndarray, pairs: np.ndarray, max_pairs: int) -> int | None:
    """:func:`_max_df_within` for given candidate ``pairs`` per hash group."""
    if pairs.sum() <= max_pairs:
        return None
    by_df = np.bincount(n_docs, weights=pairs)           # pairs of the groups found in exactly m documents
    within = np.flatnonzero(np.cumsum(by_df) <= max_pairs)
    return max(2, int(within[-1])) if len(within) else 2


def _pair_order(da: np.ndarray, db: np.ndarray, diag: np.ndarray, pa: np.ndarray, *, n_docs: int,
                max_len: int) -> np.ndarray:
    """Order of the pairs by (doc_a, doc_b, diagonal, position): one argsort of a packed int64 key when
    it fits (much faster than a four-key lexsort), else ``np.lexsort``."""
    if float(n_docs) ** 2 * (2 * max_len + 1) * max_len < 2**62:
        key = ((da * n_docs + db) * (2 * max_len + 1) + (diag + max_len)) * max_len + pa
        return np.argsort(key, kind="stable")
    return np.lexsort((pa, diag, db, da))


def _typed(out: pd.DataFrame) -> pd.DataFrame:
    types = {c: "int64" for c in _PASSAGE_COLUMNS if c.startswith(("start", "end", "stripped", "n_chars"))}
    types.update({"doc_a": "str", "doc_b": "str", "internal": "bool", "text_a": "str", "text_b": "str"})
    return out.astype(types)


def _empty_passages() -> pd.DataFrame:
    return _typed(pd.DataFrame({c: [] for c in _PASSAGE_COLUMNS}))


def _stripped_lengths(documents_table: pd.DataFrame, passages: pd.DataFrame | None = None) -> pd.Series:
    """Stripped length of every document (taken from ``passages.attrs`` when find_reuse recorded them)."""
    known = passages.attrs.get("stripped_lengths", {}) if passages is not None else {}
    return pd.Series({str(d): known[str(d)] if str(d) in known else len(strip_text(str(t))[0])
                      for d, t in zip(documents_table["doc_id"], documents_table["text"])}, dtype="int64")


def _intervals(passages: pd.DataFrame) -> pd.DataFrame:
    """Covered stripped intervals ``row, col, start, end`` from both sides of every passage."""
    a = pd.DataFrame({"row": passages["doc_a"], "col": passages["doc_b"],
                      "start": passages["stripped_start_a"], "end": passages["stripped_end_a"]})
    b = pd.DataFrame({"row": passages["doc_b"], "col": passages["doc_a"],
                      "start": passages["stripped_start_b"], "end": passages["stripped_end_b"]})
    return pd.concat([a, b], ignore_index=True)


def _union_length(iv: pd.DataFrame, keys: list[str]) -> pd.Series:
    """Length of the union of intervals per group of ``keys`` (sort, running max of ends, no loop)."""
    if iv.empty:
        return pd.Series(dtype="int64")
    iv = iv.sort_values(keys + ["start", "end"]).reset_index(drop=True)
    run_max = iv.groupby(keys, sort=False)["end"].cummax()
    prev_end = run_max.groupby([iv[k] for k in keys], sort=False).shift(1).fillna(-1).astype("int64")
    covered = (iv["end"] - np.maximum(iv["start"], prev_end)).clip(lower=0)
    return covered.groupby([iv[k] for k in keys], sort=False).sum()


def share_pairs(passages: pd.DataFrame, documents_table: pd.DataFrame) -> pd.DataFrame:
    """:math:`S_{rc}` of every pair of documents that share a passage, in long form: ``doc_id, shared_with,
    share`` (row *r*, column *c* of :func:`share_matrix`; pairs sharing nothing are left out, so the table
    grows with the passages, not with the square of the documents), in document order."""
    check_columns("passages", passages, ["doc_a", "doc_b", "stripped_start_a", "stripped_end_a",
                                         "stripped_start_b", "stripped_end_b"])
    check_columns("documents_table", documents_table, ["doc_id", "text"])
    ids = [str(d) for d in documents_table["doc_id"]]
    if passages.empty:
        return pd.DataFrame({"doc_id": pd.Series([], dtype="str"), "shared_with": pd.Series([], dtype="str"),
                             "share": pd.Series([], dtype="float64")})
    lengths = _stripped_lengths(documents_table, passages)
    cov = _union_length(_intervals(passages), ["row", "col"]).rename("covered").reset_index()
    order = {d: i for i, d in enumerate(ids)}
    cov = cov.assign(_r=cov["row"].map(order), _c=cov["col"].map(order)).sort_values(["_r", "_c"])
    denom = cov["row"].map(lengths).astype("float64")
    share = (cov["covered"].astype("float64") / denom.where(denom > 0)).fillna(0.0)
    return pd.DataFrame({"doc_id": cov["row"].astype("str").to_numpy(), "shared_with": cov["col"].astype("str").to_numpy(),
                         "share": share.to_numpy()})


def share_matrix(passages: pd.DataFrame, documents_table: pd.DataFrame, *,
                 max_documents: int | None = MAX_MATRIX_DOCUMENTS) -> pd.DataFrame:
    """Document × document matrix :math:`S_{rc}` (row *r*, column *c*) of the share of *r*'s stripped
    characters in passages shared with *c*; the diagonal is internal reuse. Rows and columns follow the
    order of ``documents_table``; see the module docstring for the formula.

    With more than ``max_documents`` documents (``None``: no limit) the matrix holds the ``max_documents``
    documents with the largest share of text shared with other documents (in corpus order; ties: the
    first), and ``attrs["n_documents"]`` the number of documents: every pair is in :func:`share_pairs`."""
    check_columns("passages", passages, ["doc_a", "doc_b", "stripped_start_a", "stripped_end_a",
                                         "stripped_start_b", "stripped_end_b"])
    check_columns("documents_table", documents_table, ["doc_id", "text"])
    all_ids = [str(d) for d in documents_table["doc_id"]]
    pairs = share_pairs(passages, documents_table)
    ids = all_ids
    if max_documents is not None and len(all_ids) > check_int("max_documents", max_documents, minimum=1):
        between = pairs[pairs["doc_id"] != pairs["shared_with"]]
        shared = coverage(passages, documents_table).set_index("doc_id")["shared_any"] if len(between) else \
            pd.Series(0.0, index=all_ids)
        shared = shared.reindex(all_ids).fillna(0.0)
        chosen = set(shared.iloc[np.argsort(-shared.to_numpy(), kind="stable")[:max_documents]].index)
        ids = [d for d in all_ids if d in chosen]
    mat = pd.DataFrame(0.0, index=pd.Index(ids, name="doc_id"), columns=pd.Index(ids, name="shared_with"))
    mat.attrs["n_documents"] = len(all_ids)
    if pairs.empty:
        return mat
    pairs = pairs[pairs["doc_id"].isin(ids) & pairs["shared_with"].isin(ids)]
    pos = {d: i for i, d in enumerate(ids)}
    values = np.zeros((len(ids), len(ids)))
    values[pairs["doc_id"].map(pos).to_numpy(dtype=np.int64), pairs["shared_with"].map(pos).to_numpy(dtype=np.int64)] = \
        pairs["share"].to_numpy()
    mat.loc[:, :] = values
    return mat


def coverage(passages: pd.DataFrame, documents_table: pd.DataFrame, *, baseline: str | None = None) -> pd.DataFrame:
    """Per document: ``n_chars`` (stripped length), ``shared_any`` (share of the text in a passage shared
    with at least one *other* document), ``internal`` (share in a passage repeated within it) and, with
    ``baseline`` (a doc_id such as the template), ``shared_baseline`` and ``shared_other`` (shared with
    any other document except the baseline)."""
    check_columns("documents_table", documents_table, ["doc_id", "text"])
    ids = [str(d) for d in documents_table["doc_id"]]
    if is_none(baseline):
        baseline = None
    if baseline is not None and baseline not in ids:
        raise ParameterError(f"baseline={baseline!r} is not a doc_id of documents; valid values: {', '.join(ids)}")
    lengths = _stripped_lengths(documents_table, passages)
    out = pd.DataFrame({"n_chars": lengths.reindex(ids)})
    out.index.name = "doc_id"
    iv = _intervals(passages) if not passages.empty else pd.DataFrame(columns=["row", "col", "start", "end"])
    iv = iv.astype({"start": "int64", "end": "int64"}) if not iv.empty else iv

    def share(sel: pd.DataFrame) -> pd.Series:
        if sel.empty:
            return pd.Series(0.0, index=ids)
        u = _union_length(sel.assign(k=0), ["row", "k"]).droplevel("k")
        return (u.reindex(ids).fillna(0) / out["n_chars"].where(out["n_chars"] > 0)).fillna(0.0)

    out["shared_any"] = share(iv[iv["row"] != iv["col"]]) if not iv.empty else 0.0
    out["internal"] = share(iv[iv["row"] == iv["col"]]) if not iv.empty else 0.0
    if baseline is not None:
        out["shared_baseline"] = share(iv[(iv["row"] != iv["col"]) & (iv["col"] == baseline)]) if not iv.empty else 0.0
        out["shared_other"] = (share(iv[(iv["row"] != iv["col"]) & (iv["col"] != baseline)]) if not iv.empty
                               else 0.0)
    return out.reset_index()


def alignment_table(passages: pd.DataFrame, *, top: int | None = None, internal: bool | None = None) -> pd.DataFrame:
    """The passages as an alignment table, longest first: ``doc_a, start_a, end_a, doc_b, start_b, end_b,
    n_chars, internal, text_a, text_b`` (``top`` rows if given; only internal or only between-document
    passages with ``internal=True``/``False``)."""
    check_columns("passages", passages, ["doc_a", "doc_b", "n_chars", "start_a", "start_b", "text_a", "text_b"])
    if internal is not None:
        if not isinstance(internal, bool):
            raise ParameterError(f"internal={internal!r} must be True, False or None")
        passages = passages[passages["internal"] == internal]
    cols = ["doc_a", "start_a", "end_a", "doc_b", "start_b", "end_b", "n_chars", "internal", "text_a", "text_b"]
    out = passages.sort_values(["n_chars", "doc_a", "start_a", "doc_b", "start_b"],
                               ascending=[False, True, True, True, True])[cols].reset_index(drop=True)
    if top is not None:
        top = check_int("top", top, minimum=1)
        out = out.head(top)
    return out


def baseline_shares(matrix: pd.DataFrame, baseline: str | None) -> pd.DataFrame:
    """Each document's share shared with the ``baseline`` document (e.g. the template) next to its
    largest share with any other document: ``doc_id, with_baseline, max_with_other, other``. Without a
    baseline (``None`` or ``""``): ``doc_id, max_with_other, other``.

    ``matrix`` is :func:`share_matrix` or, for any number of documents, :func:`share_pairs` (long form,
    the pairs sharing nothing left out: a document that shares nothing at all is not listed, and ``other``
    is ``""`` for one that shares nothing with another document). Vectorised: one pass over the cells (or pairs), no loop over documents."""
    long_form = isinstance(matrix, pd.DataFrame) and {"doc_id", "shared_with", "share"} <= set(matrix.columns)
    if long_form:
        docs = list(dict.fromkeys(matrix["doc_id"].astype("str")))
        known = set(docs) | set(matrix["shared_with"].astype("str"))
        cells = matrix.assign(doc_id=matrix["doc_id"].astype("str"), shared_with=matrix["shared_with"].astype("str"))
    else:
        docs, known = [str(r) for r in matrix.index], {str(c) for c in matrix.columns}
        stacked = matrix.copy()
        stacked.index, stacked.columns = docs, [str(c) for c in matrix.columns]
        cells = stacked.stack().rename("share").rename_axis(["doc_id", "shared_with"]).reset_index()
    if is_none(baseline):
        baseline = None
    elif baseline not in known:
        raise ParameterError(f"baseline={baseline!r} is not a column of the matrix; valid values: "
                             f"{', '.join(sorted(known) if long_form else map(str, matrix.columns))}")
    rows = [d for d in docs if d != baseline]
    others = cells[(cells["doc_id"] != cells["shared_with"]) & (cells["shared_with"] != baseline)]
    # the largest share per row; ties and all-zero rows: the first partner in column order (idxmax)
    best = others.sort_values("share", ascending=False, kind="stable").drop_duplicates("doc_id")
    best = best.set_index("doc_id")
    out = pd.DataFrame({"doc_id": rows})
    if baseline is not None:
        with_b = cells[cells["shared_with"] == baseline].set_index("doc_id")["share"]
        out["with_baseline"] = out["doc_id"].map(with_b).fillna(0.0).astype("float64")
    out["max_with_other"] = out["doc_id"].map(best["share"]).fillna(0.0).astype("float64")
    out["other"] = out["doc_id"].map(best["shared_with"]).fillna("").astype("str")
    return out


def choose_baseline(documents_table: pd.DataFrame, baseline: str | None) -> tuple[str | None, str]:
    """``(baseline, how)``: a given baseline as it is (``how="given"``); for an empty one (``None``, ``""``)
    the first document of genre ``template`` (:data:`BASELINE_GENRE`) in corpus order, or ``None`` (no
    baseline: coverage without one) when the corpus has no such document. For the notebook to print."""
    if not is_none(baseline):
        return baseline, "given"
    check_columns("documents_table", documents_table, ["doc_id"])
    if "genre" in documents_table.columns:
        templates = documents_table.loc[documents_table["genre"].astype("str") == BASELINE_GENRE, "doc_id"]
        if len(templates):
            return str(templates.iloc[0]), f"the first document of genre {BASELINE_GENRE!r}"
    return None, f"no document of genre {BASELINE_GENRE!r} in this corpus: no baseline"


def uncleaned_documents(paragraphs: pd.DataFrame, cleaning_log: pd.DataFrame) -> pd.DataFrame:
    """Each document's text *with the removed boilerplate put back*: ``doc_id, text``.

    The cleaned paragraphs (``raw_char_start``) and the removals of the cleaning log (``raw_char_start``)
    are merged in the order of their offsets in the raw text and joined by line breaks, so the text is
    the raw one up to whitespace, except that a removal made *inside* a paragraph (a watermark) follows
    that paragraph instead of interrupting it. Use it to see what reuse detection finds when cleaning is
    switched off (an abstract that repeats a body paragraph shows up as internal reuse).
    """
    check_columns("paragraphs", paragraphs, ["doc_id", "raw_char_start", "text"])
    check_columns("cleaning_log", cleaning_log, ["doc_id", "raw_char_start", "removed_text"])
    parts = pd.concat([
        pd.DataFrame({"doc_id": paragraphs["doc_id"].astype("str"), "pos": paragraphs["raw_char_start"],
                      "kind": 0, "text": paragraphs["text"].astype("str")}),
        pd.DataFrame({"doc_id": cleaning_log["doc_id"].astype("str"), "pos": cleaning_log["raw_char_start"],
                      "kind": 1, "text": cleaning_log["removed_text"].astype("str")}),
    ], ignore_index=True)
    order = {d: i for i, d in enumerate(dict.fromkeys(paragraphs["doc_id"].astype("str")))}
    parts["o"] = parts["doc_id"].map(order).fillna(len(order))
    parts = parts.sort_values(["o", "pos", "kind"], kind="stable")
    out = parts.groupby("doc_id", sort=False)["text"].agg("\n".join).reset_index()
    return out.astype({"doc_id": "str", "text": "str"})
