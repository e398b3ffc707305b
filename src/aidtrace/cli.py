"""The command line: parse, call the library, format. Nothing here is worth testing alone.

Exit codes: 0 all documents processed; 1 some document failed (each one reported on
stderr) or a setting is wrong; 2 bad usage.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import shutil
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import IO, Any

import click

from aidtrace import __version__, pipeline, queries
from aidtrace.bars import Bar, reconcile_changes_with_bar, reconcile_with_bar
from aidtrace.batch.cli import batch, check_address, load, reconcile_options
from aidtrace.counting import STATUSES
from aidtrace.describe import donor_label
from aidtrace.errors import AidtraceError, ConfigError, InvalidRequest
from aidtrace.exports import FORMATS as EXPORT_FORMATS
from aidtrace.exports import WHAT, export
from aidtrace.ingest import find_files
from aidtrace.model import CATEGORIES, RECORD_TYPES, STAGES, DocumentResult, RunSummary
from aidtrace.output import FORMATS, ROW_FORMATS, RecordWriter, amount_text, render_rows
from aidtrace.params import InvalidParameter, check_constant_year, check_period, parse_date, resolve_donor
from aidtrace.pipeline import run
from aidtrace.settings import load_settings
from aidtrace.store import Store, open_store
from aidtrace.store import search as store_search
from aidtrace.store.db import default_url

PROGRESS_THRESHOLD = 20  # documents; fewer finish before a bar would help
EXPORT_BAR_ROWS = 5000  # rows; smaller exports are written before a bar would help


class AidtraceGroup(click.Group):
    """Turns errors a user can act on into one 'Error: ...' line and exit code 1, and the
    library's logged warnings into 'warning: ...' lines on stderr."""

    def invoke(self, ctx: click.Context) -> Any:
        logger = logging.getLogger("aidtrace")
        if not any(isinstance(h, _WarningLines) for h in logger.handlers):
            logger.addHandler(_WarningLines(logging.WARNING))
        try:
            return super().invoke(ctx)
        except AidtraceError as err:
            raise click.ClickException(str(err)) from None


class _WarningLines(logging.Handler):
    """A logged warning (a document read in another encoding, a record left out) as a line on
    the current stderr."""

    def emit(self, record: logging.LogRecord) -> None:
        click.echo(f"warning: {record.getMessage()}", err=True)


@click.group(cls=AidtraceGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="aidtrace")
def main() -> None:
    """aidtrace: turn documents about support for Ukraine into evidence-linked records.

    Every record names who supported whom, how (aid, sanction, refugees, agreement,
    diplomacy), with what amount and date, and quotes the sentence that asserts it.

    \b
    Examples:
      aidtrace demo                              example database and Japan's profile
      aidtrace extract articles/                 records as JSON Lines on stdout
      aidtrace ingest articles/                  store, extract and reconcile
      aidtrace totals --by donor,year --currency EUR
      aidtrace totals --donor JPN --as-of 2024-06-30   counted sums beside reported totals
      aidtrace cumulative --donor JPN            computed against reported, date by date
      aidtrace show m1a2b3c4d5e6f7a8             a measure with every source sentence
      aidtrace export --what records --format xlsx -o records.xlsx
    """


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--manifest",
    type=click.Path(path_type=Path, dir_okay=False),
    help="JSON Lines of doc_id, title, publisher, url, published for the documents "
    "(default: manifest.jsonl beside them).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write records to this file instead of stdout.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="jsonl",
    show_default=True,
    help="jsonl: one record per line (the contract); json: an array; csv: flat rows.",
)
@click.option("-q", "--quiet", is_flag=True, help="No progress bar and no summary line.")
def extract(
    paths: tuple[Path, ...], manifest: Path | None, output: Path | None, fmt: str, quiet: bool
) -> None:
    """Extract support records from documents (.txt, .md, .html, .pdf) or folders of them.

    Folders are read recursively. A document that cannot be read or processed is reported
    on stderr with its cause; the others are still processed, and the exit code is 1.
    """
    settings = load_settings()
    files = list(find_files(paths))
    summary, undated = RunSummary(), _Undated()
    with _open_output(output) as out:
        writer = RecordWriter(out, fmt)
        with Bar("extracting", quiet=quiet, at_least=PROGRESS_THRESHOLD) as bar:
            for done, result in enumerate(run(paths, manifest=manifest, settings=settings), 1):
                bar(done, len(files))
                summary.add(result)
                undated.add(result)
                if result.failure:
                    click.echo(f"error: {result.failure.message}", err=True)
                writer.write(result.records)
        writer.close()
    undated.warn()
    if not quiet:
        click.echo(_summary_line(summary, output), err=True)
    if summary.failed:
        sys.exit(1)


def db_option(function: Any) -> Any:
    return click.option(
        "--db",
        "db",
        envvar="AIDTRACE_DB",
        metavar="URL",
        help="Database: sqlite:///path.db or postgresql://user@host/db (default: AIDTRACE_DB, "
        "else aidtrace.db in the user data directory).",
    )(function)


def format_option(function: Any) -> Any:
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(ROW_FORMATS),
        default="table",
        show_default=True,
        help="Output format.",
    )(function)


