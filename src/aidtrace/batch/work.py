"""The work of one partition, run inside a worker (a local process or a Ray task).
In: a Partition of items, the settings. Out: PartitionOutput, its three JSON Lines files as text.

Files go through `pipeline.extract_files`, as `aidtrace extract` reads them; archive lines
are read by `sources.read_line` and extracted by the same `pipeline.extract_document`, with
the same per-document boundary and time budget: a document (or line) that fails becomes a
Failure and the partition goes on; even a result that cannot be written out (a bug) is a
failure of its document, so a partition always finishes. The worker returns finished text,
so serialization runs in parallel and the driver only writes.
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
from aidtrace.ingest import Manifest
from aidtrace.model import Document, DocumentResult
from aidtrace.pipeline import extract_document, extract_files, fault
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
        result, lines = _lines_of(result, settings)
        counts += Counts(documents=1, records=len(result.records), failed=int(result.failure is not None))
        if result.doc is not None:
            counts += Counts(words=len(result.doc.text.split()))
        documents += lines[0]
        records += lines[1]
        failures += lines[2]
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
    """Each item's result, in order: files through `pipeline.extract_files`, archive lines alike."""
    files = [
        (Path(item.path), Path(item.root) if item.root else None)
        for item in items
        if isinstance(item, FileItem)
    ]
    metadata = Manifest(Path(manifest) if manifest else None)
    from_files = extract_files(files, manifest=metadata, settings=settings)
    for item in items:
        yield next(from_files) if isinstance(item, FileItem) else line_result(item, settings)


def line_result(item: LineItem, settings: Settings) -> DocumentResult:
    """An archive line's records or failure, with the per-document boundary of the pipeline."""
    source = Path(item.source)
    try:
        doc = read_line(item, settings=settings)
    except Exception as err:  # noqa: BLE001 - the per-document boundary: record the failure, go on
        return DocumentResult(source=item.source, failure=fault(source, err, settings))
    return extract_document(doc, source, settings)


def _lines_of(result: DocumentResult, settings: Settings) -> tuple[DocumentResult, tuple[list[str], ...]]:
    """The JSON lines of one result; one that cannot be written becomes its failure."""
    try:
        documents = [_document_line(result.doc, result)] if result.doc is not None else []
        records = [_json(record.to_dict()) for record in result.records]
        failures = [_json(result.failure.to_dict())] if result.failure is not None else []
    except Exception as err:  # noqa: BLE001 - the per-document boundary: record the failure, go on
        failure = fault(Path(result.source), err, settings)
        return DocumentResult(source=result.source, failure=failure), ([], [], [_json(failure.to_dict())])
    return result, (documents, records, failures)


def _document_line(doc: Document, result: DocumentResult) -> str:
    status = "failed" if result.failure else "extracted"
    return _json({**dataclasses.asdict(doc), "status": status, "records": len(result.records)})


def _json(data: dict[str, Any]) -> str:
    line = json.dumps(data, ensure_ascii=False, allow_nan=False)
    line.encode("utf-8")  # a lone surrogate fails here, in the worker, not in the driver's write
    return line


def _lines(lines: list[str]) -> str:
    return "".join(line + "\n" for line in lines)
