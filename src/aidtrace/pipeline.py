"""The architecture on one screen: read -> extract -> check, for one document or many.

    read_document    ingest/      file + manifest row      -> Document
    extract          extractor/   Document                 -> [Record]   (pure; writes nothing)
    check_evidence   model.py     every Record quotes its Document at its offsets

`run` drives a batch: one bad document becomes a Failure in its DocumentResult and the
batch goes on. Nothing here prints; the CLI reports.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from aidtrace.errors import ConfigError, InputError
from aidtrace.extractor import EXTRACTORS, Extractor
from aidtrace.ingest import Manifest, failure_for, find_files, read_document
from aidtrace.model import Document, DocumentResult, Record, check_evidence
from aidtrace.settings import Settings, load_settings


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
