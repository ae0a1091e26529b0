"""Style: sentence length, four-character expressions (四字格) and parallelism (排比).

**Sentence length** — per sentence of the sentences table, ``n_chars``: characters that are Han
characters, Latin letters or digits (punctuation and spaces excluded); with tokens also ``n_tokens``:
word tokens (``is_punct`` False). :func:`length_summary` gives per document the count, mean, standard
deviation, quartiles and maximum.

**Four-character expressions (四字格)** — the four-syllable unit is the favoured prosodic shape of formal
Chinese (Lü Shuxiang 1963, 现代汉语单双音节问题初探, 《中国语文》1963(1); Feng Shengli 1997,
《汉语的韵律、词法与句法》, Beijing University Press: the 四字格 as a compound prosodic word). Two
measures, both precise:

* ``share_4char_tokens`` — word tokens made of exactly four Han characters (idioms such as 只争朝夕 and
  other lexicalised four-character units the segmenter keeps whole) divided by all word tokens:
  :math:`T_4 / T`.
* ``share_4char_segments`` — *segments*, the maximal runs of Han characters, letters and digits between
  punctuation marks or spaces (早干快干、苦干实干 has two), of exactly four Han characters, divided by all
  segments that contain a Han character: :math:`G_4 / G`. It captures four-character phrases the
  segmenter splits (抢先抓早 → 抢先 / 抓早) but only when punctuation delimits them.

**Parallelism** — runs of consecutive clauses sharing their opening (anaphoric parallelism, 排比:
"three or more phrases or sentences of the same structure" — Huang Borong & Liao Xudong, 《现代汉语》,
增订六版, 2017, ch. 6 修辞). Parallelism works at two sizes, so runs are looked for at two levels:
*clauses*, the token stretches between ``, ; : 。 ! ? …`` (half- or full-width) within a paragraph
(要…;要…;要…), and *phrases*, which are also split at the enumeration comma 、 (坚持…、坚持…、坚持…).
A phrase-level run that lies inside a clause-level run with the same opening is not counted again.
A clause's (or phrase's) *opening* is its first word
token; ordinal openings are normalised so that an enumeration is one opening (一是, 二是 → ``N是``;
第一, 第二 → ``第N``; 一 + 要 → ``N要``). A run is a maximal sequence of at least ``min_run``
consecutive clauses of one paragraph with the same opening (要…, 要…, 要…; 坚持…、坚持…、坚持…).
Enumerations whose items are far apart (一是…。…。二是…) are the lists of :mod:`huayu.analysis.rhetoric.structure`.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from huayu.analysis.dfm import factorize_strings, word_columns, word_counts
from huayu.checks import check_columns, check_int
from huayu.errors import ParameterError

__all__ = ["sentence_lengths", "length_summary", "four_char_shares", "token_flags", "clauses", "parallel_runs",
           "parallelism_summary", "CLAUSE_PUNCT"]

_WORD_CHAR = r"[\u3400-\u4dbf\u4e00-\u9fffA-Za-z0-9]"
_HAN = r"[\u3400-\u4dbf\u4e00-\u9fff]"
#: Punctuation that ends a clause (quotation marks and brackets do not).
CLAUSE_PUNCT = frozenset(",，;；:：。!！?？…")
PHRASE_PUNCT = CLAUSE_PUNCT | {"、"}
LEVELS = ("clause", "phrase")
_ORDINAL = re.compile(r"(第?)[一二三四五六七八九十]+(是|要)?")
#: A segment (maximal run of word characters) with at least one Han character: matched from the run's start.
_HAN_SEGMENT = re.compile(rf"[A-Za-z0-9]*{_HAN}{_WORD_CHAR}*")
#: A segment of exactly four Han characters.
_FOUR_HAN_SEGMENT = re.compile(rf"(?<!{_WORD_CHAR}){_HAN}{{4}}(?!{_WORD_CHAR})")
_FOUR_HAN = re.compile(rf"{_HAN}{{4}}")


def sentence_lengths(sentences: pd.DataFrame, tokens: pd.DataFrame | None = None) -> pd.DataFrame:
    """``doc_id, sent_id, n_chars`` (+ ``n_tokens`` with ``tokens``) for every sentence."""
    check_columns("sentences", sentences, ["doc_id", "sent_id", "text"])
    out = sentences[["doc_id", "sent_id"]].copy()
    out["n_chars"] = sentences["text"].astype("str").str.count(_WORD_CHAR).astype("int64")
    if tokens is not None:
        check_columns("tokens", tokens, ["doc_id", "sent_id", "is_punct"])
        n = word_counts(tokens, ["doc_id", "sent_id"])
        out = out.merge(n, on=["doc_id", "sent_id"], how="left")
        out["n_tokens"] = out["n_tokens"].fillna(0).astype("int64")
    return out.reset_index(drop=True)


def length_summary(lengths: pd.DataFrame, column: str = "n_chars") -> pd.DataFrame:
    """Per document: ``n_sentences, mean, sd`` (ddof 1), ``q1, median, q3`` (linear interpolation,
    numpy's default) and ``max`` of ``column``. Documents keep their order of appearance."""
    check_columns("lengths", lengths, ["doc_id", column])
    g = lengths.groupby("doc_id", sort=False)[column]
    out = pd.DataFrame({
        "n_sentences": g.size(),
        "mean": g.mean(),
        "sd": g.std(ddof=1),
        "q1": g.quantile(0.25),
        "median": g.median(),
        "q3": g.quantile(0.75),
        "max": g.max(),
    })
    out.index.name = "doc_id"
    return out.reset_index()


def four_char_shares(documents_table: pd.DataFrame, tokens: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per document: ``n_segments, n_4char_segments, share_4char_segments`` and, with ``tokens``,
    ``n_tokens, n_4char_tokens, share_4char_tokens`` (definitions in the module docstring).

    Linear and without a Python loop over segments or tokens: the segments of each text are counted by two
    regular expressions (a segment with a Han character; exactly four Han characters between non-word
    characters), and a token's shape is decided once per distinct token (the categories of a dictionary-encoded
    token column) and looked up by code."""
    check_columns("documents_table", documents_table, ["doc_id", "text"])
    texts = documents_table["text"].astype("str").tolist()
    out = pd.DataFrame({"doc_id": documents_table["doc_id"].to_numpy()})
    out["n_segments"] = np.fromiter((len(_HAN_SEGMENT.findall(t)) for t in texts), dtype=np.int64, count=len(texts))
    out["n_4char_segments"] = np.fromiter((len(_FOUR_HAN_SEGMENT.findall(t)) for t in texts), dtype=np.int64,
                                          count=len(texts))
    out = out.groupby("doc_id", sort=False).sum()
    out["share_4char_segments"] = out["n_4char_segments"] / out["n_segments"].where(out["n_segments"] > 0)
    if tokens is not None:
        check_columns("tokens", tokens, ["doc_id", "token", "is_punct"])
        words = word_columns(tokens, ["doc_id", "token"])
        four = pd.Series(token_flags(words["token"], _FOUR_HAN.fullmatch), index=words.index)
        gt = four.groupby(words["doc_id"].to_numpy(), sort=False)
        out["n_tokens"] = gt.size().reindex(out.index).fillna(0).astype("int64")
        out["n_4char_tokens"] = gt.sum().reindex(out.index).fillna(0).astype("int64")
        out["share_4char_tokens"] = out["n_4char_tokens"] / out["n_tokens"].where(out["n_tokens"] > 0)
    return out.reset_index()


def token_flags(values: pd.Series, test) -> np.ndarray:
    """``test(token)`` (truthy or not) for every value of a token column, as a bool array. For a categorical
    column (the tokens as a notebook reads them) ``test`` runs once per category, not once per row."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        flags = np.fromiter((bool(test(str(c))) for c in values.cat.categories), dtype=bool,
                            count=len(values.cat.categories))
        codes = values.cat.codes.to_numpy()
        return np.where(codes >= 0, flags[np.maximum(codes, 0)], False)
    uniques, inverse = np.unique(values.astype("str").to_numpy(dtype=object), return_inverse=True)
    flags = np.fromiter((bool(test(str(u))) for u in uniques), dtype=bool, count=len(uniques))
    return flags[inverse.reshape(-1)] if len(values) else np.zeros(0, dtype=bool)