@contextmanager
def reading(db: str | None, *, documents: bool = True) -> Iterator[Store]:
    """The store a read command reads: a database file that does not exist is an error (only
    ingest and demo create one), and so, with `documents`, is one nothing was ingested into."""
    url = db or default_url()
    if _missing_file(url) is not None:
        if db is None:
            raise queries.EmptyDatabase(queries.NO_DOCUMENTS)  # a fresh machine: nothing built yet
        raise ConfigError(_no_file(db))
    with open_store(url) as store:
        if documents:
            queries.require_documents(store)
        yield store


def _no_file(db: str) -> str:
    return (
        f"no database file at {_missing_file(db)} (database {db}): check the path for a typo, or "
        f"build it with 'aidtrace ingest PATH --db {db}' or 'aidtrace demo --db {db}'"
    )


def _missing_file(url: str) -> Path | None:
    """The SQLite file `url` names when it does not exist; None for PostgreSQL, memory or a file there."""
    if "://" in url and not url.startswith("sqlite:///"):
        return None  # PostgreSQL (or an unsupported URL, which open_store names)
    path = url.removeprefix("sqlite:///")
    return None if path == ":memory:" or Path(path).exists() else Path(path)


def _donor(store: Store, text: str | None) -> str | None:
    return resolve_donor(store, text, name="--donor") if text is not None else None


def _period(since: str | None, until: str | None) -> tuple[str | None, str | None]:
    since = parse_date(since, name="--since") if since is not None else None
    until = parse_date(until, name="--until") if until is not None else None
    check_period(since, until)
    return since, until


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--manifest",
    type=click.Path(path_type=Path, dir_okay=False),
    help="JSON Lines of document metadata (default: manifest.jsonl beside the documents).",
)
@click.option("--no-reconcile", is_flag=True, help="Store only; run 'aidtrace reconcile' later.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar and no summary line.")
@db_option
def ingest(
    paths: tuple[Path, ...], manifest: Path | None, no_reconcile: bool, quiet: bool, db: str | None
) -> None:
    """Read, extract and store documents, then reconcile the measures they touch.

    Each document is one transaction: its text is stored first, then its records replace
    the old ones and mark their groups (donor, recipient, type) pending; reconciliation
    then recomputes only those groups. Unchanged documents are skipped, so re-running is safe; a run that was
    killed is finished by the next one. Failures are recorded ('aidtrace failures').
    """
    settings = load_settings()
    total = len(list(find_files(paths)))
    with open_store(db) as store:
        undated, done = _Undated(), itertools.count(1)
        with Bar("ingesting", quiet=quiet, at_least=PROGRESS_THRESHOLD) as bar:

            def step(result: DocumentResult) -> None:
                bar(next(done), total)
                undated.add(result)

            summary = pipeline.ingest(paths, store, manifest=manifest, settings=settings, on_result=step)
        for failure in summary.failures:
            click.echo(f"error: {failure.message}", err=True)
        undated.warn()
        measures = None if no_reconcile else reconcile_changes_with_bar(store, quiet=quiet)
    if not quiet:
        line = _summary_line(summary, None) + f", {summary.unchanged} unchanged"
        if measures is not None:
            line += f"; {measures} measures"
        click.echo(line + f" (run {summary.run_id})", err=True)
    if summary.failed:
        sys.exit(1)


@main.command(name="reconcile")
@reconcile_options
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
@db_option
def reconcile_command(
    workers: int | None, engine: str, address: str | None, quiet: bool, db: str | None
) -> None:
    """Group every stored record into measures again, split by donor over processes.

    Ingest, upload and review recompute only the groups (donor, recipient, type) they
    touch; run this after upgrading aidtrace or changing its rules. One reconciliation runs
    at a time per database: a second one waits for the first.
    """
    check_address(engine, address)
    with reading(db, documents=False) as store:
        count = reconcile_with_bar(store, quiet=quiet, workers=workers, engine=engine, address=address)
    click.echo(f"{count} measures")


@main.command(name="measures")
@click.option("--donor", metavar="DONOR", help="Donor code or name, e.g. JPN, Japan, EU.")
@click.option("--type", "kind", type=click.Choice(RECORD_TYPES), help="Record type.")
@click.option("--category", type=click.Choice(CATEGORIES), help="Aid category.")
@click.option("--since", metavar="DATE", help="On or after this date (YYYY, YYYY-MM or YYYY-MM-DD).")
@click.option("--until", metavar="DATE", help="On or before this date.")
@click.option("--aggregates", is_flag=True, help="Running totals and estimates instead of single measures.")
@click.option(
    "--status",
    type=click.Choice(STATUSES),
    help="Only measures of this counting status (default: any but rejected).",
)
@click.option(
    "--search", metavar="WORDS", help="Only measures a source sentence of which contains WORDS (shown)."
)
@click.option("--limit", type=click.IntRange(1), default=100, show_default=True)
@format_option
@db_option
def measures_command(
    donor: str | None,
    kind: str | None,
    category: str | None,
    since: str | None,
    until: str | None,
    aggregates: bool,
    status: str | None,
    search: str | None,
    limit: int,
    fmt: str,
    db: str | None,
) -> None:
    """List measures, newest first: a short id ('aidtrace show ID'), the donor, what the
    measure is, its counting status, amount and date.

    Status: counted (in the sums), part_of (a component of a counted measure, named in
    part_of_measure), running_total (a total reported by a source), collective (a G7 or
    NATO figure made of members' shares), rejected (every mention rejected by review).
    JSON and CSV give every field, with description, donor_name and first_source.
    """
    since, until = _period(since, until)
    with reading(db) as store:
        q = search.strip() if search and search.strip() else None
        filters: dict[str, Any] = {
            "donor": _donor(store, donor),
            "type": kind,
            "category": category,
            "since": since,
            "until": until,
            "aggregate": None if status else aggregates,
            "status": status,
            "q": q,
        }
        rows = queries.describe(store, queries.measures(store, **filters, limit=limit))
        if q:
            queries.matches(store, rows, q)
        total = queries.measure_count(store, **filters) if len(rows) == limit else len(rows)
        short = queries.short_ids(store, [row["measure_id"] for row in rows])
    if fmt == "json":
        click.echo(render_rows(rows, fmt=fmt))
    elif fmt == "csv":
        click.echo(render_rows([_flat_measure(row) for row in rows], fmt=fmt, columns=MEASURE_CSV), nl=False)
    else:
        table = [_measure_line(row, short[row["measure_id"]]) for row in rows]
        columns = ["id", "donor", "what", "amount", "date"]
        columns.append("sentence" if q else "description")
        click.echo(
            render_rows(table, fmt=fmt, columns=columns, width=_terminal_width(), empty="No measures match.")
        )
    if total > len(rows):
        click.echo(f"showing {len(rows):,} of {total:,} measures; --limit {total} shows all", err=True)


