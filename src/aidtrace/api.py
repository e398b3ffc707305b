"""The Python API: extract records from a string, a file or many files.

>>> import aidtrace
>>> records = aidtrace.extract("On Monday Japan pledged $4.5 billion to Ukraine.",
...                            published="2024-02-21")
>>> records[0].donor, records[0].amount.value, records[0].date
('JPN', 4500000000.0, '2024-02-19')
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from aidtrace.errors import InvalidRequest
from aidtrace.ingest.fields import date_problem, text_problem
from aidtrace.model import Document, DocumentResult, Record
from aidtrace.pipeline import process, run
from aidtrace.settings import Settings


def extract(
    text: str,
    *,
    published: str | None = None,
    doc_id: str = "text",
    title: str | None = None,
    settings: Settings | None = None,
) -> list[Record]:
    """The records a text asserts; `published` (YYYY-MM-DD) anchors relative dates. Raises
    InvalidRequest for a date the calendar does not have or a text that is not text, and
    budget.OverBudget when extraction runs past its time budget."""
    problem = published is not None and date_problem(published)
    if problem:
        raise InvalidRequest(f"published {problem}")
    problem = text_problem(text, limit=None)
    if problem:
        raise InvalidRequest(f"text: {problem}")
    return process(Document(doc_id=doc_id, text=text, title=title, published=published), settings)


def extract_path(
    path: str | Path, *, manifest: str | Path | None = None, settings: Settings | None = None
) -> DocumentResult:
    """Read and extract one file; a document that cannot be read comes back with its failure."""
    results = list(run([Path(path)], manifest=Path(manifest) if manifest else None, settings=settings))
    if not results:
        raise InvalidRequest(f"{path}: no document found there")
    return results[0]


def extract_paths(
    paths: Iterable[str | Path], *, manifest: str | Path | None = None, settings: Settings | None = None
) -> list[DocumentResult]:
    """Read and extract files and folders (recursively); one result per document found."""
    return list(
        run([Path(p) for p in paths], manifest=Path(manifest) if manifest else None, settings=settings)
    )
