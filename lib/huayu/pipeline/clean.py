"""Cleaning: remove web boilerplate on evidence (every removal logged), normalise, split paragraphs and sentences.

A rule removes text only on *evidence* that it is boilerplate — the vocabulary of site furniture (navigation,
share and print widgets, bylines 来源/作者/责任编辑, footers 主办单位/ICP备, licence notices, related links), a
caption marker (摄, 图为, （图）, 资料图, 效果图), the position right after an image placeholder, a line repeated
across many documents of one source, markup (HTML comments, tags, ``&nbsp;``/``<U+00A0>`` escapes), a title
printed twice, an abstract that copies the body — never on the shape of a line alone: a short line without
punctuation is a subheading (坚持稳中求进 推动高质量发展) as often as a caption. A rule may be limited to genres
and to sources (the metadata ``source`` of a document), so a site's own layout is a row of the rules file.

:func:`clean_document` is a pure function of one document: ``(raw text, doc_id, genre, source, rules,
evidence) -> CleanDocument`` (kept paragraphs with their raw offsets, and the removals for the audit log). The
only corpus-level input, the repeated lines, is computed by a separate first pass
(:mod:`huayu.pipeline.evidence`: hash counts, linear in the corpus, mergeable across batches) and passed in as
``evidence``; without it the ``repeated`` rules do nothing.

The rules are data: ``data/dictionaries/boilerplate_rules.csv``, one row per rule with columns

``name``
    what the audit log calls it;
``kind``
    ``paragraph`` — remove a paragraph the pattern matches *as a whole* (``re.fullmatch``);
    ``caption`` — like ``paragraph``, but never the document's first paragraph (its title);
    ``inline`` — remove every match *inside* a paragraph (a watermark URL, an ``&nbsp;`` escape, a tag);
    ``span`` — remove every match in the document's text, across line breaks (an HTML comment);
    ``after`` / ``before`` — remove a paragraph the pattern matches as a whole together with the paragraph
    right after / before it, when that neighbour is short and has no sentence punctuation (:data:`NEIGHBOUR`):
    an image placeholder ``[图片]`` and the caption under it (both in one pass, so the paragraph after the caption
    is never taken for one); a placeholder without a caption is left to a ``paragraph`` rule;
    ``tail`` — a footer: the first paragraph the pattern matches as a whole among the last ``max_paragraph``
    paragraphs, *and every paragraph after it* (a related-links list, a site footer, a licence notice);
    ``repeated`` — a paragraph the pattern matches as a whole that the evidence table lists as repeated across
    documents of the document's source, unless it is glued into a sentence of its neighbours (the previous
    paragraph ends with an opening bracket or quote, or the next starts with punctuation: a hyperlink that
    the page broke out of its sentence), nor a line of a document's signature block (right above or below a
    date line alone: 渭南市人民政府 / 2023年3月5日 / （此件公开发布）);
    ``recurring`` — like ``repeated``, with the evidence inside the document: a paragraph the pattern matches
    as a whole that the document prints at least :data:`RECURRING_MIN` times (the running header of a text
    converted from PDF, on every page);
    ``duplicate`` — among paragraphs the pattern matches, those sharing the named group ``key`` are one
    repeated title when one of them is the document's first paragraph: keep one copy (the first whose whole
    text *is* the key, else the first) and remove
    the others;
    ``abstract`` — remove a paragraph whose named group ``body`` repeats text found elsewhere in the
    document (whitespace ignored), such as a site's ``【摘要】`` that copies a body paragraph;
``pattern``
    a Python regular expression;
``genres``
    ``;``-separated genres the rule applies to (empty: all);
``sources``
    ``;``-separated pieces of text, one of which the document's ``source`` metadata must contain
    (case-insensitive) for the rule to apply (empty: all sources); optional column;
``max_paragraph``
    only paragraphs at index < this are candidates (``tail``: the footer starts among the last this many
    paragraphs); empty: all;
``description``
    why the rule exists, with an example.

Rules run in file order; whenever one removes something the paragraphs are split again before the next rule,
and the passes over the rules repeat until a whole pass removes nothing. The result is therefore a fixed
point, which makes cleaning idempotent.

Normalisation, before any rule: full-width ASCII (U+FF01–FF5E) to half-width, every Unicode space
(U+3000, NBSP, tabs …) to a plain space, ``\\r`` to a line break, zero-width and other format characters
(Unicode category Cf, e.g. U+200B, U+FEFF) dropped; runs of spaces inside a paragraph collapse to one;
letter-spaced words — single Chinese characters separated by spaces, as titles and names are typeset
(政 府 工 作 报 告, 习　近　平, 李　强) — lose their spaces (政府工作报告): the text is kept, never removed.
Each character keeps its offset in the raw (decoded) text, so the log can point into it.

Paragraphs are lines; a line is also split where a space follows sentence-final punctuation
(``。!?:;…`` with any closing quotes or brackets), which is how some sites join paragraphs on one line.
Sentences end at ``。!?;…`` (after normalisation also ``！？；``) and take their closing quotes along.

Speed. The rules are tried per distinct paragraph text, not per rule and paragraph: a scanner made once per
set of active rules (:func:`_scanner`) tries every ``paragraph``-like pattern on a new text only when its
length lies within the pattern's bounds (the regular-expression parser's ``getwidth``), runs the ``inline``
patterns once, and remembers the outcome, so the paragraphs a split gives again after a removal, and the
furniture every page of a site repeats, are looked up, not matched again. Lines are split with ``str.split``
and the full-width map applied with one ``str.replace`` per character present. The output is the same as
trying each rule on each paragraph (``benchmarks/bench_clean.py``: ``clean_chars_per_s``).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from huayu import schema
from huayu.errors import RuleError
from huayu.paths import DICTIONARIES

try:  # the regular-expression parser (its width bounds); ``sre_parse`` before Python 3.11
    import re._parser as _sre_parse
except ImportError:  # pragma: no cover
    import sre_parse as _sre_parse  # type: ignore[no-redef]

if TYPE_CHECKING:  # pragma: no cover
    from huayu.pipeline.evidence import RepeatedLines

DEFAULT_RULES = DICTIONARIES / "boilerplate_rules.csv"
RULE_KINDS = ("paragraph", "caption", "inline", "span", "after", "before", "tail", "repeated", "recurring",
              "duplicate", "abstract")
#: A ``recurring`` paragraph is printed at least this many times in one document.
RECURRING_MIN = 3
MAX_PASSES = 50
REQUIRED_COLUMNS = ("name", "kind", "pattern", "genres", "max_paragraph", "description")
OPTIONAL_COLUMNS = ("sources",)

_CHAR_MAP = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}
_CHAR_MAP.update({0x3000: 0x20, 0x00A0: 0x20, 0x2007: 0x20, 0x202F: 0x20, 0x09: 0x20, 0x0B: 0x20, 0x0C: 0x20,
                  0x0D: 0x0A, 0x2028: 0x0A, 0x2029: 0x0A, 0x85: 0x0A})
_CHAR_MAP.update({c: 0x20 for c in range(0x2000, 0x200B)})
_CHAR_MAP_STR = {chr(k): chr(v) for k, v in _CHAR_MAP.items()}
_CHAR_MAP_ITEMS = tuple(_CHAR_MAP_STR.items())
_FORMAT_CHARS = re.compile(r"[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]")
_HAN = r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"
#: Letter spacing: two or more single Chinese characters, each standing alone between spaces (or line ends).
_LETTER_SPACED = re.compile(rf"(?<![^ \n]){_HAN}(?: {{1,3}}{_HAN})+(?![^ \n])")
_CLOSERS = "”’\"')\\]」』》〉】"
_PARAGRAPH_BREAK = re.compile(rf"\n|([。!?:;…][{_CLOSERS}]*) +")
_SENTENCE_SPACE = re.compile(rf"([。!?:;…][{_CLOSERS}]*) +")  # the second alternative, within a line
_SENTENCE_END = re.compile(rf"[。!?;…]+[{_CLOSERS}]*")
_SPACES = re.compile(r" {2,}")
#: The paragraph an ``after``/``before`` rule removes next to its evidence: at most 40 characters, no
#: sentence punctuation, not a numbered heading (一、 (一) 第一 1.), not two phrases of four or more characters
#: separated by a space — the form of a subheading (坚持稳中求进 推动高质量发展), which may stand under an image too.
NEIGHBOUR = re.compile(r"(?![一二三四五六七八九十]+、|[(（][一二三四五六七八九十\d]+[)）]|第[一二三四五六七八九十]+|\d+[.、])"
                       r"(?![^ ]{4,} [^ ]{4,}$)[^。!?;！？；]{2,40}")
#: A repeated paragraph is glued into a sentence when the previous paragraph ends with an opener or the next
#: starts with punctuation (a hyperlink broken out of its sentence, as Wikisource pages are exported).
_GLUED_BEFORE = re.compile(r"[《“‘「『(（\[【]$")
#: A date line alone (the date under a document's signature: 2023年3月5日, 二〇二三年三月五日).
_DATE_LINE = re.compile(r"(?:\d{4}|[〇○零一二三四五六七八九]{4}) ?年 ?(?:\d{1,2}|[一二三四五六七八九十]{1,3}) ?月 ?"
                        r"(?:\d{1,2}|[一二三四五六七八九十]{1,3}) ?日")
_GLUED_AFTER = re.compile(r"^[。,，、;；:：!！?？)）》”’」』\]】.]")


@dataclass(frozen=True)
class Rule:
    """One boilerplate rule (a row of the rules file)."""

    name: str
    kind: str
    pattern: re.Pattern[str]
    genres: frozenset[str] = frozenset()
    max_paragraph: int | None = None
    description: str = ""
    sources: tuple[str, ...] = ()

    def applies_to(self, genre: str | None, source: str | None = None) -> bool:
        """Whether the rule is for this genre and this source (``sources``: any piece, case-insensitive)."""
        if self.genres and genre not in self.genres:
            return False
        if self.sources:
            text = (source or "").casefold()
            return any(piece in text for piece in self.sources)
        return True


def load_rules(path: str | Path = DEFAULT_RULES) -> list[Rule]:
    """Read and check a rules CSV; every bad row is reported with its line number."""
    path = Path(path)
    table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig", comment=None)
    missing = [c for c in REQUIRED_COLUMNS if c not in table.columns]
    if missing:
        raise RuleError(f"{path}: missing column(s) {', '.join(missing)}; required: {', '.join(REQUIRED_COLUMNS)}"
                        f" (optional: {', '.join(OPTIONAL_COLUMNS)})")
    if "sources" not in table.columns:
        table["sources"] = ""
    rules: list[Rule] = []
    errors: list[str] = []
    names: dict[str, int] = {}
    for i, row in enumerate(table.to_dict("records")):
        where = f"{path} line {i + 2} (rule {row['name']!r})"
        if not row["name"].strip():
            errors.append(f"{where}: empty name")
            continue
        if row["name"] in names:
            errors.append(f"{where}: duplicate name (first used on line {names[row['name']]})")
            continue
        names[row["name"]] = i + 2
        if row["kind"] not in RULE_KINDS:
            errors.append(f"{where}: unknown kind {row['kind']!r}; valid kinds: {', '.join(RULE_KINDS)}")
            continue
        try:
            pattern = re.compile(row["pattern"])
        except re.error as exc:
            errors.append(f"{where}: bad regular expression: {exc}")
            continue
        if not row["pattern"]:
            errors.append(f"{where}: empty pattern")
            continue
        if pattern.fullmatch(""):
            errors.append(f"{where}: the pattern matches the empty text; it must require at least one character")
            continue
        if row["kind"] == "duplicate" and "key" not in pattern.groupindex:
            errors.append(f"{where}: a 'duplicate' rule needs a named group (?P<key>...)")
            continue
        if row["kind"] == "abstract" and "body" not in pattern.groupindex:
            errors.append(f"{where}: an 'abstract' rule needs a named group (?P<body>...)")
            continue
        max_paragraph = None
        if row["max_paragraph"].strip():
            if not row["max_paragraph"].strip().isdigit():
                errors.append(f"{where}: max_paragraph must be a whole number or empty")
                continue
            max_paragraph = int(row["max_paragraph"])
        genres = frozenset(g.strip() for g in row["genres"].split(";") if g.strip())
        sources = tuple(s.strip().casefold() for s in row["sources"].split(";") if s.strip())
        rules.append(Rule(row["name"], row["kind"], pattern, genres, max_paragraph, row["description"], sources))
    if errors:
        raise RuleError("\n".join(errors))
    return rules


def _translate(raw: str) -> str:
    """``raw.translate(_CHAR_MAP)``, four times faster: a C-level search and ``str.replace`` per mapped
    character (every value of the map is one character that is not itself a key, so the order does not
    matter)."""
    for ch, to in _CHAR_MAP_ITEMS:
        if ch in raw:
            raw = raw.replace(ch, to)
    return raw


def normalise(raw: str) -> tuple[str, np.ndarray]:
    """Character-level normalisation; returns ``(text, raw_offsets)`` with one raw offset per character."""
    text = _translate(raw)
    keep = np.ones(len(text), dtype=bool)
    for m in _FORMAT_CHARS.finditer(text):
        keep[m.start()] = False
    if not keep.all():
        text, offsets = _delete_spans(text, keep), np.flatnonzero(keep).astype(np.int64)
    else:
        offsets = np.arange(len(text), dtype=np.int64)
    spaced = [m.span() for m in _LETTER_SPACED.finditer(text)]
    if spaced:
        keep = np.ones(len(text), dtype=bool)
        for start, end in spaced:
            for i in range(start, end):
                if text[i] == " ":
                    keep[i] = False
        text, offsets = _delete_spans(text, keep), offsets[keep]
    return text, offsets


def normalise_text(raw: str) -> str:
    """The normalised raw text (spaces collapsed): every cleaned paragraph is a substring of it,
    unless an ``inline`` rule removed something from that paragraph."""
    return _SPACES.sub(" ", normalise(raw)[0])


class _Paragraph:
    """A paragraph of the working text: ``start``/``end`` offsets into it, ``text`` with spaces collapsed, and
    (computed when an ``inline`` rule needs them) ``positions``, the working-text offset of each character."""

    __slots__ = ("start", "end", "text", "_positions")

    def __init__(self, start: int, end: int, text: str, positions: np.ndarray | None = None):
        self.start, self.end, self.text, self._positions = start, end, text, positions

    @property
    def positions(self) -> np.ndarray:
        if self._positions is None:
            self._positions = np.arange(self.start, self.end, dtype=np.int64)
        return self._positions


def _split_paragraphs(work: str) -> list[_Paragraph]:
    """The paragraphs of the working text: its lines, cut again where spaces follow sentence-final punctuation
    (:data:`_PARAGRAPH_BREAK`; lines are split with ``str.split``, the regular expression runs only on lines
    holding a space), without their outer spaces and with inner runs of spaces collapsed."""
    paragraphs: list[_Paragraph] = []
    add = paragraphs.append
    line_start = 0
    for line in work.split("\n"):
        if " " in line:
            pieces, last = [], 0
            for m in _SENTENCE_SPACE.finditer(line):
                pieces.append((last, m.end(1)))
                last = m.end()
            pieces.append((last, len(line)))
        else:
            pieces = ((0, len(line)),)
        for a, b in pieces:
            raw = line[a:b]
            if " " in raw:
                stripped = raw.strip(" ")
                if not stripped:
                    continue
                a += len(raw) - len(raw.lstrip(" "))
                b = a + len(stripped)
                raw = stripped
            elif not raw:
                continue
            start, end = line_start + a, line_start + b
            positions = None  # plain offsets, made when needed
            if "  " in raw:
                keep = np.ones(len(raw), dtype=bool)
                for m in _SPACES.finditer(raw):
                    keep[m.start() + 1:m.end()] = False
                positions = np.arange(start, end, dtype=np.int64)[keep]
                raw = _SPACES.sub(" ", raw)
            add(_Paragraph(start, end, raw, positions))
        line_start += len(line) + 1
    return paragraphs


@dataclass(frozen=True)
class Removal:
    """One logged removal: which rule, what text, where in the raw text."""

    rule: str
    removed_text: str
    raw_char_start: int
    raw_char_end: int


@dataclass
class CleanDocument:
    """A cleaned document: its paragraphs (with raw offsets), sentences and the removals."""

    doc_id: str
    paragraphs: list[str]
    paragraph_raw_starts: list[int]
    removals: list[Removal] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The cleaned text: paragraphs joined by line breaks (the offsets of later tables point here)."""
        return "\n".join(self.paragraphs)


