"""The Japan answer key (issue 10): documents in our own words, and their distinct measures and
cumulative committed sums written down before the tracker ever ran on them
(src/aidtrace/examples/japan/answer_key.json). The tracker must reproduce them."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from aidtrace import pipeline, queries
from aidtrace.reconcile import reconcile
from aidtrace.store import Store, open_store


@pytest.fixture(scope="module")
def key(japan_key: Path) -> dict:
    return json.loads((japan_key / "answer_key.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def tracker(japan_key: Path, tmp_path_factory: pytest.TempPathFactory):
    url = f"sqlite:///{tmp_path_factory.mktemp('key') / 'key.db'}"
    with open_store(url) as store:
        summary = pipeline.ingest([japan_key], store, manifest=japan_key / "manifest.jsonl")
        assert summary.failed == 0
        reconcile(store)
        yield store


def test_the_key_is_complete_and_consistent(key):
    """Every counted measure in a cumulative sum exists, and the sums add up to the measures."""
    measures = {m["id"]: m for m in key["measures"]}
    for point in key["cumulative"]:
        committed: dict[str, float] = {}
        for measure_id in point["measures"]:
            measure = measures[measure_id]
            assert measure["status"] == "counted"
            assert measure["type"] == "aid"
            unit = measure["amount"]["unit"]
            committed[unit] = committed.get(unit, 0) + measure["amount"]["value"]
        assert committed == pytest.approx(point["committed"]), point["as_of"]
    assert len(key["cumulative"]) >= 5
    assert {m["status"] for m in key["measures"]} >= {"counted", "part_of", "running_total", "collective"}


def test_running_totals_of_money_are_never_counted_as_measures(tracker: Store, key):
    """The running totals the documents report stand apart: none is summed as a single measure
    (a counted measure of the same figure placed near the total's as-of date would be one)."""
    totals = [
        m
        for m in key["measures"]
        if m["status"] == "running_total" and m["amount"] and m["amount"]["unit"] in ("USD", "EUR", "JPY")
    ]
    counted = tracker.query(
        "SELECT amount_value, amount_unit, placed_on FROM measures WHERE donor = 'JPN' AND type = 'aid' "
        "AND status = 'counted' AND aggregate = 0 AND amount_value IS NOT NULL"
    )
    summed = [
        (t["id"], row["placed_on"])
        for t in totals
        for row in counted
        if (row["amount_value"], row["amount_unit"]) == (t["amount"]["value"], t["amount"]["unit"])
        and abs((date.fromisoformat(row["placed_on"][:10]) - date.fromisoformat(t["date"][:10])).days) <= 45
    ]
    assert summed == []


def test_every_reported_running_total_is_shown_beside_the_computed_sum(tracker: Store, key):
    reported = {round(float(t["value"])) for t in key["reported_totals"] if t["unit"] == "USD"}
    found = queries.cumulative(tracker, donor="JPN")
    shown = {round(r["value_usd"]) for point in found["points"] for r in point["reported"] if r["value_usd"]}
    assert reported - shown == set()


def test_the_cumulative_committed_and_delivered_sums_are_reproduced_exactly(tracker: Store, key):
    for point in key["cumulative"]:
        got = queries.totals_as_of(tracker, donor="JPN", as_of=point["as_of"])
        assert got["committed_by_currency"] == pytest.approx(point["committed"]), point["as_of"]
        assert got["delivered_by_currency"] == pytest.approx(point["delivered"]), point["as_of"]
