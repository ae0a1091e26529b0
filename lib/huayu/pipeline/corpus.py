"""Loading a corpus: the metadata sheet, the text files it names, their encodings and scripts.

A corpus folder holds ``metadata.csv`` and the text files it names (``file`` is a path relative to the
folder). :func:`load_corpus` decodes every file and validates everything, collecting *every* problem —
a listed file that is missing, a text file that is not listed, duplicate or unsafe ``doc_id``, an empty,
undecodable or binary file, a bad date, an unknown genre — and raises one :class:`CorpusError` that
lists them all. Nothing is written by this module.

Encodings: UTF-8 (with or without BOM), UTF-16 with BOM, GB18030 (a superset of GBK and GB2312) and
Big5 are recognised; the encoding found is recorded per document. Traditional-Chinese text is detected
with OpenCC's ``t2s`` conversion (the share of Han characters it changes) and can be converted to
Simplified on request.
"""

from __future__ import annotations

import codecs
import logging
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pandas as pd
from tqdm.auto import tqdm

from huayu.errors import CorpusError
from huayu.paths import DICTIONARIES
from huayu.pipeline.metadata import Problem, check_metadata, read_metadata

log = logging.getLogger("huayu.pipeline.corpus")

TEXT_SUFFIXES = (".txt", ".text")
TRADITIONAL_THRESHOLD = 0.05   # share of Han characters that t2s changes: at or above → "traditional"
MIXED_THRESHOLD = 0.01         # between the two thresholds → "mixed"


class DecodeError(ValueError):
    """A file could not be decoded as text."""


@dataclass
class Corpus:
    """A loaded, validated corpus: one row per document in ``documents_table``.

    ``documents_table`` has every metadata column plus ``path`` (absolute), ``encoding``, ``script``
    (``simplified|traditional|mixed``), ``converted_to_simplified`` and ``raw_text`` (decoded, and
    converted to Simplified when asked).
    """

    root: Path
    documents_table: pd.DataFrame
    warnings: list[str] = field(default_factory=list)