def paragraph_texts(raw: str) -> list[str]:
    """The paragraphs of a raw text after normalisation (spaces collapsed), before any rule: what the
    evidence pass counts and what the ``repeated`` rules look up."""
    return [p.text for p in _split_paragraphs(normalise(raw)[0])]


Span = tuple[int, int, str]  # working-text start, end, the text the log records


@lru_cache(maxsize=None)
def _width(pattern: re.Pattern[str]) -> tuple[int, int]:
    """The least and greatest number of characters a match of ``pattern`` can have (the regular-expression
    parser's own bounds): a text of another length cannot match it as a whole, so it is not tried."""
    lo, hi = _sre_parse.parse(pattern.pattern, pattern.flags & ~re.UNICODE).getwidth()
    return int(lo), int(hi)


def _whole(pattern: re.Pattern[str], text: str) -> bool:
    """``pattern`` matches all of ``text``."""
    lo, hi = _width(pattern)
    return lo <= len(text) <= hi and pattern.fullmatch(text) is not None


#: Rule kinds whose pattern must match a paragraph as a whole, and those matched inside a paragraph.
_WHOLE_KINDS = ("paragraph", "caption", "after", "before", "tail", "repeated", "recurring")
MEMO_SIZE = 1 << 14


class _Scanner:
    """Every pattern of a document's active rules, tried once per distinct paragraph text.

    Rules re-run on unchanged paragraphs after each removal (the paragraphs are split again), and every page
    of a site repeats its furniture, so :meth:`index` looks each paragraph up in a memo table (emptied when it
    holds :data:`MEMO_SIZE` texts) and tries the patterns only on a text not seen yet: a ``paragraph``-like
    pattern only when the text's length is within the pattern's bounds (:func:`_width`), an ``inline``
    pattern with ``finditer``. The outcome is the same as trying every rule on every paragraph."""

    def __init__(self, whole: Sequence[re.Pattern[str]], inline: Sequence[re.Pattern[str]]):
        self.whole, self.inline = tuple(whole), tuple(inline)
        self.widths = tuple(_width(p) for p in self.whole)
        self.whole_index = {id(p): k for k, p in enumerate(self.whole)}
        self.inline_index = {id(p): k for k, p in enumerate(self.inline)}
        self.memo: dict[str, tuple[tuple[int, ...], tuple[tuple[int, tuple[tuple[int, int, str], ...]], ...]]] = {}

    def scan(self, text: str):
        found = self.memo.get(text)
        if found is None:
            n = len(text)
            whole = tuple(k for k, (p, (lo, hi)) in enumerate(zip(self.whole, self.widths))
                          if lo <= n <= hi and p.fullmatch(text) is not None)
            inline = []
            for k, p in enumerate(self.inline):
                matches = tuple((m.start(), m.end(), m.group(0)) for m in p.finditer(text) if m.end() > m.start())
                if matches:
                    inline.append((k, matches))
            if len(self.memo) >= MEMO_SIZE:
                self.memo.clear()
            found = self.memo[text] = (whole, tuple(inline))
        return found

    def index(self, paragraphs: list[_Paragraph]) -> _Index:
        whole: dict[int, list[int]] = {}
        inline: dict[int, list[tuple[int, tuple[tuple[int, int, str], ...]]]] = {}
        for i, p in enumerate(paragraphs):
            hits_whole, hits_inline = self.scan(p.text)
            for k in hits_whole:
                whole.setdefault(k, []).append(i)
            for k, matches in hits_inline:
                inline.setdefault(k, []).append((i, matches))
        return _Index(self, whole, inline)


