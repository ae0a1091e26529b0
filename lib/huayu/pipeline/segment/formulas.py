"""The formula finder: numbered formulas (数字式提法), coded numeric slogans and quoted slogans in a text.

The segmenter keeps every span found here as one token (``is_formula``); notebook 07's tables
(:mod:`huayu.analysis.rhetoric.formulas`) and the slogans (:mod:`huayu.analysis.rhetoric.slogans`) use
the same finder. The token cache fingerprints this file: a change here re-segments.

Chinese political discourse condenses programmes into numbered formulas — 两个维护, 四个意识,
8大攻坚提升行动, 两兴两治 — and into coded digit strings in quotation marks (“1168”: one main line, one
goal, six principles, eight actions). Scholars of the genre (Schoenhals 1992, *Doing Things with Words
in Chinese Politics: Five Studies*, Berkeley: Institute of East Asian Studies) treat them as
its core vocabulary (tifa 提法): a generic tokeniser splits them and a generic stopword list deletes
their numerals.

What counts as a formula (the definition the hand-labelled gold list in ``tests/gold/`` follows):

``numbered``
    a cardinal numeral N ≥ 2 that *counts a set of items the expression abbreviates* (a 数字缩略语 in the
    sense of 《现代汉语词典》): (a) N + measure word + head (两个维护, 6条工作原则, 8大攻坚提升行动,
    八项规定); (b) N + head directly (六要素); (c) numeral compounds N₁XN₂Y or XN₁YN₂ (两兴两治,
    双招双引, 退二进三) and N + X + a compound predicate (三城融合, 两翼齐飞); (d) any short quotation
    whose content *starts* with a count (“三个特点”, “七位”, “四精”, “两塬加一川”).
    Not formulas: ordinals (第一, 一是, 二十大, “十四五”), distributive 一X一Y (一户一宅), quantities and
    concrete counts (3个片区, 两个工业集中区), and discourse-organising counts (三方面意见, 五点意见,
    三个方面), whose heads are deliberately absent from the head lexicon.
``coded``
    a quoted string of three or more Arabic digits (“1168”, “1315”, “1231511”).
``slogan``
    the content of a short quotation (2 … ``max_slogan_chars`` characters, no clause punctuation) that
    is neither of the above: “放管服”, “人民城市人民建” (7 characters); “两新一重” is a numbered formula, and
    “人民城市人民建、人民城市为人民” (15 characters) is longer than the default limit of 8.

Unquoted formulas are recognised with a small lexicon (``data/dictionaries/formula_lexicon.csv``) of
measure words, formula heads and compound predicates; the head of an unquoted formula is the *shortest*
run of characters after the measure that ends in a lexicon head (so 五大主导产业培育 stops at 产业), never
across 的/和/与/等 …, and an unquoted count is at most :data:`MAX_COUNT`. The lexicon also lists national
formulas the patterns cannot see (``known``: 一带一路, 三农) and numeral words and idioms that are not
counts (``not_formula``: 四季, 七嘴八舌, 说三道四); no numbered span may overlap one of the latter.

Numerals are normalised to Arabic digits with cn2an (两 → 2, 十 → 10, 双 → 2), so 8大 and 八大 match
across documents.

The lexicon is injectable: :func:`formula_spans` and :func:`formula_offsets` take ``lexicon=`` (a
:class:`FormulaLexicon`, e.g. from :func:`load_formula_lexicon` or built in code, or the path of a lexicon
CSV); ``None`` is the default file :data:`LEXICON_PATH`.
"""

from __future__ import annotations

import csv
import itertools
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import cn2an

from huayu.checks import check_int
from huayu.errors import ParameterError
from huayu.paths import DICTIONARIES

__all__ = [
    "FormulaSpan",
    "FormulaLexicon",
    "formula_spans",
    "formula_offsets",
    "normalize_formula",
    "load_formula_lexicon",
    "KINDS",
    "LEXICON_PATH",
    "MAX_COUNT",
]

KINDS = ("numbered", "coded", "slogan")

#: Lexicon file (measure words, heads, compound predicates) — see data/dictionaries/README.md.
LEXICON_PATH = DICTIONARIES / "formula_lexicon.csv"

