"""Counts: the document–term matrix (dfm) built from the token table.

A :class:`DocumentTermMatrix` holds raw token counts ``n[u, t]`` — how often term ``t`` occurs in unit
``u`` — as a sparse CSR matrix of ``int64``. Units are documents (``doc_id``), paragraphs
(``"doc_id/para_id"``), sentences, or any grouping of them (:func:`group_dfm`); terms are the token
strings of ``processed/tokens.parquet`` (see ``lib/README.md``).

Building is one vectorised pass: :func:`pandas.factorize` turns units and terms into integer codes and
:class:`scipy.sparse.coo_matrix` sums the duplicates — O(number of tokens), no Python loop over tokens.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from huayu.checks import check_columns, check_int, check_known, select_documents
from huayu.errors import ParameterError

__all__ = ["DocumentTermMatrix", "build_dfm", "group_dfm", "document_dfm", "unit_labels", "factorize_strings",
           "first_appearance",
           "word_columns", "word_counts", "token_lengths", "ParameterError"]

#: Id columns that restart in every document: a unit made of them alone is prefixed with ``doc_id``.
_WITHIN_DOCUMENT = {"para_id", "sent_id", "token_index"}
UNIT_SEPARATOR = "/"


@dataclass(frozen=True)
class DocumentTermMatrix:
    """Raw counts: ``matrix[i, j]`` = occurrences of ``terms[j]`` in ``units[i]``.

    ``matrix`` is a ``scipy.sparse.csr_matrix`` of ``int64`` with shape ``(len(units), len(terms))``.
    """

    matrix: sp.csr_matrix
    units: pd.Index
    terms: pd.Index

    def __post_init__(self) -> None:
        if self.matrix.shape != (len(self.units), len(self.terms)):
            raise ParameterError(
                f"matrix has shape {self.matrix.shape} but there are {len(self.units)} units and "
                f"{len(self.terms)} terms")

    @property
    def shape(self) -> tuple[int, int]:
        return self.matrix.shape

    def totals(self) -> np.ndarray:
        """Tokens per unit: the row sums ``N_u = Σ_t n[u, t]`` (``int64``)."""
        return np.asarray(self.matrix.sum(axis=1), dtype=np.int64).ravel()

    def term_totals(self) -> np.ndarray:
        """Occurrences of each term over all units: the column sums ``Σ_u n[u, t]`` (``int64``)."""
        return np.asarray(self.matrix.sum(axis=0), dtype=np.int64).ravel()

    def document_frequency(self) -> np.ndarray:
        """Number of units in which each term occurs at least once (``int64``)."""
        return np.diff(self.matrix.tocsc().indptr).astype(np.int64)

    def select_units(self, units: Iterable[str]) -> DocumentTermMatrix:
        """The rows of ``units`` in the given order (an unknown unit raises :class:`ParameterError`)."""
        units = list(units)
        check_known("units", units, list(self.units), "unit")
        rows = self.units.get_indexer(units)
        return DocumentTermMatrix(self.matrix[rows].tocsr(), pd.Index(units, dtype="str", name=self.units.name),
                                  self.terms)

    def select_terms(self, terms: Iterable[str]) -> DocumentTermMatrix:
        """The columns of ``terms`` in the given order; a term not in the matrix gets a column of zeros."""
        terms = pd.Index(list(terms), dtype="str", name=self.terms.name)
        cols = self.terms.get_indexer(terms)
        present = cols >= 0
        picked = self.matrix[:, cols[present]].tocoo()
        new_cols = np.flatnonzero(present)[picked.col]
        matrix = sp.csr_matrix((picked.data.astype(np.int64), (picked.row, new_cols)),
                               shape=(len(self.units), len(terms)), dtype=np.int64)
        return DocumentTermMatrix(matrix, self.units, terms)

    def to_frame(self) -> pd.DataFrame:
        """A dense ``units × terms`` DataFrame of counts (only for small matrices)."""
        return pd.DataFrame(self.matrix.toarray(), index=self.units, columns=self.terms)


def first_appearance(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``pd.factorize(values, sort=False)`` of an integer array (codes ``int64`` in order of first appearance, and
    the distinct values in that order). When the values come in runs (the ``doc_id`` codes of a tokens table:
    one run per document) only the first value of each run is looked at — a comparison of neighbours and a
    sort of the run heads instead of hashing every row."""
    values = np.asarray(values)
    if values.size == 0 or not np.issubdtype(values.dtype, np.integer):
        codes, uniques = pd.factorize(values, sort=False)
        return codes.astype(np.int64), np.asarray(uniques)
    heads = np.flatnonzero(np.r_[True, values[1:] != values[:-1]])
    if heads.size > values.size // 8:  # no long runs: hashing every row is cheaper
        codes, uniques = pd.factorize(values, sort=False)
        return codes.astype(np.int64), np.asarray(uniques)
    distinct, first_head = np.unique(values[heads], return_index=True)
    order = np.argsort(first_head, kind="stable")  # the distinct values by first appearance
    rank = np.empty(distinct.size, dtype=np.int64)
    rank[order] = np.arange(distinct.size)
    run_codes = rank[np.searchsorted(distinct, values[heads])]
    return np.repeat(run_codes, np.diff(np.r_[heads, values.size])), distinct[order]


