"""Readers for the stage tables (columns and dtypes in :mod:`huayu.schema`, meanings in ``lib/README.md``).

Every analysis reads its input through these, so a missing table gives one message that says which
command makes it, instead of a pyarrow traceback, and a table that does not match its schema (written by
an older version, or edited by hand) is a :class:`huayu.errors.TableError` naming the file and the column.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from huayu import schema
from huayu.paths import resolve


def _read(folder: str | Path, name: str, maker: str) -> pd.DataFrame:
    path = resolve(folder) / name
    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist: run `{maker}` first")
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


def read_tokens(processed_dir: str | Path = "data/processed", granularity: str = "coarse") -> pd.DataFrame:
    """One row per token (``doc_id … is_formula``).

    ``granularity="fine"``: each token followed by its parts, so that a compound the dictionary keeps whole
    (高质量发展) is counted as itself and under each part (高质量, 质量, 发展); see
    :mod:`huayu.pipeline.segment.parts`.
    """
    from huayu.pipeline.segment.parts import check_granularity, fine_tokens

    tokens = _read(processed_dir, "tokens.parquet", "make prepare")
    if check_granularity(granularity) == "coarse":
        return tokens
    return fine_tokens(tokens, read_token_parts(processed_dir))


def read_token_parts(processed_dir: str | Path = "data/processed") -> pd.DataFrame:
    """One row per part of a token (the tokens table's columns; ``token_index`` of the token it lies in)."""
    return _read(processed_dir, "token_parts.parquet", "make prepare")