# A count from 2 to 99 in Chinese numerals (十 alone is 10) — 一 is never a count of a set.
_CN_COUNT = r"(?:[二两三四五六七八九]?十[一二三四五六七八九]?|[二两三四五六七八九])"
_AR_COUNT = r"(?:[1-9][0-9]?)"
_NUM_CHARS = "〇零一二两三四五六七八九十百千万亿0123456789０１２３４５６７８９"
#: Numbers that are quantities, not counts of a formula: decimals (一点二, 4点5), fractions (百分之四点五),
#: multiples (一点二倍) and dates (十月一日, 3月5日). No numbered span may overlap one (like ``not_formula``).
_NUMERIC_EXPRESSIONS = re.compile(
    rf"[{_NUM_CHARS}]+点[{_NUM_CHARS}]+倍?|分之[{_NUM_CHARS}]+(?:点[{_NUM_CHARS}]+)?"
    rf"|[{_NUM_CHARS}]{{1,3}}月[{_NUM_CHARS}]{{1,3}}[日号]|[{_NUM_CHARS}]+倍")
# A count must not continue a longer number, an ordinal (第) or a decimal.
_NOT_AFTER = rf"(?<![{_NUM_CHARS}第.．])(?<![{_NUM_CHARS}]、)"
_CJK = r"[\u3400-\u4dbf\u4e00-\u9fff]"
_CJK_NONNUM = rf"(?:(?![〇零一二两三四五六七八九十百千万亿双第]){_CJK})"
_COMPOUND_NUM = "一二两三四五六七八九十双"
# A head never runs across a structural particle, conjunction or preposition (72个小区的改造任务).
_HEAD_CHAR = rf"(?:(?![的地得和与及等是在了把将从对向被]){_CJK})"
#: Largest count an unquoted formula may have (larger numbers are quantities: 72个小区).
MAX_COUNT = 20
_MAX_HEAD = 8
_MAX_QUOTED_FORMULA = 10

# Quotation pairs: Chinese double and single, corner brackets, ASCII double quotes.
_QUOTE_PATTERNS = [
    re.compile(r"“([^“”\n]{1,60})”"),
    re.compile(r"‘([^‘’\n]{1,60})’"),
    re.compile(r"「([^「」\n]{1,60})」"),
    re.compile(r"『([^『』\n]{1,60})』"),
    re.compile(r'"([^"\n]{1,60})"'),
]
_CLAUSE_PUNCT = re.compile(r"[,，。!！?？;；:：]")
_CODED = re.compile(r"[0-9]{3,}")


@dataclass(frozen=True)
class FormulaSpan:
    """One formula or slogan in a text: ``text[start:end] == surface`` (quotes are outside the span)."""

    start: int
    end: int
    surface: str
    kind: str


@dataclass(frozen=True)
class FormulaLexicon:
    """The formula lexicon by role (see :func:`load_formula_lexicon`); each field a tuple of entries."""

    measures: tuple[str, ...]
    heads: tuple[str, ...]
    compounds: tuple[str, ...]
    known: tuple[str, ...]
    not_formula: tuple[str, ...]


@lru_cache(maxsize=4)
def load_formula_lexicon(path: str | Path | None = None) -> FormulaLexicon:
    """Read the formula lexicon CSV (columns ``entry, role, example, source``).

    Roles: ``measure`` (个, 大, 条 …), ``head`` (formula heads: 意识, 行动 …), ``compound`` (predicates of
    N + X + predicate compounds: 融合, 齐飞 …), ``known`` (formulas the patterns cannot see: 一带一路, 三农),
    ``not_formula`` (numeral-initial words and idioms that are not counts: 四季, 五颜六色, 长三角's 三角).
    """
    path = Path(path) if path is not None else LEXICON_PATH
    if not path.exists():
        raise ParameterError(f"path={str(path)!r}: the formula lexicon file does not exist")
    roles: dict[str, list[str]] = {"measure": [], "head": [], "compound": [], "known": [], "not_formula": []}
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for i, row in enumerate(csv.DictReader(fh), start=2):
            role = (row.get("role") or "").strip()
            entry = (row.get("entry") or "").strip()
            if role not in roles or not entry:
                raise ParameterError(f"{path.name} line {i}: role={role!r} entry={entry!r}; role must be one of "
                                     f"{', '.join(roles)} and entry non-empty")
            roles[role].append(entry)
    return FormulaLexicon(*(tuple(roles[r]) for r in ("measure", "head", "compound", "known", "not_formula")))


