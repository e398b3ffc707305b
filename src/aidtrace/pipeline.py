"""The architecture on one screen.

    read_document    ingest/       file + manifest row      -> Document
    extract          extractor/    Document                 -> [Record]   (pure; writes nothing)
    check_evidence   model.py      every Record quotes its Document at its offsets
    save_*           store/        Document, [Record]       -> rows      (one transaction each)
    reconcile        reconcile.py  all records              -> measures  (one transaction)

`run` extracts a batch without a database; `ingest` also stores it: the text first, then
its records, so a process killed in between loses nothing committed and the next run
finishes the rest. One bad document becomes a Failure and the batch goes on. Nothing here
prints; the CLI reports.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from importlib.metadata import version
from pathlib import Path
from typing import Any

from aidtrace.errors import ConfigError, InputError
from aidtrace.extractor import EXTRACTORS, Extractor
from aidtrace.ingest import Manifest, failure_for, find_files, parse_document, read_document
from aidtrace.model import Document, DocumentResult, Record, RunSummary, check_evidence
from aidtrace.settings import Settings, load_settings
from aidtrace.store import Store, writes


def extractor_for(settings: Settings) -> Extractor:
    try:
        return EXTRACTORS[settings.extractor]
    except KeyError:
        choices = ", ".join(sorted(EXTRACTORS))
        raise ConfigError(f"unknown extractor {settings.extractor!r}; choose one of: {choices}") from None


def process(doc: Document, settings: Settings | None = None) -> list[Record]:
    """The records one document asserts, each checked against the document's text."""
    records = extractor_for(settings or load_settings())(doc)
    for record in records:
        check_evidence(doc, record)
    return records


def run(
    paths: Iterable[Path], *, manifest: Path | None = None, settings: Settings | None = None
) -> Iterator[DocumentResult]:
    """Read and extract every document under `paths`; a failure never stops the batch."""
    settings = settings or load_settings()
    extractor_for(settings)  # an unknown extractor fails the run before any document
    metadata = Manifest(manifest)
    for path, _folder in find_files(paths):
        try:
            doc = read_document(path, manifest=metadata, settings=settings)
        except InputError as err:
            yield DocumentResult(source=str(path), failure=failure_for(path, err))
            continue
        try:
            records = process(doc, settings)
        except Exception as err:  # noqa: BLE001 - the batch boundary: record the failure, go on
            yield DocumentResult(source=str(path), doc=doc, failure=failure_for(path, err, doc_id=doc.doc_id))
            continue
        yield DocumentResult(source=str(path), doc=doc, records=tuple(records))


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
    with _stored_run(store, "ingest", settings) as (summary, tag):
        for path, _folder in find_files(paths):
            result = _ingest_one(path, store, metadata, settings, tag, summary)
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
    store: Store,
    metadata: Manifest,
    settings: Settings,
    tag: str,
    summary: RunSummary,
) -> DocumentResult:
    try:
        doc = read_document(path, manifest=metadata, settings=settings)
    except InputError as err:
        return _failed(store, summary, DocumentResult(source=str(path), failure=failure_for(path, err)))
    return _store_one(doc, path, store, settings, tag, summary)


def ingest_bytes(
    data: bytes, name: str, store: Store, *, meta: dict[str, Any], settings: Settings | None = None
) -> tuple[DocumentResult, RunSummary]:
    """Read, extract and store one uploaded document (file name `name`) as a run of its own;
    a document that cannot be read is recorded as a failure like any other."""
    settings = settings or load_settings()
    path = Path(name)
    with _stored_run(store, "upload", settings) as (summary, tag):
        try:
            doc = parse_document(data, path, meta)
        except InputError as err:
            result = _failed(store, summary, DocumentResult(source=name, failure=failure_for(path, err)))
        else:
            result = _store_one(doc, path, store, settings, tag, summary)
        summary.add(result)
    return result, summary


def _store_one(
    doc: Document,
    path: Path,
    store: Store,
    settings: Settings,
    tag: str,
    summary: RunSummary,
) -> DocumentResult:
    run_id = summary.run_id or ""
    digest = writes.content_hash(doc)
    if writes.is_current(store, doc, digest=digest, extractor=tag):
        summary.unchanged += 1
        return DocumentResult(source=str(path), doc=doc)
    writes.save_document(store, doc, digest=digest, run_id=run_id)  # the text first
    try:
        records = process(doc, settings)
    except Exception as err:  # noqa: BLE001 - the batch boundary: record the failure, go on
        writes.mark_failed(store, doc.doc_id)
        failure = failure_for(path, err, doc_id=doc.doc_id)
        return _failed(store, summary, DocumentResult(source=str(path), doc=doc, failure=failure))
    writes.replace_records(store, doc, records, run_id=run_id, extractor=tag)
    return DocumentResult(source=str(path), doc=doc, records=tuple(records))


def _failed(store: Store, summary: RunSummary, result: DocumentResult) -> DocumentResult:
    assert result.failure is not None
    writes.save_failure(store, summary.run_id or "", result.failure)
    return result
