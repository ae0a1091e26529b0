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

    A match starts where a token starts, so the candidates are found from the tokens' integer codes: a word is
    a candidate at a token whose string it begins (狠抓 in 狠抓落实; a one-character word only at a token of
    that character), decided once per distinct token; a word longer than the token that begins it (全力以赴 at
    全力) is checked in the text. Overlapping candidates are then resolved longest first, as the module
    docstring says (a Python loop only over groups of candidates that overlap). Rows in the order of
    ``documents_table``, then offset.
    """
    check_columns("documents_table", documents_table, ["doc_id", "text"])
    check_columns("tokens", tokens, ["doc_id", "sent_id", "char_start", "char_end"])
    lex = _lexicon(lexicon)
    category = dict(zip(lex["word"], lex["category"]))
    words = sorted(category, key=lambda w: (-len(w), w))  # the order of resolution: longest first, then the word
    columns = ["doc_id", "sent_id", "char_start", "char_end", "word", "category"]
    dtypes = {"doc_id": "str", "sent_id": "int64", "char_start": "int64", "char_end": "int64", "word": "str",
              "category": "str"}
    if not len(tokens) or not words:
        return pd.DataFrame(columns=columns).astype(dtypes)
    lay = _tokens.layout(tokens)
    doc_names = np.asarray(lay.names, dtype=object)[lay.doc]
    texts = {}
    order_of = {}
    for k, (doc_id, text) in enumerate(zip(documents_table["doc_id"].astype("str"), documents_table["text"])):
        texts.setdefault(doc_id, str(text))
        order_of.setdefault(doc_id, k)
    if "token" not in tokens.columns:  # the token strings from the text (a small table without them)
        doc_col = tokens["doc_id"].astype("str")
        tokens = tokens.assign(token=[texts.get(d, "")[a:b] for d, a, b in
                                      zip(doc_col, tokens["char_start"], tokens["char_end"])])
    token_codes, token_strings = _tokens.codes(tokens["token"])
    # Per distinct token: the words it begins (direct candidates) and the longer words it is a prefix of.
    direct: list[list[int]] = []
    longer: list[list[int]] = []
    by_first: dict[str, list[int]] = {}  # a word can only begin, or extend, a token with its first character
    for i, w in enumerate(words):
        by_first.setdefault(w[0], []).append(i)
    for t in token_strings.tolist():
        same = by_first.get(t[:1], ())
        direct.append([i for i in same if t.startswith(words[i]) and (len(words[i]) > 1 or t == words[i])])
        longer.append([i for i in same if len(words[i]) > len(t) and words[i].startswith(t)])
    n_direct = np.array([len(d) for d in direct], dtype=np.int64)
    has_longer = np.array([bool(x) for x in longer], dtype=bool)
    direct_flat = np.array([i for d in direct for i in d], dtype=np.int64)
    direct_first = np.r_[0, np.cumsum(n_direct)[:-1]] if len(n_direct) else np.zeros(0, dtype=np.int64)
    starts_all = tokens["char_start"].to_numpy()
    sents_all = tokens["sent_id"].to_numpy()
    word_len = np.array([len(w) for w in words], dtype=np.int64)
    cand = []  # (document position, start, word index, sent_id) arrays per block
    for i, j, lo, hi in _tokens.blocks(lay):
        tc = lay.take(token_codes, lo, hi)
        rows = np.flatnonzero((n_direct[tc] > 0) | has_longer[tc])
        if not len(rows):
            continue
        doc = i + np.searchsorted(lay.start[i:j] - lo, rows, side="right") - 1
        start = lay.take(starts_all, lo, hi)[rows].astype(np.int64)
        sent = lay.take(sents_all, lo, hi)[rows].astype(np.int64)
        code = tc[rows]
        k = n_direct[code]
        rep = np.repeat(np.arange(len(rows)), k)
        offset = np.arange(len(rep)) - np.repeat(np.cumsum(k) - k, k)
        cand.append((doc[rep], start[rep], direct_flat[direct_first[code][rep] + offset], sent[rep]))
        ext = np.flatnonzero(has_longer[code])  # a word longer than its first token: look in the text
        found = []
        for r in ext.tolist():
            text = texts.get(str(doc_names[doc[r]]))
            if text is None:
                continue
            p = int(start[r])
            found.extend((r, w) for w in longer[code[r]] if text.startswith(words[w], p))
        if found:
            r_idx = np.array([f[0] for f in found], dtype=np.int64)
            cand.append((doc[r_idx], start[r_idx], np.array([f[1] for f in found], dtype=np.int64), sent[r_idx]))
    if not cand:
        return pd.DataFrame(columns=columns).astype(dtypes)
    doc, start, word, sent = (np.concatenate(c) for c in zip(*cand))
    # only documents with a text, and one candidate per (document, start, word)
    has_text = np.array([str(d) in texts for d in doc_names], dtype=bool)[doc]
    doc, start, word, sent = doc[has_text], start[has_text], word[has_text], sent[has_text]
    o = np.lexsort((word, start, doc))
    doc, start, word, sent = doc[o], start[o], word[o], sent[o]
    dup = np.r_[False, (doc[1:] == doc[:-1]) & (start[1:] == start[:-1]) & (word[1:] == word[:-1])]
    doc, start, word, sent = doc[~dup], start[~dup], word[~dup], sent[~dup]
    end = start + word_len[word]
    keep = _resolve(doc, start, end, word)
    doc, start, end, word, sent = doc[keep], start[keep], end[keep], word[keep], sent[keep]
    # rows: documents in the order of documents_table, then offset
    doc_rank = np.array([order_of.get(str(d), -1) for d in doc_names], dtype=np.int64)[doc]
    o = np.lexsort((start, doc_rank))
    word_str = np.asarray(words, dtype=object)
    out = pd.DataFrame({"doc_id": doc_names[doc[o]], "sent_id": sent[o], "char_start": start[o],
                        "char_end": end[o], "word": word_str[word[o]],
                        "category": np.asarray([category[w] for w in words], dtype=object)[word[o]]})
    return out.astype(dtypes)


def _resolve(doc: np.ndarray, start: np.ndarray, end: np.ndarray, word: np.ndarray) -> np.ndarray:
    """Which candidates (sorted by document, then start) are kept when overlapping ones are resolved longest
    first (then by word, then by position: ``word`` is the index in that order): a candidate overlapping no
    other is kept; within a group of candidates chained by overlaps, greedily in that order."""
    n = len(start)
    keep = np.ones(n, dtype=bool)
    if n < 2:
        return keep
    # A new group starts where a candidate begins at or after the furthest end so far in its document.
    key_end = np.maximum.accumulate(end + doc * (int(end.max()) + 1))
    new = np.r_[True, (start[1:] + doc[1:] * (int(end.max()) + 1)) >= key_end[:-1]]
    first = np.flatnonzero(new)
    sizes = np.diff(np.r_[first, n])
    for g in np.flatnonzero(sizes > 1).tolist():
        idx = np.arange(first[g], first[g] + sizes[g])
        taken: list[tuple[int, int]] = []
        keep[idx] = False
        for c in sorted(idx.tolist(), key=lambda c: (int(word[c]), int(start[c]))):
            a, b = int(start[c]), int(end[c])
            if all(b <= x or a >= y for x, y in taken):
                taken.append((a, b))
                keep[c] = True
    return keep


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
            total = np.take(packed, draws).sum(axis=1, dtype=np.uint64)  # np.take: 2x faster than packed[draws]
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