@lru_cache(maxsize=4)
def _patterns(lex: FormulaLexicon) -> dict[str, re.Pattern]:
    measures = "|".join(map(re.escape, sorted(lex.measures, key=len, reverse=True)))
    heads = "|".join(map(re.escape, sorted(lex.heads, key=len, reverse=True)))
    compounds = "|".join(map(re.escape, sorted(lex.compounds, key=len, reverse=True)))
    known = "|".join(map(re.escape, sorted(lex.known, key=len, reverse=True))) or "(?!)"
    not_formula = "|".join(map(re.escape, sorted(lex.not_formula, key=len, reverse=True))) or "(?!)"
    count = rf"(?:{_CN_COUNT}|{_AR_COUNT})"
    n = f"[{_COMPOUND_NUM}]"
    return {
        # N + measure + shortest head ending in a lexicon head (lazy quantifier = shortest).
        "measure": re.compile(rf"{_NOT_AFTER}(?P<num>{count})(?P<measure>{measures})"
                              rf"(?P<head>{_HEAD_CHAR}{{0,{_MAX_HEAD}}}?(?:{heads}))"),
        # N + lexicon head directly (六要素).
        "bare": re.compile(rf"{_NOT_AFTER}(?P<num>{count})(?P<head>{heads})"),
        # N1 X N2 Y (两兴两治, 双招双引, 三新一高).
        "nxny": re.compile(rf"{_NOT_AFTER}(?P<a>{n}){_CJK_NONNUM}(?P<b>{n}){_CJK_NONNUM}"),
        # X N1 Y N2, both counts (退二进三).
        "xnyn": re.compile(rf"(?<![{_NUM_CHARS}]){_CJK_NONNUM}(?P<a>[二两三四五六七八九十]){_CJK_NONNUM}"
                           rf"(?P<b>[二两三四五六七八九十])(?![{_NUM_CHARS}])"),
        # N + one character + compound predicate (三城融合, 两翼齐飞).
        "compound": re.compile(rf"{_NOT_AFTER}(?P<num>{_CN_COUNT}|{_AR_COUNT}){_CJK_NONNUM}(?:{compounds})"),
        "known": re.compile(known),
        "not_formula": re.compile(not_formula),
        # A quotation that starts with a count (anything may follow, at least one non-numeral).
        "quoted": re.compile(rf"(?P<num>{count})(?:{measures})?{_CJK_NONNUM}.*|(?P<num2>{count})(?:{measures})",
                             re.S),
    }


_CN_VALUE = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"两": 2, "双": 2, "零": 0}


@lru_cache(maxsize=4096)
def _value(numeral: str) -> int:
    """Integer value of a short Chinese or Arabic numeral (cn2an, with 双 = 2)."""
    if numeral.isdigit():
        return int(numeral)
    if numeral == "双":
        return 2
    return int(cn2an.cn2an(numeral, "smart"))


def _is_count(ch: str) -> bool:
    return ch in _CN_VALUE and _CN_VALUE[ch] >= 2 or ch == "十"


_NUM_RUN = re.compile(r"[〇零一二两三四五六七八九十百千双]+|[0-9]+")


def normalize_formula(surface: str) -> str:
    """Replace every Chinese numeral in ``surface`` by Arabic digits (cn2an; 两 and 双 → 2).

    ``normalize_formula("两个维护") == "2个维护"``, ``"八大攻坚提升行动" → "8大攻坚提升行动"``,
    ``"退二进三" → "退2进3"``. Digit strings are kept as they are (“1168” stays ``1168``).
    """
    if not isinstance(surface, str):
        raise ParameterError(f"surface must be a string, got {type(surface).__name__}")

    def repl(m: re.Match) -> str:
        run = m.group(0)
        if run.isdigit():
            return run
        try:
            return str(_value(run))
        except (ValueError, KeyError):
            # A run cn2an cannot read as one number (e.g. 一一): convert digit by digit.
            return "".join(str(_CN_VALUE[c]) if c in _CN_VALUE else ("10" if c == "十" else c) for c in run)

    return _NUM_RUN.sub(repl, surface)


