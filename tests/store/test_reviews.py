"""Review decisions in the store (SQLite and PostgreSQL): applied, logged, and kept when the
document is extracted again or ingested again with changed text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aidtrace import pipeline, queries
from aidtrace.errors import InvalidRequest, NotFound
from aidtrace.model import Amount, Record, Span
from aidtrace.reconcile import reconcile
from aidtrace.review import apply_changes, validate_changes
from aidtrace.store import Store
from aidtrace.store.reviews import review_log, review_record
from aidtrace.store.writes import record_keys, record_row

TEXT = (
    "On 14 March 2024, Japan pledged $120 million in humanitarian aid to Ukraine for winter shelter.\n"
    "On 2 April 2024, Germany pledged EUR 50 million in humanitarian aid to Ukraine.\n"
)


def _ingest(store: Store, folder: Path, text: str) -> None:
    folder.mkdir(exist_ok=True)
    (folder / "brief.txt").write_text(text, encoding="utf-8")
    summary = pipeline.ingest([folder], store)
    assert summary.failed == 0
    reconcile(store)


def _records(store: Store) -> dict[str, dict[str, object]]:
    return {str(r["donor"]): r for r in queries.record_dicts(store, rejected=True)}


def test_a_correction_survives_re_extraction_of_changed_text(store: Store, tmp_path: Path):
    _ingest(store, tmp_path / "docs", TEXT)
    japan = _records(store)["JPN"]
    result = review_record(
        store,
        str(japan["record_id"]),
        action="correct",
        reviewer="ana",
        changes={"amount_value": "125000000"},
    )
    assert result["after"]["amount"]["value"] == 125e6
    # the document changes (a sentence added before it), so it is extracted again
    _ingest(store, tmp_path / "docs", "Tokyo, updated.\n" + TEXT)
    again = _records(store)["JPN"]
    assert again["evidence"]["start"] != japan["evidence"]["start"]  # really re-extracted
    assert again["amount"] == {"value": 125e6, "unit": "USD", "approx": False}
    assert again["review_status"] == "corrected"
    assert again["value_usd"] == pytest.approx(125e6)
    measure = queries.measure(store, str(again["measure_id"]))
    assert measure["amount_value"] == 125e6
    log = review_log(store, record_id=str(again["record_id"]))
    assert [entry["action"] for entry in log] == ["correct"]


def test_a_rejection_survives_re_ingest_and_leaves_every_measure(store: Store, tmp_path: Path):
    _ingest(store, tmp_path / "docs", TEXT)
    germany = _records(store)["DEU"]
    review_record(store, str(germany["record_id"]), action="reject", reviewer="ana", note="duplicate")
    reconcile(store)
    assert "DEU" not in {m["donor"] for m in queries.measures(store)}
    _ingest(store, tmp_path / "docs", TEXT + "Nothing else was announced.\n")
    assert _records(store)["DEU"]["review_status"] == "rejected"
    assert "DEU" not in {m["donor"] for m in queries.measures(store)}
    assert "DEU" not in {r["donor"] for r in queries.record_dicts(store)}  # exports leave it out


def test_decisions_accumulate_in_an_append_only_log(store: Store, tmp_path: Path):
    _ingest(store, tmp_path / "docs", TEXT)
    rid = str(_records(store)["JPN"]["record_id"])
    review_record(store, rid, action="correct", reviewer="ana", changes={"donor": "deu"})
    review_record(store, rid, action="correct", reviewer="ben", changes={"date": "2024-03"})
    review_record(store, rid, action="accept", reviewer="cy")
    current = queries.record(store, rid)
    # both corrections hold (the second did not undo the first); accepting keeps them
    assert (current["donor"], current["date"], current["review_status"]) == ("DEU", "2024-03", "corrected")
    assert current["extracted"]["donor"] == "JPN"
    log = review_log(store, record_id=rid)
    assert [(e["reviewer"], e["action"]) for e in log] == [
        ("cy", "accept"),
        ("ben", "correct"),
        ("ana", "correct"),
    ]
    assert log[-1]["before"]["donor"] == "JPN"
    assert log[-1]["after"]["donor"] == "DEU"
    # correcting back to the extracted value leaves no change: the record is simply accepted
    review_record(
        store, rid, action="correct", reviewer="ana", changes={"donor": "JPN", "date": "2024-03-14"}
    )
    assert queries.record(store, rid)["review_status"] == "accepted"
    assert queries.record(store, rid)["extracted"] is None


def test_a_bad_decision_changes_nothing(store: Store, tmp_path: Path):
    _ingest(store, tmp_path / "docs", TEXT)
    rid = str(_records(store)["JPN"]["record_id"])
    with pytest.raises(InvalidRequest, match="subtype 'visit' does not belong to type 'aid'"):
        review_record(store, rid, action="correct", reviewer="ana", changes={"subtype": "visit"})
    with pytest.raises(InvalidRequest, match="reviewer"):
        review_record(store, rid, action="accept", reviewer="  ")
    with pytest.raises(NotFound):
        review_record(store, "r-missing", action="accept", reviewer="ana")
    assert queries.record(store, rid)["review_status"] is None
    assert review_log(store) == []


# --- the pure parts ---------------------------------------------------------------------------


def _record(**given: object) -> Record:
    fields: dict[str, object] = {
        "doc_id": "d",
        "type": "aid",
        "donor": "JPN",
        "recipient": "UKR",
        "evidence": Span(start=0, end=5, text="Japan"),
        "amount": Amount(value=1e6, unit="USD"),
    }
    fields.update(given)
    return Record(**fields)  # type: ignore[arg-type]


def test_validation_normalises_and_names_the_field():
    assert validate_changes({"donor": " deu ", "amount_value": "1,500,000", "amount_unit": "eur"}) == {
        "donor": "DEU",
        "amount_value": 1_500_000.0,
        "amount_unit": "EUR",
    }
    assert validate_changes({"category": "", "aggregate": "on", "date": "2024-02"}) == {
        "category": None,
        "aggregate": True,
        "date": "2024-02",
    }
    for bad, field in [
        ({"date": "2024-02-30"}, "date"),
        ({"date": "March"}, "date"),
        ({"amount_value": "nan"}, "amount_value"),
        ({"amount_unit": "dollars"}, "amount_unit"),
        ({"type": "gift"}, "type"),
        ({"stage": "maybe"}, "stage"),
        ({"channel": "x" * 201}, "channel"),
    ]:
        with pytest.raises(InvalidRequest, match=field):
            validate_changes(bad)


def test_amount_corrections_build_clear_and_keep_units():
    assert apply_changes(_record(), {"amount_value": 2e6}).amount == Amount(value=2e6, unit="USD")
    assert apply_changes(_record(), {"amount_value": None}).amount is None
    no_figure = _record(amount=None)
    with pytest.raises(InvalidRequest, match="amount_unit"):
        apply_changes(no_figure, {"amount_value": 5.0})
    assert apply_changes(no_figure, {"amount_value": 5.0, "amount_unit": "people"}).amount == Amount(
        value=5.0, unit="people"
    )


def test_keys_ignore_position_and_tell_twins_apart():
    one, two = _record(), _record(evidence=Span(start=10, end=15, text="Japan"))
    assert record_keys([one])[0] == record_keys([two])[0]  # same words elsewhere: same key
    first, second = record_keys([one, one])
    assert second == f"{first}-2"


def test_a_correction_that_no_longer_fits_sends_the_record_back_to_the_queue():
    extracted = _record(type="diplomacy", amount=None)
    review = {"status": "corrected", "changes": json.dumps({"subtype": "loan"})}
    row = record_row(extracted, key="k", position=0, published=None, run_id=None, review=review)
    columns = dict(zip(("donor", "type", "subtype"), (row[4], row[3], row[7]), strict=True))
    assert columns == {"donor": "JPN", "type": "diplomacy", "subtype": None}
    assert row[-2:] == (None, None)  # status: unreviewed; nothing recorded as extracted