def factorize_strings(values: pd.Series, *, sort: bool = False) -> tuple[np.ndarray, pd.Index]:
    """``pd.factorize(values.astype("str"), sort=sort)`` (codes in order of first appearance, or of the
    sorted strings), without building a string per row when ``values`` is categorical (the tokens as
    :func:`huayu.pipeline.tables.read_tokens` reads them): the integer codes are factorized instead and
    only the distinct strings are looked up. Returns ``(codes as int64, uniques as a str Index)``."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        codes, first = first_appearance(values.cat.codes.to_numpy())
        uniques = pd.Index(values.cat.categories.astype("str")[first], dtype="str")
        if sort and len(uniques):
            order = np.argsort(uniques.to_numpy(dtype=object), kind="stable")
            rank = np.empty(len(order), dtype=np.int64)
            rank[order] = np.arange(len(order))
            codes, uniques = rank[codes], uniques[order]
        return codes.astype(np.int64), uniques
    codes, uniques = pd.factorize(values.astype("str"), sort=sort)
    return codes.astype(np.int64), pd.Index(np.asarray(uniques, dtype=object), dtype="str")


def word_columns(tokens: pd.DataFrame, columns: list[str], *, drop_punct: bool = True) -> pd.DataFrame:
    """``columns`` of the word tokens of ``tokens`` (punctuation left out when ``drop_punct`` and the table has
    ``is_punct``): only those columns are copied, never the whole table (at 10,000 documents the tokens table
    is some 60 million rows; a filtered copy of every column would double the memory a notebook needs)."""
    check_columns("tokens", tokens, list(columns))
    if drop_punct and "is_punct" in tokens.columns:
        return tokens.loc[~tokens["is_punct"].to_numpy(dtype=bool), list(columns)]
    return tokens[list(columns)]


def word_counts(tokens: pd.DataFrame, by: list[str] | tuple[str, ...] = ("doc_id", "sent_id")) -> pd.DataFrame:
    """Word tokens (``is_punct`` False, when the table has the flag) per group of the ``by`` columns: the ``by``
    columns and ``n_tokens`` (``int64``), one row per group with at least one word token, groups in order of
    first appearance (as ``groupby(by, sort=False).size()``). On integer codes: when the rows are already in
    group order (a tokens table is, by document and sentence) the groups are runs found by one ``numpy.diff``,
    else one ``pandas.factorize`` of the combined key."""
    by = list(by)
    check_columns("tokens", tokens, by)
    words = ~tokens["is_punct"].to_numpy(dtype=bool) if "is_punct" in tokens.columns else np.ones(len(tokens), bool)
    key = np.zeros(int(words.sum()), dtype=np.int64)
    columns = []  # (name, uniques or None, offset, width)
    for col in by:
        values = tokens[col]
        if pd.api.types.is_integer_dtype(values.dtype):
            codes = values.to_numpy()[words].astype(np.int64)
            low = int(codes.min()) if codes.size else 0
            codes -= low
            width, uniques = (int(codes.max()) + 1 if codes.size else 1), None
        else:
            codes, uniques = factorize_strings(values)
            codes, low, width = codes[words], 0, max(len(uniques), 1)
        key = key * width + codes
        columns.append((col, uniques, low, width))
    if not np.any(key[1:] < key[:-1]):
        first = np.flatnonzero(np.r_[True, key[1:] != key[:-1]]) if key.size else np.zeros(0, dtype=np.int64)
        group_key, sizes = key[first], np.diff(np.r_[first, key.size])
    else:
        group_of, group_key = pd.factorize(key, sort=False)
        sizes = np.bincount(group_of, minlength=len(group_key))
    rest = np.asarray(group_key, dtype=np.int64)
    decoded = {}
    for col, uniques, low, width in reversed(columns):  # the combined key, last column first
        part, rest = rest % width, rest // width
        decoded[col] = (pd.Series(np.asarray(uniques, dtype=object)[part], dtype="str") if uniques is not None
                        else pd.Series(part + low, dtype="int64"))
    out = pd.DataFrame({col: decoded[col] for col in by})
    out["n_tokens"] = np.asarray(sizes, dtype=np.int64)
    return out


def token_lengths(values: pd.Series) -> np.ndarray:
    """The length in characters of every value of a token column (``int32``); for a categorical column
    (the tokens as a notebook reads them) measured once per category and looked up by code."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        per_category = np.asarray(values.cat.categories.astype("str").str.len(), dtype=np.int32)
        codes = values.cat.codes.to_numpy()
        return np.where(codes >= 0, per_category[np.maximum(codes, 0)] if len(per_category) else 0, 0)
    return np.asarray(values.astype("str").str.len(), dtype=np.int32)


