"""Cleaning: remove web boilerplate (every removal logged), normalise, split paragraphs and sentences.

The rules are data: ``data/dictionaries/boilerplate_rules.csv``, one row per rule with columns

``name``
    what the audit log calls it;
``kind``
    ``paragraph`` — remove a paragraph the pattern matches *as a whole* (``re.fullmatch``);
    ``inline`` — remove every match *inside* a paragraph (e.g. a watermark URL);
    ``caption`` — like ``paragraph``, but never the document's first paragraph (its title);
    ``duplicate`` — among paragraphs the pattern matches, those sharing the named group ``key`` are one
    repeated title: keep one copy (the first whose whole text *is* the key, else the first) and remove
    the others;
    ``abstract`` — remove a paragraph whose named group ``body`` repeats text found elsewhere in the
    document (whitespace ignored), such as a site's ``【摘要】`` that copies a body paragraph;
``pattern``
    a Python regular expression;
``genres``
    ``;``-separated genres the rule applies to (empty: all);
``max_paragraph``
    only paragraphs at index < this are candidates (empty: all);
``description``
    why the rule exists, with an example.

Rules run in file order; whenever one removes something the paragraphs are split again and the rules
start over, until none fires. The result is therefore a fixed point, which makes cleaning idempotent.

Normalisation, before any rule: full-width ASCII (U+FF01–FF5E) to half-width, every Unicode space
(U+3000, NBSP, tabs …) to a plain space, ``\\r`` to a line break, zero-width and other format characters
(Unicode category Cf, e.g. U+200B, U+FEFF) dropped; runs of spaces inside a paragraph collapse to one.
Each character keeps its offset in the raw (decoded) text, so the log can point into it.

Paragraphs are lines; a line is also split where a space follows sentence-final punctuation
(``。!?:;…`` with any closing quotes or brackets), which is how some sites join paragraphs on one line.
Sentences end at ``。!?;…`` (after normalisation also ``！？；``) and take their closing quotes along.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from huayu import schema
from huayu.errors import RuleError
from huayu.paths import DICTIONARIES

DEFAULT_RULES = DICTIONARIES / "boilerplate_rules.csv"
RULE_KINDS = ("paragraph", "inline", "caption", "duplicate", "abstract")
MAX_PASSES = 50

_CHAR_MAP = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}
_CHAR_MAP.update({0x3000: 0x20, 0x00A0: 0x20, 0x2007: 0x20, 0x202F: 0x20, 0x09: 0x20, 0x0B: 0x20, 0x0C: 0x20,
                  0x0D: 0x0A, 0x2028: 0x0A, 0x2029: 0x0A, 0x85: 0x0A})
_CHAR_MAP.update({c: 0x20 for c in range(0x2000, 0x200B)})
_FORMAT_CHARS = re.compile(r"[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]")
_CLOSERS = "”’\"')\\]」』》〉】"
_PARAGRAPH_BREAK = re.compile(rf"\n|([。!?:;…][{_CLOSERS}]*) +")
_SENTENCE_END = re.compile(rf"[。!?;…]+[{_CLOSERS}]*")
_SPACES = re.compile(r" {2,}")


@dataclass(frozen=True)
class Rule:
    """One boilerplate rule (a row of the rules file)."""

    name: str
    kind: str
    pattern: re.Pattern[str]
    genres: frozenset[str] = frozenset()
    max_paragraph: int | None = None
    description: str = ""

    def applies_to(self, genre: str | None) -> bool:
        return not self.genres or genre in self.genres


def load_rules(path: str | Path = DEFAULT_RULES) -> list[Rule]:
    """Read and check a rules CSV; every bad row is reported with its line number."""
    path = Path(path)
    table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig", comment=None)
    required = ["name", "kind", "pattern", "genres", "max_paragraph", "description"]
    missing = [c for c in required if c not in table.columns]
    if missing:
        raise RuleError(f"{path}: missing column(s) {', '.join(missing)}; required: {', '.join(required)}")
    rules: list[Rule] = []
    errors: list[str] = []
    for i, row in enumerate(table.to_dict("records")):
        where = f"{path} line {i + 2} (rule {row['name']!r})"
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
        rules.append(Rule(row["name"], row["kind"], pattern, genres, max_paragraph, row["description"]))
    if errors:
        raise RuleError("\n".join(errors))
    return rules


def normalise(raw: str) -> tuple[str, np.ndarray]:
    """Character-level normalisation; returns ``(text, raw_offsets)`` with one raw offset per character."""
    text = raw.translate(_CHAR_MAP)
    offsets = np.arange(len(text), dtype=np.int64)
    drops = [m.start() for m in _FORMAT_CHARS.finditer(text)]
    if drops:
        keep = np.ones(len(text), dtype=bool)
        keep[drops] = False
        text = _FORMAT_CHARS.sub("", text)
        offsets = offsets[keep]
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


def _find(rule: Rule, paragraphs: list[_Paragraph], genre: str | None) -> list[tuple[int, int, str]]:
    """Working-text spans ``(start, end, text)`` that ``rule`` removes from ``paragraphs``."""
    if not rule.applies_to(genre):
        return []
    candidates = list(enumerate(paragraphs))
    if rule.max_paragraph is not None:
        candidates = candidates[: rule.max_paragraph]
    spans: list[tuple[int, int, str]] = []
    if rule.kind in ("paragraph", "caption"):
        for i, p in candidates:
            if rule.kind == "caption" and i == 0:
                continue
            if rule.pattern.fullmatch(p.text):
                spans.append((p.start, p.end, p.text))
    elif rule.kind == "inline":
        for _, p in candidates:
            for m in rule.pattern.finditer(p.text):
                if m.end() > m.start():
                    spans.append((int(p.positions[m.start()]), int(p.positions[m.end() - 1]) + 1, m.group(0)))
    elif rule.kind == "duplicate":
        groups: dict[str, list[_Paragraph]] = {}
        for _, p in candidates:
            m = rule.pattern.fullmatch(p.text)
            if m and m.group("key"):
                groups.setdefault(m.group("key"), []).append(p)
        for key, members in groups.items():
            if len(members) < 2:
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
                   rules: Sequence[Rule] | None = None) -> CleanDocument:
    """Clean one raw text with ``rules`` (default: the project's rules file; ``[]`` switches removal off)."""
    rules = load_rules() if rules is None else list(rules)
    work, offsets = normalise(raw)
    removals: list[Removal] = []
    for _ in range(MAX_PASSES):
        paragraphs = _split_paragraphs(work)
        for rule in rules:
            spans = _find(rule, paragraphs, genre)
            if spans:
                break
        else:
            break
        keep = np.ones(len(work), dtype=bool)
        for start, end, text in sorted(set(spans)):
            if not keep[start:end].any():
                continue
            keep[start:end] = False
            removals.append(Removal(rule.name, text, int(offsets[start]), int(offsets[end - 1]) + 1))
        work = _delete_spans(work, keep)
        offsets = offsets[keep]
    else:  # pragma: no cover - a rule set that keeps firing is a bug in the rules
        raise RuleError(f"{doc_id}: cleaning did not settle after {MAX_PASSES} passes; check the rules")
    paragraphs = _split_paragraphs(work)
    return CleanDocument(doc_id=doc_id, paragraphs=[p.text for p in paragraphs],
                         paragraph_raw_starts=[int(offsets[p.start]) for p in paragraphs],
                         removals=sorted(removals, key=lambda r: r.raw_char_start))


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
