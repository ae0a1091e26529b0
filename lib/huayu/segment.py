"""Segmentation: jieba's dictionary and algorithm, the domain dictionary, one token per row.

Every analysis reads the tokens table this stage writes (``processed/tokens.parquet``; columns in
``lib/README.md``). The segmentation is jieba's (Sun Junyi, 2012–2020, ``jieba`` 0.42.1): a prefix
dictionary (``dict.txt``, 349 045 words), a DAG of dictionary words solved by dynamic programming for the most
probable path (word probability = frequency / total), and an HMM (``finalseg``) that joins runs of
single characters into new words. The domain dictionary ``data/dictionaries/domain_dict.txt`` adds the
vocabulary of Chinese political discourse, so that 高质量发展 and 两个维护 stay whole.

Choice of engine (measured with ``benchmarks/bench_segment.py``)
---------------------------------------------------------------
Five texts replicated to 2.0 M characters, on this 2-core virtual machine while other work ran on it
(speeds moved 2–3× from run to run; ratios are taken within one run):

* ``jieba.Tokenizer.lcut`` (pure Python), the reference: 0.20–0.26 M characters/s (about 0.34 M per
  CPU-second).
* ``jieba.posseg``: 0.03–0.04 M characters/s, 6–8× slower, *and* it segments differently — it runs a
  joint word/POS HMM over unknown character runs and splits ASCII runs by other rules, so only 98.1 % of
  its tokens are ``lcut``'s (``posseg_agreement_with_cut``). Not used.
* ``rjieba`` (jieba-rs, the Rust port; it embeds the same ``dict.txt`` — every word of it is there and
  a sample of tags is checked in the tests): 3–10 M characters/s on one core, 20–40× ``lcut``, with
  identical tokens once two documented differences are corrected (below). It holds the GIL, so the stage
  forks worker processes over chunks of whole sentences (``workers``; 0 = one per core) for inputs of
  300 000 characters or more; the workers return numbers and bytes, not Python strings.
* The whole stage (cut, formulas, tags, flags, offsets, DataFrame, parquet): 1.2–3 M characters/s, i.e.
  5–10× ``lcut`` on the same text — 10× only when both cores are free. Its costliest step after the cut
  is formula detection (``huayu.formulas.formula_spans``, about 5 M characters/s on one core after the
  prefilter described below, half the speed of the cut itself); tags, offsets and the parquet are
  vectorised (Arrow buffers, NumPy; Python loops run over distinct words, never over tokens).

So the stage cuts with a private ``rjieba.Jieba`` carrying the domain dictionary, and tags afterwards:
**one segmentation, then tags**. A token's tag is the domain dictionary's tag, else ``dict.txt``'s tag
(the tag ``jieba.posseg`` gives dictionary words), else for an unknown word of Chinese characters the
best single tag of jieba.posseg's own HMM *for that word as one unit* (a constrained Viterbi: the
states B, M…, E of one tag), ``m`` for ASCII numbers, ``eng`` for ASCII letters and digits, ``nz`` for a
formula or slogan missing from both dictionaries and ``x`` for anything else (punctuation, symbols),
as in jieba.posseg. (jieba-rs's own ``tag`` agrees with its ``cut`` — checked in the tests — but gives
``x`` to every unknown word.)

Agreement with ``jieba.Tokenizer`` (same dictionary, same text) is exact on the bundled corpus apart
from the formula and slogan spans forced to one token. Two differences between jieba-rs and jieba are
corrected: (1) jieba-rs joins ASCII runs such as ``2023-01-05`` or ``www.x.com`` that jieba's HMM splits
at ``-`` and ``.`` (jieba's rule ``[a-zA-Z0-9]+(?:\\.\\d+)?%?`` is re-applied to such tokens);
(2) re-adding a word jieba already knows changes jieba-rs's frequency total by the *difference* of the
two frequencies but jieba's by the new frequency (and the one word dict.txt lists twice counts twice in
jieba's total, once in jieba-rs's), so a never-matching word (private-use characters, which jieba never
joins) carries the difference. What remains are rare differences in the HMM on
unusual character runs (one in 40 000 random strings of up to 30 characters; none in the corpus).

Formulas and slogans: :func:`huayu.formulas.formula_spans` finds numbered formulas (两个维护,
8大攻坚提升行动), coded slogans (“1168”) and quoted slogans up to ``max_slogan_chars`` characters; each is
kept as one token (``is_formula``) when ``keep_formulas`` is on. A span is cut only where jieba itself
could never join characters (“盯、拼、抢” gives 盯 、 拼 、 抢, each part still ``is_formula``).
Stopwords (``data/dictionaries/stopwords_zh.txt``) are *marked* (``is_stop``), never removed;
``is_punct`` marks tokens made only of Unicode punctuation or symbols (categories P*, S*); whitespace
is not a token.

Cache: :func:`write_tokens` keeps ``tokens.manifest.json`` beside the parquet with a SHA-256 over the
sentences (ids, offsets, text), every dictionary file's bytes, the settings that change the output and
the versions of this module, jieba, rjieba and the formula finder; it re-segments only when that hash
changes. jieba's own cache (used by the reference tokenizer) lives in :func:`huayu.paths.cache_dir`; no
pickle or marshal file is read from anywhere else.

Command line: ``python -m huayu.segment suggest 高质量发展 …`` prints the frequency the domain
dictionary's rule gives a new entry (see ``data/dictionaries/README.md``).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import json
import logging
import multiprocessing
import os
import re
import sys
import time
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from huayu.checks import ParameterError, check_columns
from huayu.outputs import write_json, write_parquet
from huayu.paths import DICTIONARIES, cache_dir, resolve

log = logging.getLogger("huayu.segment")

__all__ = [
    "SEGMENTER_VERSION", "TOKEN_COLUMNS", "SENTENCE_COLUMNS", "JIEBA_TAGS",
    "DictionaryError", "SegmentSettings", "Segmenter", "get_segmenter",
    "read_user_dict", "read_stopwords", "segment_sentences", "segment_texts", "write_tokens",
    "tokens_manifest", "jieba_reference_tokenizer", "suggest_frequency",
    "read_gold", "segmentation_scores", "compare_segmentations",
]

#: Bump whenever a change to this module can change the tokens table (invalidates every cache).
SEGMENTER_VERSION = "1"

TOKEN_COLUMNS = ["doc_id", "para_id", "sent_id", "token_index", "char_start", "char_end", "token", "pos",
                 "is_stop", "is_punct", "is_formula"]
SENTENCE_COLUMNS = ["doc_id", "para_id", "sent_id", "char_start", "char_end", "text"]

#: Part-of-speech tags a dictionary entry may carry: every tag in jieba's dict.txt, plus ``eng`` and
#: ``x`` (the tags jieba.posseg gives ASCII words and punctuation).
JIEBA_TAGS = ("a", "ad", "ag", "an", "b", "c", "d", "df", "dg", "e", "eng", "f", "g", "h", "i", "j", "k", "l",
              "m", "mg", "mq", "n", "ng", "nr", "nrfg", "nrt", "ns", "nt", "nz", "o", "p", "q", "r", "rg", "rr",
              "rz", "s", "t", "tg", "u", "ud", "ug", "uj", "ul", "uv", "uz", "v", "vd", "vg", "vi", "vn", "vq",
              "x", "y", "z", "zg")

# Characters jieba can join into one word (jieba 0.42.1 ``re_han_default``); everything else is cut.
_JOINABLE = "\u4e00-\u9fd5a-zA-Z0-9+#&._%\\-"
_JOINABLE_WORD = re.compile(f"[{_JOINABLE}]+")
_NOT_JOINABLE = re.compile(f"[^{_JOINABLE}]")
# jieba's finalseg splits non-Chinese runs with this pattern (jieba/finalseg/__init__.py ``re_skip``).
_FINALSEG_SKIP = re.compile(r"([a-zA-Z0-9]+(?:\.\d+)?%?)")
_ASCII_RUN = re.compile(r"[a-zA-Z0-9+#&._%\-]{2,}")
_ASCII_SYMBOL = re.compile(r"[+#&._%\-]")
_ASCII_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?%?")
_ASCII_WORD = re.compile(r"[a-zA-Z0-9]+")
_HAN_WORD = re.compile(r"[\u4e00-\u9fd5]+")
# Private-use characters: never in jieba's joinable set, so never part of a word.
_PLACEHOLDERS = "\ue000\ue001\ue002\ue003"
_TOTAL_CARRIER = "\uf8fe\uf8ff"
_MIN_FLOAT = -3.14e100  # jieba's "impossible" log-probability
# What a sentence needs to hold a formula (see _formula_spans_in and huayu.formulas).
_UNQUOTED_TRIGGER = "二两三四五六七八九十双1-9"
_QUOTE_MARKS = "“”‘’「」『』\""
_PARALLEL_MIN_CHARS = 300_000
_CHUNK_CHARS = 65_536


class DictionaryError(ParameterError):
    """A dictionary or stopword file is malformed; the message names the file and the line."""


# ----------------------------------------------------------------------------------------------------
# Settings
# ----------------------------------------------------------------------------------------------------

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


@dataclass(frozen=True)
class SegmentSettings:
    """Every setting of the segmentation stage.

    user_dict : jieba user dictionary (``word freq tag`` lines); ``None`` = jieba's dictionary only.
    stopwords : stopword list (one word per line); ``None`` = no token is marked ``is_stop``.
    keep_formulas : keep numbered formulas and quoted slogans as single tokens (``is_formula``).
    max_slogan_chars : longest quotation (characters) kept as one slogan token (at least 2).
    hmm : let jieba's HMM join unknown character runs into words (jieba's default).
    workers : processes for large inputs; 0 = one per available core.
    """

    user_dict: Path | None = DICTIONARIES / "domain_dict.txt"
    stopwords: Path | None = DICTIONARIES / "stopwords_zh.txt"
    keep_formulas: bool = True
    max_slogan_chars: int = 8
    hmm: bool = True
    workers: int = 0

    def __post_init__(self) -> None:
        for name in ("user_dict", "stopwords"):
            value = getattr(self, name)
            if value is None:
                continue
            if not isinstance(value, (str, os.PathLike)):
                raise ParameterError(f"{name}={value!r} must be a file path or None")
            path = resolve(value)
            if not path.is_file():
                raise ParameterError(f"{name}={str(value)!r}: the file {path} does not exist")
            object.__setattr__(self, name, path)
        for name in ("keep_formulas", "hmm"):
            if not isinstance(getattr(self, name), bool):
                raise ParameterError(f"{name}={getattr(self, name)!r} must be True or False")
        for name, minimum in (("max_slogan_chars", 2), ("workers", 0)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
                raise ParameterError(f"{name}={value!r} must be an integer")
            if value < minimum:
                raise ParameterError(f"{name}={value} must be at least {minimum}")
            object.__setattr__(self, name, int(value))

    @classmethod
    def names(cls) -> list[str]:
        return [f.name for f in fields(cls)]

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, Any] | None) -> SegmentSettings:
        """Settings from a mapping (e.g. ``--set KEY=VALUE`` pairs or a YAML block).

        Unknown names are an error that lists the valid ones; string values are converted
        (``"true"``/``"false"``, integers, paths; ``"none"`` or ``""`` for no file).
        """
        mapping = dict(mapping or {})
        valid = cls.names()
        unknown = sorted(k for k in mapping if k not in valid)
        if unknown:
            raise ParameterError(f"unknown segmentation setting(s) {', '.join(map(repr, unknown))}; "
                                 f"valid settings: {', '.join(valid)}")
        kwargs: dict[str, Any] = {}
        for key, value in mapping.items():
            if isinstance(value, str):
                text = value.strip()
                if key in ("user_dict", "stopwords"):
                    value = None if text.lower() in ("", "none", "null") else text
                elif key in ("keep_formulas", "hmm"):
                    if text.lower() not in _TRUE | _FALSE:
                        raise ParameterError(f"{key}={value!r} must be true or false")
                    value = text.lower() in _TRUE
                else:
                    try:
                        value = int(text)
                    except ValueError:
                        raise ParameterError(f"{key}={value!r} must be an integer") from None
            kwargs[key] = value
        return cls(**kwargs)

    def n_workers(self) -> int:
        if self.workers:
            return self.workers
        try:
            return max(1, len(os.sched_getaffinity(0)))
        except AttributeError:  # not Linux
            return max(1, os.cpu_count() or 1)

    def output_settings(self) -> dict[str, Any]:
        """The settings that change the tokens table (``workers`` does not)."""
        return {"keep_formulas": self.keep_formulas, "max_slogan_chars": self.max_slogan_chars, "hmm": self.hmm,
                "user_dict": None if self.user_dict is None else self.user_dict.name,
                "stopwords": None if self.stopwords is None else self.stopwords.name}


# ----------------------------------------------------------------------------------------------------
# Dictionary files
# ----------------------------------------------------------------------------------------------------

def _read_lines(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8-sig").splitlines()
    except UnicodeDecodeError as exc:
        raise DictionaryError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise DictionaryError(f"{path}: cannot be read ({exc.strerror})") from None


def read_user_dict(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a jieba user dictionary: ``word [freq] [tag]`` per line, ``#`` comments, blank lines.

    Returns ``word, freq, tag, line`` (``freq`` nullable Int64, ``tag`` may be missing). A malformed line
    raises :class:`DictionaryError` naming the file and the line number: a word jieba could never
    produce (characters outside CJK U+4E00–U+9FD5, ASCII letters/digits and ``+ # & . _ % -``), a
    frequency that is not a positive integer, a tag outside :data:`JIEBA_TAGS`, extra fields, or a word
    listed twice.
    """
    path = resolve(path)
    rows: list[tuple[str, int | None, str | None, int]] = []
    seen: dict[str, int] = {}
    for lineno, raw in enumerate(_read_lines(path), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        where = f"{path}, line {lineno}"
        parts = line.split()
        if len(parts) > 3:
            raise DictionaryError(f"{where}: expected `word [freq] [tag]`, found {len(parts)} fields: {line!r}")
        word, freq_text, tag = parts[0], None, None
        if len(parts) == 3:
            freq_text, tag = parts[1], parts[2]
        elif len(parts) == 2:
            if re.fullmatch(r"[-+0-9.eE]+", parts[1]):
                freq_text = parts[1]
            else:
                tag = parts[1]
        freq = None
        if freq_text is not None:
            if not freq_text.isdigit() or int(freq_text) <= 0:
                raise DictionaryError(f"{where}: frequency must be a positive integer, got {freq_text!r} "
                                      f"(format: `word [freq] [tag]`): {line!r}")
            freq = int(freq_text)
        if tag is not None and tag not in JIEBA_TAGS:
            raise DictionaryError(f"{where}: unknown part-of-speech tag {tag!r}; valid tags: {', '.join(JIEBA_TAGS)}")
        bad = _NOT_JOINABLE.search(word)
        if bad:
            raise DictionaryError(
                f"{where}: word {word!r} contains {bad.group()!r}, which jieba never joins into a word "
                f"(allowed: CJK U+4E00–U+9FD5, ASCII letters and digits, + # & . _ % -)")
        if word in seen:
            raise DictionaryError(f"{where}: word {word!r} is already listed on line {seen[word]}")
        seen[word] = lineno
        rows.append((word, freq, tag, lineno))
    table = pd.DataFrame(rows, columns=["word", "freq", "tag", "line"])
    table["word"] = table["word"].astype("str")
    table["freq"] = table["freq"].astype("Int64")
    table["tag"] = table["tag"].astype("str")
    table["line"] = table["line"].astype("int64")
    return table


def read_stopwords(path: str | os.PathLike[str]) -> frozenset[str]:
    """Read a stopword list: one word per line, ``#`` comments and blank lines ignored.

    A line holding more than one word (internal whitespace) raises :class:`DictionaryError` with the
    file and line number.
    """
    path = resolve(path)
    words = []
    for lineno, raw in enumerate(_read_lines(path), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if len(line.split()) != 1:
            raise DictionaryError(f"{path}, line {lineno}: one stopword per line expected, found {line!r}")
        words.append(line)
    return frozenset(words)


def _jieba_dict_path() -> Path:
    import jieba

    return Path(jieba.__file__).resolve().parent / "dict.txt"


@lru_cache(maxsize=1)
def _load_base_dictionary() -> tuple[dict[str, tuple[int, str]], int]:
    import pyarrow.csv as pcsv

    table = pcsv.read_csv(
        _jieba_dict_path(),
        read_options=pcsv.ReadOptions(column_names=["word", "freq", "tag"]),
        parse_options=pcsv.ParseOptions(delimiter=" ", quote_char=False, escape_char=False),
        convert_options=pcsv.ConvertOptions(column_types={"word": pa.string(), "freq": pa.int64(),
                                                          "tag": pa.string()}))
    freqs = table.column("freq").to_pylist()
    words = dict(zip(table.column("word").to_pylist(), zip(freqs, table.column("tag").to_pylist())))
    # A word listed twice (dict.txt has one: B超) counts twice in jieba's total, once in jieba-rs's.
    overridden = sum(freqs) - sum(f for f, _ in words.values())
    return words, overridden


def _base_dictionary() -> dict[str, tuple[int, str]]:
    """jieba's ``dict.txt`` (the dictionary jieba-rs embeds): ``{word: (freq, tag)}``, read once per process."""
    return _load_base_dictionary()[0]


@lru_cache(maxsize=1)
def _posseg_hmm() -> tuple[dict, dict, dict]:
    """jieba.posseg's HMM tables (start, transition, emission), read from jieba's own ``.py`` files.

    Loaded file by file so that importing ``jieba.posseg`` (which reads the whole dictionary for the
    global tokenizer) is not needed; jieba's pickled ``.p`` copies are never read.
    """
    import jieba

    folder = Path(jieba.__file__).resolve().parent / "posseg"
    tables = []
    for name in ("prob_start", "prob_trans", "prob_emit"):
        spec = importlib.util.spec_from_file_location(f"huayu._jieba_posseg_{name}", folder / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        tables.append(module.P)
    return tables[0], tables[1], tables[2]


def _hmm_word_tag(word: str) -> str | None:
    """The tag jieba.posseg's HMM gives ``word`` read as one word (a Viterbi constrained to the states
    B, M…, E of a single tag p): the p maximising

        log P(B_p) + log P(c₁|B_p) + Σᵢ [log P(M_p|prev) + log P(cᵢ|M_p)] + log P(E_p|M_p) + log P(cₙ|E_p)

    (Rabiner 1989, eq. 105 with the state path fixed). Probabilities jieba's tables lack (its
    ``MIN_FLOAT``) are counted rather than added, and fewer of them wins before the finite sum, so a
    character unseen in a role still gets the best tag available. ``None`` if no tag can start a word.
    """
    start, trans, emit = _posseg_hmm()
    best, best_key = None, None
    n = len(word)
    for state, start_score in start.items():
        position, tag = state
        if position != "B" or start_score <= _MIN_FLOAT / 2:
            continue
        missing, score = 0, start_score
        prev = state
        for i in range(n):
            cur = state if i == 0 else ("E" if i == n - 1 else "M", tag)
            steps = [emit.get(cur, {}).get(word[i], _MIN_FLOAT)]
            if i:
                steps.append(trans[prev].get(cur, _MIN_FLOAT))
            for value in steps:
                if value <= _MIN_FLOAT / 2:
                    missing += 1
                else:
                    score += value
            prev = cur
        key = (-missing, score)
        if best_key is None or key > best_key:
            best, best_key = tag, key
    return best


# ----------------------------------------------------------------------------------------------------
# The segmenter
# ----------------------------------------------------------------------------------------------------

def _file_sha256(path: Path | None) -> str | None:
    return None if path is None else hashlib.sha256(Path(path).read_bytes()).hexdigest()


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
        """Re-split ASCII tokens the way jieba's finalseg does (jieba-rs keeps 2023-01-05 whole)."""
        starts = None
        replace: dict[int, list[int]] = {}
        for m in _ASCII_RUN.finditer(text):
            run = m.group()
            if _FINALSEG_SKIP.fullmatch(run) or not _ASCII_SYMBOL.search(run):
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

    def cut_with_formulas(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """Token lengths covering ``text`` and a per-token formula flag (formula spans kept whole)."""
        settings = self.settings
        if not settings.keep_formulas:
            lengths = self._cut(text)[1]
            return lengths, np.zeros(len(lengths), dtype=bool)
        spans = _formula_spans_in(text, settings.max_slogan_chars)
        if not spans:
            lengths = self._cut(text)[1]
            return lengths, np.zeros(len(lengths), dtype=bool)
        placeholder = next((c for c in _PLACEHOLDERS if c not in text), None)
        if placeholder is None:  # pragma: no cover - a text holding all four private-use characters
            lengths = self._cut(text)[1]
            return lengths, np.zeros(len(lengths), dtype=bool)
        parts, positions, span_lengths = [], [], []
        prev, shift = 0, 0
        for start, end in spans:
            parts.append(text[prev:start])
            positions.append(start - shift)
            span_lengths.append(end - start)
            parts.append(placeholder)
            shift += end - start - 1
            prev = end
        parts.append(text[prev:])
        masked = "".join(parts)
        lengths = self._cut(masked)[1]
        starts = np.cumsum(lengths) - lengths
        at = np.searchsorted(starts, np.asarray(positions, dtype=np.int64))
        lengths[at] = np.asarray(span_lengths, dtype=np.int64)
        flags = np.zeros(len(lengths), dtype=bool)
        flags[at] = True
        return lengths, flags

    # -- tags and flags --------------------------------------------------------------------------------
    def tags_for(self, words: Sequence[str], formula: np.ndarray | None = None) -> list[str]:
        """POS tag of each distinct word (see the module docstring for the order of sources)."""
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

@lru_cache(maxsize=1)
def _formula_triggers() -> tuple[re.Pattern, re.Pattern, re.Pattern]:
    """(unquoted trigger, quotation mark, up to the last quotation mark); see :func:`_formula_spans_in`."""
    from huayu.formulas import load_formula_lexicon

    known = sorted(load_formula_lexicon().known, key=len, reverse=True)
    unquoted = re.compile("|".join([f"[{_UNQUOTED_TRIGGER}]"] + [re.escape(k) for k in known]))
    return unquoted, re.compile(f"[{_QUOTE_MARKS}]"), re.compile(f".*[{_QUOTE_MARKS}]", re.S)


def _formula_spans_in(text: str, max_slogan_chars: int) -> list[tuple[int, int]]:
    """Formula spans of a ``"\\n"``-joined run of sentences, as ``(start, end)`` token spans.

    :func:`huayu.formulas.formula_spans` is called once, on the parts of the text that can hold a span:
    a sentence with a count (二…十, 两, 双, 1–9) or a lexicon formula is passed whole (every unquoted
    pattern of the formula finder needs one); of a sentence with quotation marks only, the stretch from
    its first to its last quotation mark (the same quotations pair up); other sentences not at all.
    ``tests/test_segment.py`` checks the result equals the finder run on each sentence. Spans are split
    where jieba never joins characters (punctuation, spaces).
    """
    try:
        from huayu.formulas import formula_spans
    except ImportError:  # pragma: no cover - the formula finder is part of the package
        log.warning("huayu.formulas is not available: formulas are not kept as single tokens")
        return []
    unquoted, quote, last_quote = _formula_triggers()
    pieces: list[str] = []
    origins: list[int] = []
    pos = 0
    for line in text.split("\n"):
        if unquoted.search(line):
            pieces.append(line)
            origins.append(pos)
        else:
            first = quote.search(line)
            if first is not None:
                last = last_quote.match(line).end()
                pieces.append(line[first.start():last])
                origins.append(pos + first.start())
        pos += len(line) + 1
    if not pieces:
        return []
    sub = "\n".join(pieces)
    sub_starts = np.cumsum([0] + [len(p) + 1 for p in pieces[:-1]])
    shift = np.asarray(origins, dtype=np.int64) - sub_starts
    spans = formula_spans(sub, max_slogan_chars=max_slogan_chars)
    if not spans:
        return []
    span_start = np.fromiter((sp.start for sp in spans), dtype=np.int64, count=len(spans))
    span_end = np.fromiter((sp.end for sp in spans), dtype=np.int64, count=len(spans))
    base = shift[np.searchsorted(sub_starts, span_start, side="right") - 1]
    out: list[tuple[int, int]] = []
    for start, end in zip((span_start + base).tolist(), (span_end + base).tolist()):
        surface = text[start:end]
        if _NOT_JOINABLE.search(surface):
            for m in _JOINABLE_WORD.finditer(surface):
                out.append((start + m.start(), start + m.end()))
        else:
            out.append((start, end))
    return out


# ----------------------------------------------------------------------------------------------------
# The stage
# ----------------------------------------------------------------------------------------------------

def _check_settings(settings: Any) -> SegmentSettings:
    if settings is None:
        return SegmentSettings()
    if isinstance(settings, SegmentSettings):
        return settings
    if isinstance(settings, Mapping):
        return SegmentSettings.from_mapping(settings)
    raise ParameterError(f"settings must be a SegmentSettings or a mapping, got {type(settings).__name__}")


@dataclass
class _Sentences:
    doc_id: pa.Array
    doc_code: np.ndarray
    para_id: np.ndarray
    sent_id: np.ndarray
    char_start: np.ndarray
    texts: list[str]


def _prepare_sentences(sentences: pd.DataFrame) -> _Sentences:
    check_columns("sentences", sentences, SENTENCE_COLUMNS)
    if sentences["text"].isna().any() or sentences["doc_id"].isna().any():
        rows = sentences.index[sentences["text"].isna() | sentences["doc_id"].isna()][:5].tolist()
        raise ParameterError(f"sentences has missing doc_id or text in row(s) {rows}")
    doc_code, _ = pd.factorize(sentences["doc_id"], sort=False)
    start = sentences["char_start"].to_numpy(dtype=np.int64)
    end = sentences["char_end"].to_numpy(dtype=np.int64)
    order = np.lexsort((start, doc_code))
    texts = sentences["text"].astype("str").to_numpy(dtype=object)[order].tolist()
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    bad = np.flatnonzero(lengths != (end - start)[order])
    if len(bad):
        rows = sentences.index[order[bad[:5]]].tolist()
        raise ParameterError(f"sentences: char_end - char_start differs from the length of text in row(s) {rows}; "
                             "offsets must index the cleaned document text")
    doc_ids = pa.array(sentences["doc_id"].astype("str").to_numpy(dtype=object)[order], type=pa.large_string())
    return _Sentences(doc_ids, doc_code[order], sentences["para_id"].to_numpy(dtype=np.int64)[order],
                      sentences["sent_id"].to_numpy(dtype=np.int64)[order], start[order], texts)


def _chunks(line_lengths: np.ndarray, target: int) -> list[tuple[int, int]]:
    """Split sentences (joined by one separator each) into runs of about ``target`` characters."""
    n = len(line_lengths)
    if n == 0:
        return []
    cum = np.cumsum(line_lengths + 1)
    cuts = np.searchsorted(cum, np.arange(target, int(cum[-1]), target), side="left") + 1
    bounds = np.unique(np.concatenate([[0], cuts[cuts < n], [n]]))
    return list(zip(bounds[:-1].tolist(), bounds[1:].tolist()))


# Whitespace (jieba's ``\s``: every str.isspace() character lies below U+3001) and UTF-8 widths.
_WS_TABLE = np.array([chr(c).isspace() for c in range(0x3001)] + [False], dtype=bool)


def _chunk_tables(segmenter: Segmenter, text: str, line_starts: np.ndarray) -> tuple[np.ndarray, ...]:
    """Segment one ``"\\n"``-joined run of sentences. Returns, for the tokens that are not whitespace:
    the index of their sentence within the run, their offset in that sentence, their length, the formula
    flag, their UTF-8 byte length, and the UTF-8 bytes of ``text`` without the whitespace tokens (so
    the token strings follow each other). ``line_starts``: where each sentence starts in ``text``."""
    lengths, flags = segmenter.cut_with_formulas(text)
    codepoints = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    ends = np.cumsum(lengths)
    starts = ends - lengths
    keep = ~_WS_TABLE[np.minimum(codepoints[starts], len(_WS_TABLE) - 1)]
    width = (1 + (codepoints >= 0x80).astype(np.uint8) + (codepoints >= 0x800) + (codepoints >= 0x10000))
    byte_at = np.zeros(len(codepoints) + 1, dtype=np.int64)
    np.cumsum(width, out=byte_at[1:])
    data = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
    if not keep.all():
        dropped = ~keep
        delta = (np.bincount(byte_at[starts[dropped]], minlength=len(data) + 1)
                 - np.bincount(byte_at[ends[dropped]], minlength=len(data) + 1))
        data = data[np.cumsum(delta[:-1]) == 0]
    starts, ends = starts[keep], ends[keep]
    line = np.searchsorted(line_starts, starts, side="right") - 1
    return (line.astype(np.int32), (starts - line_starts[line]).astype(np.int32), (ends - starts).astype(np.int32),
            flags[keep], (byte_at[ends] - byte_at[starts]).astype(np.int32), data)


_WORK: tuple[Segmenter, list[str], list[np.ndarray]] | None = None


def _work(index: int) -> tuple[np.ndarray, ...]:
    segmenter, chunks, line_starts = _WORK
    return _chunk_tables(segmenter, chunks[index], line_starts[index])


def _run_chunks(segmenter: Segmenter, chunks: list[str], line_starts: list[np.ndarray], workers: int,
                progress: bool) -> list[tuple]:
    from tqdm.auto import tqdm

    global _WORK
    total = sum(map(len, chunks))
    bar = tqdm(total=total, desc="segmenting", unit="char", unit_scale=True, disable=True if not progress else None)
    results: list[tuple] = []
    _WORK = (segmenter, chunks, line_starts)
    try:
        can_fork = "fork" in multiprocessing.get_all_start_methods()
        if workers > 1 and len(chunks) > 1 and total >= _PARALLEL_MIN_CHARS and can_fork:
            # Forked workers inherit the segmenter and the text; only results travel back.
            with multiprocessing.get_context("fork").Pool(min(workers, len(chunks))) as pool:
                for i, result in enumerate(pool.imap(_work, range(len(chunks)))):
                    results.append(result)
                    bar.update(len(chunks[i]))
        else:
            for i in range(len(chunks)):
                results.append(_work(i))
                bar.update(len(chunks[i]))
    finally:
        _WORK = None
        bar.close()
    return results


_STR = pd.StringDtype("pyarrow", na_value=np.nan)


def _empty_tokens() -> pd.DataFrame:
    df = pd.DataFrame({c: pd.Series([], dtype="int64") for c in TOKEN_COLUMNS})
    for c in ("doc_id", "token", "pos"):
        df[c] = df[c].astype(_STR)
    for c in ("is_stop", "is_punct", "is_formula"):
        df[c] = df[c].astype(bool)
    return df


def _is_punct(word: str) -> bool:
    return all(unicodedata.category(c)[0] in "PS" for c in word)


def _string_array(byte_lengths: np.ndarray, data: np.ndarray) -> pa.Array:
    # large_string: the storage pandas' "str" dtype uses, so no conversion follows.
    offsets = np.zeros(len(byte_lengths) + 1, dtype=np.int64)
    np.cumsum(byte_lengths, out=offsets[1:])
    return pa.LargeStringArray.from_buffers(len(byte_lengths), pa.py_buffer(offsets), pa.py_buffer(data))


def segment_sentences(sentences: pd.DataFrame, settings: SegmentSettings | Mapping[str, Any] | None = None, *,
                      progress: bool = True) -> pd.DataFrame:
    """Segment a sentences table into the tokens table (one row per token; ``lib/README.md``).

    ``sentences`` has ``doc_id, para_id, sent_id, char_start, char_end, text`` with offsets into the
    cleaned document text; the tokens' ``char_start``/``char_end`` are document offsets too, so
    ``document_text[char_start:char_end] == token``. Rows come in the documents' order of first
    appearance in ``sentences``, then by offset; ``token_index`` counts from 0 within each document.
    Large inputs are cut in ``settings.workers`` processes (chunks of whole sentences).
    """
    settings = _check_settings(settings)
    return _segment_prepared(_prepare_sentences(sentences), settings, progress)


def _segment_prepared(sent: _Sentences, settings: SegmentSettings, progress: bool) -> pd.DataFrame:
    if not sent.texts:
        return _empty_tokens()
    segmenter = get_segmenter(settings)
    started = time.perf_counter()

    line_lengths = np.fromiter(map(len, sent.texts), dtype=np.int64, count=len(sent.texts))
    bounds = _chunks(line_lengths, _CHUNK_CHARS)
    chunks = ["\n".join(sent.texts[a:b]) for a, b in bounds]
    line_starts = []
    for a, b in bounds:
        starts = np.zeros(b - a, dtype=np.int64)
        np.cumsum(line_lengths[a:b - 1] + 1, out=starts[1:])
        line_starts.append(starts)
    results = _run_chunks(segmenter, chunks, line_starts, settings.n_workers(), progress)

    # Concatenate the chunks: sentence of each token, document offsets, index within the document.
    sidx = np.concatenate([r[0] + a for r, (a, _) in zip(results, bounds)])
    char_start = sent.char_start[sidx] + np.concatenate([r[1] for r in results])
    lengths = np.concatenate([r[2] for r in results]).astype(np.int64)
    formula = np.concatenate([r[3] for r in results])
    tokens = _string_array(np.concatenate([r[4] for r in results]), np.concatenate([r[5] for r in results]))
    del results
    doc_code = sent.doc_code[sidx]
    new_doc = np.ones(len(doc_code), dtype=bool)
    new_doc[1:] = doc_code[1:] != doc_code[:-1]
    doc_first = np.flatnonzero(new_doc)
    token_index = np.arange(len(doc_code), dtype=np.int64) - doc_first[np.cumsum(new_doc) - 1]

    # Per distinct token: tag, stopword, punctuation.
    encoded = pc.dictionary_encode(tokens)
    vocab_words = encoded.dictionary.to_pylist()
    codes = encoded.indices.to_numpy(zero_copy_only=False)
    vocab_formula = np.zeros(len(vocab_words), dtype=bool)
    vocab_formula[codes[formula]] = True
    vocab_tags = pa.array(segmenter.tags_for(vocab_words, vocab_formula), type=pa.large_string())
    stop = segmenter.stopwords
    vocab_stop = np.fromiter((w in stop for w in vocab_words), dtype=bool, count=len(vocab_words))
    vocab_punct = np.fromiter(map(_is_punct, vocab_words), dtype=bool, count=len(vocab_words))

    table = pa.table({
        "doc_id": sent.doc_id.take(pa.array(sidx)),
        "para_id": sent.para_id[sidx],
        "sent_id": sent.sent_id[sidx],
        "token_index": token_index,
        "char_start": char_start,
        "char_end": char_start + lengths,
        "token": tokens,
        "pos": vocab_tags.take(pa.array(codes)),
        "is_stop": vocab_stop[codes],
        "is_punct": vocab_punct[codes],
        "is_formula": formula,
    })
    out = table.to_pandas(split_blocks=True, self_destruct=True,
                          types_mapper={pa.string(): _STR, pa.large_string(): _STR}.get)
    log.debug("segmented %d sentences (%d characters) into %d tokens in %.2f s", len(sent.texts),
              int(line_lengths.sum()), len(out), time.perf_counter() - started)
    return out


def segment_texts(texts: Sequence[str], settings: SegmentSettings | Mapping[str, Any] | None = None) -> list[list[str]]:
    """Segment short texts (e.g. new text in a notebook): one list of tokens per text, whitespace dropped.

    The same segmentation as :func:`segment_sentences`, formulas included.
    """
    texts = list(texts)
    bad = [i for i, t in enumerate(texts) if not isinstance(t, str)]
    if bad:
        raise ParameterError(f"texts must be strings; item(s) {bad[:5]} are not")
    frame = pd.DataFrame({"doc_id": [f"t{i}" for i in range(len(texts))], "para_id": 0, "sent_id": 0,
                          "char_start": 0, "char_end": [len(t) for t in texts], "text": texts})
    tokens = segment_sentences(frame, settings, progress=False)
    grouped = dict(tuple(tokens.groupby("doc_id", sort=False)["token"]))
    return [grouped[f"t{i}"].tolist() if f"t{i}" in grouped else [] for i in range(len(texts))]


# ----------------------------------------------------------------------------------------------------
# Cache and writing
# ----------------------------------------------------------------------------------------------------

def _versions() -> dict[str, str]:
    import jieba

    formulas = Path(__file__).resolve().with_name("formulas.py")
    return {
        "segmenter": SEGMENTER_VERSION,
        "jieba": jieba.__version__,
        "rjieba": importlib.metadata.version("rjieba"),
        "formulas_sha256": _file_sha256(formulas) if formulas.is_file() else "absent",
    }


def tokens_manifest(sentences: pd.DataFrame, settings: SegmentSettings) -> dict[str, Any]:
    """The cache key of a tokens table: the inputs' hashes, the output settings and the versions."""
    return _manifest(_prepare_sentences(sentences), _check_settings(settings))


def _manifest(sent: _Sentences, settings: SegmentSettings) -> dict[str, Any]:
    digest = hashlib.sha256()
    digest.update("\x1f".join(sent.doc_id.to_pylist()).encode("utf-8"))
    for array in (sent.para_id, sent.sent_id, sent.char_start):
        digest.update(np.ascontiguousarray(array, dtype="<i8").tobytes())
    digest.update("\x1e".join(sent.texts).encode("utf-8"))
    try:
        from huayu.formulas import LEXICON_PATH
    except ImportError:  # pragma: no cover - the formula finder is part of the package
        LEXICON_PATH = None
    inputs = {
        "sentences_sha256": digest.hexdigest(),
        "user_dict_sha256": _file_sha256(settings.user_dict),
        "stopwords_sha256": _file_sha256(settings.stopwords),
        "formula_lexicon_sha256": (_file_sha256(LEXICON_PATH) if LEXICON_PATH and Path(LEXICON_PATH).is_file()
                                   else None),
    }
    manifest = {"inputs": inputs, "settings": settings.output_settings(), "versions": _versions(),
                "n_sentences": len(sent.texts)}
    manifest["key"] = hashlib.sha256(json.dumps(manifest, sort_keys=True).encode("utf-8")).hexdigest()
    return manifest


def write_tokens(sentences: pd.DataFrame, processed_dir: str | os.PathLike[str],
                 settings: SegmentSettings | Mapping[str, Any] | None = None, *, progress: bool = True,
                 force: bool = False) -> tuple[Path, bool]:
    """Write ``processed_dir/tokens.parquet`` (atomically) unless it is up to date; returns ``(path, recomputed)``.

    ``tokens.manifest.json`` beside it records the cache key (:func:`tokens_manifest`) and the parquet's
    SHA-256; the stage re-segments when the key differs, the parquet is missing or was changed, or
    ``force`` is set.
    """
    settings = _check_settings(settings)
    processed_dir = resolve(processed_dir)
    path = processed_dir / "tokens.parquet"
    manifest_path = processed_dir / "tokens.manifest.json"
    sent = _prepare_sentences(sentences)
    manifest = _manifest(sent, settings)
    if not force and path.is_file() and manifest_path.is_file():
        try:
            previous = json.loads(manifest_path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            previous = {}
        if previous.get("key") == manifest["key"] and previous.get("tokens_sha256") == _file_sha256(path):
            log.info("tokens up to date (cache key %s…): %s not re-segmented", manifest["key"][:12], path)
            return path, False
    started = time.perf_counter()
    tokens = _segment_prepared(sent, settings, progress)
    write_parquet(tokens, path)
    elapsed = time.perf_counter() - started
    n_chars = sum(map(len, sent.texts))
    manifest.update({"tokens_sha256": _file_sha256(path), "n_tokens": int(len(tokens)), "n_chars": n_chars,
                     "seconds": round(elapsed, 3), "workers": settings.n_workers()})
    write_json(manifest, manifest_path)
    log.info("segmented %d sentences (%d characters) into %d tokens in %.2f s → %s", manifest["n_sentences"],
             n_chars, len(tokens), elapsed, path)
    return path, True


# ----------------------------------------------------------------------------------------------------
# The reference tokenizer, frequencies for new entries
# ----------------------------------------------------------------------------------------------------

def _silence_jieba() -> None:
    import jieba

    jieba.setLogLevel(logging.WARNING)


def jieba_reference_tokenizer(user_dict: str | os.PathLike[str] | None = DICTIONARIES / "domain_dict.txt"):
    """A private ``jieba.Tokenizer`` (never the global ``jieba.dt``) with jieba's dictionary by absolute
    path, its cache in the project's cache folder, its logging silenced, and ``user_dict``'s entries
    added with the frequencies the segmenter resolved (so both see exactly the same words).
    """
    import jieba

    _silence_jieba()
    tokenizer = jieba.Tokenizer(dictionary=str(_jieba_dict_path()))
    tokenizer.tmp_dir = str(cache_dir())
    tokenizer.initialize()
    if user_dict is not None:
        settings = SegmentSettings(user_dict=user_dict, stopwords=None)
        for word, freq, tag in get_segmenter(settings).entries[["word", "freq", "tag"]].itertuples(index=False):
            tokenizer.add_word(word, int(freq), None if pd.isna(tag) else tag)
    return tokenizer


def suggest_frequency(words: Sequence[str], *, margin: int = 10) -> dict[str, int]:
    """Frequency of a new domain-dictionary entry: ``margin`` × the smallest frequency that keeps the word
    whole against jieba's dictionary alone, or the word's frequency there when larger.

    The smallest frequency is jieba's ``suggest_freq`` rule: ⌊Πᵢ f(partᵢ)/T × T⌋ + 1 for the parts
    jieba cuts the word into without it (HMM off), T the dictionary's total frequency.
    """
    tokenizer = jieba_reference_tokenizer(None)
    out = {}
    for word in words:
        old = tokenizer.FREQ.get(word, 0)
        if old:
            tokenizer.FREQ[word] = 0
        try:
            prob = 1.0
            for part in tokenizer.lcut(word, HMM=False):
                prob *= tokenizer.FREQ.get(part, 1) / tokenizer.total
            out[word] = max(margin * (int(prob * tokenizer.total) + 1), old)
        finally:
            if old:
                tokenizer.FREQ[word] = old
    return out


# ----------------------------------------------------------------------------------------------------
# Evaluation: gold standard, agreement
# ----------------------------------------------------------------------------------------------------

def read_gold(path: str | os.PathLike[str]) -> list[list[str]]:
    """Read a hand-segmented gold file: one sentence per line, words separated by single spaces,
    ``#`` comment lines. A doubled space or a tab is an error (naming the line)."""
    path = resolve(path)
    out = []
    for lineno, raw in enumerate(_read_lines(path), start=1):
        line = raw.rstrip("\n")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if "  " in line or "\t" in line or line != line.strip():
            raise DictionaryError(f"{path}, line {lineno}: words must be separated by single spaces")
        out.append(line.split(" "))
    return out


def _spans(tokens: Sequence[str]) -> np.ndarray:
    lengths = np.fromiter(map(len, tokens), dtype=np.int64, count=len(tokens))
    ends = np.cumsum(lengths)
    return np.stack([ends - lengths, ends], axis=1)


def segmentation_scores(gold: Sequence[Sequence[str]], predicted: Sequence[Sequence[str]]) -> dict[str, float]:
    """Word precision, recall and F1 of ``predicted`` against ``gold`` (SIGHAN bakeoff scoring).

    A predicted word is correct when a gold word has the same character span. With C correct words,
    P = C / #predicted, R = C / #gold, F1 = 2PR / (P + R) (Sproat & Emerson 2003, "The First
    International Chinese Word Segmentation Bakeoff", SIGHAN 2). Both sides must segment the same
    sentences (same characters, whitespace ignored).
    """
    if len(gold) != len(predicted):
        raise ParameterError(f"gold has {len(gold)} sentences but predicted has {len(predicted)}")
    n_gold = n_pred = n_correct = 0
    for i, (g, p) in enumerate(zip(gold, predicted)):
        g = [w for w in g if w.strip()]
        p = [w for w in p if w.strip()]
        if "".join(g) != "".join(p):
            raise ParameterError(f"sentence {i}: gold and predicted segment different text "
                                 f"({''.join(g)[:30]!r} vs {''.join(p)[:30]!r})")
        gs, ps = _spans(g), _spans(p)
        n_gold += len(gs)
        n_pred += len(ps)
        key = lambda s: s[:, 0] * (1 << 32) + s[:, 1]  # noqa: E731
        n_correct += int(np.isin(key(ps), key(gs)).sum())
    precision = n_correct / n_pred if n_pred else 0.0
    recall = n_correct / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "n_gold": n_gold, "n_predicted": n_pred,
            "n_correct": n_correct}


def compare_segmentations(reference: Sequence[str], candidate: Sequence[str], *, text: str | None = None,
                          context: int = 8) -> tuple[float, list[dict[str, Any]]]:
    """Share of ``reference`` tokens that ``candidate`` has too (same span), and every difference.

    Both are token lists of the same text (whitespace tokens are compared like others; drop them from
    both first if one side has none). A difference is a stretch between consecutive shared boundaries
    where the two segmentations disagree: ``{"start", "end", "reference", "candidate", "context"}``.
    """
    ref_text, cand_text = "".join(reference), "".join(candidate)
    if ref_text != cand_text:
        raise ParameterError("reference and candidate segment different text")
    text = ref_text if text is None else text
    rs, cs = _spans(reference), _spans(candidate)
    if len(rs) == 0:
        return 1.0, []
    key = lambda s: s[:, 0] * (1 << 40) + s[:, 1]  # noqa: E731
    same = np.isin(key(rs), key(cs))
    agreement = float(same.mean())
    rb = np.concatenate([[0], rs[:, 1]])
    cb = np.concatenate([[0], cs[:, 1]])
    shared = np.intersect1d(rb, cb)
    diffs = []
    r_count = np.diff(np.searchsorted(rb, shared))
    c_count = np.diff(np.searchsorted(cb, shared))
    for j in np.flatnonzero((r_count > 1) | (c_count > 1)):
        a, b = int(shared[j]), int(shared[j + 1])
        r_tokens = list(reference[int(np.searchsorted(rs[:, 0], a)):int(np.searchsorted(rs[:, 0], b))])
        c_tokens = list(candidate[int(np.searchsorted(cs[:, 0], a)):int(np.searchsorted(cs[:, 0], b))])
        diffs.append({"start": a, "end": b, "reference": " ".join(r_tokens), "candidate": " ".join(c_tokens),
                      "context": text[max(0, a - context):b + context]})
    return agreement, diffs


# ----------------------------------------------------------------------------------------------------

def _main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[0] != "suggest":
        print("usage: python -m huayu.segment suggest WORD [WORD …]", file=sys.stderr)
        return 2
    for word, freq in suggest_frequency(argv[1:]).items():
        print(f"{word} {freq}")
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
