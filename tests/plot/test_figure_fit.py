"""Every figure fits a journal page (≤ 7.2 × 9.5 in, no overlapping tick labels) with 60 documents, and the
table saved beside it keeps every document."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

N_DOCS = 60


@pytest.fixture(scope="module")
def ctx(tmp_path_factory):
    from _figure_fit import synthetic_context

    return synthetic_context(tmp_path_factory.mktemp("fit"), N_DOCS)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def frequent_words(ctx, n):
    words = ctx.tokens[~ctx.tokens["is_punct"]]["token"]
    return list(words.value_counts().index[:n])


def check(fig):
    from _figure_fit import assert_fits

    assert_fits(fig)


def saved(ctx, name):
    from _stats_plots import table

    return table(ctx, name)


def test_overview_figures(ctx):
    from huayu.analysis import overview
    from huayu.plot import overview as plots

    docs, tokens = ctx.documents_table, ctx.tokens
    lengths = overview.document_lengths(docs, tokens)
    check(plots.plot_lengths(ctx, lengths))
    assert saved(ctx, "lengths")["doc_id"].nunique() == N_DOCS
    ids = list(docs["doc_id"])
    log = pd.DataFrame({"doc_id": ids * 2, "rule": ["web_boilerplate"] * N_DOCS + ["byline"] * N_DOCS,
                        "removed_text": "x", "raw_char_start": 0, "raw_char_end": np.arange(1, 2 * N_DOCS + 1)})
    check(plots.plot_cleaning(ctx, overview.cleaning_summary(log, docs)))  # used to fail: zip() argument 2 is longer
    assert saved(ctx, "cleaning")["doc_id"].nunique() == N_DOCS
    check(plots.plot_diversity(ctx, overview.lexical_diversity(tokens, window=50),
                               overview.moving_ttr(tokens, window=50)))
    assert saved(ctx, "lexical-diversity")["doc_id"].nunique() == N_DOCS


def test_tfidf_figures(ctx):
    from huayu.analysis import dfm, tfidf
    from huayu.plot import tfidf as plots

    counts = dfm.document_dfm(ctx.tokens, None, {}, drop_stop=True, min_term_chars=2)
    top = tfidf.top_terms(counts, 10, min_freq=1)
    check(plots.plot_top_terms(ctx, top))
    assert saved(ctx, "top-terms")["unit"].nunique() == N_DOCS
    table = tfidf.term_document_table(counts, tfidf.choose_terms(top, [], per_unit=3), value="per_1000")
    check(plots.plot_term_heatmap(ctx, table, value="per_1000"))
    assert saved(ctx, "term-heatmap").shape[1] == N_DOCS + 1
    similarity = tfidf.cosine_similarity(counts)
    check(plots.plot_similarity(ctx, similarity, tfidf.cluster_units(similarity)))
    assert len(saved(ctx, "similarity")) == N_DOCS


def test_topic_figures(ctx):
    from huayu.analysis import topics
    from huayu.plot import topics as plots

    paragraphs = topics.paragraph_dfm(ctx.tokens, None, min_freq=2, min_term_chars=2)
    nmf = topics.fit_topics(paragraphs, 4, model="nmf", random_state=0)
    terms = topics.topic_terms(nmf, 6)
    check(plots.plot_topic_terms(ctx, terms, model="nmf"))
    check(plots.plot_topic_shares(ctx, topics.document_topic_shares(nmf), terms, model="nmf"))
    assert len(saved(ctx, "topic-shares")) == N_DOCS
    clusters = topics.kmeans_paragraphs(paragraphs, 3, random_state=0)
    check(plots.plot_paragraph_map(ctx, topics.paragraph_map(paragraphs, random_state=0, clusters=clusters.labels)))


def test_trend_figures(ctx):
    from huayu.analysis import trends
    from huayu.plot import trends as plots

    keywords = frequent_words(ctx, 4)
    check(plots.plot_segment_trends(ctx, trends.keyword_segments(ctx.tokens, keywords, 5)))
    by_document = trends.keyword_by_document(ctx.tokens, keywords, ctx.documents_table)
    check(plots.plot_document_trends(ctx, by_document))  # a date axis: 60 dated documents
    assert saved(ctx, "document-trends")["doc_id"].nunique() == N_DOCS
    hits = trends.dispersion_positions(ctx.tokens, keywords)
    fig = plots.plot_dispersion(ctx, hits, keywords, "all")
    check(fig)
    assert len([ax for ax in fig.axes if ax.get_visible()]) <= 8


def test_figures_by_unit_and_over_time(ctx):
    """Rates by unit (60 documents → 40 shown), over time per year and per five-year plan, keyness by period and the
    first/last use of formulas: each fits the page and its table keeps every unit."""
    from huayu.analysis import keyness, trends, units
    from huayu.analysis.rhetoric import formulas
    from huayu.plot import keyness as keyness_plots
    from huayu.plot import trends as plots
    from huayu.plot.rhetoric import formulas as formula_plots

    docs, tokens = ctx.documents_table, ctx.tokens
    keywords = frequent_words(ctx, 5)
    rates = trends.keyword_rates(tokens, keywords, docs)
    check(plots.plot_unit_rates(ctx, rates))
    assert saved(ctx, "unit-rates")["unit"].nunique() == N_DOCS
    for period in ("year", "five_year_plan", [2021, 2023]):
        over_time = trends.keyword_rates(tokens, keywords, docs, unit="period", period=period)
        check(plots.plot_period_trends(ctx, over_time))
        n_periods = units.document_periods(docs, period)["period"].nunique()
        assert saved(ctx, "period-trends")["unit"].nunique() == n_periods
    by_period = keyness.keyness_by_group(tokens, by="period", period="year", documents_table=docs, min_freq=2, top_n=5)
    check(keyness_plots.plot_keyness_by_group(ctx, by_period, n=5, name="keyness-by-period"))
    timeline = pd.DataFrame({"normalized": [f"{i}个方面" for i in range(60)], "surfaces": [f"{i}个方面" for i in range(60)],
                             "n_docs": np.arange(60) % 7 + 1, "total": 9, "first_year": 2019 + np.arange(60) % 5,
                             "first_doc_id": "syn000_2019", "last_year": 2024, "last_doc_id": "syn001_2024",
                             "span_years": 1, "n_years": 2})
    check(formula_plots.plot_formula_timeline(ctx, timeline))
    assert len(saved(ctx, "formula-timeline")) == 60
    check(formula_plots.plot_formula_timeline(ctx, timeline.iloc[:0], name="formula-timeline-empty"))
    provinces = docs.assign(province=[f"省{i % 15}" for i in range(N_DOCS)])
    counts = formulas.formulas_by_unit(pd.DataFrame({"doc_id": docs["doc_id"], "surface": "两个维护",
                                                     "normalized": "2个维护"}), provinces, "province")
    assert counts.shape == (1, 15) and counts.to_numpy().sum() == N_DOCS


def test_dispersion_plot(ctx):
    from huayu.analysis import dispersion
    from huayu.plot import dispersion as plots

    positions = dispersion.term_positions(ctx.tokens, frequent_words(ctx, 5))
    check(plots.plot_dispersion(ctx, positions, doc_ids=list(ctx.documents_table["doc_id"])))
    assert saved(ctx, "dispersion-plot")["doc_id"].nunique() > 8


def test_rhetoric_and_reuse_figures(ctx):
    from huayu.analysis import reuse
    from huayu.analysis.rhetoric import modality, structure, style
    from huayu.plot import reuse as reuse_plots
    from huayu.plot.rhetoric import formulas as formula_plots
    from huayu.plot.rhetoric import modality as modality_plots
    from huayu.plot.rhetoric import structure as structure_plots
    from huayu.plot.rhetoric import style as style_plots

    docs, tokens = ctx.documents_table, ctx.tokens
    counts = pd.DataFrame({d: [i % 3, (i + 1) % 2, 1] for i, d in enumerate(docs["doc_id"])},
                          index=["两个维护", "放管服", "六稳"])
    check(formula_plots.plot_presence(ctx, counts, name="formulas", title_zh="提法", title_en="Formulas"))
    assert saved(ctx, "formulas").shape[1] == N_DOCS + 2
    check(structure_plots.plot_outline(ctx, structure.outline(docs, tokens), docs))
    rates = modality.modality_rates(modality.modality_matches(docs, tokens), tokens, n_boot=20)
    check(modality_plots.plot_modality(ctx, rates))
    sentences = tokens.groupby(["doc_id", "sent_id"], sort=False)["token"].agg("".join).rename("text").reset_index()
    check(style_plots.plot_sentence_lengths(ctx, style.sentence_lengths(sentences, tokens)))
    check(style_plots.plot_style_measures(ctx, style.four_char_shares(docs, tokens), style.parallelism_summary(tokens)))
    assert saved(ctx, "style")["doc_id"].nunique() == N_DOCS
    passages = reuse.find_reuse(docs, n=8)
    check(reuse_plots.plot_share_matrix(ctx, reuse.share_matrix(passages, docs)))
    check(reuse_plots.plot_reuse_map(ctx, passages, docs))
    check(reuse_plots.plot_reuse_coverage(ctx, reuse.coverage(passages, docs, baseline=str(docs["doc_id"].iloc[0]))))
    assert saved(ctx, "reuse-coverage")["doc_id"].nunique() == N_DOCS


def test_png_check(tmp_path):
    from _figure_fit import assert_png_fits

    fig, _ax = plt.subplots(figsize=(7.2, 9.5))
    fig.savefig(tmp_path / "ok.png", dpi=300)
    assert_png_fits(tmp_path / "ok.png")
    fig.set_size_inches(7.2, 12)
    fig.savefig(tmp_path / "tall.png", dpi=300)
    with pytest.raises(AssertionError, match="exceeds"):
        assert_png_fits(tmp_path / "tall.png")
