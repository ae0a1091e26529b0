"""Export the prepared tables for the tools researchers also use: ``python -m huayu export --out DIR``.

Reads ``interim/documents.parquet`` and ``processed/tokens.parquet`` (through :mod:`huayu.pipeline.tables`;
``make prepare`` writes them) and writes, into one folder that is replaced whole only when every part is
written (a failed export leaves the previous one):

``text/<doc_id>.txt``
    each document segmented: tokens separated by one space, one paragraph per line, UTF-8. AntConc, Voyant
    Tools, Wordless and KH Coder read such files as pre-segmented text (their own tokenisers split on the
    spaces; Chinese needs no other setting).
``vertical/corpus.vert``
    Sketch Engine / NoSketch Engine (CQP) vertical format: one token per line, ``word<TAB>pos`` (the POS
    tags of ``tokens.pos``, jieba's ICTCLAS-style set), inside ``<doc …>``, ``<p id="…">`` and ``<s id="…">``
    structures. ``<doc>`` carries every metadata column of the documents table as an attribute (``id`` =
    ``doc_id``; names made of ``[a-z0-9_]``). Tokens and values are XML-escaped (``& < > "``), so the file is
    well-formed when wrapped in one root element.
``matrix/dtm.mtx``, ``terms.txt``, ``documents.txt``, ``docvars.csv``
    the document–term matrix of :func:`huayu.analysis.dfm.build_dfm` (raw counts, punctuation left out) in
    Matrix Market coordinate format (``scipy.io.mmwrite``, integer), its column names (one term per line)
    and row names (one doc_id per line), and the documents' metadata in the same row order. In R::

        m <- Matrix::readMM("matrix/dtm.mtx")
        dimnames(m) <- list(readLines("matrix/documents.txt", encoding = "UTF-8"),
                            readLines("matrix/terms.txt", encoding = "UTF-8"))
        d <- quanteda::as.dfm(m)
        quanteda::docvars(d) <- read.csv("matrix/docvars.csv", encoding = "UTF-8")

``tokens/tokens.csv``, ``tokens/tokens.parquet``
    the tokens table as it is (columns in ``lib/README.md``), UTF-8 CSV with BOM for spreadsheets.

``export_manifest.json`` records what was written, from which tables, with their SHA-256.
"""

from __future__ import annotations

import argparse
import logging
import re
import shutil
from collections.abc import Iterable
from pathlib import Path

import pandas as pd
from tqdm.auto import tqdm

from huayu.checks import check_string_list
from huayu.errors import ParameterError
from huayu.outputs import replace_folder, sha256_file, staging_folder, write_csv, write_json, write_parquet
from huayu.pipeline.tables import read_documents, read_tokens

log = logging.getLogger("huayu.pipeline.export")

FORMATS: tuple[str, ...] = ("text", "vertical", "matrix", "tokens")
MANIFEST = "export_manifest.json"
#: Columns of the documents table that are not metadata (left out of ``<doc>`` attributes and docvars).
NOT_METADATA = ("text", "path", "raw_text")
_XML = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"})


def xml_escape(value: object) -> str:
    """``& < > "`` escaped, line breaks and tabs as spaces: safe as XML text or a double-quoted attribute."""
    return re.sub(r"[\t\r\n]+", " ", str(value)).translate(_XML)


def attribute_name(column: str) -> str:
    """A metadata column as a vertical-format attribute name: lower case ``[a-z0-9_]``, starting with a letter
    (Chinese column names in pinyin: ``年份`` → ``nian_fen``)."""
    if re.search(r"[\u4e00-\u9fff]", column):
        from pypinyin import lazy_pinyin

        column = "_".join(lazy_pinyin(column))
    name = re.sub(r"[^a-z0-9]+", "_", column.lower()).strip("_")
    return name if name and name[0].isalpha() else f"a_{name}"


def _check_formats(formats: Iterable[str] | str | None) -> list[str]:
    chosen = check_string_list("formats", formats)
    if not chosen:
        return list(FORMATS)
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown:
        raise ParameterError(f"--format {', '.join(unknown)}: unknown; choose from {', '.join(FORMATS)}")
    return [f for f in FORMATS if f in chosen]


