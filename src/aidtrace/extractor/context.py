"""What the rule extractor carries from sentence to sentence of one document.

The discourse donor ("It also pledges"), whether the text is about Ukraine, the record a
list's lead-in made, and the dated events that later anaphora point at.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from aidtrace.extractor.lexicon import Lexicon
from aidtrace.model import Record

_UKRAINE = re.compile(r"Ukrain")
NON_DONORS = frozenset({"UKR", "RUS", "BLR", "-"})


TARGETS = frozenset({"RUS", "BLR"})


@dataclass(slots=True)
class Context:
    published: date | None
    ukraine_doc: bool
    russia_doc: bool
    donor: str | None = None
    ukraine_strong: bool = False  # the document is about Ukraine throughout
    ukraine_recent: int = 99  # sentences since Ukraine was last named (not yet: many)
    ukraine_here: bool = False  # the sentence being read names Ukraine (counted once per sentence)
    estimate_here: bool = False  # the sentence being read tells an estimate ("the Kiel Institute estimated")
    lead_in: Record | None = None  # the record a list's lead-in sentence made ("... as follows:")
    last_record: Record | None = None
    last_records: list[Record] = field(default_factory=list)  # the records of the last sentence that made any
    since_record: int = 0  # sentences since the last record
    split_left: int = 0  # sentences that may still name the parts of a sum "in two parts"
    visitors: set[str] = field(default_factory=set)  # donors whose visit to Ukraine was told already
    # figures the document shows to be sums of earlier support ("The $7.6 billion pledge includes
    # offers made on his March 21 visit"): (value, unit)
    summed_figures: set[tuple[float, str]] = field(default_factory=set)
    events: list[tuple[str, str]] = field(default_factory=list)  # (sentence text, date)
    last_day: str | None = None


def count_ukraine(text: str, lexicon: Lexicon) -> int:
    """How often a text names Ukraine: 'Ukraine', 'Ukrainian', 'Japan-Ukraine', 'Kyiv', 'Lviv'..."""
    places = sum(
        1 for m in lexicon.term_pattern("place.ukraine").finditer(text) if "Ukrain" not in m.group(0)
    )
    return len(_UKRAINE.findall(text)) + places