MEASURE_CSV = [
    "measure_id",
    "donor",
    "donor_name",
    "type",
    "status",
    "category",
    "subtype",
    "stage",
    "amount_value",
    "amount_unit",
    "amount_approx",
    "value_usd",
    "value_eur",
    "date",
    "placed_on",
    "placed_by",
    "part_of_measure",
    "mentions",
    "conflicts",
    "description",
    "first_source_title",
    "first_source_url",
]


def _flat_measure(row: dict[str, Any]) -> dict[str, Any]:
    source = row.get("first_source") or {}
    return {**row, "first_source_title": source.get("title"), "first_source_url": source.get("url")}


def _measure_line(row: dict[str, Any], short_id: str) -> dict[str, Any]:
    """A measure as one table row for people: short id, donor by name, what, how much, when."""
    match = row.get("match")
    return {
        "id": short_id,
        "donor": donor_label(row.get("donor")),
        "what": " ".join(part for part in (row["type"], row.get("stage")) if part)
        + ("" if row["status"] == "counted" else f" ({row['status'].replace('_', ' ')})"),
        "amount": amount_text(row.get("amount_value"), row.get("amount_unit"), row.get("amount_approx")),
        "date": _when(row),
        "description": row.get("description"),
        "sentence": match and _marked(match),
    }


def _marked(match: dict[str, Any]) -> str:
    """The matching sentence with each matched passage between » and «."""
    sentence, text, at = match["sentence"], [], 0
    for start, end in match["marks"]:
        text.append(f"{sentence[at:start]}»{sentence[start:end]}«")
        at = end
    return " ".join(("".join(text) + sentence[at:]).split())


@main.command(name="search")
@click.argument("words", nargs=-1, required=True)
@click.option(
    "--in",
    "what",
    type=click.Choice(["records", "documents"]),
    default="records",
    show_default=True,
    help="Search records' source sentences or documents' titles.",
)
@click.option("--donor", metavar="DONOR", help="Only records of this donor (code or name).")
@click.option("--limit", type=click.IntRange(1, 100), default=20, show_default=True)
@format_option
@db_option
def search_command(
    words: tuple[str, ...], what: str, donor: str | None, limit: int, fmt: str, db: str | None
) -> None:
    """Full-text search: the records whose source sentences (or the documents whose titles)
    say WORDS, best first, the words marked between » and «. Words are stemmed ("tranches"
    finds "tranche"); punctuation and operators are ignored."""
    with reading(db) as store:
        found = store_search.search(
            store,
            " ".join(words),
            what="documents" if what == "documents" else "records",
            donor=_donor(store, donor),
            limit=limit,
            name="WORDS",
        )
    if fmt in ("json", "csv"):
        rows = (
            [{**hit, "snippet": hit["snippet"]["text"]} for hit in found.items]
            if fmt == "csv"
            else found.items
        )
        click.echo(render_rows(rows, fmt=fmt), nl=fmt != "csv")
    else:
        table = [_hit_line(hit, what) for hit in found.items]
        columns = (
            ["record", "donor", "type", "date", "sentence"]
            if what == "records"
            else ["document", "published", "title"]
        )
        click.echo(
            render_rows(table, fmt=fmt, columns=columns, width=_terminal_width(), empty="Nothing found.")
        )
    if found.capped:
        click.echo(f"ranked {found.found:,} of the matches only; add words to narrow the search", err=True)


def _hit_line(hit: dict[str, Any], what: str) -> dict[str, Any]:
    marked = _marked({"sentence": hit["snippet"]["text"], "marks": hit["snippet"]["marks"]})
    if what == "documents":
        return {"document": hit["doc_id"], "published": hit["published"], "title": marked}
    return {
        "record": hit["record_id"],
        "donor": donor_label(hit["donor"]),
        "type": hit["type"],
        "date": hit["date"],
        "sentence": marked,
    }


