"""Counting rules and the as-of method (counting.py) on hand-built measures."""

from __future__ import annotations

import pytest

from aidtrace import counting


@pytest.mark.parametrize(
    ("date", "period_end", "first_reported", "expected"),
    [
        ("2024-02-19", None, "2024-02-20", ("2024-02-19", "date")),
        ("2024-02", None, "2024-03-01", ("2024-02-29", "month")),  # reported later: the month's end
        ("2024-12", None, "2024-12-26", ("2024-12-26", "month")),  # a month: its first report within it
        ("2024", None, "2024-06-14", ("2024-06-14", "year")),
        ("2023", None, "2024-06-14", ("2023-12-31", "year")),  # reported later: the year's end
        (None, "2024-02-22", "2024-02-22", ("2024-02-22", "period")),
        (None, None, "2023-03-22", ("2023-03-22", "first_reported")),  # undated: never dropped
        (None, None, None, (None, None)),
    ],
)
def test_placement_of_a_measure(date, period_end, first_reported, expected):
    assert counting.placement(date, period_end, first_reported) == expected


def measure(placed_on: str, value: float, *, stage: str = "pledged", category: str | None = None) -> dict:
    return {
        "placed_on": placed_on,
        "delivered_on": placed_on if stage == "delivered" else None,
        "value_usd": value,
        "amount_value": value,
        "amount_unit": "USD",
        "stage": stage,
        "category": category,
    }


def test_cumulative_sums_up_to_a_date_by_basis_category_and_span():
    sums = counting.Cumulative(
        [
            measure("2022-04", 300e6, category="financial"),
            measure("2023-02-20", 5.5e9, category="financial"),
            measure("2023-05-01", 100e6, stage="delivered", category="military"),
            measure("2024-01-07", 37e6, stage="delivered"),
            {**measure("2024-01-08", 0.0), "value_usd": None, "amount_value": 1e9, "amount_unit": "UAH"},
        ]
    )
    assert sums.sum("2022-12-31") == 300e6
    assert sums.sum("2023-02") == pytest.approx(5.8e9)  # a month as-of date: its last day
    assert sums.sum("2024-06-30") == pytest.approx(5.937e9)
    assert sums.sum("2024-06-30", basis="delivered") == pytest.approx(137e6)
    assert sums.sum("2024-06-30", category="military") == pytest.approx(100e6)
    assert sums.sum("2024-06-30", since="2023") == pytest.approx(5.637e9)
    assert sums.measures == 4  # the unpriced one is not summed in USD
    assert sums.by_currency("2024-06-30") == {"UAH": 1e9, "USD": pytest.approx(5.937e9)}


def test_a_pledge_later_delivered_counts_as_delivered_from_the_delivery():
    pledge = {**measure("2025-02-11", 58e6), "delivered_on": "2025-12-30", "stage": "delivered"}
    sums = counting.Cumulative([pledge])
    assert (sums.sum("2025-06-30"), sums.sum("2025-06-30", basis="delivered")) == (58e6, 0.0)
    assert sums.sum("2025-12-31", basis="delivered") == 58e6


def point(value: float, *, stage: str = "pledged", category: str | None = None) -> dict:
    return {
        "measure_id": "m1",
        "as_of": "2024-02-20",
        "period": ["2022-02", "2024-02-20"],
        "value_usd": value,
        "stage": stage,
        "category": category,
    }


@pytest.mark.parametrize(
    ("reported", "coverage", "difference"),
    [
        (12e9, counting.MISSING, -16.7),  # computed 10bn: 16.7% below
        (11e9, None, -9.1),  # within 15%: no conflict
        (8e9, counting.DOUBLE, 25.0),  # computed 10bn: 25% above
    ],
)
def test_a_reported_total_more_than_15_percent_off_is_a_coverage_conflict(reported, coverage, difference):
    sums = counting.Cumulative([measure("2023-02-20", 5.5e9), measure("2023-12-06", 4.5e9)])
    compared = counting.compare(point(reported), sums)
    assert (compared["computed_usd"], compared["coverage"], compared["difference_pct"]) == (
        10e9,
        coverage,
        difference,
    )


def test_a_total_of_deliveries_in_one_category_is_compared_with_those_alone():
    sums = counting.Cumulative(
        [
            measure("2023-02-20", 5.5e9, category="financial"),
            measure("2023-05-01", 1e9, stage="delivered", category="military"),
            measure("2023-06-01", 2e9, stage="delivered", category="financial"),
        ]
    )
    compared = counting.compare(point(1e9, stage="delivered", category="military"), sums)
    assert (compared["computed_usd"], compared["basis"], compared["coverage"]) == (1e9, "delivered", None)


def test_a_donor_with_nothing_computed_raises_no_coverage_conflict():
    assert counting.compare(point(12e9), counting.Cumulative([]))["coverage"] is None


def test_reported_points_group_a_running_total_by_as_of_date_with_every_source():
    mentions = [
        {
            "measure_id": "m1",
            "record_id": rid,
            "doc_id": doc,
            "period_start": "2022-02",
            "period_end": end,
            "value_usd": value,
            "amount_value": value,
            "amount_unit": "USD",
            "amount_approx": approx,
            "evidence_text": "so far",
            "title": doc,
            "url": None,
            "published": end,
        }
        for rid, doc, end, value, approx in [
            ("a", "d1", "2024-02-20", 12e9, True),
            ("b", "d2", "2024-02-20", 12.1e9, False),
            ("c", "d3", "2024-06-14", 12.1e9, False),
        ]
    ]
    points = counting.reported_points(mentions)
    assert [(p["as_of"], p["value_usd"], [s["record_id"] for s in p["sources"]]) for p in points] == [
        ("2024-02-20", 12.1e9, ["a", "b"]),  # the exact figure, both sources
        ("2024-06-14", 12.1e9, ["c"]),
    ]
