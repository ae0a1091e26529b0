"""Word documents (.docx, read with python-docx): one document per file, paragraphs kept.

The text is the document's body in order: each paragraph on a line of its own (empty paragraphs as empty
lines), each table row as one line of its cells separated by tabs. Headers, footers, footnotes and
comments are not part of the text. The title property (File → Properties), when set, becomes the field
``title``; the author and dates of the file are not taken (they are the file's, not the speech's).
Old binary ``.doc`` files cannot be read: save them as ``.docx``.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from huayu.errors import SourceError
from huayu.pipeline.metadata import Problem

SUFFIXES = (".docx",)


def docx_text(path: Path) -> tuple[str, dict[str, str]]:
    """``(text, fields)`` of a .docx file; raises :class:`SourceError` when it cannot be read."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from docx.table import Table

    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise SourceError(path, [Problem(str(path), f"cannot be read as a Word document (.docx): "
                                                    f"{exc or type(exc).__name__}")]) from None
    lines: list[str] = []
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            for row in block.rows:
                lines.append("\t".join(cell.text.replace("\n", " ") for cell in row.cells))
        else:
            lines.append(block.text)
    fields = {}
    title = (document.core_properties.title or "").strip()
    if title:
        fields["title"] = title
    return "\n".join(lines), fields
