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


# --- issue 10: different acts apart, the same act joined, each measure counted once ------------


def usd(record_id: str, value: float, **fields) -> dict:
    return mention(record_id, amount_value=value, amount_unit="USD", **fields)


def total(record_id: str, value: float, end: str, **fields) -> dict:
    fields.setdefault("published", end)
    return usd(record_id, value, aggregate=1, period_start="2022-02", period_end=end, **fields)


def by_record(rows: list[dict]) -> dict[str, dict]:
    result = build_measures(rows)
    measures = {m["measure_id"]: m for m in result.measures}
    return {record_id: measures[measure_id] for measure_id, record_id in result.links}


def test_issue_10_equal_tranches_a_month_apart_stay_apart():
    rows = [
        usd("a", 200e6, stage="delivered", date="2024-03-15"),
        usd("b", 200e6, stage="delivered", date="2024-04-15"),
        usd("c", 200e6, stage="delivered", date="2024-04-17"),  # the second tranche, another source
    ]
    assert groups(rows) == [{"a"}, {"b", "c"}]


def test_issue_10_a_pledge_later_reported_delivered_is_one_measure_with_the_disagreement_kept():
    rows = [
        usd("a", 4.5e9, stage="pledged", date="2023-12-06"),
        usd("b", 4.5e9, stage="delivered", date="2024-09-30"),
    ]
    measures = by_record(rows)
    assert measures["a"] is measures["b"]
    agreement = json.loads(measures["a"]["agreement"])
    assert "amount" in agreement["agreed"]
    assert [v["value"] for v in agreement["disagreed"]["stage"]] == ["pledged", "delivered"]
    assert measures["a"]["stage"] == "delivered"


def test_issue_10_a_delivery_is_not_joined_to_a_later_pledge():
    rows = [
        usd("a", 4.5e9, stage="delivered", date="2023-06-01"),
        usd("b", 4.5e9, stage="pledged", date="2024-01-10"),
    ]
    assert groups(rows) == [{"a"}, {"b"}]


def test_issue_10_running_totals_of_one_figure_at_two_dates_are_two_measures():
    rows = [
        total("feb", 12.1e9, "2024-02-19"),
        total("feb-again", 12.1e9, "2024-02-20"),  # the same report in another source
        total("jun", 12.1e9, "2024-06-13"),  # the same exact figure four months later: another as-of point
        total("shmyhal", 12e9, "2024-02-19", evidence_start=7),  # another count of the same day
    ]
    assert groups(rows) == [{"feb", "feb-again"}, {"jun"}, {"shmyhal"}]


def test_issue_10_a_hedged_total_joins_the_report_it_restates_but_not_a_year_later():
    rows = [
        total("a", 12e9, "2024-02-22", amount_approx=1),  # "nearly $12 billion"
        total("b", 12e9, "2024-07-23"),
        total("c", 12e9, "2024-11-15", amount_approx=1),  # "over $12 billion"
        total("d", 12e9, "2025-11-20", amount_approx=1),
    ]
    assert groups(rows) == [{"a", "b", "c"}, {"d"}]


def test_issue_10_running_totals_with_different_stated_as_of_dates_are_two_measures():
    rows = [
        total("a", 600e6, "2022-11", published="2023-03-24"),  # "between January and November 2022"
        total("b", 600e6, "2022-12", published="2023-03-24", evidence_start=99),
    ]
    assert groups(rows) == [{"a"}, {"b"}]


def test_issue_10_a_package_one_source_calls_a_running_total_is_one_measure():
    rows = [
        total("a", 18.1e9, "2024-12-11", amount_approx=1),
        usd("b", 18.1e9, date="2024-10"),
        usd("c", 18.1e9, date="2024-10-25"),
    ]
    measures = by_record(rows)
    assert measures["a"] is measures["b"] is measures["c"]
    measure = measures["a"]
    assert (measure["aggregate"], measure["status"]) == (0, "counted")  # the majority: a package
    disagreed = json.loads(measure["agreement"])["disagreed"]["aggregate"]
    assert {(v["record_id"], v["value"]) for v in disagreed} == {("a", True), ("b", False), ("c", False)}


def test_issue_10_statuses_say_why_a_measure_is_or_is_not_summed():
    rows = [
        usd("package", 4.5e9, date="2023-12-06"),
        usd("part", 1e9, date="2023-12-06", evidence_start=50, part_of_value=4.5e9, part_of_unit="USD"),
        total("total", 12e9, "2024-02-20"),
        usd("inside-total", 5.5e9, date="2023-02-20", part_of_value=12e9, part_of_unit="USD"),
        usd("g7", 50e9, donor="G7", date="2024-06-13"),
        usd("rejected", 3e9, date="2024-10-28", review_status="rejected"),
        usd("orphan", 2e8, date="2024-05-01", part_of_value=9e9, part_of_unit="USD"),
    ]
    measures = by_record(rows)
    status = {rid: m["status"] for rid, m in measures.items()}
    assert status == {
        "package": "counted",
        "part": "part_of",
        "total": "running_total",
        "inside-total": "counted",  # a component of a running total is counted: the total is not
        "g7": "collective",
        "rejected": "rejected",
        "orphan": "counted",  # its whole was never reported: the part is the best figure we have
    }
    assert measures["part"]["part_of_measure"] == measures["package"]["measure_id"]
    assert measures["inside-total"]["part_of_measure"] == measures["total"]["measure_id"]