@dataclass
class _Index:
    """Per pattern, the paragraphs (indices, in order) of one split that it matches."""

    scanner: _Scanner
    whole: dict[int, list[int]]
    inline: dict[int, list[tuple[int, tuple[tuple[int, int, str], ...]]]]

    def knows(self, pattern: re.Pattern[str]) -> bool:
        return id(pattern) in self.scanner.whole_index or id(pattern) in self.scanner.inline_index

    def matching(self, pattern: re.Pattern[str]) -> list[int]:
        return self.whole.get(self.scanner.whole_index[id(pattern)], [])

    def inline_matches(self, pattern: re.Pattern[str]) -> list[tuple[int, tuple[tuple[int, int, str], ...]]]:
        return self.inline.get(self.scanner.inline_index[id(pattern)], [])


#: Scanners by the identity of their patterns (a scanner holds its patterns, so an id is never reused while
#: its entry exists); a corpus has a few combinations of active rules (by genre and source).
_SCANNERS: dict[tuple[int, ...], _Scanner] = {}


def _scanner(rules: Sequence[Rule]) -> _Scanner:
    whole = list(dict.fromkeys(r.pattern for r in rules if r.kind in _WHOLE_KINDS))
    inline = list(dict.fromkeys(r.pattern for r in rules if r.kind == "inline"))
    key = tuple(id(p) for p in whole) + (-1,) + tuple(id(p) for p in inline)
    scanner = _SCANNERS.get(key)
    if scanner is None:
        if len(_SCANNERS) >= 64:
            _SCANNERS.clear()
        scanner = _SCANNERS[key] = _Scanner(whole, inline)
    return scanner