def _is_binary(data: bytes) -> bool:
    if b"\x00" in data:
        return True
    sample = data[:65536]
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13))
    return controls > max(2, len(sample) // 200)


def _plausible(text: str) -> bool:
    """Decoded text that is mostly letters, digits, punctuation, spaces and CJK (not mojibake)."""
    if not text:
        return True
    odd = 0
    for ch in text:
        cat = unicodedata.category(ch)
        if cat in ("Co", "Cn", "Cs") or (cat == "Cc" and ch not in "\t\n\r\f"):
            odd += 1
    return odd <= max(1, len(text) // 100)


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Decode a text file's bytes; return ``(text, encoding)``. Raises :class:`DecodeError`.

    Order: BOMs (UTF-8, UTF-16), strict UTF-8, then GB18030 or Big5 (whichever charset-normalizer finds
    coherent), each decoded strictly and accepted only when the result is plausible text (no control or
    unassigned characters beyond 1 %).
    """
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[len(codecs.BOM_UTF8):].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            raise DecodeError(f"starts with a UTF-8 byte-order mark but is not valid UTF-8 ({exc.reason} "
                              f"at byte {exc.start})") from None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise DecodeError(f"starts with a UTF-16 byte-order mark but is not valid UTF-16 ({exc.reason})") from None
    if _is_binary(data):
        raise DecodeError("looks like a binary file (NUL or control bytes), not text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        if _plausible(text):
            return text, "utf-8"
    # Not UTF-8: GB18030 (⊇ GBK ⊇ GB2312) or Big5. Both decode many of the same byte pairs, so let
    # charset-normalizer judge which reading is coherent text, then decode strictly.
    import charset_normalizer

    best = charset_normalizer.from_bytes(data, cp_isolation=["gb18030", "big5"]).best()
    candidates = ([best.encoding] if best is not None else []) + ["gb18030", "big5"]
    for encoding in dict.fromkeys(candidates):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _plausible(text):
            return text, encoding
    raise DecodeError("cannot be decoded as UTF-8, GB18030/GBK or Big5")


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def _is_han(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"


def detect_script(text: str) -> tuple[str, float]:
    """``("simplified"|"traditional"|"mixed", share)``: share = Han characters OpenCC t2s would change."""
    han = [ch for ch in text if _is_han(ch)]
    if not han:
        return "simplified", 0.0
    sample = "".join(han[:200_000])
    converted = _t2s().convert(sample)
    changed = sum(1 for a, b in zip(sample, converted) if a != b) if len(converted) == len(sample) else \
        sum(1 for ch in sample if _t2s().convert(ch) != ch)
    share = changed / len(sample)
    if share >= TRADITIONAL_THRESHOLD:
        return "traditional", share
    if share >= MIXED_THRESHOLD:
        return "mixed", share
    return "simplified", share


def to_simplified(text: str) -> str:
    """Convert Traditional to Simplified Chinese with OpenCC ``t2s``, keeping the text's length.

    Character offsets must survive conversion (the cleaning log points into the raw text), so when
    OpenCC's phrase-level conversion changes the length, conversion falls back to character by character.
    """
    converted = _t2s().convert(text)
    if len(converted) == len(text):
        return converted
    out = []
    for ch in text:
        c = _t2s().convert(ch)
        out.append(c if len(c) == 1 else ch)
    return "".join(out)


def _unlisted_files(root: Path, listed: set[Path]) -> list[Path]:
    folders = {root} | {p.parent for p in listed}
    found: list[Path] = []
    for folder in sorted(folders):
        if not folder.is_dir():
            continue
        for path in sorted(folder.iterdir()):
            if path.is_file() and path.suffix.lower() in TEXT_SUFFIXES and path.resolve() not in listed:
                found.append(path)
    return found


def read_sheet(corpus_dir: str | Path, *, dictionaries: Path = DICTIONARIES) -> tuple[Path, pd.DataFrame, list[Problem]]:
    """The corpus folder (resolved), its metadata sheet and the sheet's problems (:func:`check_metadata`).

    Raises :class:`CorpusError` at once when there is no folder, no readable sheet or no ``doc_id`` column.
    """
    root = Path(corpus_dir).resolve()
    sheet = root / "metadata.csv"
    if not root.is_dir():
        raise CorpusError(root, [Problem(str(root), "corpus folder does not exist")])
    if not sheet.is_file():
        raise CorpusError(root, [Problem(str(sheet), "missing: a corpus folder needs a metadata.csv")])
    try:
        table = read_metadata(sheet)
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise CorpusError(root, [Problem(str(sheet), f"cannot be read as CSV: {exc}")]) from None
    problems = check_metadata(table, str(sheet), dictionaries=dictionaries)
    if problems and "doc_id" not in table.columns:
        raise CorpusError(root, problems)
    return root, table, problems


def unlisted_problems(root: Path, records: list[dict]) -> list[Problem]:
    """A problem for every text file in the corpus folder (or a folder of listed files) not in ``records``."""
    listed = set()
    for row in records:
        if row.get("file"):
            path = (root / row["file"]).resolve()
            if path.is_relative_to(root):
                listed.add(path)
    return [Problem(str(path.relative_to(root)), "text file is not listed in metadata.csv")
            for path in _unlisted_files(root, listed)]


def load_document(root: Path, row: dict, line: int, *, to_simplified_chinese: bool = False
                  ) -> tuple[dict | None, Problem | None, str | None]:
    """Read, decode and check the file of one metadata row (``line``: its line in ``metadata.csv``).

    Returns ``(record, problem, warning)``: ``record`` is the row plus ``path``, ``encoding``, ``script``,
    ``converted_to_simplified`` and ``raw_text`` (``None`` when there is a problem); ``warning`` reports a
    Traditional-Chinese text that was not converted. :func:`load_corpus` calls it for every row, and the
    distributed prepare (:mod:`huayu.pipeline.distributed`) for every row of a batch.
    """
    path = (root / row["file"]).resolve()
    where = f"{row['file']} (metadata row {line})"
    if not path.is_relative_to(root):
        return None, Problem(where, "file path points outside the corpus folder"), None
    if not path.is_file():
        return None, Problem(where, "listed file is missing"), None
    try:
        text, encoding = decode_bytes(path.read_bytes())
    except DecodeError as exc:
        return None, Problem(where, f"undecodable: {exc}"), None
    if not text.strip():
        return None, Problem(where, "text is empty or whitespace only"), None
    script, share = detect_script(text)
    converted, warning = False, None
    if script != "simplified":
        if to_simplified_chinese:
            text = to_simplified(text)
            converted = True
            log.info("%s: %s Chinese (%.0f%% of Han characters) converted to Simplified", row["file"],
                     script, 100 * share)
        else:
            warning = (f"{row['file']}: {script} Chinese ({100 * share:.0f}% of Han characters differ "
                       "from Simplified); use --to-simplified to convert")
    return ({**row, "path": str(path), "encoding": encoding, "script": script,
             "converted_to_simplified": converted, "raw_text": text}, None, warning)


def load_corpus(corpus_dir: str | Path, *, to_simplified_chinese: bool = False, progress: bool = True,
                dictionaries: Path = DICTIONARIES) -> Corpus:
    """Load and validate a corpus folder. Raises :class:`CorpusError` listing every problem.

    Parameters
    ----------
    corpus_dir:
        Folder holding ``metadata.csv``; ``file`` paths are relative to it.
    to_simplified_chinese:
        Convert Traditional-Chinese documents to Simplified (OpenCC ``t2s``). Without it, Traditional
        documents are kept as they are and reported in ``Corpus.warnings``.
    progress:
        Show a progress bar (when more than a handful of files).
    """
    root, table, problems = read_sheet(corpus_dir, dictionaries=dictionaries)
    rows: list[dict] = []
    records = table.to_dict("records") if "file" in table.columns else []
    bar = tqdm(records, desc="loading", unit="doc", disable=not progress or len(records) < 20)
    warnings: list[str] = []
    for i, row in enumerate(bar):
        if not row.get("file"):
            continue
        record, problem, warning = load_document(root, row, i + 2, to_simplified_chinese=to_simplified_chinese)
        if problem is not None:
            problems.append(problem)
        if warning is not None:
            warnings.append(warning)
        if record is not None:
            rows.append(record)
    problems += unlisted_problems(root, records)
    if problems:
        raise CorpusError(root, problems)
    for w in warnings:
        log.warning(w)
    documents = pd.DataFrame(rows)
    log.info("loaded %d documents from %s (%s)", len(documents), root,
             ", ".join(f"{n} {e}" for e, n in documents["encoding"].value_counts().items()))
    return Corpus(root=root, documents_table=documents, warnings=warnings)