def _long_enough(values: pd.Series, min_chars: int) -> np.ndarray:
    """``len(token) >= min_chars`` for every row, decided once per category of a categorical column."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        ok = np.asarray(values.cat.categories.astype("str").str.len(), dtype=np.int64) >= min_chars
        codes = values.cat.codes.to_numpy()
        if len(codes) and codes.min() >= 0:
            return ok[codes]
    return token_lengths(values) >= min_chars


def _unit_columns(unit: str | list[str]) -> list[str]:
    cols = [unit] if isinstance(unit, str) else list(unit)
    if not cols or not all(isinstance(c, str) and c for c in cols):
        raise ParameterError(f"unit={unit!r} must be a column name or a non-empty list of column names, "
                             "e.g. 'doc_id' or ['doc_id', 'para_id']")
    if cols[0] in _WITHIN_DOCUMENT:
        cols = ["doc_id", *cols]
    return cols


def unit_labels(table: pd.DataFrame, unit: str | list[str] = "doc_id") -> pd.Series:
    """One label per row of ``table``: the ``unit`` columns joined by ``"/"`` (e.g. ``"laixi_2023/3"``).

    ``para_id``/``sent_id`` restart in every document, so ``unit="para_id"`` means ``["doc_id", "para_id"]``.
    """
    cols = _unit_columns(unit)
    check_columns("tokens", table, cols)
    labels = table[cols[0]].astype("str")
    for col in cols[1:]:
        labels = labels + UNIT_SEPARATOR + table[col].astype("str")
    return labels


def _plain_categorical(values: pd.Series) -> bool:
    """A categorical column with sorted, unique categories and no missing value (as read_tokens reads them)."""
    if not isinstance(values.dtype, pd.CategoricalDtype):
        return False
    categories = values.cat.categories
    return bool(categories.is_monotonic_increasing and categories.is_unique
                and (len(values) == 0 or values.cat.codes.min() >= 0))


def _term_codes_of(codes: np.ndarray, categories: pd.Index) -> tuple[np.ndarray, pd.Index]:
    """The category codes renumbered over the categories that occur (sorted categories: code-point order)."""
    categories = categories.astype("str")
    used = np.bincount(codes, minlength=len(categories)) > 0
    renumber = (np.cumsum(used) - 1).astype(np.int32)
    return renumber[codes], pd.Index(categories[used], dtype="str")


def _term_codes(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Codes of the terms in code-point order and the terms (those that occur). For a categorical column with
    sorted categories (as :func:`huayu.pipeline.tables.read_tokens` reads the tokens) the category codes are
    renumbered over the categories that occur — no hashing, 4 bytes per token."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        categories = values.cat.categories.astype("str")
        codes = values.cat.codes.to_numpy()
        if categories.is_monotonic_increasing and categories.is_unique and (len(codes) == 0 or codes.min() >= 0):
            return _term_codes_of(codes, categories)
    return factorize_strings(values, sort=True)


def _count_matrix(unit_codes: np.ndarray, term_codes: np.ndarray, n_units: int, n_terms: int) -> sp.csr_matrix:
    """``n[u, t]`` as CSR ``int64``: the tokens ordered by unit (already so when each unit's tokens are contiguous,
    as a document's are), one row pointer from the unit sizes, duplicates summed by scipy in place — 8 bytes per
    token (``int32`` indices and ones), where a COO of ``int64`` row, column and data needed 24 and a copy."""
    unit_codes = np.asarray(unit_codes)
    term_codes = np.asarray(term_codes, dtype=np.int32)
    if unit_codes.size > 1 and np.any(unit_codes[1:] < unit_codes[:-1]):
        order = np.argsort(unit_codes, kind="stable")
        unit_codes, term_codes = unit_codes[order], term_codes[order]
    indptr = np.zeros(n_units + 1, dtype=np.int32 if term_codes.size < 2**31 - 1 else np.int64)
    np.cumsum(np.bincount(unit_codes, minlength=n_units), out=indptr[1:])
    counts = sp.csr_matrix((np.ones(term_codes.size, dtype=np.int32), term_codes, indptr), shape=(n_units, n_terms))
    counts.sum_duplicates()
    return sp.csr_matrix(counts, dtype=np.int64)


def _unit_codes(table: pd.DataFrame, cols: list[str]) -> tuple[np.ndarray, pd.Index]:
    """Codes of the units (first appearance) and their labels (:func:`unit_labels`), labelling only the
    distinct units: each column is factorized to integers, the columns combined into one key."""
    if len(cols) == 1 and not pd.api.types.is_integer_dtype(table[cols[0]].dtype):
        return factorize_strings(table[cols[0]])  # one text column: its codes are the units' (first appearance)
    key = np.zeros(len(table), dtype=np.int64)
    for col in cols:
        values = table[col]
        if pd.api.types.is_integer_dtype(values.dtype):
            codes, _ = pd.factorize(values.to_numpy(), sort=False)
        else:
            codes, _ = factorize_strings(values)
        key = key * (int(codes.max()) + 1 if len(codes) else 1) + codes
    unit_codes, first_key = pd.factorize(key, sort=False)
    first_row = np.zeros(len(first_key), dtype=np.int64)
    first_row[unit_codes[::-1]] = np.arange(len(unit_codes) - 1, -1, -1)  # the first row of each unit
    labels = unit_labels(table.iloc[first_row], cols)
    return unit_codes.astype(np.int64), pd.Index(labels.to_numpy(dtype=object), dtype="str")


def build_dfm(tokens: pd.DataFrame, unit: str | list[str] = "doc_id", *, drop_stop: bool = False,
              drop_punct: bool = True, min_freq: int = 1, rows: np.ndarray | None = None) -> DocumentTermMatrix:
    """Count every term per unit in a token table (``processed/tokens.parquet`` schema).

    Parameters
    ----------
    tokens
        Token table with at least ``doc_id``, ``token`` and the unit columns (plus ``is_stop`` /
        ``is_punct`` when they are dropped).
    unit
        Column or list of columns defining a unit: ``"doc_id"`` (default), ``["doc_id", "para_id"]``
        (paragraphs; ``"para_id"`` alone means the same), ``["doc_id", "para_id", "sent_id"]`` …
        Labels are the values joined by ``"/"``.
    drop_stop, drop_punct
        Leave out tokens flagged ``is_stop`` / ``is_punct``.
    min_freq
        Keep only terms occurring at least this often over all units.
    rows
        Optional boolean mask (one value per row of ``tokens``): count only these rows (the flags above
        apply as well). Selecting by mask, not by a filtered copy, copies only the columns counted.

    Units are in order of first appearance in ``tokens`` (the corpus order), terms in code-point order.
    Counts are ``n[u, t] = #{tokens i : unit(i) = u and token(i) = t}``.
    """
    check_columns("tokens", tokens, ["token"])
    min_freq = check_int("min_freq", min_freq, minimum=1)
    keep = np.ones(len(tokens), dtype=bool)
    if rows is not None:
        rows = np.asarray(rows, dtype=bool)
        if rows.shape != (len(tokens),):
            raise ParameterError(f"rows must be a boolean mask of the {len(tokens)} rows of tokens, got shape {rows.shape}")
        keep &= rows
    for flag, wanted in (("is_stop", drop_stop), ("is_punct", drop_punct)):
        if wanted:
            check_columns("tokens", tokens, [flag])
            keep &= ~tokens[flag].to_numpy(dtype=bool)
    cols = _unit_columns(unit)
    check_columns("tokens", tokens, cols)
    if not keep.any():
        raise ParameterError("tokens has no token left to count (empty table, or every token is "
                             "stop/punctuation with drop_stop/drop_punct)")
    if len(cols) == 1 and _plain_categorical(tokens[cols[0]]) and _plain_categorical(tokens["token"]):
        # the codes of the rows kept, straight from the categorical codes: no copy of the columns
        raw = tokens[cols[0]].cat.codes.to_numpy()
        unit_codes, first = first_appearance(raw if keep.all() else raw[keep])
        unit_index = pd.Index(tokens[cols[0]].cat.categories.astype("str")[first], dtype="str")
        raw = tokens["token"].cat.codes.to_numpy()
        term_codes, term_index = _term_codes_of(raw if keep.all() else raw[keep], tokens["token"].cat.categories)
    else:
        needed = list(dict.fromkeys([*cols, "token"]))
        kept = tokens[needed] if keep.all() else tokens.loc[keep, needed]  # only the columns counted are copied
        unit_codes, unit_index = _unit_codes(kept, cols)
        term_codes, term_index = _term_codes(kept["token"])
    counts = _count_matrix(unit_codes, term_codes, len(unit_index), len(term_index))
    units = pd.Index(np.asarray(unit_index, dtype=object), dtype="str", name="unit")
    terms = pd.Index(np.asarray(term_index, dtype=object), dtype="str", name="term")
    dfm = DocumentTermMatrix(counts.astype(np.int64), units, terms)
    if min_freq > 1:
        keep_terms = np.flatnonzero(dfm.term_totals() >= min_freq)
        if keep_terms.size == 0:
            raise ParameterError(f"min_freq={min_freq} leaves no term (the most frequent term occurs "
                                 f"{int(dfm.term_totals().max())} times)")
        dfm = DocumentTermMatrix(dfm.matrix[:, keep_terms].tocsr(), units, terms[keep_terms])
    return dfm


def group_dfm(dfm: DocumentTermMatrix, labels: Mapping[str, str], *,
              drop_unlabelled: bool = False) -> DocumentTermMatrix:
    """Sum the rows of ``dfm`` by group: ``n[g, t] = Σ_{u : labels[u] = g} n[u, t]``.

    ``labels`` maps unit → group. Groups are in order of their first unit. Every unit must have a
    label unless ``drop_unlabelled=True`` (then unlabelled units are left out); a label for a unit that
    is not in ``dfm`` raises :class:`ParameterError`.
    """
    if not isinstance(labels, Mapping):
        raise ParameterError(f"labels must be a mapping unit → group, got {type(labels).__name__}")
    check_known("labels", list(labels), list(dfm.units), "unit")
    mapped = pd.Series(dfm.units, index=dfm.units).map(dict(labels))
    missing = mapped.isna().to_numpy()
    if missing.any() and not drop_unlabelled:
        raise ParameterError(f"labels gives no group for {int(missing.sum())} unit(s), e.g. "
                             f"{list(dfm.units[missing][:5])}; label every unit or pass drop_unlabelled=True")
    if missing.all():
        raise ParameterError("labels leaves no unit to group")
    rows = np.flatnonzero(~missing)
    group_codes, groups = pd.factorize(mapped.iloc[rows].astype("str"), sort=False)
    indicator = sp.csr_matrix((np.ones(len(rows), dtype=np.int64), (group_codes, rows)),
                              shape=(len(groups), len(dfm.units)))
    matrix = (indicator @ dfm.matrix).tocsr().astype(np.int64)
    return DocumentTermMatrix(matrix, pd.Index(np.asarray(groups, dtype=object), dtype="str", name="unit"),
                              dfm.terms)


def document_dfm(tokens: pd.DataFrame, doc_ids: Iterable[str] | None = None,
                 groups: Mapping[str, str] | None = None, *, unit: str | list[str] = "doc_id",
                 drop_stop: bool = False, drop_punct: bool = True, min_freq: int = 1,
                 min_term_chars: int = 1) -> DocumentTermMatrix:
    """The dfm a notebook asks for: chosen documents, optionally summed into groups.

    ``doc_ids`` lists the ``doc_id``s to include (empty or ``None`` = all; an unknown one raises
    :class:`ParameterError` listing the valid ids). ``groups`` maps ``doc_id`` → group label; documents
    not in it stay units of their own (``unit="doc_id"`` only). ``min_term_chars`` drops terms shorter
    than that many characters (2 leaves out single-character function words). Other arguments as in
    :func:`build_dfm`.
    """
    check_columns("tokens", tokens, ["doc_id", "token"])
    min_term_chars = check_int("min_term_chars", min_term_chars, minimum=1)
    selected = select_documents(tokens, doc_ids)
    long_enough = _long_enough(selected["token"], min_term_chars) if min_term_chars > 1 else None
    dfm = build_dfm(selected, unit, drop_stop=drop_stop, drop_punct=drop_punct, min_freq=min_freq, rows=long_enough)
    if groups:
        if unit != "doc_id":
            raise ParameterError(f"groups can only be used with unit='doc_id', not unit={unit!r}")
        if not isinstance(groups, Mapping):
            raise ParameterError(f"groups must be a mapping doc_id → group label, got {type(groups).__name__}")
        check_known("groups", list(groups), list(pd.unique(tokens["doc_id"])), "doc_id")
        labels = {u: str(groups.get(u, u)) for u in dfm.units}
        dfm = group_dfm(dfm, labels)
    return dfm
