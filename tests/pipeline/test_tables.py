"""The stage-table readers: the tokens read dictionary-encoded, some columns, some documents."""

from __future__ import annotations

import pandas as pd
import pytest

from huayu.errors import ParameterError
from huayu.pipeline.tables import read_tokens


def test_tokens_read_as_categoricals_equal_the_strings(bundled_out):
    plain = read_tokens(bundled_out / "processed")
    coded = read_tokens(bundled_out / "processed", categorical=True)
    for column in ("doc_id", "token", "pos"):
        assert isinstance(coded[column].dtype, pd.CategoricalDtype)
        categories = list(coded[column].cat.categories)
        assert categories == sorted(categories)  # sorting the codes sorts the strings
    positions = ("para_id", "sent_id", "token_index", "char_start", "char_end")
    assert all(coded[c].dtype == "int32" for c in positions) and all(plain[c].dtype == "int64" for c in positions)
    pd.testing.assert_frame_equal(plain, coded.astype({"doc_id": "str", "token": "str", "pos": "str",
                                                       **{c: "int64" for c in positions}}))
    assert coded.memory_usage(deep=True).sum() < plain.memory_usage(deep=True).sum()
    fine = read_tokens(bundled_out / "processed", categorical=True, granularity="fine")
    assert all(fine[c].dtype == "int32" for c in positions)


def test_positions_beyond_int32_are_refused_not_wrapped(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    from huayu.errors import TableError

    row = {"doc_id": ["d"], "para_id": [0], "sent_id": [0], "token_index": [0], "char_start": [2**31],
           "char_end": [2**31 + 1], "token": ["词"], "pos": ["n"], "is_stop": [False], "is_punct": [False],
           "is_formula": [False]}
    pq.write_table(pa.table(row), tmp_path / "tokens.parquet")
    assert read_tokens(tmp_path)["char_start"].iloc[0] == 2**31  # int64 as stored
    with pytest.raises(TableError, match="char_start holds values beyond int32"):
        read_tokens(tmp_path, categorical=True)


def test_columns_and_documents_are_pushed_into_the_read(bundled_out):
    plain = read_tokens(bundled_out / "processed")
    part = read_tokens(bundled_out / "processed", columns=["doc_id", "token"], doc_ids=["laixi_2023"])
    assert list(part.columns) == ["doc_id", "token"]
    expected = plain.loc[plain["doc_id"] == "laixi_2023", ["doc_id", "token"]].reset_index(drop=True)
    pd.testing.assert_frame_equal(part, expected)
    assert len(read_tokens(bundled_out / "processed", doc_ids="all")) == len(plain)
    with pytest.raises(ParameterError, match="unknown tokens column"):
        read_tokens(bundled_out / "processed", columns=["doc_id", "lemma"])
