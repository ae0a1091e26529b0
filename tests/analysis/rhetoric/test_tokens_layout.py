"""Documents as runs of rows of the tokens table (huayu.analysis.rhetoric._tokens)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from huayu.analysis.rhetoric import _tokens


def _table():
    # documents b, a, c in that order; c has a sentence of punctuation only
    rows = [("b", 0, 0, False), ("b", 0, 1, False), ("b", 1, 2, True), ("b", 1, 3, False),
            ("a", 0, 0, False), ("a", 0, 1, True),
            ("c", 0, 0, True), ("c", 1, 1, False), ("c", 1, 2, False), ("c", 1, 3, False)]
    return pd.DataFrame(rows, columns=["doc_id", "sent_id", "char_start", "is_punct"])


def test_layout_of_a_table_in_order_is_a_view():
    t = _table()
    lay = _tokens.layout(t)
    assert lay.order is None
    assert list(np.asarray(lay.names, dtype=object)[lay.doc]) == ["b", "a", "c"]
    assert lay.start.tolist() == [0, 4, 6] and lay.stop.tolist() == [4, 6, 10]


def test_layout_of_a_shuffled_table_puts_rows_back_in_order():
    t = _table()
    shuffled = t.sample(frac=1.0, random_state=3).astype({"doc_id": "category"})
    lay = _tokens.layout(shuffled)
    assert lay.order is not None
    first_seen = list(dict.fromkeys(shuffled["doc_id"].astype(str)))
    assert list(np.asarray(lay.names, dtype=object)[lay.doc]) == first_seen
    for i, d in enumerate(first_seen):
        rows = lay.take(shuffled["char_start"].to_numpy(), int(lay.start[i]), int(lay.stop[i]))
        assert rows.tolist() == sorted(t.loc[t["doc_id"] == d, "char_start"])


def test_blocks_never_split_a_document():
    lay = _tokens.layout(_table())
    assert list(_tokens.blocks(lay, max_rows=6)) == [(0, 2, 0, 6), (2, 3, 6, 10)]
    assert list(_tokens.blocks(lay, max_rows=1)) == [(0, 1, 0, 4), (1, 2, 4, 6), (2, 3, 6, 10)]
    assert list(_tokens.blocks(lay, max_rows=100)) == [(0, 3, 0, 10)]


def test_sentence_words_hand_counted():
    doc, sent, n = _tokens.sentence_words(_table())
    # b: sentence 0 two words, sentence 1 one word; a: sentence 0 one word; c: sentence 0 none, sentence 1 three
    assert list(zip(doc.tolist(), sent.tolist(), n.tolist())) == [(0, 0, 2), (0, 1, 1), (1, 0, 1), (2, 1, 3)]


def test_sentence_words_of_a_sentence_in_two_places_is_one_entry():
    rows = [("a", 0, 0, False), ("a", 1, 1, False), ("a", 0, 2, False), ("a", 0, 3, True)]
    t = pd.DataFrame(rows, columns=["doc_id", "sent_id", "char_start", "is_punct"])
    doc, sent, n = _tokens.sentence_words(t)
    assert list(zip(doc.tolist(), sent.tolist(), n.tolist())) == [(0, 0, 2), (0, 1, 1)]
