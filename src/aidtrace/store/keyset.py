"""Keyset paging: a cursor names the last row of a page by its sort key, and the next page
is the rows after that key in the same order, which the database finds by seeking in an
index whose columns are the sort key (schema 7) instead of counting past an offset. Page
400 then costs what page 1 does, and rows written between two pages neither repeat nor
vanish from the rows still to come.

    order = Order.of(("COALESCE(sort_date, '')", DESC), ("measure_id", DESC))
    order.sql()                       -> "COALESCE(sort_date, '') DESC, measure_id DESC"
    order.after(values)               -> ("(COALESCE(sort_date, ''), measure_id) < (?, ?)", values)
    order.after(values, row_values=False) -> "k0 <= ? AND (k0 < ? OR (k0 = ? AND k1 < ?))" (SQLite)
    encode("measures:-date", values)  -> an opaque string (the API's next_cursor)
    decode(cursor, "measures:-date", 2) -> values, or InvalidCursor (HTTP 400, names the parameter)

Every order ends in the primary key, so keys are unique and ties cannot lose rows. Sort
expressions never yield NULL (COALESCE), so comparisons mean the same on SQLite and
PostgreSQL. A cursor is urlsafe base64 of a checksum and JSON ([scope, values]); the
checksum catches a cursor that was edited or cut, and the scope one given out for another
list or sort. It is no secret and no signature: a forged cursor can only name a position,
and its values are bound parameters like any other.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aidtrace.params import InvalidParameter
from aidtrace.store.db import Store

ASC, DESC = False, True
CHECK = 6  # bytes of checksum in front of a cursor's JSON


class InvalidCursor(InvalidParameter):
    """A cursor this server did not give out for this list (HTTP 400)."""

    code = "invalid_cursor"
    status = 400


@dataclass(frozen=True, slots=True)
class Order:
    terms: tuple[tuple[str, bool], ...]  # (SQL expression, descending), primary key last

    @classmethod
    def of(cls, *terms: tuple[str, bool]) -> Order:
        return cls(tuple(terms))

    def sql(self) -> str:
        """The ORDER BY clause."""
        return ", ".join(f"{expr} DESC" if desc else expr for expr, desc in self.terms)

    def keys(self) -> str:
        """The sort key as extra columns k0, k1, ... (for the cursor of a page's last row)."""
        return ", ".join(f"{expr} AS k{n}" for n, (expr, _desc) in enumerate(self.terms))

    def key_of(self, row: dict[str, Any]) -> list[Any]:
        """The sort key a row read with keys() carries; the k columns are removed from it."""
        return [row.pop(f"k{n}") for n in range(len(self.terms))]

    def after(self, values: Sequence[Any], *, row_values: bool = True) -> tuple[str, list[Any]]:
        """A condition true for the rows that follow `values` in this order. One direction
        throughout and `row_values`: a row-value comparison (PostgreSQL seeks with it in an
        index). Otherwise the first term bounds the range (SQLite seeks with that in an
        index over expressions, where it would scan for a row value), then the OR chain."""
        exprs = [expr for expr, _desc in self.terms]
        directions = {desc for _expr, desc in self.terms}
        if row_values and len(directions) == 1:
            op = "<" if DESC in directions else ">"
            marks = ", ".join("?" * len(exprs))
            return f"({', '.join(exprs)}) {op} ({marks})", list(values)
        first, first_desc = self.terms[0]
        clauses, params = [], []
        for n, (expr, desc) in enumerate(self.terms):
            equal = [f"{e} = ?" for e in exprs[:n]]
            clauses.append("(" + " AND ".join([*equal, f"{expr} {'<' if desc else '>'} ?"]) + ")")
            params += [*values[:n], values[n]]
        bound = f"{first} {'<=' if first_desc else '>='} ?"
        return f"{bound} AND ({' OR '.join(clauses)})", [values[0], *params]


def encode(scope: str, values: Sequence[Any]) -> str:
    """The cursor for the rows after `values` in the list and order named by `scope`."""
    payload = json.dumps([scope, list(values)], separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(_check(payload) + payload).decode().rstrip("=")


def decode(cursor: str, scope: str, size: int, *, name: str = "cursor") -> list[Any]:
    """The sort key a cursor holds; InvalidCursor unless encode gave it for `scope` with
    `size` values, each text or a number."""
    problem = f"{name}: not a cursor of this list and sort; start again from the first page (no {name})"
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        check, payload = raw[:CHECK], raw[CHECK:]
        if check != _check(payload):
            raise InvalidCursor(name, problem)
        found, values = json.loads(payload)
    except (binascii.Error, ValueError, TypeError):
        raise InvalidCursor(name, problem) from None
    shapes_ok = isinstance(values, list) and len(values) == size
    if found != scope or not shapes_ok or not all(_plain(value) for value in values):
        raise InvalidCursor(name, problem)
    return list(values)


def _plain(value: Any) -> bool:
    return isinstance(value, str | int | float) and not isinstance(value, bool)


def _check(payload: bytes) -> bytes:
    return hashlib.blake2b(payload, digest_size=CHECK, person=b"aidtrace-cursor").digest()


@dataclass(frozen=True, slots=True)
class Page:
    """A page of rows; `next_cursor` reads the next page (None on the last), `more` says
    whether one follows."""

    items: list[dict[str, Any]]
    next_cursor: str | None = None
    more: bool = False


def read_page(
    store: Store,
    *,
    columns: str,
    source: str,
    where: str,
    params: Sequence[Any],
    order: Order,
    scope: str,
    limit: int | None,
    offset: int = 0,
    cursor: str | None = None,
) -> Page:
    """SELECT `columns` FROM `source` `where` (" WHERE ..." or ""), in `order`: `limit` rows
    after `cursor` (a cursor this function gave for `scope`), or after `offset` rows."""
    params = list(params)
    if cursor is not None:
        values = decode(cursor, scope, len(order.terms))
        condition, extra = order.after(values, row_values=store.dialect == "postgresql")
        where = f"{where} AND {condition}" if where else f" WHERE {condition}"
        params += extra
    sql = f"SELECT {columns}, {order.keys()} FROM {source}{where} ORDER BY {order.sql()}"
    if limit is not None:
        sql += " LIMIT ? OFFSET ?"
        params += [limit + 1, offset]
    rows = store.query(sql, params)
    keys = [order.key_of(row) for row in rows]
    if limit is None or len(rows) <= limit:
        return Page(rows)
    return Page(rows[:limit], encode(scope, keys[limit - 1]), more=True)
