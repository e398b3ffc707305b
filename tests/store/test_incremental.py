"""Reconciliation by blocks (reconcile_blocks.py): an incremental run after any sequence of
writes, and a run split over donors, leave exactly what a full one-process run leaves; an
incremental run touches only the groups written; two reconciliations never overlap."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aidtrace.errors import InvalidRequest
from aidtrace.model import Amount
from aidtrace.reconcile import build_measures, reconcile
from aidtrace.reconcile_blocks import reconcile_all, reconcile_changes, snapshot
from aidtrace.store import Store, reconciling
from aidtrace.store.reviews import review_record
from tests.helpers import sentence_document, store_document

# a small world where mentions collide: figures that agree within rounding or not, dates
# that refine each other or lie days apart, running totals, components, joint figures
DONORS = ["JPN", "DEU", "G7"]
FIGURES = [(1.0e8, "USD"), (1.01e8, "USD"), (4.5e8, "USD"), (9.0e8, "USD"), (4.2e8, "EUR"), None]
DATES = ["2024-02-01", "2024-02-05", "2024-03-10", "2024-02", "2024", None]

mention = st.fixed_dictionaries(
    {
        "donor": st.sampled_from(DONORS),
        "type": st.sampled_from(["aid", "aid", "aid", "agreement"]),
        "figure": st.sampled_from(FIGURES),
        "date": st.sampled_from(DATES),
        "stage": st.sampled_from(["pledged", "delivered", None]),
        "aggregate": st.booleans(),
        "category": st.sampled_from(["financial", "military", None]),
        "part_of": st.sampled_from([None, None, (9.0e8, "USD")]),
    }
)
# a sentence: one mention, or one figure given to two donors (a joint figure)
sentence = st.one_of(
    st.lists(mention, min_size=1, max_size=1),
    st.tuples(mention, st.sampled_from(DONORS)).map(lambda pair: [pair[0], {**pair[0], "donor": pair[1]}]),
)
ingest = st.tuples(st.just("ingest"), st.integers(0, 3), st.lists(sentence, min_size=1, max_size=4))
review = st.tuples(
    st.just("review"),
    st.integers(0, 50),
    st.sampled_from(
        [
            ("accept", None),
            ("reject", None),
            ("correct", {"donor": "DEU"}),
            ("correct", {"amount_value": 4.5e8, "amount_unit": "USD"}),
            ("correct", {"date": "2024-02-03"}),
            ("correct", {"aggregate": True}),
        ]
    ),
)
edits = st.lists(st.one_of(ingest, review), min_size=1, max_size=6)


def _record_fields(spec: dict[str, Any]) -> dict[str, Any]:
    figure, whole = spec["figure"], spec["part_of"]
    agreement = spec["type"] == "agreement"
    return {
        "donor": spec["donor"],
        "type": spec["type"],
        "amount": Amount(value=figure[0], unit=figure[1]) if figure and not agreement else None,
        "date": spec["date"],
        "stage": None if agreement else spec["stage"],
        "aggregate": spec["aggregate"] and not agreement,
        "category": None if agreement else spec["category"],
        "part_of": Amount(value=whole[0], unit=whole[1]) if whole and not agreement else None,
    }


def _apply(store: Store, edit: tuple[Any, ...]) -> None:
    if edit[0] == "ingest":
        _kind, slot, sentences = edit
        specs = [[_record_fields(spec) for spec in said] for said in sentences]
        store_document(store, *sentence_document(f"d{slot}", specs, published=f"2024-03-1{slot}"))
        return
    _kind, pick, (action, changes) = edit
    ids = [row["record_id"] for row in store.query("SELECT record_id FROM records ORDER BY record_id")]
    if not ids:
        return
    try:
        review_record(store, ids[pick % len(ids)], action=action, reviewer="t", changes=changes)
    except InvalidRequest:
        pass  # a correction that changes nothing, or does not fit: refused, nothing written


def _expected(store: Store) -> dict[str, Any]:
    """What a full reconciliation would write (computed, not written)."""
    rows = store.query(reconciling.ROWS + " ORDER BY r.donor, r.type, r.doc_id, r.position")
    result = build_measures(rows)
    order: dict[str, int] = {}
    links = []
    for measure_id, record_id in result.links:
        links.append((measure_id, record_id, order.setdefault(measure_id, 0)))
        order[measure_id] += 1
    return _comparable(result.measures, links, result.conflicts)


def _stored(store: Store) -> dict[str, Any]:
    links = store.query("SELECT measure_id, record_id, mention_order FROM measure_records")
    return _comparable(
        store.query("SELECT * FROM measures"),
        [(r["measure_id"], r["record_id"], r["mention_order"]) for r in links],
        [
            tuple(c.values())
            for c in store.query("SELECT conflict_id, measure_id, field, details FROM conflicts")
        ],
    )


def _comparable(measures: list[dict[str, Any]], links: list[Any], conflicts: list[Any]) -> dict[str, Any]:
    return {
        "measures": sorted(json.dumps(m, sort_keys=True) for m in measures),
        "links": sorted(links),
        "conflicts": sorted(tuple(c) for c in conflicts),
    }


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(edits)
def test_incremental_reconciliation_equals_a_full_one_after_any_writes(new_store, edits):
    store = new_store()
    for edit in edits:
        _apply(store, edit)
        reconcile_changes(store)
        assert _stored(store) == _expected(store), edit
        assert reconciling.pending(store).groups == []
    incremental = snapshot(store)
    reconcile(store)
    assert snapshot(store) == incremental  # the rollup too


def _world(store: Store) -> None:
    """Two donors' documents: Japan's figures with a running total, Germany's; one shared sentence."""
    japan = [
        [{"amount": Amount(value=4.5e8, unit="USD"), "date": "2024-02-01"}],
        [{"amount": Amount(value=9.0e8, unit="USD"), "date": "2024-03-01", "aggregate": True}],
        [{"type": "agreement", "date": "2024-02-10"}],
    ]
    germany = [
        [{"donor": "DEU", "amount": Amount(value=1.0e8, unit="EUR"), "date": "2024-02-02"}],
        [
            {
                "donor": "DEU",
                "type": "refugees",
                "recipient": "UKR",
                "amount": Amount(value=2e4, unit="people"),
            }
        ],
    ]
    store_document(store, *sentence_document("jp", japan))
    store_document(store, *sentence_document("de", germany))


