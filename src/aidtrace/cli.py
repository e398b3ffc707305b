"""The command line: parse, call the library, format. Nothing here is worth testing alone.

Exit codes: 0 all documents processed; 1 some document failed (each one reported on
stderr) or a setting is wrong; 2 bad usage.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import IO, Any

import click

from aidtrace import __version__
from aidtrace.errors import AidtraceError
from aidtrace.ingest import find_files
from aidtrace.model import DocumentResult, Record, RunSummary
from aidtrace.output import FORMATS, RecordWriter, render_table
from aidtrace.pipeline import run
from aidtrace.settings import load_settings

PROGRESS_THRESHOLD = 20  # documents; fewer finish before a bar would help


class AidtraceGroup(click.Group):
    """Turns errors a user can act on into one 'Error: ...' line and exit code 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except AidtraceError as err:
            raise click.ClickException(str(err)) from None


@click.group(cls=AidtraceGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="aidtrace")
def main() -> None:
    """aidtrace: turn documents about support for Ukraine into evidence-linked records.

    Every record names who supported whom, how (aid, sanction, refugees, agreement,
    diplomacy), with what amount and date, and quotes the sentence that asserts it.

    \b
    Examples:
      aidtrace extract articles/                 JSON Lines on stdout
      aidtrace extract a.html b.pdf -o out.csv --format csv
      aidtrace demo                              the bundled examples as a table
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
    summary = RunSummary()
    with _open_output(output) as out:
        writer = RecordWriter(out, fmt)
        for result in _progress(run(paths, manifest=manifest, settings=settings), len(files), quiet):
            summary.add(result)
            if result.failure:
                click.echo(f"error: {result.failure.message}", err=True)
            writer.write(result.records)
        writer.close()
    if not quiet:
        click.echo(_summary_line(summary, output), err=True)
    if summary.failed:
        sys.exit(1)


@main.command()
@click.option("--width", type=int, default=None, help="Table width in characters (default: terminal).")
def demo(width: int | None) -> None:
    """Extract the bundled example documents and print their records as a table."""
    examples = Path(str(resources.files("aidtrace") / "examples"))
    summary = RunSummary()
    records: list[Record] = []
    for result in run([examples], manifest=examples / "manifest.jsonl", settings=load_settings()):
        summary.add(result)
        records.extend(result.records)
        if result.failure:
            click.echo(f"error: {result.failure.message}", err=True)
    click.echo(render_table(records, width=width or _terminal_width()))
    click.echo(_summary_line(summary, None))
    if summary.failed:
        sys.exit(1)


def _terminal_width() -> int:
    return max(100, shutil.get_terminal_size().columns) if sys.stdout.isatty() else 160


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


def _progress(results: Iterator[DocumentResult], total: int, quiet: bool) -> Iterator[DocumentResult]:
    if quiet or total < PROGRESS_THRESHOLD or not sys.stderr.isatty():
        yield from results
        return
    with click.progressbar(length=total, file=sys.stderr, label="extracting", show_pos=True) as bar:
        for result in results:
            bar.update(1)
            yield result


def _summary_line(summary: RunSummary, output: Path | None) -> str:
    line = f"{summary.documents} documents, {summary.records} records"
    if output is not None:
        line += f" written to {output}"
    if summary.failed:
        line += f"; {summary.failed} of {summary.documents} documents failed (see the errors above)"
    return line
