"""The stage tables follow huayu.schema: what prepare writes, what the readers accept, the test tables."""

from __future__ import annotations

import pandas as pd
import pytest

from _token_tables import make_tokens
from huayu import schema
from huayu.errors import TableError
from huayu.pipeline import tables


def test_prepared_tables_match_their_schema(tiny_out):
    for table in schema.TABLES.values():
        df = pd.read_parquet(tiny_out / table.folder / table.file)
        assert table.problems(df) == [], table.name
        assert list(df.columns[: len(table.names)]) == table.names or table.open_columns, table.name


def test_reader_names_the_file_and_column_of_a_table_that_does_not_match(tiny_out, tmp_path):
    broken = pd.read_parquet(tiny_out / "processed" / "tokens.parquet").drop(columns=["pos"])
    broken["char_start"] = broken["char_start"].astype("str")
    broken.to_parquet(tmp_path / "tokens.parquet")
    with pytest.raises(TableError) as info:
        tables.read_tokens(tmp_path)
    message = str(info.value)
    assert "tokens.parquet: lacks the column(s) pos" in message
    assert "column char_start is str, not int64" in message and "make prepare" in message


def test_documents_table_may_carry_extra_metadata_columns(tiny_out):
    docs = pd.read_parquet(tiny_out / "interim" / "documents.parquet").assign(province="山东省")
    assert schema.DOCUMENTS.problems(docs) == []
    assert schema.SENTENCES.problems(pd.read_parquet(tiny_out / "interim" / "sentences.parquet").assign(x=1)) == [
        "has unexpected column(s) x"]


def test_hand_made_test_tables_follow_the_schema():
    tokens = make_tokens({"a": [["改革", "，", "发展"]], "b": [["发展"]]})
    assert schema.TOKENS.problems(tokens) == []
    assert tokens.columns.tolist() == schema.TOKENS.names


def test_conform_casts_only_numbers_and_flags():
    df = pd.DataFrame({"doc_id": ["a"], "para_id": [1.0], "is_stop": [0]})
    out = schema.TOKENS.conform(df)
    assert out["para_id"].dtype == "int64" and out["is_stop"].dtype == bool and out["doc_id"].dtype != "int64"
