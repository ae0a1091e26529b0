"""CJK fonts for figures: choose one by glyph coverage, never draw boxes ("tofu").

How the font is chosen (:func:`resolve_cjk_font`):

1. ``HUAYU_CJK_FONT`` (a family name or a font file path) if set — it must cover the sample text.
2. Otherwise the first *installed* family in :data:`PREFERRED_FAMILIES` that covers every character of the
   sample. Simplified-Chinese (SC) faces come first: the Traditional (TC/HK) and Japanese (JP) faces of the
   same superfamilies draw some characters in other regional forms (e.g. 骨, 写, path of 过), which a reader of
   mainland texts notices. Non-SC faces are used only when no SC face covers the text.
3. Otherwise the Simplified-Chinese face (index 2, "Noto Sans CJK SC") of the collection shipped by the
   ``noto-cjk-sans-otc`` wheel, which the project's pinned environment always installs.

PDF embedding. Noto Sans CJK and Source Han Sans have PostScript (CFF) outlines. With ``pdf.fonttype 42``
matplotlib embeds such a face as a ``CIDFontType2``/``FontFile2`` font whose data are CFF, and poppler's
``pdffonts`` reports "Mismatch between font type and embedded font file" (strict readers may refuse the
font). A face with CFF outlines is therefore converted once to TrueType (quadratic ``glyf``) outlines by
:func:`truetype_faces`: the face is subset to the Unicode blocks that Chinese text and its Latin/pinyin
annotation use (:data:`KEEP_RANGES`), its cubic curves are approximated by quadratic ones within one
font unit (``fontTools.cu2qu``), and the result is cached in ``<cache>/fonts/`` as two fonts: ``<family> TT``
(Latin, punctuation and the 6,763 hanzi of GB 2312) and ``<family> TT Ext`` (the rarer characters), which
follows it in the fallback list. Matplotlib embeds them as clean Type 42 (``CID Type 2``) subset fonts; the
split keeps each PDF's font subsetting fast (see :func:`truetype_faces`). The first build takes ~25 s once
per machine (``make venv``-fresh CI included); afterwards choosing the font costs milliseconds.

Missing glyphs. :func:`check_text` warns with :class:`MissingGlyphWarning` (a ``UserWarning``) listing the
characters that neither the CJK font nor the Latin fallback can draw; matplotlib itself also warns
("Glyph … missing from font(s)") when it draws one. The test configuration turns both into errors, and
``HUAYU_STRICT_GLYPHS=1`` does the same in a notebook run.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import logging
import os
import unicodedata
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from huayu.errors import FontError
from huayu.paths import cache_dir

log = logging.getLogger(__name__)

#: Families tried in this order; SC faces first, then other Chinese faces, then other regional forms.
PREFERRED_FAMILIES: tuple[str, ...] = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "PingFang SC",
    "Microsoft YaHei",
    "Hiragino Sans GB",
    "Heiti SC",
    "SimHei",
    "Sarasa Gothic SC",
    "Droid Sans Fallback",
    "Noto Sans CJK TC",
    "Noto Sans CJK HK",
    "Source Han Sans TC",
    "PingFang TC",
    "Noto Sans CJK JP",
    "Source Han Sans JP",
)

#: Families that draw some characters in non-mainland regional forms (used only as a last resort).
NON_SC_FAMILIES = frozenset(f for f in PREFERRED_FAMILIES if f.endswith((" TC", " HK", " JP")))

#: The Latin fallback that follows the CJK font in ``font.family`` (ships with matplotlib).
LATIN_FALLBACK = "DejaVu Sans"

#: Face of the ``noto-cjk-sans-otc`` collection used when nothing suitable is installed.
BUNDLED_FAMILY = "Noto Sans CJK SC"
BUNDLED_FACE_INDEX = 2

#: Characters every figure may need: punctuation, digits, pinyin vowels with tone marks, and the
#: characters of the place names and frequent terms of the bundled corpus.
DEFAULT_SAMPLE = (
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    " .,;:!?'\"()[]{}<>/\\|-_+=*&%$#@~^`−–—…·•°×"
    "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüÜ"
    "，。、；：？！“”‘’《》（）【】〈〉「」『』—…·％"
    "长安区西峰区莱西市安源区模板陕西甘肃山东江西西安庆阳青岛萍乡"
    "话语高质量发展两个维护四个意识四个自信两个确立新时代中国特色社会主义思想"
    "党的二十大精神全面从严治党乡村振兴共同富裕营商环境招商引资项目建设"
    "文档文件词语关键词频率段落句子主题聚类相似度每千词分段位置数量长度"
)

#: Unicode blocks kept when a CFF face is converted to TrueType outlines (inclusive ranges).
KEEP_RANGES: tuple[tuple[int, int], ...] = (
    (0x0020, 0x024F),  # Basic Latin … Latin Extended-B (pinyin)
    (0x02B0, 0x036F),  # spacing modifiers, combining marks
    (0x0370, 0x03FF),  # Greek (statistics symbols)
    (0x0400, 0x04FF),  # Cyrillic
    (0x1E00, 0x1EFF),  # Latin Extended Additional
    (0x2000, 0x2BFF),  # punctuation, super/subscripts, currency, letterlike, arrows, maths, shapes
    (0x2E80, 0x2FDF),  # CJK radicals, Kangxi radicals
    (0x3000, 0x33FF),  # CJK symbols and punctuation, kana, bopomofo, enclosed CJK, compatibility
    (0x3400, 0x4DBF),  # CJK Unified Ideographs Extension A
    (0x4E00, 0x9FFF),  # CJK Unified Ideographs
    (0xF900, 0xFAFF),  # CJK Compatibility Ideographs
    (0xFE10, 0xFE1F),  # vertical forms
    (0xFE30, 0xFE6F),  # CJK compatibility forms, small form variants
    (0xFF00, 0xFFEF),  # halfwidth and fullwidth forms
)

#: Bump when the conversion changes (part of the cache file name).
_CONVERSION_VERSION = 2


class MissingGlyphWarning(UserWarning):
    """A character that no configured font can draw would appear in a figure."""


@dataclass(frozen=True)
class FontChoice:
    """The font figures are drawn with."""

    family: str  #: the family name matplotlib uses (``font.family``)
    path: Path  #: the file matplotlib reads (a TrueType copy for CFF faces)
    face_index: int  #: face within a collection (.ttc), 0 for a single font
    source: str  #: where it came from: ``"installed"``, ``"bundled"``, ``"environment"``
    original_family: str  #: family name before any TrueType conversion
    original_path: Path  #: font file before any TrueType conversion
    outlines: str  #: ``"truetype"`` or ``"cff"`` — of :attr:`path`
    regional_warning: bool = field(default=False)  #: True when a non-SC face had to be used
    extension: Path | None = field(default=None)  #: the TrueType extension file (rarer characters), if any
    extension_family: str | None = field(default=None)  #: its family name


# ----------------------------------------------------------------------------------------------- coverage


@functools.lru_cache(maxsize=64)
def coverage(path: str | os.PathLike[str], face_index: int = 0) -> frozenset[int]:
    """The set of code points the face ``face_index`` of the font file ``path`` maps to a glyph."""
    from matplotlib import ft2font

    font = ft2font.FT2Font(str(path), face_index=face_index)
    return frozenset(cp for cp, gid in font.get_charmap().items() if gid)


def _needed(text: str) -> set[str]:
    """Characters of ``text`` that need a glyph (whitespace, control and format characters need none)."""
    return {c for c in set(text) if not c.isspace() and unicodedata.category(c) not in ("Cc", "Cf")}


def missing_from(text: str, path: str | os.PathLike[str], face_index: int = 0) -> set[str]:
    """Characters of ``text`` that the face cannot draw."""
    cov = coverage(str(path), face_index)
    return {c for c in _needed(text) if ord(c) not in cov}


def outline_format(path: str | os.PathLike[str], face_index: int = 0) -> str:
    """``"cff"`` for PostScript-outline (OpenType/CFF) faces, ``"truetype"`` for ``glyf`` faces."""
    from fontTools.ttLib import TTFont

    font = TTFont(str(path), fontNumber=face_index, lazy=True)
    try:
        return "cff" if ("CFF " in font or "CFF2" in font) else "truetype"
    finally:
        font.close()


# ---------------------------------------------------------------------------------------------- candidates


def bundled_font_path() -> Path | None:
    """The Noto Sans CJK collection of the ``noto-cjk-sans-otc`` wheel, or None if the wheel is absent."""
    try:
        import noto_cjk_sans_otc
    except ImportError:
        return None
    path = Path(noto_cjk_sans_otc.__file__).with_name("NotoSansCJK-Regular.ttc")
    return path if path.exists() else None


def installed_faces(families: tuple[str, ...] = PREFERRED_FAMILIES) -> list[tuple[str, Path, int]]:
    """Installed faces of ``families`` as ``(family, path, face_index)``, in preference order.

    Only regular-weight upright faces are considered (bold or light faces would change the look).
    """
    from matplotlib import font_manager

    wanted = {name: rank for rank, name in enumerate(families)}
    found = []
    for entry in font_manager.fontManager.ttflist:
        if entry.name in wanted and entry.style == "normal" and entry.weight in (400, "normal", "regular", "book"):
            found.append((wanted[entry.name], entry.name, Path(entry.fname), int(getattr(entry, "index", 0) or 0)))
    found.sort(key=lambda t: (t[0], str(t[2]), t[3]))
    seen: set[tuple[Path, int]] = set()
    out = []
    for _, name, path, index in found:
        if (path, index) not in seen:
            seen.add((path, index))
            out.append((name, path, index))
    return out


# ------------------------------------------------------------------------------------ TrueType conversion


def _file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()[:16]


@contextlib.contextmanager
def _lock(path: Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def truetype_family_name(family: str, part: str = "") -> str:
    """Family name given to the TrueType-outline copy of a CFF face (``part`` "ext" for the extension)."""
    return f"{family} TT" + (f" {part.capitalize()}" if part else "")


def is_common(cp: int) -> bool:
    """True for code points in the *common* part of a converted face.

    Common: everything below the CJK blocks (Latin, pinyin, Greek, punctuation, symbols), CJK punctuation,
    full-width forms, and the characters of GB 2312 (6,763 hanzi — the characters of everyday mainland
    text). Everything else (rarer hanzi, Extension A, compatibility ideographs, kana …) is the extension.
    """
    if cp < 0x2E80 or 0x3000 <= cp <= 0x303F or 0xFF00 <= cp <= 0xFFEF:
        return True
    try:
        chr(cp).encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True


def truetype_faces(path: str | os.PathLike[str], face_index: int = 0, *,
                   family: str | None = None) -> tuple[Path, Path]:
    """TrueType-outline copies of a CFF face, built once and cached in ``<cache>/fonts/``: (common, extension).

    The copies keep the code points of :data:`KEEP_RANGES`, split by :func:`is_common` into two fonts: the
    common one (≈ 8,500 glyphs) serves nearly every figure and is quick to subset into a PDF (≈ 0.1 s
    instead of ≈ 0.3 s for one font with all ≈ 30,000 glyphs); the extension follows it in the
    ``font.family`` fallback list and is embedded only when a figure uses one of its characters. Both are
    drawn from the same face, so a character looks the same whichever file it comes from.

    Every cubic Bézier outline becomes quadratic splines with a maximum error of 1 font unit
    (``fontTools.cu2qu``; 1/1000 em for these fonts — invisible at any print size). The families are renamed
    ``<family> TT`` and ``<family> TT Ext`` so they never shadow the installed original. The build is
    deterministic (timestamps kept from the source) and guarded by a file lock, so parallel notebook runs
    build it once.
    """
    src = Path(path)
    digest = _file_digest(src)
    out_dir = cache_dir() / "fonts"
    stem = f"{src.stem}-{face_index}-{digest}-tt{_CONVERSION_VERSION}"
    dst = (out_dir / f"{stem}.ttf", out_dir / f"{stem}-ext.ttf")
    if all(p.exists() for p in dst):
        return dst
    with _lock(out_dir / ".lock"):
        if all(p.exists() for p in dst):
            return dst
        log.info("converting %s (face %d) to TrueType outlines once; cached in %s", src.name, face_index, out_dir)
        _convert_to_truetype(src, face_index, dst[0], family=family, part="", keep=is_common)
        _convert_to_truetype(src, face_index, dst[1], family=family, part="ext", keep=lambda cp: not is_common(cp))
    return dst


def _convert_to_truetype(src: Path, face_index: int, dst: Path, *, family: str | None, part: str,
                         keep) -> None:
    """Build one TrueType copy: the glyphs of :data:`KEEP_RANGES` whose code point satisfies ``keep``."""
    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import TTFont

    font = TTFont(str(src), fontNumber=face_index, recalcTimestamp=False, lazy=True)
    if "CFF " not in font:
        raise FontError(f"font {src} face {face_index}: expected CFF outlines to convert, found none")
    best = font.getBestCmap()
    cmap = {cp: best[cp] for lo, hi in KEEP_RANGES for cp in range(lo, hi + 1) if cp in best and keep(cp)}
    source_order = font.getGlyphOrder()
    wanted = set(cmap.values())
    order = [source_order[0]] + [g for g in source_order[1:] if g in wanted]  # keep .notdef first
    glyph_set = font.getGlyphSet()
    hmtx = font["hmtx"].metrics
    from tqdm.auto import tqdm

    glyphs = {}
    label = f"TrueType outlines for {family or src.stem} ({part or 'common'} part, once)"
    for name in tqdm(order, desc=label, unit="glyph", disable=None, leave=False):
        pen = TTGlyphPen(None)
        glyph_set[name].draw(Cu2QuPen(pen, 1.0, reverse_direction=True))
        glyphs[name] = pen.glyph()

    old_family = family or font["name"].getDebugName(1) or src.stem
    new_family = truetype_family_name(old_family, part)
    ps_name = new_family.replace(" ", "") + "-Regular"
    head, hhea, os2, post = font["head"], font["hhea"], font["OS/2"], font["post"]

    fb = FontBuilder(head.unitsPerEm, isTTF=True)
    fb.setupGlyphOrder(order)
    fb.setupCharacterMap(cmap)
    fb.setupGlyf(glyphs)
    fb.setupHorizontalMetrics({name: hmtx[name] for name in order})
    fb.setupHorizontalHeader(ascent=hhea.ascent, descent=hhea.descent, lineGap=hhea.lineGap)
    fb.setupNameTable({
        "copyright": font["name"].getDebugName(0) or "",
        "familyName": new_family,
        "styleName": "Regular",
        "uniqueFontIdentifier": f"{ps_name};converted-tt{_CONVERSION_VERSION}",
        "fullName": f"{new_family} Regular",
        "psName": ps_name,
        "version": font["name"].getDebugName(5) or "Version 1.0",
        "licenseDescription": font["name"].getDebugName(13) or "",
        "licenseInfoURL": font["name"].getDebugName(14) or "",
    })
    fb.setupOS2(
        sTypoAscender=os2.sTypoAscender, sTypoDescender=os2.sTypoDescender, sTypoLineGap=os2.sTypoLineGap,
        usWinAscent=os2.usWinAscent, usWinDescent=os2.usWinDescent, fsType=0, achVendID=os2.achVendID,
        usWeightClass=os2.usWeightClass, ulCodePageRange1=os2.ulCodePageRange1,
        ulCodePageRange2=os2.ulCodePageRange2, sxHeight=getattr(os2, "sxHeight", 0),
        sCapHeight=getattr(os2, "sCapHeight", 0), panose=os2.panose,
        ulUnicodeRange1=os2.ulUnicodeRange1, ulUnicodeRange2=os2.ulUnicodeRange2,
        ulUnicodeRange3=os2.ulUnicodeRange3, ulUnicodeRange4=os2.ulUnicodeRange4,
    )
    fb.setupPost(isFixedPitch=post.isFixedPitch, underlinePosition=post.underlinePosition,
                 underlineThickness=post.underlineThickness, keepGlyphNames=False)
    fb.font["head"].created = head.created
    fb.font["head"].modified = head.modified
    fb.font["head"].fontRevision = head.fontRevision
    fb.font.recalcTimestamp = False
    font.close()

    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = dst.with_name(f".{dst.name}.{os.getpid()}.tmp")
    try:
        fb.save(str(tmp))
        os.replace(tmp, dst)
    finally:
        tmp.unlink(missing_ok=True)


# ------------------------------------------------------------------------------------------------ resolver


def _register(path: Path) -> None:
    from matplotlib import font_manager

    known = {(Path(e.fname), int(getattr(e, "index", 0) or 0)) for e in font_manager.fontManager.ttflist}
    if (path, 0) not in known:
        font_manager.fontManager.addfont(str(path))


def _finish(family: str, path: Path, index: int, source: str, *, truetype: bool) -> FontChoice:
    fmt = outline_format(path, index)
    regional = family in NON_SC_FAMILIES
    if fmt == "cff" and truetype:
        common, ext = truetype_faces(path, index, family=family)
        _register(common)
        _register(ext)
        return FontChoice(truetype_family_name(family), common, 0, source, family, path, "truetype", regional,
                          extension=ext, extension_family=truetype_family_name(family, "ext"))
    _register(path)
    return FontChoice(family, path, index, source, family, path, fmt, regional)


@functools.lru_cache(maxsize=8)
def resolve_cjk_font(sample: str = DEFAULT_SAMPLE, *, truetype: bool = True) -> FontChoice:
    """Pick the CJK font for figures (see the module docstring for the order) and register it with matplotlib.

    ``sample`` holds the characters that must all be drawable. ``truetype=True`` (default) converts a
    CFF-outline face to TrueType outlines (cached) so that PDFs embed it as a proper Type 42 font.
    Raises :class:`FontError` when no candidate covers the sample.
    """
    override = os.environ.get("HUAYU_CJK_FONT", "").strip()
    if override:
        return _from_override(override, sample, truetype=truetype)

    tried: list[str] = []
    for family, path, index in installed_faces():
        lacking = missing_from(sample, path, index)
        if lacking:
            tried.append(f"{family} ({path.name}) lacks {''.join(sorted(lacking))[:20]}")
            continue
        choice = _finish(family, path, index, "installed", truetype=truetype)
        if choice.regional_warning:
            warnings.warn(f"using {family}: no Simplified-Chinese face is installed, so some characters may "
                          "appear in other regional forms", UserWarning, stacklevel=2)
        return choice

    bundled = bundled_font_path()
    if bundled is not None:
        lacking = missing_from(sample, bundled, BUNDLED_FACE_INDEX)
        if not lacking:
            return _finish(BUNDLED_FAMILY, bundled, BUNDLED_FACE_INDEX, "bundled", truetype=truetype)
        tried.append(f"{BUNDLED_FAMILY} (bundled) lacks {''.join(sorted(lacking))[:20]}")
    else:
        tried.append("the noto-cjk-sans-otc wheel is not installed")
    raise FontError(
        "no installed font can draw the Chinese text of the figures; tried: " + "; ".join(tried)
        + ". Install the pinned environment (`make venv`, which installs noto-cjk-sans-otc) or set "
        "HUAYU_CJK_FONT to a font file or family name with Simplified-Chinese glyphs."
    )


def _from_override(value: str, sample: str, *, truetype: bool) -> FontChoice:
    path = Path(value).expanduser()
    if path.suffix.lower() in (".ttf", ".otf", ".ttc", ".otc"):
        if not path.exists():
            raise FontError(f"HUAYU_CJK_FONT={value!r}: no such font file")
        from matplotlib import ft2font

        family = ft2font.FT2Font(str(path)).family_name
        index = 0
        candidates = [(family, path, index)]
    else:
        candidates = installed_faces((value,))
        if not candidates:
            raise FontError(f"HUAYU_CJK_FONT={value!r}: no installed font family of that name "
                            "(give a family name matplotlib knows, or a .ttf/.otf/.ttc path)")
    family, path, index = candidates[0]
    lacking = missing_from(sample, path, index)
    if lacking:
        raise FontError(f"HUAYU_CJK_FONT={value!r} cannot draw {''.join(sorted(lacking))[:40]!r}")
    return _finish(family, path, index, "environment", truetype=truetype)


def font_families(choice: FontChoice | None = None) -> list[str]:
    """The ``font.family`` list: the CJK font first (it has Latin glyphs too), its extension, then Latin."""
    choice = choice or resolve_cjk_font()
    return [choice.family, *([choice.extension_family] if choice.extension_family else []), LATIN_FALLBACK]


def missing_glyphs(text: str, choice: FontChoice | None = None) -> set[str]:
    """Characters of ``text`` that no font of the ``font.family`` list can draw."""
    from matplotlib import font_manager

    choice = choice or resolve_cjk_font()
    lacking = missing_from(text, choice.path, choice.face_index)
    if lacking and choice.extension is not None:
        lacking = missing_from("".join(lacking), choice.extension, 0)
    if lacking:
        latin = font_manager.findfont(LATIN_FALLBACK, fallback_to_default=True)
        lacking = missing_from("".join(lacking), latin, 0)
    return lacking


def check_text(text: str, *, where: str = "", choice: FontChoice | None = None) -> set[str]:
    """Warn (:class:`MissingGlyphWarning`) if ``text`` has characters no configured font can draw.

    Returns the set of missing characters (empty when all render).
    """
    lacking = missing_glyphs(text, choice)
    if lacking:
        shown = ", ".join(f"{c!r} (U+{ord(c):04X})" for c in sorted(lacking))
        place = f" in {where}" if where else ""
        warnings.warn(f"no font can draw {shown}{place}; they would appear as empty boxes",
                      MissingGlyphWarning, stacklevel=2)
    return lacking


def figure_text(fig) -> str:
    """All text drawn on a matplotlib figure (titles, labels, tick labels, legends, annotations)."""
    from matplotlib.text import Text

    return "".join(t.get_text() for t in fig.findobj(Text) if t.get_visible())
