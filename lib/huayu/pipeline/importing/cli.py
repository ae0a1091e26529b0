"""Import a collection as a corpus folder: ``python -m huayu import SOURCE… --out CORPUS_DIR``.

SOURCE is a file or a folder (several may be given):
  tables          .csv .tsv .xlsx     one document per row; --text-column names the text column
  JSON            .jsonl .json        one document per object (JSON Lines, or an array of objects)
  documents       .txt .docx .pdf     one document per file; --pattern reads fields from the file names
A folder is read recursively; its files are taken by kind (README and other kinds are skipped, and listed).

CORPUS_DIR gets metadata.csv (every required column; other source fields kept as extra columns),
texts/<doc_id>.txt (each text unchanged in content) and import_manifest.json (this review, the options and
the sources' SHA-256). Then: make prepare CORPUS=CORPUS_DIR OUT=…, make figures CORPUS=CORPUS_DIR OUT=….

Metadata: a field named like a column (date, place_zh, genre …) is that column; --map renames fields
(--map year=date,province=place_zh); the aliases year/年份 → date, url/link → source, speaker → speakers
apply when nothing else gives the column; --set COLUMN=VALUE fills a column for every document that lacks
it. Read from the documents (off with --no-infer), each with its reason in notes: the date (and meeting) of
a delivery line 〈——2025年3月5日在…会议上〉 (date_certainty = inferred), the speaker of a line
〈国务院总理 李强〉, a year from the title or the file name, the genre from the title
(data/dictionaries/import_genre_rules.csv). Whatever is still not known is written "unknown".

Examples:
  python -m huayu import reports.xlsx --out corpora/reports --text-column 正文 --map 年份=date,省份=province
  python -m huayu import data/external/state-council-and-congress --out corpora/sc \\
      --set admin_level=national --set place_zh=中国 --set place_en=China
  python -m huayu import speeches/ --out corpora/speeches --pattern "{date}_{place_zh}_{genre}.txt"

Every problem (a missing text column, an unreadable file, a --map key the source does not have, a file
name that does not match --pattern …) is reported at once, naming the file, row or line and column;
then nothing is written (exit status 2).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from huayu.pipeline.importing.build import parse_pairs
from huayu.pipeline.importing.importer import import_collection


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = __doc__
    parser.add_argument("sources", nargs="+", type=Path, metavar="SOURCE",
                        help="a table, JSON file or document, or a folder of them")
    parser.add_argument("--out", required=True, type=Path, metavar="CORPUS_DIR",
                        help="the corpus folder to write (new, empty, or an earlier import with --replace)")
    parser.add_argument("--text-column", default=None, metavar="COLUMN",
                        help="the column (table) or key (JSON) holding the text (default: the one of text, "
                             "content, body, 正文, 内容, 全文 present)")
    parser.add_argument("--map", action="append", default=[], metavar="FIELD=COLUMN[,…]",
                        help="read a source field as a metadata column, e.g. --map year=date,province=place_zh "
                             "(repeatable)")
    parser.add_argument("--set", action="append", default=[], metavar="COLUMN=VALUE",
                        help="a value for every document that lacks it, e.g. --set admin_level=national "
                             "(repeatable; one pair per --set, so a value may contain commas)")
    parser.add_argument("--pattern", default=None, metavar="TEMPLATE",
                        help='file-name template of document files, e.g. "{date}_{place_zh}_{genre}.txt" '
                             "({} ignores a part; with / it matches the path below the folder)")
    parser.add_argument("--sheet", default=None, help="the sheet of .xlsx workbooks (default: the first)")
    parser.add_argument("--no-infer", action="store_true",
                        help="read nothing from the texts, titles or file names (only what the source gives)")
    parser.add_argument("--drop-duplicates", action="store_true",
                        help="leave out a document whose text (whitespace aside) is that of an earlier one")
    parser.add_argument("--replace", action="store_true",
                        help="replace CORPUS_DIR when it holds an earlier import (never any other folder)")
    parser.add_argument("--no-progress", action="store_true", help="hide progress bars")


def run(args: argparse.Namespace) -> int:
    result = import_collection(
        args.sources, args.out, text_column=args.text_column,
        mapping=parse_pairs(args.map, "--map", split_commas=True),
        constants=parse_pairs(args.set, "--set", split_commas=False),
        pattern=args.pattern, sheet=args.sheet, infer=not args.no_infer, drop_duplicates=args.drop_duplicates,
        replace=args.replace, progress=not args.no_progress)
    print(result.text)
    return 0
