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

from huayu.analysis.rhetoric import _tokens
from huayu.checks import check_columns, check_int
from huayu.errors import ParameterError

__all__ = ["sentence_lengths", "length_summary", "four_char_shares", "token_flags", "clauses", "parallel_runs",
           "parallelism_summary", "word_char_counts", "segment_counts", "CLAUSE_PUNCT"]

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
    """``doc_id, sent_id, n_chars`` (+ ``n_tokens`` with ``tokens``) for every sentence.

    ``n_tokens`` is counted on the tokens' integer codes (:func:`huayu.analysis.rhetoric._tokens.sentence_words`:
    runs of ``sent_id`` in each document's rows) and placed by one ``np.searchsorted`` of the sentences'
    (document, sentence) keys; a sentence without word tokens has 0."""
    check_columns("sentences", sentences, ["doc_id", "sent_id", "text"])
    out = sentences[["doc_id", "sent_id"]].copy()
    out["n_chars"] = word_char_counts(sentences["text"].astype("str"))
    if tokens is not None:
        check_columns("tokens", tokens, ["doc_id", "sent_id", "is_punct"])
        lay = _tokens.layout(tokens)
        doc, sent, n_words = _tokens.sentence_words(tokens, lay)
        n = np.zeros(len(out), dtype=np.int64)
        if len(doc) and len(out):
            rank = pd.Series(np.arange(len(lay.doc)), index=np.asarray(lay.names, dtype=object)[lay.doc])
            s_doc = out["doc_id"].astype("str").map(rank).to_numpy(dtype=np.float64)
            s_sent = out["sent_id"].to_numpy(np.int64)
            ok = ~np.isnan(s_doc)
            width = int(max(sent.max(), s_sent.max())) + 1
            keys = doc * width + sent
            want = s_doc[ok].astype(np.int64) * width + s_sent[ok]
            pos = np.minimum(np.searchsorted(keys, want), len(keys) - 1)
            found = keys[pos] == want
            vals = np.zeros(len(want), dtype=np.int64)
            vals[found] = n_words[pos[found]]
            n[ok] = vals
        out["n_tokens"] = n
    return out.reset_index(drop=True)


#: Code point ranges of the word characters (``_WORD_CHAR``): Han (Extension A and the basic block), A–Z, a–z, 0–9.
_WORD_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0x41, 0x5A), (0x61, 0x7A), (0x30, 0x39))


def word_char_counts(texts: pd.Series, *, chunk: int = 50_000) -> np.ndarray:
    """How many characters of each text match ``_WORD_CHAR`` (``int64``), ``chunk`` texts at a time: the texts
    joined and read as UTF-32 code points, classified by range in ``numpy`` and summed per text
    (``np.add.reduceat``) — the counts of ``str.count(_WORD_CHAR)`` without a regular expression per text."""
    values = texts.tolist()
    out = np.zeros(len(values), dtype=np.int64)
    if not all(isinstance(v, str) for v in values):  # a missing text: the regular expression, as before
        return texts.str.count(_WORD_CHAR).astype("int64").to_numpy()
    for a in range(0, len(values), chunk):
        part = values[a:a + chunk]
        lengths = np.fromiter(map(len, part), dtype=np.int64, count=len(part))
        codes = np.frombuffer("".join(part).encode("utf-32-le"), dtype=np.uint32)
        word = np.zeros(len(codes), dtype=bool)
        for lo, hi in _WORD_RANGES:
            word |= (codes >= lo) & (codes <= hi)
        starts = np.r_[0, np.cumsum(lengths)[:-1]]
        nonempty = lengths > 0
        counts = np.zeros(len(part), dtype=np.int64)
        if nonempty.any():
            counts[nonempty] = np.add.reduceat(word, starts[nonempty], dtype=np.int64)
        out[a:a + len(part)] = counts
    return out