@main.command()
@click.option(
    "--by",
    default="donor",
    show_default=True,
    metavar="KEYS",
    help="Comma-separated grouping: donor, type, category, stage, year.",
)
@click.option("--currency", type=click.Choice(["USD", "EUR"]), default="USD", show_default=True)
@click.option("--constant", type=int, metavar="YEAR", help="In constant prices of this base year (USD only).")
@click.option("--donor", metavar="DONOR", help="Only this donor (code or name).")
@click.option(
    "--as-of",
    "as_of",
    metavar="DATE",
    help="With --donor: counted aid committed and delivered up to DATE (YYYY-MM-DD) in USD, "
    "beside the running totals sources reported by then (fields: docs/totals.md).",
)
@format_option
@db_option
def totals(
    by: str,
    currency: str,
    constant: int | None,
    donor: str | None,
    as_of: str | None,
    fmt: str,
    db: str | None,
) -> None:
    """Sum counted measures by group; running totals are shown beside them, never added in.

    Only measures of status 'counted' are summed (see 'aidtrace measures --help'). Measures
    without a date of their own are the 'undated' row of a grouping by year. Constant
    prices deflate USD with the US GDP deflator, so they are given in USD only.
    """
    if constant is not None:
        check_constant_year(constant, name="--constant")
        if currency != "USD":
            raise InvalidParameter(
                "--constant",
                f"--constant {constant} with --currency {currency}: constant prices use the US GDP "
                f"deflator and are given in USD; use --currency USD --constant {constant}",
            )
    if as_of is not None:
        _totals_as_of(donor, parse_date(as_of, name="--as-of"), fmt, db)
        return
    keys = tuple(k.strip() for k in by.split(",") if k.strip())
    with reading(db) as store:
        donor = _donor(store, donor)
        result = queries.totals(store, by=keys, currency=currency, constant=constant, donor=donor)
    if fmt == "json":
        click.echo(json.dumps(result, indent=1, default=str))
        return
    label = f"total {currency}" + (f" ({constant} prices)" if constant else "")
    rows = [{**r, label: r["total"], **_undated(r), **_named(r)} for r in result["totals"]]
    has_gdp = "percent_of_gdp_2021" in (result["totals"] or [{}])[0]
    click.echo(
        render_rows(
            rows,
            fmt=fmt,
            columns=[*keys, label, "measures", *(["percent_of_gdp_2021"] if has_gdp else [])],
            title="Counted measures",
            width=_terminal_width(),
            empty="No counted measures.",
        )
    )
    if fmt == "table":
        click.echo(
            render_rows(
                [{**r, **_named(r)} for r in result["reported"]],
                fmt=fmt,
                title="Reported totals (not added in)",
                columns=[
                    "donor",
                    "type",
                    "amount_value",
                    "amount_unit",
                    "value",
                    "period_start",
                    "period_end",
                    "mentions",
                ],
                width=_terminal_width(),
                empty="None reported.",
            )
        )


def _totals_as_of(donor: str | None, as_of: str, fmt: str, db: str | None) -> None:
    if not donor:
        raise InvalidRequest("--as-of needs --donor: totals as of a date are a donor's (e.g. --donor JPN)")
    with reading(db) as store:
        found = queries.totals_as_of(store, donor=resolve_donor(store, donor, name="--donor"), as_of=as_of)
    click.echo(json.dumps(found, indent=1) if fmt == "json" else _as_of_text(found, fmt))


def _named(row: dict[str, Any]) -> dict[str, Any]:
    """For tables: the donor by name and code."""
    return {"donor": donor_label(row["donor"])} if row.get("donor") else {}


def _undated(row: dict[str, Any]) -> dict[str, Any]:
    return {"year": "undated"} if "year" in row and row["year"] is None else {}


def _as_of_text(found: dict[str, Any], fmt: str) -> str:
    summary = [
        {"figure": "committed (counted, pledged or delivered)", "USD": found["committed_usd"]},
        {"figure": "delivered (counted)", "USD": found["delivered_usd"]},
    ]
    latest = found["latest_reported"]
    if latest is not None:
        summary.append({"figure": f"latest reported total ({latest['as_of']})", "USD": latest["value_usd"]})
        summary.append({"figure": "difference", "USD": f"{found['difference_pct']:+.1f}%"})
    notes = f"{found['measures']} counted measures"
    if found["placed_at_first_report"]:
        notes += f", {found['placed_at_first_report']} of them undated (placed at their first report)"
    if found["unpriced"]:
        notes += f"; {found['unpriced']} without a USD value left out"
    head = render_rows(summary, fmt=fmt, title=f"{found['donor']} as of {found['as_of']} ({notes})")
    return head + "\n" + _reported_table(found["reported"], fmt)


def _reported_table(reported: list[dict[str, Any]], fmt: str) -> str:
    rows = [
        {
            **point,
            "computed_usd": point["computed_usd"],
            "difference": f"{point['difference_pct']:+.1f}%" if point["difference_pct"] is not None else "",
            "source": "; ".join(
                f"{s['title'] or s['doc_id']}: {s['sentence']}" + (f" <{s['url']}>" if s["url"] else "")
                for s in point["sources"]
            ),
        }
        for point in reported
    ]
    return render_rows(
        rows,
        fmt=fmt,
        title="Running totals reported, each against the computed sum over its span",
        columns=["as_of", "value_usd", "computed_usd", "basis", "difference", "coverage", "source"],
        width=_terminal_width(),
    )


