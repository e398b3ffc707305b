"""The SQL of reconciliation by blocks: the lock, pending groups, a block's rows, and
replacing a block's measures. In: a Store. Out: rows, and measures written.

A group is (donor, recipient, type): reconciliation clusters each group on its own, so
its measures can be recomputed alone (reconcile_blocks.py says why the block is closed).
`lock` makes reconciliations of one database run one at a time, across processes:
PostgreSQL holds a session advisory lock; SQLite an exclusive `flock` on a file beside the
database (released by the OS if the process dies, so a crash never leaves it held).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aidtrace.store.db import Row, Store
from aidtrace.store.writes import ROLLUP_INSERT, insert_measures

RECONCILE_LOCK = 0x41494452  # "AIDR": the PostgreSQL advisory lock key held while reconciling
ROWS = """SELECT r.*, d.published, d.title, d.url FROM records r JOIN documents d ON d.doc_id = r.doc_id"""
Group = tuple[str, str, str]  # donor, recipient, type
_MEMORY = threading.Lock()  # an in-memory SQLite database is one connection: a lock of the process


@contextmanager
def lock(store: Store) -> Iterator[None]:
    """Wait until no other reconciliation of this database runs, and hold it off until done."""
    if store.dialect == "postgresql":
        store.execute("SELECT pg_advisory_lock(?)", (RECONCILE_LOCK,))
        try:
            yield
        finally:
            store.execute("SELECT pg_advisory_unlock(?)", (RECONCILE_LOCK,))
        return
    path = store.url.removeprefix("sqlite:///")
    if path == ":memory:":
        with _MEMORY:
            yield
        return
    import fcntl  # POSIX; the store's SQLite files live on the machine that reconciles

    with open(Path(path).with_name(Path(path).name + ".reconcile-lock"), "a") as file:
        fcntl.flock(file, fcntl.LOCK_EX)  # waits; another open file in this process waits too
        try:
            yield
        finally:
            fcntl.flock(file, fcntl.LOCK_UN)


@dataclass(frozen=True, slots=True)
class Pending:
    """The groups marked pending (writes.mark_pending) and the tokens of those marks."""

    groups: list[Group]
    tokens: list[str]


def pending(store: Store) -> Pending:
    rows = store.query("SELECT DISTINCT donor, recipient, type, token FROM reconcile_pending")
    groups = sorted({(row["donor"], row["recipient"], row["type"]) for row in rows})
    return Pending(groups=groups, tokens=sorted({row["token"] for row in rows}))


def clear_pending(store: Store, seen: Pending | None = None) -> None:
    """Unmark what a reconciliation has seen (a write that marked again since stays marked),
    or, with writes held off (`hold_writes`), everything."""
    if seen is None:
        store.execute("DELETE FROM reconcile_pending")
    else:
        store.executemany(
            "DELETE FROM reconcile_pending WHERE token = ?", [(token,) for token in seen.tokens]
        )


def hold_writes(store: Store) -> None:
    """Inside a transaction: no write of records until it ends. SQLite's BEGIN IMMEDIATE
    did it already; PostgreSQL locks the marks first, then the records: every write marks
    before it changes a record, so none waits for records while holding marks we need."""
    if store.dialect == "postgresql":
        store.execute("LOCK TABLE reconcile_pending IN EXCLUSIVE MODE")
        store.execute("LOCK TABLE records IN SHARE MODE")


def donors(store: Store) -> list[Row]:
    """Every donor with how many records it has, the largest first."""
    return store.query("SELECT donor, COUNT(*) AS n FROM records GROUP BY donor ORDER BY n DESC, donor")


def block_rows(
    store: Store, donor: str, *, recipient: str | None = None, type: str | None = None
) -> list[Row]:
    """A donor's rows (or one group's), in the order a full reconciliation reads them."""
    where, params = _where(donor, recipient, type)
    return store.query(f"{ROWS} WHERE {where} ORDER BY r.type, r.doc_id, r.position", params)


def context_rows(
    store: Store, donor: str, *, recipient: str | None = None, type: str | None = None
) -> list[Row]:
    """Other donors' records with a figure, in a sentence where the block has a record of the
    same type with a figure: what reconcile._mark_joint needs besides the block's rows."""
    where, params = _where(donor, recipient, type)
    return store.query(
        f"""SELECT DISTINCT o.* FROM records r JOIN records o
                ON o.doc_id = r.doc_id AND o.evidence_start = r.evidence_start AND o.type = r.type
            WHERE {where} AND r.amount_value IS NOT NULL AND o.amount_value IS NOT NULL AND o.donor <> r.donor""",
        params,
    )


