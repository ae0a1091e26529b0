"""PDF files with a text layer (read with pypdf): one document per file.

The text is what pypdf extracts from each page, pages separated by a line break. A PDF whose pages hold
no text (a scan: images of pages) is **not** imported and is listed in the review summary: huayu does not
run OCR, whose errors would enter the counts unseen. Run an OCR program first (e.g. ``ocrmypdf``, which adds
a text layer) and check its output. The title in the PDF's document information, when set, becomes the
field ``title``. An encrypted PDF is read when it opens without a password.
"""

from __future__ import annotations

import logging
from pathlib import Path

from huayu.errors import SourceError
from huayu.pipeline.metadata import Problem

SUFFIXES = (".pdf",)
NO_TEXT_LAYER = ("has no text layer (a scanned PDF?): huayu does not run OCR; add a text layer with an OCR "
                 "program (e.g. ocrmypdf) and check it, then import again")


def pdf_text(path: Path) -> tuple[str, dict[str, str]]:
    """``(text, fields)`` of a PDF; ``text`` is ``""`` when no page has text. Raises :class:`SourceError`
    when the file cannot be read as a PDF."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # its warnings about odd fonts are not the user's problem
    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted and not reader.decrypt(""):
            raise SourceError(path, [Problem(str(path), "is an encrypted PDF that needs a password")])
        pages = [page.extract_text() or "" for page in reader.pages]
        info = reader.metadata
    except (PdfReadError, OSError, ValueError, KeyError) as exc:
        raise SourceError(path, [Problem(str(path), f"cannot be read as a PDF: {exc}")]) from None
    text = "\n".join(pages)
    fields = {}
    title = str(info.title).strip() if info is not None and info.title else ""
    if title:
        fields["title"] = title
    return (text if text.strip() else ""), fields
