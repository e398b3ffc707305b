"""Reconciliation rules on hand-built mentions."""

from __future__ import annotations

import json

import pytest

from aidtrace.reconcile import build_measures


def mention(record_id: str, **fields) -> dict:
    row = {
        "record_id": record_id,
        "doc_id": record_id,
        "donor": "JPN",
        "recipient": "UKR",
        "type": "aid",
        "category": None,
        "subtype": None,
        "stage": "pledged",
        "aggregate": 0,
        "amount_value": None,
        "amount_unit": None,
        "amount_approx": 0,
        "value_usd": None,
        "value_eur": None,
        "date": None,
        "period_start": None,
        "period_end": None,
        "channel": None,
        "items": "[]",
        "evidence_start": 0,
        "published": "2024-07-01",
    }
    row.update(fields)
    if row["amount_unit"] == "USD" and row["value_usd"] is None:
        row["value_usd"] = row["amount_value"]
    return row


def groups(rows: list[dict]) -> list[set[str]]:
    by_measure: dict[str, set[str]] = {}
    for measure_id, record_id in build_measures(rows).links:
        by_measure.setdefault(measure_id, set()).add(record_id)
    return sorted(by_measure.values(), key=lambda s: sorted(s))


def test_hedged_and_rounded_figures_of_one_total_are_one_measure():
    rows = [
        mention(
            "a",
            aggregate=1,
            amount_value=12e9,
            amount_unit="USD",
            amount_approx=1,
            period_start="2022-02",
            period_end="2024-02-22",
            published="2024-02-22",
        ),
        mention(
            "b",
            aggregate=1,
            amount_value=12.1e9,
            amount_unit="USD",
            period_start="2022-02",
            period_end="2024-06-14",
            published="2024-06-14",
        ),
        mention(
            "c",
            aggregate=1,
            amount_value=12e9,
            amount_unit="USD",
            amount_approx=1,
            period_start="2022-03",
            period_end="2024-11-15",
            published="2024-11-15",
        ),
    ]
    assert groups(rows) == [{"a", "b", "c"}]


def test_running_totals_never_merge_with_single_measures():
    rows = [
        mention(
            "a",
            aggregate=1,
            amount_value=4.5e9,
            amount_unit="USD",
            period_start="2022-02",
            period_end="2024-07-23",
        ),
        mention("b", amount_value=4.5e9, amount_unit="USD", date="2024"),
    ]
    assert groups(rows) == [{"a"}, {"b"}]


def test_an_announcement_and_the_year_it_covers_agree_when_figures_match():
    rows = [
        mention("a", amount_value=4.5e9, amount_unit="USD", date="2023-12"),
        mention("b", amount_value=4.5e9, amount_unit="USD", date="2024"),
        mention("c", amount_value=1e9, amount_unit="USD", date="2023-09"),
        mention("d", amount_value=1e9, amount_unit="USD", date="2024-04-24"),
    ]
    assert groups(rows) == [{"a", "b"}, {"c"}, {"d"}]


def test_figures_that_disagree_for_one_dated_act_are_a_conflict():
    rows = [
        mention("a", amount_value=4.5e9, amount_unit="USD", date="2023-12-06", subtype="grant"),
        mention("b", amount_value=5.5e9, amount_unit="USD", date="2023-12-06", subtype="grant"),
    ]
    result = build_measures(rows)
    measures, conflicts = result.measures, result.conflicts
    assert len(measures) == 1
    assert measures[0]["conflicts"] == 1
    (conflict,) = conflicts
    values = json.loads(conflict[3])
    assert {(v["value"], v["doc_id"]) for v in values} == {(4.5e9, "a"), (5.5e9, "b")}


def test_an_undated_accord_does_not_chain_two_accords():
    rows = [
        mention("a", type="agreement", subtype="security", stage=None, date="2024-01-12"),
        mention("b", type="agreement", subtype="security", stage=None, date="2024-06-13"),
        mention("c", type="agreement", subtype="security", stage=None, published="2024-06-20"),
    ]
    assert groups(rows) == [{"a"}, {"b", "c"}]  # the undated one joins the accord its text can report


def test_a_measure_takes_its_date_from_its_most_precise_mention():
    rows = [
        mention("a", type="diplomacy", subtype="visit", stage=None, date="2023-03"),
        mention("b", type="diplomacy", subtype="visit", stage=None, date="2023-03-21"),
    ]
    (measure,) = build_measures(rows).measures
    assert (measure["date"], measure["mentions"], json.loads(measure["provenance"])["date"]) == (
        "2023-03-21",
        2,
        "b",
    )


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ({"date": "2024-02-19", "subtype": "loan"}, {"date": "2024-02-19", "subtype": "grant"}),
        ({"date": "2014"}, {"date": None, "items": json.dumps(["transformers"])}),
        (
            {"amount_value": 122, "amount_unit": "entities", "date": "2023-02-28"},
            {"date": "2023-02-28", "evidence_start": 0},
        ),
    ],
)
def test_mentions_that_differ_in_detail_stay_apart(a, b):
    assert len(groups([mention("a", **a), mention("b", **b)])) == 2
