"""The CJK font resolver: Simplified-Chinese face, full coverage, TrueType outlines in PDFs, no tofu."""

from __future__ import annotations

import re
import warnings
import zlib
from pathlib import Path

import matplotlib.pyplot as plt
import pytest

from huayu.paths import ROOT
import huayu.notebook.context  # noqa: F401 — applies the house style
from huayu.plot import fonts
from huayu.plot.labels import read_glossary


@pytest.fixture(scope="module")
def choice() -> fonts.FontChoice:
    return fonts.resolve_cjk_font()


def corpus_text() -> str:
    """Characters of the bundled texts, without the emoji of a web advertisement that cleaning removes."""
    text = "".join(p.read_text(encoding="utf-8") for p in sorted((ROOT / "data" / "raw").glob("*.txt")))
    return "".join(c for c in set(text) if ord(c) < 0x1F000)


def test_chosen_font_is_a_simplified_chinese_face(choice):
    assert choice.original_family in fonts.PREFERRED_FAMILIES
    assert choice.original_family not in fonts.NON_SC_FAMILIES
    assert not choice.regional_warning
    assert choice.outlines == "truetype"
    assert fonts.outline_format(choice.path, choice.face_index) == "truetype"


def test_sc_face_of_the_bundled_collection_differs_from_other_regional_faces():
    """Why the SC face matters: in the collection, 骨 and 过 map to regional glyph variants."""
    path = fonts.bundled_font_path()
    assert path is not None, "the noto-cjk-sans-otc wheel is part of the pinned environment"
    from matplotlib import ft2font

    faces = {i: ft2font.FT2Font(str(path), face_index=i) for i in (0, fonts.BUNDLED_FACE_INDEX)}
    assert faces[fonts.BUNDLED_FACE_INDEX].family_name == "Noto Sans CJK SC"
    assert faces[0].family_name == "Noto Sans CJK JP"
    sc, jp = (faces[i].get_charmap() for i in (fonts.BUNDLED_FACE_INDEX, 0))
    assert sc[ord("骨")] != jp[ord("骨")]


def test_font_covers_corpus_glossary_and_sample(choice):
    text = corpus_text() + "".join(read_glossary()) + fonts.DEFAULT_SAMPLE
    assert fonts.missing_from(text, choice.path, choice.face_index) == set()
    assert fonts.missing_glyphs(text) == set()


def test_truetype_copy_keeps_metrics_and_coverage(choice):
    if choice.original_path == choice.path:
        pytest.skip("the installed face already has TrueType outlines")
    from fontTools.ttLib import TTFont

    orig = TTFont(str(choice.original_path), fontNumber=choice.face_index if choice.source != "bundled"
                  else fonts.BUNDLED_FACE_INDEX, lazy=True)
    copy = TTFont(str(choice.path), lazy=True)
    assert "glyf" in copy and "CFF " not in copy
    for ch in "高质量发展Ag,。":
        g_orig, g_copy = orig.getBestCmap()[ord(ch)], copy.getBestCmap()[ord(ch)]
        assert orig["hmtx"][g_orig][0] == copy["hmtx"][g_copy][0]
    assert copy["head"].unitsPerEm == orig["head"].unitsPerEm
    assert copy["name"].getDebugName(1) == fonts.truetype_family_name(choice.original_family)


def _pdf_objects(data: bytes) -> dict[int, bytes]:
    objs = {}
    for m in re.finditer(rb"(\d+) 0 obj(.*?)endobj", data, re.S):
        objs[int(m.group(1))] = m.group(2)
    return objs


def test_pdf_embeds_truetype_subset_not_type3(tmp_path):
    fig, ax = plt.subplots()
    ax.set_title("高质量发展 两个维护 Chang'an")
    out = tmp_path / "t.pdf"
    fig.savefig(out)
    plt.close(fig)
    data = out.read_bytes()
    assert b"/Type3" not in data
    assert b"/CIDFontType2" in data
    objs = _pdf_objects(data)
    font_files = [int(n) for n in re.findall(rb"/FontFile2 (\d+) 0 R", data)]
    assert font_files
    for n in font_files:
        body = objs[n]
        stream = body[body.index(b"stream") + 6:body.rindex(b"endstream")].strip(b"\r\n")
        raw = zlib.decompress(stream) if b"/FlateDecode" in body else stream
        # a TrueType font program (what FontFile2 must hold), not CFF/OpenType-CFF ('OTTO')
        assert raw[:4] in (b"\x00\x01\x00\x00", b"true"), raw[:4]
    names = re.findall(rb"/BaseFont /([A-Z]{6})\+([\w-]+)", data)
    assert any(b"CJK" in name for _, name in names)  # subset tag + name: embedded and subset


def test_rare_characters_come_from_the_extension_font_only_when_used(choice, tmp_path):
    if choice.extension is None:
        pytest.skip("the installed face is used as it is (no split TrueType copy)")
    assert fonts.is_common(ord("高")) and fonts.is_common(ord("ā")) and not fonts.is_common(ord("堃"))
    assert ord("堃") not in fonts.coverage(choice.path) and ord("堃") in fonts.coverage(choice.extension)
    sizes = {}
    for text in ("高质量发展", "高质量发展 堃"):
        fig, ax = plt.subplots()
        ax.set_title(text)
        out = tmp_path / f"{len(text)}.pdf"
        with warnings.catch_warnings():
            huayu.notebook.context.strict_glyphs()
            fig.savefig(out)
        plt.close(fig)
        data = out.read_bytes()
        sizes[text] = b"TTExt" in data
    assert sizes == {"高质量发展": False, "高质量发展 堃": True}


def test_missing_glyph_warns():
    with pytest.warns(fonts.MissingGlyphWarning, match="U\\+E000"):
        missing = fonts.check_text("政策\ue000", where="a test")
    assert missing == {"\ue000"}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert fonts.check_text("政策 policy 1,000 −2 (高质量)") == set()


def test_strict_mode_turns_missing_glyphs_into_errors():
    fig, ax = plt.subplots()
    ax.set_title("a\ue000b")
    with warnings.catch_warnings():
        huayu.notebook.context.strict_glyphs()  # what HUAYU_STRICT_GLYPHS=1 and the test configuration do
        with pytest.raises(UserWarning, match="missing from font"):
            fig.canvas.draw()
        with pytest.raises(fonts.MissingGlyphWarning):
            fonts.check_text("\ue000")
    plt.close(fig)


def test_override_with_unknown_family_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("HUAYU_CJK_FONT", "No Such Font Family")
    with pytest.raises(fonts.FontError, match="HUAYU_CJK_FONT='No Such Font Family'"):
        fonts.resolve_cjk_font.__wrapped__(fonts.DEFAULT_SAMPLE)
    assert issubclass(fonts.FontError, ValueError)


def test_override_with_a_font_lacking_chinese_is_rejected(monkeypatch):
    from matplotlib import font_manager

    monkeypatch.setenv("HUAYU_CJK_FONT", font_manager.findfont("DejaVu Sans"))
    with pytest.raises(fonts.FontError, match="cannot draw"):
        fonts.resolve_cjk_font.__wrapped__("高质量发展")


def test_rc_params_of_the_house_style(choice):
    import matplotlib as mpl

    assert mpl.rcParams["pdf.fonttype"] == 42
    assert mpl.rcParams["svg.fonttype"] == "path"
    assert mpl.rcParams["svg.hashsalt"]
    assert mpl.rcParams["font.family"][0] == choice.family