def clauses(tokens: pd.DataFrame, level: str = "clause") -> pd.DataFrame:
    """Clauses (``level="clause"``) or phrases (``"phrase"``, also split at 、) from the token table:
    ``doc_id, para_id, clause, char_start, char_end, n_tokens, opening``.

    ``clause`` counts from 0 within each document; ``char_*`` span the clause's word tokens. Vectorised on
    integer codes (a clause starts after a break or at a paragraph start: ``cumsum``; its span and size by
    ``numpy`` reductions over the runs); the opening is worked out once per distinct pair of first and second
    word, not once per clause.
    """
    check_columns("tokens", tokens, ["doc_id", "para_id", "char_start", "char_end", "token", "is_punct"])
    if level not in LEVELS:
        raise ParameterError(f"level={level!r} is not valid; valid values: {', '.join(LEVELS)}")
    columns = ["doc_id", "para_id", "clause", "char_start", "char_end", "n_tokens", "opening"]
    punct = CLAUSE_PUNCT if level == "clause" else PHRASE_PUNCT
    t = tokens.sort_values(["doc_id", "char_start"], kind="stable") if not _is_sorted(tokens) else tokens
    token_codes, token_uniques = _codes(t["token"])
    is_break_token = np.fromiter((u in punct or u == "……" for u in token_uniques), dtype=bool,
                                 count=len(token_uniques))
    is_punct = t["is_punct"].to_numpy(dtype=bool)
    breaks = is_punct & is_break_token[token_codes] if len(t) else np.zeros(0, dtype=bool)
    doc_codes, doc_uniques = _codes(t["doc_id"])
    para = t["para_id"].to_numpy()
    new_doc = np.r_[True, doc_codes[1:] != doc_codes[:-1]]
    new_para = np.r_[True, para[1:] != para[:-1]] | new_doc
    # A clause starts after a clause break or at a paragraph start.
    start_flag = new_para | np.r_[False, breaks[:-1]]
    keep = ~is_punct
    if not keep.any():
        return pd.DataFrame(columns=columns)
    clause_of = np.cumsum(start_flag, dtype=np.int64)[keep]
    codes = token_codes[keep]
    first = np.flatnonzero(np.r_[True, clause_of[1:] != clause_of[:-1]])
    n_tokens = np.diff(np.r_[first, len(codes)]).astype(np.int64)
    second_code = np.where(n_tokens > 1, codes[np.minimum(first + 1, len(codes) - 1)], -1)
    pair, pair_first = pd.factorize(codes[first].astype(np.int64) * (len(token_uniques) + 1)
                                    + (second_code.astype(np.int64) + 1), sort=False)
    words = np.asarray(token_uniques, dtype=object)
    openings = np.array([_opening(words[k // (len(token_uniques) + 1)],
                                  words[k % (len(token_uniques) + 1) - 1] if k % (len(token_uniques) + 1) else "")
                         for k in pair_first], dtype=object)
    clause_doc = doc_codes[keep][first]
    out = pd.DataFrame({
        "doc_id": np.asarray(doc_uniques, dtype=object)[clause_doc],
        "para_id": para[keep][first].astype("int64"),
        "clause": pd.Series(clause_doc).groupby(clause_doc, sort=False).cumcount().to_numpy(np.int64),
        "char_start": np.minimum.reduceat(t["char_start"].to_numpy()[keep], first).astype("int64"),
        "char_end": np.maximum.reduceat(t["char_end"].to_numpy()[keep], first).astype("int64"),
        "n_tokens": n_tokens,
        "opening": openings[pair],
    })
    return out[columns]


def _codes(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Integer codes and the values they stand for: a categorical column's own codes (no hashing, 2 or 4 bytes
    per row), else :func:`~huayu.analysis.dfm.factorize_strings`."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        codes = values.cat.codes.to_numpy()
        if not len(codes) or codes.min() >= 0:
            return codes, pd.Index(values.cat.categories.astype("str"), dtype="str")
    return factorize_strings(values)


def _is_sorted(tokens: pd.DataFrame) -> bool:
    """Whether offsets never go back within a run of one document (compared on integer codes)."""
    doc = _codes(tokens["doc_id"])[0]
    cs = tokens["char_start"].to_numpy()
    back = (cs[1:] < cs[:-1]) & (doc[1:] == doc[:-1])
    return not bool(back.any())


def _opening(first: str, second: str) -> str:
    m = _ORDINAL.fullmatch(first)
    if m is None:
        return first
    key = f"{m.group(1)}N{m.group(2) or ''}"
    if key in ("N", "第N") and second in ("是", "要"):
        key += second
    return key


def _runs(cl: pd.DataFrame, min_run: int) -> pd.DataFrame:
    change = ((cl["opening"] != cl["opening"].shift()) | (cl["para_id"] != cl["para_id"].shift())
              | (cl["doc_id"] != cl["doc_id"].shift()))
    g = cl.groupby(change.cumsum(), sort=True)
    runs = pd.DataFrame({
        "doc_id": g["doc_id"].first(),
        "para_id": g["para_id"].first(),
        "opening": g["opening"].first(),
        "n_clauses": g.size().astype("int64"),
        "char_start": g["char_start"].min(),
        "char_end": g["char_end"].max(),
    })
    return runs[runs["n_clauses"] >= min_run].reset_index(drop=True)


def parallel_runs(tokens: pd.DataFrame, documents_table: pd.DataFrame | None = None, *, min_run: int = 3) -> pd.DataFrame:
    """Runs of ≥ ``min_run`` consecutive clauses (or phrases) of one paragraph sharing their opening.

    Columns: ``doc_id, para_id, level`` (``clause`` or ``phrase``), ``opening, n_clauses, char_start,
    char_end`` and, with ``documents_table`` (``doc_id, text``), ``text`` (the run as written). Vectorised: a
    run starts wherever the opening, the paragraph or the document changes (``shift`` + ``cumsum``).
    Sorted by document (order of ``tokens``) and offset.
    """
    min_run = check_int("min_run", min_run, minimum=2)
    cols = ["doc_id", "para_id", "level", "opening", "n_clauses", "char_start", "char_end"]
    parts = []
    for level in LEVELS:
        cl = clauses(tokens, level)
        if cl.empty:
            continue
        r = _runs(cl, min_run)
        r["level"] = level
        parts.append(r)
    if not parts:
        return pd.DataFrame(columns=cols + (["text"] if documents_table is not None else []))
    runs = pd.concat(parts, ignore_index=True)[cols]
    # Drop a phrase-level run inside a clause-level run with the same opening (the same parallelism).
    cl_runs = runs[runs["level"] == "clause"]
    ph = runs[runs["level"] == "phrase"].reset_index()
    m = ph.merge(cl_runs, on=["doc_id", "opening"], suffixes=("", "_c"))
    inside = m.loc[(m["char_start"] >= m["char_start_c"]) & (m["char_end"] <= m["char_end_c"]), "index"]
    runs = runs.drop(index=inside.unique())
    order = {d: i for i, d in enumerate(dict.fromkeys(tokens["doc_id"]))}
    runs = runs.assign(_o=runs["doc_id"].map(order)).sort_values(["_o", "char_start", "level"]).drop(columns="_o")
    runs = runs.reset_index(drop=True)
    runs["doc_id"] = runs["doc_id"].astype("str")
    runs["level"] = runs["level"].astype("str")
    runs["opening"] = runs["opening"].astype("str")
    for c in ("para_id", "n_clauses", "char_start", "char_end"):
        runs[c] = runs[c].astype("int64")
    if documents_table is not None:
        check_columns("documents_table", documents_table, ["doc_id", "text"])
        texts = dict(zip(documents_table["doc_id"], documents_table["text"].astype("str")))
        runs["text"] = pd.array([texts.get(d, "")[a:b] for d, a, b in
                                 zip(runs["doc_id"], runs["char_start"], runs["char_end"])], dtype="str")
    return runs


def parallelism_summary(tokens: pd.DataFrame, *, min_run: int = 3) -> pd.DataFrame:
    """Per document: ``n_clauses`` (clause level), ``n_runs`` (both levels), ``clauses_in_runs`` (clauses
    or phrases in runs), ``share_in_runs`` (clauses of clause-level runs / all clauses),
    ``runs_per_100_clauses`` and ``longest_run``."""
    cl = clauses(tokens, "clause")
    runs = parallel_runs(tokens, min_run=min_run)
    docs = list(dict.fromkeys(cl["doc_id"]))
    n_cl = cl.groupby("doc_id", sort=False).size().reindex(docs)
    g = runs.groupby("doc_id", sort=False)
    out = pd.DataFrame({"n_clauses": n_cl,
                        "n_runs": g.size().reindex(docs).fillna(0).astype("int64"),
                        "clauses_in_runs": g["n_clauses"].sum().reindex(docs).fillna(0).astype("int64"),
                        "longest_run": g["n_clauses"].max().reindex(docs).fillna(0).astype("int64")})
    in_clause_runs = runs[runs["level"] == "clause"].groupby("doc_id", sort=False)["n_clauses"].sum()
    out["share_in_runs"] = in_clause_runs.reindex(docs).fillna(0) / out["n_clauses"]
    out["runs_per_100_clauses"] = 100 * out["n_runs"] / out["n_clauses"]
    out.index.name = "doc_id"
    return out.reset_index()
