"""PDF files: bytes -> Document from the text layer, lines re-joined into sentences.

PDF text comes as visual lines; a sentence broken across lines is joined with one space,
a word hyphenated at a line end is rejoined, and blank lines stay paragraph breaks.
Scanned PDFs without a text layer fail with a clear message (no OCR here).

Hostile PDFs: pypdf bounds what one stream may decompress to; on top of that a PDF of more
than MAX_PAGES pages or more than MAX_TEXT characters of text is refused, and anything
pypdf raises on a malformed file (loops in the object graph, unknown filters, overflow)
is an UnreadableDocument, not a crash: the parser meets untrusted bytes, so whatever it
raises means the file is broken.
"""

from __future__ import annotations

import io
import logging
import re
from pathlib import Path

from pypdf import PdfReader
from pypdf.errors import PdfReadError

from aidtrace.errors import UnreadableDocument
from aidtrace.model import Document

log = logging.getLogger(__name__)
_HYPHEN_BREAK = re.compile(r"(?<=[a-z])-\n(?=[a-z])")
_SOFT_BREAK = re.compile(r"(?<=\S)[ \t]*\n[ \t]*(?=\S)")
_BLANKS = re.compile(r"\n[ \t]*\n\s*")
MAX_PAGES = 5_000
MAX_TEXT = 20_000_000  # characters


def read_pdf(data: bytes, *, path: Path, doc_id: str) -> Document:
    if not data.startswith(b"%PDF"):
        raise UnreadableDocument(f"{path}: not a PDF file (no %PDF header)")
    try:
        reader = PdfReader(io.BytesIO(data))
        pages = _page_texts(reader, path)
        title = _title(reader)
    except UnreadableDocument:
        raise
    except PdfReadError as err:
        raise UnreadableDocument(f"{path}: malformed PDF ({err})") from None
    except Exception as err:  # noqa: BLE001 - any error of the parser on untrusted bytes: a broken file
        raise UnreadableDocument(f"{path}: malformed PDF ({type(err).__name__}: {err})") from None
    text = join_lines("\n\n".join(pages))
    if not text.strip():
        raise UnreadableDocument(
            f"{path}: the PDF has no text layer (scanned?); run OCR first and pass the text"
        )
    return Document(doc_id=doc_id, text=text, title=title, format="pdf")


def _page_texts(reader: PdfReader, path: Path) -> list[str]:
    if len(reader.pages) > MAX_PAGES:
        raise UnreadableDocument(
            f"{path}: the PDF has {len(reader.pages):,} pages, over the limit of {MAX_PAGES:,}; split it"
        )
    pages, size = [], 0
    for page in reader.pages:
        text = page.extract_text() or ""
        size += len(text)
        if size > MAX_TEXT:
            raise UnreadableDocument(f"{path}: the PDF holds over {MAX_TEXT:,} characters of text; split it")
        pages.append(text)
    return pages


def _title(reader: PdfReader) -> str | None:
    title = reader.metadata.title if reader.metadata else None
    return title if isinstance(title, str) and title.strip() else None


def join_lines(raw: str) -> str:
    """Re-join visual lines into paragraphs: blank lines separate paragraphs."""
    paragraphs = _BLANKS.split(raw.replace("\r\n", "\n").strip())
    joined = []
    for paragraph in paragraphs:
        paragraph = _HYPHEN_BREAK.sub("", paragraph)
        joined.append(_SOFT_BREAK.sub(" ", paragraph).strip())
    return "\n\n".join(p for p in joined if p)
