"""NotebookContext's fine granularity: the tokens with the parts of compounds, same columns and encoding."""

from __future__ import annotations

import pandas as pd
import pytest

from huayu.errors import ParameterError
from huayu.notebook.context import NotebookContext
from huayu.pipeline import tables


@pytest.fixture(scope="module")
def ctx(bundled_out, tmp_path_factory):
    return NotebookContext(notebook="04-keyword-trends", figures_dir=tmp_path_factory.mktemp("figures"),
                           interim_dir=bundled_out / "interim", processed_dir=bundled_out / "processed")


def test_fine_tokens_have_the_coarse_columns_and_encoding(ctx):
    coarse, fine = ctx.tokens, ctx.tokens_fine
    assert list(fine.columns) == list(coarse.columns)
    assert fine.dtypes.astype(str).to_dict() == coarse.dtypes.astype(str).to_dict()  # categoricals both
    assert isinstance(fine["token"].dtype, pd.CategoricalDtype)
    parts = tables.read_tokens(ctx.processed_dir, granularity="fine")
    assert len(fine) == len(parts) > len(coarse)
    # every coarse row is there, in order, each followed by its parts
    first = fine.drop_duplicates(["doc_id", "token_index"])
    assert first["token"].astype(str).tolist() == coarse["token"].astype(str).tolist()


def test_a_count_at_the_fine_granularity_finds_parts(ctx):
    coarse = int((ctx.tokens["token"] == "人居环境").sum())
    fine = int((ctx.tokens_fine["token"] == "人居环境").sum())
    inside = int(ctx.tokens["token"].astype(str).str.contains("人居环境").sum())
    assert fine == inside > coarse  # 农村人居环境整治, 农村人居环境 … each count once more


def test_tokens_at(ctx):
    assert ctx.tokens_at("coarse") is ctx.tokens and ctx.tokens_at() is ctx.tokens
    assert ctx.tokens_at("fine") is ctx.tokens_fine
    with pytest.raises(ParameterError, match="granularity"):
        ctx.tokens_at("medium")
