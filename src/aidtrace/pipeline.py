"""The architecture on one screen.

    read_document    ingest/       file + manifest row      -> Document
    extract          extractor/    Document                 -> [Record]   (pure; writes nothing)
    at the door      pipeline.py   every Record quotes its Document at its offsets, its dates
                                   are calendar dates, its figures finite and plausible
    save_*           store/        Document, [Record]       -> rows      (one transaction each)
    reconcile        reconcile.py  all records              -> measures  (one transaction)
                     reconcile_blocks.py   the groups writes marked pending -> their measures

`run` extracts a batch without a database; `ingest` also stores it: the text first, then
its records, so a process killed in between loses nothing committed and the next run
finishes the rest. One document, one failure: reading and extraction run inside the
per-document boundary, under the time budget of `budget.py`; any exception, or a document
over its budget, becomes a Failure naming the file and cause, and the batch goes on. Two
files that would get one doc_id are a failure of the second, never a silent merge.
Nothing here prints; the CLI reports.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any

from aidtrace import budget
from aidtrace.errors import ConfigError, DuplicateDocument
from aidtrace.extractor import EXTRACTORS, WARM_UPS, Extractor
from aidtrace.ingest import Manifest, failure_for, find_files, parse_document, read_document
from aidtrace.ingest.fields import partial_date_problem
from aidtrace.model import Document, DocumentResult, Failure, Record, RunSummary, check_evidence
from aidtrace.money import plausible_amounts
from aidtrace.settings import Settings, load_settings
from aidtrace.store import Store, writes


def extractor_for(settings: Settings) -> Extractor:
    try:
        return EXTRACTORS[settings.extractor]
    except KeyError:
        choices = ", ".join(sorted(EXTRACTORS))
        raise ConfigError(f"unknown extractor {settings.extractor!r}; choose one of: {choices}") from None


def process(doc: Document, settings: Settings | None = None) -> list[Record]:
    """The records one document asserts, checked at the door (see `check_record`); raises
    budget.OverBudget when extraction takes longer than the document's time budget, and
    MemoryError when it needs more than its memory budget (see budget.py)."""
    settings = settings or load_settings()
    extract = extractor_for(settings)
    warm_up = WARM_UPS.get(settings.extractor)
    if warm_up is not None:
        warm_up(doc.text)  # a one-time load is the process's cost, not this document's
    with budget.spending(len(doc.text), settings, where=doc.source or doc.doc_id):
        records = extract(doc)
    return [check_record(doc, record) for record in records]


def check_record(doc: Document, record: Record) -> Record:
    """The record as it may be stored: figures that cannot be amounts (Infinity, over 10^15)
    are taken out (money.plausible_amounts); evidence that does not quote the document, or a
    date that is not a calendar date, is a bug in the extractor and raises ValueError."""
    check_evidence(doc, record)
    start, end = record.period or (None, None)
    for name, value in (("date", record.date), ("period start", start), ("period end", end)):
        problem = value is not None and partial_date_problem(value)
        if problem:
            raise ValueError(
                f"record {record.type}/{record.donor} in {doc.doc_id}: {name} {problem}; "
                "this is a bug in the extractor"
            )
    return plausible_amounts(record)


def run(
    paths: Iterable[Path], *, manifest: Path | None = None, settings: Settings | None = None
) -> Iterator[DocumentResult]:
    """Read and extract every document under `paths`; a failure never stops the batch."""
    settings = settings or load_settings()
    yield from extract_files(find_files(paths), manifest=Manifest(manifest), settings=settings)


def extract_files(
    files: Iterable[tuple[Path, Path | None]], *, manifest: Manifest, settings: Settings
) -> Iterator[DocumentResult]:
    """Each (file, folder it was found in)'s records or failure; see `run`."""
    extractor_for(settings)  # an unknown extractor fails the run before any document
    ids = DocIds()
    for path, root in files:
        try:
            doc = read_file(path, root, manifest, settings)
            ids.claim(doc, path)
        except Exception as err:  # noqa: BLE001 - the per-document boundary: record the failure, go on
            yield DocumentResult(source=str(path), failure=fault(path, err, settings))
            continue
        yield extract_document(doc, path, settings)


def extract_document(doc: Document, path: Path, settings: Settings) -> DocumentResult:
    """A read document's records, or its failure; never raises (the per-document boundary)."""
    try:
        records = process(doc, settings)
    except Exception as err:  # noqa: BLE001 - the per-document boundary: record the failure, go on
        return DocumentResult(
            source=str(path), doc=doc, failure=fault(path, err, settings, doc_id=doc.doc_id)
        )
    return DocumentResult(source=str(path), doc=doc, records=tuple(records))


def read_file(path: Path, root: Path | None, manifest: Manifest, settings: Settings) -> Document:
    """`ingest.read_document` under the time budget of the file's size."""
    try:
        size = path.stat().st_size
    except OSError:
        size = 0  # read_document says why it cannot be read
    with budget.spending(size, settings, where=str(path)):
        return read_document(path, manifest=manifest, settings=settings, root=root)


def fault(path: Path, err: BaseException, settings: Settings, *, doc_id: str | None = None) -> Failure:
    """The Failure of one document: an out-of-memory error counts against its budget."""
    if isinstance(err, MemoryError):
        err = budget.memory_failure(str(path), settings)
    assert isinstance(err, Exception)
    return failure_for(path, err, doc_id=doc_id)


