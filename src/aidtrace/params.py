"""Parameters people type, checked the same way in the CLI and the HTTP API.

In: the text of one option or query parameter. Out: the canonical value, or an
`InvalidParameter` whose message says what was wrong, where (the parameter's name) and
what to write instead. Nothing here reads a document.

    resolve_donor(present, "japan", name="--donor")  -> "JPN"
        `present`: a Store (its measures' donors) or the codes that have data. Accepts a
        code in any case or a name, alias or adjective from data/countries.tsv and
        data/bodies.tsv ("Japan", "japanese", "World Bank"). An unknown text is an error
        listing close matches and the donors present; a known donor without data is an
        error naming it and the donors present.
    parse_date("2024-03", name="--since")           -> "2024-03"
        YYYY, YYYY-MM or YYYY-MM-DD, a real calendar date; "2024-13", "yesterday" are errors.
    check_constant_year(2024, name="--constant")    -> 2024
        A base year the US GDP deflator covers (data/deflator_usd.tsv); others are errors.
    check_period(since, until)                      -> None; since after until is an error.

Every error is an `InvalidParameter` (an `InvalidRequest`, HTTP status 422) with the
parameter's `name`, so the API can answer 422 with a human message and the CLI exit 1.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from datetime import date
from functools import cache

from aidtrace.describe import donor_label, names
from aidtrace.errors import InvalidRequest
from aidtrace.store import Store

DATE_SHAPE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
DATE_HELP = "write it as YYYY, YYYY-MM or YYYY-MM-DD (e.g. 2024, 2024-03 or 2024-03-15)"
SHOWN_DONORS = 30  # donors listed in an error; a database of every state lists the first ones


class InvalidParameter(InvalidRequest):
    """A parameter with a value that cannot be used; `name` is the parameter as the user wrote it."""

    code = "invalid_parameter"
    status = 422

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name


# --- donors ---------------------------------------------------------------------------------


def resolve_donor(present: Store | Iterable[str], text: str, *, name: str = "donor") -> str:
    """The donor code `text` stands for, among the donors with data in `present`.

    >>> resolve_donor({"JPN", "NOR"}, "japan")
    'JPN'
    """
    wanted = text.strip()
    if isinstance(present, Store) and wanted:
        guess = wanted.upper() if wanted.upper() in names() else _code_of_name(wanted)
        if guess is not None and _has_donor(present, guess):
            return guess  # the common case: one indexed lookup, no list of every donor
    codes = _present_codes(present)
    if not wanted:
        raise InvalidParameter(name, f"{name} is empty; {_present_text(codes)}")
    code = wanted.upper() if wanted.upper() in codes else _code_of_name(wanted)
    if code in codes:
        return code
    if code is not None:
        raise InvalidParameter(
            name,
            f"{name} {wanted!r}: {donor_label(code)} has no measures in this database; {_present_text(codes)}",
        )
    close = _close_matches(wanted, codes)
    hint = f"did you mean {' or '.join(close)}? " if close else ""
    raise InvalidParameter(
        name, f"{name} {wanted!r} is not a donor code or name; {hint}{_present_text(codes)}"
    )


def donor_codes(store: Store) -> list[str]:
    """The donors that have measures in the store (rejected ones aside), sorted. Read from
    the rollup (a row per donor, type, category, stage, year and status: thousands, where
    measures are millions), which every write of measures rewrites with them."""
    rows = store.query("SELECT DISTINCT donor FROM measure_rollup WHERE status <> 'rejected' ORDER BY donor")
    return [str(row["donor"]) for row in rows]


def _has_donor(store: Store, code: str) -> bool:
    sql = "SELECT 1 FROM measure_rollup WHERE donor = ? AND status <> 'rejected' LIMIT 1"
    return bool(store.query(sql, (code,)))


def _present_codes(present: Store | Iterable[str]) -> set[str]:
    if isinstance(present, Store):
        return set(donor_codes(present))
    return {code.upper() for code in present}


def _code_of_name(text: str) -> str | None:
    """A code from a code, name, alias or adjective in any case; None if unknown or ambiguous."""
    folded = text.casefold()
    if text.upper() in names():
        return text.upper()
    codes = _surface_codes().get(folded, set())
    return next(iter(codes)) if len(codes) == 1 else None


def _close_matches(text: str, codes: set[str]) -> list[str]:
    """Donors present whose code or name is spelled like `text`, as 'Name (CODE)'."""
    choices = {code.casefold(): code for code in codes}
    choices.update({names().get(code, code).casefold(): code for code in codes})
    found = difflib.get_close_matches(text.casefold(), list(choices), n=5, cutoff=0.6)
    return list(dict.fromkeys(donor_label(choices[match]) for match in found))


def _present_text(codes: set[str]) -> str:
    if not codes:
        return "this database has no measures yet: run 'aidtrace ingest PATH' or 'aidtrace demo'"
    ordered = sorted(codes)
    shown = ", ".join(donor_label(code) for code in ordered[:SHOWN_DONORS])
    more = f" and {len(ordered) - SHOWN_DONORS} more" if len(ordered) > SHOWN_DONORS else ""
    return f"donors in this database: {shown}{more} (give a code or a name)"


@cache
def _surface_codes() -> dict[str, set[str]]:
    """Casefolded names, aliases and adjectives of states and bodies -> their codes (officials,
    capitals and agencies are left out: 'Tokyo' or 'Kishida' is not how one names a donor)."""
    from aidtrace.extractor.lexicon import load_lexicon

    surfaces: dict[str, set[str]] = {}
    for surface, actors in load_lexicon().actors.items():
        for actor in actors:
            if actor.kind in ("country", "body", "adjective"):
                surfaces.setdefault(surface.casefold(), set()).add(actor.code)
    return surfaces


# --- dates and years ------------------------------------------------------------------------


def parse_date(text: str, *, name: str = "date") -> str:
    """A date as YYYY, YYYY-MM or YYYY-MM-DD that exists on the calendar, returned as given.

    >>> parse_date("2024-02", name="--since")
    '2024-02'
    """
    wanted = text.strip()
    match = DATE_SHAPE.fullmatch(wanted)
    if match is None:
        raise InvalidParameter(name, f"{name} {text!r} is not a date; {DATE_HELP}")
    year, month, day = match.groups()
    if month is not None and not 1 <= int(month) <= 12:
        raise InvalidParameter(name, f"{name} {text!r}: there is no month {month}; {DATE_HELP}")
    if day is not None:
        try:
            date(int(year), int(month), int(day))
        except ValueError:
            raise InvalidParameter(
                name, f"{name} {text!r}: {year}-{month} has no day {day}; {DATE_HELP}"
            ) from None
    return wanted


def check_period(since: str | None, until: str | None) -> None:
    """Refuse a period that ends before it starts (both already parsed by parse_date)."""
    if since and until and since[: len(until)] > until:
        raise InvalidParameter(
            "since", f"the period starts ({since}) after it ends ({until}); swap the two dates"
        )


def constant_years() -> tuple[int, int]:
    """First and last base year for constant prices (those of the US GDP deflator)."""
    from aidtrace.money import deflators

    years = sorted(deflators())
    return years[0], years[-1]


def check_constant_year(year: int, *, name: str = "constant") -> int:
    """A base year for constant prices that the deflator covers.

    >>> check_constant_year(2024)
    2024
    """
    first, last = constant_years()
    if not first <= year <= last:
        raise InvalidParameter(
            name,
            f"{name} {year}: constant prices are available for base years {first} to {last} "
            f"(US GDP deflator, BEA); choose a year in that range",
        )
    return year
