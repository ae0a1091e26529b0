"""The cleaning gold set and its scorer: character-level precision and recall of boilerplate removal.

The gold set (``tests/gold/cleaning/``, described in its README) is a folder with ``documents.csv`` (one row per
document: ``gold_id, file, source_kind, genre, source, split, origin, notes``) and ``texts/<gold_id>.txt``: each
document's raw text with its boilerplate between the markers ``⟦`` and ``⟧`` (U+27E6, U+27E7, characters no
Chinese or Latin text uses). :func:`parse_marked` strips the markers and returns the raw text with a mask of
its boilerplate characters.

Scoring (:func:`score_cleaning`) treats cleaning as a binary classification of the raw text's characters, the
positive class being *boilerplate, removed*: a character is predicted positive when a logged removal covers it
(``raw_char_start <= i < raw_char_end`` of a cleaning-log row), and is gold positive when it is annotated.
Whitespace and invisible format characters (Unicode category Cf) are not counted on either side: normalisation
drops or collapses them whatever the rules do. Over all counted characters of all documents (micro average)

    precision = TP / (TP + FP)   — the share of removed characters that are boilerplate (1 − precision is the
                                   share of the removals that were real text),
    recall    = TP / (TP + FN)   — the share of boilerplate characters that were removed,
    F1        = 2 · P · R / (P + R)

(Manning, Raghavan & Schütze 2008, *Introduction to Information Retrieval*, §8.3; character-level scoring of
boilerplate removal as in the CleanEval shared task, Baroni et al. 2008). With no removal at all precision is
reported as 1.0 (no real text was removed).

The repeated-line evidence is computed over the documents scored together (as ``prepare`` computes it over the
corpus), grouped by their ``source``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from huayu.errors import DictionaryError
from huayu.paths import ROOT
from huayu.pipeline.clean import Rule, clean_document, load_rules, removed_mask
from huayu.pipeline.evidence import RepeatedLines, gather_evidence

DEFAULT_GOLD = ROOT / "tests" / "gold" / "cleaning"
OPEN, CLOSE = "\u27e6", "\u27e7"
COLUMNS = ("gold_id", "file", "source_kind", "genre", "source", "split", "origin", "notes")


@dataclass(frozen=True)
class GoldDocument:
    """One annotated document: the raw text and, per character, whether it is boilerplate."""

    gold_id: str
    raw: str
    boilerplate: np.ndarray
    genre: str
    source: str
    split: str
    source_kind: str


def parse_marked(marked: str, *, where: str = "text") -> tuple[str, np.ndarray]:
    """``(raw text, boilerplate mask)`` of a text with ``⟦…⟧`` around its boilerplate (no nesting)."""
    raw: list[str] = []
    mask: list[bool] = []
    inside = False
    line = 1
    for ch in marked:
        if ch == OPEN:
            if inside:
                raise DictionaryError(f"{where} line {line}: {OPEN} inside a marked span (spans do not nest)")
            inside = True
        elif ch == CLOSE:
            if not inside:
                raise DictionaryError(f"{where} line {line}: {CLOSE} without an opening {OPEN}")
            inside = False
        else:
            raw.append(ch)
            mask.append(inside)
            line += ch == "\n"
    if inside:
        raise DictionaryError(f"{where}: a span opened with {OPEN} is never closed")
    return "".join(raw), np.array(mask, dtype=bool)


def read_gold(folder: str | Path = DEFAULT_GOLD, *, split: str | None = None) -> list[GoldDocument]:
    """The gold documents of ``folder`` (all, or those of one ``split``: ``dev`` or ``heldout``)."""
    folder = Path(folder)
    table = pd.read_csv(folder / "documents.csv", dtype=str, keep_default_na=False, encoding="utf-8")
    missing = [c for c in COLUMNS if c not in table.columns]
    if missing:
        raise DictionaryError(f"{folder / 'documents.csv'}: missing column(s) {', '.join(missing)}")
    docs = []
    for row in table.itertuples(index=False):
        if split is not None and row.split != split:
            continue
        path = folder / row.file
        raw, mask = parse_marked(path.read_text(encoding="utf-8"), where=str(path))
        docs.append(GoldDocument(row.gold_id, raw, mask, row.genre, row.source, row.split, row.source_kind))
    return docs


def _counted(raw: str) -> np.ndarray:
    """Characters that count: not whitespace, not an invisible format character."""
    return np.fromiter((not (ch.isspace() or unicodedata.category(ch) == "Cf") for ch in raw), dtype=bool,
                       count=len(raw))


@dataclass(frozen=True)
class CleaningScore:
    precision: float
    recall: float
    f1: float
    tp: int
    fp: int
    fn: int
    per_document: pd.DataFrame  # per document: gold_id, split, source_kind, n_chars, tp, fp, fn, precision, recall


def _ratio(a: int, b: int, empty: float) -> float:
    return a / b if b else empty


def score_cleaning(gold: Sequence[GoldDocument], rules: Sequence[Rule] | None = None, *,
                   evidence: RepeatedLines | None = None) -> CleaningScore:
    """Clean every gold document and score the removals against the annotation (see the module docstring).

    ``evidence``: the repeated-line table; by default computed over the ``gold`` documents themselves.
    """
    rules = load_rules() if rules is None else list(rules)
    if evidence is None:
        evidence = gather_evidence((d.gold_id, d.raw, d.source) for d in gold)
    rows = []
    for d in gold:
        doc = clean_document(d.raw, d.gold_id, d.genre or None, rules, source=d.source or None, evidence=evidence)
        counted = _counted(d.raw)
        removed = removed_mask(d.raw, doc) & counted
        gold = d.boilerplate & counted
        tp, fp, fn = int((removed & gold).sum()), int((removed & ~gold).sum()), int((~removed & gold).sum())
        rows.append({"gold_id": d.gold_id, "split": d.split, "source_kind": d.source_kind,
                     "n_chars": int(counted.sum()), "n_boilerplate": int(gold.sum()), "tp": tp, "fp": fp, "fn": fn,
                     "precision": _ratio(tp, tp + fp, 1.0), "recall": _ratio(tp, tp + fn, 1.0)})
    table = pd.DataFrame(rows, columns=["gold_id", "split", "source_kind", "n_chars", "n_boilerplate", "tp", "fp",
                                        "fn", "precision", "recall"])
    tp, fp, fn = int(table["tp"].sum()), int(table["fp"].sum()), int(table["fn"].sum())
    precision, recall = _ratio(tp, tp + fp, 1.0), _ratio(tp, tp + fn, 1.0)
    f1 = _ratio(2 * precision * recall, precision + recall, 0.0)
    return CleaningScore(precision, recall, f1, tp, fp, fn, table)


def errors(gold: Sequence[GoldDocument], rules: Sequence[Rule] | None = None, *,
           evidence: RepeatedLines | None = None) -> pd.DataFrame:
    """Every wrongly removed or wrongly kept run of characters: ``gold_id, error, text`` (``error``: ``removed``
    real text, or ``kept`` boilerplate) — what to read when a score drops."""
    rules = load_rules() if rules is None else list(rules)
    if evidence is None:
        evidence = gather_evidence((d.gold_id, d.raw, d.source) for d in gold)
    out = []
    for d in gold:
        doc = clean_document(d.raw, d.gold_id, d.genre or None, rules, source=d.source or None, evidence=evidence)
        counted = _counted(d.raw)
        removed = removed_mask(d.raw, doc)
        wrongs = (("removed", removed & ~d.boilerplate & counted), ("kept", ~removed & d.boilerplate & counted))
        for label, wrong in wrongs:
            edges = np.flatnonzero(np.diff(np.concatenate(([0], wrong.astype(np.int8), [0]))))
            for start, end in zip(edges[0::2], edges[1::2]):
                out.append({"gold_id": d.gold_id, "error": label, "raw_char_start": int(start),
                            "text": d.raw[start:end]})
    return pd.DataFrame(out, columns=["gold_id", "error", "raw_char_start", "text"])