def _neighbour_of(rule: Rule, paragraphs: list[_Paragraph], hits: list[int], matched: set[int],
                  step: int) -> list[Span]:
    """``hits``: the candidate paragraphs the pattern matches; ``matched``: every paragraph it matches."""
    spans = []
    for i in hits:
        p = paragraphs[i]
        j = i + step
        if 0 <= j < len(paragraphs) and j not in matched and _whole(NEIGHBOUR, paragraphs[j].text):
            q = paragraphs[j]
            # the evidence goes with the neighbour, so the next pass cannot take the following paragraph too
            spans += [(p.start, p.end, p.text), (q.start, q.end, q.text)]
    return spans


def _glued(paragraphs: list[_Paragraph], i: int, repeated: set[int]) -> bool:
    """A repeated paragraph that is part of a sentence of its (not repeated) neighbours."""
    before = i > 0 and i - 1 not in repeated and _GLUED_BEFORE.search(paragraphs[i - 1].text)
    after = i + 1 < len(paragraphs) and i + 1 not in repeated and _GLUED_AFTER.search(paragraphs[i + 1].text)
    return bool(before or after)


def _signature(paragraphs: list[_Paragraph], i: int) -> bool:
    """Paragraph ``i`` belongs to a document's signature block: the line right above or right below its date
    line (渭南市人民政府 / 2023年3月5日 / （此件公开发布）), which every document an office issues repeats and which
    is part of the document."""
    return any(0 <= j < len(paragraphs) and _DATE_LINE.fullmatch(paragraphs[j].text) is not None
               for j in (i - 1, i + 1))


