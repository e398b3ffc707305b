"""Extractors: Document -> Records. The registry names every extractor a run can use.

A run records the extractor's name with its settings; a name never changes meaning: a
different extractor ships under a new name.
"""

from __future__ import annotations

from collections.abc import Callable

from aidtrace.extractor.rules import extract_records
from aidtrace.model import Document, Record

Extractor = Callable[[Document], list[Record]]

EXTRACTORS: dict[str, Extractor] = {
    "rules": extract_records,
}
