"""Read-side queries shared by the CLI, the exports and (later) the API and dashboard.

In: a Store and filters. Out: plain dicts ready to format. No SQL outside store/ and here;
every value a user gives is a bound parameter, never interpolated.
"""

from __future__ import annotations

import json
from typing import Any

from aidtrace.errors import InvalidRequest, NotFound
from aidtrace.model import CATEGORIES, RECORD_TYPES, STAGES
from aidtrace.money import share_of_gdp, to_constant
from aidtrace.store import Store

Row = dict[str, Any]
GROUPS = ("donor", "type", "category", "stage", "year")


NOT_REJECTED = "(r.review_status IS NULL OR r.review_status <> 'rejected')"
REVIEW_FILTERS = ("unreviewed", "accepted", "corrected", "rejected")


def record_dicts(
    store: Store,
    *,
    doc_id: str | None = None,
    donor: str | None = None,
    type: str | None = None,
    review: str | None = None,
    rejected: bool = False,
    limit: int | None = None,
    offset: int = 0,
) -> list[Row]:
    """Records in the contract's shape, plus measure_id, converted values and review status,
    with reviewers' corrections applied. Rejected records only when asked for (`rejected`,
    or `review="rejected"`)."""
    clauses: list[str] = []
    params: list[Any] = []
    if doc_id is not None:
        clauses.append("r.doc_id = ?")
        params.append(doc_id)
    if donor:
        clauses.append("r.donor = ?")
        params.append(donor.upper())
    if type:
        _check("type", type, RECORD_TYPES)
        clauses.append("r.type = ?")
        params.append(type)
    if review:
        _check("review", review, REVIEW_FILTERS)
        clauses.append("r.review_status IS NULL" if review == "unreviewed" else "r.review_status = ?")
        params += [] if review == "unreviewed" else [review]
    elif not rejected:
        clauses.append(NOT_REJECTED)
    sql = """SELECT r.*, mr.measure_id FROM records r
             LEFT JOIN measure_records mr ON mr.record_id = r.record_id"""
    if clauses:
        sql += " WHERE " + " AND ".join(clauses)
    sql += " ORDER BY r.doc_id, r.position"
    if limit is not None:
        sql += " LIMIT ? OFFSET ?"
        params += [limit, offset]
    return [contract_record(row) for row in store.query(sql, params)]


def record(store: Store, record_id: str) -> Row:
    """One record (rejected ones too) with its document's metadata and its extracted form."""
    rows = store.query(
        """SELECT r.*, mr.measure_id, d.title, d.publisher, d.url, d.published FROM records r
           JOIN documents d ON d.doc_id = r.doc_id
           LEFT JOIN measure_records mr ON mr.record_id = r.record_id WHERE r.record_id = ?""",
        (record_id,),
    )
    if not rows:
        raise NotFound(f"no record {record_id!r}; list records with GET /api/records")
    row = rows[0]
    found = contract_record(row)
    found["extracted"] = json.loads(row["extracted"]) if row["extracted"] else None
    found["document"] = {k: row[k] for k in ("title", "publisher", "url", "published")}
    return found


def contract_record(row: Row) -> Row:
    """A records row as the contract's JSON object (+ measure_id, record_id, money)."""
    return {
        "doc_id": row["doc_id"],
        "type": row["type"],
        "donor": row["donor"],
        "recipient": row["recipient"],
        "category": row["category"],
        "subtype": row["subtype"],
        "stage": row["stage"],
        "aggregate": bool(row["aggregate"]),
        "amount": None
        if row["amount_value"] is None
        else {"value": row["amount_value"], "unit": row["amount_unit"], "approx": bool(row["amount_approx"])},
        "date": row["date"],
        "period": [row["period_start"], row["period_end"]] if row["period_start"] else None,
        "channel": row["channel"],
        "items": json.loads(row["items"]),
        "evidence": {
            "start": row["evidence_start"],
            "end": row["evidence_end"],
            "text": row["evidence_text"],
        },
        "gdp_share": row["gdp_share"],
        "record_id": row["record_id"],
        "measure_id": row.get("measure_id"),
        "review_status": row.get("review_status"),
        "value_usd": row["value_usd"],
        "value_eur": row["value_eur"],
        "fx": {
            "date": row["fx_date"],
            "usd": row["fx_usd"],
            "eur": row["fx_eur"],
            "source": row["fx_source"],
            "note": row["fx_note"],
        },
    }


