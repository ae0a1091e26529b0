"""Notebooks 01–04: structure (fast) and end-to-end runs through papermill (slow).

The slow tests run each notebook on the bundled corpus and on the tiny fixture corpus (two short texts,
``tests/fixtures/tiny_corpus``) into temporary folders and check the files written and the values in the
tables beside the figures; bad parameters must stop the notebook with one clear message.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _notebook_runs import (  # noqa: F401  (strict_kernel: autouse fixture)
    check_outputs, check_parameters_agree_with_default_yaml, check_structure, csv, run, strict_kernel)

from huayu.paths import ROOT

NOTEBOOKS = ["01-corpus-overview", "02-tfidf", "03-topics", "04-keyword-trends"]
FIGURES = {
    "01-corpus-overview": ["lengths", "cleaning", "lexical-diversity"],
    "02-tfidf": ["top-terms", "term-heatmap", "similarity"],
    "03-topics": ["topic-terms-nmf", "topic-shares-nmf", "topic-terms-lda", "topic-shares-lda", "silhouette",
                  "paragraph-map"],
    "04-keyword-trends": ["segment-trends", "document-trends", "unit-rates", "period-trends", "dispersion"],
}


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_structure(name):
    check_structure(name, min_markdown=4)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_parameters_agree_with_default_yaml(name):
    check_parameters_agree_with_default_yaml(name)


# ------------------------------------------------------------------------------------------------ running


def word_tokens(out: Path, granularity: str = "coarse") -> pd.DataFrame:
    from huayu.pipeline.tables import read_tokens

    tokens = read_tokens(out / "processed", granularity=granularity)
    return tokens[~tokens["is_punct"]]


def check_overview(folder: Path, out: Path) -> None:
    documents = pd.read_parquet(out / "interim" / "documents.parquet")
    words = word_tokens(out)
    lengths = csv(folder, "lengths").set_index("doc_id")
    assert list(lengths.index) == list(documents["doc_id"])  # no document dropped, corpus order
    assert lengths["n_tokens"].to_dict() == words.groupby("doc_id").size().to_dict()
    assert lengths["n_chars_clean"].tolist() == documents["n_chars_clean"].tolist()
    assert len(csv(folder, "documents")) == len(documents)
    removed = csv(folder, "cleaning")
    log = pd.read_csv(out / "interim" / "cleaning_log.csv", encoding="utf-8-sig")
    assert removed["n_removals"].sum() == len(log)
    assert removed["n_chars_removed"].sum() == (log["raw_char_end"] - log["raw_char_start"]).sum()
    diversity = csv(folder, "lexical-diversity")
    assert ((diversity["mattr"] > 0) & (diversity["mattr"] <= 1)).all()
    assert ((diversity["ttr"] > 0) & (diversity["ttr"] <= 1)).all()


def check_tfidf(folder: Path) -> None:
    sim = csv(folder, "similarity").set_index("unit")
    values = sim.loc[:, list(sim.index)].to_numpy()
    np.testing.assert_allclose(values, values.T, atol=1e-12)
    np.testing.assert_allclose(np.diag(values), 1.0)
    assert ((values >= 0) & (values <= 1 + 1e-12)).all()
    top = csv(folder, "top-terms")
    for _, part in top.groupby("unit"):
        assert part["rank"].tolist() == list(range(1, len(part) + 1))
        assert part["tfidf"].is_monotonic_decreasing
    assert len(csv(folder, "term-heatmap")) > 0


def check_topics(folder: Path, n_paragraph_units: int | None = None) -> None:
    for model in ("nmf", "lda"):
        shares = csv(folder, f"topic-shares-{model}").set_index("doc_id")
        np.testing.assert_allclose(shares.sum(axis=1).to_numpy(), 1.0, atol=1e-9)
        assert ((shares.to_numpy() >= -1e-12) & (shares.to_numpy() <= 1 + 1e-12)).all()
        terms = csv(folder, f"topic-terms-{model}")
        assert set(terms["topic"]) == set(shares.columns)
    sil = csv(folder, "silhouette")
    assert ((sil["silhouette"] >= -1) & (sil["silhouette"] <= 1)).all()
    crosstab = csv(folder, "clusters-by-document")
    points = csv(folder, "paragraph-map")
    assert crosstab.drop(columns="cluster").to_numpy().sum() == len(points)
    if n_paragraph_units is not None:
        assert len(points) == n_paragraph_units


def check_trends(folder: Path, out: Path, keywords: list[str], match: str, granularity: str = "fine") -> None:
    segments = csv(folder, "segment-trends")
    by_document = csv(folder, "document-trends")
    hits = csv(folder, "dispersion")
    assert set(segments["keyword"]) == set(keywords)
    np.testing.assert_allclose(segments["per_1000"], 1000 * segments["count"] / segments["n_tokens"])
    per_doc = segments.groupby(["doc_id", "keyword"])["count"].sum()
    doc_counts = by_document.set_index(["doc_id", "keyword"])["count"]
    assert per_doc.sort_index().to_dict() == doc_counts.sort_index().to_dict()
    assert hits.groupby(["doc_id", "keyword"]).size().to_dict() == {k: v for k, v in per_doc.items() if v}
    if match == "token":  # at the fine granularity the parts of compounds count too (人居环境 in 农村人居环境整治)
        words = word_tokens(out, granularity)
        expected = words[words["token"].isin(keywords)].groupby(["doc_id", "token"]).size()
        assert {k: v for k, v in per_doc.items() if v} == expected.to_dict()
    # documents ordered by date, the undated ones last
    order = by_document.drop_duplicates("doc_id").sort_values("order")
    dated = order[order["dated"]]
    assert list(dated["date"]) == sorted(dated["date"])
    assert not order["dated"].iloc[len(dated):].any()


# tiny corpus: hand counts of the keywords in tests/fixtures/tiny_corpus/raw/*.txt
TINY_KEYWORDS = ["项目", "乡村振兴", "营商环境", "创新", "民生"]
TINY_HAND_COUNTS = {
    ("jia_2022", "项目"): 4, ("yi_2021", "项目"): 2,
    ("jia_2022", "乡村振兴"): 2, ("yi_2021", "乡村振兴"): 0,
    ("jia_2022", "营商环境"): 2, ("yi_2021", "营商环境"): 1,
    ("jia_2022", "创新"): 4, ("yi_2021", "创新"): 1,
    ("jia_2022", "民生"): 0, ("yi_2021", "民生"): 2,
}
TINY_PARAMS = {
    "03-topics": {"n_topics": 2, "n_clusters": 2, "silhouette_ks": [2, 3], "min_freq": 1},
    "04-keyword-trends": {"keywords": TINY_KEYWORDS, "n_segments": 3, "match": "text"},
}


@pytest.mark.slow
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_on_tiny_corpus(name, tiny_out, tmp_path):
    folder = run(name, tiny_out, tmp_path / "figures", lang="en", **TINY_PARAMS.get(name, {}))
    check_outputs(folder, FIGURES[name])
    if name == "01-corpus-overview":
        check_overview(folder, tiny_out)
        removed = csv(folder, "cleaning").set_index("doc_id")
        assert removed.loc["jia_2022", "rule"] == "watermark_url"
        assert removed.loc["jia_2022", "n_chars_removed"] == len("(www.example.com)")
    elif name == "02-tfidf":
        check_tfidf(folder)
        sim = csv(folder, "similarity").set_index("unit")
        assert sim.shape == (2, 2)
    elif name == "03-topics":
        check_topics(folder)
    else:
        check_trends(folder, tiny_out, TINY_KEYWORDS, "text")
        counts = csv(folder, "document-trends").set_index(["doc_id", "keyword"])["count"].to_dict()
        assert counts == TINY_HAND_COUNTS
        order = csv(folder, "document-trends").drop_duplicates("doc_id")["doc_id"].tolist()
        assert order == ["yi_2021", "jia_2022"]  # 2021 before 2022-01-10


@pytest.mark.slow
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_on_bundled_corpus(name, bundled_out, tmp_path):
    folder = run(name, bundled_out, tmp_path / "figures")
    check_outputs(folder, FIGURES[name])
    documents = pd.read_parquet(bundled_out / "interim" / "documents.parquet")
    if name == "01-corpus-overview":
        check_overview(folder, bundled_out)
        assert "template_xx" in set(csv(folder, "lengths")["doc_id"])
    elif name == "02-tfidf":
        check_tfidf(folder)
        assert set(csv(folder, "similarity")["unit"]) == set(documents["doc_id"])
    elif name == "03-topics":
        check_topics(folder)
        assert set(csv(folder, "topic-shares-nmf")["doc_id"]) == set(documents["doc_id"])
    else:
        keywords = json.loads(json.dumps(parameter(name, "keywords")))
        check_trends(folder, bundled_out, keywords, parameter(name, "match"), parameter(name, "granularity"))
    # every term the default figures show has an English label in the glossary (lang="en")
    from huayu.plot.labels import Labeler

    shown = {"02-tfidf": [("top-terms", "term"), ("term-heatmap", "term")],
             "03-topics": [("topic-terms-nmf", "term"), ("topic-terms-lda", "term")],
             "04-keyword-trends": [("segment-trends", "keyword")]}.get(name, [])
    terms = [t for table, column in shown for t in csv(folder, table)[column]]
    assert Labeler("en").unglossed(terms) == [], "add these terms to data/dictionaries/glossary_zh_en.csv"


@pytest.mark.slow
def test_keyword_trends_count_the_parts_of_compounds(bundled_out, tmp_path):
    """04 at its default granularity (fine) finds 人居环境 inside 农村人居环境整治; coarse only where it is a word."""
    keywords = ["人居环境", "高质量发展"]
    coarse = word_tokens(bundled_out)
    inside = coarse["token"].str.contains("人居环境") & (coarse["token"] != "人居环境")
    assert inside.any()  # the bundled texts have 农村人居环境整治 and its kin
    counts = {}
    for granularity in ("fine", "coarse"):
        folder = run("04-keyword-trends", bundled_out, tmp_path / granularity, keywords=keywords,
                     granularity=granularity)
        found = [k for k in keywords if granularity == "fine" or (coarse["token"] == k).any()]
        check_trends(folder, bundled_out, found, "token", granularity)  # a keyword found nowhere is left out
        by_document = csv(folder, "document-trends").set_index(["doc_id", "keyword"])
        counts[granularity] = by_document["count"]
        assert by_document["n_tokens"].groupby(level="doc_id").first().to_dict() == (
            coarse.groupby("doc_id").size().to_dict())  # rates per 1,000 coarse tokens at either granularity
    assert counts["fine"].xs("人居环境", level="keyword").sum() == coarse["token"].str.contains("人居环境").sum()
    assert "人居环境" not in counts["coarse"].index.get_level_values("keyword")  # never a token of its own here
    assert (counts["fine"].xs("高质量发展", level="keyword") >= counts["coarse"].xs("高质量发展", level="keyword")).all()


def parameter(name: str, key: str):
    from huayu.notebook.params import declared_parameters

    return declared_parameters(ROOT / "notebooks" / f"{name}.ipynb")[key]


@pytest.mark.slow
def test_bad_parameters_stop_with_one_clear_message(tiny_out, tmp_path):
    """One run proves a notebook stops at the first bad value with huayu's message. The messages themselves
    (n_topics too large, empty keywords, a keyword that never occurs, unknown doc_ids) are unit tests in
    tests/analysis/test_topics.py, test_trends.py and test_tfidf.py."""
    from papermill.exceptions import PapermillExecutionError

    message = "doc_ids: unknown doc_id(s) 'nowhere_2020'"
    with pytest.raises(PapermillExecutionError) as info:
        run("02-tfidf", tiny_out, tmp_path / "figures", doc_ids=["jia_2022", "nowhere_2020"])
    err = info.value
    assert err.ename == "ParameterError"
    assert message in err.evalue
    # the error is raised by huayu's own checks, not from inside scikit-learn or pandas
    last_frames = "\n".join(err.traceback[-2:])
    assert "sklearn" not in last_frames and "site-packages" not in last_frames
