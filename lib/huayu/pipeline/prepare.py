"""Prepare a corpus: load and validate it, clean it, segment it; write the stage tables.

``python -m huayu prepare --corpus DIR --out DIR`` (``make prepare CORPUS=DIR OUT=DIR``) reads the corpus
folder (``metadata.csv`` + text files) and writes

* ``OUT/interim/documents.parquet``, ``paragraphs.parquet``, ``sentences.parquet`` (+ ``.csv`` copies),
  ``cleaning_log.csv`` (+ ``.parquet``): every removal with its rule and raw offsets,
  ``clean_text/<doc_id>.txt``: the cleaned text of each document, readable,
  ``prepare_manifest.json``: the corpus content hash and the counts;
* ``OUT/processed/tokens.parquet``: one token per row (re-segmented only when its inputs change).

Validation runs first and reports every problem at once; then nothing is written. Each file is
replaced atomically, so a failed run leaves the previous outputs in place. The raw files are only read.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from tqdm.auto import tqdm

from huayu import schema
from huayu.pipeline import clean as clean_stage
from huayu.pipeline.corpus import Corpus, load_corpus
from huayu.outputs import write_all, write_csv, write_json, write_parquet, write_text

log = logging.getLogger("huayu.pipeline.prepare")

METADATA_DROP = ("path", "raw_text")


@dataclass
class PrepareResult:
    interim_dir: Path
    processed_dir: Path
    n_documents: int
    n_paragraphs: int
    n_sentences: int
    n_removals: int
    tokens_path: Path | None
    tokens_recomputed: bool


def raw_corpus_sha256(corpus: Corpus) -> str:
    """SHA-256 over the metadata sheet and every listed file's bytes (in metadata order)."""
    digest = hashlib.sha256()
    digest.update((corpus.root / "metadata.csv").read_bytes())
    for path in corpus.documents_table["path"]:
        digest.update(b"\0" + Path(path).read_bytes())
    return digest.hexdigest()


def clean_corpus(corpus: Corpus, *, rules: list[clean_stage.Rule] | None = None,
                 progress: bool = True) -> dict[str, pd.DataFrame]:
    """Clean every document, one at a time; returns the documents, paragraphs, sentences and log tables."""
    rules = clean_stage.load_rules() if rules is None else rules
    paragraphs, sentences, removals, texts = [], [], [], []
    stats = []
    docs = corpus.documents_table
    bar = tqdm(docs.itertuples(index=False), total=len(docs), desc="cleaning", unit="doc",
               disable=not progress or len(docs) < 20)
    for doc in bar:
        cleaned = clean_stage.clean_document(doc.raw_text, doc.doc_id, doc.genre, rules)
        p_rows, s_rows, l_rows = clean_stage.document_tables(cleaned)
        paragraphs += p_rows
        sentences += s_rows
        removals += l_rows
        texts.append(cleaned.text)
        stats.append((len(doc.raw_text), len(cleaned.text), len(p_rows), len(s_rows), len(l_rows)))
    documents = docs.drop(columns=[c for c in METADATA_DROP if c in docs.columns]).copy()
    stat_frame = pd.DataFrame(stats, columns=["n_chars_raw", "n_chars_clean", "n_paragraphs", "n_sentences",
                                              "n_removals"])
    documents = pd.concat([documents.reset_index(drop=True), stat_frame], axis=1)
    documents["text"] = texts
    tables = {
        "documents": documents,
        "paragraphs": schema.PARAGRAPHS.conform(pd.DataFrame(paragraphs, columns=schema.PARAGRAPHS.names)),
        "sentences": schema.SENTENCES.conform(pd.DataFrame(sentences, columns=schema.SENTENCES.names)),
        "cleaning_log": schema.CLEANING_LOG.conform(pd.DataFrame(removals, columns=schema.CLEANING_LOG.names)),
    }
    return tables


def write_interim(tables: dict[str, pd.DataFrame], interim_dir: Path, manifest: dict) -> None:
    """Write the interim tables (parquet + readable CSV/TXT copies) atomically."""
    interim_dir.mkdir(parents=True, exist_ok=True)
    documents = tables["documents"]
    writes = []
    for name, table in tables.items():
        writes.append((write_parquet, table, interim_dir / f"{name}.parquet"))
        csv_table = table.drop(columns=["text"]) if name == "documents" else table
        writes.append((write_csv, csv_table, interim_dir / f"{name}.csv"))
    writes.append((write_json, manifest, interim_dir / "prepare_manifest.json"))
    write_all(writes)
    text_dir = interim_dir / "clean_text"
    text_dir.mkdir(exist_ok=True)
    wanted = set()
    for doc_id, text in zip(documents["doc_id"], documents["text"]):
        path = text_dir / f"{doc_id}.txt"
        wanted.add(path.name)
        if not path.exists() or path.read_text(encoding="utf-8") != text + "\n":
            write_text(text + "\n", path)
    for stale in text_dir.glob("*.txt"):
        if stale.name not in wanted:
            stale.unlink()


