"""HTML pages: bytes -> Document with the main text and the page's own metadata.

trafilatura finds the main text; comments and boilerplate (navigation, footers, sharing
widgets) are dropped. Its date search is kept to the page's metadata so that a date is
never guessed from the body text.
"""

from __future__ import annotations

import re
from pathlib import Path

import trafilatura

from aidtrace.errors import UnreadableDocument
from aidtrace.ingest.text import decode_text
from aidtrace.model import Document

_DATE_PARAMS = {"extensive_search": False, "original_date": True}
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def read_html(data: bytes, *, path: Path, doc_id: str) -> Document:
    markup = decode_text(data, path=path)
    if "<" not in markup:
        raise UnreadableDocument(f"{path}: no HTML markup found; save plain text as .txt")
    try:
        page = trafilatura.bare_extraction(
            markup,
            include_comments=False,
            include_tables=True,
            with_metadata=True,
            date_extraction_params=_DATE_PARAMS,
        )
    except (ValueError, TypeError) as err:  # lxml refuses some malformed markup outright
        raise UnreadableDocument(f"{path}: malformed HTML ({err})") from None
    if page is None or not (page.text or "").strip():
        raise UnreadableDocument(
            f"{path}: no main text found in the HTML page; check that it holds an article"
        )
    published = page.date if page.date and _ISO_DATE.fullmatch(page.date) else None
    return Document(
        doc_id=doc_id,
        text=page.text,
        title=page.title or None,
        publisher=page.sitename or None,
        url=page.url or None,
        published=published,
        format="html",
    )