@main.command()
@click.option("--donor", metavar="DONOR", required=True, help="Donor code or name, e.g. JPN or Japan.")
@format_option
@db_option
def cumulative(donor: str, fmt: str, db: str | None) -> None:
    """At each date a source reports a donor's running total: the computed cumulative sums.

    For every as-of date of a reported running total: the cumulative committed and delivered
    sums of counted aid measures up to it (USD), the reported total(s) with their sources,
    and the difference in percent. Undated measures count from the publication date of their
    earliest source. '--format json' gives the fields of docs/totals.md.
    """
    with reading(db) as store:
        found = queries.cumulative(store, donor=resolve_donor(store, donor, name="--donor"))
    if fmt == "json":
        click.echo(json.dumps(found, indent=1))
        return
    click.echo(_cumulative_text(found, fmt))


def _cumulative_text(found: dict[str, Any], fmt: str) -> str:
    rows = [
        {
            "as_of": point["as_of"],
            "committed_usd": point["committed_usd"],
            "delivered_usd": point["delivered_usd"],
            "reported_usd": "; ".join(f"{r['value_usd']:,.0f}" for r in point["reported"]),
            "difference": f"{point['difference_pct']:+.1f}%" if point["difference_pct"] is not None else "",
            "coverage": "; ".join(r["coverage"] for r in point["reported"] if r["coverage"]),
        }
        for point in found["points"]
    ]
    title = f"{donor_label(found['donor'])}: computed cumulative aid (counted measures) against reported running totals"
    table = render_rows(rows, fmt=fmt, title=title, width=_terminal_width())
    reported = [r for point in found["points"] for r in point["reported"]]
    return table + ("\n" + _reported_table(reported, fmt) if fmt == "table" and reported else "")


@main.command()
@click.argument("measure_id")
@format_option
@db_option
def show(measure_id: str, fmt: str, db: str | None) -> None:
    """One measure: its attributes, every mention with its sentence and source, conflicts.

    MEASURE_ID may be the short id 'aidtrace measures' shows, or any unambiguous start of it.
    Sources are numbered [1], [2] ... and named by title, publisher, date and URL.
    """
    with reading(db) as store:
        found = queries.measure(store, measure_id)
        queries.describe(store, [found])
    if fmt == "json":
        click.echo(json.dumps(found, indent=1, default=str))
        return
    if fmt == "csv":
        columns = ["doc_id", "title", "publisher", "published", "url", "date", "amount_value", "amount_unit"]
        click.echo(render_rows(found["mentions"], fmt=fmt, columns=[*columns, "evidence_text"]), nl=False)
        return
    click.echo("\n".join(_show_lines(found)))


def _show_lines(found: dict[str, Any]) -> list[str]:
    """A measure for people: what it is, its fields, its mentions by numbered source, and
    which source each attribute, agreement and conflict comes from."""
    mentions, conflicts = found.pop("mentions"), found.pop("conflicts")
    provenance, agreement = found.pop("provenance") or {}, found.pop("agreement")
    description = found.pop("description", None)
    for key in ("whole", "first_source", "items", "donor_name"):
        found.pop(key, None)
    number = {doc: n for n, doc in enumerate(dict.fromkeys(m["doc_id"] for m in mentions), 1)}
    by_record = {m["record_id"]: m["doc_id"] for m in mentions}
    lines = [f"{found['measure_id']}  {donor_label(found['donor'])}, {found['type']}: {description}", ""]
    fields = [{"field": k, "value": donor_label(v) if k == "donor" else v} for k, v in found.items()]
    lines.append(render_rows(fields, fmt="table", width=_terminal_width()))
    lines.append(f"counting status: {STATUS_TEXT.get(found['status'], found['status'])}")
    rows = [
        {
            "source": f"[{number[m['doc_id']]}]",
            "date": m["date"],
            "amount": amount_text(m["amount_value"], m["amount_unit"], m["amount_approx"]),
            "sentence": " ".join(m["evidence_text"].split()),
        }
        for m in mentions
    ]
    lines.append(render_rows(rows, fmt="table", title="Mentions", width=_terminal_width(), empty="None."))
    lines.append("Sources:")
    for doc_id, n in number.items():
        m = next(m for m in mentions if m["doc_id"] == doc_id)
        said = ", ".join(part for part in (m["publisher"], m["published"]) if part)
        lines.append(f"  [{n}] {m['title'] or doc_id}" + (f" ({said})" if said else ""))
        lines += [f"      {m['url']}"] if m["url"] else []

    def ref(doc_id: str) -> str:
        return f"[{number[doc_id]}]" if doc_id in number else doc_id

    sources = {k: ref(by_record.get(v, v)) for k, v in provenance.items()}
    lines.append("attributes from: " + (", ".join(f"{k} {v}" for k, v in sources.items()) or "none"))
    if agreement:
        lines.append("mentions agreed on: " + (", ".join(agreement["agreed"]) or "nothing"))
        for attribute, said in agreement["disagreed"].items():
            values = "; ".join(f"{v['value']} {ref(v['doc_id'])}" for v in said)
            lines.append(f"mentions disagreed on {attribute}: {values}")
    for conflict in conflicts:
        lines.append(f"CONFLICT {conflict['field']}: {conflict_text(conflict, ref)}")
    return lines


