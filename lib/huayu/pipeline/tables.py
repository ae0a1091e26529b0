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

from pathlib import Path

import pandas as pd

from huayu import schema
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


def read_tokens(processed_dir: str | Path = "data/processed") -> pd.DataFrame:
    """One row per token (``doc_id … is_formula``)."""
    return _read(processed_dir, "tokens.parquet", "make prepare")