def _find(rule: Rule, paragraphs: list[_Paragraph], work: str, genre: str | None, source: str | None,
          evidence: RepeatedLines | None, index: _Index | None = None) -> list[Span]:
    """Working-text spans ``(start, end, text)`` that ``rule`` removes from ``paragraphs`` (``index``: what the
    document's scanner found in them; made here when not given)."""
    if not rule.applies_to(genre, source):
        return []
    n = len(paragraphs)
    lo, hi = 0, n  # the candidates: paragraphs lo <= i < hi
    if rule.max_paragraph is not None:
        if rule.kind == "tail":
            lo = max(0, n - rule.max_paragraph)
        else:
            hi = min(n, rule.max_paragraph)
    if rule.kind in _WHOLE_KINDS + ("inline",) and (index is None or not index.knows(rule.pattern)):
        index = _scanner([rule]).index(paragraphs)
    hits = [i for i in index.matching(rule.pattern) if lo <= i < hi] if rule.kind in _WHOLE_KINDS else []
    spans: list[Span] = []
    if rule.kind in ("paragraph", "caption"):
        for i in hits:
            if rule.kind == "caption" and i == 0:
                continue
            p = paragraphs[i]
            spans.append((p.start, p.end, p.text))
    elif rule.kind == "inline":
        for i, found in index.inline_matches(rule.pattern):
            if lo <= i < hi:
                p = paragraphs[i]
                for start, end, text in found:
                    spans.append((int(p.positions[start]), int(p.positions[end - 1]) + 1, text))
    elif rule.kind == "span":
        for m in rule.pattern.finditer(work):
            if m.end() > m.start():
                spans.append((m.start(), m.end(), _SPACES.sub(" ", m.group(0)).strip()))
    elif rule.kind in ("after", "before"):
        spans = _neighbour_of(rule, paragraphs, hits, set(index.matching(rule.pattern)),
                              1 if rule.kind == "after" else -1)
    elif rule.kind == "tail":
        if hits:
            spans = [(p.start, p.end, p.text) for p in paragraphs[hits[0]:]]
    elif rule.kind == "repeated":
        if evidence is None:
            return []
        repeated = {i for i in hits if evidence.is_repeated(source, paragraphs[i].text)}
        spans = [(paragraphs[i].start, paragraphs[i].end, paragraphs[i].text) for i in sorted(repeated)
                 if not _glued(paragraphs, i, repeated) and not _signature(paragraphs, i)]
    elif rule.kind == "recurring":
        counts = Counter(paragraphs[i].text for i in hits)
        recurring = {i for i in hits if counts[paragraphs[i].text] >= RECURRING_MIN}
        spans = [(paragraphs[i].start, paragraphs[i].end, paragraphs[i].text) for i in sorted(recurring)
                 if not _glued(paragraphs, i, recurring) and not _signature(paragraphs, i)]
    elif rule.kind == "duplicate":
        groups: dict[str, list[_Paragraph]] = {}
        for p in paragraphs[lo:hi]:
            m = rule.pattern.fullmatch(p.text)
            if m and m.group("key"):
                groups.setdefault(m.group("key"), []).append(p)
        for key, members in groups.items():
            if len(members) < 2 or members[0] is not paragraphs[0]:  # a title: one copy is the first paragraph
                continue
            keep = next((p for p in members if p.text == key), members[0])
            spans.extend((p.start, p.end, p.text) for p in members if p is not keep)
    elif rule.kind == "abstract":
        for i, p in enumerate(paragraphs[lo:hi], start=lo):
            m = rule.pattern.fullmatch(p.text)
            if not m:
                continue
            body = re.sub(r"\s+", "", m.group("body")).rstrip(".…")
            rest = "".join(re.sub(r"\s+", "", q.text) for j, q in enumerate(paragraphs) if j != i)
            if len(body) >= 10 and body in rest:
                spans.append((p.start, p.end, p.text))
    return spans