@main.command(name="conflicts")
@click.option("--donor", metavar="DONOR", help="Only this donor (code or name).")
@click.option(
    "--field",
    type=click.Choice(["amount", "coverage"]),
    help="amount: sources give different figures for one measure; coverage: the computed "
    "cumulative sum differs from a reported running total by more than 15%.",
)
@format_option
@db_option
def conflicts_command(donor: str | None, field: str | None, fmt: str, db: str | None) -> None:
    """Conflicts: figures sources disagree on, and running totals the computed sum misses.

    A coverage conflict compares a running total a source reports with the sum of counted
    measures over the same span: below it by more than 15%, measures are missing; above
    it, double counting is suspected. Both figures and their sources are listed.
    """
    with reading(db) as store:
        rows = queries.conflicts(store, donor=_donor(store, donor), field=field)
        short = queries.short_ids(store, [row["measure_id"] for row in rows])
    if fmt == "json":
        click.echo(json.dumps(rows, indent=1, default=str))
        return
    for row in rows:
        row.update(details=conflict_text(row), id=short[row["measure_id"]], **_named(row))
    click.echo(
        render_rows(
            rows,
            fmt=fmt,
            columns=["id" if fmt == "table" else "measure_id", "donor", "type", "date", "field", "details"],
            width=_terminal_width(),
            empty="No conflicts.",
        )
    )


STATUS_TEXT = {
    "counted": "counted (in the sums)",
    "part_of": "part of another measure (the whole is counted, not this)",
    "running_total": "running total reported by a source (shown beside the sums, never added)",
    "collective": "collective figure of members' shares (shown apart, never summed with the members)",
    "rejected": "rejected by review (every mention)",
}


def conflict_text(conflict: dict[str, Any], ref: Callable[[str], str] = str) -> str:
    """One line: the figures that disagree with their documents (`ref` names a document by
    its doc_id), or a coverage conflict."""
    if conflict["field"] == "coverage":
        c = conflict["coverage"]
        sources = "; ".join(
            f"{s['title'] or s['doc_id']}" + (f" <{s['url']}>" if s["url"] else "") for s in c["sources"]
        )
        return (
            f"{c['kind']}: reported USD {c['reported_usd']:,.0f} as of {c['as_of']} ({sources}); "
            f"computed {c['basis']} USD {c['computed_usd']:,.0f} ({c['difference_pct']:+.1f}%)"
        )
    return "; ".join(f"{v['value']:,.0f} {v['unit']} ({ref(v['doc_id'])})" for v in conflict["values"])


@main.command()
@click.option("--donor", metavar="DONOR", required=True, help="Donor code or name, e.g. JPN or Japan.")
@format_option
@db_option
def timeline(donor: str, fmt: str, db: str | None) -> None:
    """A donor's measures in date order, each with its counting status; an undated measure
    stands at its first report (placed_by: first_reported)."""
    with reading(db) as store:
        rows = timeline_rows(store, resolve_donor(store, donor, name="--donor"))
    if fmt == "json":
        click.echo(render_rows(rows, fmt=fmt))
        return
    columns = ["when", "what", "amount", "id", "description"]
    if fmt == "csv":
        columns = ["date", "placed_by", "type", "status", "category", "subtype", "stage", "amount_value"]
        columns += ["amount_unit", "value_usd", "mentions", "measure_id", "description"]
    click.echo(render_rows(rows, fmt=fmt, columns=columns, width=_terminal_width(), empty="No measures."))


def timeline_rows(store: Store, donor: str) -> list[dict[str, Any]]:
    """queries.timeline with `date` for its `when_`, descriptions, and table cells (what, amount, id)."""
    rows = queries.describe(store, queries.timeline(store, donor=donor))
    short = queries.short_ids(store, [row["measure_id"] for row in rows])
    for row in rows:
        row["date"] = row.pop("when_")
        line = _measure_line(row, short[row["measure_id"]])
        row.update(what=line["what"], amount=line["amount"], id=line["id"], when=line["date"])
    return rows


def _when(row: dict[str, Any]) -> str | None:
    """A measure's date for a table: its own, or '(2024-02-20)', the day it stands at when it
    states none (its first report, or the end of its period)."""
    placed = row.get("placed_on") or row.get("date")
    if placed and (row.get("placed_by") == "first_reported" or not row.get("date")):
        return f"({placed})"
    return row.get("date")


@main.command(name="failures")
@click.option("--run", "run_id", metavar="RUN", help="Only this run.")
@format_option
@db_option
def failures_command(run_id: str | None, fmt: str, db: str | None) -> None:
    """Documents that could not be read or processed, with the cause."""
    with reading(db, documents=False) as store:
        rows = queries.failures(store, run_id=run_id)
    click.echo(
        render_rows(
            rows,
            fmt=fmt,
            columns=["at", "run_id", "source", "error", "message"],
            width=_terminal_width(),
            empty="No failures.",
        )
    )


