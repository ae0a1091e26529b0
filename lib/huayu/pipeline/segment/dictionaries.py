"""Dictionary files: the domain dictionary and stopword readers, jieba's ``dict.txt`` and posseg's HMM tables.

jieba's own files are read from the installed ``jieba`` package by absolute path (never through its
global tokenizer, and never a pickled ``.p`` copy).
"""

from __future__ import annotations

import importlib.util
import os
import re
from functools import lru_cache
from pathlib import Path

import pandas as pd
import pyarrow as pa

from huayu.errors import DictionaryError, ParameterError
from huayu.paths import resolve

__all__ = ["JIEBA_TAGS", "DictionaryError", "read_user_dict", "read_stopwords", "cut_phrases", "FUNCTION_WORDS"]

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
_MIN_FLOAT = -3.14e100  # jieba's "impossible" log-probability

#: One-character words a cut phrase may leave as a part (:func:`cut_phrases`): the function words the PKU
#: guideline always writes apart — structural and aspect particles (的 了 着 地 得), conjunctions (和 与),
#: prepositions (在 把 对 将 为) and the verbs 是 and 有.
FUNCTION_WORDS = frozenset("的了着地得和与在把对将为是有")



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



def cut_phrases(max_freq: int) -> tuple[str, ...]:
    """jieba's ``dict.txt`` phrase entries the segmenter cuts (``phrase_max_freq``): entries of four or more
    characters with a frequency of at most ``max_freq`` that jieba, with all of them left out, cuts into
    two or more words each of two or more characters or a :data:`FUNCTION_WORDS` word.

    jieba's dictionary holds tens of thousands of such low-frequency entries harvested from phrase lists —
    adverb + verb (深入研究, 大力发展), noun + noun (环境质量, 污水处理), phrases with 的 (党的建设) —
    that the PKU guideline segments as two or more words; because the dynamic programme scores a word by
    its own frequency against the product of its parts', a rare phrase entry still wins over common
    parts. Entries whose cut leaves a single content character (most idioms: 因地制宜) are kept. The
    list depends only on dict.txt and ``max_freq``; it is computed once and kept in the project's cache
    folder (keyed by dict.txt's SHA-256).
    """
    if max_freq <= 0:
        return ()
    return _cut_phrases(int(max_freq))


@lru_cache(maxsize=4)
def _cut_phrases(max_freq: int) -> tuple[str, ...]:
    import hashlib

    import rjieba

    from huayu.outputs import atomic_write
    from huayu.paths import cache_dir

    digest = hashlib.sha256(_jieba_dict_path().read_bytes()).hexdigest()[:16]
    path = cache_dir() / f"jieba-phrases-cut-{digest}-{max_freq}.txt"
    if path.is_file():
        return tuple(path.read_text(encoding="utf-8").split())
    base = _base_dictionary()
    candidates = [w for w, (freq, _) in base.items() if freq <= max_freq and len(w) >= 4]
    cutter = rjieba.Jieba()
    for word in candidates:
        cutter.add_word(word, 0, None)
    words = []
    for word in candidates:
        parts = cutter.cut(word, False)
        if len(parts) > 1 and all(len(p) > 1 or p in FUNCTION_WORDS for p in parts):
            words.append(word)
    atomic_write(path, lambda tmp: tmp.write_text("\n".join(words) + "\n", encoding="utf-8"))
    return tuple(words)
