"""Review decisions: accept, reject or correct a stored record, with an audit trail.

The decision is kept in `reviews` under the record's key (writes.record_keys), so that
re-extraction applies it again; the records row is updated in the same transaction, and
`review_log` gets one row per decision with the record before and after it. Measures are
not touched here: the groups of the record's sentence are marked pending, and the caller
reconciles them afterwards (rejected records leave the counted measures).
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from aidtrace.errors import InvalidRequest, NotFound
from aidtrace.model import Record
from aidtrace.queries import contract_record
from aidtrace.review import ACTIONS, apply_changes, changed_fields, flat
from aidtrace.store.db import Row, Store
from aidtrace.store.writes import RECORD_COLUMNS, mark_pending, record_keys, record_row


def review_record(
    store: Store,
    record_id: str,
    *,
    action: str,
    reviewer: str,
    changes: dict[str, Any] | None = None,
    note: str | None = None,
) -> Row:
    """Apply one decision; returns {record_id, status, before, after}. See the module docstring."""
    if action not in ACTIONS:
        raise InvalidRequest(f"action {action!r} is not one of: {', '.join(ACTIONS)}")
    reviewer = (reviewer or "").strip()
    if not reviewer or len(reviewer) > 100:
        raise InvalidRequest("a review needs the reviewer's name (1 to 100 characters)")
    if note is not None and len(note) > 2000:
        raise InvalidRequest("the note is longer than 2,000 characters")
    with store.transaction():
        row = _record_row(store, record_id)
        current = Record.from_dict(contract_record(row))
        extracted = Record.from_dict(json.loads(row["extracted"])) if row["extracted"] else current
        key = row["record_key"] or record_keys([extracted])[0]
        total = _previous_changes(store, key)
        if action == "correct":
            diff = changed_fields(current, changes or {})
            if not diff:
                raise InvalidRequest("the correction changes nothing; edit at least one field")
            total.update(diff)
            base = flat(extracted)
            total = {name: value for name, value in total.items() if base.get(name) != value}
        apply_changes(extracted, total)  # raises InvalidRequest on an inconsistent result
        status = "rejected" if action == "reject" else ("corrected" if total else "accepted")
        review = {"status": status, "changes": json.dumps(total, sort_keys=True)}
        values = record_row(
            extracted,
            key=key,
            position=row["position"],
            published=row["published"],
            run_id=row["run_id"],
            review=review,
        )
        columns = RECORD_COLUMNS[1:]  # every column but record_id, which never changes
        mark_pending(store, row["doc_id"], sentence=row["evidence_start"])  # the groups it leaves ...
        store.execute(
            f"UPDATE records SET {', '.join(f'{c} = ?' for c in columns)} WHERE record_id = ?",
            (*values[1:], record_id),
        )
        mark_pending(store, row["doc_id"], sentence=row["evidence_start"])  # ... and joins
        now = datetime.now(UTC).isoformat(timespec="microseconds")  # decisions seconds apart keep their order
        store.execute(
            """INSERT INTO reviews (record_key, doc_id, status, changes, reviewer, at, note)
               VALUES (?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT (record_key) DO UPDATE SET status = excluded.status, changes = excluded.changes,
                   reviewer = excluded.reviewer, at = excluded.at, note = excluded.note""",
            (key, row["doc_id"], status, review["changes"], reviewer, now, note),
        )
        after = contract_record(_record_row(store, record_id))
        before = contract_record(row)
        log_id = (
            "l" + hashlib.sha256(json.dumps([key, now, action, reviewer, after]).encode()).hexdigest()[:20]
        )
        store.execute(
            """INSERT INTO review_log (log_id, record_key, record_id, doc_id, action, reviewer, at, before_json,
                   after_json, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT (log_id) DO NOTHING""",
            (
                log_id,
                key,
                record_id,
                row["doc_id"],
                action,
                reviewer,
                now,
                json.dumps(before, sort_keys=True),
                json.dumps(after, sort_keys=True),
                note,
            ),
        )
    return {"record_id": record_id, "status": status, "before": before, "after": after}


def _record_row(store: Store, record_id: str) -> Row:
    rows = store.query(
        """SELECT r.*, d.published FROM records r JOIN documents d ON d.doc_id = r.doc_id
           WHERE r.record_id = ?""",
        (record_id,),
    )
    if not rows:
        raise NotFound(f"no record {record_id!r}; record ids are listed by GET /api/records")
    return rows[0]


def _previous_changes(store: Store, key: str) -> dict[str, Any]:
    rows = store.query("SELECT changes FROM reviews WHERE record_key = ?", (key,))
    return dict(json.loads(rows[0]["changes"])) if rows else {}


def review_log(store: Store, *, record_id: str | None = None, limit: int = 100, offset: int = 0) -> list[Row]:
    """Decisions, newest first: for one record (by its key, so earlier extractions count) or all."""
    params: list[Any] = []
    where = ""
    if record_id is not None:
        row = _record_row(store, record_id)
        where = " WHERE record_key = ? OR record_id = ?"
        params += [row["record_key"], record_id]
    rows = store.query(
        f"""SELECT log_id, record_key, record_id, doc_id, action, reviewer, at, before_json, after_json, note
            FROM review_log{where} ORDER BY at DESC, log_id DESC LIMIT ? OFFSET ?""",
        [*params, limit, offset],
    )
    for entry in rows:
        entry["before"] = json.loads(entry.pop("before_json"))
        entry["after"] = json.loads(entry.pop("after_json"))
    return rows
