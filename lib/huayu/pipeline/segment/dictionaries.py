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

__all__ = ["JIEBA_TAGS", "DictionaryError", "read_user_dict", "read_stopwords", "cut_phrases", "pku_split_words",
           "FUNCTION_WORDS"]

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
    characters with a frequency of at most ``max_freq`` (at most 3, jieba's floor, for an entry tagged ``i``,
    idiom) that jieba, with all of them left out, cuts into two or more words each of two or more
    characters or a :data:`FUNCTION_WORDS` word, or into parts with 的 among them (党的建设 → 党 的 建设).

    jieba's dictionary holds tens of thousands of such low-frequency entries harvested from phrase lists —
    adverb + verb (深入研究, 大力发展), noun + noun (环境质量, 污水处理), phrases with 的 (党的建设) —
    that the PKU guideline segments as two or more words; because the dynamic programme scores a word by
    its own frequency against the product of its parts', a rare phrase entry still wins over common
    parts. Idioms with a frequency of their own (齐心协力 96, 求同存异 46) and entries whose cut leaves a
    single content character (一发破的, 众矢之的: 的 last) are kept. The
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
    path = cache_dir() / f"jieba-phrases-cut-v3-{digest}-{max_freq}.txt"
    if path.is_file():
        return tuple(path.read_text(encoding="utf-8").split())
    base = _base_dictionary()
    candidates = [w for w, (freq, tag) in base.items()
                  if len(w) >= 4 and freq <= (min(3, max_freq) if tag == "i" else max_freq)]
    cutter = rjieba.Jieba()
    for word in candidates:
        cutter.add_word(word, 0, None)
    words = []
    for word in candidates:
        parts = cutter.cut(word, False)
        if len(parts) > 1 and (all(len(p) > 1 or p in FUNCTION_WORDS for p in parts)
                               or ("的" in parts[1:-1])):  # 的 inside: 党的建设 → 党 的 建设
            words.append(word)
    atomic_write(path, lambda tmp: tmp.write_text("\n".join(words) + "\n", encoding="utf-8"))
    return tuple(words)


#: Classifiers (量词): jieba's dict.txt lists many pairs of a numeral, demonstrative, quantifier or ordinal
#: and a classifier as words (一个, 这家, 多年, 第一年); the PKU guideline writes them as two words.
CLASSIFIERS = "个位名种项次家座部本场批条所件台辆只张支篇首届期份片段层类年天周点步伙幅块句封把根套双对头匹棵颗粒间户章节门道枚架艘轮番遍趟声"
#: Monosyllabic adjectives after a degree adverb (很大, 最大, 更多): two words in the PKU guideline.
DEGREE_ADJECTIVES = "大小多少好高低长短快慢强弱"
#: Administrative units and bodies after 我 (our) or 各 (each): 我市 我区 各乡镇 各部门 are two words in the PKU
#: guideline (各级 各地 各项 各种 各类, lexicalised, are not of this shape).
ADMINISTRATIVE_UNITS = "省|市|县|区|镇|乡|村|乡镇|街道|部门|单位|直属"
#: dict.txt words of those shapes that are lexicalised and stay whole: the demonstrative pronouns 这个
#: 那个 这次 那次 这种 那种; 每 with a unit of time (每年 每天 每周 每日 每秒); adverbs and nouns 一点 一道
#: 一番 一头 一把 一手 两头 四周 很快; the holidays 五一节 三八节; 很多 很少 最好 最高 最低 最多 最少
#: (lexicalised: 最高 气温, 最低 工资).
PKU_WHOLE = frozenset("这个 那个 这次 那次 这种 那种 每年 每天 每周 每日 每秒 一点 一道 一番 一头 一把 一手 两头 四周 很快 "
                      "五一节 三八节 很多 很少 最好 最高 最低 最多 最少".split())
_SPLIT_SHAPES = re.compile(
    f"[一二三四五六七八九十两几]+[{CLASSIFIERS}]"    # numeral + classifier: 一个 三年 十几个
    f"|[这那每多][{CLASSIFIERS}]"                  # demonstrative / quantifier + classifier: 这家 每个 多年
    f"|第[一二三四五六七八九十百]+[{CLASSIFIERS}]"   # ordinal + classifier: 第一年 第二天
    f"|[很最更较太挺][{DEGREE_ADJECTIVES}]"         # degree adverb + adjective: 很大 最大 更多
    f"|[我各](?:{ADMINISTRATIVE_UNITS})"             # pronoun / quantifier + unit: 我市 → 我 市, 各乡镇
    "|不了|不好")                                   # 不 + complement / adjective: 解决 不 了, 不 好
_NUMERAL_YEAR = re.compile("[〇○零一二三四五六七八九]{4}年")  # a year (一九五七年): one time word


@lru_cache(maxsize=1)
def pku_split_words() -> tuple[str, ...]:
    """The words of jieba's ``dict.txt`` the segmenter leaves out (``pku_splits``) because the PKU guideline
    writes them as two words, by shape: a numeral, demonstrative, quantifier or ordinal with a classifier
    (一个 → 一 个, 这家, 多年, 第一年), a degree adverb with a monosyllabic adjective (很大 → 很 大, 最大, 更多),
    我 or 各 with an administrative unit (我市 → 我 市, 各乡镇, 各部门), and 不了, 不好 — less the lexicalised words of :data:`PKU_WHOLE` and years written in numerals
    (一九五七年, a time word). Without them jieba cuts each into its parts, which are all dictionary words.
    """
    return tuple(w for w in _base_dictionary()
                 if _SPLIT_SHAPES.fullmatch(w) and w not in PKU_WHOLE and not _NUMERAL_YEAR.fullmatch(w))
