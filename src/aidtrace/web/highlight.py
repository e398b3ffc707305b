"""Evidence in its document: the text cut into segments at every record's span, so that a
template can mark each span (overlaps included) without building HTML from strings."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise
from typing import Any


@dataclass(frozen=True, slots=True)
class Segment:
    text: str
    records: tuple[dict[str, Any], ...]  # the records whose evidence covers this segment
    starts: tuple[str, ...]  # ids of the records whose evidence starts here (anchors)


def segments(text: str, records: list[dict[str, Any]]) -> list[Segment]:
    """`text` in order, cut where any record's evidence starts or ends."""
    spans = [
        (r["evidence"]["start"], r["evidence"]["end"], r)
        for r in records
        if 0 <= r["evidence"]["start"] < r["evidence"]["end"] <= len(text)
    ]
    bounds = sorted({0, len(text), *(s for s, _e, _r in spans), *(e for _s, e, _r in spans)})
    out = []
    for a, b in pairwise(bounds):
        covering = tuple(r for s, e, r in spans if s <= a and e >= b)
        starting = tuple(r["record_id"] for s, _e, r in spans if s == a)
        out.append(Segment(text[a:b], covering, starting))
    return out


def context_of(text: str, start: int, end: int, *, width: int = 320) -> dict[str, Any]:
    """The span with up to `width` characters either side, cut at whitespace."""
    left = max(0, start - width)
    if left:
        space = text.find(" ", left, start)
        left = space + 1 if space != -1 else left
    right = min(len(text), end + width)
    if right < len(text):
        space = text.rfind(" ", end, right)
        right = space if space != -1 else right
    return {
        "before": text[left:start],
        "span": text[start:end],
        "after": text[end:right],
        "cut_before": left > 0,
        "cut_after": right < len(text),
    }
