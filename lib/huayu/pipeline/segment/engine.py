"""The stage: sentences → tokens table, in chunks cut by forked worker processes for large inputs.

How it runs is described in :mod:`huayu.pipeline.segment` (:func:`_token_batches`): :class:`_Chunks`
holds the chunks and their output columns in shared memory, :func:`_worker_main` is what each forked
worker runs, :class:`_Assembler` builds the record batches in order.
"""

from __future__ import annotations

import mmap
import multiprocessing
import traceback
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from queue import Empty
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from huayu.checks import check_columns
from huayu.errors import ParameterError
from huayu.pipeline.segment.segmenter import Segmenter, get_segmenter
from huayu.schema import SENTENCES, TOKENS
from huayu.pipeline.segment.settings import SegmentSettings, _check_settings

__all__ = ["TOKEN_COLUMNS", "SENTENCE_COLUMNS", "formula_words", "segment_sentences", "segment_texts"]

TOKEN_COLUMNS = TOKENS.names
SENTENCE_COLUMNS = SENTENCES.names

_PARALLEL_MIN_CHARS = 300_000
_CHUNK_CHARS = 65_536
_BATCH_CHARS = 262_144


@dataclass
class _Sentences:
    """The sentences table as arrays, ordered by document (first appearance), then offset."""

    doc_id: pa.Array
    doc_code: np.ndarray
    para_id: np.ndarray
    sent_id: np.ndarray
    char_start: np.ndarray
    texts: list[str]
    #: the formula spans of the sentences when they were found already (:func:`sentence_formula_spans`):
    #: ``(sentence, start, end)`` arrays, sentence an index in this order, start and end in that sentence
    spans: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None


def _prepare_sentences(sentences: pd.DataFrame) -> _Sentences:
    check_columns("sentences", sentences, SENTENCE_COLUMNS)
    if sentences["text"].isna().any() or sentences["doc_id"].isna().any():
        rows = sentences.index[sentences["text"].isna() | sentences["doc_id"].isna()][:5].tolist()
        raise ParameterError(f"sentences has missing doc_id or text in row(s) {rows}")
    doc_code, _ = pd.factorize(sentences["doc_id"], sort=False)
    start = sentences["char_start"].to_numpy(dtype=np.int64)
    end = sentences["char_end"].to_numpy(dtype=np.int64)
    order = np.lexsort((start, doc_code))
    texts = sentences["text"].astype("str").to_numpy(dtype=object)[order].tolist()
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    bad = np.flatnonzero(lengths != (end - start)[order])
    if len(bad):
        rows = sentences.index[order[bad[:5]]].tolist()
        raise ParameterError(f"sentences: char_end - char_start differs from the length of text in row(s) {rows}; "
                             "offsets must index the cleaned document text")
    doc_ids = pa.array(sentences["doc_id"].astype("str").to_numpy(dtype=object)[order], type=pa.large_string())
    return _Sentences(doc_ids, doc_code[order], sentences["para_id"].to_numpy(dtype=np.int64)[order],
                      sentences["sent_id"].to_numpy(dtype=np.int64)[order], start[order], texts)


def _runs(sizes: np.ndarray, target: int) -> list[tuple[int, int]]:
    """Consecutive items of ``sizes`` in runs of about ``target`` (each ends at the first item that
    reaches a multiple of ``target``): ``(first, end)`` index pairs."""
    n = len(sizes)
    if n == 0:
        return []
    cum = np.cumsum(sizes)
    cuts = np.searchsorted(cum, np.arange(target, int(cum[-1]), target), side="left") + 1
    bounds = np.unique(np.concatenate([[0], cuts[cuts < n], [n]]))
    return list(zip(bounds[:-1].tolist(), bounds[1:].tolist()))


# Whitespace (jieba's ``\s``: every str.isspace() character lies below U+3001).
_WS_TABLE = np.array([chr(c).isspace() for c in range(0x3001)] + [False], dtype=bool)


