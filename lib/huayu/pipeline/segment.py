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
(speeds move 1.5–3× with that work; the benchmark reports how many cores it kept busy, and ratios
are taken within one run):

* ``jieba.Tokenizer.lcut`` (pure Python), the reference: 0.28–0.38 M characters/s.
* ``jieba.posseg``: 0.03–0.05 M characters/s, 6–8× slower, *and* it segments differently — it runs a
  joint word/POS HMM over unknown character runs and splits ASCII runs by other rules, so only 98.1 % of
  its tokens are ``lcut``'s (``posseg_agreement_with_cut``). Not used.
* ``rjieba`` (jieba-rs, the Rust port; it embeds the same ``dict.txt`` — every word of it is there and
  a sample of tags is checked in the tests): 4–12 M characters/s on one core, 15–30× ``lcut``, with
  identical tokens once two documented differences are corrected (below).
* The whole stage (formulas, cut, tags, flags, offsets, parquet), as described under "How it runs":
  2.2–4 M characters/s, 6–11× ``lcut`` in the same run — 9–11× when the second core was mostly free,
  6× when other work kept a whole core busy — and 1.5–2.6 M characters/s in one process. It takes about
  0.9 CPU-seconds per 2 M characters: 0.3 in the cut itself, 0.15 writing the parquet, 0.1 finding
  formulas (:func:`huayu.analysis.rhetoric.formulas.formula_offsets`, 11–22 M characters/s on one core), the rest in
  offsets, tags and the workers' coordination; so on two cores it stays near 12× a single-threaded
  ``lcut``, and 20× would need a faster cut and parquet writer. (A first design, which ran the
  finder over prefiltered sentences and sent per-token arrays back through pipes before building the
  whole table, reached 4.8–5.8×, its finder 3–5 M characters/s, in the same runs' conditions.)

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

How it runs (:func:`_token_batches`). The sentences are joined into chunks of about 64 000
characters. jieba-rs holds the GIL, so for inputs of 300 000 characters or more the stage forks
``workers - 1`` processes (``workers`` 0 = one per core) and uses this one too: the first worker finds
every chunk's formula spans, then each process takes the next chunk from a shared counter and cuts it,
writing numbers and UTF-8 bytes into an anonymous shared memory mapping (no Python object per token;
only counts and each chunk's distinct words go through a pipe). This process assembles the tokens
table in batches of about 256 000 characters, in order, as soon as a batch's chunks are cut — tags
and flags looked up once per distinct word, offsets and strings as NumPy and Arrow arrays — and
:func:`write_tokens` writes each batch to the parquet file while the next chunks are being cut.
Smaller inputs run the same steps in this process alone.

Formulas and slogans: :func:`huayu.analysis.rhetoric.formulas.formula_offsets` (the spans of
:func:`huayu.analysis.rhetoric.formulas.formula_spans`) finds numbered formulas (两个维护, 8大攻坚提升行动), coded
slogans (“1168”) and quoted slogans up to ``max_slogan_chars`` characters, once per chunk (no pattern
crosses a line break, so this equals the finder run sentence by sentence); each span is kept as one
token (``is_formula``) when ``keep_formulas`` is on. A span is cut only where jieba itself could never
join characters (“盯、拼、抢” gives 盯 、 拼 、 抢, each part still ``is_formula``). A formula or slogan
missing from both dictionaries is tagged ``nz`` wherever it occurs, which is why the spans are found
before any batch is assembled.

Stopwords (``data/dictionaries/stopwords_zh.txt``) are *marked* (``is_stop``), never removed;
``is_punct`` marks tokens made only of Unicode punctuation or symbols (categories P*, S*); whitespace
is not a token.

Cache: :func:`write_tokens` keeps ``tokens.manifest.json`` beside the parquet with a SHA-256 over the
sentences (ids, offsets, text), every dictionary file's bytes, the settings that change the output and
the versions of this module, jieba, rjieba and the formula finder; it re-segments only when that hash
changes. jieba's own cache (used by the reference tokenizer) lives in :func:`huayu.paths.cache_dir`; no
pickle or marshal file is read from anywhere else.

Command line: ``python -m huayu.pipeline.segment suggest 高质量发展 …`` prints the frequency the domain
dictionary's rule gives a new entry (see ``data/dictionaries/README.md``).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import json
import logging
import mmap
import multiprocessing
import os
import re
import sys
import time
import traceback
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields, replace
from functools import lru_cache
from pathlib import Path
from queue import Empty
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from huayu.checks import ParameterError, check_columns
from huayu.outputs import atomic_write, write_json
from huayu.paths import DICTIONARIES, cache_dir, resolve

log = logging.getLogger("huayu.pipeline.segment")

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
_ASCII_RUN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+#&._%-")
_ASCII_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?%?")
_ASCII_WORD = re.compile(r"[a-zA-Z0-9]+")
_HAN_WORD = re.compile(r"[\u4e00-\u9fd5]+")
# Private-use characters: never in jieba's joinable set, so never part of a word.
_PLACEHOLDERS = "\ue000\ue001\ue002\ue003"
_TOTAL_CARRIER = "\uf8fe\uf8ff"
_MIN_FLOAT = -3.14e100  # jieba's "impossible" log-probability
_PARALLEL_MIN_CHARS = 300_000
_CHUNK_CHARS = 65_536
_BATCH_CHARS = 262_144


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

def _placeholder(text: str) -> str | None:
    """A private-use character absent from ``text`` (jieba cuts it off as a token of its own)."""
    return next((c for c in _PLACEHOLDERS if c not in text), None)


def _formula_spans_in(text: str, max_slogan_chars: int) -> list[tuple[int, int]]:
    """Formula spans of a ``"\\n"``-joined run of sentences, as ``(start, end)`` token spans.

    :func:`huayu.analysis.rhetoric.formulas.formula_offsets` runs once over the whole run: no quotation or formula pattern
    crosses a line break, so this finds what the finder finds sentence by sentence (checked in
    ``tests/test_segment.py``). Spans are split where jieba never joins characters (punctuation, spaces).
    """
    from huayu.analysis.rhetoric.formulas import formula_offsets

    out: list[tuple[int, int]] = []
    for start, end, _ in formula_offsets(text, max_slogan_chars=max_slogan_chars):
        if _NOT_JOINABLE.search(text, start, end):
            out.extend(m.span() for m in _JOINABLE_WORD.finditer(text, start, end))
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
    """The sentences table as arrays, ordered by document (first appearance), then offset."""

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


def _runs(sizes: np.ndarray, target: int) -> list[tuple[int, int]]:
    """Consecutive items of ``sizes`` in runs of about ``target`` (each ends at the first item that
    reaches a multiple of ``target``): ``(first, end)`` index pairs."""
    n = len(sizes)
    if n == 0:
        return []
    cum = np.cumsum(sizes)
    cuts = np.searchsorted(cum, np.arange(target, int(cum[-1]), target), side="left") + 1
    bounds = np.unique(np.concatenate([[0], cuts[cuts < n], [n]]))
    return list(zip(bounds[:-1].tolist(), bounds[1:].tolist()))


# Whitespace (jieba's ``\s``: every str.isspace() character lies below U+3001).
_WS_TABLE = np.array([chr(c).isspace() for c in range(0x3001)] + [False], dtype=bool)


class _Chunks:
    """The sentences in chunks of about :data:`_CHUNK_CHARS` characters (whole sentences joined by
    ``"\\n"``), cut by whichever process takes each next, into output columns in shared memory.

    The columns live in an anonymous shared memory mapping, which forked workers inherit: the chunk
    starting at character ``at`` of the chunks laid end to end writes its formula spans and its tokens
    at rows ``at, at + 1, …`` and the tokens' UTF-8 bytes from byte ``4 * at`` of ``data`` (at most
    one span or token and four bytes per character), so chunks never overlap and only counts and each
    chunk's distinct words travel through a pipe. Pages are allocated only when written. Columns:
    ``span_start, span_end`` (in the chunk), ``sentence`` (index in :class:`_Sentences` order),
    ``offset`` (in the sentence), ``length`` (characters), ``nbytes`` (UTF-8 bytes), ``code`` (index
    among the chunk's distinct words), ``formula``; per chunk, ``n_spans`` (-1 until found).
    """

    COLUMNS = (("span_start", np.int32), ("span_end", np.int32), ("sentence", np.int32), ("offset", np.int32),
               ("length", np.int32), ("nbytes", np.int32), ("code", np.int32), ("formula", np.bool_))

    def __init__(self, segmenter: Segmenter, texts: list[str]):
        self.segmenter = segmenter
        line_lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
        bounds = _runs(line_lengths + 1, _CHUNK_CHARS)  # each sentence and its "\n"
        self.first_sentence = [a for a, _ in bounds]
        self.texts = ["\n".join(texts[a:b]) for a, b in bounds]
        self.line_starts = [np.concatenate([[0], np.cumsum(line_lengths[a:b - 1] + 1)]) for a, b in bounds]
        sizes = np.array([len(t) for t in self.texts], dtype=np.int64)
        self.at = np.concatenate([[0], np.cumsum(sizes)[:-1]]).tolist()
        self.batches = _runs(sizes, _BATCH_CHARS)
        n = int(sizes.sum())
        nbytes = [np.dtype(dtype).itemsize * n for _, dtype in self.COLUMNS] + [8 * len(sizes), 4 * n]
        self._memory = mmap.mmap(-1, max(1, sum(nbytes)))
        start = np.concatenate([[0], np.cumsum(nbytes)]).tolist()
        self.columns = {name: np.frombuffer(self._memory, dtype=dtype, count=n, offset=start[i])
                        for i, (name, dtype) in enumerate(self.COLUMNS)}
        self.n_spans = np.frombuffer(self._memory, dtype=np.int64, count=len(sizes), offset=start[-3])
        self.n_spans[:] = -1
        self.data = np.frombuffer(self._memory, dtype=np.uint8, count=4 * n, offset=start[-2])
        self._next = multiprocessing.Value("q", 0)  # the next chunk to take; its lock orders the writes

    def take(self) -> int | None:
        """The next chunk no process has taken yet, or ``None``."""
        with self._next.get_lock():
            index = self._next.value
            self._next.value += 1
        return index if index < len(self.texts) else None

    def find_formulas(self) -> set[str]:
        """Every chunk's formula spans, into ``span_start, span_end, n_spans``; returns their surfaces
        (the words that are formula tokens: a word neither dictionary knows is tagged ``nz`` if it is
        a formula anywhere in the input)."""
        words = set()
        for index, (text, at) in enumerate(zip(self.texts, self.at)):
            spans = self.segmenter.formula_spans(text)
            for column, values in zip(("span_start", "span_end"), zip(*spans)):
                self.columns[column][at:at + len(spans)] = values
            words.update(text[a:b] for a, b in spans)
            with self._next.get_lock():  # (a memory barrier: the spans are visible before their count)
                self.n_spans[index] = len(spans)
        return words

    def spans(self, index: int) -> list[tuple[int, int]]:
        """Chunk ``index``'s formula spans: as found by :meth:`find_formulas` if it got there, else now."""
        with self._next.get_lock():
            n = int(self.n_spans[index])
        if n < 0:
            return self.segmenter.formula_spans(self.texts[index])
        rows = slice(self.at[index], self.at[index] + n)
        return list(zip(self.columns["span_start"][rows].tolist(), self.columns["span_end"][rows].tolist()))

    def cut(self, index: int) -> tuple[int, int, pa.Array]:
        """Segment chunk ``index`` into the columns, whitespace tokens left out. Returns the numbers of its
        tokens and of their UTF-8 bytes, and its distinct words. NumPy on code points and UTF-8 bytes:
        no Python object per token."""
        text, line_starts, at = self.texts[index], self.line_starts[index], self.at[index]
        lengths, flags = self.segmenter.cut_with_formulas(text, self.spans(index))
        ends = np.cumsum(lengths)
        starts = ends - lengths
        codepoints = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
        byte_at = np.zeros(len(codepoints) + 1, dtype=np.int64)  # UTF-8 offset of each character
        np.cumsum(1 + (codepoints >= 0x80).astype(np.int64) + (codepoints >= 0x800) + (codepoints >= 0x10000),
                  out=byte_at[1:])
        data = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
        keep = ~_WS_TABLE[np.minimum(codepoints[starts], len(_WS_TABLE) - 1)]
        if not keep.all():  # drop the whitespace tokens' bytes (the "\n" between sentences, spaces)
            drop_start, drop_end = byte_at[starts[~keep]], byte_at[ends[~keep]]
            n_drop = drop_end - drop_start
            mask = np.ones(len(data), dtype=bool)
            mask[np.repeat(drop_start - (np.cumsum(n_drop) - n_drop), n_drop) + np.arange(n_drop.sum())] = False
            data = data[mask]
            starts, ends, flags = starts[keep], ends[keep], flags[keep]
        line = np.searchsorted(line_starts, starts, side="right") - 1
        nbytes = byte_at[ends] - byte_at[starts]
        words = pc.dictionary_encode(_string_array(nbytes, data))
        n = len(starts)
        for name, values in (("sentence", line + self.first_sentence[index]), ("offset", starts - line_starts[line]),
                             ("length", ends - starts), ("nbytes", nbytes), ("code", words.indices.to_numpy()),
                             ("formula", flags)):
            self.columns[name][at:at + n] = values
        self.data[4 * at:4 * at + len(data)] = data
        return n, len(data), words.dictionary

    def gather(self, indices: range, results: list[tuple[int, int, pa.Array]]
               ) -> tuple[dict[str, np.ndarray], pa.Array, pa.DictionaryArray]:
        """Consecutive chunks (``results``: what :meth:`cut` returned for each) as the columns
        ``sentence, offset, length, formula``, the token strings and the tokens dictionary-encoded."""
        at = [self.at[i] for i in indices]
        columns = {name: np.concatenate([self.columns[name][a:a + n] for a, (n, _, _) in zip(at, results)])
                   for name in ("sentence", "offset", "length", "nbytes", "formula")}
        data = np.concatenate([self.data[4 * a:4 * a + m] for a, (_, m, _) in zip(at, results)])
        words = pa.chunked_array([pa.DictionaryArray.from_arrays(self.columns["code"][a:a + n], dictionary)
                                  for a, (n, _, dictionary) in zip(at, results)],
                                 type=pa.dictionary(pa.int32(), pa.large_string()))
        tokens = _string_array(columns.pop("nbytes"), data)
        return columns, tokens, words.unify_dictionaries().combine_chunks()


_WORK: tuple[_Chunks, Any] | None = None  # what forked workers inherit: the chunks and a message queue


def _worker_main(number: int) -> None:
    """Forked worker ``number``: the first finds every chunk's formula spans; then each takes chunks and
    cuts them until none is left. Everything is reported on the queue, a failure too."""
    chunks, queue = _WORK
    try:
        if number == 0:
            queue.put(("formulas", chunks.find_formulas()))
        while (index := chunks.take()) is not None:
            queue.put(("chunk", index, chunks.cut(index)))
    except Exception:
        queue.put(("error", traceback.format_exc()))


@contextmanager
def _workers(chunks: _Chunks, workers: int) -> Iterator[Callable[[bool], list] | None]:
    """Fork ``workers - 1`` processes running :func:`_worker_main` (for large inputs); yields
    ``receive(block)``, which returns the messages they have sent since (at least one if ``block``),
    or ``None`` when there are no workers."""
    global _WORK
    fork = "fork" in multiprocessing.get_all_start_methods()
    others = min(workers, len(chunks.texts)) - 1 if fork and sum(map(len, chunks.texts)) >= _PARALLEL_MIN_CHARS else 0
    if others <= 0:
        yield None
        return
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    _WORK = (chunks, queue)
    processes = [context.Process(target=_worker_main, args=(number,), daemon=True) for number in range(others)]

    def receive(block: bool) -> list:
        messages = []
        while True:
            try:
                message = queue.get(timeout=0.05) if block and not messages else queue.get_nowait()
            except Empty:
                if messages or not block:
                    return messages
                failed = [p.exitcode for p in processes if p.exitcode not in (None, 0)]
                if failed:
                    raise RuntimeError(f"a segmentation worker process stopped (exit code {failed[0]})") from None
                if all(p.exitcode is not None for p in processes) and queue.empty():
                    raise RuntimeError("the segmentation worker processes stopped before reporting every chunk")
                continue
            if message[0] == "error":
                raise RuntimeError(f"a segmentation worker process failed:\n{message[1]}")
            messages.append(message)

    try:
        for process in processes:
            process.start()
        yield receive
    finally:
        _WORK = None
        for process in processes:
            if process.is_alive():
                process.terminate()
            process.join()


class _Assembler:
    """Builds the tokens table's record batches from consecutive chunks' columns."""

    def __init__(self, sent: _Sentences, segmenter: Segmenter, formula_words: set[str]):
        self.sent = sent
        self.segmenter = segmenter
        self.formula_words = formula_words
        new_doc = np.ones(len(sent.texts), dtype=bool)
        new_doc[1:] = sent.doc_code[1:] != sent.doc_code[:-1]
        self.doc_names = sent.doc_id.take(np.flatnonzero(new_doc))  # doc_code k is the k-th run of sentences
        self.doc_rows = np.zeros(len(self.doc_names), dtype=np.int64)  # each document's tokens so far
        self.word_info: dict[str, tuple[str, bool, bool]] = {}  # tag, is_stop, is_punct

    def batch(self, columns: dict[str, np.ndarray], tokens: pa.Array, words: pa.DictionaryArray) -> pa.RecordBatch:
        sent = self.sent
        sentence = columns["sentence"].astype(np.intp)
        char_start = sent.char_start[sentence] + columns["offset"]
        # token_index: tokens before this one in its document (documents come in code order).
        doc = sent.doc_code[sentence]
        per_doc = np.bincount(doc, minlength=len(self.doc_rows))
        first_row = np.cumsum(per_doc) - per_doc - self.doc_rows
        token_index = np.arange(len(doc), dtype=np.int64) - first_row[doc]
        self.doc_rows += per_doc
        # Per distinct word: tag, stopword, punctuation (a word is a formula if it is one anywhere).
        vocab = words.dictionary.to_pylist()
        new = [w for w in vocab if w not in self.word_info]
        is_formula = np.fromiter((w in self.formula_words for w in new), dtype=bool, count=len(new))
        stop = self.segmenter.stopwords
        for word, tag in zip(new, self.segmenter.tags_for(new, is_formula)):
            self.word_info[word] = (tag, word in stop, _is_punct(word))
        tags, is_stop, is_punct = zip(*map(self.word_info.__getitem__, vocab)) if vocab else ((), (), ())
        codes = words.indices.to_numpy()
        return pa.RecordBatch.from_arrays([
            self.doc_names.take(doc), sent.para_id[sentence], sent.sent_id[sentence], token_index, char_start,
            char_start + columns["length"], tokens, pa.array(tags, type=pa.large_string()).take(words.indices),
            np.array(is_stop, dtype=bool)[codes], np.array(is_punct, dtype=bool)[codes], columns["formula"],
        ], schema=_SCHEMA)


def _token_batches(sent: _Sentences, settings: SegmentSettings, progress: bool) -> Iterator[pa.RecordBatch]:
    """The tokens table as record batches of about :data:`_BATCH_CHARS` characters, in order.

    With forked workers the first of them finds every chunk's formula spans before cutting; this
    process cuts chunks too and assembles each batch as soon as its chunks are cut (and the formulas
    known), while the workers cut the next ones. Alone, this process finds the formulas first.
    """
    from tqdm.auto import tqdm

    segmenter = get_segmenter(settings)
    chunks = _Chunks(segmenter, sent.texts)
    with tqdm(total=sum(map(len, chunks.texts)), desc="segmenting", unit="char", unit_scale=True,
              disable=True if not progress else None) as bar, _workers(chunks, settings.n_workers()) as receive:
        assembler = _Assembler(sent, segmenter, chunks.find_formulas()) if receive is None else None
        results: dict[int, tuple[int, int, pa.Array]] = {}

        def news(block: bool) -> None:  # the workers' messages
            nonlocal assembler
            for message in receive(block) if receive is not None else ():
                if message[0] == "formulas":
                    assembler = _Assembler(sent, segmenter, message[1])
                else:
                    results[message[1]] = message[2]
                    bar.update(len(chunks.texts[message[1]]))

        for first, last in chunks.batches:
            news(block=False)
            while assembler is None or any(i not in results for i in range(first, last)):
                index = chunks.take()
                if index is not None:
                    results[index] = chunks.cut(index)
                    bar.update(len(chunks.texts[index]))
                news(block=index is None)  # nothing left to take: wait for the workers
            yield assembler.batch(*chunks.gather(range(first, last), [results.pop(i) for i in range(first, last)]))


_STR = pd.StringDtype("pyarrow", na_value=np.nan)


def _empty_tokens() -> pd.DataFrame:
    df = pd.DataFrame({c: pd.Series([], dtype="int64") for c in TOKEN_COLUMNS})
    for c in ("doc_id", "token", "pos"):
        df[c] = df[c].astype(_STR)
    for c in ("is_stop", "is_punct", "is_formula"):
        df[c] = df[c].astype(bool)
    return df


#: The tokens table's Arrow schema, with the pandas metadata that restores its dtypes when read.
_SCHEMA = pa.Schema.from_pandas(_empty_tokens(), preserve_index=False)


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
    sent = _prepare_sentences(sentences)
    if not sent.texts:
        return _empty_tokens()
    table = pa.Table.from_batches(list(_token_batches(sent, settings, progress)), schema=_SCHEMA)
    return table.to_pandas(split_blocks=True, self_destruct=True,
                           types_mapper={pa.string(): _STR, pa.large_string(): _STR}.get)


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

    formulas = Path(__file__).resolve().parents[1] / "analysis" / "rhetoric" / "formulas.py"
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
        from huayu.analysis.rhetoric.formulas import LEXICON_PATH
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
    n_tokens = 0

    def write(tmp: Path) -> None:  # each batch is written while the next chunks are being cut
        nonlocal n_tokens
        with pq.ParquetWriter(tmp, _SCHEMA) as writer:
            for batch in _token_batches(sent, settings, progress) if sent.texts else ():
                writer.write_batch(batch)
                n_tokens += batch.num_rows

    atomic_write(path, write)
    elapsed = time.perf_counter() - started
    n_chars = sum(map(len, sent.texts))
    manifest.update({"tokens_sha256": _file_sha256(path), "n_tokens": n_tokens, "n_chars": n_chars,
                     "seconds": round(elapsed, 3), "workers": settings.n_workers()})
    write_json(manifest, manifest_path)
    log.info("segmented %d sentences (%d characters) into %d tokens in %.2f s → %s", manifest["n_sentences"],
             n_chars, n_tokens, elapsed, path)
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
        print("usage: python -m huayu.pipeline.segment suggest WORD [WORD …]", file=sys.stderr)
        return 2
    for word, freq in suggest_frequency(argv[1:]).items():
        print(f"{word} {freq}")
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