def segmented_texts(tokens: pd.DataFrame) -> dict[str, str]:
    """``{doc_id: text}``: tokens joined by one space, paragraphs by a line break (corpus order)."""
    words = tokens[["doc_id", "para_id", "token"]]
    paragraphs = words.groupby(["doc_id", "para_id"], sort=False)["token"].agg(" ".join).reset_index()
    return paragraphs.groupby("doc_id", sort=False)["token"].agg("\n".join).to_dict()


def _metadata(documents: pd.DataFrame) -> pd.DataFrame:
    return documents.drop(columns=[c for c in NOT_METADATA if c in documents.columns])


def write_vertical(tokens: pd.DataFrame, documents_table: pd.DataFrame, path: Path, *, progress: bool = True) -> int:
    """Write the vertical file (module docstring); returns the number of token lines."""
    meta = _metadata(documents_table).set_index("doc_id", drop=False)
    names: dict[str, str] = {}
    for column in meta.columns:
        name = "id" if column == "doc_id" else attribute_name(column)
        while name in names.values():
            name += "_"
        names[column] = name
    lines_written = 0
    escaped = tokens.assign(line=tokens["token"].astype(str).map(xml_escape) + "\t" + tokens["pos"].astype(str))
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        groups = escaped.groupby("doc_id", sort=False)
        for doc_id, doc in tqdm(groups, total=groups.ngroups, desc="vertical", unit="doc",
                                disable=not progress or groups.ngroups < 20):
            row = meta.loc[doc_id] if doc_id in meta.index else pd.Series({"doc_id": doc_id})
            attributes = " ".join(f'{names.get(c, attribute_name(c))}="{xml_escape(v)}"' for c, v in row.items())
            out = [f"<doc {attributes}>"]
            para = sent = None
            for p, s, line in zip(doc["para_id"], doc["sent_id"], doc["line"]):
                if p != para:
                    if sent is not None:
                        out.append("</s>")
                    if para is not None:
                        out.append("</p>")
                    out.append(f'<p id="{p}">')
                    para, sent = p, None
                if s != sent:
                    if sent is not None:
                        out.append("</s>")
                    out.append(f'<s id="{s}">')
                    sent = s
                out.append(line)
            if sent is not None:
                out.append("</s>")
            if para is not None:
                out.append("</p>")
            out.append("</doc>")
            lines_written += len(doc)
            fh.write("\n".join(out) + "\n")
    return lines_written


def write_matrix(tokens: pd.DataFrame, documents_table: pd.DataFrame, folder: Path) -> tuple[int, int]:
    """Matrix Market dtm + terms, documents and docvars (module docstring); returns the matrix's shape."""
    import scipy.io

    from huayu.analysis.dfm import build_dfm

    dfm = build_dfm(tokens, "doc_id", drop_punct=True)
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "dtm.mtx", "wb") as fh:
        scipy.io.mmwrite(fh, dfm.matrix, comment="huayu document-term matrix: rows documents.txt, columns "
                         "terms.txt (raw counts, punctuation left out)", field="integer")
    (folder / "terms.txt").write_text("".join(f"{t}\n" for t in dfm.terms), encoding="utf-8")
    (folder / "documents.txt").write_text("".join(f"{d}\n" for d in dfm.units), encoding="utf-8")
    meta = _metadata(documents_table).set_index("doc_id", drop=False).reindex(list(dfm.units))
    write_csv(meta.reset_index(drop=True), folder / "docvars.csv")
    return dfm.shape


