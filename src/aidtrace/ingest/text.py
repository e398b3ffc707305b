"""Plain text and Markdown: bytes -> Document, decoded as UTF-8 with newlines normalized.

The text is kept as written (Markdown markup included) so that offsets can be checked
against the file; the extractor reads past markup with a same-length cleaned view.
"""

from __future__ import annotations

from pathlib import Path

from aidtrace.errors import UnreadableDocument
from aidtrace.model import Document

_BINARY_SAMPLE = 8192


def read_bytes(path: Path, *, max_bytes: int) -> bytes:
    """Read a file's bytes, refusing missing, unreadable, empty and oversized files."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise UnreadableDocument(f"{path}: no such file") from None
    except OSError as err:
        raise UnreadableDocument(f"{path}: cannot read ({err.strerror or err})") from None
    if size > max_bytes:
        raise UnreadableDocument(
            f"{path}: file is {size:,} bytes, over the {max_bytes:,}-byte limit; "
            "split it or raise AIDTRACE_MAX_BYTES"
        )
    try:
        data = path.read_bytes()
    except OSError as err:
        raise UnreadableDocument(f"{path}: cannot read ({err.strerror or err})") from None
    if not data.strip():
        raise UnreadableDocument(f"{path}: the file is empty")
    return data


def decode_text(data: bytes, *, path: Path) -> str:
    """UTF-8 text with a BOM dropped and \\r\\n / \\r turned into \\n; binary data is refused."""
    if b"\x00" in data[:_BINARY_SAMPLE]:
        raise UnreadableDocument(
            f"{path}: looks like a binary file (NUL bytes), not text; pass .txt, .md, .html or .pdf documents"
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise UnreadableDocument(
            f"{path}: not valid UTF-8 at byte {err.start}; re-save the file as UTF-8"
        ) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_text(data: bytes, *, path: Path, doc_id: str) -> Document:
    text = decode_text(data, path=path)
    title = next((line.strip("# ").strip() for line in text.splitlines() if line.strip()), None)
    return Document(doc_id=doc_id, text=text, title=title, format="text")
