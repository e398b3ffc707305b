"""`aidtrace batch` and `aidtrace load`: parse, call `aidtrace.batch`, report on stderr.

Exit codes as for the other commands: 0 every document processed; 1 some document failed
(each failure is in the folder's failures partitions) or a setting is wrong; 2 bad usage.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click

from aidtrace import bars
from aidtrace.batch.engines import ENGINES
from aidtrace.batch.job import PARTITION_SIZE, BatchSummary, run_batch
from aidtrace.batch.load import load_batch
from aidtrace.errors import AidtraceError
from aidtrace.model import RunSummary
from aidtrace.settings import load_settings
from aidtrace.store import open_store

LOG_INTERVAL = 10.0  # seconds between progress lines when stderr is not a terminal (a log file)
SHOWN_FAILURES = 20


@click.command()
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@click.option(
    "--out",
    required=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="Folder for the partitions (created if needed; a re-run resumes in it).",
)
@click.option(
    "--engine",
    type=click.Choice(ENGINES),
    default="local",
    show_default=True,
    help="local: worker processes on this machine; ray: tasks on a Ray cluster (pip install 'aidtrace[ray]').",
)
@click.option(
    "--address",
    metavar="ADDR",
    help="With --engine ray: the cluster to submit to (host:port, or 'auto' for one started on this "
    "machine with 'ray start'); default: start Ray on this machine.",
)
@click.option(
    "--workers",
    type=click.IntRange(1),
    help="Worker processes (local), or CPUs of the Ray started here; default: all cores.",
)
@click.option(
    "--partition-size",
    type=click.IntRange(1),
    default=PARTITION_SIZE,
    show_default=True,
    help="Documents per partition: the unit of work, of output files and of resuming.",
)
@click.option(
    "--manifest",
    type=click.Path(path_type=Path, dir_okay=False),
    help="JSON Lines of doc_id, title, publisher, url, published for document files "
    "(default: manifest.jsonl beside them).",
)
@click.option("-q", "--quiet", is_flag=True, help="No progress bar and no summary line.")
def batch(
    inputs: tuple[str, ...],
    out: Path,
    engine: str,
    address: str | None,
    workers: int | None,
    partition_size: int,
    manifest: Path | None,
    quiet: bool,
) -> None:
    """Extract documents at scale into JSON Lines partitions in a folder; store them with 'aidtrace load'.

    INPUT is a document (.txt, .md, .html, .pdf), a folder (read recursively), a quoted glob
    such as 'crawl/*.jsonl.gz', or a JSON Lines archive (.jsonl, .jsonl.gz) with one document
    per line: {"doc_id": ..., "text": ..., "title": ..., "publisher": ..., "url": ...,
    "published": "YYYY-MM-DD", "format": "text" or "html"}.

    Each document is extracted exactly as 'aidtrace extract' does. A document that fails is
    written to the failures partition and the job goes on; the exit code is then 1. A job
    that was interrupted resumes where it stopped: run the same command again.
    """
    check_address(engine, address)
    with _user_errors(), _progress("batch", quiet) as show:
        summary = run_batch(
            inputs,
            out,
            settings=load_settings(),
            engine=engine,
            workers=workers,
            address=address,
            partition_size=partition_size,
            manifest=manifest,
            on_progress=lambda s: show(s.finished + s.skipped, s.partitions, _batch_progress(s)),
        )
    _report_failures(summary.failures, summary.total.failed, where=f"{out}/part-*.failures.jsonl")
    if not quiet:
        click.echo(_batch_summary(summary), err=True)
    if summary.total.failed:
        sys.exit(1)


F = TypeVar("F", bound=Callable[..., Any])


def reconcile_options(command: F) -> F:
    """--workers, --engine and --address of a command that reconciles every measure."""
    options = [
        click.option(
            "--workers",
            type=click.IntRange(1),
            help="Reconcile donors in this many processes (local) or CPUs of the Ray started here; "
            "default: all cores from 20,000 records, else one.",
        ),
        click.option(
            "--engine",
            type=click.Choice(ENGINES),
            default="local",
            show_default=True,
            help="Reconcile donors in worker processes on this machine (local) or as Ray tasks (ray).",
        ),
        click.option(
            "--address",
            metavar="ADDR",
            help="With --engine ray: the cluster (host:port, or 'auto'); default: start Ray on this machine.",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def check_address(engine: str, address: str | None) -> None:
    if address and engine != "ray":
        raise click.UsageError("--address goes with --engine ray")


@click.command()
@click.argument("folder", type=click.Path(path_type=Path, file_okay=False, exists=True))
@click.option("--no-reconcile", is_flag=True, help="Store only; run 'aidtrace reconcile' later.")
@reconcile_options
@click.option("-q", "--quiet", is_flag=True, help="No progress bar and no summary line.")
@click.option(
    "--db",
    envvar="AIDTRACE_DB",
    metavar="URL",
    help="Database: sqlite:///path.db or postgresql://user@host/db (default: AIDTRACE_DB, "
    "else aidtrace.db in the user data directory).",
)
def load(
    folder: Path,
    no_reconcile: bool,
    workers: int | None,
    engine: str,
    address: str | None,
    quiet: bool,
    db: str | None,
) -> None:
    """Store the partitions of a finished 'aidtrace batch' folder, then reconcile measures.

    Loading is idempotent: documents already stored with the same text and extractor are
    skipped, changed ones have their records replaced (one transaction per document), and
    failed documents are recorded ('aidtrace failures'). The exit code is 1 when the folder
    holds failures. Reconciliation is split by donor over --workers processes or Ray tasks.
    """
    check_address(engine, address)
    with _user_errors(), open_store(db) as store:
        with _progress("loading", quiet) as show:
            summary = load_batch(
                folder, store, on_partition=lambda s, done, total: show(done, total, _load_progress(s))
            )
        measures = None
        if not no_reconcile:
            measures = bars.reconcile_with_bar(
                store, quiet=quiet, workers=workers, engine=engine, address=address
            )
    _report_failures(
        [f.message for f in summary.failures],
        summary.failed,
        where=f"'aidtrace failures --run {summary.run_id}'",
    )
    if not quiet:
        line = f"{summary.documents:,} documents, {summary.records:,} records stored, {summary.unchanged:,} unchanged"
        if summary.failed:
            line += f"; {summary.failed:,} of {summary.documents:,} documents failed"
        if measures is not None:
            line += f"; {measures:,} measures"
        click.echo(line + f" (run {summary.run_id})", err=True)
    if summary.failed:
        sys.exit(1)


@contextmanager
def _progress(label: str, quiet: bool) -> Iterator[Callable[[int, int, str], None]]:
    """`show(partitions done, partitions, line)`: a bar on a terminal; elsewhere (a log file)
    the line every LOG_INTERVAL seconds, so a long job shows it is alive; nothing with --quiet."""
    to_log, last = not quiet and not bars.is_terminal(), [0.0]
    with bars.Bar(label, quiet=quiet) as bar:

        def show(done: int, total: int, line: str) -> None:
            bar(done, total, line)
            if to_log and time.monotonic() - last[0] >= LOG_INTERVAL:
                last[0] = time.monotonic()
                click.echo(f"{label}: {done:,} of {total:,} partitions, {line}", err=True)

        yield show


def _batch_progress(summary: BatchSummary) -> str:
    total = summary.total
    line = f"{total.documents:,} documents, {summary.rate():,.0f} documents/s, {total.failed:,} failed"
    return line + (f" ({summary.skipped:,} partitions finished earlier)" if summary.skipped else "")


def _batch_summary(summary: BatchSummary) -> str:
    total = summary.total
    line = (
        f"{total.documents:,} documents, {total.records:,} records in {summary.partitions:,} partitions "
        f"in {summary.out}"
    )
    if summary.skipped:
        line += f" ({summary.skipped:,} finished by an earlier run)"
    if summary.counts.documents:
        line += f"; {summary.rate():,.1f} documents/s, {summary.rate('words'):,.0f} words/s in {summary.seconds:,.1f} s"
    if total.failed:
        line += f"; {total.failed:,} of {total.documents:,} documents failed"
    return line


def _load_progress(summary: RunSummary) -> str:
    return f"{summary.documents:,} documents, {summary.records:,} records, {summary.failed:,} failed"


def _report_failures(messages: list[str], count: int, *, where: str) -> None:
    for message in messages[:SHOWN_FAILURES]:
        click.echo(f"error: {message}", err=True)
    if count > SHOWN_FAILURES:
        click.echo(f"... {count - SHOWN_FAILURES:,} more failures: see {where}", err=True)


@contextmanager
def _user_errors() -> Iterator[None]:
    """An error the user can act on becomes one 'Error: ...' line and exit code 1 (as in aidtrace.cli)."""
    try:
        yield
    except AidtraceError as err:
        raise click.ClickException(str(err)) from None