def clean_document(raw: str, doc_id: str = "doc", genre: str | None = None,
                   rules: Sequence[Rule] | None = None, *, source: str | None = None,
                   evidence: RepeatedLines | None = None) -> CleanDocument:
    """Clean one raw text with ``rules`` (default: the project's rules file; ``[]`` switches removal off).

    A pure function of its arguments, so documents can be cleaned in any order, in batches or in parallel
    workers: ``genre`` and ``source`` (the document's metadata) select the rules that apply; ``evidence`` is
    the table of lines repeated across documents of a source (:func:`huayu.pipeline.evidence.repeated_lines`,
    computed by a first pass over the corpus), used by the ``repeated`` rules only.
    """
    rules = load_rules() if rules is None else list(rules)
    active = [r for r in rules if r.applies_to(genre, source)
              and (r.kind != "repeated" or (evidence is not None and evidence.has_source(source)))]
    scanner = _scanner(active)
    work, offsets = normalise(raw)
    removals: list[Removal] = []
    paragraphs = _split_paragraphs(work)  # split again after every removal, so always those of ``work``
    index = scanner.index(paragraphs)
    for _ in range(MAX_PASSES):
        fired = False
        for rule in active:
            spans = _find(rule, paragraphs, work, genre, source, evidence, index)
            if not spans:
                continue
            fired = True
            keep = np.ones(len(work), dtype=bool)
            for start, end, text in sorted(set(spans)):
                if not keep[start:end].any():
                    continue
                keep[start:end] = False
                removals.append(Removal(rule.name, text, int(offsets[start]), int(offsets[end - 1]) + 1))
            work = _delete_spans(work, keep)
            offsets = offsets[keep]
            paragraphs = _split_paragraphs(work)
            index = scanner.index(paragraphs)
        if not fired:
            break
    else:  # pragma: no cover - a rule set that keeps firing is a bug in the rules
        raise RuleError(f"{doc_id}: cleaning did not settle after {MAX_PASSES} passes; check the rules")
    return CleanDocument(doc_id=doc_id, paragraphs=[p.text for p in paragraphs],
                         paragraph_raw_starts=[int(offsets[p.start]) for p in paragraphs],
                         removals=sorted(removals, key=lambda r: r.raw_char_start))