def test_issue_10_a_whole_equal_to_its_part_is_not_a_whole():
    rows = [
        usd("a", 1e9, date="2023-12-06", part_of_value=1e9, part_of_unit="USD"),
        usd("b", 1e9, date="2023-12-06", doc_id="other"),
    ]
    assert {m["status"] for m in by_record(rows).values()} == {"counted"}


def test_issue_10_an_undated_measure_is_placed_at_its_first_report():
    rows = [
        usd("a", 470e6, published="2023-03-22"),
        usd("b", 470e6, published="2023-04-01"),
    ]
    (measure,) = build_measures(rows).measures
    assert (measure["date"], measure["placed_on"], measure["placed_by"]) == (
        None,
        "2023-03-22",
        "first_reported",
    )


def test_issue_12_a_record_that_cannot_be_placed_is_a_failure_and_the_rest_goes_on():
    rows = [usd("bad", 1e9, date="2024-13-45"), usd("good", 2e9, date="2024-01-10")]
    result = build_measures(rows)
    assert [link[1] for link in result.links] == ["good"]
    (failure,) = result.failures
    assert (failure.source, failure.doc_id) == ("bad", "bad")
    assert "date '2024-13-45' is not a YYYY, YYYY-MM or YYYY-MM-DD date" in failure.message


@pytest.mark.parametrize(
    ("reported", "kind"),
    [(12e9, "measures missing"), (10.5e9, None), (8e9, "double counting suspected")],
)
def test_issue_10_a_running_total_the_computed_sum_misses_by_15_percent_is_a_coverage_conflict(
    reported, kind
):
    rows = [
        usd("a", 5.5e9, date="2023-02-20"),
        usd("b", 4.5e9, date="2023-12-06"),
        usd("late", 3e9, date="2024-03-01"),  # after the as-of date: not in the comparison
        total("t", reported, "2024-02-20"),
    ]
    result = build_measures(rows)
    coverage = [json.loads(c[3]) for c in result.conflicts if c[2] == "coverage"]
    assert [(c["kind"], c["computed_usd"], c["reported_usd"]) for c in coverage] == (
        [(kind, 10e9, reported)] if kind else []
    )
    (running,) = [m for m in result.measures if m["status"] == "running_total"]
    assert running["conflicts"] == (1 if kind else 0)


@pytest.mark.parametrize(
    ("sentence", "status"),
    [
        ("Japan and Norway provided $760 million together.", "collective"),
        ("Japan and Norway each provided $760 million.", "counted"),
    ],
)
def test_issue_10_a_figure_one_sentence_gives_to_two_donors_is_collective(sentence, status):
    rows = [
        usd(donor, 760e6, donor=donor, doc_id="d", date="2024-02-28", evidence_text=sentence)
        for donor in ("JPN", "NOR")
    ]
    assert {m["status"] for m in build_measures(rows).measures} == {status}


def test_issue_10_an_undated_figure_reported_months_after_a_running_total_does_not_join_it():
    rows = [
        total("tokyo", 12.1e9, "2024-02-19"),
        usd("december", 12.1e9, published="2024-12-26"),  # "$12.1 billion in all", ten months on
        usd("march", 12.1e9, published="2024-03-10"),  # reported within weeks: the same figure
    ]
    assert groups(rows) == [{"december"}, {"march", "tokyo"}]


def test_issue_10_a_share_of_a_joint_figure_is_counted():
    joint = "Japan and Norway provided $760 million together."
    rows = [
        usd(donor, 760e6, donor=donor, doc_id="d", date="2024-02-28", evidence_text=joint)
        for donor in ("JPN", "NOR")
    ]
    rows.append(
        usd(
            "share",
            465e6,
            doc_id="d",
            date="2024-02-28",
            evidence_start=60,
            part_of_value=760e6,
            part_of_unit="USD",
        )
    )
    measures = by_record(rows)
    assert (measures["JPN"]["status"], measures["share"]["status"]) == ("collective", "counted")
    assert measures["share"]["part_of_measure"] == measures["JPN"]["measure_id"]


# --- the Japan answer key's lessons: each a general rule ----------------------------------------


