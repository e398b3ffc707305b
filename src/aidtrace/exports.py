"""Exports. In: the store. Out: measures, records or documents as CSV, XLSX, JSON, JSON Lines
or Parquet, with evidence and sources, written to a temporary file and moved into place.

Records in JSON Lines are the contract's record format (`part_of` included) plus
`measure_id`; measures carry their counting `status` (counted, part_of, running_total,
collective, rejected; only counted ones are summed), `part_of_measure`, `placed_on` and
`placed_by`, `agreement`, `description`, `donor_name`, `items`, `first_source` and
`mentions: [{doc_id, start, end, text, url, publisher}]`.

Tabular formats (CSV, XLSX, Parquet) are for spreadsheets: one flat column a value.
Nested fields become amount_value/unit/approx, part_of_value/unit, period_start/end,
evidence_start/end/text, first_source_title/url/published/sentence; lists are joined with
"; " (items), a measure's mentions are their count, its agreement the attributes agreed and
disagreed on; its provenance (internal record ids) is left out. Money (amounts and their
USD and EUR values) is rounded to cents. A document's `source` is its file's path relative
to the folder all documents were ingested from, never a path of the machine that read it.

Files are created with the permissions of the user's umask (like any file they save).
"""

from __future__ import annotations

import csv
import json
import os
import secrets
from collections.abc import Callable
from pathlib import Path, PurePath
from typing import Any

from aidtrace import queries
from aidtrace.errors import InvalidRequest
from aidtrace.queries import record_dicts
from aidtrace.store import Store

WHAT = ("measures", "records", "documents")
FORMATS = ("csv", "xlsx", "json", "jsonl", "parquet")
Row = dict[str, Any]


