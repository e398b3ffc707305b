"""Words for rows: what a measure is in one line, and who a donor is by name.

In: a measure row (as queries.measures gives it), its items and first source sentence; a
donor code. Out: text for people. Pure: nothing here reads the store (queries.describe
fetches the items and sentences and calls describe_measure).

    describe_measure(measure, items=["vests", "helmets"], sentence="...") -> str
        "equipment · via NATO CAP · vests, helmets · USD 30 m"; with fewer than two of
        instrument, channel, items and amount, the first source sentence, trimmed.
    donor_name("JPN") -> "Japan"        (the code itself when unknown)
    donor_label("JPN") -> "Japan (JPN)" (the code alone when unknown)
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from aidtrace.model import COUNT_UNITS

MAX_ITEMS = 6  # items named in a description; more are "…"
MAX_CHARS = 140  # a description longer than this is trimmed with "…"
MARKUP = re.compile(r"^(?:[#>*-]+ )+")  # a heading or list item's marker, not words


def describe_measure(
    measure: Mapping[str, Any], *, items: Sequence[str] = (), sentence: str | None = None
) -> str:
    """A one-line description of a measure: instrument (subtype), channel, items and amount,
    or else its first source sentence, trimmed.

    >>> describe_measure({"subtype": "loan", "amount_value": 4.5e9, "amount_unit": "USD"})
    'loan · USD 4.5 bn'
    """
    parts = [str(measure["subtype"]).replace("_", " ")] if measure.get("subtype") else []
    if measure.get("channel"):
        parts.append(f"via {measure['channel']}")
    if items:
        parts.append(", ".join(items[:MAX_ITEMS]) + (", …" if len(items) > MAX_ITEMS else ""))
    if measure.get("amount_value") is not None:
        parts.append(figure(float(measure["amount_value"]), str(measure["amount_unit"])))
    if len(parts) >= 2 or not sentence:  # enough to tell it apart; else its sentence says more
        return " · ".join(parts)
    return trim(sentence)


def trim(text: str, limit: int = MAX_CHARS) -> str:
    """Whitespace collapsed, Markdown markers at the start dropped ("# ", "- "), cut at
    `limit` characters with '…'."""
    text = MARKUP.sub("", " ".join(text.split()))
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def figure(value: float, unit: str) -> str:
    """4.5e9 USD -> 'USD 4.5 bn'; 49 entities -> '49 entities'."""
    if unit in COUNT_UNITS:
        return f"{value:,.0f} {unit}"
    for size, word in ((1e9, "bn"), (1e6, "m")):
        if abs(value) >= size:
            return f"{unit} {value / size:,.3g} {word}"
    return f"{unit} {value:,.0f}"


def donor_name(code: str | None) -> str:
    """A donor's name from data/countries.tsv and data/bodies.tsv ("JPN" -> "Japan"); the
    code itself when it is not listed, "" for None."""
    if not code:
        return ""
    return names().get(code, code)


def donor_label(code: str | None) -> str:
    """Name and code for tables: "Japan (JPN)"; the code alone when it has no name."""
    name = donor_name(code)
    return f"{name} ({code})" if name and name != code else (code or "")


@cache
def names() -> dict[str, str]:
    """Every donor code of the lexicon -> its name (states and international bodies)."""
    from aidtrace.extractor.lexicon import load_lexicon

    return dict(load_lexicon().country_names)
