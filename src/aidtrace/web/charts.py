"""Figures for the overview and donor pages: what they are shown in (the switches:
currency, constant prices, share of GDP) and the Plotly charts drawn from them.

In: rows of queries.totals and queries.cumulative, and a Show. Out: the rows with the
`value` the switches ask for, and chart specs (plain dicts that a page carries as JSON and
static/app.js draws), or None when there is nothing to draw.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import Depends, Query

from aidtrace import queries
from aidtrace.money import GDP_YEAR, share_of_gdp
from aidtrace.params import InvalidParameter, check_constant_year, constant_years
from aidtrace.store import Store


def money(value: float | None, unit: str = "USD") -> str:
    """4.5e9 -> 'USD 4.50 bn'; None -> '—'."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    for size, word in ((1e12, "tn"), (1e9, "bn"), (1e6, "m")):
        if abs(value) >= size:
            return f"{unit} {value / size:,.2f} {word}"
    return f"{unit} {value:,.0f}"


@dataclass(frozen=True, slots=True)
class Show:
    """What the money figures of the overview and donor pages are in: USD or EUR at current
    prices, USD at constant prices of a base year, or percent of the donor's GDP."""

    currency: str = "USD"
    constant: int | None = None
    gdp: bool = False

    @property
    def unit(self) -> str:
        if self.gdp:
            return f"% of {GDP_YEAR} GDP"
        return f"USD at {self.constant} prices" if self.constant else self.currency

    @property
    def money_currency(self) -> str:
        return "USD" if self.gdp else self.currency  # shares of GDP are taken of USD sums

    def params(self) -> dict[str, str]:
        return {
            k: v
            for k, v in {
                "currency": self.currency,
                "constant": str(self.constant or ""),
                "gdp": "1" if self.gdp else "",
            }.items()
            if v and v != "USD"
        }


def show_params(
    currency: Annotated[Literal["USD", "EUR"], Query()] = "USD",
    constant: Annotated[str | None, Query(max_length=10)] = None,
    gdp: Annotated[bool, Query()] = False,
) -> Show:
    """The switches as query parameters, checked like the API's (params.py)."""
    year = None
    if constant and constant.strip():
        if not constant.strip().isdigit():
            raise InvalidParameter(
                "constant", f"constant {constant!r} is not a year; choose a base year such as 2024"
            )
        year = check_constant_year(int(constant), name="constant")
    if year and currency != "USD":
        raise InvalidParameter("constant", "constant prices use the US GDP deflator: choose USD with them")
    if year and gdp:
        raise InvalidParameter(
            "gdp", f"% of GDP compares current-price sums with {GDP_YEAR} GDP: choose current prices with it"
        )
    return Show(currency, year, gdp)


ShowDep = Annotated[Show, Depends(show_params)]


def shown(value: float | None, show: Show) -> str:
    """A figure as the switches say: 'EUR 1.20 bn', or '0.123%' of GDP."""
    if show.gdp:
        return "—" if value is None else f"{value:.3f}%"
    return money(value, show.money_currency)


# --- charts ---------------------------------------------------------------------------
# Values are divided down to a readable unit ("USD bn") rather than Plotly's SI ticks
# ("60G"). A chart with nothing to draw is None, and the page says so instead of bare axes.


def _scale(values: list[float], unit: str) -> tuple[float, str]:
    """The divisor and axis title for `values`: 1e9 and 'USD bn'; a percent stays as it is."""
    top = max((abs(v) for v in values), default=0.0)
    if unit.startswith("%"):
        return 1.0, unit
    for size, word in ((1e12, "tn"), (1e9, "bn"), (1e6, "m"), (1e3, "thousand")):
        if top >= size:
            return size, f"{unit}, {word}"
    return 1.0, unit


def _scaled(values: list[float], size: float) -> list[float]:
    return [round(value / size, 4) for value in values]


def bar_chart(
    rows: list[dict[str, Any]], key: str, title: str, *, unit: str, top: int = 20
) -> dict[str, Any] | None:
    """Bars of rows' `value` (money or percent) by `key`; None when no row has one."""
    rows = [row for row in rows if row.get("value")][:top]
    if not rows:
        return None
    size, axis = _scale([row["value"] for row in rows], unit)
    return {
        "data": [
            {
                "type": "bar",
                "x": [str(row[key]) if row[key] is not None else "unknown" for row in rows],
                "y": _scaled([row["value"] for row in rows], size),
                "hovertemplate": f"%{{x}}: %{{y:,.3~f}} ({axis})<extra></extra>",
            }
        ],
        "layout": _layout(title, axis),
    }


