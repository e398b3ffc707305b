"""Read-side queries shared by the CLI, the exports and (later) the API and dashboard.

In: a Store and filters. Out: plain dicts ready to format. No SQL outside store/ and here;
every value a user gives is a bound parameter, never interpolated.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import orjson

from aidtrace import counting
from aidtrace.counting import STATUSES
from aidtrace.describe import describe_measure, donor_name
from aidtrace.errors import InvalidRequest, NotFound
from aidtrace.model import CATEGORIES, COUNT_UNITS, RECORD_TYPES, STAGES
from aidtrace.money import share_of_gdp, to_constant
from aidtrace.store import Store, search
from aidtrace.store.keyset import ASC, DESC, Order, Page, read_page

Row = dict[str, Any]
GROUPS = ("donor", "type", "category", "stage", "year")


NOT_REJECTED = "(r.review_status IS NULL OR r.review_status <> 'rejected')"
REVIEW_FILTERS = ("unreviewed", "accepted", "corrected", "rejected")


def record_dicts(store: Store, **filters: Any) -> list[Row]:
    """Records in the contract's shape, plus measure_id, converted values and review status,
    with reviewers' corrections applied: the rows of `records_page` (same filters, limit
    and offset) as a list. Rejected records only when asked for (`rejected`, or
    `review="rejected"`)."""
    return records_page(store, **filters).items


RECORD_ORDER = Order.of(("r.doc_id", ASC), ("r.position", ASC))  # index records_doc_position


def records_page(
    store: Store,
    *,
    doc_id: str | None = None,
    donor: str | None = None,
    type: str | None = None,
    review: str | None = None,
    rejected: bool = False,
    limit: int | None = None,
    offset: int = 0,
    cursor: str | None = None,
) -> Page:
    """A page of record_dicts in document order, after `cursor` (next_cursor of the page
    before) or `offset` rows."""
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
    page = read_page(
        store,
        columns="r.*, mr.measure_id",
        source="records r LEFT JOIN measure_records mr ON mr.record_id = r.record_id",
        where=" WHERE " + " AND ".join(clauses) if clauses else "",
        params=params,
        order=RECORD_ORDER,
        scope="records",
        limit=limit,
        offset=offset,
        cursor=cursor,
    )
    return Page([contract_record(row) for row in page.items], page.next_cursor, page.more)


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
    found["extracted"] = orjson.loads(row["extracted"]) if row["extracted"] else None
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
        "part_of": None
        if row.get("part_of_value") is None
        else {"value": row["part_of_value"], "unit": row["part_of_unit"]},
        "channel": row["channel"],
        "items": orjson.loads(row["items"]),
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
    status: str | None = None,
    q: str | None = None,
    sort: str = "-date",
    limit: int | None = None,
    offset: int = 0,
) -> list[Row]:
    """Measures matching the filters, newest first unless `sort` says otherwise (one of
    SORTS); `aggregate=None` includes running totals; `status` one of counting.STATUSES
    (default: any but rejected); `q` finds words in any mention's sentence (full-text:
    store/search.py)."""
    where, params = measure_where(
        store,
        donor=donor,
        type=type,
        category=category,
        since=since,
        until=until,
        aggregate=aggregate,
        stage=stage,
        status=status,
        q=q,
    )
    if sort not in SORTS:
        raise InvalidRequest(f"sort {sort!r} is not one of: {', '.join(SORTS)}")
    sql = f"SELECT * FROM measures{where} ORDER BY {SORTS[sort]}"
    if limit is not None:
        sql += " LIMIT ? OFFSET ?"
        params += [limit, offset]
    return [typed(row) for row in store.query(sql, params)]


def measures_page(
    store: Store, filters: Row, *, limit: int, offset: int = 0, cursor: str | None = None
) -> Page:
    """A page of `measures` for filters as the web checks them (web/api.measure_filters:
    `sort` among them), after `cursor` or `offset` rows; next_cursor reads on."""
    sort = filters.get("sort") or "-date"
    if sort not in SORT_KEYS:
        raise InvalidRequest(f"sort {sort!r} is not one of: {', '.join(SORTS)}")
    where, params = measure_where(store, **{k: v for k, v in filters.items() if k != "sort"})
    page = read_page(
        store,
        columns="*",
        source="measures",
        where=where,
        params=params,
        order=SORT_KEYS[sort],
        scope=f"measures:{sort}",
        limit=limit,
        offset=offset,
        cursor=cursor,
    )
    return Page([typed(row) for row in page.items], page.next_cursor, page.more)


def measure_count(store: Store, **filters: Any) -> int:
    """How many measures `measures(store, **filters)` finds without a limit ("showing 50 of
    1,234"); the filters are those of `measures` (sort, limit and offset aside)."""
    for unused in ("sort", "limit", "offset"):
        filters.pop(unused, None)
    filters.setdefault("aggregate", False)
    filters.setdefault("status", None)
    where, params = measure_where(store, **filters)
    return int(store.scalar(f"SELECT COUNT(*) FROM measures{where}", params) or 0)


def measure_where(store: Store, *, q: str | None = None, **given: Any) -> tuple[str, list[Any]]:
    """The WHERE clause (with its parameters) of `measures` for these filters, search included."""
    where, params = _filters(**given)
    if q:
        found, words = search.matching(store, "records", q)
        where += f""" {"AND" if where else "WHERE"} measure_id IN (
            SELECT mr.measure_id FROM measure_records mr JOIN records r ON r.record_id = mr.record_id
            WHERE {found})"""
        params += words
    return where, params


def typed(row: Row) -> Row:
    """A row with SQL's 0/1 flags as booleans and provenance parsed, as every reader wants it."""
    for flag in ("aggregate", "amount_approx"):
        if row.get(flag) is not None:
            row[flag] = bool(row[flag])
    for column in ("provenance", "agreement"):
        if isinstance(row.get(column), str):
            row[column] = orjson.loads(row[column])
    return row


DATE, AMOUNT = "COALESCE(sort_date, '')", "COALESCE(value_usd, -1)"  # never NULL: see keyset.py
_ID = ("measure_id", DESC)
SORT_KEYS: dict[str, Order] = {  # the only orders a request can choose; the key is what users send
    "-date": Order.of((DATE, DESC), _ID),
    "date": Order.of((DATE, ASC), ("measure_id", ASC)),
    "-amount": Order.of((AMOUNT, DESC), _ID),
    "amount": Order.of((AMOUNT, ASC), ("measure_id", ASC)),
    "donor": Order.of(("donor", ASC), (DATE, DESC), _ID),  # each donor's newest first
    "-mentions": Order.of(("mentions", DESC), (DATE, DESC), _ID),
}
# and every column of the dashboard's table, both ways ("-x" is descending); empty values
# sort as "" (first rising) on SQLite and PostgreSQL alike, which order NULLs differently
_COLUMNS: dict[str, tuple[str, ...]] = {
    "date": (DATE,),
    "donor": ("donor",),
    "type": ("type", "COALESCE(subtype, '')"),
    "status": ("status",),
    "category": ("COALESCE(category, '')",),
    "stage": ("COALESCE(stage, '')",),
    "amount": (AMOUNT,),
    "mentions": ("mentions",),
}
for _name, _parts in _COLUMNS.items():
    for _desc, _key in ((ASC, _name), (DESC, f"-{_name}")):
        if _key not in SORT_KEYS:  # the keys above keep their order
            SORT_KEYS[_key] = Order(tuple((part, _desc) for part in (*_parts, DATE, "measure_id")))
SORTS = {key: order.sql() for key, order in SORT_KEYS.items()}  # ORDER BY clauses, by key


def like(text: str) -> str:
    """`text` for a LIKE pattern with ESCAPE '!': its %, _ and ! taken literally."""
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
    if given.get("status"):
        _check("status", given["status"], STATUSES)
        clauses.append("status = ?")
        params.append(given["status"])
    elif "status" in given:  # asked about measures, not about a status: rejected ones stay out
        clauses.append("status <> 'rejected'")
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), params


