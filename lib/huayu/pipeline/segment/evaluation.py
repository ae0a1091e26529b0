"""Evaluation: the hand-segmented gold standard, SIGHAN scores, agreement between two segmentations."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from huayu.errors import ParameterError
from huayu.paths import resolve
from huayu.pipeline.segment.dictionaries import DictionaryError, _read_lines

__all__ = ["read_gold", "segmentation_scores", "compare_segmentations"]


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

