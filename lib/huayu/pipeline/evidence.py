"""Corpus-level evidence for cleaning: lines repeated across documents of one source.

A site prints its furniture — navigation bar, footer, licence notice, "scan to read on your phone" — on every
page, in exactly the same words; a speaker seldom repeats a whole line verbatim across many documents, except
short formulaic ones (各位代表：, 同志们：, which end in punctuation and are never counted as furniture by the
``repeated`` rules' pattern). This module is the first of cleaning's two passes:

1. :func:`count_lines` reads a batch of documents, ``(doc_id, raw text, source)`` each, and returns a
   :class:`LineCounts`: for every distinct document text (copies of one text count once), its source key and
   the 64-bit hashes of its distinct paragraphs. Batches are independent and merge with ``+`` (or
   :meth:`LineCounts.merge`), so the pass runs per batch or in parallel workers; time and memory are linear
   in the corpus (one small integer array per document).
2. :func:`repeated_lines` turns the merged counts into a :class:`RepeatedLines` table — per source, the hashes
   of the lines found in at least ``min_docs`` distinct documents *and* at least ``min_share`` of the source's
   documents — which :func:`huayu.pipeline.clean.clean_document` takes as ``evidence``.

The *source* of a document is its ``source`` metadata value, reduced by :func:`source_key`: the host name of the
first URL in it when there is one (so pages of one site whose ``source`` is their own URL group together),
otherwise the whole value, case-folded and with spaces collapsed. Documents without a source form no group
and give no evidence.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from huayu.checks import is_none

DEFAULT_MIN_DOCS = 3
DEFAULT_MIN_SHARE = 0.5
MAX_LINE_CHARS = 200  # longer paragraphs are body text, never counted
_URL_HOST = re.compile(r"(?:https?://)?((?:[a-z0-9-]+\.)+[a-z]{2,})(?::\d+)?(?:/|\b)", re.IGNORECASE)
_WHITESPACE = re.compile(r"\s+")


def source_key(source: str | None) -> str | None:
    """The group a document's ``source`` metadata puts it in (``None``: no source, no group).

    >>> source_key("https://zh.wikisource.org/wiki/2024年政府工作报告")
    'zh.wikisource.org'
    >>> source_key("大众报业·半岛新闻 (newspaper group)")
    '大众报业·半岛新闻 (newspaper group)'
    """
    if source is None or is_none(source) or (isinstance(source, float) and np.isnan(source)):
        return None
    text = _WHITESPACE.sub(" ", str(source)).strip().casefold()
    if not text or text in ("unknown", "none", "nan"):
        return None
    m = _URL_HOST.search(text) if ("://" in text or "www." in text) else None
    if m:
        host = m.group(1)
        return host[4:] if host.startswith("www.") else host
    return text


def line_hash(line: str) -> int:
    """A 64-bit hash of a paragraph with all whitespace removed (stable across runs and processes)."""
    squeezed = _WHITESPACE.sub("", line).encode("utf-8")
    return int.from_bytes(hashlib.blake2b(squeezed, digest_size=8).digest(), "little", signed=True)


@dataclass
class LineCounts:
    """Per distinct document text: its source key and the hashes of its distinct paragraphs."""

    texts: dict[int, tuple[str, np.ndarray]] = field(default_factory=dict)

    def merge(self, other: LineCounts) -> LineCounts:
        """The counts of both batches (a text in both counts once)."""
        merged = LineCounts(dict(self.texts))
        merged.texts.update(other.texts)
        return merged

    __add__ = merge

    def __len__(self) -> int:
        return len(self.texts)


def count_lines(texts: Iterable[tuple[str, str, str | None]]) -> LineCounts:
    """Line hashes of a batch of ``texts``: ``(doc_id, raw text, source)`` per document — the first pass of cleaning."""
    from huayu.pipeline.clean import paragraph_texts

    counts = LineCounts()
    for _doc_id, raw, source in texts:
        key = source_key(source)
        if key is None:
            continue
        text_id = line_hash(raw) ^ line_hash(key)
        if text_id in counts.texts:
            continue
        hashes = {line_hash(p) for p in paragraph_texts(raw) if len(p) <= MAX_LINE_CHARS}
        counts.texts[text_id] = (key, np.fromiter(hashes, dtype=np.int64, count=len(hashes)))
    return counts


@dataclass(frozen=True)
class RepeatedLines:
    """Lines repeated across documents of one source: ``{source key: frozenset of line hashes}``."""

    lines: dict[str, frozenset[int]]
    n_documents: dict[str, int]
    min_docs: int = DEFAULT_MIN_DOCS
    min_share: float = DEFAULT_MIN_SHARE

    def has_source(self, source: str | None) -> bool:
        """Whether any line of this document's source is repeated (else the ``repeated`` rules can be skipped)."""
        key = source_key(source)
        return key is not None and key in self.lines

    def is_repeated(self, source: str | None, line: str) -> bool:
        key = source_key(source)
        return key is not None and line_hash(line) in self.lines.get(key, frozenset())

    def __len__(self) -> int:
        return sum(len(v) for v in self.lines.values())


def repeated_lines(counts: LineCounts, *, min_docs: int = DEFAULT_MIN_DOCS,
                   min_share: float = DEFAULT_MIN_SHARE) -> RepeatedLines:
    """The lines found in ≥ ``min_docs`` distinct documents and ≥ ``min_share`` of the documents of their source."""
    if min_docs < 2:
        raise ValueError(f"min_docs={min_docs}: a line needs at least 2 documents to be repeated")
    if not 0 < min_share <= 1:
        raise ValueError(f"min_share={min_share}: give a share in (0, 1]")
    per_source: dict[str, list[np.ndarray]] = {}
    for key, hashes in counts.texts.values():
        per_source.setdefault(key, []).append(hashes)
    lines: dict[str, frozenset[int]] = {}
    sizes: dict[str, int] = {}
    for key, arrays in per_source.items():
        sizes[key] = len(arrays)
        threshold = max(min_docs, int(np.ceil(min_share * len(arrays))))
        if len(arrays) < threshold:
            continue
        values, n = np.unique(np.concatenate(arrays), return_counts=True)
        found = frozenset(int(v) for v in values[n >= threshold])
        if found:
            lines[key] = found
    return RepeatedLines(lines, sizes, min_docs, min_share)


def gather_evidence(texts: Iterable[tuple[str, str, str | None]], *, min_docs: int = DEFAULT_MIN_DOCS,
                    min_share: float = DEFAULT_MIN_SHARE) -> RepeatedLines:
    """Both steps at once, for a corpus that fits one batch: ``repeated_lines(count_lines(texts))``."""
    return repeated_lines(count_lines(texts), min_docs=min_docs, min_share=min_share)


def describe(evidence: RepeatedLines) -> Counter:
    """Number of repeated lines per source key (for logging)."""
    return Counter({key: len(v) for key, v in evidence.lines.items()})
