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

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from huayu.errors import CorpusError
from huayu.paths import DICTIONARIES
from huayu.pipeline.metadata import Problem, check_metadata, read_metadata
from huayu.pipeline.screening import screen_text

log = logging.getLogger("huayu.pipeline.corpus")

TEXT_SUFFIXES = (".txt", ".text")
TRADITIONAL_THRESHOLD = 0.05   # share of Han characters that t2s changes: at or above → "traditional"
#: Between the two thresholds → "mixed". Measured on the shipped reports: Simplified texts change by at most
#: 0.02 % (a 乾 or 著 here and there), the partly Traditional 1957 work report and 1921 congress text by 0.5–0.7 %,
#: enough for 業, 經, 發 to top a keyness list; 0.1 % lies between the two.
MIXED_THRESHOLD = 0.001


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


_TEXT_CONTROLS = np.array([9, 10, 12, 13], dtype=np.uint8)


def _is_binary(data: bytes) -> bool:
    if b"\x00" in data:
        return True
    sample = np.frombuffer(data[:65536], dtype=np.uint8)
    controls = int(np.count_nonzero((sample < 32) & ~np.isin(sample, _TEXT_CONTROLS)))
    return controls > max(2, len(sample) // 200)


def _codepoints(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def _plausible(text: str) -> bool:
    """Decoded text that is mostly letters, digits, punctuation, spaces and CJK (not mojibake): at most 1 %
    of its characters (at least one) private-use, unassigned, surrogate or control characters other than
    ``\\t \\n \\r \\f``. Each distinct character is looked up once (no loop over the text)."""
    if not text:
        return True
    chars, counts = np.unique(_codepoints(text), return_counts=True)
    odd = 0
    for code, count in zip(chars.tolist(), counts.tolist()):
        ch = chr(code)
        cat = unicodedata.category(ch)
        if cat in ("Co", "Cn", "Cs") or (cat == "Cc" and ch not in "\t\n\r\f"):
            odd += count
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
    """``("simplified"|"traditional"|"mixed", share)``: share = Han characters OpenCC t2s would change
    (of the first 200,000 Han characters: U+4E00–9FFF, U+3400–4DBF)."""
    codes = _codepoints(text)
    han = codes[((codes >= 0x4E00) & (codes <= 0x9FFF)) | ((codes >= 0x3400) & (codes <= 0x4DBF))][:200_000]
    if not len(han):
        return "simplified", 0.0
    sample = han.tobytes().decode("utf-32-le")
    converted = _codepoints(_t2s().convert(sample))
    if len(converted) == len(han):
        changed = int(np.count_nonzero(converted != han))
    else:  # phrase conversion changed the length: character by character (each distinct one once)
        chars, counts = np.unique(han, return_counts=True)
        changed = sum(n for c, n in zip(chars.tolist(), counts.tolist()) if _t2s().convert(chr(c)) != chr(c))
    share = changed / len(han)
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


class _Resolver:
    """``Path.resolve()`` for the many files of a few folders: each folder is resolved once, then a file
    costs one ``lstat`` (a symbolic link, ``.`` or ``..`` is resolved in full)."""

    def __init__(self) -> None:
        self._folders: dict[Path, Path] = {}

    def __call__(self, path: Path) -> Path:
        if path.name in ("", ".", ".."):
            return path.resolve()
        real = self._folders.get(path.parent)
        if real is None:
            real = self._folders[path.parent] = path.parent.resolve()
        candidate = real / path.name
        return path.resolve() if candidate.is_symlink() else candidate


def _unlisted_files(root: Path, listed: set[Path], resolve: _Resolver | None = None) -> list[Path]:
    resolve = resolve or _Resolver()
    folders = {root} | {p.parent for p in listed}
    found: list[Path] = []
    for folder in sorted(folders):
        if not folder.is_dir():
            continue
        for path in sorted(folder.iterdir()):
            if path.is_file() and path.suffix.lower() in TEXT_SUFFIXES and resolve(path) not in listed:
                found.append(path)
    return found


@dataclass
class CorpusPlan:
    """What :func:`plan_corpus` found before reading any text: the metadata sheet, its problems and the
    rows whose files are to be read (``(row number in the sheet, row)``)."""

    root: Path
    metadata: pd.DataFrame
    problems: list[Problem]
    entries: list[tuple[int, dict]]
    unlisted: list[Problem]


def plan_corpus(corpus_dir: str | Path, *, dictionaries: Path = DICTIONARIES) -> CorpusPlan:
    """Check the metadata sheet and the folder listing (no text is read). Raises :class:`CorpusError`
    when there is no sheet to read; other problems are returned in ``problems`` and ``unlisted``."""
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
    records = table.to_dict("records") if "file" in table.columns else []
    entries, listed = [], set()
    resolve = _Resolver()
    for i, row in enumerate(records):
        if not row.get("file"):
            continue
        path = resolve(root / row["file"])
        if path.is_relative_to(root):
            listed.add(path)
        entries.append((i, row))
    unlisted = [Problem(str(path.relative_to(root)), "text file is not listed in metadata.csv")
                for path in _unlisted_files(root, listed, resolve)]
    return CorpusPlan(root, table, problems, entries, unlisted)


@dataclass
class ReadDocument:
    """One metadata row read: its record (the row plus ``path, encoding, script,
    converted_to_simplified, raw_text``), or the problem that stopped it; a warning to log, if any."""

    record: dict | None
    problem: Problem | None = None
    warning: str | None = None
    #: left out by ``exclude_flagged`` (a near-empty stub or a text mostly not in Chinese): no record, no problem
    excluded: bool = False


def read_document(root: Path, i: int, row: dict, *, to_simplified_chinese: bool = False,
                  exclude_flagged: bool = False) -> ReadDocument:
    """Read and decode the file of metadata row ``i`` (0-based; the sheet's line ``i + 2``).

    A document :func:`huayu.pipeline.screening.screen_text` flags (near-empty, mostly not Chinese) gets a
    warning; with ``exclude_flagged`` it is left out (``excluded``)."""
    path = (root / row["file"]).resolve()
    where = f"{row['file']} (metadata row {i + 2})"
    if not path.is_relative_to(root):
        return ReadDocument(None, Problem(where, "file path points outside the corpus folder"))
    if not path.is_file():
        return ReadDocument(None, Problem(where, "listed file is missing"))
    try:
        text, encoding = decode_bytes(path.read_bytes())
    except DecodeError as exc:
        return ReadDocument(None, Problem(where, f"undecodable: {exc}"))
    if not text.strip():
        return ReadDocument(None, Problem(where, "text is empty or whitespace only"))
    flags = screen_text(text)
    flagged = None
    if flags:
        flagged = f"{row['file']}: {'; '.join(flags)}" + (
            "; left out (--exclude-flagged)" if exclude_flagged
            else "; kept (prepare --exclude-flagged leaves such documents out)")
        if exclude_flagged:
            return ReadDocument(None, warning=flagged, excluded=True)
    script, share = detect_script(text)
    converted, warning = False, flagged
    if script != "simplified":
        if to_simplified_chinese:
            text = to_simplified(text)
            converted = True
            log.info("%s: %s Chinese (%.0f%% of Han characters) converted to Simplified", row["file"],
                     script, 100 * share)
        else:
            script_warning = (f"{row['file']}: {script} Chinese ({100 * share:.0f}% of Han characters differ "
                              "from Simplified); use --to-simplified to convert")
            warning = f"{flagged}\n{script_warning}" if flagged else script_warning
    return ReadDocument({**row, "path": str(path), "encoding": encoding, "script": script,
                         "converted_to_simplified": converted, "raw_text": text}, warning=warning)


def log_warnings(warnings: list[str], limit: int = 20) -> None:
    """Log the corpus warnings: each one up to ``limit``, then how many more there were."""
    for w in warnings[:limit]:
        log.warning(w)
    if len(warnings) > limit:
        log.warning("… and %d more documents with the same kind of warning", len(warnings) - limit)


def load_corpus(corpus_dir: str | Path, *, to_simplified_chinese: bool = False, progress: bool = True,
                dictionaries: Path = DICTIONARIES, exclude_flagged: bool = False) -> Corpus:
    """Load and validate a corpus folder into memory. Raises :class:`CorpusError` listing every problem.

    For small corpora and tests: ``python -m huayu prepare`` does not hold the corpus in memory; it
    reads the files in batches (:func:`plan_corpus`, :func:`read_document`, see
    :func:`huayu.pipeline.prepare.prepare_batch`).

    Parameters
    ----------
    corpus_dir:
        Folder holding ``metadata.csv``; ``file`` paths are relative to it.
    to_simplified_chinese:
        Convert Traditional-Chinese documents to Simplified (OpenCC ``t2s``). Without it, Traditional
        documents are kept as they are and reported in ``Corpus.warnings``.
    progress:
        Show a progress bar (when more than a handful of files).
    exclude_flagged:
        Leave out the documents :func:`huayu.pipeline.screening.screen_text` flags (near-empty stubs, texts
        mostly not in Chinese). Without it they are kept and reported in ``Corpus.warnings``.
    """
    plan = plan_corpus(corpus_dir, dictionaries=dictionaries)
    problems = list(plan.problems)
    rows: list[dict] = []
    warnings: list[str] = []
    bar = tqdm(plan.entries, desc="loading", unit="doc", disable=not progress or len(plan.entries) < 20)
    for i, row in bar:
        read = read_document(plan.root, i, row, to_simplified_chinese=to_simplified_chinese,
                             exclude_flagged=exclude_flagged)
        if read.problem is not None:
            problems.append(read.problem)
            continue
        if read.warning:
            warnings.extend(read.warning.split("\n"))
        if read.record is not None:
            rows.append(read.record)
    problems += plan.unlisted
    if not problems and not rows and plan.entries:
        problems.append(Problem(str(plan.root / "metadata.csv"), "every document was left out by --exclude-flagged"))
    if problems:
        raise CorpusError(plan.root, problems)
    log_warnings(warnings)
    documents = pd.DataFrame(rows)
    log.info("loaded %d documents from %s (%s)", len(documents), plan.root,
             ", ".join(f"{n} {e}" for e, n in documents["encoding"].value_counts().items()))
    return Corpus(root=plan.root, documents_table=documents, warnings=warnings)
