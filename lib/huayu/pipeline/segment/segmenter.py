"""The segmenter: a private jieba-rs instance with the domain dictionary, the tag and stopword tables,
and the formula spans it keeps whole (:class:`Segmenter`, :func:`get_segmenter`)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from functools import lru_cache

import numpy as np
import pandas as pd

from huayu.pipeline.segment.dictionaries import (
    _JOINABLE_WORD, _NOT_JOINABLE, _base_dictionary, _hmm_word_tag, _load_base_dictionary, read_stopwords,
    read_user_dict)
from huayu.pipeline.segment.formulas import formula_offsets
from huayu.pipeline.segment.settings import SegmentSettings

__all__ = ["Segmenter", "get_segmenter"]

# jieba's finalseg splits non-Chinese runs with this pattern (jieba/finalseg/__init__.py ``re_skip``).
_FINALSEG_SKIP = re.compile(r"([a-zA-Z0-9]+(?:\.\d+)?%?)")
_ASCII_RUN = re.compile(r"[a-zA-Z0-9+#&._%\-]{2,}")
_ASCII_SYMBOL = re.compile(r"[+#&._%\-]")
_ASCII_RUN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+#&._%-")
_ASCII_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?%?")
_ASCII_WORD = re.compile(r"[a-zA-Z0-9]+")
_HAN_WORD = re.compile(r"[\u4e00-\u9fd5]+")
# Private-use characters: never in jieba's joinable set, so never part of a word.
_PLACEHOLDERS = "\ue000\ue001\ue002\ue003"
_TOTAL_CARRIER = "\uf8fe\uf8ff"


class Segmenter:
    """A private jieba-rs instance with the domain dictionary, plus the tag and stopword tables.

    Build it with :func:`get_segmenter` (cached per settings); :meth:`cut` segments one text exactly as
    ``jieba.Tokenizer.lcut`` with the same dictionary does (whitespace included, no formula handling).
    """

    def __init__(self, settings: SegmentSettings):
        import rjieba

        self.settings = settings
        entries = read_user_dict(settings.user_dict) if settings.user_dict is not None else _empty_entries()
        self.stopwords = read_stopwords(settings.stopwords) if settings.stopwords is not None else frozenset()
        base, carried = _load_base_dictionary()
        self._jieba = rjieba.Jieba()
        if carried:
            self._jieba.add_word(_TOTAL_CARRIER, carried, None)
        resolved = []
        for word, freq in zip(entries["word"], entries["freq"]):
            value = self._jieba.add_word(word, None if pd.isna(freq) else int(freq), None)
            resolved.append(int(value))
            if word in base:
                # jieba adds the new frequency to its total, jieba-rs the difference: carry the old one.
                carried += base[word][0]
                self._jieba.add_word(_TOTAL_CARRIER, carried, None)
        entries = entries.assign(freq=pd.array(resolved, dtype="Int64"))
        self.entries = entries
        self._user_tags = {w: t for w, t in zip(entries["word"], entries["tag"]) if isinstance(t, str)}
        if settings.keep_formulas:
            _formula_spans_in("", settings.max_slogan_chars)  # compile the finder's patterns before any fork

    # -- segmentation ---------------------------------------------------------------------------------
    def cut(self, text: str) -> list[str]:
        """Tokens of ``text`` as ``jieba.Tokenizer.lcut(text, HMM=hmm)`` gives them (whitespace included)."""
        tokens, lengths = self._cut(text)
        if len(tokens) == len(lengths):
            return tokens
        ends = np.cumsum(lengths).tolist()
        return [text[e - n:e] for e, n in zip(ends, lengths.tolist())]

    def _cut(self, text: str) -> tuple[list[str], np.ndarray]:
        tokens = self._jieba.cut(text, self.settings.hmm)
        lengths = np.fromiter(map(len, tokens), dtype=np.int64, count=len(tokens))
        if self.settings.hmm:
            lengths = self._fix_ascii_runs(text, tokens, lengths)
        return tokens, lengths

    def _fix_ascii_runs(self, text: str, tokens: list[str], lengths: np.ndarray) -> np.ndarray:
        """Re-split ASCII tokens the way jieba's finalseg does (jieba-rs keeps 2023-01-05 whole).

        Only runs of ASCII word characters holding a symbol (``+ # & . _ % -``) can differ, so the text
        is scanned for those symbols, which are rare in Chinese text, and each one's run is examined.
        """
        starts = None
        replace: dict[int, list[int]] = {}
        run_end = 0
        for symbol in _ASCII_SYMBOL.finditer(text):
            if symbol.start() < run_end:
                continue  # inside the run just examined
            begin = symbol.start()
            while begin > 0 and text[begin - 1] in _ASCII_RUN_CHARS:
                begin -= 1
            m = _ASCII_RUN.match(text, begin)
            if m is None:  # a lone symbol
                continue
            run_end = m.end()
            if _FINALSEG_SKIP.fullmatch(m.group()):
                continue
            if starts is None:
                starts = np.cumsum(lengths) - lengths
            first = int(np.searchsorted(starts, m.start(), side="right")) - 1
            last = int(np.searchsorted(starts, m.end(), side="left"))
            for i in range(max(first, 0), last):
                token = tokens[i]
                if (len(token) > 1 and _ASCII_RUN.fullmatch(token) and not _FINALSEG_SKIP.fullmatch(token)
                        and not self._jieba.has_word(token)):
                    replace[i] = [len(p) for p in _FINALSEG_SKIP.split(token) if p]
        if not replace:
            return lengths
        pieces = []
        prev = 0
        for i in sorted(replace):
            pieces.append(lengths[prev:i])
            pieces.append(np.asarray(replace[i], dtype=np.int64))
            prev = i + 1
        pieces.append(lengths[prev:])
        return np.concatenate(pieces)

    def formula_spans(self, text: str) -> list[tuple[int, int]]:
        """The spans :meth:`cut_with_formulas` keeps whole in ``text`` (see :func:`_formula_spans_in`):
        none when ``keep_formulas`` is off or ``text`` holds every private-use placeholder character."""
        if not self.settings.keep_formulas or _placeholder(text) is None:
            return []
        return _formula_spans_in(text, self.settings.max_slogan_chars)

    def cut_with_formulas(self, text: str, spans: Sequence[tuple[int, int]] | None = None
                          ) -> tuple[np.ndarray, np.ndarray]:
        """Token lengths covering ``text`` and a per-token formula flag, each of ``spans`` (sorted,
        non-overlapping; by default :meth:`formula_spans`) kept as one token.

        Each span is replaced by one private-use character before the cut — jieba never joins it to a
        neighbour, so the cut around the span is the one jieba gives the text with the span as a single
        word — and the character's token is given the span's length afterwards.
        """
        spans = self.formula_spans(text) if spans is None else spans
        placeholder = _placeholder(text)
        if len(spans) == 0 or placeholder is None:
            lengths = self._cut(text)[1]
            return lengths, np.zeros(len(lengths), dtype=bool)
        span_starts, span_ends = (np.asarray(column, dtype=np.int64) for column in zip(*spans))
        pieces = zip([0, *span_ends.tolist()], [*span_starts.tolist(), len(text)])
        masked = placeholder.join([text[a:b] for a, b in pieces])
        span_lengths = span_ends - span_starts
        positions = span_starts - (np.cumsum(span_lengths - 1) - (span_lengths - 1))  # in the masked text
        lengths = self._cut(masked)[1]
        at = np.searchsorted(np.cumsum(lengths) - lengths, positions)
        lengths[at] = span_lengths
        flags = np.zeros(len(lengths), dtype=bool)
        flags[at] = True
        return lengths, flags

    # -- tags and flags --------------------------------------------------------------------------------
    def tags_for(self, words: Sequence[str], formula: np.ndarray | None = None) -> list[str]:
        """POS tag of each distinct word (the order of sources is in :mod:`huayu.pipeline.segment`)."""
        base = _base_dictionary()
        user = self._user_tags
        formula = np.zeros(len(words), dtype=bool) if formula is None else formula
        out = []
        for word, is_formula in zip(words, formula.tolist()):
            tag = user.get(word)
            if tag is None:
                entry = base.get(word)
                tag = entry[1] if entry is not None else _unknown_word_tag(word, is_formula)
            out.append(tag)
        return out


def _empty_entries() -> pd.DataFrame:
    return pd.DataFrame({"word": pd.Series([], dtype="str"), "freq": pd.Series([], dtype="Int64"),
                         "tag": pd.Series([], dtype="str"), "line": pd.Series([], dtype="int64")})


@lru_cache(maxsize=4096)
def _unknown_word_tag(word: str, is_formula: bool) -> str:
    if is_formula:
        return "nz"
    if _ASCII_NUMBER.fullmatch(word):
        return "m"
    if _ASCII_WORD.fullmatch(word):
        return "eng"
    if len(word) > 1 and _HAN_WORD.fullmatch(word):
        return _hmm_word_tag(word) or "x"
    return "x"


@lru_cache(maxsize=8)
def _cached_segmenter(settings: SegmentSettings, stamp: tuple) -> Segmenter:
    return Segmenter(settings)


def get_segmenter(settings: SegmentSettings | None = None) -> Segmenter:
    """The :class:`Segmenter` for ``settings``, built once per process (rebuilt when a file changes)."""
    settings = settings or SegmentSettings()
    stamp = tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size)
                  for p in (settings.user_dict, settings.stopwords) if p is not None)
    return _cached_segmenter(replace(settings, workers=0), stamp)



# ----------------------------------------------------------------------------------------------------
# Formula spans
# ----------------------------------------------------------------------------------------------------

def _placeholder(text: str) -> str | None:
    """A private-use character absent from ``text`` (jieba cuts it off as a token of its own)."""
    return next((c for c in _PLACEHOLDERS if c not in text), None)


def _formula_spans_in(text: str, max_slogan_chars: int) -> list[tuple[int, int]]:
    """Formula spans of a ``"\\n"``-joined run of sentences, as ``(start, end)`` token spans.

    :func:`huayu.pipeline.segment.formulas.formula_offsets` runs once over the whole run: no quotation or
    formula pattern crosses a line break, so this finds what the finder finds sentence by sentence (checked
    in ``tests/test_segment.py``). Spans are split where jieba never joins characters (punctuation, spaces).
    """
    out: list[tuple[int, int]] = []
    for start, end, _ in formula_offsets(text, max_slogan_chars=max_slogan_chars):
        if _NOT_JOINABLE.search(text, start, end):
            out.extend(m.span() for m in _JOINABLE_WORD.finditer(text, start, end))
        else:
            out.append((start, end))
    return out

