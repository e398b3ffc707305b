"""Counting rules and the as-of method, as pure functions shared by reconciliation (which
stores coverage conflicts) and the read side (totals as of a date, the cumulative view).

In: measures with their status and placement, and the running totals sources report.
Out: cumulative sums of counted single measures at any date, and how each reported running
total compares with them.

- Only `counted` measures are summed: not running totals, not components of a counted whole
  (`part_of`), not collective figures (G7, NATO: members' shares), not rejected ones.
- committed = every counted aid measure with a USD value (pledged, delivered or stage not
  stated); delivered = those whose stage is `delivered`.
- A measure counts as committed from the day it is placed on (`placement`): its own date,
  a month or a year at its first report within it (else its last day), its period's end,
  and with no date at all the publication date of its earliest source ("first_reported");
  a pledge later reported delivered is committed from the pledge and counts as delivered
  from the delivery (`delivered_on`).
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

from aidtrace.model import COUNT_UNITS

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
    if date and len(date) >= 10:
        return date[:10], "date"
    if date:  # a month or a year: its first report within it, else its last day
        start, end = day_of(date), day_of(date, end=True)
        how = "month" if len(date) == 7 else "year"
        if first_reported and start <= first_reported[:10] <= end:
            return first_reported[:10], how
        return end, how
    if period_end:
        return day_of(period_end, end=True), "period"
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
    """Running sums of counted, priced aid measures of one donor, for every combination of
    category (None: all) and basis (committed from `placed_on`, delivered from
    `delivered_on`), and sums per currency as written."""

    def __init__(self, measures: Iterable[Row]) -> None:
        self._rows = [m for m in measures if m["placed_on"]]
        self.measures = sum(m["value_usd"] is not None for m in self._rows)
        self._series: dict[tuple[str | None, str], _Series] = {}
        for category in (None, *SPECIFIC_CATEGORIES):
            for basis in ("committed", "delivered"):
                self._series[(category, basis)] = self._build(category, basis)

    def _build(self, category: str | None, basis: str) -> _Series:
        dated: list[tuple[str, float]] = []
        for m in self._rows:
            day = _day_for(m, basis)
            if day and m["value_usd"] is not None and category in (None, m.get("category")):
                dated.append((day, float(m["value_usd"])))
        dated.sort()
        series, total = _Series(), 0.0
        for day, value in dated:
            total += value
            series.days.append(day)
            series.sums.append(total)
        return series

    def sum(
        self, until: str, *, since: str | None = None, category: str | None = None, basis: str = "committed"
    ) -> float:
        """USD of measures placed on or before `until` (and not before `since`)."""
        series = self._series[(category if category in SPECIFIC_CATEGORIES else None, basis)]
        total = series.until(day_of(until, end=True))
        if since:
            total -= series.until(_day_before(day_of(since)))
        return total

    def by_currency(self, until: str, *, basis: str = "committed") -> dict[str, float]:
        """The same sum per currency as written (no conversion), money measures only."""
        last = day_of(until, end=True)
        sums: dict[str, float] = {}
        for m in self._rows:
            day = _day_for(m, basis)
            if day and day <= last and m.get("amount_value") is not None and m.get("amount_unit"):
                if m["amount_unit"] in COUNT_UNITS:
                    continue
                sums[m["amount_unit"]] = sums.get(m["amount_unit"], 0.0) + float(m["amount_value"])
        return dict(sorted(sums.items()))


def _day_for(measure: Row, basis: str) -> str | None:
    day = measure.get("delivered_on") if basis == "delivered" else measure["placed_on"]
    return day_of(day, end=True) if day else None


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