class _Chunks:
    """The sentences in chunks of about :data:`_CHUNK_CHARS` characters (whole sentences joined by
    ``"\\n"``), cut by whichever process takes each next, into output columns in shared memory.

    The columns live in an anonymous shared memory mapping, which forked workers inherit: the chunk
    starting at character ``at`` of the chunks laid end to end writes its formula spans and its tokens
    at rows ``at, at + 1, …`` and the tokens' UTF-8 bytes from byte ``4 * at`` of ``data`` (at most
    one span or token and four bytes per character), so chunks never overlap and only counts and each
    chunk's distinct words travel through a pipe. Pages are allocated only when written. Columns:
    ``span_start, span_end`` (in the chunk), ``sentence`` (index in :class:`_Sentences` order),
    ``offset`` (in the sentence), ``length`` (characters), ``nbytes`` (UTF-8 bytes), ``code`` (index
    among the chunk's distinct words), ``formula``; per chunk, ``n_spans`` (-1 until found).
    """

    COLUMNS = (("span_start", np.int32), ("span_end", np.int32), ("sentence", np.int32), ("offset", np.int32),
               ("length", np.int32), ("nbytes", np.int32), ("code", np.int32), ("formula", np.bool_))

    def __init__(self, segmenter: Segmenter, texts: list[str],
                 spans: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None):
        self.segmenter = segmenter
        line_lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
        bounds = _runs(line_lengths + 1, _CHUNK_CHARS)  # each sentence and its "\n"
        self.first_sentence = [a for a, _ in bounds]
        self.texts = ["\n".join(texts[a:b]) for a, b in bounds]
        self.line_starts = [np.concatenate([[0], np.cumsum(line_lengths[a:b - 1] + 1)]) for a, b in bounds]
        self._words: set[str] | None = None
        sizes = np.array([len(t) for t in self.texts], dtype=np.int64)
        self.at = np.concatenate([[0], np.cumsum(sizes)[:-1]]).tolist()
        self.batches = _runs(sizes, _BATCH_CHARS)
        n = int(sizes.sum())
        nbytes = [np.dtype(dtype).itemsize * n for _, dtype in self.COLUMNS] + [8 * len(sizes), 4 * n]
        self._memory = mmap.mmap(-1, max(1, sum(nbytes)))
        start = np.concatenate([[0], np.cumsum(nbytes)]).tolist()
        self.columns = {name: np.frombuffer(self._memory, dtype=dtype, count=n, offset=start[i])
                        for i, (name, dtype) in enumerate(self.COLUMNS)}
        self.n_spans = np.frombuffer(self._memory, dtype=np.int64, count=len(sizes), offset=start[-3])
        self.n_spans[:] = -1
        self.data = np.frombuffer(self._memory, dtype=np.uint8, count=4 * n, offset=start[-2])
        self._next = multiprocessing.Value("q", 0)  # the next chunk to take; its lock orders the writes
        if spans is not None and segmenter.settings.keep_formulas:
            self._given_spans(texts, spans)

    def _given_spans(self, texts: list[str], spans: tuple[np.ndarray, np.ndarray, np.ndarray]) -> None:
        """The formula spans found already, sentence by sentence, placed in the chunks (what
        :meth:`find_formulas` would find: no span crosses a line)."""
        rows, starts, ends = (np.asarray(a, dtype=np.int64) for a in spans)
        line_start = np.concatenate(self.line_starts) if self.line_starts else np.zeros(0, dtype=np.int64)
        chunk_of = np.searchsorted(np.asarray(self.first_sentence, dtype=np.int64), rows, side="right") - 1
        bounds = np.searchsorted(chunk_of, np.arange(len(self.texts) + 1), side="left")
        for index, at in enumerate(self.at):
            first, last = int(bounds[index]), int(bounds[index + 1])
            self.columns["span_start"][at:at + last - first] = line_start[rows[first:last]] + starts[first:last]
            self.columns["span_end"][at:at + last - first] = line_start[rows[first:last]] + ends[first:last]
            self.n_spans[index] = last - first
        self._words = {texts[r][a:b] for r, a, b in zip(rows.tolist(), starts.tolist(), ends.tolist())}

    def take(self) -> int | None:
        """The next chunk no process has taken yet, or ``None``."""
        with self._next.get_lock():
            index = self._next.value
            self._next.value += 1
        return index if index < len(self.texts) else None

    def find_formulas(self) -> set[str]:
        """Every chunk's formula spans, into ``span_start, span_end, n_spans``; returns their surfaces
        (the words that are formula tokens: a word neither dictionary knows is tagged ``nz`` if it is
        a formula anywhere in the input)."""
        if self._words is not None:  # given (:meth:`_given_spans`)
            return set(self._words)
        words = set()
        for index, (text, at) in enumerate(zip(self.texts, self.at)):
            spans = self.segmenter.formula_spans(text)
            for column, values in zip(("span_start", "span_end"), zip(*spans)):
                self.columns[column][at:at + len(spans)] = values
            words.update(text[a:b] for a, b in spans)
            with self._next.get_lock():  # (a memory barrier: the spans are visible before their count)
                self.n_spans[index] = len(spans)
        return words

    def spans(self, index: int) -> list[tuple[int, int]]:
        """Chunk ``index``'s formula spans: as found by :meth:`find_formulas` if it got there, else now."""
        with self._next.get_lock():
            n = int(self.n_spans[index])
        if n < 0:
            return self.segmenter.formula_spans(self.texts[index])
        rows = slice(self.at[index], self.at[index] + n)
        return list(zip(self.columns["span_start"][rows].tolist(), self.columns["span_end"][rows].tolist()))

    def cut(self, index: int) -> tuple[int, int, pa.Array]:
        """Segment chunk ``index`` into the columns, whitespace tokens left out. Returns the numbers of its
        tokens and of their UTF-8 bytes, and its distinct words. NumPy on code points and UTF-8 bytes:
        no Python object per token."""
        text, line_starts, at = self.texts[index], self.line_starts[index], self.at[index]
        lengths, flags = self.segmenter.cut_with_formulas(text, self.spans(index))
        ends = np.cumsum(lengths)
        starts = ends - lengths
        codepoints = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
        byte_at = np.zeros(len(codepoints) + 1, dtype=np.int64)  # UTF-8 offset of each character
        np.cumsum(1 + (codepoints >= 0x80).astype(np.int64) + (codepoints >= 0x800) + (codepoints >= 0x10000),
                  out=byte_at[1:])
        data = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
        keep = ~_WS_TABLE[np.minimum(codepoints[starts], len(_WS_TABLE) - 1)]
        if not keep.all():  # drop the whitespace tokens' bytes (the "\n" between sentences, spaces)
            drop_start, drop_end = byte_at[starts[~keep]], byte_at[ends[~keep]]
            n_drop = drop_end - drop_start
            mask = np.ones(len(data), dtype=bool)
            mask[np.repeat(drop_start - (np.cumsum(n_drop) - n_drop), n_drop) + np.arange(n_drop.sum())] = False
            data = data[mask]
            starts, ends, flags = starts[keep], ends[keep], flags[keep]
        line = np.searchsorted(line_starts, starts, side="right") - 1
        nbytes = byte_at[ends] - byte_at[starts]
        words = pc.dictionary_encode(_string_array(nbytes, data))
        n = len(starts)
        for name, values in (("sentence", line + self.first_sentence[index]), ("offset", starts - line_starts[line]),
                             ("length", ends - starts), ("nbytes", nbytes), ("code", words.indices.to_numpy()),
                             ("formula", flags)):
            self.columns[name][at:at + n] = values
        self.data[4 * at:4 * at + len(data)] = data
        return n, len(data), words.dictionary

    def gather(self, indices: range, results: list[tuple[int, int, pa.Array]]
               ) -> tuple[dict[str, np.ndarray], pa.Array, pa.DictionaryArray]:
        """Consecutive chunks (``results``: what :meth:`cut` returned for each) as the columns
        ``sentence, offset, length, formula``, the token strings and the tokens dictionary-encoded."""
        at = [self.at[i] for i in indices]
        columns = {name: np.concatenate([self.columns[name][a:a + n] for a, (n, _, _) in zip(at, results)])
                   for name in ("sentence", "offset", "length", "nbytes", "formula")}
        data = np.concatenate([self.data[4 * a:4 * a + m] for a, (_, m, _) in zip(at, results)])
        words = pa.chunked_array([pa.DictionaryArray.from_arrays(self.columns["code"][a:a + n], dictionary)
                                  for a, (n, _, dictionary) in zip(at, results)],
                                 type=pa.dictionary(pa.int32(), pa.large_string()))
        tokens = _string_array(columns.pop("nbytes"), data)
        return columns, tokens, words.unify_dictionaries().combine_chunks()