def _lexicon(lexicon: FormulaLexicon | str | Path | None) -> FormulaLexicon:
    """The lexicon a finder call uses: ``lexicon`` itself, the file at that path, or the default file."""
    if isinstance(lexicon, FormulaLexicon):
        return lexicon
    if lexicon is not None and not isinstance(lexicon, (str, Path)):
        raise ParameterError(f"lexicon must be a FormulaLexicon, a file path or None, got {type(lexicon).__name__}")
    return load_formula_lexicon(lexicon)


@lru_cache(maxsize=65536)
def _quoted_kind(content: str, max_slogan_chars: int, lex: FormulaLexicon) -> str | None:
    """Kind of a quotation's content (``None``: not reported); cached, as slogans recur."""
    pats = _patterns(lex)
    if _CODED.fullmatch(content):
        return "coded"
    if len(content) <= _MAX_QUOTED_FORMULA and not _CLAUSE_PUNCT.search(content) and "、" not in content:
        m = pats["quoted"].fullmatch(content)
        if m is not None:
            num = m.group("num") or m.group("num2")
            # “十四五”, “五一”: all numerals → a period or a holiday name, not a count.
            if not all(c in _NUM_CHARS for c in content) and not (num.isdigit() and len(num) > 2):
                return "numbered"
        if pats["nxny"].fullmatch(content) and _compound_ok(content, 0, 2):
            return "numbered"
        if pats["xnyn"].fullmatch(content):
            return "numbered"
    if 2 <= len(content) <= max_slogan_chars and not _CLAUSE_PUNCT.search(content):
        return "slogan"
    return None


def _compound_ok(text: str, i: int, j: int) -> bool:
    """N₁XN₂Y needs at least one count ≥ 2 (so distributive 一户一宅 is not a formula)."""
    return _is_count(text[i]) or _is_count(text[j])


def formula_spans(text: str, *, max_slogan_chars: int = 8, include_slogans: bool = True,
                  lexicon: FormulaLexicon | str | Path | None = None) -> list[FormulaSpan]:
    """Numbered formulas, coded slogans and (optionally) short quoted slogans in ``text``.

    Returns :class:`FormulaSpan` objects sorted by ``start`` and non-overlapping; offsets index ``text``
    (end exclusive) and quotation marks are outside the span. Priority when candidates overlap: a quoted
    formula or code, then a quoted slogan, then an unquoted formula (XN₁YN₂ compounds last); within a
    priority the earlier and then the longer span wins. The rules are described in the module docstring.

    Parameters
    ----------
    text : the text to scan (a document, paragraph or sentence).
    max_slogan_chars : longest quotation content (in characters) reported as a ``slogan``.
    include_slogans : if False only ``numbered`` and ``coded`` spans are returned.
    lexicon : the measure words, heads, compounds and exceptions (a :class:`FormulaLexicon` or the path
        of a lexicon CSV); ``None`` = ``data/dictionaries/formula_lexicon.csv``.
    """
    return [FormulaSpan(start, end, text[start:end], kind) for start, end, kind in
            formula_offsets(text, max_slogan_chars=max_slogan_chars, include_slogans=include_slogans,
                            lexicon=lexicon)]


# Where an unquoted pattern can begin (each is tried only there, see formula_offsets): a count
# (N + measure, N + head, N + X + compound), a numeral with another two characters on (N₁XN₂Y), and a
# count with another two characters on, one character before it (XN₁YN₂).
_COUNT_AT = re.compile("[二两三四五六七八九十1-9]")
_NXNY_AT = re.compile(f"[{_COMPOUND_NUM}](?=.[{_COMPOUND_NUM}])", re.S)
_XNYN_AT = re.compile("[二两三四五六七八九十](?=.[二两三四五六七八九十])", re.S)


