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

from aidtrace.errors import AidtraceError, InvalidMetadata, UnreadableDocument
from aidtrace.ingest.fields import date_problem, text_problem
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
    "check_metadata",
    "default_id",
    "find_files",
    "parse_document",
    "read_document",
    "read_manifest",
]


ID_SEPARATOR = "--"  # between folders of a path-derived doc_id: "2024-03-01--index"


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


def read_document(
    path: Path, *, manifest: Manifest, settings: Settings, root: Path | None = None
) -> Document:
    """Read one file into a Document, or raise an InputError saying why. Its doc_id is the
    manifest's, else `default_id` (the path relative to `root`, the folder walked)."""
    reader_for(path)  # an unsupported type fails before the file is read
    meta = manifest.lookup(path)
    meta.setdefault("doc_id", default_id(path, root))
    return parse_document(read_bytes(path, max_bytes=settings.max_bytes), path, meta)


def default_id(path: Path, root: Path | None) -> str:
    """The stem of a file named on its own; for a file found in a folder, its path relative
    to that folder without the extension, folders joined by ID_SEPARATOR, so that two days'
    `index.html` stay two documents ("2024-03-01--index", "2024-03-02--index")."""
    if root is None or not path.is_relative_to(root):
        return path.stem
    return ID_SEPARATOR.join(path.relative_to(root).with_suffix("").parts)


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
    check_metadata(meta, where=str(path))
    doc_id = meta.get("doc_id") or path.stem
    doc = reader(data, path=path, doc_id=str(doc_id))
    if not doc.text.strip():
        raise UnreadableDocument(f"{path}: no text found in the document; check that it is not empty")
    problem = text_problem(doc.text, limit=None)
    if problem:
        raise UnreadableDocument(f"{path}: the text {problem}; re-save the document as UTF-8 text")
    if doc.published and date_problem(doc.published):
        doc = replace(doc, published=None)  # a page's own impossible date is no date
    for name in ("title", "publisher", "url"):  # a page's own metadata that is not text is none
        if getattr(doc, name) is not None and text_problem(getattr(doc, name)):
            doc = replace(doc, **{name: None})  # type: ignore[arg-type]
    return replace(
        doc,
        title=meta.get("title") or doc.title,
        publisher=meta.get("publisher") or doc.publisher,
        url=meta.get("url") or doc.url,
        published=meta.get("published") or doc.published,
        source=str(path),
    )


def check_metadata(meta: dict[str, Any], *, where: str) -> None:
    """Raise InvalidMetadata naming the document and field for a value that is not text or,
    for `published`, not a calendar day."""
    for key, value in meta.items():
        if value is None:
            continue
        problem = text_problem(value)
        if problem is None and key == "published":
            problem = date_problem(value)
        if problem is not None:
            raise InvalidMetadata(f"{where}: '{key}' {problem}")


def failure_for(path: Path, err: Exception, *, doc_id: str | None = None) -> Failure:
    """A Failure for a document; errors that are not the input's fault are marked as bugs."""
    if isinstance(err, AidtraceError):
        message = str(err)
    else:
        message = (
            f"{path}: internal error ({type(err).__name__}: {err}); this is a bug in aidtrace, "
            "please report it with this document"
        )
    return Failure(source=_text(str(path)), doc_id=doc_id, error=type(err).__name__, message=_text(message))


def _text(value: str) -> str:
    """A path or message made storable: undecodable bytes of a file name (lone surrogates)
    shown as escapes."""
    return value.encode("utf-8", "backslashreplace").decode("utf-8")
