"""The explorer's callbacks without a browser: widget values set in Python, outputs asserted."""

from __future__ import annotations

import re

import pytest

import huayu
from huayu.explore import index as ix
from huayu.explore.widgets import PANELS, Explorer

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def index(bundled_out):
    return huayu.explore.open_index(bundled_out / "interim", bundled_out / "processed")


@pytest.fixture
def explorer(index):
    return Explorer(index, query="发展")


def _rows(html: str) -> int:
    return len(re.findall(r"<tr><td class=\"n\">\d+</td>", html))


def test_huayu_explore_opens_the_explorer(bundled_out):
    e = huayu.explore(bundled_out / "interim", bundled_out / "processed", query="发展", lang="en")
    assert isinstance(e, Explorer)
    assert "Chang" in e.kwic.value  # English document labels


def test_the_bundled_font_is_embedded(explorer):
    assert "@font-face" in explorer.fontface.value and "data:font/woff;base64," in explorer.fontface.value
    assert "huayu-explorer" in explorer.widget._dom_classes


def test_query_fills_the_kwic_table_with_paragraph_expanders(explorer, index):
    n = len(ix.search(index, "发展", "word"))
    assert f"<b>{n}</b> hit(s)" in explorer.status.value
    assert _rows(explorer.kwic.value) == min(n, explorer.page_size)
    assert explorer.kwic.value.count("<mark>发展</mark>") >= 2 * _rows(explorer.kwic.value)  # row + its paragraph
    assert "<details><summary>¶" in explorer.kwic.value
    explorer.query.value = "高质量发展"
    assert "<mark>高质量发展</mark>" in explorer.kwic.value
    assert len(explorer.tables["kwic"]) == len(ix.search(index, "高质量发展", "word"))


def test_sorting_and_context(explorer):
    explorer.sort_by.value = "right"
    rights = explorer.tables["kwic"]["right"].tolist()
    assert rights == sorted(rights)
    explorer.context.value = 10
    assert explorer.tables["kwic"]["left"].str.len().max() == 10


def test_filters_restrict_every_panel(explorer):
    explorer.filters["genre"].value = ("speech",)
    assert set(explorer.tables["kwic"]["doc_id"]) == {"xifeng_2021"}
    assert "of 1 selected document" in explorer.status.value
    explorer.update(render_all=True)
    assert explorer.tables["frequency"]["genre"].tolist() == ["speech"]
    assert explorer.tables["keyness"]["comparison"].iat[0] == "selection"
    assert explorer.tables["dispersion"]["n_parts"].iat[0] == 1
    explorer.filters["genre"].value = ()
    explorer.years.value = (2022, 2023)
    explorer.undated.value = False
    assert set(explorer.tables["kwic"]["doc_id"]) == {"changan_2023", "laixi_2023", "anyuan_2022"}


def test_panels_render_when_their_tab_opens(explorer):
    assert "frequency" not in explorer.tables  # only the visible panel is computed
    for i, (key, _) in enumerate(PANELS[1:], start=1):
        explorer.tabs.selected_index = i
        assert bytes(explorer.images[key].value).startswith(PNG), key
        assert "<table>" in explorer.notes[key].value, key
    assert explorer.tables["collocates"]["collocate"].size > 0
    explorer.coll_sort.value = "observed"
    assert "collocates" not in explorer.tables  # stale until its tab is shown again
    explorer.tabs.selected_index = 4
    observed = explorer.tables["collocates"]["observed"].tolist()
    assert observed == sorted(observed, reverse=True)
    explorer.by.value = "doc_id"
    explorer.tabs.selected_index = 1
    assert len(explorer.tables["frequency"]) == 5


def test_match_modes_and_formulas(explorer, index):
    explorer.match.value = "formula"
    explorer.query.value = "八大攻坚提升行动"
    assert explorer.tables["kwic"]["keyword"].tolist() == ["8大攻坚提升行动"]
    explorer.match.value = "regex"
    explorer.query.value = r"\w+发展"  # several types: 高质量发展, 绿色发展 …
    assert "matched types" in explorer.status.value
    explorer.match.value = "text"
    explorer.query.value = "发展"
    assert len(explorer.tables["kwic"]) == len(ix.search(index, "发展", "text"))


def test_paragraph_of_a_row(explorer):
    explorer.row.value = 3
    r = explorer.tables["kwic"].iloc[2]
    assert r["paragraph"][:20] in explorer.paragraph.value.replace("<mark>", "").replace("</mark>", "")
    assert f"paragraph {r['para_id']}" in explorer.paragraph.value


def test_bad_input_is_shown_not_raised(explorer):
    explorer.match.value = "regex"
    explorer.query.value = "发展("
    assert "not a valid regular expression" in explorer.status.value
    assert explorer.kwic.value == "" and explorer.tables == {}
    explorer.match.value = "word"
    explorer.query.value = "质量发"
    assert "<b>0</b> hit(s)" in explorer.status.value and "text (characters)" in explorer.status.value
    explorer.query.value = ""
    assert "Type a word" in explorer.status.value