def segment_counts(texts: list[str], *, chunk_chars: int = 8_000_000) -> tuple[np.ndarray, np.ndarray]:
    """Per text: the segments (maximal runs of word characters) with a Han character, and those of exactly four
    Han characters — the matches of ``_HAN_SEGMENT`` and ``_FOUR_HAN_SEGMENT`` — counted on UTF-32 code points
    in ``numpy``: texts joined (a newline between them, so no run crosses two texts) about ``chunk_chars``
    characters at a time, runs found by ``np.diff`` of the word-character mask, Han characters per run by
    ``np.add.reduceat``."""
    n_seg = np.zeros(len(texts), dtype=np.int64)
    n_four = np.zeros(len(texts), dtype=np.int64)
    a = 0
    while a < len(texts):
        b, size = a, 0
        while b < len(texts) and (b == a or size + len(texts[b]) <= chunk_chars):
            size += len(texts[b]) + 1
            b += 1
        part = texts[a:b]
        codes = np.frombuffer("\n".join(part).encode("utf-32-le"), dtype=np.uint32)
        han = ((codes >= 0x3400) & (codes <= 0x4DBF)) | ((codes >= 0x4E00) & (codes <= 0x9FFF))
        word = han.copy()
        for lo, hi in _WORD_RANGES[2:]:
            word |= (codes >= lo) & (codes <= hi)
        edges = np.diff(np.r_[0, word.view(np.int8), 0])
        run_start, run_end = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
        if len(run_start):
            n_han = np.add.reduceat(han, run_start, dtype=np.int64)
            length = run_end - run_start
            # the text of each run: the newlines before its start
            text_of = np.searchsorted(np.cumsum([len(t) + 1 for t in part]), run_start, side="right")
            n_seg[a:b] = np.bincount(text_of, weights=n_han > 0, minlength=len(part)).astype(np.int64)
            n_four[a:b] = np.bincount(text_of, weights=(length == 4) & (n_han == 4), minlength=len(part)).astype(np.int64)
        a = b
    return n_seg, n_four


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
    token column) and looked up by code; the counts per document are sums over each document's run of rows
    (``np.add.reduceat``), block by block."""
    check_columns("documents_table", documents_table, ["doc_id", "text"])
    texts = documents_table["text"].astype("str").tolist()
    out = pd.DataFrame({"doc_id": documents_table["doc_id"].to_numpy()})
    out["n_segments"], out["n_4char_segments"] = segment_counts(texts)
    out = out.groupby("doc_id", sort=False).sum()
    out["share_4char_segments"] = out["n_4char_segments"] / out["n_segments"].where(out["n_segments"] > 0)
    if tokens is not None:
        check_columns("tokens", tokens, ["doc_id", "token", "is_punct"])
        n_words, n_four = _four_char_tokens(tokens)
        out["n_tokens"] = n_words.reindex(out.index).fillna(0).astype("int64")
        out["n_4char_tokens"] = n_four.reindex(out.index).fillna(0).astype("int64")
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


def _four_char_tokens(tokens: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Word tokens and word tokens of exactly four Han characters per document (``doc_id`` index)."""
    lay = _tokens.layout(tokens, offsets=None)
    values = tokens["token"]
    if isinstance(values.dtype, pd.CategoricalDtype):  # decided once per category, looked up block by block
        cats = values.cat.categories
        per_category = np.r_[np.fromiter((bool(_FOUR_HAN.fullmatch(str(c))) for c in cats), dtype=bool,
                                         count=len(cats)), False]  # code -1 (missing) → the last entry
        codes_all, four_all = values.cat.codes.to_numpy(), None
    else:
        four_all = token_flags(values, _FOUR_HAN.fullmatch)
    punct_all = tokens["is_punct"].to_numpy(dtype=bool)
    n_words = np.zeros(len(lay.doc), dtype=np.int64)
    n_four = np.zeros(len(lay.doc), dtype=np.int64)
    for i, j, lo, hi in _tokens.blocks(lay):
        word = ~lay.take(punct_all, lo, hi)
        four = per_category[lay.take(codes_all, lo, hi)] if four_all is None else lay.take(four_all, lo, hi)
        first = lay.start[i:j] - lo
        n_words[i:j] = np.add.reduceat(word, first, dtype=np.int64)
        n_four[i:j] = np.add.reduceat(four & word, first, dtype=np.int64)
    index = pd.Index(np.asarray(lay.names, dtype=object)[lay.doc], dtype="str")
    return pd.Series(n_words, index=index), pd.Series(n_four, index=index)