def measures(
    store: Store,
    *,
    donor: str | None = None,
    type: str | None = None,
    category: str | None = None,
    since: str | None = None,
    until: str | None = None,
    aggregate: bool | None = False,
    stage: str | None = None,
    q: str | None = None,
    sort: str = "-date",
    limit: int | None = None,
    offset: int = 0,
) -> list[Row]:
    """Measures matching the filters, newest first unless `sort` says otherwise (one of
    SORTS); `aggregate=None` includes running totals; `q` finds words in any mention's
    sentence (case-insensitive substring, % and _ taken literally)."""
    where, params = _filters(
        donor=donor, type=type, category=category, since=since, until=until, aggregate=aggregate, stage=stage
    )
    if q:
        where += f""" {"AND" if where else "WHERE"} EXISTS (
            SELECT 1 FROM measure_records mr JOIN records r ON r.record_id = mr.record_id
            WHERE mr.measure_id = measures.measure_id AND LOWER(r.evidence_text) LIKE ? ESCAPE '!')"""
        params.append("%" + _like(q.lower()) + "%")
    if sort not in SORTS:
        raise InvalidRequest(f"sort {sort!r} is not one of: {', '.join(SORTS)}")
    sql = f"SELECT * FROM measures{where} ORDER BY {SORTS[sort]}"
    if limit is not None:
        sql += " LIMIT ? OFFSET ?"
        params += [limit, offset]
    return [typed(row) for row in store.query(sql, params)]


def typed(row: Row) -> Row:
    """A row with SQL's 0/1 flags as booleans and provenance parsed, as every reader wants it."""
    for flag in ("aggregate", "amount_approx"):
        if row.get(flag) is not None:
            row[flag] = bool(row[flag])
    if isinstance(row.get("provenance"), str):
        row["provenance"] = json.loads(row["provenance"])
    return row


SORTS = {  # the only ORDER BY clauses a request can choose; the key is what users send
    "-date": "sort_date DESC, measure_id DESC",
    "date": "sort_date, measure_id",
    "-amount": "COALESCE(value_usd, -1) DESC, measure_id",
    "amount": "COALESCE(value_usd, -1), measure_id",
    "donor": "donor, sort_date DESC, measure_id",
    "-mentions": "mentions DESC, sort_date DESC, measure_id",
}


def _like(text: str) -> str:
    return text.replace("!", "!!").replace("%", "!%").replace("_", "!_")


def _filters(**given: Any) -> tuple[str, list[Any]]:
    clauses, params = [], []
    if given.get("donor"):
        clauses.append("donor = ?")
        params.append(given["donor"].upper())
    if given.get("type"):
        _check("type", given["type"], RECORD_TYPES)
        clauses.append("type = ?")
        params.append(given["type"])
    if given.get("category"):
        _check("category", given["category"], CATEGORIES)
        clauses.append("category = ?")
        params.append(given["category"])
    if given.get("stage"):
        _check("stage", given["stage"], STAGES)
        clauses.append("stage = ?")
        params.append(given["stage"])
    if given.get("since"):
        clauses.append("sort_date >= ?")
        params.append(given["since"])
    if given.get("until"):
        clauses.append("sort_date <= ?")
        params.append(given["until"] + "~")  # "2024" includes "2024-12-31"
    if given.get("aggregate") is not None:
        clauses.append("aggregate = ?")
        params.append(int(given["aggregate"]))
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), params


