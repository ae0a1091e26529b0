"""Parameter checks shared by the analyses: one clear message instead of a deep traceback.

Every check raises :class:`ParameterError` (a :class:`ValueError`) whose message names the parameter,
says what was wrong and, when the valid values form a closed set, lists them.

pandas is imported by the checks of tables only, when they run: the notebook runner's parameter errors are
:class:`ParameterError` too (:mod:`huayu.notebook.params`), and the runner does not load pandas.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

from huayu.errors import ParameterError


#: Values of a ``doc_ids`` filter that mean "every document".
ALL_DOCUMENTS = ("all", "*")


def _preview(values: Iterable[Any], limit: int = 20) -> str:
    values = [str(v) for v in values]
    shown = ", ".join(repr(v) for v in values[:limit])
    if len(values) > limit:
        shown += f", … ({len(values) - limit} more)"
    return shown


def check_choice(name: str, value: Any, choices: Sequence[Any]) -> Any:
    """Return ``value`` if it is one of ``choices``; otherwise raise :class:`ParameterError`."""
    if value not in choices:
        raise ParameterError(f"{name}={value!r} is not a valid value; valid values: {_preview(choices)}")
    return value


def check_int(name: str, value: Any, *, minimum: int | None = None, maximum: int | None = None,
              why_max: str = "") -> int:
    """Return ``value`` as ``int`` if it is an integer within ``[minimum, maximum]``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ParameterError(f"{name}={value!r} must be an integer")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ParameterError(f"{name}={value} must be at least {minimum}")
    if maximum is not None and value > maximum:
        reason = f" ({why_max})" if why_max else ""
        raise ParameterError(f"{name}={value} must be at most {maximum}{reason}")
    return value


def check_fraction(name: str, value: Any, *, what: str = "a number", example: str = "0.05") -> float:
    """Return ``value`` as ``float`` if it lies strictly between 0 and 1 (a significance level, a confidence level)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ParameterError(f"{name}={value!r} must be {what} between 0 and 1 (e.g. {example})") from None
    if not 0 < number < 1:
        raise ParameterError(f"{name}={value!r} must lie strictly between 0 and 1 (e.g. {example})")
    return number


def check_columns(name: str, df: pd.DataFrame, columns: Iterable[str]) -> None:
    """Raise :class:`ParameterError` if ``df`` lacks any of ``columns``."""
    import pandas as pd

    if not isinstance(df, pd.DataFrame):
        raise ParameterError(f"{name} must be a pandas DataFrame, got {type(df).__name__}")
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ParameterError(f"{name} lacks the column(s) {_preview(missing)}; it has: {_preview(df.columns)}")


def check_string_list(name: str, value: Any, *, allow_empty: bool = True) -> list[str]:
    """Return ``value`` as a list of non-empty strings (a single string becomes a one-item list)."""
    if is_none(value):
        value = []
    if isinstance(value, str):
        value = [value]
    try:
        items = list(value)
    except TypeError:
        raise ParameterError(f"{name} must be a list of strings, got {type(value).__name__}") from None
    bad = [v for v in items if not isinstance(v, str) or not v.strip()]
    if bad:
        raise ParameterError(f"{name} must hold non-empty strings; invalid item(s): {_preview(bad)}")
    if not items and not allow_empty:
        raise ParameterError(f"{name} is empty; give at least one value")
    seen: dict[str, None] = {}
    for v in items:
        seen.setdefault(v.strip(), None)
    return list(seen)


def check_known(name: str, values: Iterable[str], known: Sequence[str], what: str = "value") -> list[str]:
    """Raise :class:`ParameterError` if any of ``values`` is not in ``known`` (lists the valid ones)."""
    values = list(values)
    known_set = set(known)
    unknown = [v for v in values if v not in known_set]
    if unknown:
        raise ParameterError(f"{name}: unknown {what}(s) {_preview(unknown)}; valid values: {_preview(known)}")
    return values


def is_none(value: Any) -> bool:
    """True for the values that mean "none given": ``None``, ``""`` (or blanks), ``[]``, ``()``, ``{}``."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, (list, tuple, dict, set, frozenset)):
        return len(value) == 0
    return False


def select_documents(table: pd.DataFrame, doc_ids: Iterable[str] | str | None, *,
                     name: str = "doc_ids", known: Sequence[str] | None = None) -> pd.DataFrame:
    """Rows of ``table`` whose ``doc_id`` is in ``doc_ids`` (``None``, ``[]``, ``""``, ``"all"`` = all documents).

    The order of rows is kept. An unknown ``doc_id`` raises :class:`ParameterError` listing the valid
    ones (``known`` if given, else the ids present in ``table``).
    """
    check_columns("table", table, ["doc_id"])
    if is_none(doc_ids) or (isinstance(doc_ids, str) and doc_ids.strip().lower() in ALL_DOCUMENTS):
        return table
    import pandas as pd

    docs = check_string_list(name, doc_ids)
    valid = list(known) if known is not None else list(pd.unique(table["doc_id"]))
    check_known(name, docs, valid, "doc_id")
    return table[table["doc_id"].isin(docs)]


def document_ids(table: pd.DataFrame, doc_ids: Iterable[str] | str | None, *,
                 name: str = "doc_ids") -> list[str]:
    """The doc_ids a ``doc_ids`` filter names, in the order of ``table`` (``None``, ``[]``, ``""`` or
    ``"all"`` = every document); an unknown id raises :class:`ParameterError`."""
    import pandas as pd

    return list(pd.unique(select_documents(table, doc_ids, name=name)["doc_id"].astype("str")))
