"""Counting rules and the as-of method, as pure functions shared by reconciliation (which
stores coverage conflicts) and the read side (totals as of a date, the cumulative view).

In: measures with their status and placement, and the running totals sources report.
Out: cumulative sums of counted single measures at any date, and how each reported running
total compares with them.

- Only `counted` measures are summed: not running totals, not components of a counted whole
  (`part_of`), not collective figures (G7, NATO: members' shares), not rejected ones.
- committed = every counted aid measure with a USD value (pledged, delivered or stage not
  stated); delivered = those whose stage is `delivered`.
- A measure counts from the day it is placed on (`placement`): its own date, a year-only
  date at its first report within that year (else the year's end), its period's end, and
  with no date at all the publication date of its earliest source ("first_reported").
- A reported running total is compared with the sum over the span it covers (from its
  period start, if any, to its as-of date), in its category when it names one, delivered
  alone when it reports deliveries; a difference above COVERAGE (15%) is a coverage
  conflict: below, measures are missing; above, double counting is suspected.
"""

from __future__ import annotations

import calendar
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

COVERAGE = 0.15
MISSING = "measures missing"
DOUBLE = "double counting suspected"
SPECIFIC_CATEGORIES = ("financial", "humanitarian", "military")
STATUSES = ("counted", "part_of", "running_total", "collective", "rejected")

Row = dict[str, Any]


def day_of(text: str, *, end: bool = False) -> str:
    """A YYYY, YYYY-MM or YYYY-MM-DD date as one day: its first day, or with `end` its last."""
    text = text[:10]
    if len(text) == 4:
        return f"{text}-12-31" if end else f"{text}-01-01"
    if len(text) == 7:
        last = calendar.monthrange(int(text[:4]), int(text[5:7]))[1]
        return f"{text}-{last:02d}" if end else f"{text}-01"
    return text


def placement(
    date: str | None, period_end: str | None, first_reported: str | None
) -> tuple[str | None, str | None]:
    """The day a measure counts from, and how it was chosen (see the module docstring)."""
    if date and len(date) >= 7:
        return date, "date"
    if date:  # a year only: when it was first reported within that year, else the year's end
        year_end = day_of(date, end=True)
        if first_reported and day_of(date) <= first_reported[:10] <= year_end:
            return first_reported[:10], "year"
        return year_end, "year"
    if period_end:
        return period_end, "period"
    if first_reported:
        return first_reported[:10], "first_reported"
    return None, None


@dataclass(slots=True)
class _Series:
    days: list[str] = field(default_factory=list)
    sums: list[float] = field(default_factory=list)  # running sum up to and including days[i]

    def until(self, day: str) -> float:
        index = bisect_right(self.days, day)
        return self.sums[index - 1] if index else 0.0


class Cumulative:
    """Running sums of counted, priced aid measures of one donor, by placement day, for
    every combination of category (None: all) and basis (committed or delivered)."""

    def __init__(self, measures: Iterable[Row]) -> None:
        rows = sorted(
            (m for m in measures if m["value_usd"] is not None and m["placed_on"]),
            key=lambda m: day_of(m["placed_on"], end=True),
        )
        self.measures = len(rows)
        self._series: dict[tuple[str | None, str], _Series] = {}
        for category in (None, *SPECIFIC_CATEGORIES):
            for basis in ("committed", "delivered"):
                series = _Series()
                total = 0.0
                for m in rows:
                    if category is not None and m["category"] != category:
                        continue
                    if basis == "delivered" and m["stage"] != "delivered":
                        continue
                    total += float(m["value_usd"])
                    series.days.append(day_of(m["placed_on"], end=True))
                    series.sums.append(total)
                self._series[(category, basis)] = series

    def sum(
        self, until: str, *, since: str | None = None, category: str | None = None, basis: str = "committed"
    ) -> float:
        """The sum of measures placed on or before `until` (and after the day before `since`)."""
        series = self._series[(category if category in SPECIFIC_CATEGORIES else None, basis)]
        total = series.until(day_of(until, end=True))
        if since:
            total -= series.until(_day_before(day_of(since)))
        return total


def _day_before(day: str) -> str:
    return (date.fromisoformat(day) - timedelta(days=1)).isoformat()


def as_of(mention: Row) -> str | None:
    """The date a running-total mention reports its figure for: its period's end, its
    date, else its document's publication."""
    return mention.get("period_end") or mention.get("date") or mention.get("published")


def reported_points(mentions: Iterable[Row]) -> list[Row]:
    """Running totals as reported: one point per measure and as-of date, with the mentions
    (sources) that report it; the value is that of its most exact mention."""
    points: dict[tuple[str, str], Row] = {}
    for m in mentions:
        when = as_of(m)
        if when is None or m["value_usd"] is None:
            continue
        point = points.setdefault(
            (m["measure_id"], when),
            {
                "measure_id": m["measure_id"],
                "as_of": when,
                "period": [m.get("period_start"), m.get("period_end")],
                "category": m.get("category"),
                "stage": m.get("stage"),
                "sources": [],
                "_best": None,
            },
        )
        point["sources"].append(
            {
                "record_id": m["record_id"],
                "doc_id": m["doc_id"],
                "title": m.get("title"),
                "url": m.get("url"),
                "published": m.get("published"),
                "sentence": m.get("evidence_text"),
                "value": m.get("amount_value"),
                "unit": m.get("amount_unit"),
                "approx": bool(m.get("amount_approx")),
                "value_usd": m["value_usd"],
            }
        )
        best = point["_best"]
        if best is None or (best["amount_approx"] and not m.get("amount_approx")):
            point["_best"] = m
    out = []
    for point in points.values():
        best = point.pop("_best")
        out.append({**point, "value_usd": best["value_usd"], "approx": bool(best.get("amount_approx"))})
    return sorted(out, key=lambda p: (day_of(p["as_of"], end=True), p["measure_id"]))


def compare(point: Row, cumulative: Cumulative) -> Row:
    """The computed sum comparable to a reported point, the difference in percent (computed
    against reported) and the coverage conflict it raises, if any."""
    start = point["period"][0] if point.get("period") else None
    basis = "delivered" if point.get("stage") == "delivered" else "committed"
    category = point.get("category") if point.get("category") in SPECIFIC_CATEGORIES else None
    computed = cumulative.sum(point["as_of"], since=start, category=category, basis=basis)
    reported = float(point["value_usd"])
    difference = 100.0 * (computed - reported) / reported if reported else None
    coverage = None
    if computed > 0 and difference is not None and abs(difference) > 100 * COVERAGE:
        coverage = MISSING if difference < 0 else DOUBLE
    return {
        "computed_usd": computed,
        "basis": basis,
        "compared_category": category,
        "since": start,
        "difference_pct": round(difference, 1) if difference is not None else None,
        "coverage": coverage,
    }