def prepare(corpus_dir: str | Path, out_dir: str | Path, *, to_simplified_chinese: bool = False,
            rules_path: str | Path | None = None, clean: bool = True, segment: bool = True,
            segment_settings: dict | None = None, force: bool = False, progress: bool = True) -> PrepareResult:
    """Run the corpus → clean → tokens stages; see the module docstring for what is written."""
    started = time.perf_counter()
    out_dir = Path(out_dir)
    rules = [] if not clean else clean_stage.load_rules(rules_path or clean_stage.DEFAULT_RULES)
    settings = None
    if segment:
        from huayu.pipeline.segment import SegmentSettings

        settings = SegmentSettings.from_mapping(segment_settings or {})  # unknown settings fail before any work
    corpus = load_corpus(corpus_dir, to_simplified_chinese=to_simplified_chinese, progress=progress)
    tables = clean_corpus(corpus, rules=rules, progress=progress)
    interim_dir, processed_dir = out_dir / "interim", out_dir / "processed"
    manifest = {
        "corpus": str(corpus.root),
        "corpus_sha256": raw_corpus_sha256(corpus),
        "documents": int(len(tables["documents"])),
        "paragraphs": int(len(tables["paragraphs"])),
        "sentences": int(len(tables["sentences"])),
        "removals": int(len(tables["cleaning_log"])),
        "cleaning": "on" if clean else "off",
        "rules": str(rules_path or clean_stage.DEFAULT_RULES) if clean else None,
        "converted_to_simplified": bool(tables["documents"]["converted_to_simplified"].any()),
    }
    write_interim(tables, interim_dir, manifest)
    log.info("cleaned %d documents: %d paragraphs, %d sentences, %d removals logged → %s",
             manifest["documents"], manifest["paragraphs"], manifest["sentences"], manifest["removals"], interim_dir)
    tokens_path, recomputed = None, False
    if segment:
        from huayu.pipeline.segment import write_tokens

        tokens_path, recomputed = write_tokens(tables["sentences"], processed_dir, settings, progress=progress,
                                               force=force)
        os.utime(tokens_path)  # up to date now: `make` compares this file's time with its inputs'
    log.info("prepare finished in %.1f s", time.perf_counter() - started)
    return PrepareResult(interim_dir, processed_dir, manifest["documents"], manifest["paragraphs"],
                         manifest["sentences"], manifest["removals"], tokens_path, recomputed)


def _parse_settings(pairs: list[str]) -> dict[str, str]:
    settings = {}
    for pair in pairs:
        if "=" not in pair:
            raise ValueError(f"--set {pair!r}: expected KEY=VALUE")
        key, value = pair.split("=", 1)
        settings[key.strip()] = value.strip()
    return settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = __doc__
    parser.add_argument("--corpus", default="data", type=Path,
                        help="corpus folder holding metadata.csv and the texts it names (default: data)")
    parser.add_argument("--out", default="data", type=Path,
                        help="output folder; tables go to OUT/interim and OUT/processed (default: data)")
    parser.add_argument("--to-simplified", action="store_true",
                        help="convert Traditional-Chinese documents to Simplified (OpenCC t2s)")
    parser.add_argument("--rules", type=Path, default=None,
                        help="boilerplate rules CSV (default: data/dictionaries/boilerplate_rules.csv)")
    parser.add_argument("--no-clean", action="store_true",
                        help="switch boilerplate removal off (normalisation and splitting still run)")
    parser.add_argument("--no-segment", action="store_true", help="stop after cleaning (no tokens table)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="a segmentation setting, e.g. --set max_slogan_chars=10 (repeatable)")
    parser.add_argument("--force", action="store_true", help="re-segment even when the cache is up to date")
    parser.add_argument("--no-progress", action="store_true", help="hide progress bars")
    # Distributed run (huayu.pipeline.distributed): a Dask cluster, partitioned parquet datasets.
    parser.add_argument("--scheduler", default=None, metavar="ADDRESS",
                        help="run on a Dask cluster: a scheduler address (tcp://HOST:8786), a scheduler file "
                             "(scheduler.json) or local:N (a local cluster of N worker processes); writes "
                             "partitioned datasets (interim/<table>/part-*.parquet, processed/tokens/part-*.parquet)")
    parser.add_argument("--batch-mb", type=float, default=4.0, metavar="MB",
                        help="with --scheduler: raw text per task, in MiB (default: 4)")


def run(args: argparse.Namespace) -> int:
    if args.scheduler:
        from huayu.pipeline.distributed import run as run_distributed

        return run_distributed(args)
    result = prepare(args.corpus, args.out, to_simplified_chinese=args.to_simplified, rules_path=args.rules,
                     clean=not args.no_clean, segment=not args.no_segment,
                     segment_settings=_parse_settings(args.set), force=args.force, progress=not args.no_progress)
    print(f"prepared {result.n_documents} documents: {result.n_paragraphs} paragraphs, {result.n_sentences} "
          f"sentences, {result.n_removals} boilerplate removals logged → {result.interim_dir}")
    if result.tokens_path:
        print(f"tokens: {result.tokens_path} ({'segmented' if result.tokens_recomputed else 'up to date, cached'})")
    return 0