def _check(name: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise InvalidRequest(f"{name} {value!r} is not one of: {', '.join(allowed)}")


def measure(store: Store, measure_id: str) -> Row:
    """One measure with every mention (sentence and source) and its conflicts; `measure_id`
    may be an unambiguous prefix of the id (at least MIN_PREFIX characters)."""
    measure_id = full_measure_id(store, measure_id)
    rows = store.query("SELECT * FROM measures WHERE measure_id = ?", (measure_id,))
    found = typed(rows[0])
    found["mentions"] = [
        typed(mention)
        for mention in store.query(
            """SELECT r.record_id, r.doc_id, r.date, r.amount_value, r.amount_unit, r.amount_approx, r.stage,
                  r.aggregate, r.period_start, r.period_end, r.part_of_value, r.part_of_unit, r.review_status,
                  r.evidence_start, r.evidence_end, r.evidence_text, d.title, d.publisher, d.url, d.published
           FROM measure_records mr JOIN records r ON r.record_id = mr.record_id
           JOIN documents d ON d.doc_id = r.doc_id
           WHERE mr.measure_id = ? ORDER BY d.published, r.doc_id, r.position""",
            (measure_id,),
        )
    ]
    found["conflicts"] = [
        _conflict_details(c["field"], c["details"])
        for c in store.query(
            "SELECT field, details FROM conflicts WHERE measure_id = ? ORDER BY conflict_id", (measure_id,)
        )
    ]
    if found.get("part_of_measure"):
        whole = store.query(
            "SELECT measure_id, amount_value, amount_unit, status, date FROM measures WHERE measure_id = ?",
            (found["part_of_measure"],),
        )
        found["whole"] = whole[0] if whole else None
    return found


MIN_PREFIX = 4  # characters of a measure id that may stand for it ("m3f2")
SHORT_ID = 9  # characters of a measure id shown in tables, unless more are needed to tell it apart


def full_measure_id(store: Store, text: str) -> str:
    """The measure id that `text` is, or the one id it is a prefix of; NotFound if none,
    InvalidRequest (listing them) if several."""
    if store.scalar("SELECT COUNT(*) FROM measures WHERE measure_id = ?", (text,)):
        return text
    found = []
    if len(text) >= MIN_PREFIX:
        found = [
            str(row["measure_id"])
            for row in store.query(
                "SELECT measure_id FROM measures WHERE measure_id LIKE ? ESCAPE '!' ORDER BY measure_id LIMIT 6",
                (like(text) + "%",),
            )
        ]
    if not found:
        raise NotFound(f"no measure {text!r}; list them with 'aidtrace measures'")
    if len(found) > 1:
        listed = ", ".join(found[:5]) + (", ..." if len(found) > 5 else "")
        raise InvalidRequest(
            f"measure id {text!r} is the start of several measures ({listed}); give more of it"
        )
    return found[0]


def short_ids(store: Store, ids: list[str]) -> dict[str, str]:
    """Each id cut to SHORT_ID characters, or left whole where the short form would be the
    start of another measure's id too (so that 'aidtrace show SHORT' finds exactly it)."""
    shorts = {measure_id: measure_id[:SHORT_ID] for measure_id in ids}
    taken: set[str] = set()
    wanted = sorted(set(shorts.values()))
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        taken |= {
            str(row["prefix"])
            for row in store.query(
                f"""SELECT SUBSTR(measure_id, 1, {SHORT_ID}) AS prefix FROM measures
                    WHERE SUBSTR(measure_id, 1, {SHORT_ID}) IN ({", ".join("?" * len(chunk))})
                    GROUP BY SUBSTR(measure_id, 1, {SHORT_ID}) HAVING COUNT(*) > 1""",
                chunk,
            )
        }
    return {measure_id: measure_id if short in taken else short for measure_id, short in shorts.items()}


def _conflict_details(field: str, details: str) -> Row:
    """A conflict as {"field", "values"} (figures that disagree: [{value, unit, record_id,
    doc_id}]) or, for field "coverage", {"field", "coverage"} (see docs/totals.md)."""
    parsed = orjson.loads(details)
    if field == "coverage":
        return {"field": field, "coverage": parsed}
    return {"field": field, "values": parsed}


def conflicts(
    store: Store,
    *,
    donor: str | None = None,
    field: str | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[Row]:
    """Conflicts with their measure: figures that disagree (field "amount", with `values`)
    and coverage conflicts (field "coverage": a running total the computed sum misses by
    more than 15%, with `coverage`)."""
    sql = "SELECT c.field, c.details, m.* FROM conflicts c JOIN measures m ON m.measure_id = c.measure_id"
    clauses: list[str] = []
    params: list[Any] = []
    if donor:
        clauses.append("m.donor = ?")
        params.append(donor.upper())
    if field:
        _check("field", field, ("amount", "coverage"))
        clauses.append("c.field = ?")
        params.append(field)
    if clauses:
        sql += " WHERE " + " AND ".join(clauses)
    sql += " ORDER BY m.donor, c.field, m.sort_date, c.conflict_id"
    if limit is not None:
        sql += " LIMIT ? OFFSET ?"
        params += [limit, offset]
    rows = [typed(row) for row in store.query(sql, params)]
    for row in rows:
        row.update(_conflict_details(row["field"], row.pop("details")))
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
    """Sums of counted measures (never running totals, parts of counted wholes, collective
    figures or rejected ones) grouped by `by`, and beside them the running totals reported
    (the latest `reported_limit`, by donor) — never added in. A `year` of None is the
    "undated" row: measures that state no date of their own."""
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
    where, params = _filters(donor=donor, type=type or "aid", status="counted")
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
    reported_where, reported_params = _filters(donor=donor, type=type or "aid", status="running_total")
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
    where, params = _filters(donor=donor, status="counted")
    return store.query(
        f"""SELECT type, SUM(measures) AS measures, SUM(value_usd) AS total, SUM(priced) AS priced
            FROM measure_rollup{where} GROUP BY type ORDER BY SUM(measures) DESC""",
        params,
    )


def _constant_totals(
    store: Store, by: tuple[str, ...], where: str, params: list[Any], base_year: int
) -> list[Row]:
    """Sums in prices of `base_year`: each year's USD deflated with the US GDP deflator (an
    undated measure at the year it was first reported)."""
    keys = ", ".join(by)
    rows = store.query(
        f"""SELECT {keys}, COALESCE(year, placed_year) AS deflate_year, SUM(value_usd) AS value,
                   SUM(priced) AS n
            FROM measure_rollup{where} GROUP BY {keys}, COALESCE(year, placed_year)""",
        params,
    )
    grouped: dict[tuple[Any, ...], Row] = {}
    for row in rows:
        key = tuple(row[k] for k in by)
        entry = grouped.setdefault(
            key, {**{k: row[k] for k in by}, "total": 0.0, "measures": 0, "undeflated": 0}
        )
        year = row["deflate_year"]
        deflated = to_constant(row["value"], year, base_year) if year else None
        if deflated is None:
            entry["undeflated"] += row["n"]  # no year or no index: left out, and counted
            continue
        entry["total"] += deflated
        entry["measures"] += row["n"]
    return sorted(grouped.values(), key=lambda r: -r["total"])


def timeline(store: Store, *, donor: str, latest: int | None = None) -> list[Row]:
    """Every measure of a donor in date order (or its `latest` ones), running totals included
    and marked; with the columns `describe` reads, so its descriptions are those of every list."""
    sql = """SELECT measure_id, donor, sort_date AS when_, placed_by, type, category, subtype, stage,
                    channel, aggregate, status, part_of_measure, amount_value, amount_unit, amount_approx, value_usd, value_eur,
                    mentions, conflicts
             FROM measures WHERE donor = ? AND status <> 'rejected'"""
    if latest is None:
        rows = store.query(sql + " ORDER BY sort_date, measure_id", (donor.upper(),))
    else:
        newest = sql + " ORDER BY sort_date DESC, measure_id DESC LIMIT ?"
        rows = store.query(newest, (donor.upper(), latest))[::-1]
    return [typed(row) for row in rows]


NO_DOCUMENTS = "no documents yet: run `aidtrace ingest PATH` or `aidtrace demo`"


class EmptyDatabase(NotFound):
    """A database nothing was ingested into: every read would be empty."""

    code = "no_documents"


def require_documents(store: Store) -> None:
    """Raise EmptyDatabase (NO_DOCUMENTS) when the store holds no document."""
    if not document_count(store):
        raise EmptyDatabase(NO_DOCUMENTS)


def document_count(store: Store) -> int:
    """How many documents the store holds; 0 is a database nothing was ingested into yet."""
    return int(store.scalar("SELECT COUNT(*) FROM documents") or 0)


def count_measures(store: Store, *, donor: str) -> int:
    return int(
        store.scalar(
            "SELECT COUNT(*) FROM measures WHERE donor = ? AND status <> 'rejected'", (donor.upper(),)
        )
        or 0
    )


DOCUMENT_ORDER = Order.of(("COALESCE(d.published, '')", DESC), ("d.doc_id", DESC))


def documents(
    store: Store, *, limit: int = 50, offset: int = 0, q: str | None = None, cursor: str | None = None
) -> Page:
    """Documents (without their text), newest first, with how many records each gave;
    `q`: words in the title (full-text, store/search.py)."""
    where, params = "", list[Any]()
    if q:
        found, params = search.matching(store, "documents", q, alias="d")
        where = " WHERE " + found
    return read_page(
        store,
        columns="""d.doc_id, d.title, d.publisher, d.url, d.published, d.format, d.status, d.updated_at,
                   (SELECT COUNT(*) FROM records r WHERE r.doc_id = d.doc_id) AS records""",
        source="documents d",
        where=where,
        params=params,
        order=DOCUMENT_ORDER,
        scope="documents",
        limit=limit,
        offset=offset,
        cursor=cursor,
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


# --- totals as of a date, and the cumulative view (counting rules: counting.py) ---------------

WAR_START = "2022-03-01"  # a running total that starts before this covers the whole war


def totals_as_of(store: Store, *, donor: str, as_of: str) -> Row:
    """A donor's counted aid up to `as_of` (committed: pledged or delivered; delivered alone)
    in USD, beside the running totals sources reported on or before it, each compared with
    the computed sum over its own span; `difference_pct` compares `committed_usd` (or
    `delivered_usd`, for a total of deliveries) with the latest overall reported total.
    Fields: docs/totals.md."""
    day = _as_of_day(as_of)
    code = donor.upper()
    counted = _counted_aid(store, code)
    cumulative = counting.Cumulative(counted)
    reported = [p for p in _compared_points(store, code, cumulative) if _point_day(p) <= day]
    committed, delivered = cumulative.sum(day), cumulative.sum(day, basis="delivered")
    latest = _latest_overall(reported)
    difference = None
    if latest is not None and latest["value_usd"]:
        mine = delivered if latest["basis"] == "delivered" else committed
        difference = round(100.0 * (mine - latest["value_usd"]) / latest["value_usd"], 1)
    upto = [m for m in counted if m["placed_on"] and counting.day_of(m["placed_on"], end=True) <= day]
    return {
        "donor": code,
        "as_of": day,
        "currency": "USD",
        "committed_usd": committed,
        "delivered_usd": delivered,
        "committed_by_currency": cumulative.by_currency(day),
        "delivered_by_currency": cumulative.by_currency(day, basis="delivered"),
        "measures": sum(m["value_usd"] is not None for m in upto),
        "unpriced": sum(_unpriced(m) for m in upto),
        "placed_at_first_report": sum(
            m["placed_by"] == "first_reported" and m["value_usd"] is not None for m in upto
        ),
        "reported": reported,
        "latest_reported": latest,
        "difference_pct": difference,
    }


def cumulative(store: Store, *, donor: str) -> Row:
    """At each date a source reports a running total of the donor's aid: the computed
    cumulative committed and delivered sums, the reported total(s) with their sources, and
    the difference in percent; and the computed line (`series`) at every date a counted
    measure is placed on. Fields: docs/totals.md."""
    code = donor.upper()
    counted = _counted_aid(store, code)
    cumulative = counting.Cumulative(counted)
    by_day: dict[str, list[Row]] = {}
    for point in _compared_points(store, code, cumulative):
        by_day.setdefault(_point_day(point), []).append(point)
    points = []
    for day, reported in sorted(by_day.items()):
        latest = _latest_overall(reported)
        points.append(
            {
                "as_of": day,
                "committed_usd": cumulative.sum(day),
                "delivered_usd": cumulative.sum(day, basis="delivered"),
                "committed_by_currency": cumulative.by_currency(day),
                "delivered_by_currency": cumulative.by_currency(day, basis="delivered"),
                "reported": reported,
                "difference_pct": latest["difference_pct"] if latest else None,
            }
        )
    days = sorted(
        {
            counting.day_of(m[key], end=True)
            for m in counted
            for key in ("placed_on", "delivered_on")
            if m[key]
        }
    )
    return {
        "donor": code,
        "currency": "USD",
        "measures": sum(m["value_usd"] is not None for m in counted),
        "unpriced": sum(_unpriced(m) for m in counted),
        "placed_at_first_report": sum(
            m["placed_by"] == "first_reported" and m["value_usd"] is not None for m in counted
        ),
        "points": points,
        "series": [
            {
                "date": day,
                "committed_usd": cumulative.sum(day),
                "delivered_usd": cumulative.sum(day, basis="delivered"),
            }
            for day in days
        ],
    }


def _as_of_day(text: str) -> str:
    if not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", text or ""):
        raise InvalidRequest(f"as-of date {text!r}: write it as YYYY-MM-DD (or YYYY-MM, YYYY)")
    day = counting.day_of(text, end=True) if len(text) < 10 else text
    try:
        date.fromisoformat(day)
    except ValueError:
        raise InvalidRequest(f"as-of date {text!r} is not a calendar date") from None
    return day


def _unpriced(measure: Row) -> bool:
    """A money measure without a USD value (a currency the ECB does not publish)."""
    unit = measure["amount_unit"]
    return measure["value_usd"] is None and unit is not None and unit not in COUNT_UNITS


def _point_day(point: Row) -> str:
    return counting.day_of(point["as_of"], end=True)


def _counted_aid(store: Store, donor: str) -> list[Row]:
    return store.query(
        """SELECT measure_id, placed_on, placed_by, delivered_on, value_usd, amount_value, amount_unit, stage,
                  category FROM measures
           WHERE donor = ? AND type = 'aid' AND status = 'counted' ORDER BY placed_on, measure_id""",
        (donor,),
    )


def _compared_points(store: Store, donor: str, cumulative: counting.Cumulative) -> list[Row]:
    mentions = store.query(
        """SELECT mr.measure_id, r.record_id, r.doc_id, r.date, r.period_start, r.period_end, r.category,
                  r.stage, r.amount_value, r.amount_unit, r.amount_approx, r.value_usd, r.evidence_text,
                  d.title, d.url, d.published
           FROM measures m JOIN measure_records mr ON mr.measure_id = m.measure_id
           JOIN records r ON r.record_id = mr.record_id JOIN documents d ON d.doc_id = r.doc_id
           WHERE m.donor = ? AND m.type = 'aid' AND m.status = 'running_total' AND r.aggregate = 1
           ORDER BY d.published, r.doc_id, r.position""",
        (donor,),
    )
    points = counting.reported_points(mentions)
    for point in points:
        point.update(counting.compare(point, cumulative))
    return points


def _latest_overall(points: list[Row]) -> Row | None:
    """The latest reported total of all the donor's aid since the war began (not one
    category's, not a span's), committed before delivered on the same day."""
    overall = [
        p
        for p in points
        if p["compared_category"] is None
        and (not p["since"] or counting.day_of(p["since"]) <= WAR_START)
        and p["difference_pct"] is not None
    ]
    if not overall:
        return None
    return max(overall, key=lambda p: (_point_day(p), p["basis"] == "committed", p["measure_id"]))


def describe(store: Store, rows: list[Row]) -> list[Row]:
    """Give each measure row a one-line `description` (describe.describe_measure: its
    instrument, channel, items and amount, or else its first source sentence, trimmed), the
    donor's name (`donor_name`), the `items` its mentions name, and its `first_source`:
    {doc_id, title, url, published, sentence} of the earliest published document that
    mentions it (None if none)."""
    items: dict[str, list[str]] = {}
    first: dict[str, Row] = {}
    for link in _mention_links(store, [row["measure_id"] for row in rows]):
        found = items.setdefault(link["measure_id"], [])
        found += [item for item in orjson.loads(link["items"] or "[]") if item not in found]
        first.setdefault(
            link["measure_id"],
            {key: link[key] for key in ("doc_id", "title", "url", "published")}
            | {"sentence": link["evidence_text"]},
        )
    for row in rows:
        source = first.get(row["measure_id"])
        row["description"] = describe_measure(
            row, items=items.get(row["measure_id"], []), sentence=source["sentence"] if source else None
        )
        row["donor_name"] = donor_name(row.get("donor"))
        row["items"] = items.get(row["measure_id"], [])
        row["first_source"] = source
    return rows


def matches(store: Store, rows: list[Row], q: str) -> list[Row]:
    """Give each measure row the first of its mentions' sentences that says the words of
    `q` (as `measures(q=...)` finds them), as `match`: {doc_id, title, sentence, start, end,
    marks, html}, where sentence[start:end] is the first matched passage and `marks` all of
    them (search.Snippet); None if none."""
    found = search.measure_snippets(store, [row["measure_id"] for row in rows], q)
    for row in rows:
        hit = found.get(row["measure_id"])
        if hit is None:
            row["match"] = None
            continue
        snippet: search.Snippet = hit["snippet"]
        row["match"] = {
            "doc_id": hit["doc_id"],
            "title": hit["title"],
            "sentence": snippet.text,
            "start": snippet.marks[0][0] if snippet.marks else 0,
            "end": snippet.marks[0][1] if snippet.marks else 0,
            "marks": [list(mark) for mark in snippet.marks],
            "html": snippet.html(),
        }
    return rows


def _mention_links(store: Store, ids: list[str]) -> list[Row]:
    """The mentions of the given measures with their documents, earliest published first."""
    links: list[Row] = []
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        links += store.query(
            f"""SELECT mr.measure_id, r.items, r.evidence_text, d.doc_id, d.title, d.url, d.published
                FROM measure_records mr JOIN records r ON r.record_id = mr.record_id
                JOIN documents d ON d.doc_id = r.doc_id
                WHERE mr.measure_id IN ({", ".join("?" * len(chunk))})
                ORDER BY d.published IS NULL, d.published, r.doc_id, r.position""",
            chunk,
        )
    return links


def _description(row: Row, items: list[str], sentence: str | None) -> str:
    """The old name of describe.describe_measure, kept for its callers."""
    return describe_measure(row, items=items, sentence=sentence)
