"""Totals as of a date, the cumulative view and coverage conflicts, on a small corpus of
hand-built records stored and reconciled (issue 10), on every backend."""

from __future__ import annotations

from typing import Any

import pytest

from aidtrace import queries
from aidtrace.model import Amount, Document, Record, Span
from aidtrace.reconcile import reconcile
from aidtrace.store import Store, writes

# (doc_id, published, [(sentence, record fields)]): every figure is USD
CORPUS: list[tuple[str, str, list[tuple[str, dict[str, Any]]]]] = [
    (
        "p2302",
        "2023-02-21",
        [("Japan pledged $5.5 billion on 20 February.", {"v": 5.5e9, "date": "2023-02-20"})],
    ),
    (
        "p2312",
        "2023-12-08",
        [
            ("Japan pledged a $4.5 billion package on 6 December.", {"v": 4.5e9, "date": "2023-12-06"}),
            ("It includes $1 billion for the grid.", {"v": 1e9, "date": "2023-12-06", "part_of": 4.5e9}),
        ],
    ),
    (
        "t2402",
        "2024-02-20",
        [("Japan has committed $12 billion so far.", {"v": 12e9, "total": ("2022-02", "2024-02-20")})],
    ),
    (
        "d2403",
        "2024-03-16",
        [("Japan disbursed $200 million.", {"v": 2e8, "date": "2024-03-15", "stage": "delivered"})],
    ),
    (
        "d2404",
        "2024-04-16",
        [("Japan disbursed $200 million.", {"v": 2e8, "date": "2024-04-15", "stage": "delivered"})],
    ),
    ("u2406", "2024-06-20", [("Japan provided $500 million in grants.", {"v": 5e8, "stage": "delivered"})]),
    (
        "g2406",
        "2024-06-14",
        [("The G7 agreed a $50 billion loan.", {"v": 50e9, "date": "2024-06-13", "donor": "G7"})],
    ),
    (
        "t2506",
        "2025-06-10",
        [("Japan's support to date totals $12 billion.", {"v": 12e9, "total": ("2022-02", "2025-06-10")})],
    ),
]


def build(store: Store) -> None:
    for doc_id, published, sentences in CORPUS:
        text, records = "", []
        for sentence, fields in sentences:
            start = len(text)
            text += sentence + " "
            total = fields.get("total")
            records.append(
                Record(
                    doc_id=doc_id,
                    type="aid",
                    donor=fields.get("donor", "JPN"),
                    recipient="UKR",
                    evidence=Span(start=start, end=start + len(sentence), text=sentence),
                    stage=fields.get("stage", "pledged"),
                    aggregate=total is not None,
                    amount=Amount(value=fields["v"], unit="USD"),
                    date=fields.get("date"),
                    period=total,
                    part_of=Amount(value=fields["part_of"], unit="USD") if "part_of" in fields else None,
                )
            )
        doc = Document(doc_id=doc_id, text=text, published=published, title=f"title {doc_id}")
        writes.save_document(store, doc, digest=writes.content_hash(doc), run_id="test")
        writes.replace_records(store, doc, records, run_id="test", extractor="hand 1")
    reconcile(store)


@pytest.fixture
def corpus(store: Store) -> Store:
    build(store)
    return store


def test_each_measure_has_its_counting_status(corpus: Store):
    rows = queries.measures(corpus, aggregate=None, sort="date")
    got = sorted((m["donor"], m["amount_value"], m["status"], m["placed_by"]) for m in rows)
    assert got == [
        ("G7", 50e9, "collective", "date"),
        ("JPN", 2e8, "counted", "date"),
        ("JPN", 2e8, "counted", "date"),  # two tranches a month apart: two measures
        ("JPN", 5e8, "counted", "first_reported"),  # undated: placed at its first report, never dropped
        ("JPN", 1e9, "part_of", "date"),
        ("JPN", 4.5e9, "counted", "date"),
        ("JPN", 5.5e9, "counted", "date"),
        ("JPN", 12e9, "running_total", "period"),
        ("JPN", 12e9, "running_total", "period"),  # the same figure 16 months later: another report
    ]
    part = next(m for m in rows if m["status"] == "part_of")
    whole = next(m for m in rows if m["amount_value"] == 4.5e9)
    assert part["part_of_measure"] == whole["measure_id"]
    assert queries.record_dicts(corpus, doc_id="p2312")[1]["part_of"] == {"value": 4.5e9, "unit": "USD"}


