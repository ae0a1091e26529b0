"""Notebooks 05 (keyness, dispersion) and 06 (collocations, KWIC, clusters).

Fast: structure of the committed notebooks and agreement with ``params/default.yaml``. Slow: both run
through papermill on the bundled corpus (prepared into a temporary folder), and the tables written beside
the figures are checked against the token table.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _notebook_runs import (  # noqa: F401  (strict_kernel: autouse fixture)
    BUNDLED, bundled_parameters, check_outputs, check_parameters_agree_with_default_yaml, check_structure, csv, run,
    strict_kernel)

from huayu.paths import ROOT

NOTEBOOKS = ["05-keyness", "06-collocations-kwic"]
FIGURES = {
    "05-keyness": ["keyness-bars", "keyness-by-group", "keyness-bars-group", "keyness-by-period", "dispersion-plot"],
    "06-collocations-kwic": ["collocates", "collocation-network"],
}
TABLES = {
    "05-keyness": ["keyness-table", "frequency-dispersion", "frequency-dispersion-segments"],
    "06-collocations-kwic": ["collocates", "kwic", "clusters", "kwic-by-unit"],
}


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_structure(name):
    check_structure(name, min_markdown=6)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_parameters_agree_with_default_yaml(name):
    check_parameters_agree_with_default_yaml(name)


# ------------------------------------------------------------------------------------------------ running


def parameter(name: str, key: str):
    """The value `make` gives the bundled corpus (notebook default, then params/bundled.yaml)."""
    return bundled_parameters(name)[key]


def check_keyness(folder: Path, out: Path) -> None:
    tokens = pd.read_parquet(out / "processed" / "tokens.parquet")
    words = tokens[~tokens["is_punct"]]
    target = parameter("05-keyness", "target")
    table = csv(folder, "keyness-table").set_index("term")
    in_target = words[words["doc_id"] == target]["token"].value_counts()
    in_reference = words[words["doc_id"] != target]["token"].value_counts()
    for term in table.index[:20].tolist() + table.index[-20:].tolist():
        assert table.loc[term, "freq_target"] == in_target.get(term, 0)
        assert table.loc[term, "freq_reference"] == in_reference.get(term, 0)
    assert (table["freq_target"] + table["freq_reference"] >= parameter("05-keyness", "min_freq")).all()
    assert table["g2"].is_monotonic_decreasing
    assert (table["g2"] > 0).any() and (table["g2"] < 0).any()
    c, d = len(words[words["doc_id"] == target]), len(words[words["doc_id"] != target])
    a = table["freq_target"].where(table["freq_target"] > 0, 0.5)
    b = table["freq_reference"].where(table["freq_reference"] > 0, 0.5)
    np.testing.assert_allclose(table["log_ratio"], np.log2((a / c) / (b / d)))
    assert (table["significant"] == (table["p_bonferroni"] < parameter("05-keyness", "alpha"))).all()
    bars = csv(folder, "keyness-bars")
    n = parameter("05-keyness", "n_keywords")
    assert (bars["direction"] == "target").sum() <= n and (bars["direction"] == "reference").sum() <= n
    per_doc = csv(folder, "keyness-by-group")
    assert set(per_doc["group"]) <= set(words["doc_id"])
    assert (per_doc["g2"] > 0).all()
    group_bars = csv(folder, "keyness-bars-group")
    assert len(group_bars) > 0


def check_dispersion(folder: Path, out: Path) -> None:
    tokens = pd.read_parquet(out / "processed" / "tokens.parquet")
    content = tokens[~tokens["is_punct"] & ~tokens["is_stop"]]
    freq = csv(folder, "frequency-dispersion").set_index("term")
    counts = content["token"].value_counts()
    for term in freq.index[:30]:
        assert freq.loc[term, "freq"] == counts[term]
        assert freq.loc[term, "range"] == content.loc[content["token"] == term, "doc_id"].nunique()
    assert ((freq["dp"] >= 0) & (freq["dp"] <= 1)).all()
    assert ((freq["juilland_d"] >= 0) & (freq["juilland_d"] <= 1)).all()
    segments = csv(folder, "frequency-dispersion-segments")
    assert (segments["range"] <= parameter("05-keyness", "n_segments")).all()
    doc = parameter("05-keyness", "dispersion_document")
    doc_counts = content[content["doc_id"] == doc]["token"].value_counts()
    assert segments.set_index("term")["freq"].to_dict() == {
        t: v for t, v in doc_counts.items() if v >= parameter("05-keyness", "frequency_min")}
    positions = csv(folder, "dispersion-plot")
    words = tokens[~tokens["is_punct"]]
    chosen = words[words["token"].isin(parameter("05-keyness", "dispersion_terms"))]
    assert positions.groupby(["doc_id", "term"]).size().to_dict() == \
        chosen.groupby(["doc_id", "token"]).size().to_dict()
    assert ((positions["position"] >= 0) & (positions["position"] < 1)).all()


def check_collocations(folder: Path, out: Path) -> None:
    tokens = pd.read_parquet(out / "processed" / "tokens.parquet")
    node = parameter("06-collocations-kwic", "node")
    left, right = parameter("06-collocations-kwic", "left"), parameter("06-collocations-kwic", "right")
    table = csv(folder, "collocates")
    assert (table["node"] == node).all()
    assert (table["observed"] == table["left"] + table["right"]).all()
    assert (table["observed"] >= parameter("06-collocations-kwic", "min_freq")).all()
    # recount the top collocate by hand: punctuation and stopwords out, windows inside sentences
    stream = tokens[~tokens["is_punct"] & ~tokens["is_stop"]]
    top = table.iloc[0]
    observed = 0
    for _, sent in stream.groupby(["doc_id", "sent_id"], sort=False):
        words = sent["token"].tolist()
        for i, w in enumerate(words):
            if w == node:
                window = words[max(0, i - left):i] + words[i + 1:i + 1 + right]
                observed += window.count(top["collocate"])
    assert top["observed"] == observed
    n = len(stream)
    f_node = (stream["token"] == node).sum()
    f_coll = (stream["token"] == top["collocate"]).sum()
    assert top["expected"] == pytest.approx(f_node * f_coll * (left + right) / n)
    assert top["pmi"] == pytest.approx(math.log2(observed / top["expected"]))
    assert top["log_dice"] == pytest.approx(14 + math.log2(2 * observed / (f_node + f_coll)))
    network = csv(folder, "collocation-network")
    assert 0 < len(network) <= parameter("06-collocations-kwic", "network_edges")
    assert (network["source"] != network["target"]).all()


def check_kwic_and_clusters(folder: Path, out: Path) -> None:
    tokens = pd.read_parquet(out / "processed" / "tokens.parquet")
    documents = pd.read_parquet(out / "interim" / "documents.parquet").set_index("doc_id")
    pattern = parameter("06-collocations-kwic", "kwic_pattern")
    conc = csv(folder, "kwic")
    assert len(conc) == (tokens["token"] == pattern).sum()
    for row in conc.itertuples():
        text = documents.loc[row.doc_id, "text"]
        assert text[row.char_start:row.char_end] == pattern == row.keyword
        assert text[row.char_end:].startswith("" if pd.isna(row.right) else row.right)
    html = (folder / "kwic.html").read_text(encoding="utf-8")
    assert html.count(f"<mark>{pattern}</mark>") == len(conc)
    clusters = csv(folder, "clusters")
    assert (clusters["freq"] >= parameter("06-collocations-kwic", "cluster_min_freq")).all()
    assert (clusters["range"] >= parameter("06-collocations-kwic", "cluster_min_range")).all()
    assert clusters["n"].between(2, 6).all()


@pytest.mark.slow
def test_keyness_notebook_on_bundled_corpus(bundled_out, tmp_path):
    folder = run("05-keyness", bundled_out, tmp_path / "figures", params_file=BUNDLED)
    check_outputs(folder, FIGURES["05-keyness"], TABLES["05-keyness"])
    check_keyness(folder, bundled_out)
    check_dispersion(folder, bundled_out)


@pytest.mark.slow
def test_collocations_notebook_on_bundled_corpus(bundled_out, tmp_path):
    folder = run("06-collocations-kwic", bundled_out, tmp_path / "figures", params_file=BUNDLED, lang="en")
    check_outputs(folder, FIGURES["06-collocations-kwic"], TABLES["06-collocations-kwic"])
    check_collocations(folder, bundled_out)
    check_kwic_and_clusters(folder, bundled_out)


@pytest.mark.slow
def test_keyness_notebook_by_year_in_english(bundled_out, tmp_path):
    folder = run("05-keyness", bundled_out, tmp_path / "figures", lang="en", by="year", target="2023",
                 reference=["2021", "2022"], group_by="province", group_target="山东 Shandong")
    table = csv(folder, "keyness-table")
    tokens = pd.read_parquet(bundled_out / "processed" / "tokens.parquet")
    words = tokens[~tokens["is_punct"]]
    # 2023: changan_2023 and laixi_2023; the template (no date) is in neither group
    target_words = words[words["doc_id"].isin(["changan_2023", "laixi_2023"])]
    counts = target_words["token"].value_counts()
    top = table.iloc[0]
    assert top["freq_target"] == counts[top["term"]]


@pytest.mark.slow
def test_bad_target_stops_with_a_clear_message(bundled_out, tmp_path):
    import papermill

    with pytest.raises(papermill.PapermillExecutionError, match="valid values"):
        run("05-keyness", bundled_out, tmp_path / "figures", params_file=BUNDLED, target="beijing_2024")
