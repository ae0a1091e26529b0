"""Bring your own corpus: import a collection as a corpus folder (``python -m huayu import``).

Modules, one per kind of source, then the steps shared by all:

* :mod:`.spreadsheet` — CSV, TSV, Excel .xlsx (one document per row);
* :mod:`.jsonl` — JSON Lines and JSON arrays (one document per object);
* :mod:`.word` — .docx (paragraphs kept); :mod:`.pdf` — PDF with a text layer (never OCR);
* :mod:`.templates` — file-name templates (``{date}_{place_zh}_{genre}.txt``);
* :mod:`.folder` — a file or a folder, each file read by its kind;
* :mod:`.records` — what every reader returns (records, skipped items);
* :mod:`.build` — fields → metadata columns, values normalised, constants, ``unknown``;
* :mod:`.infer` — the few things read from a text (delivery date, speaker, year, genre), with reasons;
* :mod:`.review` — the summary printed and kept as ``import_manifest.json``;
* :mod:`.importer` — :func:`import_collection`: read, check, write atomically; :mod:`.cli` — the command.
"""

from huayu.pipeline.importing.importer import ImportResult, import_collection

__all__ = ["ImportResult", "import_collection"]