_WORK: tuple[_Chunks, Any] | None = None  # what forked workers inherit: the chunks and a message queue


def _worker_main(number: int) -> None:
    """Forked worker ``number``: the first finds every chunk's formula spans; then each takes chunks and
    cuts them until none is left. Everything is reported on the queue, a failure too."""
    chunks, queue = _WORK
    try:
        if number == 0:
            queue.put(("formulas", chunks.find_formulas()))
        while (index := chunks.take()) is not None:
            queue.put(("chunk", index, chunks.cut(index)))
    except Exception:
        queue.put(("error", traceback.format_exc()))


@contextmanager
def _workers(chunks: _Chunks, workers: int) -> Iterator[Callable[[bool], list] | None]:
    """Fork ``workers - 1`` processes running :func:`_worker_main` (for large inputs); yields
    ``receive(block)``, which returns the messages they have sent since (at least one if ``block``),
    or ``None`` when there are no workers."""
    global _WORK
    fork = "fork" in multiprocessing.get_all_start_methods()
    others = min(workers, len(chunks.texts)) - 1 if fork and sum(map(len, chunks.texts)) >= _PARALLEL_MIN_CHARS else 0
    if others <= 0:
        yield None
        return
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    _WORK = (chunks, queue)
    processes = [context.Process(target=_worker_main, args=(number,), daemon=True) for number in range(others)]

    def receive(block: bool) -> list:
        messages = []
        while True:
            try:
                message = queue.get(timeout=0.05) if block and not messages else queue.get_nowait()
            except Empty:
                if messages or not block:
                    return messages
                failed = [p.exitcode for p in processes if p.exitcode not in (None, 0)]
                if failed:
                    raise RuntimeError(f"a segmentation worker process stopped (exit code {failed[0]})") from None
                if all(p.exitcode is not None for p in processes) and queue.empty():
                    raise RuntimeError("the segmentation worker processes stopped before reporting every chunk")
                continue
            if message[0] == "error":
                raise RuntimeError(f"a segmentation worker process failed:\n{message[1]}")
            messages.append(message)

    try:
        for process in processes:
            process.start()
        yield receive
    finally:
        _WORK = None
        for process in processes:
            if process.is_alive():
                process.terminate()
            process.join()