def _where(donor: str, recipient: str | None, type: str | None) -> tuple[str, list[Any]]:
    clauses, params = ["r.donor = ?"], [donor]
    for column, value in (("recipient", recipient), ("type", type)):
        if value is not None:
            clauses.append(f"r.{column} = ?")
            params.append(value)
    return " AND ".join(clauses), params


def replace_groups(
    store: Store,
    groups: Iterable[Group],
    measures: list[Row],
    links: list[tuple[str, str]],
    conflicts: list[tuple[str, str, str, str]],
) -> None:
    """Replace the measures of some groups (with their links and conflicts), inside the
    caller's transaction; the rollup of their donors and types is rebuilt."""
    pairs = set()
    for donor, recipient, kind in groups:
        pairs.add((donor, kind))
        inside = "SELECT measure_id FROM measures WHERE donor = ? AND recipient = ? AND type = ?"
        for table in ("conflicts", "measure_records"):
            store.execute(f"DELETE FROM {table} WHERE measure_id IN ({inside})", (donor, recipient, kind))
        store.execute(
            "DELETE FROM measures WHERE donor = ? AND recipient = ? AND type = ?", (donor, recipient, kind)
        )
    insert_measures(store, measures, links, conflicts)
    for donor, kind in sorted(pairs):
        store.execute("DELETE FROM measure_rollup WHERE donor = ? AND type = ?", (donor, kind))
        store.execute(ROLLUP_INSERT.format(where="WHERE donor = ? AND type = ?"), (donor, kind))


def coverage_inputs(store: Store, donor: str) -> tuple[list[Row], list[Row]]:
    """A donor's stored aid measures that coverage compares (counted, running totals), and
    the mentions of its running totals in their stored order (with `measure_id`)."""
    measures = store.query(
        "SELECT * FROM measures WHERE donor = ? AND type = 'aid' AND status IN ('counted', 'running_total')",
        (donor,),
    )
    mentions = store.query(
        """SELECT mr.measure_id, r.*, d.published, d.title, d.url
           FROM measures m JOIN measure_records mr ON mr.measure_id = m.measure_id
               JOIN records r ON r.record_id = mr.record_id JOIN documents d ON d.doc_id = r.doc_id
           WHERE m.donor = ? AND m.type = 'aid' AND m.status = 'running_total'
           ORDER BY mr.measure_id, mr.mention_order""",
        (donor,),
    )
    return measures, mentions


def replace_coverage(store: Store, donor: str, conflicts: list[tuple[str, str, str, str]]) -> None:
    """Replace a donor's coverage conflicts and recount the conflicts of its running totals."""
    store.execute(
        """DELETE FROM conflicts WHERE field = 'coverage' AND measure_id IN (
               SELECT measure_id FROM measures WHERE donor = ? AND type = 'aid')""",
        (donor,),
    )
    store.executemany(
        "INSERT INTO conflicts (conflict_id, measure_id, field, details) VALUES (?, ?, ?, ?)", conflicts
    )
    count = "(SELECT COUNT(*) FROM conflicts c WHERE c.measure_id = measures.measure_id)"
    store.execute(
        f"""UPDATE measures SET conflicts = {count}
            WHERE donor = ? AND type = 'aid' AND status = 'running_total' AND conflicts <> {count}""",
        (donor,),
    )