def clean(raw: str, *, doc_id: str = "doc", genre: str | None = None, source: str | None = None,
          rules: Sequence[Rule] | None = None,
          evidence: RepeatedLines | None = None) -> tuple[str, list[tuple[str, str, str, int, int]]]:
    """``(cleaned text, cleaning-log rows)`` of one document: :func:`clean_document` in table form
    (rows ``doc_id, rule, removed_text, raw_char_start, raw_char_end``, as ``schema.CLEANING_LOG``)."""
    doc = clean_document(raw, doc_id, genre, rules, source=source, evidence=evidence)
    return doc.text, [(doc_id, r.rule, r.removed_text, r.raw_char_start, r.raw_char_end) for r in doc.removals]


def removed_mask(raw: str, doc: CleanDocument) -> np.ndarray:
    """Per raw character: ``True`` where a logged removal took it out (the cleaning scorer's prediction)."""
    mask = np.zeros(len(raw), dtype=bool)
    for r in doc.removals:
        mask[r.raw_char_start:r.raw_char_end] = True
    return mask


def _delete_spans(work: str, keep: np.ndarray) -> str:
    """``work`` without the characters where ``keep`` is False (in runs, without a per-character loop)."""
    edges = np.flatnonzero(np.diff(np.concatenate(([False], keep, [False])).astype(np.int8)))
    return "".join(work[s:e] for s, e in zip(edges[0::2], edges[1::2]))


