"""Write records: JSON Lines (the contract), a JSON array, CSV (one flat row per record),
or a readable table for people.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from typing import IO, Any

from rich import box
from rich.console import Console
from rich.table import Table

from aidtrace.model import COUNT_UNITS, Record

FORMATS = ("jsonl", "json", "csv")
CSV_FIELDS = (
    "doc_id",
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
    "part_of_value",
    "part_of_unit",
    "channel",
    "items",
    "gdp_share",
    "evidence_start",
    "evidence_end",
    "evidence_text",
)


def flat_row(record: Record) -> dict[str, Any]:
    """One CSV row: nested fields flattened, items joined with '; '."""
    data = record.to_dict()
    amount, period, whole, evidence = (
        data.pop("amount") or {},
        data.pop("period") or [None, None],
        data.pop("part_of") or {},
        data.pop("evidence"),
    )
    data.update(
        amount_value=amount.get("value"),
        amount_unit=amount.get("unit"),
        amount_approx=amount.get("approx"),
        period_start=period[0],
        period_end=period[1],
        part_of_value=whole.get("value"),
        part_of_unit=whole.get("unit"),
        items="; ".join(data.pop("items")),
        evidence_start=evidence["start"],
        evidence_end=evidence["end"],
        evidence_text=evidence["text"],
    )
    return data


class RecordWriter:
    """Streams records in one format; JSON arrays are closed by `close()`."""

    def __init__(self, out: IO[str], fmt: str) -> None:
        self.out, self.fmt, self.count = out, fmt, 0
        self._csv: csv.DictWriter[str] | None = None
        if fmt == "csv":
            self._csv = csv.DictWriter(out, fieldnames=CSV_FIELDS, lineterminator="\n")
            self._csv.writeheader()
        elif fmt == "json":
            out.write("[")

    def write(self, records: Iterable[Record]) -> None:
        for record in records:
            if self._csv is not None:
                self._csv.writerow(flat_row(record))
            elif self.fmt == "json":
                self.out.write(
                    ("," if self.count else "")
                    + "\n  "
                    + json.dumps(record.to_dict(), ensure_ascii=False, allow_nan=False)
                )
            else:
                self.out.write(json.dumps(record.to_dict(), ensure_ascii=False, allow_nan=False) + "\n")
            self.count += 1

    def close(self) -> None:
        if self.fmt == "json":
            self.out.write("\n]\n" if self.count else "]\n")


def format_amount(record: Record) -> str:
    if record.amount is None:
        return ""
    value, unit = record.amount.value, record.amount.unit
    for scale, word in ((1e12, "tn"), (1e9, "bn"), (1e6, "m")):
        if value >= scale and record.amount.is_money:
            text = f"{value / scale:,.2f}".rstrip("0").rstrip(".") + word
            break
    else:
        text = f"{value:,.0f}"
    return ("~" if record.amount.approx else "") + f"{text} {unit}"


def amount_text(value: float | None, unit: str | None, approx: bool | None = False) -> str:
    """An amount in full for a table cell: 'USD 100,000,000', '~1,200 people', '' if none."""
    if value is None:
        return ""
    prefix = "~" if approx else ""
    if unit in COUNT_UNITS or not unit:
        return f"{prefix}{value:,.0f} {unit or ''}".rstrip()
    return f"{prefix}{unit} {value:,.2f}".removesuffix(".00")


def render_table(records: list[Record], *, width: int | None = None) -> str:
    """A table of records for a terminal: one row each, the evidence cut short."""
    table = Table(show_lines=False, header_style="bold", expand=False)
    for name in ("doc", "type", "donor", "to", "subtype", "stage", "amount", "date", "evidence"):
        table.add_column(name, overflow="fold" if name == "evidence" else "ellipsis")
    for record in records:
        when = record.date or ("–".join(record.period) if record.period else "")
        evidence = record.evidence.text.replace("\n", " ")
        table.add_row(
            record.doc_id[:24],
            record.type,
            record.donor,
            record.recipient,
            record.subtype or "",
            record.stage or ("total" if record.aggregate else ""),
            format_amount(record),
            when,
            evidence if len(evidence) <= 90 else evidence[:87] + "...",
        )
    buffer = io.StringIO()
    Console(file=buffer, width=width or 160, force_terminal=False, no_color=True).print(table)
    return buffer.getvalue()


ROW_FORMATS = ("table", "json", "csv")
# columns of prose that may wrap in a table; every other column (ids, numbers, dates, codes)
# stays on one line, so that it can be copied
PROSE = frozenset(
    {"description", "details", "source", "sources", "sentence", "evidence_text", "message", "title", "value"}
)
NAMES = {"donor": 16, "what": 18}  # short text columns that may wrap, and their widest


def render_rows(
    rows: list[dict[str, Any]],
    *,
    fmt: str,
    columns: list[str] | None = None,
    title: str | None = None,
    width: int = 100,
    empty: str = "Nothing to show.",
) -> str:
    """Rows of a query as a table, JSON or CSV; `columns` picks and orders table/CSV columns.
    A table of no rows is the sentence `empty`, not an empty box."""
    if fmt == "json":
        return json.dumps(rows, ensure_ascii=False, indent=1, default=str, allow_nan=False)
    columns = columns or list(dict.fromkeys(key for row in rows for key in row))
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        return buffer.getvalue()
    if not rows:
        return f"{title}: {empty[:1].lower()}{empty[1:]}" if title else empty
    table = Table(
        title=title,
        header_style="bold",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        padding=(0, 1, 0, 0),
    )
    for column in columns:
        if column in PROSE:
            table.add_column(column.replace("_", " "), overflow="fold", ratio=1)
        elif column in NAMES:
            table.add_column(column.replace("_", " "), overflow="fold", max_width=NAMES[column])
        else:
            table.add_column(column.replace("_", " "), overflow="ellipsis", no_wrap=True)
    for row in rows:
        table.add_row(*(_text(row.get(column)) for column in columns))
    buffer = io.StringIO()
    Console(file=buffer, width=width, force_terminal=False, no_color=True).print(table)
    return buffer.getvalue().rstrip("\n")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:,.4g}"
    return str(value)