def formula_offsets(text: str, *, max_slogan_chars: int = 8, include_slogans: bool = True,
                    lexicon: FormulaLexicon | str | Path | None = None) -> list[tuple[int, int, str]]:
    """:func:`formula_spans` as ``(start, end, kind)`` tuples — the same spans, for long texts.

    Each unquoted pattern is tried only where it can begin (a count character, found by one scan of
    the text) rather than at every position: ``finditer``'s leftmost non-overlapping matches are the
    matches at those positions taken left to right, skipping positions inside the previous match.
    """
    if not isinstance(text, str):
        raise ParameterError(f"text must be a string, got {type(text).__name__}")
    max_slogan_chars = check_int("max_slogan_chars", max_slogan_chars, minimum=2)
    if not isinstance(include_slogans, bool):
        raise ParameterError(f"include_slogans={include_slogans!r} must be True or False")
    lex = _lexicon(lexicon)
    pats = _patterns(lex)
    cands: list[tuple[int, int, int, str]] = []  # (priority, start, end, kind)

    for qp in _QUOTE_PATTERNS:
        if qp.pattern[0] not in text:
            continue
        for m in qp.finditer(text):
            kind = _quoted_kind(m.group(1), max_slogan_chars, lex)
            if kind is None or (kind == "slogan" and not include_slogans):
                continue
            cands.append((1 if kind == "slogan" else 0, m.start(1), m.end(1), kind))

    counts = [m.start() for m in _COUNT_AT.finditer(text)]
    for m in _leftmost(pats["measure"], text, counts):
        value = _value(m.group("num"))
        if m.group("measure") == "大" and value > 10:
            continue  # 十九大, 二十大: party congresses, not "N great …"
        if value > MAX_COUNT:
            continue
        cands.append((2, m.start(), m.end(), "numbered"))
    for m in _leftmost(pats["bare"], text, counts):
        cands.append((2, m.start(), m.end(), "numbered"))
    for m in _leftmost(pats["compound"], text, counts):
        cands.append((2, m.start(), m.end(), "numbered"))
    nxny = pats["nxny"]
    for m in _NXNY_AT.finditer(text):
        m = nxny.match(text, m.start())
        if m is not None and _compound_ok(text, m.start("a"), m.start("b")):
            cands.append((2, m.start(), m.end(), "numbered"))
    xnyn = pats["xnyn"]
    for m in _XNYN_AT.finditer(text):
        if m.start() > 0 and (m := xnyn.match(text, m.start() - 1)) is not None:
            cands.append((3, m.start(), m.end(), "numbered"))  # after N₁XN₂Y: 三严三实, not 与三严三
    for m in pats["known"].finditer(text):
        cands.append((2, m.start(), m.end(), "numbered"))
    if not cands:
        return []

    # Numeral words and idioms (四季, 五颜六色): no numbered span may overlap one.
    blocked = None
    for m in itertools.chain(pats["not_formula"].finditer(text), _NUMERIC_EXPRESSIONS.finditer(text)):
        if blocked is None:
            blocked = bytearray(len(text) + 1)
        blocked[m.start():m.end()] = b"\x01" * (m.end() - m.start())
    if blocked is not None:
        kept = []
        for c in cands:
            if c[3] == "numbered" and blocked.find(1, c[1], c[2]) >= 0:
                # A quoted numeral word (“四季长安”) is still a quoted slogan.
                if c[0] == 0 and include_slogans and 2 <= c[2] - c[1] <= max_slogan_chars:
                    kept.append((1, c[1], c[2], "slogan"))
                continue
            kept.append(c)
        cands = kept

    # By priority, then start, then length (longest first); the same span never has two kinds.
    order = sorted((c[0], c[1], c[1] - c[2], c[3]) for c in cands)
    taken = bytearray(len(text) + 1)
    spans: list[tuple[int, int, str]] = []
    for _, start, negative_length, kind in order:
        end = start - negative_length
        if end <= start or taken.find(1, start, end) >= 0:
            continue
        taken[start:end] = b"\x01" * (end - start)
        spans.append((start, end, kind))
    spans.sort()
    return spans


def _leftmost(pattern: re.Pattern, text: str, starts: list[int]):
    """``pattern.finditer(text)`` for a pattern that can only begin at ``starts`` (sorted positions)."""
    end = 0
    for pos in starts:
        if pos >= end and (m := pattern.match(text, pos)) is not None:
            yield m
            end = m.end()