def test_a_rounded_figure_reported_long_after_an_old_measure_is_a_new_one():
    rows = [
        usd("pledge", 470e6, date="2023-03-21", published="2023-03-21"),
        usd("peace", 465e6, stage="delivered", published="2024-02-28"),  # undated, eleven months on
        usd("again", 470e6, published="2023-06-01"),  # the very figure, restated: the same pledge
    ]
    assert groups(rows) == [{"again", "pledge"}, {"peace"}]


def test_a_mention_announced_ahead_may_join_an_act_dated_after_its_publication():
    rows = [
        usd("act", 106e6, date="2024-02-19", published="2024-02-19"),
        usd("ahead", 106e6, published="2024-02-11", evidence_text="Japan to pledge $106 million"),
        usd("past", 106e6, published="2024-02-11", evidence_text="Japan's $106 million pledge"),
    ]
    assert groups(rows) == [{"act", "ahead"}, {"past"}]


def test_figures_of_different_categories_join_only_when_exactly_equal():
    rows = [
        mention(
            "grant",
            amount_value=12e9,
            amount_unit="JPY",
            value_usd=100e6,
            amount_approx=1,
            category="humanitarian",
            date="2022-04-05",
        ),
        mention(
            "loan",
            amount_value=13e9,
            amount_unit="JPY",
            value_usd=105e6,
            category="financial",
            date="2022-04-20",
        ),
    ]
    assert groups(rows) == [{"grant"}, {"loan"}]


def test_a_part_never_joins_its_whole():
    rows = [
        usd("whole", 950e6, amount_approx=1, stage="delivered", date="2023-12-21"),
        usd(
            "part",
            900e6,
            stage="delivered",
            date="2023-12-21",
            evidence_start=5,
            part_of_value=950e6,
            part_of_unit="USD",
        ),
    ]
    assert groups(rows) == [{"part"}, {"whole"}]
    measures = {m["amount_value"]: m for m in build_measures(rows).measures}
    assert (measures[900e6]["status"], measures[950e6]["status"]) == ("part_of", "counted")


def test_a_loan_signed_months_after_its_pledge_is_the_pledge_and_counts_from_the_pledge():
    rows = [
        mention(
            "agreed",
            amount_value=471.9e9,
            amount_unit="JPY",
            value_usd=3.1e9,
            date="2024-10-28",
            evidence_text="Japan has agreed to lend Ukraine 471.9 billion yen",
        ),
        mention(
            "signed",
            amount_value=471.9e9,
            amount_unit="JPY",
            value_usd=3.1e9,
            date="2025-04-18",
            evidence_text="Ukraine and Japan signed a loan agreement of 471.9 billion yen",
        ),
    ]
    (measure,) = build_measures(rows).measures
    assert (measure["mentions"], measure["placed_on"]) == (2, "2024-10-28")
    # two equal tranches with no signing between them stay two acts
    rows = [usd("may", 100e6, date="2024-05-02"), usd("july", 100e6, date="2024-07-02")]
    assert len(groups(rows)) == 2


def test_a_running_total_told_before_a_package_was_announced_is_not_that_package():
    rows = [
        total("raised", 300e6, "2022-05-16"),  # "would raise its total loan support to $300 million"
        usd("added", 300e6, date="2022-05-19"),  # "will add $300 million", three days later
    ]
    assert groups(rows) == [{"added"}, {"raised"}]


def test_a_single_restating_an_earlier_running_total_joins_it_but_a_round_one_does_not():
    rows = [
        total("so-far", 7.6e9, "2023-04-05"),
        total("hedged", 7e9, "2023-12-07", amount_approx=1),
        usd(
            "restated", 7.6e9, date="2023-08-23", published="2023-08-23"
        ),  # "will provide assistance worth $7.6 billion"
        usd("headline", 7.6e9, published="2023-08-23"),
    ]
    (measure,) = build_measures(rows).measures
    assert (measure["status"], measure["mentions"]) == ("running_total", 4)
    rows = [
        total("so-far", 1e9, "2023-04-05"),
        usd("new", 1e9, date="2023-08-23"),
    ]  # "$1 billion": a size packages have
    assert groups(rows) == [{"new"}, {"so-far"}]


def test_a_round_figure_in_another_currency_is_the_exact_one_rounded():
    """'$3 billion' told for a loan of ¥471.9 billion ($3.31 billion at the day's rate) a week
    earlier is the same loan, as a hedge would be; an exact $3.05 billion stays apart (two
    exact figures in two currencies agree within CONVERTED only)."""
    loan = {"amount_value": 471.9e9, "amount_unit": "JPY", "value_usd": 3.31e9, "date": "2025-04-24"}
    rows = [mention("yen", **loan), usd("round", 3e9, date="2025-04-18")]
    measures = by_record(rows)
    assert measures["yen"]["measure_id"] == measures["round"]["measure_id"]
    rows = [mention("yen", **loan), usd("exact", 3.05e9, date="2025-04-18")]
    measures = by_record(rows)
    assert measures["yen"]["measure_id"] != measures["exact"]["measure_id"]