def _touched(store: Store) -> list[tuple[str, str]]:
    """(donor, operation) of every measures row written since `_watch`."""
    return sorted({(row["donor"], row["op"]) for row in store.query("SELECT donor, op FROM touched")})


def _watch(store: Store) -> None:
    """Log every insert, update and delete of a measures row (a trigger per operation)."""
    with store.transaction():
        store.execute("CREATE TABLE touched (donor TEXT, op TEXT)")
        for op, row in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD")):
            if store.dialect == "sqlite":
                store.execute(
                    f"""CREATE TRIGGER touched_{op.lower()} AFTER {op} ON measures
                        BEGIN INSERT INTO touched VALUES ({row}.donor, '{op}'); END"""
                )
            else:
                store.execute(
                    f"""CREATE FUNCTION touched_{op.lower()}() RETURNS trigger LANGUAGE plpgsql AS $$
                        BEGIN INSERT INTO touched VALUES ({row}.donor, '{op}'); RETURN NULL; END $$"""
                )
                store.execute(
                    f"""CREATE TRIGGER touched_{op.lower()} AFTER {op} ON measures
                        FOR EACH ROW EXECUTE FUNCTION touched_{op.lower()}()"""
                )


def test_an_ingest_and_a_review_rewrite_only_the_measures_of_their_groups(store: Store):
    _world(store)
    reconcile(store)
    germany = store.query("SELECT * FROM measures WHERE donor = 'DEU' ORDER BY measure_id")
    _watch(store)
    more = [[{"amount": Amount(value=2.0e8, unit="USD"), "date": "2024-02-20"}]]
    store_document(store, *sentence_document("jp2", more))
    assert reconcile_changes(store).groups == 1  # (JPN, UKR, aid)
    assert _touched(store) == [("JPN", "DELETE"), ("JPN", "INSERT"), ("JPN", "UPDATE")]
    store.execute("DELETE FROM touched")
    record = store.scalar("SELECT record_id FROM records WHERE donor = 'JPN' AND type = 'agreement'")
    review_record(store, record, action="reject", reviewer="t")
    assert reconcile_changes(store).groups == 1  # (JPN, UKR, agreement): no coverage to redo
    assert _touched(store) == [("JPN", "DELETE"), ("JPN", "INSERT")]
    assert store.query("SELECT * FROM measures WHERE donor = 'DEU' ORDER BY measure_id") == germany
    assert _stored(store) == _expected(store)


