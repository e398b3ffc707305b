"""Read queries only the web needs: the database's state for every page, the donors present
for the picker, each measure's first source, and totals of a filtered view.

In: a Store and filters already checked (web/api.measure_filters, aidtrace.params). Out: plain dicts. Every value is a
bound parameter; ORDER BY clauses come from the fixed table queries.SORTS.
"""

from __future__ import annotations

from typing import Any

from aidtrace.queries import measure_where
from aidtrace.store import Store

Row = dict[str, Any]

EMPTY_HINT = "no documents yet: run `aidtrace ingest PATH` or `aidtrace demo`"


def database_state(store: Store) -> Row:
    """How many documents the database holds and when the last one was stored."""
    row = store.query("SELECT COUNT(*) AS documents, MAX(updated_at) AS last_updated FROM documents")[0]
    return {"documents": int(row["documents"] or 0), "last_updated": row["last_updated"]}


def donors_present(store: Store) -> list[Row]:
    """Every donor with a measure (not rejected), by code, with how many it has."""
    return store.query(
        """SELECT donor, COUNT(*) AS measures FROM measures WHERE status <> 'rejected'
           GROUP BY donor ORDER BY donor"""
    )


def first_sources(store: Store, ids: list[str]) -> dict[str, Row]:
    """Measure id -> the document that reported it first (earliest published, then by id):
    {doc_id, title, url, published}."""
    found: dict[str, Row] = {}
    for chunk in _chunks(ids):
        for row in store.query(
            f"""SELECT mr.measure_id, d.doc_id, d.title, d.url, d.published
                FROM measure_records mr JOIN records r ON r.record_id = mr.record_id
                JOIN documents d ON d.doc_id = r.doc_id
                WHERE mr.measure_id IN ({", ".join("?" * len(chunk))})
                ORDER BY d.published, d.doc_id, r.position""",
            chunk,
        ):
            found.setdefault(row.pop("measure_id"), row)
    return found


def _chunks(ids: list[str], size: int = 500) -> list[list[str]]:
    return [ids[start : start + size] for start in range(0, len(ids), size)]


def _where(store: Store, filters: Row) -> tuple[str, list[Any]]:
    """The WHERE clause of queries.measures for these filters (search included)."""
    return measure_where(store, **{k: v for k, v in filters.items() if k != "sort"})


def view_summary(store: Store, filters: Row) -> Row:
    """The current view in numbers: measures matching, and the sum of the counted ones of
    one type (aid unless a type is chosen: the value of frozen assets is not support given),
    in USD and EUR; running totals, parts and collective figures are never added."""
    where, params = _where(store, filters)
    summed = filters.get("type") or "aid"
    counted = "status = 'counted' AND type = ?"
    row = store.query(
        f"""SELECT COUNT(*) AS measures,
                   SUM(CASE WHEN {counted} THEN 1 ELSE 0 END) AS counted,
                   SUM(CASE WHEN {counted} AND value_usd IS NOT NULL THEN 1 ELSE 0 END) AS priced,
                   SUM(CASE WHEN {counted} THEN value_usd END) AS total_usd,
                   SUM(CASE WHEN {counted} THEN value_eur END) AS total_eur
            FROM measures{where}""",
        [summed] * 4 + params,
    )[0]
    return {
        "measures": int(row["measures"] or 0),
        "summed_type": summed,
        "counted": int(row["counted"] or 0),
        "priced": int(row["priced"] or 0),
        "total_usd": row["total_usd"],
        "total_eur": row["total_eur"],
    }