def export(out: str | Path, *, interim_dir: str | Path = "data/interim", processed_dir: str | Path = "data/processed",
           formats: Iterable[str] | str | None = None, replace: bool = True, progress: bool = True) -> dict:
    """Write the chosen ``formats`` (default: all of :data:`FORMATS`) into ``out``; returns the manifest.

    ``out`` is replaced whole when every file is written; a folder that holds anything but an earlier
    export is refused (:class:`ParameterError`).
    """
    chosen = _check_formats(formats)
    out = Path(out)
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / MANIFEST).is_file())):
        raise ParameterError(f"--out {out} exists and is not an earlier export: choose a new folder "
                             "(an export never replaces other files)")
    if out.exists() and any(out.iterdir()) and not replace:
        raise ParameterError(f"--out {out} holds an earlier export")
    documents = read_documents(interim_dir)
    tokens = read_tokens(processed_dir)
    interim_dir, processed_dir = Path(interim_dir), Path(processed_dir)
    manifest: dict = {"documents": int(len(documents)), "tokens": int(len(tokens)), "formats": chosen,
                      "from": {str(p): sha256_file(p) for p in (Path(interim_dir) / "documents.parquet",
                                                               Path(processed_dir) / "tokens.parquet")
                               if p.is_file()}}
    staged = staging_folder(out)
    staged.chmod(0o755)
    try:
        if "text" in chosen:
            folder = staged / "text"
            folder.mkdir()
            texts = segmented_texts(tokens)
            for doc_id in tqdm(documents["doc_id"], desc="text", unit="doc", disable=not progress or len(documents) < 20):
                (folder / f"{doc_id}.txt").write_text(texts.get(doc_id, "") + "\n", encoding="utf-8")
            manifest["text"] = {"files": int(len(documents))}
        if "vertical" in chosen:
            (staged / "vertical").mkdir()
            n = write_vertical(tokens, documents, staged / "vertical" / "corpus.vert", progress=progress)
            manifest["vertical"] = {"file": "vertical/corpus.vert", "token_lines": n}
        if "matrix" in chosen:
            shape = write_matrix(tokens, documents, staged / "matrix")
            manifest["matrix"] = {"file": "matrix/dtm.mtx", "documents": shape[0], "terms": shape[1]}
        if "tokens" in chosen:
            (staged / "tokens").mkdir()
            write_csv(tokens, staged / "tokens" / "tokens.csv")
            write_parquet(tokens, staged / "tokens" / "tokens.parquet")
            manifest["tokens_table"] = {"files": ["tokens/tokens.csv", "tokens/tokens.parquet"]}
        write_json(manifest, staged / MANIFEST)
        replace_folder(staged, out)
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        raise
    log.info("exported %d documents (%s) → %s", len(documents), ", ".join(chosen), out)
    return manifest


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = __doc__
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("--interim", default="data/interim", type=Path,
                        help="folder of documents.parquet (default: data/interim)")
    parser.add_argument("--processed", default="data/processed", type=Path,
                        help="folder of tokens.parquet (default: data/processed)")
    parser.add_argument("--out", default="data/export", type=Path,
                        help="folder to write (replaced whole; default: data/export)")
    parser.add_argument("--format", action="append", default=[], choices=FORMATS, dest="formats",
                        help="write only this format (repeatable; default: all of " + ", ".join(FORMATS) + ")")
    parser.add_argument("--no-progress", action="store_true", help="hide progress bars")


def run(args: argparse.Namespace) -> int:
    manifest = export(args.out, interim_dir=args.interim, processed_dir=args.processed, formats=args.formats,
                      progress=not args.no_progress)
    print(f"exported {manifest['documents']} documents, {manifest['tokens']} tokens → {args.out}")
    for name, what in (("text", "text/<doc_id>.txt (space-segmented; AntConc, Voyant, Wordless, KH Coder)"),
                       ("vertical", "vertical/corpus.vert (Sketch Engine)"),
                       ("matrix", "matrix/dtm.mtx + terms.txt, documents.txt, docvars.csv (R Matrix::readMM, quanteda)"),
                       ("tokens", "tokens/tokens.csv, tokens.parquet")):
        if name in manifest["formats"]:
            extra = (f" {manifest['matrix']['documents']} × {manifest['matrix']['terms']}" if name == "matrix" else "")
            print(f"  {what}{extra}")
    print(f"  {MANIFEST}: what was written, from which tables (SHA-256)")
    return 0