def clauses(tokens: pd.DataFrame, level: str = "clause") -> pd.DataFrame:
    """Clauses (``level="clause"``) or phrases (``"phrase"``, also split at 、) from the token table:
    ``doc_id, para_id, clause, char_start, char_end, n_tokens, opening``.

    ``clause`` counts from 0 within each document; ``char_*`` span the clause's word tokens. Vectorised on
    integer codes (:func:`_clause_arrays`: a clause starts after a break or at a paragraph start; its span and
    size by ``numpy`` reductions over the runs), document block by document block, so the temporary arrays
    are those of a block, not of the whole table; the opening is worked out once per distinct pair of first
    and second word, not once per clause.
    """
    columns = ["doc_id", "para_id", "clause", "char_start", "char_end", "n_tokens", "opening"]
    cl = _clause_arrays(tokens, level)
    if not len(cl["doc"]):
        return pd.DataFrame(columns=columns)
    out = pd.DataFrame({
        "doc_id": cl["names"][cl["doc"]],
        "para_id": cl["para"].astype(np.int64),
        "clause": cl["clause"].astype(np.int64),
        "char_start": cl["char_start"].astype(np.int64),
        "char_end": cl["char_end"].astype(np.int64),
        "n_tokens": cl["n_tokens"].astype(np.int64),
        "opening": cl["openings"][cl["opening"]],
    })
    return out[columns]


