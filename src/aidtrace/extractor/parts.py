"""Parts of a larger amount (the contract's `part_of`, ruling 3).

In: the money mentions of one sentence, and the record the discourse last made. Out: for each
money mention that is stated as a component, the whole it is a component of.

A component is named by a cue between the whole and the part ("$1.3 billion in new aid,
including $500 million for the grid"; "$12 billion, of which $4.5 billion this year"; "SEK 1
billion, with SEK 500 million for ...") or, with no whole in its own sentence, by a sentence
that describes a package stated just before ("The package also includes £18m for ...", "Of
this, £5m goes to ..."): then the whole is the amount of the last record, if larger.
"""

from __future__ import annotations

import re

from aidtrace.extractor.amounts import AmountMention
from aidtrace.model import Amount, Record

_WITHIN = re.compile(
    r"\b(?:including|includ(?:es|ed)|of\s+which|out\s+of\s+which|among\s+(?:them|which)|with|comprising|"
    r"consisting\s+of|split\s+into|broken\s+down\s+into|incl\.)\b",
    re.IGNORECASE,
)
# a sentence that describes a package already stated: its figures are parts of that package
_DESCRIBES = re.compile(
    r"\b(?:(?:the|this|that|its)\s+(?:new\s+|latest\s+|overall\s+|whole\s+|aid\s+|support\s+|military\s+)*"
    r"(?:package|total|sum|amount|pledge|allocation|funding|contribution|money)\b[^.;]{0,40}?"
    r"\b(?:includ\w*|compris\w*|encompass\w*|contain\w*|consists?\s+of|covers?)\b|"
    r"^\W*of\s+(?:this|that|these|the\s+total)\b|\bpart\s+of\s+(?:the|this|that)\s+(?:package|total|sum)\b)",
    re.IGNORECASE,
)


# the part named first: "The ¥13 billion is the first portion of the $300 million pledge"
_PART_OF = re.compile(
    r"\b(?:(?:first|second|third|fourth|final|last|next|latest)\s+)?(?:portion|part|tranche|instal+ment|share|"
    r"component|slice)\s+of\b",
    re.IGNORECASE,
)


_PART_OF_NEXT = re.compile(rf"[^.;$€£¥\d]{{0,25}}?{_PART_OF.pattern}", re.IGNORECASE)


def wholes(view: str, money: list[AmountMention]) -> dict[int, AmountMention]:
    """Money mentions of one sentence stated as parts of another one: start -> whole.

    Only figures within a short distance are compared, so a sentence of a thousand figures
    costs a thousand short comparisons, not a million."""
    found: dict[int, AmountMention] = {}
    for i, part in enumerate(money):
        # the cue right after the part reaches further: "The ¥13 billion is the first portion
        # of the yen loans that the prime minister promised ... to $300 million"
        reach = 220 if _PART_OF_NEXT.match(view, part.end) else 100
        for whole in money[i + 1 :]:
            if whole.start - part.end > reach:
                break
            if _larger(whole, part) and _PART_OF.search(view, part.end, whole.start):
                found[part.start] = whole  # named first: "the first tranche of the $300m loan"
                break
        if part.start in found:
            continue
        for whole in reversed(money[:i]):
            if part.start - whole.end > 120:
                break
            if _larger(whole, part) and _WITHIN.search(view, whole.end, part.start):
                found[part.start] = found.get(whole.start, whole)  # a part of a part: the outer whole
                break
    return found


def _larger(whole: AmountMention, part: AmountMention) -> bool:
    """The whole is the larger figure: compared as written in one currency; across currencies
    it is taken as written (no exchange rates at this stage)."""
    if whole.amount.unit != part.amount.unit:
        return whole.kind == part.kind == "money"
    return whole.amount.value > part.amount.value


# "The money arrived in two pieces.", "It consists of two parts.": the next sentences name them
SPLIT = re.compile(
    r"\b(?:in|into)\s+(?:two|three|four|five|\d)\s+(?:parts|pieces|tranches|instal+ments|portions)\b|"
    r"\b(?:consists?|consisting|comprises?|is\s+made\s+up)\s+of\s+(?:two|three|four|five|\d)\s+"
    r"(?:parts|pieces|tranches|components|elements|projects|grants|loans)\b",
    re.IGNORECASE,
)


def whole_from_context(
    sentence: str, amount: Amount, donor: str, previous: list[Record], *, split: bool = False
) -> Amount | None:
    """'The package also includes £18m for humanitarian aid': the package the donor's record of
    the sentence just before states ("Japan and Norway gave $760 million. Of that sum, Japan
    provided $465 million"); after a sentence that splits a sum in parts (`split`), each
    smaller figure of the donor is one of them."""
    last = next((r for r in reversed(previous) if r.donor == donor), None)
    if last is None or last.amount is None or not (split or _DESCRIBES.search(sentence)):
        return None
    whole = last.part_of or last.amount
    if whole.unit == amount.unit and whole.value <= amount.value:
        return None  # across currencies the whole is taken as written, as in `wholes`
    if not (whole.is_money and amount.is_money) and whole.unit != amount.unit:
        return None
    return Amount(value=whole.value, unit=whole.unit)
