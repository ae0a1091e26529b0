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

from huayu.analysis.dfm import factorize_strings
from huayu.analysis.rhetoric import _tokens
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
    category (sentences without matches have zeros). Sentences in the order of ``tokens``."""
    check_columns("matches", matches, ["doc_id", "sent_id", "category"])
    check_columns("tokens", tokens, ["doc_id", "sent_id", "is_punct"])
    categories = list(categories)
    lay = _tokens.layout(tokens)
    doc, sent, n_words, counts = _sentence_arrays(matches, tokens, categories, lay)
    out = pd.DataFrame({"doc_id": pd.Series(np.asarray(lay.names, dtype=object)[lay.doc[doc]], dtype="str"),
                        "sent_id": sent, "n_tokens": n_words})
    for j, cat in enumerate(categories):
        out[cat] = counts[:, j]
    return out


def _sentence_arrays(matches: pd.DataFrame, tokens: pd.DataFrame, categories: list[str], lay) -> tuple:
    """``(document, sent_id, n_words, counts)``: the sentences of :func:`_tokens.sentence_words` and the
    matches of each category in each (*S × C* ``int64``), the matches placed by one ``np.searchsorted`` of
    their (document, sentence) key in the sentences' keys (increasing: documents in order, sentences in
    text order)."""
    doc, sent, n_words = _tokens.sentence_words(tokens, lay)
    counts = np.zeros((len(doc), len(categories)), dtype=np.int64)
    if len(matches) and len(doc):
        rank = pd.Series(np.arange(len(lay.doc)), index=np.asarray(lay.names, dtype=object)[lay.doc])
        m_doc = matches["doc_id"].astype("str").map(rank).to_numpy(dtype=np.float64)
        m_cat = pd.Categorical(matches["category"].astype("str"), categories=categories).codes
        m_sent = matches["sent_id"].to_numpy(np.int64)
        ok = ~np.isnan(m_doc) & (m_cat >= 0)
        width = int(max(sent.max(), m_sent.max() if len(m_sent) else 0)) + 1
        keys = doc * width + sent
        m_key = m_doc[ok].astype(np.int64) * width + m_sent[ok]
        pos = np.searchsorted(keys, m_key)
        pos_ok = pos < len(keys)
        pos_ok[pos_ok] = keys[pos[pos_ok]] == m_key[pos_ok]
        np.add.at(counts, (pos[pos_ok], m_cat[ok][pos_ok]), 1)
    return doc, sent, n_words, counts


#: Cells (replicates × sentences) of one chunk of draws in :func:`bootstrap_rates`: 32 MB of indices.
_MAX_CELLS = 1 << 22


def bootstrap_rates(counts: np.ndarray, totals: np.ndarray, *, n_boot: int, rng: np.random.Generator,
                    per: float = 1000.0) -> np.ndarray:
    """Bootstrap replicates of ``per * Σx / Σn`` resampling rows (sentences) with replacement.

    ``counts`` is *S × C*, ``totals`` length *S*; returns *n_boot × C*. Replicates whose resample has no
    tokens are NaN. Replicate *b* draws *S* row indices uniformly with replacement (``rng.integers(0, S)``);
    its numerator and denominator are the sums of the drawn rows, which equals ``W @ counts`` for the
    multinomial weights *W* ~ Mult(*S*; 1/*S*, …, 1/*S*) of the resample. The cost is ``n_boot × S`` draws;
    the draws are made ``2**22 / S`` replicates at a time (the same stream as one ``n_boot × S`` draw), so the
    memory stays a few dozen MB whatever the number of sentences. Integer counts (the usual case) are
    summed exactly as integers: the columns are packed side by side into one or two 64-bit words (each field
    wide enough for *S* times its largest value), so a chunk costs one gather-and-sum per word instead of a
    weight matrix and a product.
    """
    counts = np.asarray(counts, dtype=np.float64)
    totals = np.asarray(totals, dtype=np.float64)
    if counts.ndim != 2 or totals.shape != (counts.shape[0],):
        raise ParameterError(f"counts must be S × C and totals length S; got {counts.shape} and {totals.shape}")
    s, c = counts.shape
    if s == 0:
        return np.full((n_boot, c), np.nan)
    values = np.column_stack([counts, totals])
    words = _pack(values, s)
    sums = np.empty((n_boot, c + 1), dtype=np.float64)
    step = max(1, _MAX_CELLS // s)
    for b0 in range(0, n_boot, step):
        b1 = min(n_boot, b0 + step)
        draws = rng.integers(0, s, size=(b1 - b0, s))
        if words is None:  # non-integer values: the multinomial weights and a matrix product
            draws += np.arange(b1 - b0, dtype=draws.dtype)[:, None] * s
            w = np.bincount(draws.ravel(), minlength=(b1 - b0) * s).reshape(b1 - b0, s).astype(np.float64)
            sums[b0:b1] = w @ values
            continue
        for packed, fields in words:
            total = packed[draws].sum(axis=1, dtype=np.uint64)
            for col, shift, mask in fields:
                sums[b0:b1, col] = (total >> np.uint64(shift)) & np.uint64(mask)
    with np.errstate(invalid="ignore", divide="ignore"):
        return per * sums[:, :c] / sums[:, c:]


def _pack(values: np.ndarray, s: int) -> list | None:
    """The columns of a non-negative integer matrix packed into 64-bit words: ``[(packed, [(column, shift,
    mask), …]), …]``; each field has the bits of ``s × max(column)``, the largest sum of ``s`` rows, so the
    sums of the packed words never carry from one field into the next. ``None`` when a value is not a
    non-negative integer (or a field would not fit a word)."""
    if not np.all(np.isfinite(values)) or np.any(values < 0) or np.any(values != np.floor(values)):
        return None
    ints = values.astype(np.uint64)
    words, current, used = [], [], 0
    for col in range(values.shape[1]):
        bits = max(1, int(int(values[:, col].max()) * s).bit_length())
        if bits > 64:
            return None
        if used + bits > 64:
            words.append(current)
            current, used = [], 0
        current.append((col, used, (1 << bits) - 1))
        used += bits
    words.append(current)
    out = []
    for fields in words:
        packed = np.zeros(len(ints), dtype=np.uint64)
        for col, shift, _ in fields:
            packed |= ints[:, col] << np.uint64(shift)
        out.append((packed, fields))
    return out


def modality_rates(matches: pd.DataFrame, tokens: pd.DataFrame, *, n_boot: int = 2000, ci: float = 0.95,
                   random_state: int = 20240601, categories: tuple[str, ...] | list[str] = CATEGORIES,
                   progress: bool = False) -> pd.DataFrame:
    """Rate per 1,000 word tokens of each category in each document, with a bootstrap percentile CI.

    Columns: ``doc_id, category, count, n_tokens, n_sentences, rate, ci_low, ci_high, n_boot, ci``.
    Documents keep the order of ``tokens``. See the module docstring for the formula and the bootstrap.
    The per-sentence counts are arrays (one row per sentence, documents as runs of rows); the bootstrap runs
    document by document (:func:`bootstrap_rates`): time ``n_boot × sentences``, memory of one document.
    """
    n_boot = check_int("n_boot", n_boot, minimum=1)
    if isinstance(ci, bool) or not isinstance(ci, (int, float)) or not 0 < ci < 1:
        raise ParameterError(f"ci={ci!r} must be a number strictly between 0 and 1 (e.g. 0.95)")
    random_state = check_int("random_state", random_state, minimum=0)
    categories = list(categories)
    bad = [c for c in categories if c not in CATEGORIES]
    if bad or not categories:
        raise ParameterError(f"categories={categories!r}: give one or more of {', '.join(CATEGORIES)}")
    check_columns("matches", matches, ["doc_id", "sent_id", "category"])
    check_columns("tokens", tokens, ["doc_id", "sent_id", "is_punct"])
    lay = _tokens.layout(tokens)
    doc, _, n_words, counts = _sentence_arrays(matches, tokens, categories, lay)
    names = np.asarray(lay.names, dtype=object)[lay.doc]
    bounds = np.searchsorted(doc, np.arange(len(names) + 1))  # sentences of document i: bounds[i]:bounds[i+1]
    rng = np.random.default_rng(random_state)
    alpha = (1 - ci) / 2
    rows = []
    iterator = range(len(names))
    if progress:
        from tqdm.auto import tqdm
        iterator = tqdm(iterator, desc="bootstrap", unit="doc", disable=None)  # a widget in Jupyter
    for i in iterator:
        x = counts[bounds[i]:bounds[i + 1]].astype(np.float64)
        n = n_words[bounds[i]:bounds[i + 1]].astype(np.float64)
        doc_rng = np.random.default_rng(rng.integers(0, 2**63 - 1))
        reps = bootstrap_rates(x, n, n_boot=n_boot, rng=doc_rng)
        total = n.sum()
        if np.isfinite(reps).all():
            q = np.array([np.quantile(reps[:, j], [alpha, 1 - alpha]) for j in range(len(categories))]).T
        else:
            q = np.array([np.nanquantile(reps[:, j], [alpha, 1 - alpha]) if np.isfinite(reps[:, j]).any()
                          else (np.nan, np.nan) for j in range(len(categories))]).T
        for j, cat in enumerate(categories):
            count = x[:, j].sum()
            rate = 1000.0 * count / total if total else np.nan
            rows.append((str(names[i]), cat, int(count), int(total), int(len(n)), rate, q[0, j], q[1, j], n_boot, ci))
    out = pd.DataFrame(rows, columns=["doc_id", "category", "count", "n_tokens", "n_sentences", "rate", "ci_low",
                                      "ci_high", "n_boot", "ci"])
    return out.astype({"doc_id": "str", "category": "str", "count": "int64", "n_tokens": "int64",
                       "n_sentences": "int64", "n_boot": "int64"})
