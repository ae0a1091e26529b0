"""The stage tables: each table's columns and dtypes, declared once.

The writers (:mod:`huayu.pipeline.prepare`, :mod:`huayu.pipeline.segment`) build their tables from these
declarations, the readers (:mod:`huayu.pipeline.tables`) check what they read against them, and the tests'
hand-made tables follow them. ``lib/README.md`` ("The tables") describes what each column means.

Kinds: ``"string"`` (text; pandas ``str``/``object``, Arrow string, or categorical of strings when read
dictionary-encoded), ``"int64"`` (offsets and ids),
``"bool"`` (flags). Offsets are 0-based Python string indices, ``char_end`` exclusive.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from huayu.errors import TableError

if TYPE_CHECKING:  # pandas is imported where a table is built or checked
    import pandas as pd


@dataclass(frozen=True)
class TableSchema:
    """One stage table: its file, its required columns (in order) and their kinds.

    ``open_columns``: the table may hold more columns than these (the documents table carries every
    column of ``metadata.csv``, including ones a researcher added).
    """

    name: str
    folder: str          # "interim" or "processed"
    columns: Mapping[str, str]
    open_columns: bool = False

    @property
    def file(self) -> str:
        return f"{self.name}.parquet"

    @property
    def names(self) -> list[str]:
        return list(self.columns)

    def conform(self, df: pd.DataFrame) -> pd.DataFrame:
        """``df`` with its int64 and bool columns cast to their declared dtypes (strings are left as they
        are: the writers choose their string dtype); columns are not reordered."""
        for column, kind in self.columns.items():
            if column in df.columns and kind in ("int64", "bool") and df[column].dtype != kind:
                df[column] = df[column].astype(kind)
        return df

    def problems(self, df: pd.DataFrame) -> list[str]:
        """What does not match the declaration: missing columns, extra columns, wrong kinds."""
        import pandas as pd

        found = []
        missing = [c for c in self.columns if c not in df.columns]
        if missing:
            found.append(f"lacks the column(s) {', '.join(missing)}")
        if not self.open_columns:
            extra = [c for c in df.columns if c not in self.columns]
            if extra:
                found.append(f"has unexpected column(s) {', '.join(map(str, extra))}")
        for column, kind in self.columns.items():
            if column not in df.columns:
                continue
            dtype = df[column].dtype
            ok = {"int64": pd.api.types.is_integer_dtype(dtype),
                  "bool": pd.api.types.is_bool_dtype(dtype),
                  "string": pd.api.types.is_string_dtype(dtype) or pd.api.types.is_object_dtype(dtype)
                  or (isinstance(dtype, pd.CategoricalDtype)  # dictionary-encoded text (a reader's choice)
                      and pd.api.types.is_string_dtype(dtype.categories.dtype))}[kind]
            if not ok:
                found.append(f"column {column} is {dtype}, not {kind}")
        return found

    def validate(self, df: pd.DataFrame, path: str | os.PathLike[str], *, columns=None) -> pd.DataFrame:
        """``df`` if it matches the declaration; otherwise a :class:`TableError` naming ``path``.
        ``columns``: only these columns were read (a subset of the declared ones is then expected)."""
        if columns is not None:
            part = TableSchema(self.name, self.folder, {c: k for c, k in self.columns.items() if c in columns},
                               self.open_columns)
            return part.validate(df, path)
        found = self.problems(df)
        if found:
            raise TableError(path, found)
        return df


DOCUMENTS = TableSchema("documents", "interim", {
    "doc_id": "string", "encoding": "string", "script": "string", "converted_to_simplified": "bool",
    "n_chars_raw": "int64", "n_chars_clean": "int64", "n_paragraphs": "int64", "n_sentences": "int64",
    "n_removals": "int64", "text": "string",
}, open_columns=True)

PARAGRAPHS = TableSchema("paragraphs", "interim", {
    "doc_id": "string", "para_id": "int64", "char_start": "int64", "char_end": "int64",
    "raw_char_start": "int64", "text": "string",
})

SENTENCES = TableSchema("sentences", "interim", {
    "doc_id": "string", "para_id": "int64", "sent_id": "int64", "char_start": "int64", "char_end": "int64",
    "text": "string",
})

CLEANING_LOG = TableSchema("cleaning_log", "interim", {
    "doc_id": "string", "rule": "string", "removed_text": "string", "raw_char_start": "int64",
    "raw_char_end": "int64",
})

TOKENS = TableSchema("tokens", "processed", {
    "doc_id": "string", "para_id": "int64", "sent_id": "int64", "token_index": "int64", "char_start": "int64",
    "char_end": "int64", "token": "string", "pos": "string", "is_stop": "bool", "is_punct": "bool",
    "is_formula": "bool",
})

#: The parts of the tokens the dictionary keeps whole (the fine granularity, ``processed/token_parts.parquet``):
#: the tokens table's columns, one row per part — ``token_index`` of the token it lies in, its own offsets,
#: tag and flags, ``is_formula`` false (:mod:`huayu.pipeline.segment.parts`).
TOKEN_PARTS = TableSchema("token_parts", "processed", dict(TOKENS.columns))

TABLES = {t.name: t for t in (DOCUMENTS, PARAGRAPHS, SENTENCES, CLEANING_LOG, TOKENS, TOKEN_PARTS)}
