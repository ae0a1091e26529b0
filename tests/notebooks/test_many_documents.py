"""Notebooks 01, 02, 03 and 07 on a synthetic corpus of 120 documents: every figure fits a journal page
(≤ 2160 × 2850 px at 300 dpi)."""

from __future__ import annotations

import pytest
from _notebook_runs import run, strict_kernel  # noqa: F401  (strict_kernel: autouse fixture)

NOTEBOOKS = ["01-corpus-overview", "02-tfidf", "03-topics", "07-rhetoric"]


@pytest.mark.slow
def test_figures_fit_the_page_with_many_documents(tmp_path):
    from _figure_fit import assert_png_fits
    from _synthetic_corpus import write_corpus

    from huayu.pipeline.prepare import prepare

    corpus = write_corpus(tmp_path / "corpus", 120)
    out = tmp_path / "out"
    prepare(corpus, out, progress=False)
    figures = tmp_path / "figures"
    for name in NOTEBOOKS:
        folder = run(name, out, figures, formats=["png"], dpi=300)
        pngs = sorted(folder.glob("*.png"))
        assert pngs, name
        for png in pngs:
            assert_png_fits(png, dpi=300)
