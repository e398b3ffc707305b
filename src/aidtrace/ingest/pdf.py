"""PDF files: bytes -> Document from the text layer, lines re-joined into sentences.

PDF text comes as visual lines; a sentence broken across lines is joined with one space,
a word hyphenated at a line end is rejoined, and blank lines stay paragraph breaks.
Scanned PDFs without a text layer fail with a clear message (no OCR here).
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


def read_pdf(data: bytes, *, path: Path, doc_id: str) -> Document:
    if not data.startswith(b"%PDF"):
        raise UnreadableDocument(f"{path}: not a PDF file (no %PDF header)")
    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages]
        title = (reader.metadata.title if reader.metadata else None) or None
    except (PdfReadError, ValueError, KeyError, TypeError) as err:
        raise UnreadableDocument(f"{path}: malformed PDF ({err})") from None
    text = join_lines("\n\n".join(pages))
    if not text.strip():
        raise UnreadableDocument(
            f"{path}: the PDF has no text layer (scanned?); run OCR first and pass the text"
        )
    return Document(doc_id=doc_id, text=text, title=title, format="pdf")


def join_lines(raw: str) -> str:
    """Re-join visual lines into paragraphs: blank lines separate paragraphs."""
    paragraphs = _BLANKS.split(raw.replace("\r\n", "\n").strip())
    joined = []
    for paragraph in paragraphs:
        paragraph = _HYPHEN_BREAK.sub("", paragraph)
        joined.append(_SOFT_BREAK.sub(" ", paragraph).strip())
    return "\n\n".join(p for p in joined if p)
