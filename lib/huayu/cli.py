"""Command line: ``python -m huayu <command> --help``.

Each command lives in the module of its stage; this file only registers them. Only the module of the
command being run is imported, so ``--help`` is fast and a notebook run never imports the segmenter.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

COMMANDS: dict[str, tuple[str, str]] = {
    "import": ("huayu.pipeline.importing.cli", "make a corpus folder (metadata.csv + texts) from a spreadsheet, CSV, "
                                                "JSON Lines, or a folder of .txt/.docx/.pdf files"),
    "prepare": ("huayu.pipeline.prepare", "load, validate, clean and segment a corpus into interim/ and processed/ tables"),
    "export": ("huayu.pipeline.export", "write the prepared tables for other tools: segmented plain text, Sketch "
                                         "Engine vertical, Matrix Market document-term matrix, tokens CSV/parquet"),
    "segment": ("huayu.pipeline.segment.cli", "segmentation tools: frequencies for new dictionary entries (suggest), "
                                               "scores against the gold file (evaluate)"),
    "run-notebook": ("huayu.notebook.runner", "run analysis notebooks through papermill (--jobs at a time) and publish "
                                     "their figures"),
    "params": ("huayu.notebook.params", "print (or --out: write) a starting parameter file for a corpus folder, "
                                         "with its doc_ids and groups as comments"),
    "manifest": ("huayu.notebook.provenance", "merge the per-notebook provenance records into figures/MANIFEST.csv"),
    "report": ("huayu.report.build", "write a self-contained offline HTML report: figures with captions, sortable "
                                     "tables, a KWIC search"),
}


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser; only ``command``'s module is imported (all of them when ``command`` is None)."""
    parser = argparse.ArgumentParser(
        prog="python -m huayu",
        description="huayu (话语): comparative discourse analysis of Chinese local-government speeches.",
        epilog="Run `python -m huayu <command> --help` for the options of one command.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debugging detail and show tracebacks")
    parser.add_argument("-q", "--quiet", action="store_true", help="log warnings and errors only")
    sub = parser.add_subparsers(dest="command", metavar="<command>", required=True)
    for name, (module_name, summary) in COMMANDS.items():
        if command is not None and name != command:
            sub.add_parser(name, help=summary)
            continue
        module = importlib.import_module(module_name)
        sub_parser = sub.add_parser(name, help=summary, formatter_class=argparse.RawDescriptionHelpFormatter)
        module.add_arguments(sub_parser)
        sub_parser.set_defaults(_module=module)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    command = next((a for a in argv if a in COMMANDS), None)
    parser = build_parser(command)
    args = parser.parse_args(argv)
    level = logging.DEBUG if args.verbose else logging.WARNING if args.quiet else logging.INFO
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    try:
        return int(args._module.run(args) or 0)
    except (ValueError, FileNotFoundError) as exc:
        if args.verbose:
            raise
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        if args.verbose:
            raise
        print("interrupted (outputs of finished steps are kept; nothing half-written is published)", file=sys.stderr)
        return 130
    except OSError as exc:  # a folder that is a file, no permission, disk full …: say which path and why
        if args.verbose:
            raise
        where = f" {exc.filename}" if exc.filename else ""
        print(f"error: cannot use{where}: {exc.strerror or exc}", file=sys.stderr)
        return 1