def split_sentences(paragraph: str) -> list[tuple[int, int]]:
    """Sentence spans ``(start, end)`` in a paragraph: ends at ``。!?;…`` with their closing quotes."""
    spans = []
    start = 0
    for m in _SENTENCE_END.finditer(paragraph):
        spans.append((start, m.end()))
        start = m.end()
    spans.append((start, len(paragraph)))
    out = []
    for s, e in spans:
        while s < e and paragraph[s] == " ":
            s += 1
        while e > s and paragraph[e - 1] == " ":
            e -= 1
        if e > s:
            out.append((s, e))
    return out


PARAGRAPH_COLUMNS = schema.PARAGRAPHS.names
SENTENCE_COLUMNS = schema.SENTENCES.names
LOG_COLUMNS = schema.CLEANING_LOG.names


def document_tables(doc: CleanDocument) -> tuple[list[tuple], list[tuple], list[tuple]]:
    """Rows for the paragraphs, sentences and cleaning-log tables of one cleaned document."""
    paragraphs, sentences = [], []
    offset = 0
    sent_id = 0
    for para_id, (text, raw_start) in enumerate(zip(doc.paragraphs, doc.paragraph_raw_starts)):
        paragraphs.append((doc.doc_id, para_id, offset, offset + len(text), raw_start, text))
        for s, e in split_sentences(text):
            sentences.append((doc.doc_id, para_id, sent_id, offset + s, offset + e, text[s:e]))
            sent_id += 1
        offset += len(text) + 1
    log = [(doc.doc_id, r.rule, r.removed_text, r.raw_char_start, r.raw_char_end) for r in doc.removals]
    return paragraphs, sentences, log
