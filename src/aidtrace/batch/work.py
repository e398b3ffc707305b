"""The work of one partition, run inside a worker (a local process or a Ray task).
In: a Partition of items, the settings. Out: PartitionOutput, its three JSON Lines files as text.

Files go through `pipeline.run`, the function `aidtrace extract` runs; archive lines are
read by `sources.read_line` and extracted by the same `pipeline.process`, with the same
batch boundary: a document that fails becomes a Failure and the partition goes on. The
worker returns finished text, so serialization runs in parallel and the driver only writes.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aidtrace.batch.sources import FileItem, Item, LineItem, read_line
from aidtrace.errors import InputError
from aidtrace.ingest import failure_for
from aidtrace.model import Document, DocumentResult
from aidtrace.pipeline import process, run
from aidtrace.settings import Settings


@dataclass(frozen=True, slots=True)
class Counts:
    """What a partition (or a whole job) holds."""

    documents: int = 0
    records: int = 0
    failed: int = 0
    words: int = 0  # of the documents' text, for throughput in words per second

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            **{f.name: getattr(self, f.name) + getattr(other, f.name) for f in dataclasses.fields(self)}
        )

    def to_dict(self) -> dict[str, int]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Counts:
        return cls(**{f.name: int(data.get(f.name, 0)) for f in dataclasses.fields(cls)})


@dataclass(frozen=True, slots=True)
class Partition:
    """A fixed slice of the job's items; `fingerprint` changes when any of them may have."""

    index: int
    items: tuple[Item, ...]
    fingerprint: str


@dataclass(frozen=True, slots=True)
class PartitionOutput:
    index: int
    fingerprint: str
    documents: str  # JSON Lines: each Document read, its status and how many records follow
    records: str  # JSON Lines: Record.to_dict(), as `aidtrace extract --format jsonl` writes
    failures: str  # JSON Lines: Failure.to_dict()
    counts: Counts
    seconds: float  # time spent in the worker


def process_partition(partition: Partition, settings: Settings, manifest: str | None) -> PartitionOutput:
    """Read and extract every item of a partition; a failure never stops it."""
    start = time.perf_counter()
    documents, records, failures = [], [], []
    counts = Counts()
    for result in results(partition.items, settings=settings, manifest=manifest):
        counts += Counts(documents=1, records=len(result.records), failed=int(result.failure is not None))
        if result.doc is not None:
            counts += Counts(words=len(result.doc.text.split()))
            documents.append(_document_line(result.doc, result))
        records += [_json(record.to_dict()) for record in result.records]
        if result.failure is not None:
            failures.append(_json(result.failure.to_dict()))
    return PartitionOutput(
        index=partition.index,
        fingerprint=partition.fingerprint,
        documents=_lines(documents),
        records=_lines(records),
        failures=_lines(failures),
        counts=counts,
        seconds=time.perf_counter() - start,
    )


def results(items: Sequence[Item], *, settings: Settings, manifest: str | None) -> Iterator[DocumentResult]:
    """Each item's result, in order: files through `pipeline.run`, archive lines alike."""
    files = [Path(item.path) for item in items if isinstance(item, FileItem)]
    from_files = run(files, manifest=Path(manifest) if manifest else None, settings=settings)
    for item in items:
        yield next(from_files) if isinstance(item, FileItem) else line_result(item, settings)


def line_result(item: LineItem, settings: Settings) -> DocumentResult:
    """An archive line's records or failure, with the batch boundary of `pipeline.run`."""
    source = Path(item.source)
    try:
        doc = read_line(item, settings=settings)
    except InputError as err:
        return DocumentResult(source=item.source, failure=failure_for(source, err))
    try:
        found = process(doc, settings)
    except Exception as err:  # noqa: BLE001 - the batch boundary: record the failure, go on
        return DocumentResult(
            source=item.source, doc=doc, failure=failure_for(source, err, doc_id=doc.doc_id)
        )
    return DocumentResult(source=item.source, doc=doc, records=tuple(found))


def _document_line(doc: Document, result: DocumentResult) -> str:
    status = "failed" if result.failure else "extracted"
    return _json({**dataclasses.asdict(doc), "status": status, "records": len(result.records)})


def _json(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False)


def _lines(lines: list[str]) -> str:
    return "".join(line + "\n" for line in lines)
