"""Checks of metadata values at the door (manifests, archive lines, uploads, the Python API).

Each check returns None for a good value, else what is wrong in words a user can act on;
the caller names the document and field and raises its own error type.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_PARTIAL = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")
MAX_FIELD = 2000  # characters of a title, publisher, URL or id


def date_problem(value: Any) -> str | None:
    """A day written YYYY-MM-DD that the calendar has (not 2024-02-31)."""
    if not isinstance(value, str) or not _DAY.fullmatch(value):
        return f"is {_shown(value)}; write it as YYYY-MM-DD"
    try:
        date.fromisoformat(value)
    except ValueError as err:
        return f"is {value!r}, not a calendar date ({err})"
    return None


def partial_date_problem(value: Any) -> str | None:
    """YYYY, YYYY-MM or YYYY-MM-DD, each a real year, month or day."""
    if not isinstance(value, str) or not _PARTIAL.fullmatch(value):
        return f"is {_shown(value)}, not YYYY, YYYY-MM or YYYY-MM-DD"
    padded = value + "-01" * ((10 - len(value)) // 3)
    try:
        day = date.fromisoformat(padded)
    except ValueError as err:
        return f"is {value!r}, not a calendar date ({err})"
    if day.year < 1000:
        return f"is {value!r}, not a plausible year"
    return None


def text_problem(value: Any, *, limit: int | None = MAX_FIELD, nul: bool = False) -> str | None:
    """A string that UTF-8 can store: no lone surrogates ("\\ud800"), no NUL (unless `nul`:
    the reader then says more), not too long."""
    if not isinstance(value, str):
        return f"is {_shown(value)}, not a string"
    if limit is not None and len(value) > limit:
        return f"is {len(value):,} characters long, over the limit of {limit:,}"
    if not nul and "\x00" in value:
        return "holds a NUL character"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as err:
        return f"holds a lone surrogate ({value[err.start]!r} at character {err.start}), which is not text"
    return None


def _shown(value: Any) -> str:
    shown = repr(value)
    return shown if len(shown) <= 60 else shown[:57] + "..."
