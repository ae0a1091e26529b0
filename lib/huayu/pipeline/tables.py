"""Readers for the stage tables (columns and dtypes in :mod:`huayu.schema`, meanings in ``lib/README.md``).

Every analysis reads its input through these, so a missing table gives one message that says which
command makes it, instead of a pyarrow traceback, and a table that does not match its schema (written by
an older version, or edited by hand) is a :class:`huayu.errors.TableError` naming the file and the column.

Two layouts are read alike: one file (``tokens.parquet``, what ``prepare`` writes) or a partitioned
dataset folder (``tokens/part-00000.parquet``, ``part-00001.parquet`` …, what ``prepare --scheduler``
writes, one part per batch of documents in corpus order); the parts are read in the order of their names
(:mod:`pyarrow.dataset`), so both give the same frame. When both exist the single file is read.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from huayu import schema
from huayu.checks import is_none
from huayu.errors import TableError
from huayu.paths import resolve


def table_path(folder: str | Path, name: str, maker: str = "make prepare") -> Path:
    """Where the table ``name`` (``"tokens.parquet"``) of ``folder`` is: the file, else its dataset folder."""
    path = resolve(folder) / name
    if path.is_file():
        return path
    dataset = path.with_suffix("")
    if dataset.is_dir() and any(dataset.glob("part-*.parquet")):
        return dataset
    raise FileNotFoundError(f"{path} does not exist (nor a dataset folder {dataset.name}/part-*.parquet): "
                            f"run `{maker}` first")


def partition_paths(folder: str | Path, name: str, maker: str = "make prepare") -> list[Path]:
    """The files of a table in order: ``[NAME.parquet]``, or the parts of the dataset folder ``NAME/``."""
    path = table_path(folder, name, maker)
    return [path] if path.is_file() else sorted(path.glob("part-*.parquet"))


def _read(folder: str | Path, name: str, maker: str) -> pd.DataFrame:
    path = table_path(folder, name, maker)
    return schema.TABLES[name.removesuffix(".parquet")].validate(pd.read_parquet(path), path)


def read_documents(interim_dir: str | Path = "data/interim") -> pd.DataFrame:
    """One row per document: metadata, encoding, script, lengths and the cleaned ``text``."""
    return _read(interim_dir, "documents.parquet", "make prepare")


def read_paragraphs(interim_dir: str | Path = "data/interim") -> pd.DataFrame:
    """``doc_id, para_id, char_start, char_end, raw_char_start, text``."""
    return _read(interim_dir, "paragraphs.parquet", "make prepare")


def read_sentences(interim_dir: str | Path = "data/interim") -> pd.DataFrame:
    """``doc_id, para_id, sent_id, char_start, char_end, text``."""
    return _read(interim_dir, "sentences.parquet", "make prepare")


def read_cleaning_log(interim_dir: str | Path = "data/interim") -> pd.DataFrame:
    """``doc_id, rule, removed_text, raw_char_start, raw_char_end``: every boilerplate removal."""
    return _read(interim_dir, "cleaning_log.parquet", "make prepare")


#: The tokens table's text columns with few distinct values: read dictionary-encoded by ``categorical=True``.
DICTIONARY_COLUMNS = ("doc_id", "token", "pos")
#: The tokens table's positions, all counted within one document: read as ``int32`` by ``categorical=True``
#: (a document of 2**31 characters is refused). Five int64 columns are 40 of the 51 bytes a token takes.
POSITION_COLUMNS = ("para_id", "sent_id", "token_index", "char_start", "char_end")


def read_tokens(processed_dir: str | Path = "data/processed", *, columns: Sequence[str] | None = None,
                doc_ids: Iterable[str] | None = None, categorical: bool = False,
                granularity: str = "coarse") -> pd.DataFrame:
    """One row per token (``doc_id … is_formula``).

    ``columns``: read only these (default: all). ``doc_ids``: read only the rows of these documents (the
    filter is pushed into the parquet read, so other row groups are skipped; ``None``/``[]``/``"all"``:
    every document). ``categorical=True``: ``doc_id``, ``token`` and ``pos`` are read as Arrow
    dictionaries and become pandas categoricals whose categories are sorted (code-point order, so sorting
    and ``pd.factorize(sort=True)`` give the order of strings): one small integer per row instead of
    one string per row — a tenth of the memory for a large corpus — and the positions (``para_id``,
    ``sent_id``, ``token_index``, ``char_start``, ``char_end``: within one document) are ``int32``, half of
    the rest. Code that packs positions into one key must widen them first (``astype(np.int64)``).

    ``granularity="fine"``: each token followed by its parts, so that a compound the dictionary keeps whole
    (高质量发展) is counted as itself and under each part (高质量, 质量, 发展); see
    :mod:`huayu.pipeline.segment.parts`.
    """
    from huayu.pipeline.segment.parts import check_granularity, fine_tokens

    fine = check_granularity(granularity) == "fine"
    path = table_path(processed_dir, "tokens.parquet")
    if columns is not None:
        columns = list(dict.fromkeys(columns))
        unknown = [c for c in columns if c not in schema.TOKENS.columns]
        if unknown:
            from huayu.errors import ParameterError

            raise ParameterError(f"columns: unknown tokens column(s) {', '.join(unknown)}; valid: "
                                 f"{', '.join(schema.TOKENS.names)}")
    filters = None
    if not is_none(doc_ids) and doc_ids != "all":
        filters = [("doc_id", "in", [str(d) for d in ([doc_ids] if isinstance(doc_ids, str) else doc_ids)])]
    if fine:  # the parts interleave by token_index and offsets: read whole rows, then select
        if categorical:  # both tables dictionary-encoded and int32, so the two are never held as strings
            coarse = _read_token_file(path, None, filters, True)
            parts = _read_token_file(_parts_path(path), None, filters, True)
            frame = fine_tokens(coarse, parts, consume=True)  # the two are emptied column by column
            del coarse, parts
            pa.default_memory_pool().release_unused()  # the two inputs' Arrow buffers back to the system
            frame = frame[columns] if columns is not None else frame  # categories: those that occur
        else:
            frame = fine_tokens(_read_filtered(path, filters), _read_filtered(_parts_path(path), filters))
            frame = frame[columns] if columns is not None else frame
        return schema.TOKENS.validate(frame, path, columns=columns)
    frame = _read_token_file(path, columns, filters, categorical)
    return schema.TOKENS.validate(frame, path, columns=columns)


def _read_token_file(path: Path, columns, filters, categorical: bool) -> pd.DataFrame:
    """A tokens or parts table (either layout) as :func:`read_tokens` returns it at the coarse granularity,
    before validation."""
    if not (path.is_file() or (path.is_dir() and any(path.glob("part-*.parquet")))):
        raise FileNotFoundError(f"{path} does not exist: run `make prepare` first")
    dictionary = [c for c in DICTIONARY_COLUMNS if columns is None or c in columns] if categorical else None
    if categorical and filters is None and path.is_file():
        table = _read_positions_int32(path, columns, dictionary)
    else:
        table = _read_table(path, columns=columns, filters=filters, read_dictionary=dictionary or None)
        for column in [c for c in POSITION_COLUMNS if c in table.column_names] if categorical else ():
            i = table.column_names.index(column)
            table = table.set_column(i, column, _int32(table.column(i), column, path))
    frame = table.to_pandas(split_blocks=True, self_destruct=True)
    del table
    for column in dictionary or ():
        values = frame[column]
        if isinstance(values.dtype, pd.CategoricalDtype):
            categories = values.cat.categories
            frame[column] = values.cat.reorder_categories(categories.sort_values())
    return frame


def _read_positions_int32(path: Path, columns, dictionary, row_groups_per_read: int = 64) -> pa.Table:
    """A tokens file read a few row groups at a time, each with its positions cast to int32 as it comes: the
    int64 columns of the whole table are never in memory at once (at 10,000 documents / 62.5 M tokens the
    peak of the read falls from 5.3 to 3.5 GB, same time)."""
    file = pq.ParquetFile(path, read_dictionary=dictionary or None)
    n = file.metadata.num_row_groups
    parts = []
    for first in range(0, n, row_groups_per_read):
        part = file.read_row_groups(list(range(first, min(n, first + row_groups_per_read))), columns=columns)
        for column in [c for c in POSITION_COLUMNS if c in part.column_names]:
            i = part.column_names.index(column)
            part = part.set_column(i, column, _int32(part.column(i), column, path))
        parts.append(part)
    if not parts:
        return _read_table(path, columns=columns, read_dictionary=dictionary or None)
    table = pa.concat_tables(parts)
    del parts
    return table


def _int32(values, column: str, path: Path):
    """``values`` (an Arrow or NumPy integer array) as int32; a TableError if a value does not fit."""
    import numpy as np
    import pyarrow.compute as pc

    if isinstance(values, np.ndarray):
        if len(values) and (values.max() > np.iinfo(np.int32).max or values.min() < np.iinfo(np.int32).min):
            raise TableError(path, [f"column {column} holds values beyond int32 (a document of 2**31 positions)"])
        return values.astype(np.int32)
    try:
        return pc.cast(values, pa.int32())  # safe cast: raises when a value does not fit
    except pa.ArrowInvalid as err:
        raise TableError(path, [f"column {column} holds values beyond int32: {err}"]) from None


def _read_table(path: Path, *, columns=None, filters=None, read_dictionary=None) -> pa.Table:
    """One parquet file, or the parts of a dataset folder in the order of their names (:mod:`pyarrow.dataset`)."""
    if path.is_file():
        return pq.read_table(path, columns=columns, filters=filters, read_dictionary=read_dictionary)
    fmt = ds.ParquetFileFormat(read_options={"dictionary_columns": list(read_dictionary or ())})
    dataset = ds.dataset([str(p) for p in sorted(path.glob("part-*.parquet"))], format=fmt)
    return dataset.to_table(columns=columns, filter=pq.filters_to_expression(filters) if filters else None)


def _parts_path(tokens_path: Path) -> Path:
    """The parts table beside a tokens table of either layout (``token_parts.parquet`` or ``token_parts/``)."""
    if tokens_path.is_file():
        return tokens_path.with_name("token_parts.parquet")
    return tokens_path.with_name("token_parts")


def _read_filtered(path: Path, filters) -> pd.DataFrame:
    if not (path.is_file() or (path.is_dir() and any(path.glob("part-*.parquet")))):
        raise FileNotFoundError(f"{path} does not exist: run `make prepare` first")
    return _read_table(path, filters=filters).to_pandas()


def read_token_parts(processed_dir: str | Path = "data/processed") -> pd.DataFrame:
    """One row per part of a token (the tokens table's columns; ``token_index`` of the token it lies in)."""
    return _read(processed_dir, "token_parts.parquet", "make prepare")
