"""Batch inputs. In: folders, files, globs and JSON Lines archives. Out: work items, in a
repeatable order, and (in the workers) the Documents they hold.

A folder is walked recursively in sorted order like `aidtrace extract` walks it, taking
documents (.txt, .md, .html, .htm, .pdf) and archives (.jsonl, .jsonl.gz other than
`manifest.jsonl`). A glob ("crawl/2024-*/*.jsonl.gz", quoted so that the shell does not
expand it) is expanded in sorted order. An archive holds one document per line:

    {"doc_id": "a1", "text": "...", "title": "...", "publisher": "...", "url": "...",
     "published": "2024-02-22", "format": "text"}        # format: text (default) or html

The driver only lists items: a file item is its path, an archive item is its raw line. Each
item carries a key that changes when its content may have (size and modification time of a
file and of the manifest beside it; the bytes of a line), so a re-run can tell which
partitions are still current. Reading happens in the workers, with the readers
`aidtrace extract` uses, so a document gives the same Document on every path.
"""

from __future__ import annotations

import glob
import gzip
import hashlib
import json
import os
import re
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from aidtrace.errors import ConfigError, UnreadableDocument
from aidtrace.ingest import MANIFEST_NAME, READERS, parse_document
from aidtrace.ingest.fields import date_problem, text_problem
from aidtrace.ingest.html import read_html
from aidtrace.ingest.text import read_text
from aidtrace.model import Document
from aidtrace.settings import Settings

ARCHIVE_SUFFIXES = (".jsonl", ".jsonl.gz")
FORMATS: dict[str, Callable[..., Document]] = {"text": read_text, "html": read_html}
METADATA = ("title", "publisher", "url", "published")
_CHUNK = 1 << 20  # bytes read at a time while skipping an over-long line
_GLOB = re.compile(r"[*?[]")
_EXAMPLE = '{"doc_id": "a1", "text": "...", "published": "2024-02-22"}'


@dataclass(frozen=True, slots=True)
class FileItem:
    """A document file, read by the worker with `ingest.read_document`; `root` is the folder
    it was found in (its doc_id is its path relative to it), None for a file given itself."""

    path: str
    key: str
    root: str | None = None


@dataclass(frozen=True, slots=True)
class LineItem:
    """One line of an archive (its bytes), or the reason the archive stopped at that line."""

    archive: str
    line: int
    raw: bytes
    error: str | None = None

    @property
    def source(self) -> str:
        return f"{self.archive}:{self.line}"

    @property
    def key(self) -> str:
        return hashlib.sha256(self.raw + (self.error or "").encode()).hexdigest()


Item = FileItem | LineItem


def list_items(
    inputs: Iterable[str], *, skip: Path | None = None, max_bytes: int = Settings().max_bytes
) -> Iterator[Item]:
    """Every work item of the inputs, in order: inputs as given, folders and globs sorted.
    Files under `skip` (the output folder, when it lies inside an input folder) are left out;
    archive lines over `max_bytes` are never held in memory (they fail, see read_archive)."""
    beside: dict[Path, str] = {}
    for given in inputs:
        for path in _expand(given):
            root = str(path) if path.is_dir() else None
            for found in _walk(path, skip=skip.resolve() if skip else None):
                if is_archive(found):
                    yield from read_archive(found, max_bytes=max_bytes)
                else:
                    yield FileItem(path=str(found), key=_file_key(found, beside), root=root)


def is_archive(path: Path) -> bool:
    return path.name.lower().endswith(ARCHIVE_SUFFIXES) and path.name != MANIFEST_NAME


def read_archive(path: Path, *, max_bytes: int = Settings().max_bytes) -> Iterator[LineItem]:
    """The non-blank lines of an archive, decompressed as a stream: a line over `max_bytes`
    is skipped without being held (a 3 MB .gz may hold a 3 GB line) and yields a failing
    item; a file that cannot be read yields one failing item from where it stops."""
    number = 0
    try:
        with gzip.open(path) if path.name.lower().endswith(".gz") else path.open("rb") as lines:
            while line := lines.readline(max_bytes + 1):
                number += 1
                if len(line) > max_bytes and not line.endswith(b"\n"):
                    skipped = len(line) + _skip_line(lines)
                    yield LineItem(
                        archive=str(path),
                        line=number,
                        raw=b"",
                        error=f"the line is over {skipped:,} bytes, over the {max_bytes:,}-byte limit; "
                        "split the document or raise AIDTRACE_MAX_BYTES",
                    )
                elif line.strip():
                    yield LineItem(archive=str(path), line=number, raw=line.rstrip(b"\r\n"))
    except (OSError, EOFError, zlib.error) as err:
        reason = getattr(err, "strerror", None) or err
        yield LineItem(
            archive=str(path),
            line=number + 1,
            raw=b"",
            error=f"cannot read the archive from this line on ({reason}); check or re-download the file",
        )


