"""Two granularities: the parts of the tokens the dictionary keeps whole (``granularity="fine"``).

The tokens table (``processed/tokens.parquet``) is the *coarse* segmentation: 农村人居环境整治 and 高质量发展
are one token each, as the domain dictionary keeps them. A researcher counting 人居环境 or 质量 finds none
there. The *fine* granularity counts a compound by its parts as well, like jieba's search mode
(``cut_for_search``): every coarse token plus, after it, each of its parts
(:meth:`huayu.pipeline.segment.segmenter.Segmenter.parts`: the words the segmenter cuts it into when the
compound itself is not in the dictionary, and their parts in turn — 农村人居环境整治 gives 农村, 人居环境整治,
人居环境, 人居, 环境, 整治; unlike jieba's search mode, parts of any length, and no overlapping fragments such
as 华人 in 中华人民共和国).

The parts are a second table, ``processed/token_parts.parquet`` (:data:`huayu.schema.TOKEN_PARTS`), with
the tokens table's columns: one row per part, ``token_index`` of the token it lies in, its own offsets
(``text[char_start:char_end] == token``), tag, stopword and punctuation flags, ``is_formula`` false.
:func:`huayu.pipeline.tables.read_tokens` returns the coarse table, or with ``granularity="fine"`` both tables
in one, each token followed by its parts (:func:`fine_tokens`). Counts at the fine granularity therefore
count a compound once as a whole and once under each of its parts; sequences (n-grams, collocation
windows, dispersion positions) should use the coarse table, where tokens do not overlap.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from huayu.errors import ParameterError
from huayu.pipeline.segment.segmenter import Segmenter, get_segmenter
from huayu.pipeline.segment.settings import SegmentSettings, _check_settings

__all__ = ["GRANULARITIES", "token_parts", "fine_tokens", "fine_order", "fine_positions", "check_granularity"]

#: ``coarse``: the tokens table; ``fine``: each token followed by its parts.
GRANULARITIES = ("coarse", "fine")


def check_granularity(granularity: str) -> str:
    if granularity not in GRANULARITIES:
        raise ParameterError(f"granularity={granularity!r} must be one of {', '.join(map(repr, GRANULARITIES))}: "
                             "'coarse' counts compounds such as 高质量发展 as one token, 'fine' also by their parts")
    return granularity


def _parts_batch(batch: pa.RecordBatch, segmenter: Segmenter, info: dict[str, tuple[str, bool, bool]]
                 ) -> pa.RecordBatch | None:
    """The part rows of one record batch of the tokens table (same schema), or ``None`` if it has none.

    Parts are found once per distinct word (:meth:`Segmenter.parts` caches them); ``info`` caches each
    part word's tag, stopword and punctuation flags across batches.
    """
    names = batch.schema.names
    column = {name: batch.column(i) for i, name in enumerate(names)}
    encoded = pc.dictionary_encode(column["token"])
    vocab = encoded.dictionary.to_pylist()
    codes = encoded.indices.to_numpy(zero_copy_only=False)
    per_word = [segmenter.parts(word) for word in vocab]
    counts = np.fromiter(map(len, per_word), dtype=np.int64, count=len(per_word))
    row_counts = counts[codes]
    n = int(row_counts.sum())
    if n == 0:
        return None
    parent = np.repeat(np.arange(len(codes)), row_counts)
    k = np.arange(n) - np.repeat(np.cumsum(row_counts) - row_counts, row_counts)
    flat = np.concatenate([[0], np.cumsum(counts)[:-1]])[codes[parent]] + k
    offsets = np.array([a for parts in per_word for a, _ in parts], dtype=np.int64)[flat]
    lengths = np.array([b for parts in per_word for _, b in parts], dtype=np.int64)[flat]
    words = [word[a:a + b] for word, parts in zip(vocab, per_word) for a, b in parts]
    new = sorted({w for w in words if w not in info})
    for word, tag in zip(new, segmenter.tags_for(new)):
        info[word] = (tag, word in segmenter.stopwords, all(unicodedata.category(c)[0] in "PS" for c in word))
    tags, stops, puncts = zip(*(info[w] for w in words))
    take = pa.array(parent)
    starts = column["char_start"].to_numpy()[parent] + offsets
    return pa.RecordBatch.from_arrays([
        column["doc_id"].take(take), column["para_id"].take(take), column["sent_id"].take(take),
        column["token_index"].take(take), starts, starts + lengths,
        pa.array(words, type=pa.large_string()).take(pa.array(flat)),
        pa.array(tags, type=pa.large_string()).take(pa.array(flat)),
        np.array(stops, dtype=bool)[flat], np.array(puncts, dtype=bool)[flat], np.zeros(n, dtype=bool),
    ], schema=batch.schema)


def token_parts(tokens: pd.DataFrame, settings: SegmentSettings | Mapping[str, Any] | None = None) -> pd.DataFrame:
    """The parts table of a tokens table (one row per part, the tokens table's columns; see the module
    docstring), with the segmenter of ``settings`` — the settings the tokens were made with."""
    from huayu.pipeline.segment.engine import _SCHEMA, _STR, _empty_tokens

    settings = _check_settings(settings)
    segmenter = get_segmenter(settings)
    if len(tokens) == 0:
        return _empty_tokens()
    table = pa.Table.from_pandas(tokens[_SCHEMA.names], schema=_SCHEMA, preserve_index=False)
    info: dict[str, tuple[str, bool, bool]] = {}
    batches = [b for b in (_parts_batch(batch, segmenter, info) for batch in table.to_batches()) if b is not None]
    if not batches:
        return _empty_tokens()
    return pa.Table.from_batches(batches, schema=_SCHEMA).to_pandas(
        types_mapper={pa.string(): _STR, pa.large_string(): _STR}.get)


def _positions_in(values: pd.Series, index: pd.Index) -> np.ndarray:
    """The position of each value in ``index`` (-1 if absent), by category for a categorical column."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        by_category = index.get_indexer(values.cat.categories.astype(object))
        return np.r_[by_category, -1].astype(np.int64)[values.cat.codes.to_numpy()]  # code -1: missing
    return index.get_indexer(values.astype(object)).astype(np.int64)


