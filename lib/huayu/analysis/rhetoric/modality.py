"""Directive modality and mobilisation: rates per 1,000 tokens with bootstrap confidence intervals.

The lexicon (``data/dictionaries/modality_lexicon.csv``, columns ``word, category, gloss_en, source``)
sorts words into four categories:

``directive``     deontic modality — obligation and instruction (要, 必须, 务必, 确保, 力争 …);
``mobilisation``  the campaign register's verbs (推进, 狠抓, 攻坚, 全力以赴 …);
``commitment``    markers of resolve and adherence (坚持, 始终, 坚定不移, 决不 …);
``evaluation``    appraisal of value, positive and negative (重要, 关键, 显著, 短板 …).

Matching (:func:`modality_matches`) works on the cleaned text at token boundaries: a one-character
word must be a whole token (so 要 is never counted inside 重要, 主要 or 需要), a longer word must start
where a token starts (so 狠抓 is counted in the token 狠抓落实, and 全力以赴 whether the segmenter keeps it
whole or splits it). Overlapping matches are resolved longest first (全力以赴 counts once, as
mobilisation, not also as 全力).

Rate. For document *d* and category *c*, with :math:`x_{s}` the matches of *c* in sentence *s* and
:math:`n_{s}` its word tokens (punctuation excluded),

.. math::  r_{dc} = 1000 \\cdot \\frac{\\sum_s x_{s}}{\\sum_s n_{s}} .

Confidence interval: the nonparametric bootstrap over sentences (Efron & Tibshirani 1993, *An
Introduction to the Bootstrap*, ch. 6 and 13): draw the document's *S* sentences *S* times with
replacement, recompute :math:`r_{dc}`; repeat *B* times; the percentile interval is the
:math:`\\alpha/2` and :math:`1-\\alpha/2` quantiles of the *B* replicates. Resampling sentences, not
tokens, respects that words in one sentence are not independent. Drawing a resample is the same as
drawing multinomial counts :math:`w \\sim \\mathrm{Mult}(S; 1/S, …, 1/S)`, so all *B* replicates of all
categories are one matrix product :math:`W X` (``W``: *B × S*, ``X``: *S × C*). The generator is
``numpy.random.default_rng(random_state)``, one stream per document in document order: fixed seed, same result.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from huayu.analysis.dfm import factorize_strings, word_counts
from huayu.checks import check_columns, check_int
from huayu.errors import ParameterError
from huayu.paths import DICTIONARIES

__all__ = ["CATEGORIES", "LEXICON_PATH", "load_modality_lexicon", "modality_matches", "sentence_counts",
           "modality_rates", "bootstrap_rates"]

CATEGORIES = ("directive", "mobilisation", "commitment", "evaluation")
LEXICON_PATH = DICTIONARIES / "modality_lexicon.csv"


def load_modality_lexicon(path: str | Path | None = None) -> pd.DataFrame:
    """Read and validate the lexicon: columns ``word, category, gloss_en, source``; every category one of
    :data:`CATEGORIES`; every word non-empty and listed once."""
    path = Path(path) if path is not None else LEXICON_PATH
    if not path.is_file():
        raise ParameterError(f"lexicon={str(path)!r}: the file does not exist")
    lex = pd.read_csv(path, dtype="str", keep_default_na=False, encoding="utf-8-sig")
    check_columns("lexicon", lex, ["word", "category"])
    lex["word"] = lex["word"].str.strip()
    bad = sorted(set(lex["category"]) - set(CATEGORIES))
    if bad:
        raise ParameterError(f"lexicon {path.name}: unknown category/categories {bad}; valid: {', '.join(CATEGORIES)}")
    if (lex["word"] == "").any():
        raise ParameterError(f"lexicon {path.name}: empty word in row(s) {list(np.flatnonzero(lex['word'] == '') + 2)}")
    dup = lex.loc[lex["word"].duplicated(), "word"].tolist()
    if dup:
        raise ParameterError(f"lexicon {path.name}: word(s) listed twice: {dup}")
    return lex.reset_index(drop=True)


def _lexicon(lexicon: pd.DataFrame | str | Path | None) -> pd.DataFrame:
    if isinstance(lexicon, pd.DataFrame):
        check_columns("lexicon", lexicon, ["word", "category"])
        bad = sorted(set(lexicon["category"]) - set(CATEGORIES))
        if bad:
            raise ParameterError(f"lexicon: unknown category/categories {bad}; valid: {', '.join(CATEGORIES)}")
        return lexicon
    return load_modality_lexicon(lexicon)


def modality_matches(documents_table: pd.DataFrame, tokens: pd.DataFrame,
                     lexicon: pd.DataFrame | str | Path | None = None) -> pd.DataFrame:
    """Every lexicon match: ``doc_id, sent_id, char_start, char_end, word, category``.

    ``documents_table`` gives ``doc_id`` and ``text`` (the cleaned text), ``tokens`` the token table (token
    boundaries and sentence ids). Matching rules: see the module docstring.
    """
    check_columns("documents_table", documents_table, ["doc_id", "text"])
    check_columns("tokens", tokens, ["doc_id", "sent_id", "char_start", "char_end"])
    lex = _lexicon(lexicon)
    category = dict(zip(lex["word"], lex["category"]))
    words = sorted(category, key=lambda w: (-len(w), w))
    rows = []
    # each document's rows of the tokens table from its integer code (no per-document copy of the table)
    codes, names = factorize_strings(tokens["doc_id"])
    order = np.argsort(codes, kind="stable") if np.any(codes[1:] < codes[:-1]) else None
    bounds = np.r_[0, np.cumsum(np.bincount(codes, minlength=len(names)))]
    position = {str(d): i for i, d in enumerate(names)}
    all_starts, all_ends = tokens["char_start"].to_numpy(), tokens["char_end"].to_numpy()
    all_sents = tokens["sent_id"].to_numpy()
    for doc_id, text in zip(documents_table["doc_id"], documents_table["text"]):
        text = str(text)
        i = position.get(str(doc_id))
        if i is None or bounds[i] == bounds[i + 1]:
            continue
        span = slice(bounds[i], bounds[i + 1]) if order is None else order[bounds[i]:bounds[i + 1]]
        starts = all_starts[span]
        ends = all_ends[span]
        is_start = np.zeros(len(text) + 1, dtype=bool)
        is_start[starts] = True
        is_end = np.zeros(len(text) + 1, dtype=bool)
        is_end[ends] = True
        taken = np.zeros(len(text) + 1, dtype=bool)
        found = []
        for w in words:  # longest first: a longer word claims its characters before its parts
            pos = _find_all(text, w)
            if pos.size == 0:
                continue
            ok = is_start[pos] & (is_end[pos + len(w)] if len(w) == 1 else True)
            for p in pos[ok]:
                if not taken[p:p + len(w)].any():
                    taken[p:p + len(w)] = True
                    found.append((int(p), int(p) + len(w), w))
        if not found:
            continue
        found.sort()
        fpos = np.array([f[0] for f in found])
        by_start = np.argsort(starts, kind="stable")
        idx = np.searchsorted(starts[by_start], fpos, side="right") - 1
        sent = all_sents[span][by_start][idx]
        rows.extend((str(doc_id), int(s), a, b, w, category[w]) for (a, b, w), s in zip(found, sent))
    out = pd.DataFrame(rows, columns=["doc_id", "sent_id", "char_start", "char_end", "word", "category"])
    return out.astype({"doc_id": "str", "sent_id": "int64", "char_start": "int64", "char_end": "int64",
                       "word": "str", "category": "str"})


def _find_all(text: str, word: str) -> np.ndarray:
    """Start offsets of every (possibly overlapping) occurrence of ``word`` in ``text``."""
    out = []
    i = text.find(word)
    while i >= 0:
        out.append(i)
        i = text.find(word, i + 1)
    return np.array(out, dtype=np.int64)


def sentence_counts(matches: pd.DataFrame, tokens: pd.DataFrame,
                    categories: tuple[str, ...] | list[str] = CATEGORIES) -> pd.DataFrame:
    """One row per sentence with word tokens: ``doc_id, sent_id, n_tokens`` and one count column per
    category (sentences without matches have zeros)."""
    check_columns("matches", matches, ["doc_id", "sent_id", "category"])
    check_columns("tokens", tokens, ["doc_id", "sent_id", "is_punct"])
    categories = list(categories)
    base = word_counts(tokens, ["doc_id", "sent_id"])
    counts = (pd.crosstab([matches["doc_id"], matches["sent_id"]], matches["category"])
              .reindex(columns=categories, fill_value=0))
    counts.columns = list(counts.columns)
    out = base.merge(counts.reset_index(), on=["doc_id", "sent_id"], how="left")
    out[categories] = out[categories].fillna(0).astype("int64")
    out["n_tokens"] = out["n_tokens"].astype("int64")
    return out


def bootstrap_rates(counts: np.ndarray, totals: np.ndarray, *, n_boot: int, rng: np.random.Generator,
                    per: float = 1000.0) -> np.ndarray:
    """Bootstrap replicates of ``per * Σx / Σn`` resampling rows (sentences) with replacement.

    ``counts`` is *S × C*, ``totals`` length *S*; returns *n_boot × C*. Replicates whose resample has no
    tokens are NaN. One multinomial weight matrix *W* (*n_boot × S*: each row the counts of *S* indices drawn
    uniformly with replacement) gives all replicates as ``W @ counts``; the cost is ``n_boot × S``.
    """
    counts = np.asarray(counts, dtype=np.float64)
    totals = np.asarray(totals, dtype=np.float64)
    if counts.ndim != 2 or totals.shape != (counts.shape[0],):
        raise ParameterError(f"counts must be S × C and totals length S; got {counts.shape} and {totals.shape}")
    s = counts.shape[0]
    if s == 0:
        return np.full((n_boot, counts.shape[1]), np.nan)
    # W: each replicate's counts of S indices drawn uniformly with replacement (np.bincount of rng.integers),
    # which is a Mult(S; 1/S, …, 1/S) draw — 4× faster than rng.multinomial, which draws S binomials per row.
    draws = rng.integers(0, s, size=(n_boot, s))
    draws += np.arange(n_boot, dtype=draws.dtype)[:, None] * s
    w = np.bincount(draws.ravel(), minlength=n_boot * s).reshape(n_boot, s).astype(np.float64)
    num = w @ counts
    den = w @ totals
    with np.errstate(invalid="ignore", divide="ignore"):
        return per * num / den[:, None]


def modality_rates(matches: pd.DataFrame, tokens: pd.DataFrame, *, n_boot: int = 2000, ci: float = 0.95,
                   random_state: int = 20240601, categories: tuple[str, ...] | list[str] = CATEGORIES,
                   progress: bool = False) -> pd.DataFrame:
    """Rate per 1,000 word tokens of each category in each document, with a bootstrap percentile CI.

    Columns: ``doc_id, category, count, n_tokens, n_sentences, rate, ci_low, ci_high, n_boot, ci``.
    Documents keep the order of ``tokens``. See the module docstring for the formula and the bootstrap.
    """
    n_boot = check_int("n_boot", n_boot, minimum=1)
    if isinstance(ci, bool) or not isinstance(ci, (int, float)) or not 0 < ci < 1:
        raise ParameterError(f"ci={ci!r} must be a number strictly between 0 and 1 (e.g. 0.95)")
    random_state = check_int("random_state", random_state, minimum=0)
    categories = list(categories)
    bad = [c for c in categories if c not in CATEGORIES]
    if bad or not categories:
        raise ParameterError(f"categories={categories!r}: give one or more of {', '.join(CATEGORIES)}")
    per_sent = sentence_counts(matches, tokens, categories)
    docs = list(dict.fromkeys(tokens["doc_id"]))
    rng = np.random.default_rng(random_state)
    alpha = (1 - ci) / 2
    rows = []
    iterator = docs
    if progress:
        from tqdm.auto import tqdm
        iterator = tqdm(docs, desc="bootstrap", unit="doc", disable=None)  # a widget in Jupyter
    groups = dict(tuple(per_sent.groupby("doc_id", sort=False)))
    for doc_id in iterator:
        g = groups.get(doc_id)
        x = g[categories].to_numpy(np.float64) if g is not None else np.zeros((0, len(categories)))
        n = g["n_tokens"].to_numpy(np.float64) if g is not None else np.zeros(0)
        doc_rng = np.random.default_rng(rng.integers(0, 2**63 - 1))
        reps = bootstrap_rates(x, n, n_boot=n_boot, rng=doc_rng)
        total = n.sum()
        for j, cat in enumerate(categories):
            count = x[:, j].sum()
            rate = 1000.0 * count / total if total else np.nan
            lo, hi = (np.nanquantile(reps[:, j], [alpha, 1 - alpha]) if np.isfinite(reps[:, j]).any()
                      else (np.nan, np.nan))
            rows.append((str(doc_id), cat, int(count), int(total), int(len(n)), rate, lo, hi, n_boot, ci))
    out = pd.DataFrame(rows, columns=["doc_id", "category", "count", "n_tokens", "n_sentences", "rate", "ci_low",
                                      "ci_high", "n_boot", "ci"])
    return out.astype({"doc_id": "str", "category": "str", "count": "int64", "n_tokens": "int64",
                       "n_sentences": "int64", "n_boot": "int64"})
