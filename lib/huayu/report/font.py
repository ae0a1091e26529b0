"""The report's Chinese font: the bundled Noto Sans CJK SC, subset to the characters the report shows.

The face is the one figures fall back to (:func:`huayu.plot.fonts.bundled_font_path`, face
:data:`huayu.plot.fonts.BUNDLED_FACE_INDEX` of the ``noto-cjk-sans-otc`` wheel). It is subset with
``fontTools.subset`` to the characters of the report — every character of the texts the KWIC search holds,
of the tables and of the page — written as WOFF (zlib; WOFF2 would need the brotli package, which the
environment does not have) and embedded in a stylesheet as a ``data:`` URL. A ``data:`` URL, because
Chromium refuses web fonts loaded from ``file://`` URLs (CORS: a file page has an opaque origin), and
the report must open from the file system. About 1 MB of font for 3,000 distinct characters.
"""

from __future__ import annotations

import base64
import io
import logging

from huayu.errors import FontError

log = logging.getLogger(__name__)

__all__ = ["FAMILY", "subset_woff", "font_css"]

#: The CSS family name of the embedded subset.
FAMILY = "Huayu CJK"
#: Bump when the subsetting changes (part of the cache key).
_VERSION = 1


def subset_woff(characters: str) -> bytes:
    """WOFF bytes of the bundled face subset to ``characters`` (those the face has).

    Cached in ``<cache>/fonts/report-<digest>.woff`` by the font file and the character set, so rebuilding
    a report of the same corpus does not subset again.
    """
    from fontTools import subset
    from fontTools.ttLib import TTFont

    from huayu.outputs import atomic_write, sha256_text
    from huayu.paths import cache_dir
    from huayu.plot import fonts

    logging.getLogger("fontTools").setLevel(logging.WARNING)  # its INFO lines list every glyph
    path = fonts.bundled_font_path()
    if path is None:
        raise FontError("the bundled CJK font (package noto-cjk-sans-otc) is not installed; run `make venv`")
    chars = "".join(sorted(set(characters) | {" "}))
    stat = path.stat()
    key = sha256_text(f"{path.name}:{stat.st_size}:{fonts.BUNDLED_FACE_INDEX}:{_VERSION}:{chars}")[:20]
    cached = cache_dir() / "fonts" / f"report-{key}.woff"
    if cached.is_file():
        return cached.read_bytes()
    font = TTFont(str(path), fontNumber=fonts.BUNDLED_FACE_INDEX, lazy=True, recalcTimestamp=False)
    cmap = font.getBestCmap()
    wanted = sorted({ord(c) for c in chars if ord(c) in cmap})
    options = subset.Options()
    options.flavor = "woff"
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.hinting = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=wanted)
    subsetter.subset(font)
    buf = io.BytesIO()
    font.flavor = "woff"
    font.save(buf)
    font.close()
    log.info("report font: %d characters, %.0f kB (WOFF)", len(wanted), buf.tell() / 1024)
    data = buf.getvalue()
    cached.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(cached, lambda tmp: tmp.write_bytes(data))
    return data


def font_css(characters: str) -> str:
    """A stylesheet declaring :data:`FAMILY` with the subset embedded as a ``data:`` URL."""
    data = base64.b64encode(subset_woff(characters)).decode("ascii")
    return ("/* Noto Sans CJK SC (SIL Open Font License 1.1), subset to the characters of this report */\n"
            f'@font-face{{font-family:"{FAMILY}";font-style:normal;font-weight:400;font-display:block;'
            f'src:url(data:font/woff;base64,{data}) format("woff");}}\n')