def test_a_figure_shared_with_another_donor_recomputes_that_donor_too(store: Store):
    _world(store)
    reconcile(store)
    shared = [
        [
            {"amount": Amount(value=3e8, unit="USD"), "date": "2024-02-25", "donor": donor}
            for donor in ("JPN", "DEU")
        ]
    ]
    store_document(store, *sentence_document("joint", shared))
    assert reconcile_changes(store).groups == 2
    record = store.scalar("SELECT record_id FROM records WHERE doc_id = 'joint' AND donor = 'DEU'")
    statuses = "SELECT donor, status FROM measures WHERE amount_value = 3e8 ORDER BY donor"
    assert store.query(statuses) == [
        {"donor": "DEU", "status": "collective"},
        {"donor": "JPN", "status": "collective"},
    ]
    review_record(store, record, action="correct", reviewer="t", changes={"donor": "USA"})
    assert reconcile_changes(store).groups == 3  # DEU left the sentence, USA joined, JPN shares it
    assert _stored(store) == _expected(store)


def test_several_workers_write_the_measures_of_one_process(store: Store, examples: Path):
    from aidtrace import pipeline

    pipeline.ingest([examples], store)
    _world(store)
    reconcile_all(store, workers=1)
    one = snapshot(store)
    assert len({m["donor"] for m in one["measures"]}) > 3
    store.execute("DELETE FROM measures")  # so that the second run must write everything again
    reconcile_all(store, workers=2)
    assert snapshot(store) == one
    assert reconciling.pending(store).groups == []


# --- the lock -------------------------------------------------------------------------------

SLOW_RUN = """
import sys, time
from contextlib import contextmanager
from aidtrace import reconcile, reconcile_blocks
from aidtrace.store import open_store, reconciling

url, log, how = sys.argv[1:]
pending, lock = reconciling.pending, reconciling.lock

def note(event):
    with open(log, "a") as out:
        out.write(f"{event} {time.time()}\\n")

def noted_pending(store):  # the first thing a reconciliation does once it holds the lock
    note("start")
    return pending(store)

def slow(step):  # computing, after the records were read: a window for other processes
    def run(*args, **kwargs):
        note("computing")
        time.sleep(1.5)
        return step(*args, **kwargs)
    return run

@contextmanager
def noted_lock(store):
    with lock(store):
        yield
        note("end")  # still held

reconciling.pending, reconciling.lock = noted_pending, noted_lock
reconcile.build_measures = slow(reconcile.build_measures)
reconcile_blocks.cluster_measures = slow(reconcile_blocks.cluster_measures)
with open_store(url) as store:
    reconcile.reconcile(store) if how == "full" else reconcile_blocks.reconcile_changes(store)
"""


def test_two_reconciliations_at_once_run_one_after_the_other_and_both_succeed(store: Store, tmp_path: Path):
    _world(store)  # every group pending: the incremental run has work
    log = tmp_path / "runs.log"
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", SLOW_RUN, store.url, str(log), how], stderr=subprocess.PIPE, text=True
        )
        for how in ("full", "changes", "full")
    ]
    errors = [run.communicate(timeout=120)[1] for run in runs]
    assert [run.returncode for run in runs] == [0, 0, 0], errors
    events = [line.split() for line in log.read_text().splitlines() if not line.startswith("computing")]
    assert [kind for kind, _at in events] == ["start", "end"] * 3  # never interleaved
    assert [float(at) for _kind, at in events] == sorted(float(at) for _kind, at in events)
    assert _stored(store) == _expected(store)


def test_a_write_during_a_full_reconciliation_stays_pending_for_the_next(store: Store, tmp_path: Path):
    _world(store)
    log = tmp_path / "runs.log"
    full = subprocess.Popen([sys.executable, "-c", SLOW_RUN, store.url, str(log), "full"])
    deadline = time.monotonic() + 60
    while "computing" not in (log.read_text() if log.exists() else "") and time.monotonic() < deadline:
        time.sleep(0.05)
    more = [[{"donor": "USA", "amount": Amount(value=2.0e8, unit="USD"), "date": "2024-02-20"}]]
    store_document(store, *sentence_document("usa", more))  # after the full run read the records
    assert full.wait(timeout=120) == 0
    assert reconciling.pending(store).groups == [("USA", "UKR", "aid")]
    assert store.scalar("SELECT COUNT(*) FROM measures WHERE donor = 'USA'") == 0  # read before the write
    assert reconcile_changes(store).groups == 1
    assert _stored(store) == _expected(store)
