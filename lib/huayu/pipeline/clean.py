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
    the page broke out of its sentence);
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
"""

from __future__ import annotations

import re
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

if TYPE_CHECKING:  # pragma: no cover
    from huayu.pipeline.evidence import RepeatedLines

DEFAULT_RULES = DICTIONARIES / "boilerplate_rules.csv"
RULE_KINDS = ("paragraph", "caption", "inline", "span", "after", "before", "tail", "repeated", "duplicate",
              "abstract")
MAX_PASSES = 50
REQUIRED_COLUMNS = ("name", "kind", "pattern", "genres", "max_paragraph", "description")
OPTIONAL_COLUMNS = ("sources",)

_CHAR_MAP = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}
_CHAR_MAP.update({0x3000: 0x20, 0x00A0: 0x20, 0x2007: 0x20, 0x202F: 0x20, 0x09: 0x20, 0x0B: 0x20, 0x0C: 0x20,
                  0x0D: 0x0A, 0x2028: 0x0A, 0x2029: 0x0A, 0x85: 0x0A})
_CHAR_MAP.update({c: 0x20 for c in range(0x2000, 0x200B)})
_FORMAT_CHARS = re.compile(r"[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]")
_HAN = r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"
#: Letter spacing: two or more single Chinese characters, each standing alone between spaces (or line ends).
_LETTER_SPACED = re.compile(rf"(?<![^ \n]){_HAN}(?: {{1,3}}{_HAN})+(?![^ \n])")
_CLOSERS = "”’\"')\\]」』》〉】"
_PARAGRAPH_BREAK = re.compile(rf"\n|([。!?:;…][{_CLOSERS}]*) +")
_SENTENCE_END = re.compile(rf"[。!?;…]+[{_CLOSERS}]*")
_SPACES = re.compile(r" {2,}")
#: The paragraph an ``after``/``before`` rule removes next to its evidence: at most 40 characters, no
#: sentence punctuation, not a numbered heading (一、 (一) 第一 1.).
NEIGHBOUR = re.compile(r"(?![一二三四五六七八九十]+、|[(（][一二三四五六七八九十\d]+[)）]|第[一二三四五六七八九十]+|\d+[.、])"
                       r"[^。!?;！？；]{2,40}")
#: A repeated paragraph is glued into a sentence when the previous paragraph ends with an opener or the next
#: starts with punctuation (a hyperlink broken out of its sentence, as Wikisource pages are exported).
_GLUED_BEFORE = re.compile(r"[《“‘「『(（\[【]$")
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


def normalise(raw: str) -> tuple[str, np.ndarray]:
    """Character-level normalisation; returns ``(text, raw_offsets)`` with one raw offset per character."""
    text = raw.translate(_CHAR_MAP)
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


@dataclass
class _Paragraph:
    start: int          # offsets into the working text
    end: int
    text: str           # spaces collapsed
    positions: np.ndarray  # working-text offset of each character of ``text``


def _split_paragraphs(work: str) -> list[_Paragraph]:
    cuts: list[tuple[int, int]] = []  # (end of previous paragraph, start of next)
    for m in _PARAGRAPH_BREAK.finditer(work):
        cuts.append((m.start(), m.end()) if m.group(1) is None else (m.end(1), m.end()))
    bounds = [0] + [x for cut in cuts for x in cut] + [len(work)]
    paragraphs = []
    for start, end in zip(bounds[0::2], bounds[1::2]):
        while start < end and work[start] == " ":
            start += 1
        while end > start and work[end - 1] == " ":
            end -= 1
        if start == end:
            continue
        raw = work[start:end]
        positions = np.arange(start, end, dtype=np.int64)
        if "  " in raw:
            keep = np.ones(len(raw), dtype=bool)
            for m in _SPACES.finditer(raw):
                keep[m.start() + 1:m.end()] = False
            positions = positions[keep]
            raw = _SPACES.sub(" ", raw)
        paragraphs.append(_Paragraph(start, end, raw, positions))
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


@lru_cache(maxsize=1 << 16)
def _whole(pattern: re.Pattern[str], text: str) -> bool:
    """``pattern`` matches all of ``text`` (memoised: rules re-run on unchanged paragraphs after each removal)."""
    return pattern.fullmatch(text) is not None


def _neighbour_of(rule: Rule, paragraphs: list[_Paragraph], candidates, step: int) -> list[Span]:
    spans = []
    for i, p in candidates:
        j = i + step
        if 0 <= j < len(paragraphs) and _whole(rule.pattern, p.text) and _whole(NEIGHBOUR, paragraphs[j].text) \
                and not _whole(rule.pattern, paragraphs[j].text):
            q = paragraphs[j]
            # the evidence goes with the neighbour, so the next pass cannot take the following paragraph too
            spans += [(p.start, p.end, p.text), (q.start, q.end, q.text)]
    return spans


def _glued(paragraphs: list[_Paragraph], i: int, repeated: set[int]) -> bool:
    """A repeated paragraph that is part of a sentence of its (not repeated) neighbours."""
    before = i > 0 and i - 1 not in repeated and _GLUED_BEFORE.search(paragraphs[i - 1].text)
    after = i + 1 < len(paragraphs) and i + 1 not in repeated and _GLUED_AFTER.search(paragraphs[i + 1].text)
    return bool(before or after)


def _find(rule: Rule, paragraphs: list[_Paragraph], work: str, genre: str | None, source: str | None,
          evidence: RepeatedLines | None) -> list[Span]:
    """Working-text spans ``(start, end, text)`` that ``rule`` removes from ``paragraphs``."""
    if not rule.applies_to(genre, source):
        return []
    candidates = list(enumerate(paragraphs))
    if rule.max_paragraph is not None:
        if rule.kind == "tail":
            candidates = candidates[max(0, len(candidates) - rule.max_paragraph):]
        else:
            candidates = candidates[: rule.max_paragraph]
    spans: list[Span] = []
    if rule.kind in ("paragraph", "caption"):
        for i, p in candidates:
            if rule.kind == "caption" and i == 0:
                continue
            if _whole(rule.pattern, p.text):
                spans.append((p.start, p.end, p.text))
    elif rule.kind == "inline":
        for _, p in candidates:
            for m in rule.pattern.finditer(p.text):
                if m.end() > m.start():
                    spans.append((int(p.positions[m.start()]), int(p.positions[m.end() - 1]) + 1, m.group(0)))
    elif rule.kind == "span":
        for m in rule.pattern.finditer(work):
            if m.end() > m.start():
                spans.append((m.start(), m.end(), _SPACES.sub(" ", m.group(0)).strip()))
    elif rule.kind in ("after", "before"):
        spans = _neighbour_of(rule, paragraphs, candidates, 1 if rule.kind == "after" else -1)
    elif rule.kind == "tail":
        first = next((i for i, p in candidates if _whole(rule.pattern, p.text)), None)
        if first is not None:
            spans = [(p.start, p.end, p.text) for p in paragraphs[first:]]
    elif rule.kind == "repeated":
        if evidence is None:
            return []
        repeated = {i for i, p in candidates if _whole(rule.pattern, p.text) and evidence.is_repeated(source, p.text)}
        spans = [(paragraphs[i].start, paragraphs[i].end, paragraphs[i].text) for i in sorted(repeated)
                 if not _glued(paragraphs, i, repeated)]
    elif rule.kind == "duplicate":
        groups: dict[str, list[_Paragraph]] = {}
        for _, p in candidates:
            m = rule.pattern.fullmatch(p.text)
            if m and m.group("key"):
                groups.setdefault(m.group("key"), []).append(p)
        for key, members in groups.items():
            if len(members) < 2 or members[0] is not paragraphs[0]:  # a title: one copy is the first paragraph
                continue
            keep = next((p for p in members if p.text == key), members[0])
            spans.extend((p.start, p.end, p.text) for p in members if p is not keep)
    elif rule.kind == "abstract":
        for i, p in candidates:
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
    work, offsets = normalise(raw)
    removals: list[Removal] = []
    for _ in range(MAX_PASSES):
        fired = False
        paragraphs = _split_paragraphs(work)
        for rule in active:
            spans = _find(rule, paragraphs, work, genre, source, evidence)
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
        if not fired:
            break
    else:  # pragma: no cover - a rule set that keeps firing is a bug in the rules
        raise RuleError(f"{doc_id}: cleaning did not settle after {MAX_PASSES} passes; check the rules")
    paragraphs = _split_paragraphs(work)
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