def stacked_chart(rows: list[dict[str, Any]], title: str, *, unit: str) -> dict[str, Any] | None:
    """Bars per year, stacked by category: the timeline of counted measures; measures without
    a date of their own stand in an "undated" bar, never dropped. None when nothing to draw."""
    rows = [row for row in rows if row.get("value")]
    if not rows:
        return None
    years = [str(y) for y in sorted({row["year"] for row in rows if row["year"] is not None})]
    if any(row["year"] is None for row in rows):
        years.append(UNDATED)
    by: dict[str, dict[str, float]] = {}
    for row in rows:
        year = UNDATED if row["year"] is None else str(row["year"])
        by.setdefault(row["category"] or "unspecified", {})[year] = row["value"]
    size, axis = _scale([sum(v.get(year, 0.0) for v in by.values()) for year in years], unit)
    traces = [
        {
            "type": "bar",
            "name": category,
            "x": years,
            "y": _scaled([values.get(year, 0.0) for year in years], size),
            "hovertemplate": f"{category} %{{x}}: %{{y:,.3~f}} ({axis})<extra></extra>",
        }
        for category, values in sorted(by.items())
    ]
    layout = _layout(title, axis)
    layout["barmode"] = "stack"
    layout["xaxis"] = {"type": "category"}
    return {"data": traces, "layout": layout}


UNDATED = "undated"


def cumulative_chart(found: dict[str, Any], title: str) -> dict[str, Any] | None:
    """The computed cumulative line (committed, delivered) with the reported running totals
    as points; a click on a point opens its source sentence (customdata). In USD."""
    series = found["series"]
    reported = [r for point in found["points"] for r in point["reported"]]
    if not series and not reported:
        return None
    everything = [row[f"{basis}_usd"] for row in series for basis in ("committed", "delivered")]
    size, axis = _scale(everything + [r["value_usd"] for r in reported], "USD")
    traces: list[dict[str, Any]] = [
        {
            "type": "scatter",
            "mode": "lines",
            "line": {"shape": "hv"},
            "name": f"computed {basis}",
            "x": [row["date"] for row in series],
            "y": _scaled([row[f"{basis}_usd"] for row in series], size),
            "hovertemplate": f"{basis} by %{{x}}: %{{y:,.3~f}} ({axis})<extra></extra>",
        }
        for basis in ("committed", "delivered")
    ]
    traces.append(
        {
            "type": "scatter",
            "mode": "markers",
            "marker": {"size": 10, "symbol": "diamond"},
            "name": "reported running total",
            "x": [r["as_of"] for r in reported],
            "y": _scaled([r["value_usd"] for r in reported], size),
            "text": [r["sources"][0]["title"] or r["sources"][0]["doc_id"] for r in reported],
            "customdata": [sentence_link(r["sources"][0]) for r in reported],
            "hovertemplate": f"%{{text}}<br>reported %{{y:,.3~f}} ({axis}) as of %{{x}}<extra></extra>",
        }
    )
    return {"data": traces, "layout": _layout(title, axis)}


def sentence_link(source: dict[str, Any]) -> str:
    return f"/documents/{quote(str(source['doc_id']))}#span-{quote(str(source['record_id']))}"


def _layout(title: str, axis: str) -> dict[str, Any]:
    return {
        "title": {"text": title, "font": {"size": 15}},
        "margin": {"t": 40, "r": 10, "b": 60, "l": 70},
        "yaxis": {"title": {"text": axis}, "tickformat": ",~r"},
        "height": 340,
        "legend": {"orientation": "h"},
    }


def valued(rows: list[dict[str, Any]], show: Show, donor: str | None = None) -> list[dict[str, Any]]:
    """Rows of queries.totals with the `value` the switches ask for: the sum itself, or its
    share of GDP (of the row's donor, or of `donor`); largest first."""
    for row in rows:
        code = donor or row.get("donor")
        if not show.gdp:
            row["value"] = row["total"]
        else:
            row["value"] = share_of_gdp(row["total"], code) if code and row["total"] is not None else None
    return sorted(rows, key=lambda row: -(row["value"] or 0.0)) if show.gdp else rows


def totals(store: Store, by: tuple[str, ...], show: Show, donor: str | None = None) -> dict[str, Any]:
    found = queries.totals(store, by=by, currency=show.money_currency, constant=show.constant, donor=donor)
    found["totals"] = valued(found["totals"], show, donor)
    return found


def constant_choices() -> list[int]:
    first, last = constant_years()
    return list(range(last, first - 1, -1))
