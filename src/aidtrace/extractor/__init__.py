"""Extractors: Document -> Records. The registry names every extractor a run can use.

A run records the extractor's name with its settings; a name never changes meaning: a
different extractor ships under a new name.
"""

from __future__ import annotations

from collections.abc import Callable

from aidtrace.extractor.rules import extract_records, warm_up
from aidtrace.model import Document, Record

Extractor = Callable[[Document], list[Record]]

EXTRACTORS: dict[str, Extractor] = {
    "rules": extract_records,
}
# what an extractor loads once per process before a text that needs it (outside the time budget)
WARM_UPS: dict[str, Callable[[str], None]] = {
    "rules": warm_up,
}