class _Assembler:
    """Builds the tokens table's record batches from consecutive chunks' columns."""

    def __init__(self, sent: _Sentences, segmenter: Segmenter, formula_words: set[str],
                 word_info: dict[str, tuple[str, bool, bool]] | None = None):
        self.sent = sent
        self.segmenter = segmenter
        self.formula_words = formula_words
        new_doc = np.ones(len(sent.texts), dtype=bool)
        new_doc[1:] = sent.doc_code[1:] != sent.doc_code[:-1]
        self.doc_names = sent.doc_id.take(np.flatnonzero(new_doc))  # doc_code k is the k-th run of sentences
        self.doc_rows = np.zeros(len(self.doc_names), dtype=np.int64)  # each document's tokens so far
        # tag, is_stop, is_punct (shared by the parts of a corpus segmented part by part)
        self.word_info: dict[str, tuple[str, bool, bool]] = {} if word_info is None else word_info

    def batch(self, columns: dict[str, np.ndarray], tokens: pa.Array, words: pa.DictionaryArray) -> pa.RecordBatch:
        sent = self.sent
        sentence = columns["sentence"].astype(np.intp)
        char_start = sent.char_start[sentence] + columns["offset"]
        # token_index: tokens before this one in its document (documents come in code order).
        doc = sent.doc_code[sentence]
        per_doc = np.bincount(doc, minlength=len(self.doc_rows))
        first_row = np.cumsum(per_doc) - per_doc - self.doc_rows
        token_index = np.arange(len(doc), dtype=np.int64) - first_row[doc]
        self.doc_rows += per_doc
        # Per distinct word: tag, stopword, punctuation (a word is a formula if it is one anywhere).
        vocab = words.dictionary.to_pylist()
        new = [w for w in vocab if w not in self.word_info]
        is_formula = np.fromiter((w in self.formula_words for w in new), dtype=bool, count=len(new))
        stop = self.segmenter.stopwords
        for word, tag in zip(new, self.segmenter.tags_for(new, is_formula)):
            self.word_info[word] = (tag, word in stop, _is_punct(word))
        tags, is_stop, is_punct = zip(*map(self.word_info.__getitem__, vocab)) if vocab else ((), (), ())
        codes = words.indices.to_numpy()
        return pa.RecordBatch.from_arrays([
            self.doc_names.take(doc), sent.para_id[sentence], sent.sent_id[sentence], token_index, char_start,
            char_start + columns["length"], tokens, pa.array(tags, type=pa.large_string()).take(words.indices),
            np.array(is_stop, dtype=bool)[codes], np.array(is_punct, dtype=bool)[codes], columns["formula"],
        ], schema=_SCHEMA)