def export(
    store: Store,
    *,
    what: str,
    fmt: str,
    path: Path,
    filters: dict[str, Any] | None = None,
    cap: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Write `what` in `fmt` to `path` atomically; returns the number of rows written.

    `filters` (measures only) are those of queries.measures, so a view of the dashboard
    exports exactly its rows; with `cap`, more rows than that is an error, not a cut.
    `progress(rows written, rows)` is called as the rows are written."""
    if what not in WHAT:
        raise InvalidRequest(f"cannot export {what!r}; choose one of: {', '.join(WHAT)}")
    if fmt not in FORMATS:
        raise InvalidRequest(f"unknown format {fmt!r}; choose one of: {', '.join(FORMATS)}")
    if what == "measures":
        rows = _measures(store, filters or {}, cap)
    elif filters:
        raise InvalidRequest(f"filters apply to measures, not to {what}")
    else:
        rows = _LOADERS[what](store, None if cap is None else cap + 1)
    if cap is not None and len(rows) > cap:
        raise InvalidRequest(
            f"{what}: more than {cap:,} rows; narrow the filters, or export everything with 'aidtrace export'"
        )
    writer, written = _WRITERS[fmt], _Written(len(rows), progress)
    _write_atomically(path, lambda tmp: writer(rows, tmp, written))
    return len(rows)


class _Written:
    """Counts the rows a writer has written and passes (written, total) on to `progress`."""

    def __init__(self, total: int, progress: Callable[[int, int], None] | None) -> None:
        self.total, self.done, self._progress = total, 0, progress

    def __call__(self, count: int = 1) -> None:
        self.done += count
        if self._progress:
            self._progress(self.done, self.total)


def _measures(store: Store, filters: dict[str, Any], cap: int | None) -> list[Row]:
    if filters or cap is not None:
        limit = cap + 1 if cap is not None else None
        rows = queries.measures(store, **{"aggregate": None, "sort": "donor", **filters}, limit=limit)
        if cap is not None and len(rows) > cap:
            return rows  # the caller refuses it
        ids = [row["measure_id"] for row in rows]
        mentions = _mentions(store, ids)
    else:
        rows = [
            queries.typed(row)
            for row in store.query("SELECT * FROM measures ORDER BY donor, sort_date, measure_id")
        ]
        mentions = _mentions(store, None)
    queries.describe(store, rows)
    for row in rows:
        row["mentions"] = mentions.get(row["measure_id"], [])
    return rows


def _mentions(store: Store, ids: list[str] | None) -> dict[str, list[Row]]:
    """Mentions of the given measures (None: of all), in document order."""
    sql = """SELECT mr.measure_id, r.doc_id, r.evidence_start, r.evidence_end, r.evidence_text, d.url, d.publisher
             FROM measure_records mr JOIN records r ON r.record_id = mr.record_id
             JOIN documents d ON d.doc_id = r.doc_id"""
    if ids is None:
        links = store.query(sql + " ORDER BY r.doc_id, r.position")
    else:
        links = []
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            links += store.query(
                f"{sql} WHERE mr.measure_id IN ({', '.join('?' * len(chunk))}) ORDER BY r.doc_id, r.position",
                chunk,
            )
    mentions: dict[str, list[Row]] = {}
    for link in links:
        mentions.setdefault(link["measure_id"], []).append(
            {
                "doc_id": link["doc_id"],
                "start": link["evidence_start"],
                "end": link["evidence_end"],
                "text": link["evidence_text"],
                "url": link["url"],
                "publisher": link["publisher"],
            }
        )
    return mentions


def _records(store: Store, limit: int | None) -> list[Row]:
    return record_dicts(store, limit=limit)


def _documents(store: Store, limit: int | None) -> list[Row]:
    sql = """SELECT doc_id, title, publisher, url, published, source, format, status, content_hash, updated_at,
                    text FROM documents ORDER BY doc_id"""
    rows = store.query(sql + " LIMIT ?", (limit,)) if limit is not None else store.query(sql)
    return relative_sources(rows)


def relative_sources(rows: list[Row]) -> list[Row]:
    """Each row's `source` relative to the folder all the rows' sources share (the folder
    ingested), so that no export names a folder of the machine that read the files."""
    paths = [PurePath(str(row["source"]).replace("\\", "/")) for row in rows if row.get("source")]
    parents = [path.parent for path in paths]
    common = parents[0] if parents else PurePath()
    for parent in parents[1:]:
        while common != common.parent and not parent.is_relative_to(common):
            common = common.parent
    for row in rows:
        if row.get("source"):
            path = PurePath(str(row["source"]).replace("\\", "/"))
            inside = path.is_relative_to(common) and str(common) not in ("", ".", "/")
            row["source"] = str(path.relative_to(common)) if inside else path.name
    return rows


_LOADERS: dict[str, Callable[[Store, int | None], list[Row]]] = {
    "records": _records,
    "documents": _documents,
}


MONEY = frozenset({"amount_value", "part_of_value", "value_usd", "value_eur"})


def flatten(row: Row) -> Row:
    """A row as flat columns for spreadsheets (see the module docstring)."""
    return {
        key: round(value, 2) if key in MONEY and value is not None else value
        for key, value in _flat(row).items()
    }


def _flat(row: Row) -> Row:
    flat: Row = {}
    for key, value in row.items():
        if key == "items" and isinstance(value, list):
            flat[key] = "; ".join(value)
        elif key == "mentions" and isinstance(value, list):
            flat[key] = len(value)
        elif key == "provenance":
            continue  # attribute -> record id: internal ids, of no use in a spreadsheet
        elif key == "agreement":
            flat["agreed_on"] = ", ".join(value["agreed"]) if value else None
            flat["disagreed_on"] = ", ".join(value["disagreed"]) if value else None
        elif key == "first_source":
            for sub in ("title", "url", "published", "sentence"):
                flat[f"first_source_{sub}"] = value[sub] if value else None
        elif isinstance(value, dict) and key in ("amount", "evidence", "fx", "part_of"):
            for sub, inner in value.items():
                flat[f"{key}_{sub}"] = inner
        elif key == "amount" and value is None:
            flat.update(amount_value=None, amount_unit=None, amount_approx=None)
        elif key == "part_of" and value is None:
            flat.update(part_of_value=None, part_of_unit=None)
        elif key == "period":
            flat["period_start"], flat["period_end"] = value if value else (None, None)
        elif isinstance(value, list | dict):
            flat[key] = json.dumps(value, ensure_ascii=False, allow_nan=False)
        else:
            flat[key] = value
    return flat


def _columns(rows: list[Row]) -> list[str]:
    return list(dict.fromkeys(key for row in rows for key in row))


Wrote = Callable[[int], None]  # a writer tells how many more rows it has written


def _write_jsonl(rows: list[Row], path: Path, wrote: Wrote) -> None:
    with path.open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False, allow_nan=False) + "\n")
            wrote(1)


def _write_json(rows: list[Row], path: Path, wrote: Wrote) -> None:
    path.write_text(json.dumps(rows, ensure_ascii=False, indent=1, allow_nan=False) + "\n", encoding="utf-8")
    wrote(len(rows))  # one document: written all at once


def _write_csv(rows: list[Row], path: Path, wrote: Wrote) -> None:
    flat = [flatten(row) for row in rows]
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=_columns(flat) or ["empty"])
        writer.writeheader()
        for row in flat:
            writer.writerow(row)
            wrote(1)


def _write_xlsx(rows: list[Row], path: Path, wrote: Wrote) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    flat = [flatten(row) for row in rows]
    columns = _columns(flat)
    book = Workbook()
    sheet = book.active
    sheet.title = "aidtrace"
    sheet.append([column.replace("_", " ") for column in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in flat:
        sheet.append([row.get(column) for column in columns])
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str) and cell.value.startswith(("=", "+", "-", "@")):
                cell.data_type = "s"  # text from documents is never a formula
                cell.quotePrefix = True
        wrote(1)
    sheet.freeze_panes = "B2"  # header row and the id column stay in view
    for index, column in enumerate(columns, 1):
        width = min(60, max(10, len(column) + 2))
        sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = width
    book.save(path)


def _write_parquet(rows: list[Row], path: Path, wrote: Wrote) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    flat = [flatten(row) for row in rows]
    columns = _columns(flat)
    table = (
        pa.table({column: [row.get(column) for row in flat] for column in columns}) if flat else pa.table({})
    )
    pq.write_table(table, path)
    wrote(len(rows))  # one table: written all at once


_WRITERS: dict[str, Callable[[list[Row], Path, Wrote], None]] = {
    "jsonl": _write_jsonl,
    "json": _write_json,
    "csv": _write_csv,
    "xlsx": _write_xlsx,
    "parquet": _write_parquet,
}


def _write_atomically(path: Path, write: Callable[[Path], None]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.partial")
    # created new (never an existing file followed), with the mode the umask leaves: 0644 as a rule
    os.close(os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    try:
        write(Path(temp))
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
