"""The segmenter: a private jieba-rs instance with the domain dictionary, the tag and stopword tables,
and the formula spans it keeps whole (:class:`Segmenter`, :func:`get_segmenter`)."""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import replace
from functools import lru_cache

import numpy as np
import pandas as pd

from huayu.pipeline.segment.dictionaries import (
    _JOINABLE_WORD, _NOT_JOINABLE, FUNCTION_WORDS, _base_dictionary, _hmm_word_tag, _load_base_dictionary, cut_phrases,
    pku_split_words, read_stopwords, read_user_dict)
from huayu.pipeline.segment.formulas import formula_offsets
from huayu.pipeline.segment.settings import SUFFIXES, SegmentSettings

__all__ = ["Segmenter", "get_segmenter"]

# jieba's finalseg splits non-Chinese runs with this pattern (jieba/finalseg/__init__.py ``re_skip``).
_FINALSEG_SKIP = re.compile(r"([a-zA-Z0-9]+(?:\.\d+)?%?)")
_ASCII_RUN = re.compile(r"[a-zA-Z0-9+#&._%\-]{2,}")
_ASCII_SYMBOL = re.compile(r"[+#&._%\-]")
_ASCII_RUN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+#&._%-")
_ASCII_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?%?")
_ASCII_WORD = re.compile(r"[a-zA-Z0-9]+")
_HAN_WORD = re.compile(r"[\u4e00-\u9fd5]+")
_HAN_CHAR = re.compile(r"[\u4e00-\u9fd5]")
_SCRIPT_RUN = re.compile(r"[\u4e00-\u9fd5]+|[^\u4e00-\u9fd5]+")
# Numbers and time words as the PKU guideline writes them (``join_numbers``): ASCII or full-width digits
# with a decimal point, a percent sign, 多/余 and 万/亿, or a year, month, day or hour with its unit. A digit
# run touching a letter (5G, G20) or another digit or point is left to jieba.
_D = "0-9\uff10-\uff19"
_NUM = f"[{_D}]+(?:[.\uff0e][{_D}]+)?"
_CN = "\u3007\u25cb零一二三四五六七八九十百千两万亿"  # Chinese numerals (〇 and ○ for zero), 万 and 亿 last
_NUMBER = re.compile(
    f"(?<![{_D}A-Za-z.\uff0e])(?:"
    f"[{_D}]{{2,4}}年代"
    f"|[{_D}]{{4}}年(?![底初末内中间度])"
    f"|[{_D}]{{1,2}}月份"
    f"|[{_D}]{{1,2}}月(?![底初末中])"
    f"|[{_D}]{{1,2}}[日时]"
    f"|{_NUM}[多余]?[万亿]+[多余]?"
    f"|{_NUM}[%\uff05]"
    f"|{_NUM}[多余](?=[\u4e00-\u9fd5])"
    f"|[{_D}]+[.\uff0e][{_D}]+(?![{_D}A-Za-z])"
    f"|(?<![{_CN}])[\u3007\u25cb零一二三四五六七八九]{{4}}年(?![底初末内中间度])"
    f"|(?<![{_CN}])(?:[{_CN[:-2]}]+[万亿]+)+[多余]?(?![{_CN}])"
    f"|[\uff10-\uff19]+(?![{_D}A-Za-z.\uff0e])"
    ")")
_TIME_UNITS = frozenset("年月日时份代")
# Where a number can start: a run of digits or of Chinese numerals (every match of _NUMBER begins a run, as
# its look-behinds forbid a digit before a digit and a numeral before a numeral); scanning runs first is
# many times faster than letting _NUMBER's look-behinds try every character.
_NUMBER_RUN = re.compile(f"[{_D}]+|[{_CN[:-2]}]+")
# Private-use characters: never in jieba's joinable set, so never part of a word.
_PLACEHOLDERS = "\ue000\ue001\ue002\ue003"
_TOTAL_CARRIER = "\uf8fe\uf8ff"