def _skip_line(lines: Any) -> int:
    """Read past the rest of a line in chunks; the bytes skipped."""
    skipped = 0
    while chunk := lines.readline(_CHUNK):
        skipped += len(chunk)
        if chunk.endswith(b"\n"):
            break
    return skipped


def read_line(item: LineItem, *, settings: Settings) -> Document:
    """The Document one archive line holds, read as a file of its format would be."""
    row = _parse_line(item, settings)
    fmt = row.get("format") or "text"
    reader = FORMATS.get(fmt) if isinstance(fmt, str) else None
    if reader is None:
        raise UnreadableDocument(f"{item.source}: 'format' is {fmt!r}; use one of: {', '.join(FORMATS)}")
    meta = {name: row[name] for name in ("doc_id", *METADATA) if row.get(name) is not None}
    doc = parse_document(row["text"].encode("utf-8"), Path(item.source), meta, reader=reader)
    return replace(doc, source=item.source)  # "archive.jsonl:12" as given, not as Path spells it


def _parse_line(item: LineItem, settings: Settings) -> dict[str, Any]:
    where = item.source
    if item.error:
        raise UnreadableDocument(f"{where}: {item.error}")
    if len(item.raw) > settings.max_bytes:
        raise UnreadableDocument(
            f"{where}: the line is {len(item.raw):,} bytes, over the {settings.max_bytes:,}-byte limit; "
            "split the document or raise AIDTRACE_MAX_BYTES"
        )
    try:
        row = json.loads(item.raw)
    except (ValueError, RecursionError) as err:  # JSON, UTF-8, or nesting beyond the stack
        raise UnreadableDocument(
            f"{where}: not a JSON object ({err}); each line of an archive is one document such as {_EXAMPLE}"
        ) from None
    if not isinstance(row, dict):
        raise UnreadableDocument(f"{where}: not a JSON object; each line is one document such as {_EXAMPLE}")
    if row.get("doc_id") in (None, ""):
        raise UnreadableDocument(f"{where}: the document has no 'doc_id'; give every line one")
    if isinstance(row["doc_id"], int) and not isinstance(row["doc_id"], bool):
        row["doc_id"] = str(row["doc_id"])  # {"doc_id": 17} names document "17"
    if not isinstance(row.get("text"), str) or not row["text"].strip():
        raise UnreadableDocument(f"{where}: the document has no 'text' (a non-empty string)")
    problem = text_problem(row["text"], limit=None, nul=True)  # NUL: the reader names it binary
    if problem:
        raise UnreadableDocument(f"{where}: the 'text' {problem}")
    for name in ("doc_id", *METADATA, "format"):
        value = row.get(name)
        problem = None if value is None else text_problem(value)
        if problem is None and name == "published" and value is not None:
            problem = date_problem(value)
        if problem:
            raise UnreadableDocument(f"{where}: '{name}' {problem}")
    return row


def _expand(given: str) -> list[Path]:
    if os.path.lexists(given) or not _GLOB.search(given):
        return [Path(given)]
    matches = sorted(glob.glob(given, recursive=True))
    if not matches:
        raise ConfigError(f"{given}: no file matches this pattern; check it (and quote it for the shell)")
    return [Path(match) for match in matches]


def _walk(path: Path, *, skip: Path | None) -> Iterator[Path]:
    """A folder's documents and archives in sorted order (as `ingest.find_files`), or the path."""
    if not path.is_dir():
        yield path
        return
    inside = skip if skip is not None and skip.is_relative_to(path.resolve()) else None
    for file in sorted(path.rglob("*")):
        if file.is_file() and (file.suffix.lower() in READERS or is_archive(file)):
            if inside is None or not file.resolve().is_relative_to(inside):
                yield file


def _file_key(path: Path, beside: dict[Path, str]) -> str:
    manifest = path.parent / MANIFEST_NAME
    if path.parent not in beside:
        beside[path.parent] = stat_key(manifest)
    return f"{path}|{stat_key(path)}|{beside[path.parent]}"


def stat_key(path: Path) -> str:
    """Size and modification time: cheap to read, and they change when the content does."""
    try:
        stat = path.stat()
    except OSError:
        return "-"
    return f"{stat.st_size}:{stat.st_mtime_ns}"
