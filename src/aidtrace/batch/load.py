"""Load a finished batch folder into the store. In: DIR and a Store. Out: rows and a RunSummary.

The same writes as `aidtrace ingest`, in the same order, one transaction per document:
a document stored with the same text, metadata and extractor is skipped; a changed one has
its text saved and its records replaced; a failed one is saved, marked failed, and its
failure recorded. So loading a folder twice leaves the same documents, records and
measures, and loading after `ingest` of the same documents changes nothing. The run is
recorded under the extractor and version that made the partitions, not the loader's.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from aidtrace.batch import partitions
from aidtrace.batch.partitions import Job
from aidtrace.errors import DuplicateDocument
from aidtrace.ingest import failure_for
from aidtrace.model import Document, Record, RunSummary
from aidtrace.pipeline import stored_run
from aidtrace.store import Store, writes


def load_batch(
    folder: Path, store: Store, *, on_partition: Callable[[RunSummary, int, int], None] | None = None
) -> RunSummary:
    """Store every partition of the finished batch job in `folder`; `on_partition(summary,
    partitions done, partitions)` is called after each one."""
    job = partitions.read_job(folder)
    sources: dict[str, str] = {}  # doc_id -> the source that gave it
    with stored_run(
        store, "load", extractor=job.extractor, version=job.version, settings=job.settings
    ) as summary:
        for index in range(job.partitions):
            _load_partition(folder, index, store, job, summary, sources)
            if on_partition:
                on_partition(summary, index + 1, job.partitions)
    return summary


def _load_partition(
    folder: Path, index: int, store: Store, job: Job, summary: RunSummary, sources: dict[str, str]
) -> None:
    run_id, tag = summary.run_id or "", f"{job.extractor} {job.version}"
    for doc, status, records in partitions.read_documents(folder, index):
        summary.documents += 1
        first = sources.setdefault(doc.doc_id, doc.source or "")
        if first != (doc.source or ""):
            err = DuplicateDocument(
                f"{doc.source}: its doc_id {doc.doc_id!r} is already taken by {first} in this folder; "
                "give one of them its own doc_id"
            )
            failure = failure_for(Path(doc.source or doc.doc_id), err, doc_id=doc.doc_id)
            summary.failed += 1
            summary.failures.append(failure)
            writes.save_failure(store, run_id, failure)
            continue
        with store.transaction():
            _load_document(store, doc, status, records, summary=summary, tag=tag)
    for failure in partitions.read_failures(folder, index):
        summary.documents += int(failure.doc_id is None)  # a document never read has no line of its own
        summary.failed += 1
        summary.failures.append(failure)
        writes.save_failure(store, run_id, failure)


def _load_document(
    store: Store, doc: Document, status: str, records: list[Record], *, summary: RunSummary, tag: str
) -> None:
    """Store one document as `ingest` would (see the module docstring)."""
    run_id = summary.run_id or ""
    digest = writes.content_hash(doc)
    if status == "extracted" and writes.is_current(store, doc, digest=digest, extractor=tag):
        summary.unchanged += 1
        return
    writes.save_document(store, doc, digest=digest, run_id=run_id)  # the text first
    if status == "failed":
        writes.mark_failed(store, doc.doc_id)
        return
    writes.replace_records(store, doc, records, run_id=run_id, extractor=tag)
    summary.records += len(records)
