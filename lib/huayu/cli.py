"""Command line: ``python -m huayu <command> --help``.

Each command lives in the module of its stage; this file only registers them (imported lazily, so
``--help`` is fast and a notebook run does not import the segmenter).
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

COMMANDS: dict[str, tuple[str, str]] = {
    "prepare": ("huayu.prepare", "load, validate, clean and segment a corpus into interim/ and processed/ tables"),
    "run-notebook": ("huayu.runner", "run one analysis notebook through papermill and publish its figures"),
    "manifest": ("huayu.provenance", "merge the per-notebook provenance records into figures/MANIFEST.csv"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m huayu",
        description="huayu (话语): comparative discourse analysis of Chinese local-government speeches.",
        epilog="Run `python -m huayu <command> --help` for the options of one command.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debugging detail")
    parser.add_argument("-q", "--quiet", action="store_true", help="log warnings and errors only")
    sub = parser.add_subparsers(dest="command", metavar="<command>", required=True)
    for name, (module_name, summary) in COMMANDS.items():
        module = importlib.import_module(module_name)
        sub_parser = sub.add_parser(name, help=summary, description=module.__doc__.strip().splitlines()[0],
                                    formatter_class=argparse.RawDescriptionHelpFormatter)
        module.add_arguments(sub_parser)
        sub_parser.set_defaults(_module=module)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    level = logging.DEBUG if args.verbose else logging.WARNING if args.quiet else logging.INFO
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    return int(args._module.run(args) or 0)