def fine_order(tokens: pd.DataFrame, parts: pd.DataFrame) -> np.ndarray:
    """The row order of the fine granularity: positions into ``pd.concat([tokens, parts])`` (tokens first)
    that put the documents in the tokens table's order and each token before its parts, the parts of one
    token by offset, longer first (:func:`fine_positions` the other way round)."""
    token_at, part_at = fine_positions(tokens, parts)
    order = np.empty(len(token_at) + len(part_at), dtype=np.int64)
    order[token_at] = np.arange(len(token_at))
    order[part_at] = len(token_at) + np.arange(len(part_at))
    return order


def fine_positions(tokens: pd.DataFrame, parts: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Where each row of ``tokens`` and of ``parts`` goes in the fine granularity (see :func:`fine_order`).

    The tokens table is written in that order (documents one after another, ``token_index`` rising), so
    each part's place is found by binary search of its (document, token) key among the tokens' keys —
    O((n + m) log n) — instead of sorting all rows by five keys; a table not in that order (or parts of
    documents the tokens do not hold) falls back to the full sort.
    """
    n, m = len(tokens), len(parts)
    token_doc, order_of_docs = pd.factorize(tokens["doc_id"])  # documents numbered in order of appearance
    token_doc = token_doc.astype(np.int64)
    part_doc = _positions_in(parts["doc_id"], pd.Index(np.asarray(order_of_docs, dtype=object)))
    token_key = (token_doc << 32) | tokens["token_index"].to_numpy().astype(np.int64)
    part_key = (part_doc << 32) | parts["token_index"].to_numpy().astype(np.int64)
    part_end = parts["char_end"].to_numpy().astype(np.int64)
    if (part_doc < 0).any() or (n > 1 and not (np.diff(token_key) > 0).all()):
        doc = np.r_[token_doc, part_doc]
        is_part = np.r_[np.zeros(n, dtype=np.int8), np.ones(m, dtype=np.int8)]
        starts = np.r_[tokens["char_start"].to_numpy(), parts["char_start"].to_numpy()]
        ends = np.r_[tokens["char_end"].to_numpy().astype(np.int64), part_end]
        index = np.r_[tokens["token_index"].to_numpy(), parts["token_index"].to_numpy()]
        at = np.empty(n + m, dtype=np.int64)
        at[np.lexsort((-ends, starts, is_part, index, doc))] = np.arange(n + m)
        return at[:n], at[n:]
    within = np.lexsort((-part_end, parts["char_start"].to_numpy(), part_key))  # the parts' own order
    del part_end
    token_at = np.arange(n) + np.searchsorted(part_key[within], token_key, side="left")
    part_at = np.empty(m, dtype=np.int64)
    part_at[within] = np.arange(m) + np.searchsorted(token_key, part_key[within], side="right")
    return token_at, part_at


def fine_tokens(tokens: pd.DataFrame, parts: pd.DataFrame, *, consume: bool = False) -> pd.DataFrame:
    """The fine granularity: the rows of ``tokens`` and ``parts`` in one table, documents in the tokens
    table's order, each token followed by its parts (by offset, longer first); the index is reset.

    Built one column at a time, each row put in its place (:func:`fine_positions`) — no concatenated copy
    and no sort of the whole table, so the peak is about the inputs plus the output (at 10,000 documents,
    62.5 M tokens and 7.1 M parts, this matters). Categorical columns are combined on the union of their
    categories that occur (sorted). ``consume=True``: each column of ``tokens`` and ``parts`` is dropped from them once
    placed (the two frames are left empty), so the memory of the inputs is given back as the output grows.
    """
    token_at, part_at = fine_positions(tokens, parts)
    size = len(token_at) + len(part_at)
    frame = pd.DataFrame(index=pd.RangeIndex(size))  # a block per column: no consolidating copy
    for name in list(tokens.columns):
        a, b = (tokens.pop(name), parts.pop(name)) if consume else (tokens[name], parts[name])
        if isinstance(a.dtype, pd.CategoricalDtype) and isinstance(b.dtype, pd.CategoricalDtype):
            union = a.cat.categories.union(b.cat.categories)  # sorted
            codes = np.empty(size, dtype=np.int32 if len(union) >= 2**15 else np.int16)
            codes[token_at] = union.get_indexer(a.cat.categories)[a.cat.codes.to_numpy()]
            codes[part_at] = union.get_indexer(b.cat.categories)[b.cat.codes.to_numpy()]
            used = np.bincount(codes[codes >= 0], minlength=len(union)) > 0  # the categories present only
            if not used.all():
                codes = np.r_[np.cumsum(used) - 1, -1].astype(codes.dtype)[codes]
                union = union[used]
            frame[name] = pd.Categorical.from_codes(codes, dtype=pd.CategoricalDtype(union))
        elif a.dtype == b.dtype and isinstance(a.dtype, np.dtype):
            values = np.empty(size, dtype=a.dtype)
            values[token_at], values[part_at] = a.to_numpy(), b.to_numpy()
            frame[name] = values
        else:  # strings and mixed dtypes: through pandas
            order = np.empty(size, dtype=np.int64)
            order[token_at], order[part_at] = np.arange(len(token_at)), len(token_at) + np.arange(len(part_at))
            frame[name] = pd.concat([a, b], ignore_index=True).take(order).reset_index(drop=True)
    return frame