class Segmenter:
    """A private jieba-rs instance with the domain dictionary, plus the tag and stopword tables.

    Build it with :func:`get_segmenter` (cached per settings); :meth:`cut` segments one text exactly as
    ``jieba.Tokenizer.lcut`` with the same dictionary does (whitespace included, no formula handling), except
    for persons' names (``person_names``) and suffixes (``join_suffixes``), which it joins after jieba's cut.
    """

    def __init__(self, settings: SegmentSettings):
        import rjieba

        self.settings = settings
        entries = read_user_dict(settings.user_dict) if settings.user_dict is not None else _empty_entries()
        self.stopwords = read_stopwords(settings.stopwords) if settings.stopwords is not None else frozenset()
        base, carried = _load_base_dictionary()
        self._jieba = rjieba.Jieba()
        entry_words = set(entries["word"])
        #: dict.txt entries left out (``phrase_max_freq``, ``pku_splits``; never a domain-dictionary word).
        left_out = dict.fromkeys(cut_phrases(settings.phrase_max_freq))
        if settings.pku_splits:
            left_out.update(dict.fromkeys(pku_split_words()))
        self.cut_phrases = tuple(w for w in left_out if w not in entry_words)
        for word in self.cut_phrases:
            self._jieba.add_word(word, 0, None)
            carried += base[word][0]
        resolved = []
        for word, freq in zip(entries["word"], entries["freq"]):
            value = self._jieba.add_word(word, None if pd.isna(freq) else int(freq), None)
            resolved.append(int(value))
            if word in base:
                # jieba adds the new frequency to its total, jieba-rs the difference: carry the old one.
                carried += base[word][0]
        if carried:
            self._jieba.add_word(_TOTAL_CARRIER, carried, None)
        entries = entries.assign(freq=pd.array(resolved, dtype="Int64"))
        self.entries = entries
        self._user_tags = {w: t for w, t in zip(entries["word"], entries["tag"]) if isinstance(t, str)}
        self._user_freqs = dict(zip(entries["word"], entries["freq"].astype("int64")))
        self._left_out = frozenset(self.cut_phrases)
        #: Surnames a person's name may start with (``person_names``; empty when it is off).
        self.surnames = (_surnames(read_stopwords(settings.surnames))
                         if settings.surnames is not None and settings.person_names != "off" else frozenset())
        self._name_cache: dict[str, int] = {}
        self._entry_words = tuple(entries["word"])
        self._containing: dict[str, tuple[tuple[str, int], ...]] = {}
        self._parts: dict[str, tuple[tuple[int, int], ...]] = {}
        if settings.keep_formulas:
            _formula_spans_in("", settings.max_slogan_chars)  # compile the finder's patterns before any fork

    # -- segmentation ---------------------------------------------------------------------------------
    def cut(self, text: str) -> list[str]:
        """Tokens of ``text`` as ``jieba.Tokenizer.lcut(text, HMM=hmm)`` gives them (whitespace included), with
        names and suffixes joined (``person_names``, ``join_suffixes``)."""
        tokens, lengths = self._cut(text)
        if len(tokens) == len(lengths):
            return tokens
        ends = np.cumsum(lengths).tolist()
        return [text[e - n:e] for e, n in zip(ends, lengths.tolist())]

    def _cut(self, text: str) -> tuple[list[str], np.ndarray]:
        tokens = self._jieba.cut(text, self.settings.hmm)
        if self.surnames and not self.settings.hmm:
            tokens = self._join_names(tokens)
        if self.settings.join_suffixes:
            tokens = _join_suffixes(tokens)
        lengths = np.fromiter(map(len, tokens), dtype=np.int64, count=len(tokens))
        if self.settings.hmm:
            lengths = self._fix_ascii_runs(text, tokens, lengths)
        return tokens, lengths

    # -- persons' names (``person_names``) ----------------------------------------------------------------------
    def _join_names(self, tokens: list[str]) -> list[str]:
        """``tokens`` with each person's name that jieba cut into single characters joined into one token.

        A name starts at a single-character token that is a surname; the stretch of single Chinese characters
        from there (at most four) is cut again with jieba's HMM alone — the HMM joins runs of single
        characters into words, here only after a surname — and its first word, when it has two or three
        characters, is the name (in ``"hmm_nr"`` mode only if jieba.posseg's HMM tags it ``nr``). A surname
        after a numeral or demonstrative is a classifier (一 张, 这 张), and a given name holds no numeral or
        function word (中 苏 两 国 is no name).
        """
        surnames = self.surnames
        out: list[str] | None = None
        n = len(tokens)
        i = 0
        while i < n:
            token = tokens[i]
            if (token in surnames and i + 1 < n and _single_han(tokens[i + 1])
                    and not (i and tokens[i - 1][-1] in _BEFORE_CLASSIFIER)):
                j = i + 1
                while j < n and j - i < 4 and _single_han(tokens[j]) and tokens[j] not in _NOT_IN_GIVEN_NAME:
                    j += 1
                length = self._name_length("".join(tokens[i:j]))
                if length:
                    if out is None:
                        out = tokens[:i]
                    out.append("".join(tokens[i:i + length]))
                    i += length
                    continue
            if out is not None:
                out.append(token)
            i += 1
        return tokens if out is None else out

    def _name_length(self, stretch: str) -> int:
        """Characters of the name ``stretch`` starts with (0: none); see :meth:`_join_names`."""
        found = self._name_cache.get(stretch)
        if found is None:
            word = self._jieba.cut(stretch, True)[0]
            found = len(word) if 2 <= len(word) <= 3 else 0
            if found and self.settings.person_names == "hmm_nr":
                found = found if (self._user_tags.get(word) or _hmm_word_tag(word) or "").startswith("nr") else 0
            if len(self._name_cache) > 100_000:
                self._name_cache.clear()
            self._name_cache[stretch] = found
        return found

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
        none when ``keep_formulas`` is off or ``text`` holds every private-use placeholder character.

        A formula inside a longer word of the domain dictionary is widened to that word (五项原则 inside
        和平共处五项原则 is the whole term, not 和平共处 + 五项原则)."""
        if not self.settings.keep_formulas or _placeholder(text) is None:
            return []
        spans = _formula_spans_in(text, self.settings.max_slogan_chars)
        out: list[tuple[int, int]] = []
        for a, b in spans:
            for word, offset in self._containing_entries(text[a:b]):
                start = a - offset
                if start >= 0 and text.startswith(word, start) and (not out or out[-1][1] <= start):
                    a, b = start, start + len(word)
                    break
            if out and out[-1][1] > a:  # widened over the previous span: that one is inside this word
                continue
            out.append((a, b))
        return out

    def _containing_entries(self, formula: str) -> tuple[tuple[str, int], ...]:
        """Longer domain-dictionary words holding ``formula``, longest first, with its offset in each."""
        found = self._containing.get(formula)
        if found is None:
            pairs = []
            for word in self._entry_words:
                if len(word) > len(formula):
                    at = word.find(formula)
                    while at >= 0:
                        pairs.append((word, at))
                        at = word.find(formula, at + 1)
            if len(self._containing) > 100_000:
                self._containing.clear()
            found = self._containing[formula] = tuple(sorted(pairs, key=lambda p: -len(p[0])))
        return found

    def number_spans(self, text: str, formulas: Sequence[tuple[int, int]] = ()) -> list[tuple[int, int]]:
        """The numbers and time words of ``text`` kept as one token each (``join_numbers``; the pattern is
        described in :class:`SegmentSettings`), leaving out any that overlaps one of ``formulas`` (sorted
        spans)."""
        if not self.settings.join_numbers:
            return []
        starts = [a for a, _ in formulas]
        out = []
        end = 0
        for run in _NUMBER_RUN.finditer(text):
            if run.start() < end:
                continue
            m = _NUMBER.match(text, run.start())
            if m is None:
                continue
            a, b = end_span = m.span()
            end = end_span[1]
            i = bisect.bisect_right(starts, a) - 1
            if (i >= 0 and formulas[i][1] > a) or (i + 1 < len(formulas) and formulas[i + 1][0] < b):
                continue
            out.append((a, b))
        return out

    def cut_with_formulas(self, text: str, spans: Sequence[tuple[int, int]] | None = None
                          ) -> tuple[np.ndarray, np.ndarray]:
        """Token lengths covering ``text`` and a per-token formula flag, each of ``spans`` (sorted,
        non-overlapping; by default :meth:`formula_spans`) and of :meth:`number_spans` kept as one token
        (only the formula spans are flagged).

        Each span is replaced by one private-use character before the cut — jieba never joins it to a
        neighbour, so the cut around the span is the one jieba gives the text with the span as a single
        word — and the character's token is given the span's length afterwards.
        """
        spans = list(self.formula_spans(text) if spans is None else spans)
        placeholder = _placeholder(text)
        numbers = self.number_spans(text, spans) if placeholder is not None else []
        if numbers:
            kinds = sorted([(a, b, True) for a, b in spans] + [(a, b, False) for a, b in numbers])
            spans = [(a, b) for a, b, _ in kinds]
            is_formula = np.array([k for _, _, k in kinds], dtype=bool)
        else:
            is_formula = None
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
        flags[at] = True if is_formula is None else is_formula
        return lengths, flags

    # -- parts (granularity="fine") --------------------------------------------------------------------
    def _frequency(self, word: str) -> int:
        """``word``'s frequency in this segmenter's dictionary (0 when absent or left out)."""
        if word in self._user_freqs:
            return int(self._user_freqs[word])
        if word in self._left_out:
            return 0
        entry = _base_dictionary().get(word)
        return entry[0] if entry is not None else 0

    def parts(self, word: str) -> tuple[tuple[int, int], ...]:
        """The parts of ``word`` counted at the fine granularity, as ``(offset, length)`` pairs sorted by
        offset (longer first): the words of two or more Chinese characters that the segmenter cuts ``word``
        into when ``word`` itself is not in the dictionary, and their parts in turn (a tree: 农村人居环境整治 →
        农村人居环境 + 整治, 农村人居环境 → 农村 + 人居环境, 人居环境 → 人居 + 环境). Empty for words of fewer
        than three characters, numbers and words with no Chinese character.
        """
        found = self._parts.get(word)
        if found is None:
            found = self._parts[word] = tuple(sorted(set(self._tree(word)), key=lambda p: (p[0], -p[1])))
        return found

    def _tree(self, word: str, offset: int = 0):
        if len(word) < 3 or not _HAN_CHAR.search(word) or _NUMBER.fullmatch(word):
            return
        freq = self._frequency(word)
        if freq:
            self._jieba.add_word(word, 0, None)
        try:
            pieces = self._jieba.cut(word, False)
        finally:
            if freq:
                self._jieba.add_word(word, freq, None)
        if len(pieces) < 2 and not _HAN_WORD.fullmatch(word):
            # jieba-rs keeps a word that starts with ASCII whole even at frequency 0: cut its runs apart.
            pieces = [p for run in _SCRIPT_RUN.findall(word)
                      for p in (self._jieba.cut(run, False) if _HAN_WORD.fullmatch(run) else [run])]
        if len(pieces) < 2:
            return
        at = 0
        for piece in pieces:
            if len(piece) >= 2 and _HAN_WORD.fullmatch(piece):
                yield offset + at, len(piece)
                yield from self._tree(piece, offset + at)
            at += len(piece)

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


# A surname token after these is a classifier (一 张 新 的 …), not a name; these never occur in a given name
# (numerals and the function words of FUNCTION_WORDS, with 不 也 都 就 又 被 及).
_BEFORE_CLASSIFIER = frozenset("一二三四五六七八九十两百千万几这那每各某多第")
_NOT_IN_GIVEN_NAME = frozenset("一二三四五六七八九十两百千万亿零几") | FUNCTION_WORDS | frozenset("不也都就又被及")


def _join_suffixes(tokens: list[str]) -> list[str]:
    """``tokens`` with each suffix of :data:`SUFFIXES` joined to a word of two or more Chinese characters
    before it (``join_suffixes``)."""
    out: list[str] | None = None
    for i, token in enumerate(tokens):
        if i and token in SUFFIXES:
            before = tokens[i - 1] if out is None else out[-1]
            if len(before) >= 2 and _HAN_WORD.fullmatch(before):
                if out is None:
                    out = tokens[:i]
                out[-1] = before + token
                continue
        if out is not None:
            out.append(token)
    return tokens if out is None else out


def _surnames(listed: frozenset[str]) -> frozenset[str]:
    """The surnames of ``listed`` a name may start with: those that jieba's dict.txt does not tag as a
    preposition, numeral or adverb (``p``, ``m``, ``d``: 于 向 万 许 余 曾 莫 常), which in running text are
    nearly always those words (让利 于 民, 向 重点 …), not a surname."""
    base = _base_dictionary()
    return frozenset(s for s in listed if base.get(s, (0, ""))[1] not in ("p", "m", "d"))


def _single_han(token: str) -> bool:
    return len(token) == 1 and "\u4e00" <= token <= "\u9fd5"


def _empty_entries() -> pd.DataFrame:
    return pd.DataFrame({"word": pd.Series([], dtype="str"), "freq": pd.Series([], dtype="Int64"),
                         "tag": pd.Series([], dtype="str"), "line": pd.Series([], dtype="int64")})


@lru_cache(maxsize=4096)
def _unknown_word_tag(word: str, is_formula: bool) -> str:
    if is_formula:
        return "nz"
    if _NUMBER.fullmatch(word):
        return "t" if word[-1] in _TIME_UNITS else "m"
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

