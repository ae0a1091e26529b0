"""A real :class:`huayu.notebook.context.NotebookContext` over small hand-made tables, for figure tests."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from _token_tables import make_documents, make_tokens


def make_context(tmp_path: Path, docs: dict[str, list[list[str]]], *, lang: str = "zh",
                 places: dict[str, tuple[str, str]] | None = None, dates: dict[str, str] | None = None):
    """Write the documents and tokens of ``docs`` under ``tmp_path`` and return a context reading them."""
    from huayu.notebook.context import NotebookContext, strict_glyphs

    strict_glyphs(True)
    interim, processed = tmp_path / "interim", tmp_path / "processed"
    interim.mkdir(parents=True, exist_ok=True)
    processed.mkdir(parents=True, exist_ok=True)
    documents = make_documents(docs, dates=dates, places=places)
    documents["genre"] = "speech"
    documents.to_parquet(interim / "documents.parquet", index=False)
    make_tokens(docs).to_parquet(processed / "tokens.parquet", index=False)
    return NotebookContext("05-keyness", figures_dir=tmp_path / "figures", lang=lang, formats=["png"], dpi=60,
                           interim_dir=interim, processed_dir=processed)


def written(ctx, name: str) -> list[str]:
    return sorted(p.name for p in Path(ctx.out_dir).glob(f"{name}.*"))


def table(ctx, name: str) -> pd.DataFrame:
    return pd.read_csv(Path(ctx.out_dir) / f"{name}.csv", encoding="utf-8-sig")
