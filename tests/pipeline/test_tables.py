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
    pd.testing.assert_frame_equal(plain, coded.astype({"doc_id": "str", "token": "str", "pos": "str"}))
    assert coded.memory_usage(deep=True).sum() < plain.memory_usage(deep=True).sum()


def test_columns_and_documents_are_pushed_into_the_read(bundled_out):
    plain = read_tokens(bundled_out / "processed")
    part = read_tokens(bundled_out / "processed", columns=["doc_id", "token"], doc_ids=["laixi_2023"])
    assert list(part.columns) == ["doc_id", "token"]
    expected = plain.loc[plain["doc_id"] == "laixi_2023", ["doc_id", "token"]].reset_index(drop=True)
    pd.testing.assert_frame_equal(part, expected)
    assert len(read_tokens(bundled_out / "processed", doc_ids="all")) == len(plain)
    with pytest.raises(ParameterError, match="unknown tokens column"):
        read_tokens(bundled_out / "processed", columns=["doc_id", "lemma"])
