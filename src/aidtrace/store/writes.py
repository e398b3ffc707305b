"""Writes to the store: runs, documents, records, failures, measures. All SQL for writing
lives here; every function runs inside the caller's transaction or opens its own.

Validation at the door: a figure that cannot be an amount (not finite, over 10^15; see
money.plausible_amounts) is stored as unknown, whatever produced the record (the pipeline,
a batch partition), so reconciliation and JSON output never meet Infinity or NaN. A
document whose text changes loses its old records in the same transaction, so a process
killed before its new records are written never leaves records pointing at offsets of the
old text.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from aidtrace.errors import InvalidRequest
from aidtrace.model import Document, Failure, Record
from aidtrace.money import convert, date_for_rate, plausible_amounts
from aidtrace.review import apply_changes
from aidtrace.store.db import Row, Store


def content_hash(doc: Document) -> str:
    """A hash of the text as read and its metadata: a change in either is a changed document."""
    meta = json.dumps([doc.title, doc.publisher, doc.url, doc.published, doc.format], sort_keys=True)
    return hashlib.sha256((doc.text + "\x00" + meta).encode("utf-8")).hexdigest()


def record_id(record: Record, position: int) -> str:
    amount = (record.amount.value, record.amount.unit) if record.amount else None
    key = json.dumps(
        [
            record.doc_id,
            position,
            record.type,
            record.donor,
            record.recipient,
            record.subtype,
            record.evidence.start,
            record.evidence.end,
            amount,
        ]
    )
    return "r" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:20]


def record_keys(records: Sequence[Record]) -> list[str]:
    """The key each record's review is kept under: what the record says and where, without
    its position or attributes a reviewer corrects, so that it survives re-extraction. A
    sentence that yields two identical records gives them keys "k..." and "k...-2"."""
    keys, seen = [], Counter[str]()
    for record in records:
        amount = (record.amount.value, record.amount.unit) if record.amount else None
        base = json.dumps(
            [record.doc_id, record.type, record.donor, record.recipient, record.evidence.text, amount]
        )
        key = "k" + hashlib.sha256(base.encode("utf-8")).hexdigest()[:20]
        seen[key] += 1
        keys.append(key if seen[key] == 1 else f"{key}-{seen[key]}")
    return keys


def start_run(
    store: Store, *, run_id: str, command: str, extractor: str, version: str, settings: dict[str, Any]
) -> None:
    with store.transaction():
        store.execute(
            "INSERT INTO runs (run_id, started_at, command, extractor, version, settings) VALUES (?, ?, ?, ?, ?, ?)",
            (
                run_id,
                store.now(),
                command,
                extractor,
                version,
                json.dumps(settings, sort_keys=True, allow_nan=False),
            ),
        )


def finish_run(store: Store, run_id: str, *, documents: int, failed: int, records: int) -> None:
    with store.transaction():
        store.execute(
            "UPDATE runs SET finished_at = ?, documents = ?, failed = ?, records = ? WHERE run_id = ?",
            (store.now(), documents, failed, records, run_id),
        )


def document_state(store: Store, doc_id: str) -> Row | None:
    rows = store.query("SELECT content_hash, status, extractor FROM documents WHERE doc_id = ?", (doc_id,))
    return rows[0] if rows else None


def is_current(store: Store, doc: Document, *, digest: str, extractor: str) -> bool:
    """Whether `doc` is stored with this text and metadata (`digest`) and was extracted by
    `extractor` ("name version"): then there is nothing to redo."""
    state = document_state(store, doc.doc_id)
    if state is None:
        return False
    return (state["content_hash"], state["status"], state["extractor"]) == (digest, "extracted", extractor)


def save_document(store: Store, doc: Document, *, digest: str, run_id: str) -> None:
    """Store the text as read before any processing (status 'stored'); records of a different
    earlier text go in the same transaction (see the module docstring)."""
    with store.transaction():
        if store.scalar(
            "SELECT 1 FROM documents WHERE doc_id = ? AND content_hash <> ?", (doc.doc_id, digest)
        ):
            mark_pending(store, doc.doc_id)  # its records go: their measures must be recomputed
            store.execute("DELETE FROM records WHERE doc_id = ?", (doc.doc_id,))
        store.execute(
            """INSERT INTO documents (doc_id, content_hash, text, title, publisher, url, published, source,
                   format, status, extractor, run_id, updated_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'stored', NULL, ?, ?)
               ON CONFLICT (doc_id) DO UPDATE SET content_hash = excluded.content_hash, text = excluded.text,
                   title = excluded.title, publisher = excluded.publisher, url = excluded.url,
                   published = excluded.published, source = excluded.source, format = excluded.format,
                   status = 'stored', extractor = NULL, run_id = excluded.run_id, updated_at = excluded.updated_at""",
            (
                doc.doc_id,
                digest,
                doc.text,
                doc.title,
                doc.publisher,
                doc.url,
                doc.published,
                doc.source,
                doc.format,
                run_id,
                store.now(),
            ),
        )


def replace_records(
    store: Store, doc: Document, records: Sequence[Record], *, run_id: str, extractor: str
) -> None:
    """Replace a document's records atomically and mark it extracted. Reviews kept for the
    document are applied again: a record a reviewer corrected or rejected stays so."""
    with store.transaction():
        reviews = {
            row["record_key"]: row
            for row in store.query(
                "SELECT record_key, status, changes FROM reviews WHERE doc_id = ?", (doc.doc_id,)
            )
        }
        rows = [
            record_row(
                record,
                key=key,
                position=position,
                published=doc.published,
                run_id=run_id,
                review=reviews.get(key),
            )
            for position, (record, key) in enumerate(zip(records, record_keys(records), strict=True))
        ]
        mark_pending(store, doc.doc_id)  # the groups of the records replaced ...
        store.execute("DELETE FROM records WHERE doc_id = ?", (doc.doc_id,))
        store.executemany(
            f"INSERT INTO records ({', '.join(RECORD_COLUMNS)}) VALUES ({', '.join('?' * len(RECORD_COLUMNS))})",
            rows,
        )
        mark_pending(store, doc.doc_id)  # ... and of their replacements
        store.execute(
            "UPDATE documents SET status = 'extracted', extractor = ?, run_id = ?, updated_at = ? WHERE doc_id = ?",
            (extractor, run_id, store.now(), doc.doc_id),
        )


def mark_pending(store: Store, doc_id: str, *, sentence: int | None = None) -> None:
    """Mark the reconciliation groups (donor, recipient, type) of a document's records, or of
    one sentence's (`sentence`: its evidence_start), as pending: their measures are recomputed
    by the next reconciliation (reconcile_blocks.py). Called before and after a change, in
    its transaction, so both the groups a record leaves and those it joins are marked."""
    params: tuple[Any, ...] = (uuid.uuid4().hex, doc_id)
    where = "doc_id = ?"
    if sentence is not None:
        where, params = where + " AND evidence_start = ?", (*params, sentence)
    store.execute(
        f"""INSERT INTO reconcile_pending (donor, recipient, type, token)
            SELECT DISTINCT donor, recipient, type, ? FROM records WHERE {where}""",
        params,
    )


def mark_failed(store: Store, doc_id: str) -> None:
    with store.transaction():
        store.execute(
            "UPDATE documents SET status = 'failed', updated_at = ? WHERE doc_id = ?", (store.now(), doc_id)
        )


def save_failure(store: Store, run_id: str, failure: Failure) -> None:
    key = json.dumps([run_id, failure.source, failure.error, failure.message])
    with store.transaction():
        store.execute(
            """INSERT INTO failures (failure_id, run_id, source, doc_id, error, message, at) VALUES (?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT (failure_id) DO NOTHING""",
            (
                "f" + hashlib.sha256(key.encode()).hexdigest()[:20],
                run_id,
                failure.source,
                failure.doc_id,
                failure.error,
                failure.message,
                store.now(),
            ),
        )


RECORD_COLUMNS = (
    "record_id",
    "doc_id",
    "run_id",
    "type",
    "donor",
    "recipient",
    "category",
    "subtype",
    "stage",
    "aggregate",
    "amount_value",
    "amount_unit",
    "amount_approx",
    "date",
    "period_start",
    "period_end",
    "channel",
    "items",
    "gdp_share",
    "evidence_start",
    "evidence_end",
    "evidence_text",
    "value_usd",
    "value_eur",
    "fx_date",
    "fx_usd",
    "fx_eur",
    "fx_source",
    "fx_note",
    "position",
    "record_key",
    "review_status",
    "extracted",
    "part_of_value",
    "part_of_unit",
)


def record_row(
    extracted: Record,
    *,
    key: str,
    position: int,
    published: str | None,
    run_id: str | None,
    review: Row | None = None,
) -> tuple[Any, ...]:
    """The records row of an extracted record, with its review (if any) applied. The row id
    stays that of the extracted record, so a correction does not change it."""
    extracted = plausible_amounts(extracted)
    record, status = extracted, None
    if review:
        try:
            record = apply_changes(extracted, json.loads(review["changes"]))
            status = review["status"]
        except InvalidRequest:
            pass  # the extractor now says something the correction no longer fits: back to the queue
    record = plausible_amounts(record)
    original = (
        json.dumps(extracted.to_dict(), sort_keys=True, allow_nan=False) if record != extracted else None
    )
    return (
        *_values(record, record_id(extracted, position), position, published, run_id),
        key,
        status,
        original,
        record.part_of.value if record.part_of else None,
        record.part_of.unit if record.part_of else None,
    )


def _values(
    record: Record, rid: str, position: int, published: str | None, run_id: str | None
) -> tuple[Any, ...]:
    amount = record.amount
    fallback = record.period[1] if record.period else published
    day, how = date_for_rate(record.date, fallback)
    money = convert(amount, day, how=how) if amount and amount.is_money else None
    return (
        rid,
        record.doc_id,
        run_id,
        record.type,
        record.donor,
        record.recipient,
        record.category,
        record.subtype,
        record.stage,
        int(record.aggregate),
        amount.value if amount else None,
        amount.unit if amount else None,
        int(amount.approx) if amount else None,
        record.date,
        record.period[0] if record.period else None,
        record.period[1] if record.period else None,
        record.channel,
        json.dumps(list(record.items), allow_nan=False),
        record.gdp_share,
        record.evidence.start,
        record.evidence.end,
        record.evidence.text,
        money.value_usd if money else None,
        money.value_eur if money else None,
        money.fx_date if money else None,
        money.fx_usd if money else None,
        money.fx_eur if money else None,
        money.source if money else None,
        money.note if money else None,
        position,
    )


MEASURE_COLUMNS = (
    "measure_id",
    "type",
    "donor",
    "recipient",
    "category",
    "subtype",
    "stage",
    "aggregate",
    "amount_value",
    "amount_unit",
    "amount_approx",
    "value_usd",
    "value_eur",
    "date",
    "period_start",
    "period_end",
    "channel",
    "year",
    "mentions",
    "conflicts",
    "provenance",
    "sort_date",
    "status",
    "part_of_measure",
    "agreement",
    "placed_on",
    "placed_by",
    "delivered_on",
)


def replace_measures(
    store: Store,
    measures: Iterable[dict[str, Any]],
    links: Iterable[tuple[str, str]],
    conflicts: Iterable[tuple[str, str, str, str]],
    failures: Sequence[Failure] = (),
) -> None:
    """Replace every measure, its links to records and its conflicts, in one transaction;
    records reconciliation could not place are kept as failures of a run 'reconcile-...'.
    Links to records an ingest replaced meanwhile are left out (see `insert_measures`)."""
    with store.transaction():
        save_reconcile_failures(store, failures)
        store.execute("DELETE FROM conflicts")
        store.execute("DELETE FROM measure_records")
        store.execute("DELETE FROM measures")
        insert_measures(store, measures, links, conflicts)
        store.execute("DELETE FROM measure_rollup")
        store.execute(ROLLUP_INSERT.format(where=""))
    if store.dialect == "postgresql":
        # fresh statistics after rewriting every measure, so the planner uses the indexes
        # (without them a page of measures at offset 5,000 took 224 ms instead of 9)
        store.execute("ANALYZE measures")
        store.execute("ANALYZE measure_records")


def save_reconcile_failures(store: Store, failures: Sequence[Failure]) -> None:
    if failures:
        run_id = "reconcile-" + store.now()
        for failure in failures:
            save_failure(store, run_id, failure)


def insert_measures(
    store: Store,
    measures: Iterable[dict[str, Any]],
    links: Iterable[tuple[str, str]],
    conflicts: Iterable[tuple[str, str, str, str]],
) -> None:
    """Insert measures, their links (numbered in the order given: the order of each
    measure's mentions) and conflicts, inside the caller's transaction."""
    store.executemany(
        f"INSERT INTO measures ({', '.join(MEASURE_COLUMNS)}) VALUES ({', '.join('?' * len(MEASURE_COLUMNS))})",
        [tuple(m[c] for c in MEASURE_COLUMNS) for m in measures],
    )
    if store.dialect == "postgresql":
        # records cannot change under us until commit (an ingest's replace waits)
        store.execute("LOCK TABLE records IN SHARE MODE")
    order = Counter[str]()
    numbered = []
    for measure_id, record_id in links:
        numbered.append((measure_id, record_id, order[measure_id], record_id))
        order[measure_id] += 1
    # a record replaced by an ingest since reconciliation read it is no longer there: its
    # link is dropped (its group is pending again, so the next reconciliation places the
    # new one), not a foreign-key error
    store.executemany(
        """INSERT INTO measure_records (measure_id, record_id, mention_order)
           SELECT ?, ?, ? WHERE EXISTS (SELECT 1 FROM records WHERE record_id = ?)""",
        numbered,
    )
    store.executemany(
        "INSERT INTO conflicts (conflict_id, measure_id, field, details) VALUES (?, ?, ?, ?)",
        list(conflicts),
    )


# the rollup of measures, for every measure or ({where}) some donors' and types'
ROLLUP_INSERT = """INSERT INTO measure_rollup (donor, type, category, stage, year, aggregate, status,
        placed_year, measures, value_usd, value_eur, priced)
    SELECT donor, type, category, stage, year, aggregate, status, placed_year, COUNT(*),
        SUM(value_usd), SUM(value_eur), COUNT(value_usd)
    FROM (SELECT m.*, CAST(SUBSTR(placed_on, 1, 4) AS INTEGER) AS placed_year FROM measures m {where}) placed
    GROUP BY donor, type, category, stage, year, aggregate, status, placed_year"""