def formula_words(texts: Sequence[str], settings: SegmentSettings | Mapping[str, Any] | None = None) -> set[str]:
    """The surfaces of the formula spans the segmenter finds in ``texts`` (sentences: no span crosses a
    line, so joining them by line breaks finds what each finds alone). A word neither dictionary knows
    is tagged ``nz`` wherever it occurs once it is a formula anywhere: segmenting a corpus in parts needs
    the union of every part's formula words (:func:`_token_batches`' ``formula_words``)."""
    settings = _check_settings(settings)
    if not settings.keep_formulas or not texts:
        return set()
    text = "\n".join(texts)
    return {text[a:b] for a, b in get_segmenter(settings).formula_spans(text)}


def sentence_formula_spans(texts: Sequence[str], settings: SegmentSettings | Mapping[str, Any] | None = None
                           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The formula spans the segmenter keeps whole in ``texts`` (sentences), found in one pass over them
    joined by line breaks, as ``(sentence, start, end)`` arrays: the sentence's index in ``texts``, the
    span's offsets in that sentence. Segmentation takes them instead of finding them again
    (``write_tokens_from_parquet(formula_spans=…)``); their surfaces are :func:`formula_words`."""
    settings = _check_settings(settings)
    empty = np.zeros(0, dtype=np.int64)
    if not settings.keep_formulas or not texts:
        return empty, empty.copy(), empty.copy()
    spans = get_segmenter(settings).formula_spans("\n".join(texts))
    if not spans:
        return empty, empty.copy(), empty.copy()
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    line_starts = np.concatenate([[0], np.cumsum(lengths[:-1] + 1)])
    starts, ends = (np.array(v, dtype=np.int64) for v in zip(*spans))
    rows = np.searchsorted(line_starts, starts, side="right") - 1
    return rows, starts - line_starts[rows], ends - line_starts[rows]


def _token_batches(sent: _Sentences, settings: SegmentSettings, progress: bool, *,
                   formula_words: set[str] | None = None, word_info: dict | None = None,
                   bar: Any = None) -> Iterator[pa.RecordBatch]:
    """The tokens table as record batches of about :data:`_BATCH_CHARS` characters, in order.

    With forked workers the first of them finds every chunk's formula spans before cutting (unless
    ``sent.spans`` brings them); this process cuts chunks too and assembles each batch as soon as its
    chunks are cut (and the formulas known), while the workers cut the next ones. Alone, this process
    finds the formulas first.

    When ``sent`` is one part of a corpus segmented part by part: ``formula_words``, the formula words of
    the whole corpus (:func:`formula_words`), ``word_info`` a dict the parts share (each word's tag and
    flags, looked up once), ``bar`` one progress bar for every part.
    """
    from contextlib import nullcontext

    from tqdm.auto import tqdm

    segmenter = get_segmenter(settings)
    chunks = _Chunks(segmenter, sent.texts, sent.spans)
    elsewhere = formula_words or set()
    own_bar = bar is None
    with (tqdm(total=sum(map(len, chunks.texts)), desc="segmenting", unit="char", unit_scale=True,
               disable=True if not progress else None) if own_bar else nullcontext(bar)) as bar, \
            _workers(chunks, settings.n_workers()) as receive:
        assembler = (_Assembler(sent, segmenter, chunks.find_formulas() | elsewhere, word_info)
                     if receive is None else None)
        results: dict[int, tuple[int, int, pa.Array]] = {}

        def news(block: bool) -> None:  # the workers' messages
            nonlocal assembler
            for message in receive(block) if receive is not None else ():
                if message[0] == "formulas":
                    assembler = _Assembler(sent, segmenter, message[1] | elsewhere, word_info)
                else:
                    results[message[1]] = message[2]
                    bar.update(len(chunks.texts[message[1]]))

        for first, last in chunks.batches:
            news(block=False)
            while assembler is None or any(i not in results for i in range(first, last)):
                index = chunks.take()
                if index is not None:
                    results[index] = chunks.cut(index)
                    bar.update(len(chunks.texts[index]))
                news(block=index is None)  # nothing left to take: wait for the workers
            yield assembler.batch(*chunks.gather(range(first, last), [results.pop(i) for i in range(first, last)]))


_STR = pd.StringDtype("pyarrow", na_value=np.nan)


def _empty_tokens() -> pd.DataFrame:
    """An empty tokens table with the dtypes of :data:`huayu.schema.TOKENS` (strings as Arrow strings)."""
    return pd.DataFrame({c: pd.Series([], dtype=_STR if kind == "string" else kind)
                         for c, kind in TOKENS.columns.items()})


#: The tokens table's Arrow schema, with the pandas metadata that restores its dtypes when read.
_SCHEMA = pa.Schema.from_pandas(_empty_tokens(), preserve_index=False)


def _is_punct(word: str) -> bool:
    return all(unicodedata.category(c)[0] in "PS" for c in word)


def _string_array(byte_lengths: np.ndarray, data: np.ndarray) -> pa.Array:
    # large_string: the storage pandas' "str" dtype uses, so no conversion follows.
    offsets = np.zeros(len(byte_lengths) + 1, dtype=np.int64)
    np.cumsum(byte_lengths, out=offsets[1:])
    return pa.LargeStringArray.from_buffers(len(byte_lengths), pa.py_buffer(offsets), pa.py_buffer(data))


def segment_sentences(sentences: pd.DataFrame, settings: SegmentSettings | Mapping[str, Any] | None = None, *,
                      progress: bool = True) -> pd.DataFrame:
    """Segment a sentences table into the tokens table (one row per token; ``lib/README.md``).

    ``sentences`` has ``doc_id, para_id, sent_id, char_start, char_end, text`` with offsets into the
    cleaned document text; the tokens' ``char_start``/``char_end`` are document offsets too, so
    ``document_text[char_start:char_end] == token``. Rows come in the documents' order of first
    appearance in ``sentences``, then by offset; ``token_index`` counts from 0 within each document.
    Large inputs are cut in ``settings.workers`` processes (chunks of whole sentences).
    """
    settings = _check_settings(settings)
    sent = _prepare_sentences(sentences)
    if not sent.texts:
        return _empty_tokens()
    table = pa.Table.from_batches(list(_token_batches(sent, settings, progress)), schema=_SCHEMA)
    return table.to_pandas(split_blocks=True, self_destruct=True,
                           types_mapper={pa.string(): _STR, pa.large_string(): _STR}.get)


def segment_texts(texts: Sequence[str], settings: SegmentSettings | Mapping[str, Any] | None = None,
                  granularity: str = "coarse") -> list[list[str]]:
    """Segment short texts (e.g. new text in a notebook): one list of tokens per text, whitespace dropped.

    The same segmentation as :func:`segment_sentences`, formulas included; ``granularity="fine"`` lists
    each token followed by its parts (:mod:`huayu.pipeline.segment.parts`).
    """
    from huayu.pipeline.segment.parts import check_granularity, fine_tokens, token_parts

    check_granularity(granularity)
    texts = list(texts)
    bad = [i for i, t in enumerate(texts) if not isinstance(t, str)]
    if bad:
        raise ParameterError(f"texts must be strings; item(s) {bad[:5]} are not")
    frame = pd.DataFrame({"doc_id": [f"t{i}" for i in range(len(texts))], "para_id": 0, "sent_id": 0,
                          "char_start": 0, "char_end": [len(t) for t in texts], "text": texts})
    tokens = segment_sentences(frame, settings, progress=False)
    if granularity == "fine":
        tokens = fine_tokens(tokens, token_parts(tokens, settings))
    grouped = dict(tuple(tokens.groupby("doc_id", sort=False)["token"]))
    return [grouped[f"t{i}"].tolist() if f"t{i}" in grouped else [] for i in range(len(texts))]
