"""Every notebook at three corpus sizes — the bundled corpus (5 documents), 40 State Council work reports
1954–1996 (dated: the diachronic sections run) and 300 synthetic documents — with the parameters `make` would use
(params/bundled.yaml for the bundled corpus, params/default.yaml for the others). Asserted on the written files:
every PNG at most 2160 × 2850 px at 300 dpi (7.2 × 9.5 in), every table complete (every document and every unit
present). Overlapping tick labels are asserted on the same figure functions by tests/plot/test_figure_fit.py
(drawn extents of the labels, 60 documents)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from _notebook_runs import BUNDLED, FIGURE_NOTEBOOKS, csv, run, strict_kernel  # noqa: F401  (strict_kernel: autouse fixture)

from huayu.paths import ROOT

NOTEBOOKS = FIGURE_NOTEBOOKS
DEFAULT = ROOT / "params" / "default.yaml"


def _corpus(size: str, tmp_path: Path, bundled_out: Path) -> tuple[Path, Path]:
    from huayu.pipeline.prepare import prepare

    if size == "bundled":
        return bundled_out, BUNDLED
    if size == "40":
        from _state_council import write_corpus

        corpus = write_corpus(tmp_path / "corpus", limit=40)
    else:
        from _synthetic_corpus import write_corpus

        corpus = write_corpus(tmp_path / "corpus", 300)
    out = tmp_path / "out"
    prepare(corpus, out, progress=False)
    return out, DEFAULT


def check_tables(figures: Path, out: Path) -> None:
    from huayu.analysis import units

    documents = pd.read_parquet(out / "interim" / "documents.parquet")
    ids = set(documents["doc_id"])
    n = len(ids)
    overview = figures / "01-corpus-overview"
    assert set(csv(overview, "lengths")["doc_id"]) == ids
    table = csv(overview, "units")
    assert set(table["unit"]) == ids and table["n_documents"].sum() == n  # unit = doc_id by default
    # the similarity matrix covers at most max_similarity_units (200) units: the ones with the most words
    similarity = csv(figures / "02-tfidf", "similarity")
    assert similarity.shape[0] == min(n, 200) and set(similarity["unit"]) <= ids
    assert set(csv(figures / "03-topics", "topic-shares-nmf")["doc_id"]) == ids
    trends = figures / "04-keyword-trends"
    rates = csv(trends, "unit-rates")
    assert set(rates["unit"]) == ids
    assert (rates.groupby("unit").size() == rates["keyword"].nunique()).all()  # every unit × keyword, zeros too
    assert set(csv(trends, "document-trends")["doc_id"]) == ids
    dated = units.is_dated(documents)
    assert (trends / "period-trends.png").is_file() == dated
    if dated:
        periods = set(units.document_periods(documents)["period"])
        assert {str(u) for u in csv(trends, "period-trends")["unit"]} == periods
    keyness = figures / "05-keyness"
    sizes = pd.read_csv(keyness / "keyness-by-group.csv", encoding="utf-8-sig")
    assert set(sizes["group"]) <= ids and sizes["group"].nunique() >= min(n, 12)
    assert (keyness / "keyness-by-period.png").is_file() == dated
    assert set(csv(figures / "06-collocations-kwic", "kwic-by-unit")["unit"]) == ids
    rhetoric = figures / "07-rhetoric"
    assert (rhetoric / "formula-timeline.png").is_file() == dated
    assert set(csv(figures / "08-text-reuse", "reuse-coverage")["doc_id"]) == ids
    assert set(csv(figures / "08-text-reuse", "reuse-coverage-by-unit")["doc_id"]) == ids


@pytest.mark.slow
@pytest.mark.parametrize("size", ["bundled", "40", "300"])
def test_every_notebook_at_three_sizes(size, bundled_out, tmp_path):
    from _figure_fit import assert_png_fits

    out, params = _corpus(size, tmp_path, bundled_out)
    figures = tmp_path / "figures"
    for name in NOTEBOOKS:
        folder = run(name, out, figures, params_file=params, formats=["png"], dpi=300)
        pngs = sorted(folder.glob("*.png"))
        assert pngs, name
        for png in pngs:
            assert_png_fits(png, dpi=300)
    check_tables(figures, out)
