"""Plain text and Markdown: bytes -> Document, decoded with newlines normalized.

UTF-8 is expected. A file with a UTF-16 or UTF-32 byte-order mark is read in that encoding;
a file that is not UTF-8 (cp1252, latin-1, ...) is read in the encoding charset-normalizer
detects, if it is long enough to tell (MIN_DETECT_BYTES). Either way a warning on the
`aidtrace.ingest` logger names the file and the encoding used.

The text is kept as written (Markdown markup included) so that offsets can be checked
against the file; the extractor reads past markup with a same-length cleaned view.
"""

from __future__ import annotations

import codecs
import logging
from pathlib import Path

from aidtrace.errors import UnreadableDocument
from aidtrace.model import Document

log = logging.getLogger(__name__)

_BINARY_SAMPLE = 8192
# below this many bytes, which encoding a text is in is a guess: "caf\xe9" is latin-1, cp1252,
# or cp1250 alike; a document to extract figures from is never that short
MIN_DETECT_BYTES = 64
BOMS = (  # longest first: the UTF-32-LE mark begins with the UTF-16-LE one
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


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
    """The text of a file with a BOM dropped and \\r\\n / \\r turned into \\n; binary data is
    refused, other encodings than UTF-8 read with a warning (see the module docstring)."""
    text, encoding = _decode(data, path=path)
    if encoding is not None:
        log.warning(
            "%s: not UTF-8; read as %s (re-save it as UTF-8 to be sure of every character)", path, encoding
        )
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _decode(data: bytes, *, path: Path) -> tuple[str, str | None]:
    """The text, and the encoding it was read in when that is not UTF-8."""
    for bom, codec in BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec), codec.upper()
            except UnicodeDecodeError as err:
                raise UnreadableDocument(f"{path}: not valid {codec.upper()} at byte {err.start}") from None
    if b"\x00" in data[:_BINARY_SAMPLE]:
        raise UnreadableDocument(
            f"{path}: looks like a binary file (NUL bytes), not text; pass .txt, .md, .html or .pdf documents"
        )
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as err:
        if len(data) < MIN_DETECT_BYTES:
            raise UnreadableDocument(
                f"{path}: not valid UTF-8 at byte {err.start}, and too short to tell its encoding; "
                "re-save the file as UTF-8"
            ) from None
        detected = _detect(data)
        if detected is None:
            raise UnreadableDocument(
                f"{path}: not valid UTF-8 at byte {err.start}, and no other encoding fits; re-save the file as UTF-8"
            ) from None
        return detected


def _detect(data: bytes) -> tuple[str, str] | None:
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None or best.encoding in ("utf_8", "ascii"):
        return None
    return str(best), best.encoding.replace("_", "-")


def read_text(data: bytes, *, path: Path, doc_id: str) -> Document:
    text = decode_text(data, path=path)
    title = next((line.strip("# ").strip() for line in text.splitlines() if line.strip()), None)
    return Document(doc_id=doc_id, text=text, title=title, format="text")
