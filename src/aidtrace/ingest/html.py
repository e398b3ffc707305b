"""HTML pages: bytes -> Document with the main text and the page's own metadata.

trafilatura finds the main text; comments and boilerplate (navigation, footers, sharing
widgets) are dropped. Its date search is kept to the page's metadata so that a date is
never guessed from the body text.

Hostile markup: a tag longer than MAX_TAG characters (100,000 attributes on one element
made the parse take minutes: the cost grows with the square of the attribute count) keeps
its name and loses its attributes before parsing; the article text is between tags, so
nothing is lost. The scan is one linear regex (possessive quantifiers, no backtracking).
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
MAX_TAG = 4_000  # characters of one tag, attributes included
_LONG_TAG = re.compile(rf"<(/?[A-Za-z][\w:-]*+)[^<>]{{{MAX_TAG},}}+>")


def strip_long_tags(markup: str) -> str:
    """Tags over MAX_TAG characters without their attributes (see the module docstring)."""
    return _LONG_TAG.sub(r"<\1>", markup)


def read_html(data: bytes, *, path: Path, doc_id: str) -> Document:
    markup = decode_text(data, path=path)
    if "<" not in markup:
        raise UnreadableDocument(f"{path}: no HTML markup found; save plain text as .txt")
    try:
        page = trafilatura.bare_extraction(
            strip_long_tags(markup),
            include_comments=False,
            include_tables=True,
            with_metadata=True,
            date_extraction_params=_DATE_PARAMS,
        )
    except (ValueError, TypeError, RecursionError, AssertionError) as err:  # lxml refuses some markup
        raise UnreadableDocument(f"{path}: malformed HTML ({type(err).__name__}: {err})") from None
    if page is not None and not isinstance(page, dict):
        page = page.as_dict()
    if not isinstance(page, dict) or not str(page.get("text") or "").strip():
        raise UnreadableDocument(
            f"{path}: no main text found in the HTML page; check that it holds an article"
        )
    date = str(page.get("date") or "")
    return Document(
        doc_id=doc_id,
        text=str(page["text"]),
        title=page.get("title") or None,
        publisher=page.get("sitename") or None,
        url=page.get("url") or None,
        published=date if _ISO_DATE.fullmatch(date) else None,
        format="html",
    )
