"""zh/en labels: glossary, pinyin fallback, place names, the template, fixed texts."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pandas as pd
import pytest

from huayu.paths import ROOT
from huayu.plot import labels
from huayu.plot.labels import Labeler, pinyin, read_glossary


@pytest.fixture(scope="module")
def documents() -> pd.DataFrame:
    return pd.read_csv(ROOT / "data" / "metadata.csv", dtype=str, keep_default_na=False)


def test_glossary_file_is_well_formed():
    df = pd.read_csv(labels.GLOSSARY_PATH, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert list(df.columns) == ["zh", "en", "note"]
    assert len(df) >= 300
    assert (df["zh"].str.strip() != "").all() and (df["en"].str.strip() != "").all()
    glossary = read_glossary()
    assert len(glossary) == df["zh"].nunique()
    for zh, en in glossary.items():
        assert zh == zh.strip() and en == en.strip()
        # English labels are Latin script (no untranslated Chinese left in them)
        assert not any(unicodedata.name(c, "").startswith("CJK UNIFIED") for c in en), (zh, en)


def test_glossary_covers_the_formulas_and_places_of_the_bundled_corpus(documents):
    glossary = read_glossary()
    for term in ["两个维护", "四个意识", "四个自信", "两个确立", "1168", "8大攻坚提升行动", "三个特点",
                 "六个发展定位", "七位", "1315", "两兴两治", "十大行动", "人民城市人民建", "放管服", "两新一重",
                 "招大引强", "高质量发展", "乡村振兴", "营商环境"]:
        assert term in glossary, term
    for place in documents["place_zh"]:
        if place != "unknown":
            assert place in glossary


def test_conflicting_translations_are_rejected(tmp_path):
    p = tmp_path / "g.csv"
    p.write_text("zh,en,note\n发展,development,\n发展,growth,\n", encoding="utf-8")
    with pytest.raises(labels.GlossaryError, match="发展: development, growth"):
        read_glossary(p)
    p.write_text("zh,en,note\n发展,development,\n发展,development,again\n", encoding="utf-8")
    assert read_glossary(p) == {"发展": "development"}
    p.write_text("zh,english\n发展,development\n", encoding="utf-8")
    with pytest.raises(labels.GlossaryError, match="missing column"):
        read_glossary(p)


@pytest.mark.parametrize(("term", "expected"), [
    ("莱西", "lái xī"),
    ("重点", "zhòng diǎn"),  # polyphonic 重: zhòng here, not chóng
    ("长安", "cháng ān"),  # polyphonic 长: cháng here, not zhǎng
    ("发展", "fā zhǎn"),
    ("1315示范", "1315 shì fàn"),
    ("abc", "abc"),
])
def test_pinyin_fallback(term, expected):
    assert pinyin(term) == expected


def test_term_labels_in_both_languages():
    glossary = {"高质量发展": "high-quality development", "贯彻": "implement", "落实": "implement"}
    zh = Labeler("zh", glossary=glossary)
    en = Labeler("en", glossary=glossary)
    both = Labeler("en", glossary=glossary, show_zh=True)
    assert zh.term("高质量发展") == "高质量发展"
    assert en.term("高质量发展") == "high-quality development"
    assert en.source("高质量发展") == "glossary"
    assert en.term("莱西") == "lái xī" and en.source("莱西") == "pinyin"
    assert en.term("GDP") == "GDP" and en.source("GDP") == "as-is"
    assert both.term("高质量发展") == "high-quality development (高质量发展)"
    assert both.term("GDP") == "GDP"
    # two terms sharing an English label are told apart in one figure
    assert en.terms(["贯彻", "落实", "高质量发展"]) == ["implement (贯彻)", "implement (落实)",
                                                     "high-quality development"]
    assert zh.terms(["贯彻", "落实"]) == ["贯彻", "落实"]
    assert en.unglossed(["莱西", "贯彻", "GDP", "莱西"]) == ["莱西"]
    # a label shared by several glossary rows always carries the Chinese, even one term at a time
    assert en.term("落实") == "implement (落实)"
    assert both.term("落实") == "implement (落实)"


def test_document_labels(documents):
    zh = Labeler("zh", documents, glossary={})
    en = Labeler("en", documents, glossary={})
    assert zh.doc("laixi_2023") == "莱西市"
    assert en.doc("laixi_2023") == "Laixi"
    assert en.doc("changan_2023") == "Chang'an District"
    assert zh.doc("template_xx") == "模板"
    assert en.doc("template_xx") == "Template"
    assert en.docs(["xifeng_2021", "anyuan_2022"]) == ["Xifeng District", "Anyuan District"]
    with pytest.raises(ValueError, match="doc_id='nowhere' is not in the corpus; valid values: changan_2023"):
        en.doc("nowhere")


def test_same_place_twice_gets_the_year():
    docs = pd.DataFrame({"doc_id": ["laixi_2022", "laixi_2023", "x"], "place_zh": ["莱西市", "莱西市", "unknown"],
                         "place_en": ["Laixi", "Laixi", "unknown"], "genre": ["speech", "speech", "speech"],
                         "date": ["2022-01-02", "2023-01-28", ""]})
    en = Labeler("en", docs, glossary={})
    assert en.doc_map() == {"laixi_2022": "Laixi 2022", "laixi_2023": "Laixi 2023", "x": "x"}


def test_text_and_bad_language():
    assert Labeler("zh", glossary={}).text(zh="关键词", en="Keyword") == "关键词"
    assert Labeler("en", glossary={}).text(zh="关键词", en="Keyword") == "Keyword"
    with pytest.raises(ValueError, match="lang='fr' is not supported; valid values: 'zh', 'en'"):
        Labeler("fr")
    with pytest.raises(ValueError, match="show_zh"):
        Labeler("en", show_zh="yes")


def test_terms_shown_without_glossary_entry_are_recorded(tmp_path):
    import matplotlib.pyplot as plt

    from huayu.notebook.context import NotebookContext

    ctx = NotebookContext("02-x", figures_dir=tmp_path, lang="en", formats=["png"], dpi=50,
                          glossary={"发展": "development"})
    fig, ax = ctx.figure()
    ax.set_title(" ".join(ctx.label.terms(["发展", "莱西", "GDP"])))
    ctx.save(fig, "t")
    plt.close(fig)
    assert ctx.label.used == {"发展": "glossary", "莱西": "pinyin", "GDP": "as-is"}
    assert labels.unglossed_terms(tmp_path) == {"02-x": ["莱西"]}