def _check(name: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise InvalidRequest(f"{name} {value!r} is not one of: {', '.join(allowed)}")


def measure(store: Store, measure_id: str) -> Row:
    """One measure with every mention (sentence and source) and its conflicts."""
    rows = store.query("SELECT * FROM measures WHERE measure_id = ?", (measure_id,))
    if not rows:
        raise NotFound(f"no measure {measure_id!r}; list them with 'aidtrace measures'")
    found = typed(rows[0])
    found["mentions"] = [
        typed(mention)
        for mention in store.query(
            """SELECT r.record_id, r.doc_id, r.date, r.amount_value, r.amount_unit, r.amount_approx, r.stage,
                  r.evidence_start, r.evidence_end, r.evidence_text, d.title, d.publisher, d.url, d.published
           FROM measure_records mr JOIN records r ON r.record_id = mr.record_id
           JOIN documents d ON d.doc_id = r.doc_id
           WHERE mr.measure_id = ? ORDER BY d.published, r.doc_id, r.position""",
            (measure_id,),
        )
    ]
    found["conflicts"] = [
        {"field": c["field"], "values": json.loads(c["details"])}
        for c in store.query("SELECT field, details FROM conflicts WHERE measure_id = ?", (measure_id,))
    ]
    return found


def conflicts(
    store: Store, *, donor: str | None = None, limit: int | None = None, offset: int = 0
) -> list[Row]:
    sql = "SELECT c.field, c.details, m.* FROM conflicts c JOIN measures m ON m.measure_id = c.measure_id"
    params: list[Any] = []
    if donor:
        sql += " WHERE m.donor = ?"
        params.append(donor.upper())
    sql += " ORDER BY m.donor, m.date, c.conflict_id"
    if limit is not None:
        sql += " LIMIT ? OFFSET ?"
        params += [limit, offset]
    rows = [typed(row) for row in store.query(sql, params)]
    for row in rows:
        row["values"] = json.loads(row.pop("details"))
    return rows


def totals(
    store: Store,
    *,
    by: tuple[str, ...] = ("donor",),
    currency: str = "USD",
    constant: int | None = None,
    donor: str | None = None,
    type: str | None = None,
    reported_limit: int = 100,
) -> dict[str, list[Row]]:
    """Sums of single measures (never running totals) grouped by `by`, and beside them the
    running totals reported (the latest `reported_limit`, by donor) — never added in."""
    for key in by:
        _check("group", key, GROUPS)
    if currency not in ("USD", "EUR"):
        raise InvalidRequest(f"currency {currency!r}: choose USD or EUR")
    if constant is not None and currency != "USD":
        raise InvalidRequest("constant prices use the US GDP deflator: ask for them in USD")
    column = "value_usd" if currency == "USD" else "value_eur"
    keys = ", ".join(by)
    # money totals are support given: aid unless another type is asked for (the value of
    # frozen assets is not support, and adding it to aid would mislead)
    where, params = _filters(donor=donor, type=type or "aid", aggregate=False)
    priced = f"{where} {'AND' if where else 'WHERE'} {column} IS NOT NULL"
    # read from the rollup reconcile keeps, not from every measure: fast at millions of rows
    if constant is None:
        summed = store.query(
            f"""SELECT {keys}, SUM({column}) AS total, SUM(priced) AS measures FROM measure_rollup{priced}
                GROUP BY {keys} ORDER BY total DESC""",
            params,
        )
    else:
        summed = _constant_totals(store, by, priced, params, constant)
    if "donor" in by and currency == "USD" and constant is None:
        for row in summed:
            share = share_of_gdp(row["total"], row["donor"])
            row["percent_of_gdp_2021"] = round(share, 4) if share is not None else None
    reported_where, reported_params = _filters(donor=donor, type=type or "aid", aggregate=True)
    reported = store.query(
        f"""SELECT measure_id, donor, type, category, amount_value, amount_unit, amount_approx, {column} AS value,
                   period_start, period_end, mentions FROM measures{reported_where}
            ORDER BY donor, period_end DESC LIMIT ?""",
        [*reported_params, reported_limit],
    )
    return {"totals": summed, "reported": [typed(row) for row in reported]}


def by_type(store: Store, *, donor: str | None = None) -> list[Row]:
    """Single measures of every type, counted, with the money each type carries (reported
    figures in USD; for sanctions that is the value affected, not support given)."""
    where, params = _filters(donor=donor, aggregate=False)
    return store.query(
        f"""SELECT type, SUM(measures) AS measures, SUM(value_usd) AS total, SUM(priced) AS priced
            FROM measure_rollup{where} GROUP BY type ORDER BY SUM(measures) DESC""",
        params,
    )


def _constant_totals(
    store: Store, by: tuple[str, ...], where: str, params: list[Any], base_year: int
) -> list[Row]:
    """Sums in prices of `base_year`: each year's USD deflated with the US GDP deflator."""
    keys = ", ".join(by)
    rows = store.query(
        f"SELECT {keys}, year, SUM(value_usd) AS value, SUM(priced) AS n FROM measure_rollup{where} GROUP BY {keys}, year",
        params,
    )
    grouped: dict[tuple[Any, ...], Row] = {}
    for row in rows:
        key = tuple(row[k] for k in by)
        entry = grouped.setdefault(
            key, {**{k: row[k] for k in by}, "total": 0.0, "measures": 0, "undeflated": 0}
        )
        deflated = to_constant(row["value"], row["year"], base_year) if row["year"] else None
        if deflated is None:
            entry["undeflated"] += row["n"]  # no year or no index: left out, and counted
            continue
        entry["total"] += deflated
        entry["measures"] += row["n"]
    return sorted(grouped.values(), key=lambda r: -r["total"])


def timeline(store: Store, *, donor: str, latest: int | None = None) -> list[Row]:
    """Every measure of a donor in date order (or its `latest` ones), running totals included
    and marked."""
    sql = """SELECT measure_id, sort_date AS when_, type, category, subtype, stage, aggregate,
                    amount_value, amount_unit, amount_approx, value_usd, value_eur, mentions, conflicts
             FROM measures WHERE donor = ?"""
    if latest is None:
        rows = store.query(sql + " ORDER BY sort_date, measure_id", (donor.upper(),))
    else:
        newest = sql + " ORDER BY sort_date DESC, measure_id DESC LIMIT ?"
        rows = store.query(newest, (donor.upper(), latest))[::-1]
    return [typed(row) for row in rows]


def count_measures(store: Store, *, donor: str) -> int:
    return int(store.scalar("SELECT COUNT(*) FROM measures WHERE donor = ?", (donor.upper(),)) or 0)


def documents(store: Store, *, limit: int = 50, offset: int = 0, q: str | None = None) -> list[Row]:
    """Documents (without their text), newest first, with how many records each gave."""
    where, params = "", []
    if q:
        where = " WHERE LOWER(COALESCE(d.title, d.doc_id)) LIKE ? ESCAPE '!'"
        params.append("%" + _like(q.lower()) + "%")
    return store.query(
        f"""SELECT d.doc_id, d.title, d.publisher, d.url, d.published, d.format, d.status, d.updated_at,
                   (SELECT COUNT(*) FROM records r WHERE r.doc_id = d.doc_id) AS records
            FROM documents d{where} ORDER BY d.published DESC, d.doc_id LIMIT ? OFFSET ?""",
        [*params, limit, offset],
    )


def document_text(store: Store, doc_id: str) -> str:
    text = store.scalar("SELECT text FROM documents WHERE doc_id = ?", (doc_id,))
    if text is None:
        raise NotFound(f"no document {doc_id!r}; list documents with GET /api/documents")
    return str(text)


def document(store: Store, doc_id: str) -> Row:
    """One document with its text and every record (rejected ones marked) in text order."""
    rows = store.query(
        """SELECT doc_id, title, publisher, url, published, source, format, status, updated_at, text
           FROM documents WHERE doc_id = ?""",
        (doc_id,),
    )
    if not rows:
        raise NotFound(f"no document {doc_id!r}; list documents with GET /api/documents")
    found = rows[0]
    found["records"] = record_dicts(store, doc_id=doc_id, rejected=True)
    return found


def failures(store: Store, *, run_id: str | None = None) -> list[Row]:
    if run_id:
        return store.query("SELECT * FROM failures WHERE run_id = ? ORDER BY at", (run_id,))
    return store.query("SELECT * FROM failures ORDER BY at DESC")
