"""The report's font: the bundled face, subset to exactly the characters asked for (those it has), as WOFF."""

from __future__ import annotations

import io

from fontTools.ttLib import TTFont

from huayu.report.font import FAMILY, font_css, subset_woff


def test_the_subset_holds_the_characters_asked_for():
    data = subset_woff("话语高质量发展 abc，。")
    assert data[:4] == b"wOFF"
    cmap = TTFont(io.BytesIO(data)).getBestCmap()
    assert {ord(c) for c in "话语高质量发展abc，。 "} <= set(cmap)
    assert ord("龙") not in cmap and ord("z") not in cmap
    assert len(cmap) == len(set("话语高质量发展 abc，。"))
    assert subset_woff("发展高质量话语 abc。，") == data  # same characters, same (cached) font


def test_the_stylesheet_embeds_it():
    css = font_css("发展")
    assert f'font-family:"{FAMILY}"' in css and "src:url(data:font/woff;base64," in css