def _clause_arrays(tokens: pd.DataFrame, level: str) -> dict:
    """The clauses of :func:`clauses` as arrays: ``doc`` (position in ``names``, documents in order of first
    appearance), ``para``, ``clause``, ``char_start``, ``char_end``, ``n_tokens`` (``int32``), ``opening`` (codes
    into the object array ``openings``) and ``names`` (object array of the doc_ids)."""
    check_columns("tokens", tokens, ["doc_id", "para_id", "char_start", "char_end", "token", "is_punct"])
    if level not in LEVELS:
        raise ParameterError(f"level={level!r} is not valid; valid values: {', '.join(LEVELS)}")
    punct_set = CLAUSE_PUNCT if level == "clause" else PHRASE_PUNCT
    lay = _tokens.layout(tokens)
    token_codes_all, token_uniques = _tokens.codes(tokens["token"])
    n_types = len(token_uniques) + 1
    words = np.asarray(token_uniques, dtype=object)
    is_break_token = np.fromiter((u in punct_set or u == "……" for u in words), dtype=bool, count=len(words))
    punct_all = tokens["is_punct"].to_numpy(dtype=bool)
    para_all = tokens["para_id"].to_numpy()
    start_all, end_all = tokens["char_start"].to_numpy(), tokens["char_end"].to_numpy()
    opening_code: dict[int, int] = {}  # (first, second word) → opening code
    text_code: dict[str, int] = {}  # opening → code: one code per distinct opening
    openings: list[str] = []
    parts = []
    for i, j, lo, hi in _tokens.blocks(lay):
        tc = lay.take(token_codes_all, lo, hi)
        is_punct = lay.take(punct_all, lo, hi)
        para = lay.take(para_all, lo, hi)
        breaks = is_punct & is_break_token[tc]
        new_para = np.r_[True, para[1:] != para[:-1]]
        new_para[lay.start[i:j] - lo] = True  # every document starts a paragraph
        # A clause starts after a clause break or at a paragraph start.
        start_flag = new_para
        start_flag[1:] |= breaks[:-1]
        keep = np.flatnonzero(~is_punct)
        if not len(keep):
            continue
        clause_of = np.cumsum(start_flag, dtype=np.int64)[keep]
        codes = tc[keep].astype(np.int64)
        first = np.flatnonzero(np.r_[True, clause_of[1:] != clause_of[:-1]])
        n_tokens = np.diff(np.r_[first, len(codes)]).astype(np.int64)
        second = np.where(n_tokens > 1, codes[np.minimum(first + 1, len(codes) - 1)], -1)
        pair = codes[first] * n_types + (second + 1)
        uniq, inverse = np.unique(pair, return_inverse=True)
        local = np.empty(len(uniq), dtype=np.int64)
        for k, key in enumerate(uniq.tolist()):
            code = opening_code.get(key)
            if code is None:
                second_word = words[key % n_types - 1] if key % n_types else ""
                text = _opening(words[key // n_types], second_word)
                code = text_code.get(text)
                if code is None:
                    code = text_code[text] = len(openings)
                    openings.append(text)
                opening_code[key] = code
            local[k] = code
        first_rows = keep[first]
        doc = i + np.searchsorted(lay.start[i:j] - lo, first_rows, side="right") - 1
        doc_first = np.r_[True, doc[1:] != doc[:-1]]
        run_start = np.flatnonzero(doc_first)
        clause = np.arange(len(doc), dtype=np.int64) - np.repeat(run_start, np.diff(np.r_[run_start, len(doc)]))
        parts.append({  # int32: 7 million clauses at 10,000 documents, 28 MB per column
            "doc": doc.astype(np.int32),
            "para": para[first_rows].astype(np.int32),
            "clause": clause.astype(np.int32),
            "char_start": np.minimum.reduceat(lay.take(start_all, lo, hi)[keep], first).astype(np.int32),
            "char_end": np.maximum.reduceat(lay.take(end_all, lo, hi)[keep], first).astype(np.int32),
            "n_tokens": n_tokens.astype(np.int32),
            "opening": local[inverse.reshape(-1)].astype(np.int32),
        })
    keys = ["doc", "para", "clause", "char_start", "char_end", "n_tokens", "opening"]
    out = {k: (np.concatenate([p[k] for p in parts]) if parts else np.zeros(0, dtype=np.int32)) for k in keys}
    out["names"] = np.asarray(lay.names, dtype=object)[lay.doc]
    out["openings"] = np.array(openings, dtype=object)
    return out


def _opening(first: str, second: str) -> str:
    m = _ORDINAL.fullmatch(first)
    if m is None:
        return first
    key = f"{m.group(1)}N{m.group(2) or ''}"
    if key in ("N", "第N") and second in ("是", "要"):
        key += second
    return key


def _runs(cl: dict, min_run: int) -> dict:
    """Maximal runs of consecutive clauses of one paragraph with one opening (a run starts where the opening,
    the paragraph or the document changes), of at least ``min_run`` clauses: arrays ``doc, para, opening,
    n_clauses, char_start, char_end``."""
    doc, para, opening = cl["doc"], cl["para"], cl["opening"]
    if not len(doc):
        return {k: np.zeros(0, dtype=np.int64) for k in ("doc", "para", "opening", "n_clauses", "char_start",
                                                          "char_end")}
    change = np.r_[True, (opening[1:] != opening[:-1]) | (para[1:] != para[:-1]) | (doc[1:] != doc[:-1])]
    first = np.flatnonzero(change)
    n = np.diff(np.r_[first, len(doc)]).astype(np.int64)
    ok = n >= min_run
    return {"doc": doc[first][ok], "para": para[first][ok], "opening": opening[first][ok], "n_clauses": n[ok],
            "char_start": np.minimum.reduceat(cl["char_start"], first)[ok],
            "char_end": np.maximum.reduceat(cl["char_end"], first)[ok]}


def parallel_runs(tokens: pd.DataFrame, documents_table: pd.DataFrame | None = None, *, min_run: int = 3) -> pd.DataFrame:
    """Runs of ≥ ``min_run`` consecutive clauses (or phrases) of one paragraph sharing their opening.

    Columns: ``doc_id, para_id, level`` (``clause`` or ``phrase``), ``opening, n_clauses, char_start,
    char_end`` and, with ``documents_table`` (``doc_id, text``), ``text`` (the run as written). Vectorised: a
    run starts wherever the opening, the paragraph or the document changes (on the clauses' integer codes).
    Sorted by document (order of ``tokens``) and offset.
    """
    min_run = check_int("min_run", min_run, minimum=2)
    runs = _parallel_runs([_level_runs(_clause_arrays(tokens, level), level, min_run) for level in LEVELS])
    if documents_table is not None:
        check_columns("documents_table", documents_table, ["doc_id", "text"])
        texts = dict(zip(documents_table["doc_id"].astype("str"), documents_table["text"].astype("str")))
        runs["text"] = pd.array([texts.get(d, "")[a:b] for d, a, b in
                                 zip(runs["doc_id"], runs["char_start"], runs["char_end"])], dtype="str")
    return runs


def _level_runs(cl: dict, level: str, min_run: int) -> pd.DataFrame | None:
    """The runs of one level's :func:`_clause_arrays` as a table (``_o``: the document's position), or ``None``."""
    r = _runs(cl, min_run)
    if not len(r["doc"]):
        return None
    return pd.DataFrame({"_o": r["doc"].astype(np.int64), "doc_id": cl["names"][r["doc"]],
                         "para_id": r["para"].astype(np.int64), "level": level,
                         "opening": cl["openings"][r["opening"]], "n_clauses": r["n_clauses"].astype(np.int64),
                         "char_start": r["char_start"].astype(np.int64), "char_end": r["char_end"].astype(np.int64)})


def _parallel_runs(parts: list) -> pd.DataFrame:
    """:func:`parallel_runs` (without the text) from the :func:`_level_runs` of both levels."""
    cols = ["doc_id", "para_id", "level", "opening", "n_clauses", "char_start", "char_end"]
    parts = [p for p in parts if p is not None]
    if not parts:
        return pd.DataFrame(columns=cols)
    runs = pd.concat(parts, ignore_index=True)
    # Drop a phrase-level run inside a clause-level run with the same opening (the same parallelism).
    cl_runs = runs[runs["level"] == "clause"]
    ph = runs[runs["level"] == "phrase"].reset_index()
    m = ph.merge(cl_runs, on=["doc_id", "opening"], suffixes=("", "_c"))
    inside = m.loc[(m["char_start"] >= m["char_start_c"]) & (m["char_end"] <= m["char_end_c"]), "index"]
    runs = runs.drop(index=inside.unique())
    runs = runs.sort_values(["_o", "char_start", "level"])[cols].reset_index(drop=True)
    runs["doc_id"] = runs["doc_id"].astype("str")
    runs["level"] = runs["level"].astype("str")
    runs["opening"] = runs["opening"].astype("str")
    for c in ("para_id", "n_clauses", "char_start", "char_end"):
        runs[c] = runs[c].astype("int64")
    return runs


def parallelism_summary(tokens: pd.DataFrame, *, min_run: int = 3) -> pd.DataFrame:
    """Per document: ``n_clauses`` (clause level), ``n_runs`` (both levels), ``clauses_in_runs`` (clauses
    or phrases in runs), ``share_in_runs`` (clauses of clause-level runs / all clauses),
    ``runs_per_100_clauses`` and ``longest_run``."""
    min_run = check_int("min_run", min_run, minimum=2)
    cl = _clause_arrays(tokens, "clause")
    counts = np.bincount(cl["doc"], minlength=len(cl["names"]))
    present = np.flatnonzero(counts > 0)
    docs = pd.Index(cl["names"][present], dtype="str")
    n_cl = pd.Series(counts[present], index=docs)
    clause_runs = _level_runs(cl, "clause", min_run)
    del cl  # one level's clauses at a time
    runs = _parallel_runs([clause_runs, _level_runs(_clause_arrays(tokens, "phrase"), "phrase", min_run)])
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