def test_totals_sum_counted_measures_only(corpus: Store):
    totals = queries.totals(corpus, by=("donor",))["totals"]
    assert [(row["donor"], row["total"]) for row in totals] == [("JPN", pytest.approx(10.9e9))]


def test_totals_as_of_a_date(corpus: Store):
    found = queries.totals_as_of(corpus, donor="jpn", as_of="2024-02-29")
    assert (found["committed_usd"], found["delivered_usd"], found["measures"]) == (10e9, 0.0, 2)
    (reported,) = found["reported"]
    assert (reported["as_of"], reported["value_usd"], reported["computed_usd"]) == ("2024-02-20", 12e9, 10e9)
    assert (reported["difference_pct"], reported["coverage"]) == (-16.7, "measures missing")
    assert reported["sources"][0]["doc_id"] == "t2402"
    assert reported["sources"][0]["sentence"] == "Japan has committed $12 billion so far."
    assert found["difference_pct"] == -16.7
    later = queries.totals_as_of(corpus, donor="JPN", as_of="2024-06-30")
    assert later["committed_usd"] == pytest.approx(10.9e9)
    assert later["delivered_usd"] == pytest.approx(0.9e9)
    assert later["placed_at_first_report"] == 1


def test_cumulative_view_at_each_reported_date(corpus: Store):
    found = queries.cumulative(corpus, donor="JPN")
    assert [(p["as_of"], p["committed_usd"], p["difference_pct"]) for p in found["points"]] == [
        ("2024-02-20", 10e9, -16.7),
        ("2025-06-10", pytest.approx(10.9e9), -9.2),
    ]
    assert found["series"][0] == {"date": "2023-02-20", "committed_usd": 5.5e9, "delivered_usd": 0.0}


def test_coverage_conflicts_are_listed_with_both_figures_and_sources(corpus: Store):
    (row,) = queries.conflicts(corpus, field="coverage")
    coverage = row["coverage"]
    assert (coverage["kind"], coverage["reported_usd"], coverage["computed_usd"]) == (
        "measures missing",
        12e9,
        10e9,
    )
    assert [s["title"] for s in coverage["sources"]] == ["title t2402"]


def test_an_as_of_date_that_is_no_date_is_refused(corpus: Store):
    from aidtrace.errors import InvalidRequest

    with pytest.raises(InvalidRequest, match="write it as YYYY-MM-DD"):
        queries.totals_as_of(corpus, donor="JPN", as_of="June 2024")


def test_exports_carry_the_status_and_part_of(corpus: Store, tmp_path):
    import csv

    from aidtrace.exports import export

    export(corpus, what="measures", fmt="csv", path=tmp_path / "m.csv")
    with (tmp_path / "m.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    statuses = [row["status"] for row in rows]
    assert sorted(set(statuses)) == ["collective", "counted", "part_of", "running_total"]
    assert (statuses.count("counted"), statuses.count("running_total")) == (5, 2)
    export(corpus, what="records", fmt="csv", path=tmp_path / "r.csv")
    with (tmp_path / "r.csv").open(encoding="utf-8") as handle:
        parts = [row for row in csv.DictReader(handle) if row["part_of_value"]]
    assert [(row["amount_value"], row["part_of_value"], row["part_of_unit"]) for row in parts] == [
        ("1000000000.0", "4500000000.0", "USD")
    ]


def test_undated_measures_are_an_undated_row_by_year_and_deflate_at_their_first_report(corpus: Store):
    by_year = {row["year"]: row["total"] for row in queries.totals(corpus, by=("year",))["totals"]}
    assert by_year == {2023: pytest.approx(10e9), 2024: pytest.approx(0.4e9), None: pytest.approx(0.5e9)}
    constant = queries.totals(corpus, by=("year",), constant=2024)["totals"]
    undated = next(row for row in constant if row["year"] is None)
    assert (undated["total"], undated["undeflated"]) == (pytest.approx(0.5e9), 0)  # 2024 prices of 2024