@main.command(name="export")
@click.option("--what", type=click.Choice(WHAT), default="measures", show_default=True)
@click.option("--format", "fmt", type=click.Choice(EXPORT_FORMATS), default="csv", show_default=True)
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), required=True)
@click.option("--donor", metavar="DONOR", help="Measures of this donor (code or name).")
@click.option("--type", "kind", type=click.Choice(RECORD_TYPES), help="Measures of this type.")
@click.option("--category", type=click.Choice(CATEGORIES), help="Measures of this aid category.")
@click.option("--stage", type=click.Choice(STAGES), help="Measures at this stage.")
@click.option("--since", metavar="DATE", help="Measures on or after this date (YYYY[-MM[-DD]]).")
@click.option("--until", metavar="DATE", help="Measures on or before this date.")
@click.option(
    "--kind",
    "which",
    type=click.Choice(["single", "totals", "all"]),
    default="all",
    show_default=True,
    help="Single measures, running totals reported by sources, or both.",
)
@click.option("--status", type=click.Choice(STATUSES), help="Measures of this counting status.")
@click.option("--search", metavar="WORDS", help="Measures a source sentence of which contains WORDS.")
@click.option(
    "--sort", type=click.Choice(list(queries.SORTS)), help="Order of the measures (default: donor)."
)
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
@db_option
def export_command(
    what: str, fmt: str, output: Path, db: str | None, which: str, quiet: bool, **given: str | None
) -> None:
    """Export measures, records or documents, with evidence and sources.

    The filters are those of the dashboard's measures table and of GET /api/exports/measures
    (kind, donor, type, category, stage, since, until, status, search, sort); they apply to
    measures only. Spreadsheet formats (csv, xlsx, parquet) have one flat column a value.
    """
    since, until = _period(given.pop("since"), given.pop("until"))
    chosen = {
        "type": given.pop("kind"),
        "q": (given.pop("search") or "").strip() or None,
        "since": since,
        "until": until,
        **given,
    }
    with reading(db) as store:
        chosen["donor"] = _donor(store, chosen["donor"])
        filters: dict[str, Any] = {key: value for key, value in chosen.items() if value is not None}
        if which != "all" and not chosen["status"]:
            filters["aggregate"] = which == "totals"
        with Bar(f"exporting {what}", quiet=quiet, at_least=EXPORT_BAR_ROWS) as bar:
            count = export(store, what=what, fmt=fmt, path=output, filters=filters or None, progress=bar)
    click.echo(f"{count:,} {what} written to {output}", err=True)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option(
    "--token-file",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="File holding the write token (default: AIDTRACE_TOKEN; neither: read-only).",
)
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True, help="Server processes.")
@db_option
def serve(host: str, port: int, token_file: Path | None, workers: int, db: str | None) -> None:
    """Serve the dashboard and the HTTP API (docs at /api/docs).

    Reads are open. Uploads and reviews need the write token: API clients send
    'Authorization: Bearer <token>', people sign in on the dashboard with it.
    """
    import secrets

    import uvicorn

    from aidtrace.web import WebConfig, create_app
    from aidtrace.web.app import exposure_warning

    if token_file is not None:
        if not token_file.read_text(encoding="utf-8").strip():
            raise ConfigError(f"{token_file} is empty; write the token in it, or leave --token-file out")
        # the path, not the token, goes to the workers: no secret in any process's environment
        os.environ["AIDTRACE_TOKEN_FILE"] = str(token_file.resolve())
    if db:
        if _missing_file(db) is not None:  # the server may fill it by uploads: said, not refused
            click.echo(f"warning: {_no_file(db)}; starting with a new, empty database", err=True)
        os.environ["AIDTRACE_DB"] = db
    # one signing secret for every worker, so a session works whichever process answers
    if not os.environ.get("AIDTRACE_SECRET"):
        os.environ["AIDTRACE_SECRET"] = secrets.token_urlsafe(32)
    config = WebConfig.from_env()  # a bad setting fails here, before anything listens
    warning = exposure_warning(host, token=config.token)
    if warning:
        click.echo(f"warning: {warning}", err=True)
    writes = "writes need the token" if config.token else "read-only (no token configured)"
    click.echo(f"aidtrace serving on http://{host}:{port}/ ({writes}); Ctrl+C stops", err=True)
    if workers == 1:
        uvicorn.run(create_app(config), host=host, port=port, log_level="warning")
    else:
        open_store(config.db).close()  # migrate once, before the workers start
        uvicorn.run(
            "aidtrace.web:app_from_env",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level="warning",
        )


@main.command()
@click.option(
    "--db",
    "db",
    metavar="URL",
    envvar="AIDTRACE_DB",
    help="Build the demo database here (default: AIDTRACE_DB, else aidtrace.db in the user data "
    "directory, the database every other command reads).",
)
@click.option(
    "--donor", default="JPN", show_default=True, metavar="DONOR", help="The donor whose profile to print."
)
@click.option("--width", type=int, default=None, help="Table width in characters (default: terminal).")
def demo(db: str | None, donor: str, width: int | None) -> None:
    """Build the default database from the bundled example documents and print a donor's profile.

    Japan is told by the answer-key set (examples/japan, 39 documents whose distinct measures
    and cumulative sums are written down in answer_key.json); the other donors by the
    top-level examples. Re-running is safe: unchanged documents are skipped.
    """
    url = db or default_url()
    width = width or _terminal_width()
    with open_store(url) as store:
        summary, sources, done = RunSummary(), demo_sources(), itertools.count(1)
        total = sum(len(list(find_files(files))) for _folder, files in sources)
        with Bar("ingesting", at_least=PROGRESS_THRESHOLD) as bar:
            for folder, files in sources:
                summary.merge(
                    pipeline.ingest(
                        files,
                        store,
                        manifest=folder / "manifest.jsonl",
                        on_result=lambda _result: bar(next(done), total),
                    )
                )
        measures = reconcile_with_bar(store)
        click.echo(_summary_line(summary, None) + f"; {measures} measures")
        if db is None:
            click.echo(f"database: {url}  (aidtrace serve, measures, totals ... read it by default)")
        else:
            click.echo(f"database: {url}  (give the other commands --db {url}, or set AIDTRACE_DB to it)")
        for line in profile(store, resolve_donor(store, donor, name="--donor"), width=width):
            click.echo(line)
    if summary.failed:
        sys.exit(1)


