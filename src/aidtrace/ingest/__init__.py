"""Read files into Documents. In: paths and an optional manifest. Out: Document or Failure.

Readers by extension: text (.txt, .md), HTML (.html, .htm), PDF (.pdf). Folders are walked
recursively (sorted, so runs are repeatable). Metadata comes from the manifest (`--manifest`,
or `manifest.jsonl` found beside the documents), then from the page itself for HTML.
Failures never stop a batch: each one comes back as a DocumentResult with its reason.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from aidtrace.errors import AidtraceError, UnreadableDocument
from aidtrace.ingest.html import read_html
from aidtrace.ingest.manifest import MANIFEST_NAME, Manifest, read_manifest
from aidtrace.ingest.pdf import read_pdf
from aidtrace.ingest.text import read_bytes, read_text
from aidtrace.model import Document, Failure
from aidtrace.settings import Settings

READERS = {".txt": read_text, ".md": read_text, ".html": read_html, ".htm": read_html, ".pdf": read_pdf}

__all__ = [
    "MANIFEST_NAME",
    "READERS",
    "Manifest",
    "find_files",
    "parse_document",
    "read_document",
    "read_manifest",
]


def find_files(paths: Iterable[Path]) -> Iterator[tuple[Path, Path | None]]:
    """Yield (file, folder it was found in) for every input; folders are walked recursively.

    A file named explicitly is yielded whatever its extension (reading it will say if the
    format is unsupported); inside folders only supported extensions are taken.
    """
    for path in paths:
        if path.is_dir():
            for file in sorted(path.rglob("*")):
                if file.is_file() and file.suffix.lower() in READERS:
                    yield file, path
        else:
            yield path, None


def read_document(path: Path, *, manifest: Manifest, settings: Settings) -> Document:
    """Read one file into a Document, or raise UnreadableDocument saying why."""
    reader_for(path)  # an unsupported type fails before the file is read
    return parse_document(read_bytes(path, max_bytes=settings.max_bytes), path, manifest.lookup(path))


def reader_for(path: Path) -> Callable[..., Document]:
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        supported = ", ".join(sorted(READERS))
        raise UnreadableDocument(
            f"{path}: unsupported file type {path.suffix or '(none)'!r}; aidtrace reads {supported}"
        )
    return reader


def parse_document(
    data: bytes, path: Path, meta: dict[str, Any], *, reader: Callable[..., Document] | None = None
) -> Document:
    """A Document from a file's bytes (read from disk, uploaded, or a line of an archive,
    whose `reader` is named by the line, not by `path`) and its metadata."""
    reader = reader or reader_for(path)
    doc_id = meta.get("doc_id") or path.stem
    doc = reader(data, path=path, doc_id=str(doc_id))
    if not doc.text.strip():
        raise UnreadableDocument(f"{path}: no text found in the document; check that it is not empty")
    return replace(
        doc,
        title=meta.get("title") or doc.title,
        publisher=meta.get("publisher") or doc.publisher,
        url=meta.get("url") or doc.url,
        published=meta.get("published") or doc.published,
        source=str(path),
    )


def failure_for(path: Path, err: Exception, *, doc_id: str | None = None) -> Failure:
    """A Failure for a document; errors that are not the input's fault are marked as bugs."""
    if isinstance(err, AidtraceError):
        message = str(err)
    else:
        message = (
            f"{path}: internal error ({type(err).__name__}: {err}); this is a bug in aidtrace, "
            "please report it with this document"
        )
    return Failure(source=str(path), doc_id=doc_id, error=type(err).__name__, message=message)