@dataclass(slots=True)
class DocIds:
    """The doc_ids taken in one run, and by which file: a second file is refused."""

    taken: dict[str, str] = field(default_factory=dict)

    def claim(self, doc: Document, path: Path) -> None:
        first = self.taken.setdefault(doc.doc_id, str(path))
        if first != str(path):
            raise DuplicateDocument(
                f"{path}: its doc_id {doc.doc_id!r} is already taken by {first} in this run; give one "
                "of them its own doc_id (a manifest row with 'path' and 'doc_id'), or rename one"
            )


def ingest(
    paths: Iterable[Path],
    store: Store,
    *,
    manifest: Path | None = None,
    settings: Settings | None = None,
    on_result: Callable[[DocumentResult], None] | None = None,
) -> RunSummary:
    """Read, extract and store documents; unchanged ones are skipped. See the module docstring."""
    settings = settings or load_settings()
    metadata = Manifest(manifest)
    extractor_for(settings)
    ids = DocIds()
    with _stored_run(store, "ingest", settings) as (summary, tag):
        for path, root in find_files(paths):
            result = _ingest_one(path, root, store, metadata, settings, tag, summary, ids)
            summary.add(result)
            if on_result:
                on_result(result)
    return summary


@contextmanager
def _stored_run(store: Store, command: str, settings: Settings) -> Iterator[tuple[RunSummary, str]]:
    tag = f"{settings.extractor} {version('aidtrace')}"
    with stored_run(
        store, command, extractor=settings.extractor, version=version("aidtrace"), settings=settings.digest()
    ) as summary:
        yield summary, tag


@contextmanager
def stored_run(
    store: Store, command: str, *, extractor: str, version: str, settings: dict[str, Any]
) -> Iterator[RunSummary]:
    """A row in `runs` for the documents stored inside the block, finished with their counts."""
    summary = RunSummary(run_id=uuid.uuid4().hex[:12])
    assert summary.run_id is not None
    writes.start_run(
        store, run_id=summary.run_id, command=command, extractor=extractor, version=version, settings=settings
    )
    yield summary
    writes.finish_run(
        store, summary.run_id, documents=summary.documents, failed=summary.failed, records=summary.records
    )


def _ingest_one(
    path: Path,
    root: Path | None,
    store: Store,
    metadata: Manifest,
    settings: Settings,
    tag: str,
    summary: RunSummary,
    ids: DocIds,
) -> DocumentResult:
    try:
        doc = read_file(path, root, metadata, settings)
        ids.claim(doc, path)
    except Exception as err:  # noqa: BLE001 - the per-document boundary: record the failure, go on
        failure = fault(path, err, settings)
        return _failed(store, summary, DocumentResult(source=str(path), failure=failure))
    return _store_one(doc, path, store, settings, tag, summary)


Extract = Callable[[bytes, str, dict[str, Any], Settings], DocumentResult]


def extract_bytes(data: bytes, name: str, meta: dict[str, Any], settings: Settings) -> DocumentResult:
    """Read and extract one uploaded document (file name `name`); never raises. Pure and
    picklable, so the web app runs it in a worker process (see web/app.py)."""
    path = Path(name)
    try:
        with budget.spending(len(data), settings, where=name):
            doc = parse_document(data, path, meta)
    except Exception as err:  # noqa: BLE001 - the per-document boundary: record the failure, go on
        return DocumentResult(source=name, failure=fault(path, err, settings))
    return extract_document(doc, path, settings)


def ingest_bytes(
    data: bytes,
    name: str,
    store: Store,
    *,
    meta: dict[str, Any],
    settings: Settings | None = None,
    extract: Extract = extract_bytes,
) -> tuple[DocumentResult, RunSummary]:
    """Read, extract (with `extract`, by default here) and store one uploaded document as a
    run of its own; a document that cannot be read is recorded as a failure like any other."""
    settings = settings or load_settings()
    result = extract(data, name, meta, settings)
    with _stored_run(store, "upload", settings) as (summary, tag):
        if result.doc is None:
            result = _failed(store, summary, result)
        else:
            result = _store_one(result.doc, Path(name), store, settings, tag, summary, extracted=result)
        summary.add(result)
    return result, summary


def _store_one(
    doc: Document,
    path: Path,
    store: Store,
    settings: Settings,
    tag: str,
    summary: RunSummary,
    *,
    extracted: DocumentResult | None = None,
) -> DocumentResult:
    """Store a read document and its records (`extracted` when done already, else extracted
    here); a failure is recorded, the document's text kept."""
    run_id = summary.run_id or ""
    digest = writes.content_hash(doc)
    if writes.is_current(store, doc, digest=digest, extractor=tag):
        summary.unchanged += 1
        return DocumentResult(source=str(path), doc=doc)
    writes.save_document(store, doc, digest=digest, run_id=run_id)  # the text first
    result = extracted or extract_document(doc, path, settings)
    if result.failure is not None:
        writes.mark_failed(store, doc.doc_id)
        return _failed(store, summary, result)
    writes.replace_records(store, doc, result.records, run_id=run_id, extractor=tag)
    return result


def _failed(store: Store, summary: RunSummary, result: DocumentResult) -> DocumentResult:
    assert result.failure is not None
    writes.save_failure(store, summary.run_id or "", result.failure)
    return result