def demo_sources() -> list[tuple[Path, list[Path]]]:
    """(folder, documents) the demo ingests: the Japan answer-key set, and the top-level
    examples of other donors (the top-level Japan examples predate the answer-key set and
    are kept for the extractor's golden file; ingesting both would tell Japan twice)."""
    examples = Path(str(resources.files("aidtrace") / "examples"))
    others = sorted(
        p for p in examples.iterdir() if p.suffix in (".txt", ".md", ".html") and "japan" not in p.stem
    )
    japan = examples / "japan"
    return [(japan, [japan]), (examples, others)]


def profile(store: Store, donor: str, *, width: int) -> list[str]:
    """A donor's profile: totals by type, category and year in USD and EUR, reported totals,
    the timeline and conflicts."""
    out = [f"\n{donor_label(donor)}: support measures reconciled from the bundled sources\n"]
    for keys in (("type",), ("category",), ("year",)):
        usd = queries.totals(store, by=keys, currency="USD", donor=donor)
        eur = {
            tuple(r[k] for k in keys): r["total"]
            for r in queries.totals(store, by=keys, currency="EUR", donor=donor)["totals"]
        }
        rows = [
            {**r, "total_usd": r["total"], "total_eur": eur.get(tuple(r[k] for k in keys)), **_undated(r)}
            for r in usd["totals"]
        ]
        out.append(
            render_rows(
                rows,
                fmt="table",
                columns=[*keys, "total_usd", "total_eur", "measures"],
                title=f"Counted measures by {keys[0]} (running totals, parts and collective figures not added in)",
                width=width,
            )
        )
    reported = queries.totals(store, by=("donor",), currency="USD", donor=donor)["reported"]
    out.append(
        render_rows(
            reported,
            fmt="table",
            title="Reported totals and estimates, beside the computed ones",
            columns=["amount_value", "amount_unit", "value", "period_start", "period_end", "mentions"],
            width=width,
        )
    )
    out.append(
        render_rows(
            timeline_rows(store, donor),
            fmt="table",
            title="Timeline",
            width=width,
            columns=["when", "what", "amount", "id", "description"],
        )
    )
    out.append(_cumulative_text(queries.cumulative(store, donor=donor), "table"))
    rows = queries.conflicts(store, donor=donor)
    short = queries.short_ids(store, [row["measure_id"] for row in rows])
    for row in rows:
        row.update(details=conflict_text(row), id=short[row["measure_id"]])
    out.append(
        render_rows(
            rows,
            fmt="table",
            title="Conflicts between sources, and coverage conflicts",
            width=width,
            columns=["id", "type", "date", "field", "details"],
            empty="No conflicts.",
        )
    )
    return out


class _Undated:
    """Counts the documents read without a publication date, and warns once about them:
    their relative dates ("last December", "on Monday") cannot be resolved."""

    def __init__(self) -> None:
        self.read = self.undated = 0

    def add(self, result: DocumentResult) -> None:
        if result.doc is not None:
            self.read += 1
            self.undated += result.doc.published is None

    def warn(self) -> None:
        if self.undated:
            click.echo(
                f"warning: {self.undated} of {self.read} documents have no publication date (no manifest "
                "row, and none in the page), so relative dates in them ('last December', 'on Monday') "
                "cannot be resolved and stay unknown; give --manifest FILE, or put manifest.jsonl "
                'beside the documents: one {"doc_id": ..., "published": "YYYY-MM-DD"} a line',
                err=True,
            )


def _terminal_width() -> int:
    """The terminal's width (at least 80); COLUMNS, else 100, when the output is not a terminal."""
    if sys.stdout.isatty():
        return max(80, shutil.get_terminal_size().columns)
    return int(os.environ["COLUMNS"]) if os.environ.get("COLUMNS", "").isdigit() else 100


@contextmanager
def _open_output(path: Path | None) -> Iterator[IO[str]]:
    if path is None:
        yield sys.stdout
        return
    partial = path.with_name(path.name + ".partial")
    try:
        with partial.open("w", encoding="utf-8", newline="") as out:
            yield out
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(path)  # never leave a half-written file under the real name


def _summary_line(summary: RunSummary, output: Path | None) -> str:
    line = f"{summary.documents} documents, {summary.records} records"
    if output is not None:
        line += f" written to {output}"
    if summary.failed:
        line += f"; {summary.failed} of {summary.documents} documents failed (see the errors above)"
    return line


main.add_command(batch)
main.add_command(load)
