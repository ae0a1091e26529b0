"""plot_keyness_by_group at many groups: the panels and the table saved beside the figure are those of one
sort of the keyword table (not one scan of the table per group) and equal the per-group selection."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import pytest

N_DOCS = 40


@pytest.fixture(scope="module")
def ctx(tmp_path_factory):
    from _figure_fit import synthetic_context

    return synthetic_context(tmp_path_factory.mktemp("kbg"), N_DOCS, notebook="05-keyness")


def reference_table(ctx, table, n, measure):
    """The earlier construction: each group's rows selected, sorted and cut one group at a time."""
    from huayu.plot.panels import MAX_PANELS, longest

    all_groups = list(dict.fromkeys(table["group"]))
    groups = longest(ctx, all_groups, MAX_PANELS)

    def part(g):
        return table[table["group"] == g].sort_values([measure, "term"], ascending=[False, True],
                                                      kind="mergesort").head(n)

    return pd.concat([part(g) for g in groups] + [part(g) for g in all_groups if g not in set(groups)],
                     ignore_index=True), groups


@pytest.mark.parametrize("measure", ["g2", "log_ratio"])
def test_saved_table_and_panels_equal_the_per_group_selection(ctx, monkeypatch, measure):
    from huayu.analysis.keyness import keyness_by_group
    from huayu.plot.keyness import plot_keyness_by_group, term_labels

    table = keyness_by_group(ctx.tokens, min_freq=1, top_n=6)
    assert table["group"].nunique() > 12  # more groups than panels
    captured = {}
    original = ctx.save

    def save(fig, name, table=None):
        captured["table"] = table
        return original(fig, name, table=table)

    monkeypatch.setattr(ctx, "save", save)
    n = 4
    fig = plot_keyness_by_group(ctx, table, n=n, measure=measure)
    expected, groups = reference_table(ctx, table, n, measure)
    pd.testing.assert_frame_equal(captured["table"], expected)
    panels = [ax for ax in fig.axes if ax.get_visible()]
    assert len(panels) == len(groups)
    for ax, group in zip(panels, groups, strict=True):
        terms = expected.loc[expected["group"] == group, "term"]
        assert [t.get_text() for t in ax.get_yticklabels()] == term_labels(ctx, terms)
    plt.close(fig)
