"""What the explorer computes: a per-corpus index built once, and one fast function per panel.

:class:`CorpusIndex` turns the prepared tables (documents, paragraphs, tokens) into integer arrays once
when the explorer opens: the token stream (document, sentence, paragraph, offsets, type code), the
vocabulary with a *postings* list per type (the positions of its tokens, from one stable argsort), the
word-token stream (punctuation dropped) with every token's position in it, the paragraphs, and the
normalised form of every formula type. Every query afterwards is array arithmetic on these — no pass
over the string columns of the token table:

``search``
    hits of a query: ``match="word"`` (a token, or a phrase of tokens separated by spaces that must occur
    as consecutive tokens), ``"regex"`` (a regular expression matching a whole token — every matching
    type's postings), ``"text"`` (a regular expression searched in the cleaned text, whatever the
    segmentation) or ``"formula"`` (a numbered formula of ``data/dictionaries/formula_lexicon.csv``'s
    finder, matched on its normalised form: 八大 and 8大 are the same formula — see
    :func:`huayu.pipeline.segment.formulas.normalize_formula`). A hit is a character span of a document's
    cleaned text with the word tokens it covers.
``concordance``
    KWIC rows with ``context`` characters on each side, the paragraph and its number, sortable.
``frequency_by``, ``over_time``
    hits per group of a metadata column (or per document) and per year, with relative frequencies
    ``per_1000 = 1000 · hits / N`` (``N`` = word tokens of the group; Biber, Conrad & Reppen 1998).
``dispersion``
    range, Juilland's D and Gries' DP of the hits across the chosen documents, computed by
    :func:`huayu.analysis.dispersion.dispersion_measures` (formulas and references there), and each
    hit's relative position ``j / L`` in its document (for a barcode plot).
``collocates``
    window collocates of the hits (``left``/``right`` word tokens, inside one sentence, punctuation
    skipped), scored by :func:`huayu.analysis.collocations.association_scores` (``E = f(n)·f(x)·(L+R)/N``,
    PMI, t, G², logDice; formulas there). For a one-token node this equals
    :func:`huayu.analysis.collocations.collocates` with ``boundary="sentence"`` (a test checks it); a
    node of several tokens (phrase, text match) opens its window after its last token.
``keyness_of``
    the term's keyness in every group of a metadata column against the rest of the corpus, and in the
    current selection against the rest, by :func:`huayu.analysis.keyness.keyness_scores` (G², log ratio,
    Bonferroni over the groups compared; formulas there).

Why not call :func:`huayu.analysis.kwic.kwic` and :func:`huayu.analysis.collocations.collocates` directly:
both factorize the string columns of the whole token table on every call (≈ 0.3–1 s for 1,000 documents
each), which is right for a notebook run and too slow for a search box; the index does that once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from huayu.analysis.collocations import association_scores
from huayu.analysis.dispersion import dispersion_measures
from huayu.analysis.keyness import keyness_scores
from huayu.checks import check_choice, check_columns, check_int, is_none
from huayu.errors import ParameterError
from huayu.pipeline.metadata import date_sort_key

__all__ = ["CorpusIndex", "Hits", "MATCHES", "KWIC_SORT_KEYS", "FILTER_COLUMNS", "search", "concordance",
           "frequency_by", "over_time", "dispersion", "collocates", "keyness_of", "filter_documents",
           "UNDATED"]

MATCHES = ("word", "regex", "text", "formula")
KWIC_SORT_KEYS = ("position", "left", "right", "keyword", "date")
#: Metadata columns offered as filters and groupings, when the documents table has them.
FILTER_COLUMNS = ("genre", "place_zh", "place_en", "province", "prefecture", "admin_level")
UNDATED = "undated"


def _years(documents_table: pd.DataFrame) -> np.ndarray:
    """The year of every document (``-1`` when undated), from ``date``."""
    if "date" not in documents_table.columns:
        return np.full(len(documents_table), -1, dtype=np.int64)
    dates = date_sort_key(documents_table["date"].fillna("").astype("str"))
    years = np.where(dates.isna().to_numpy(), -1, dates.dt.year.fillna(-1).to_numpy()).astype(np.int64)
    return years


def _codes(index: pd.Index, values: pd.Series) -> np.ndarray:
    """Position of every value in ``index`` (-1 when absent): factorize first (few distinct ids, many rows)."""
    codes, uniques = pd.factorize(values, sort=False)
    return index.get_indexer(pd.Index(np.asarray(uniques, dtype=object)).astype("str"))[codes].astype(np.int64)


class CorpusIndex:
    """The arrays every explorer query runs on, built once per corpus (see the module docstring).

    Parameters
    ----------
    documents_table, paragraphs, tokens
        The prepared tables (``interim/documents.parquet``, ``interim/paragraphs.parquet``,
        ``processed/tokens.parquet``); offsets must agree (they do for the output of ``huayu prepare``).
    """

    def __init__(self, documents_table: pd.DataFrame, paragraphs: pd.DataFrame, tokens: pd.DataFrame) -> None:
        check_columns("documents_table", documents_table, ["doc_id", "text"])
        check_columns("paragraphs", paragraphs, ["doc_id", "para_id", "char_start", "char_end", "text"])
        check_columns("tokens", tokens, ["doc_id", "sent_id", "para_id", "char_start", "char_end", "token",
                                         "is_punct", "is_stop"])
        if documents_table.empty:
            raise ParameterError("documents_table is empty: there is nothing to explore")
        self.documents_table = documents_table.reset_index(drop=True)
        self.doc_ids = self.documents_table["doc_id"].astype("str").to_numpy(dtype=object)
        self.n_docs = len(self.doc_ids)
        doc_code = pd.Index(self.doc_ids)
        self.texts = self.documents_table["text"].astype("str").tolist()
        self.years = _years(self.documents_table)
        lengths = np.fromiter((len(t) for t in self.texts), dtype=np.int64, count=self.n_docs)
        # one global character axis: document d's offsets start at base[d] (a gap of 1 between documents)
        self.base = np.concatenate([[0], np.cumsum(lengths + 1)[:-1]]).astype(np.int64)

        t_doc = _codes(doc_code, tokens["doc_id"])
        if (t_doc < 0).any():
            missing = pd.unique(tokens["doc_id"].astype("str")[t_doc < 0])[:5]
            raise ParameterError(f"tokens: doc_id(s) {list(missing)} are not in the documents table")
        start = tokens["char_start"].to_numpy(dtype=np.int64)
        order = np.lexsort((start, t_doc))
        t = tokens.iloc[order]
        self.t_doc = t_doc[order].astype(np.int64)
        self.t_start = start[order]
        self.t_end = t["char_end"].to_numpy(dtype=np.int64)
        self.t_key = self.base[self.t_doc] + self.t_start
        self.t_sent = t["sent_id"].to_numpy(dtype=np.int64)
        self.t_punct = t["is_punct"].to_numpy(dtype=bool)
        self.t_stop = t["is_stop"].to_numpy(dtype=bool)
        codes, vocab = pd.factorize(t["token"].astype("str"), sort=False)
        self.t_type = codes.astype(np.int64)
        self.vocab = pd.Index(np.asarray(vocab, dtype=object))
        self.n_types = len(self.vocab)
        # postings: the token positions of every type, in text order
        self.post_order = np.argsort(self.t_type, kind="stable")
        self.post_bounds = np.searchsorted(self.t_type[self.post_order], np.arange(self.n_types + 1))
        self.type_freq = np.diff(self.post_bounds)
        # word tokens (no punctuation): position of every token in the word stream (-1 for punctuation)
        word = ~self.t_punct
        self.w_tok = np.flatnonzero(word)
        self.word_pos = np.full(len(self.t_doc), -1, dtype=np.int64)
        self.word_pos[self.w_tok] = np.arange(self.w_tok.size)
        self.w_doc = self.t_doc[self.w_tok]
        self.w_type = self.t_type[self.w_tok]
        self.w_stop = self.t_stop[self.w_tok]
        self.w_unit = self.w_doc * (int(self.t_sent.max(initial=0)) + 1) + self.t_sent[self.w_tok]
        self.doc_words = np.bincount(self.w_doc, minlength=self.n_docs).astype(np.int64)
        self.w_doc_start = np.concatenate([[0], np.cumsum(self.doc_words)[:-1]]).astype(np.int64)
        # paragraphs on the global axis
        p = paragraphs.assign(_d=_codes(doc_code, paragraphs["doc_id"]))
        p = p[p["_d"] >= 0].sort_values(["_d", "char_start"], kind="mergesort")
        self.p_doc = p["_d"].to_numpy(dtype=np.int64)
        self.p_para = p["para_id"].to_numpy(dtype=np.int64)
        self.p_start = p["char_start"].to_numpy(dtype=np.int64)
        self.p_end = p["char_end"].to_numpy(dtype=np.int64)
        self.p_key = self.base[self.p_doc] + self.p_start
        self.p_text = p["text"].astype("str").tolist()
        # formulas: normalised form → type codes
        self.formulas: dict[str, list[int]] = {}
        if "is_formula" in t.columns:
            from huayu.pipeline.segment.formulas import normalize_formula

            f_types = np.unique(self.t_type[t["is_formula"].to_numpy(dtype=bool)])
            for code in f_types:
                self.formulas.setdefault(normalize_formula(str(self.vocab[code])), []).append(int(code))

    # ------------------------------------------------------------------ helpers
    @classmethod
    def from_folders(cls, interim_dir, processed_dir) -> CorpusIndex:
        """The index of a prepared corpus: ``interim_dir`` (documents, paragraphs), ``processed_dir`` (tokens)."""
        from huayu.paths import resolve
        from huayu.pipeline import tables

        interim, processed = resolve(interim_dir), resolve(processed_dir)
        for folder in (interim, processed):
            if not folder.exists():
                raise FileNotFoundError(f"folder {folder} does not exist; prepare the corpus first "
                                        "(`make prepare` or `python -m huayu prepare --corpus data --out data`)")
        return cls(tables.read_documents(interim), tables.read_paragraphs(interim), tables.read_tokens(processed))

    def postings(self, codes: Iterable[int]) -> np.ndarray:
        """Token positions of the given type codes, sorted (text order)."""
        parts = [self.post_order[self.post_bounds[c]:self.post_bounds[c + 1]] for c in codes]
        return np.sort(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.int64)

    def doc_mask(self, doc_ids: Iterable[str] | str | None) -> np.ndarray:
        """Boolean mask over the documents for a ``doc_ids`` filter (``None``/``[]``/``""``/"all" = all)."""
        if is_none(doc_ids) or (isinstance(doc_ids, str) and doc_ids.strip().lower() == "all"):
            return np.ones(self.n_docs, dtype=bool)
        wanted = [doc_ids] if isinstance(doc_ids, str) else [str(d) for d in doc_ids]
        codes = pd.Index(self.doc_ids).get_indexer(wanted)
        if (codes < 0).any():
            unknown = [w for w, c in zip(wanted, codes) if c < 0][:10]
            raise ParameterError(f"doc_ids: unknown doc_id(s) {unknown}")
        mask = np.zeros(self.n_docs, dtype=bool)
        mask[codes] = True
        return mask

    def group_values(self, by: str) -> np.ndarray:
        """The group of every document by ``by``: ``doc_id``, ``year`` or a metadata column ("unknown" if empty)."""
        if by == "doc_id":
            return self.doc_ids.astype(str)
        if by == "year":
            return np.where(self.years >= 0, self.years.astype(str), UNDATED)
        if by not in self.documents_table.columns or by == "text":
            valid = ["doc_id", "year"] + [c for c in FILTER_COLUMNS if c in self.documents_table.columns]
            raise ParameterError(f"by={by!r} is not a column of the documents table; valid values: {valid}")
        values = self.documents_table[by].astype("str").fillna("unknown").str.strip()
        return values.mask(values.isin(["", "nan", "None", "<NA>"]), "unknown").to_numpy(dtype=str)

    def filter_columns(self) -> list[str]:
        """The :data:`FILTER_COLUMNS` this corpus has."""
        return [c for c in FILTER_COLUMNS if c in self.documents_table.columns]

    def top_terms(self, n: int = 200, *, formulas: bool = False) -> list[str]:
        """The ``n`` most frequent word types (no punctuation, no stopwords), or the formulas."""
        if formulas:  # one surface form per formula (its most frequent), the formulas by frequency
            ranked = []
            for codes in self.formulas.values():
                best = max(codes, key=lambda c: (self.type_freq[c], -c))
                ranked.append((-int(sum(self.type_freq[c] for c in codes)), str(self.vocab[best])))
            return [surface for _, surface in sorted(ranked)][:n]
        types, counts = np.unique(self.w_type[~self.w_stop], return_counts=True)
        order = np.lexsort((types, -counts))[:n]
        return [str(self.vocab[types[i]]) for i in order]


@dataclass
class Hits:
    """The hits of one query: token spans (first/last token position) and character spans per hit."""

    pattern: str
    match: str
    doc: np.ndarray  #: document code of each hit
    start: np.ndarray  #: char_start in the document's cleaned text
    end: np.ndarray  #: char_end
    first_tok: np.ndarray  #: first token (position in the token stream)
    last_tok: np.ndarray  #: last token
    types: list[str] = field(default_factory=list)  #: the token types matched (word/regex/formula)

    def __len__(self) -> int:
        return int(self.doc.size)

    def subset(self, mask: np.ndarray) -> Hits:
        """The hits where ``mask`` (over hits) is True."""
        return Hits(self.pattern, self.match, self.doc[mask], self.start[mask], self.end[mask],
                    self.first_tok[mask], self.last_tok[mask], self.types)

    def in_documents(self, doc_mask: np.ndarray) -> Hits:
        """The hits inside the documents of ``doc_mask`` (a mask over documents)."""
        return self.subset(doc_mask[self.doc])


def _from_tokens(index: CorpusIndex, pattern: str, match: str, first: np.ndarray, length: int,
                 types: list[str]) -> Hits:
    last = first + length - 1
    return Hits(pattern, match, index.t_doc[first], index.t_start[first], index.t_end[last], first, last, types)


def _compile(pattern: str) -> re.Pattern:
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise ParameterError(f"pattern={pattern!r} is not a valid regular expression: {exc}") from None


def search(index: CorpusIndex, pattern: str, match: str = "word") -> Hits:
    """Every hit of ``pattern`` in the corpus (see the module docstring for ``match``).

    A pattern found nowhere gives zero hits (no error: a search box shows "no hits"); an empty pattern
    or an invalid regular expression raises :class:`ParameterError`.
    """
    check_choice("match", match, MATCHES)
    if not isinstance(pattern, str) or not pattern.strip():
        raise ParameterError("pattern is empty; give a word (发展), a phrase (高质量 发展), a regex or a formula")
    if match == "word":
        words = pattern.split()
        codes = index.vocab.get_indexer(words)
        if (codes < 0).any():
            return _from_tokens(index, pattern, match, np.zeros(0, dtype=np.int64), 1, [])
        first = index.postings([codes[0]])
        n = len(index.t_type)
        for j, code in enumerate(codes[1:], start=1):  # one pass per word of the phrase
            ok = first + j < n
            first = first[ok]
            nxt = first + j
            first = first[(index.t_type[nxt] == code) & (index.t_doc[nxt] == index.t_doc[first])]
        return _from_tokens(index, pattern, match, first, len(words), [" ".join(words)] if first.size else [])
    if match == "regex":
        rx = _compile(pattern)
        hit = np.asarray(index.vocab.str.fullmatch(rx), dtype=bool)
        codes = np.flatnonzero(hit)
        return _from_tokens(index, pattern, match, index.postings(codes), 1, [str(index.vocab[c]) for c in codes])
    if match == "formula":
        from huayu.pipeline.segment.formulas import normalize_formula

        codes = index.formulas.get(normalize_formula(pattern.strip()), [])
        return _from_tokens(index, pattern, match, index.postings(codes), 1, [str(index.vocab[c]) for c in codes])
    rx = _compile(pattern)
    docs, starts, ends = [], [], []
    for d, text in enumerate(index.texts):  # one regex scan per document
        spans = [(m.start(), m.end()) for m in rx.finditer(text) if m.end() > m.start()]
        if spans:
            arr = np.asarray(spans, dtype=np.int64)
            docs.append(np.full(len(spans), d, dtype=np.int64)); starts.append(arr[:, 0]); ends.append(arr[:, 1])
    if not docs:
        empty = np.zeros(0, dtype=np.int64)
        return Hits(pattern, match, empty, empty, empty, empty, empty, [])
    doc, s, e = np.concatenate(docs), np.concatenate(starts), np.concatenate(ends)
    # the tokens the span touches: first = the token containing the start, last = the token containing end-1
    first = np.clip(np.searchsorted(index.t_key, index.base[doc] + s, side="right") - 1, 0, len(index.t_key) - 1)
    last = np.clip(np.searchsorted(index.t_key, index.base[doc] + e - 1, side="right") - 1, 0, len(index.t_key) - 1)
    first = np.where(index.t_doc[first] == doc, first, np.minimum(first + 1, len(index.t_key) - 1))
    last = np.maximum(last, first)
    return Hits(pattern, match, doc, s, e, first, last, [])


def suggestions(index: CorpusIndex, pattern: str, n: int = 10) -> list[str]:
    """Types containing ``pattern`` (for a query with no hits), most frequent first."""
    if not pattern.strip():
        return []
    contains = np.flatnonzero(np.asarray(index.vocab.str.contains(pattern.strip().split()[0], regex=False),
                                         dtype=bool))
    order = contains[np.argsort(-index.type_freq[contains], kind="stable")][:n]
    return [str(index.vocab[c]) for c in order]


def filter_documents(index: CorpusIndex, filters: Mapping[str, Iterable[str]] | None = None, *,
                     years: tuple[int, int] | None = None, include_undated: bool = True) -> list[str]:
    """The doc_ids (corpus order) whose metadata pass every filter.

    ``filters`` maps a metadata column to the values to keep (an empty selection keeps every value);
    ``years`` = ``(first, last)`` keeps dated documents of those years; ``include_undated`` keeps the
    documents without a date whatever ``years`` says.
    """
    keep = np.ones(index.n_docs, dtype=bool)
    for column, values in (filters or {}).items():
        if is_none(values):
            continue
        wanted = {str(v) for v in ([values] if isinstance(values, str) else values)}
        keep &= np.isin(index.group_values(column), list(wanted))
    if years is not None:
        lo, hi = int(years[0]), int(years[1])
        dated = index.years >= 0
        keep &= np.where(dated, (index.years >= lo) & (index.years <= hi), include_undated)
    elif not include_undated:
        keep &= index.years >= 0
    return [str(d) for d in index.doc_ids[keep]]


# ---------------------------------------------------------------------------------------------- panels


def concordance(index: CorpusIndex, hits: Hits, *, context: int = 20, sort_by: str = "position",
                max_rows: int | None = None) -> pd.DataFrame:
    """KWIC rows of ``hits``: ``doc_id, date, left, keyword, right, para_id, para_start, paragraph, char_start,
    char_end`` (``para_start``: the paragraph's offset in the document, so the keyword sits at
    ``char_start − para_start`` in ``paragraph``).

    ``left``/``right`` are ``context`` characters of the cleaned text on each side (never crossing the
    document's start or end; a paragraph break shows as ``"\\n"``). ``sort_by``: ``position`` (corpus
    order), ``left`` (left context read backwards from the keyword: AntConc's 1L, 2L …), ``right``,
    ``keyword`` or ``date``. ``max_rows`` keeps the first rows after sorting (``None`` = all).
    """
    context = check_int("context", context, minimum=0, maximum=500)
    check_choice("sort_by", sort_by, KWIC_SORT_KEYS)
    doc, s, e = hits.doc, hits.start, hits.end
    texts = index.texts
    left = [texts[d][max(a - context, 0):a] for d, a in zip(doc.tolist(), s.tolist())]
    right = [texts[d][b:b + context] for d, b in zip(doc.tolist(), e.tolist())]
    keyword = [texts[d][a:b] for d, a, b in zip(doc.tolist(), s.tolist(), e.tolist())]
    p = np.clip(np.searchsorted(index.p_key, index.base[doc] + s, side="right") - 1, 0, max(len(index.p_key) - 1, 0))
    dates = (index.documents_table["date"].fillna("").astype("str").to_numpy(dtype=object)
             if "date" in index.documents_table.columns else np.full(index.n_docs, "", dtype=object))
    table = pd.DataFrame({
        "doc_id": pd.Series(index.doc_ids[doc], dtype="str"),
        "date": pd.Series(dates[doc], dtype="str"),
        "left": pd.Series(left, dtype="str"),
        "keyword": pd.Series(keyword, dtype="str"),
        "right": pd.Series(right, dtype="str"),
        "para_id": index.p_para[p] if len(index.p_key) else np.zeros(len(doc), np.int64),
        "para_start": index.p_start[p] if len(index.p_key) else np.zeros(len(doc), np.int64),
        "paragraph": pd.Series([index.p_text[i] for i in p.tolist()] if len(index.p_key) else [""] * len(doc),
                               dtype="str"),
        "char_start": s.astype(np.int64),
        "char_end": e.astype(np.int64),
    })
    if sort_by != "position":
        if sort_by == "date":  # undated last
            dates = date_sort_key(table["date"])
            keys = [np.where(dates.isna().to_numpy(), np.iinfo(np.int64).max,
                             dates.to_numpy().astype("datetime64[D]").astype(np.int64))]
        else:
            keys = {"left": lambda: [table["left"].str[::-1].to_numpy(), table["keyword"].to_numpy()],
                    "right": lambda: [table["right"].to_numpy(), table["keyword"].to_numpy()],
                    "keyword": lambda: [table["keyword"].to_numpy()]}[sort_by]()
        frame = pd.DataFrame({f"k{i}": k for i, k in enumerate(keys)})
        frame["pos"] = np.arange(len(table))
        order = frame.sort_values(list(frame.columns), kind="mergesort").index.to_numpy()
        table = table.iloc[order].reset_index(drop=True)
    if max_rows is not None:
        table = table.head(check_int("max_rows", max_rows, minimum=1))
    table.attrs.update({"pattern": hits.pattern, "match": hits.match, "n_hits": len(hits), "context": context,
                        "sort_by": sort_by})
    return table


def frequency_by(index: CorpusIndex, hits: Hits, by: str = "doc_id",
                 doc_ids: Iterable[str] | str | None = None) -> pd.DataFrame:
    """Hits per group of ``by`` in the chosen documents: ``<by>, hits, n_tokens, per_1000, n_docs, docs_with_hits``.

    ``n_tokens`` counts the word tokens (no punctuation) of the group; every group of the chosen
    documents is listed, zeros included, in order of first appearance in the corpus.
    """
    mask = index.doc_mask(doc_ids)
    groups = index.group_values(by)
    codes, labels = pd.factorize(groups[mask], sort=False)
    doc_group = np.full(index.n_docs, -1, dtype=np.int64)
    doc_group[mask] = codes
    inside = hits.in_documents(mask)
    n_groups = len(labels)
    counts = np.bincount(doc_group[inside.doc], minlength=n_groups)
    n_tokens = np.bincount(doc_group[mask], weights=index.doc_words[mask], minlength=n_groups).astype(np.int64)
    n_docs = np.bincount(doc_group[mask], minlength=n_groups)
    with_hits = np.bincount(doc_group[np.unique(inside.doc)], minlength=n_groups)
    with np.errstate(divide="ignore", invalid="ignore"):
        per_1000 = np.where(n_tokens > 0, 1000.0 * counts / n_tokens, 0.0)
    return pd.DataFrame({by: pd.Series(np.asarray(labels, dtype=object), dtype="str"), "hits": counts.astype(np.int64),
                         "n_tokens": n_tokens, "per_1000": per_1000, "n_docs": n_docs.astype(np.int64),
                         "docs_with_hits": with_hits.astype(np.int64)})


def over_time(index: CorpusIndex, hits: Hits, doc_ids: Iterable[str] | str | None = None) -> pd.DataFrame:
    """Hits per year of the chosen documents (:func:`frequency_by` with ``by="year"``), years in order,
    undated documents last (``year = "undated"``)."""
    table = frequency_by(index, hits, "year", doc_ids)
    key = pd.to_numeric(table["year"], errors="coerce").fillna(np.inf)
    return table.iloc[np.argsort(key.to_numpy(), kind="stable")].reset_index(drop=True)


def dispersion(index: CorpusIndex, hits: Hits, doc_ids: Iterable[str] | str | None = None
               ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(measures, positions)`` of the hits across the chosen documents.

    ``measures`` is one row ``pattern, freq, per_million, range, range_pct, juilland_d, dp, dp_norm, n_parts``
    (:func:`huayu.analysis.dispersion.dispersion_measures` with the documents as parts and their word
    tokens as part sizes). ``positions`` holds ``doc_id, position, relative_position`` of every hit
    (``position`` = the hit's first word token in its document, ``relative_position = position / L``).
    """
    mask = index.doc_mask(doc_ids) & (index.doc_words > 0)
    inside = hits.in_documents(mask)
    parts = np.flatnonzero(mask)
    if parts.size == 0:
        raise ParameterError("doc_ids: the chosen documents hold no word token")
    row = pd.Index(parts).get_indexer(inside.doc)
    counts = np.bincount(row, minlength=parts.size).reshape(-1, 1).astype(np.float64)
    measures = dispersion_measures(counts, index.doc_words[parts].astype(np.float64))
    measures.insert(0, "pattern", hits.pattern)
    measures["n_parts"] = int(parts.size)
    wp = _word_position(index, inside.first_tok)
    pos = wp - index.w_doc_start[inside.doc]
    positions = pd.DataFrame({"doc_id": pd.Series(index.doc_ids[inside.doc], dtype="str"),
                              "position": pos.astype(np.int64),
                              "relative_position": pos / np.maximum(index.doc_words[inside.doc], 1)})
    return measures, positions


def _word_position(index: CorpusIndex, tok: np.ndarray) -> np.ndarray:
    """The word-stream position of each token (a punctuation token: the next word token's)."""
    wp = index.word_pos[tok]
    punct = wp < 0
    if punct.any():
        wp = wp.copy()
        wp[punct] = np.minimum(np.searchsorted(index.w_tok, tok[punct]), index.w_tok.size - 1)
    return wp


def collocates(index: CorpusIndex, hits: Hits, *, left: int = 5, right: int = 5, min_freq: int = 2,
               drop_stop: bool = True, sort_by: str = "log_dice", doc_ids: Iterable[str] | str | None = None,
               n: int | None = 50) -> pd.DataFrame:
    """Window collocates of the hits in the chosen documents (see the module docstring).

    Columns as :func:`huayu.analysis.collocations.collocates`: ``node, collocate, observed, left, right,
    f_node, f_collocate, expected, pmi, t_score, log_likelihood, log_dice``. ``drop_stop`` leaves stopwords
    out as collocates (they still take their place in the window). ``n`` keeps the top rows (``None`` = all).
    """
    left = check_int("left", left, minimum=0, maximum=50)
    right = check_int("right", right, minimum=0, maximum=50)
    if left + right == 0:
        raise ParameterError("left=0 and right=0 make an empty window; count at least one token on one side")
    min_freq = check_int("min_freq", min_freq, minimum=1)
    check_choice("sort_by", sort_by, ("log_dice", "pmi", "t_score", "log_likelihood", "observed"))
    mask = index.doc_mask(doc_ids)
    inside = hits.in_documents(mask)
    word_in = mask[index.w_doc]
    n_words = int(word_in.sum())
    columns = ["node", "collocate", "observed", "left", "right", "f_node", "f_collocate", "expected", "pmi",
               "t_score", "log_likelihood", "log_dice"]
    if len(inside) == 0 or n_words == 0:
        return pd.DataFrame({c: pd.Series(dtype="str" if c in ("node", "collocate") else "float64") for c in columns})
    first = _word_position(index, inside.first_tok)
    last = np.maximum(_word_position(index, inside.last_tok), first)
    # a hit of a punctuation-only span covers no word token: its window opens at the next word token
    nw = index.w_type.size
    coll, side = [], []
    for k in range(1, max(left, right) + 1):  # a loop over window positions, never over hits
        if k <= left:
            j = first - k
            ok = (j >= 0) & (index.w_unit[np.maximum(j, 0)] == index.w_unit[first])
            coll.append(j[ok]); side.append(np.zeros(int(ok.sum()), dtype=bool))
        if k <= right:
            j = last + k
            ok = (j < nw) & (index.w_unit[np.minimum(j, nw - 1)] == index.w_unit[last])
            coll.append(j[ok]); side.append(np.ones(int(ok.sum()), dtype=bool))
    pos = np.concatenate(coll)
    is_right = np.concatenate(side)
    if drop_stop:
        keep = ~index.w_stop[pos]
        pos, is_right = pos[keep], is_right[keep]
    types = index.w_type[pos]
    observed = np.bincount(types, minlength=index.n_types)
    n_right = np.bincount(types, weights=is_right.astype(np.float64), minlength=index.n_types).astype(np.int64)
    f_all = np.bincount(index.w_type[word_in], minlength=index.n_types)
    cand = np.flatnonzero(observed >= min_freq)
    f_node = len(inside)
    scores = association_scores(observed[cand], np.full(cand.size, f_node), f_all[cand], n_words, left + right)
    table = pd.DataFrame({
        "node": pd.Series([hits.pattern] * cand.size, dtype="str"),
        "collocate": pd.Series(np.asarray(index.vocab, dtype=object)[cand], dtype="str"),
        "observed": observed[cand].astype(np.int64),
        "left": (observed[cand] - n_right[cand]).astype(np.int64),
        "right": n_right[cand],
        "f_node": np.full(cand.size, f_node, dtype=np.int64),
        "f_collocate": f_all[cand].astype(np.int64),
    })
    table = pd.concat([table, scores], axis=1)
    table = table.sort_values([sort_by, "observed", "collocate"], ascending=[False, False, True],
                              kind="mergesort").reset_index(drop=True)
    table.attrs.update({"node": hits.pattern, "f_node": f_node, "n_tokens": n_words, "left": left, "right": right})
    return table if n is None else table.head(check_int("n", n, minimum=1))


def keyness_of(index: CorpusIndex, hits: Hits, by: str = "genre", *, doc_ids: Iterable[str] | str | None = None,
               alpha: float = 0.05) -> pd.DataFrame:
    """The term's keyness in every group of ``by`` (and in the selection ``doc_ids``) against the rest.

    One row per comparison: ``comparison, group, freq_target, freq_reference, pm_target, pm_reference, g2,
    log_ratio, p_value, p_bonferroni, significant, n_target, n_reference`` — the 2×2 table of
    :func:`huayu.analysis.keyness.keyness_scores` with ``a`` = hits in the group, ``b`` = hits in the rest
    of the corpus, ``c``/``d`` = their word tokens. ``p_bonferroni`` multiplies by the number of rows.
    The selection row (``comparison = "selection"``) is there when ``doc_ids`` is a real subset.
    Groups without a reference (one group covering the corpus) are left out.
    """
    groups = index.group_values(by)
    codes, labels = pd.factorize(groups, sort=False)
    per_doc = np.bincount(hits.doc, minlength=index.n_docs)
    a = np.bincount(codes, weights=per_doc, minlength=len(labels))
    c = np.bincount(codes, weights=index.doc_words, minlength=len(labels))
    names = [str(v) for v in labels]
    kinds = [by] * len(names)
    mask = index.doc_mask(doc_ids)
    if 0 < mask.sum() < index.n_docs:
        a = np.concatenate([[per_doc[mask].sum()], a])
        c = np.concatenate([[index.doc_words[mask].sum()], c])
        names, kinds = ["selection", *names], ["selection", *kinds]
    total_a, total_c = per_doc.sum(), index.doc_words.sum()
    b, d = total_a - a, total_c - c
    keep = (c > 0) & (d > 0)
    if not keep.any():
        return pd.DataFrame(columns=["comparison", "group", "freq_target", "freq_reference", "g2", "log_ratio"])
    scores = keyness_scores(a[keep], b[keep], c[keep], d[keep], alpha=alpha)
    scores.insert(0, "group", pd.Series(np.asarray(names, dtype=object)[keep], dtype="str"))
    scores.insert(0, "comparison", pd.Series(np.asarray(kinds, dtype=object)[keep], dtype="str"))
    scores["n_target"] = c[keep].astype(np.int64)
    scores["n_reference"] = d[keep].astype(np.int64)
    scores.attrs.update({"pattern": hits.pattern, "by": by})
    return scores.reset_index(drop=True)
