"""Sentences of a document. In: Document.text. Out: a same-length cleaned view and sentence spans.

The cleaned view replaces markup with spaces and typographic quotes with plain ones, one
character for one, so every offset found in it is an offset into the original text:
`\\$12` -> ` $12`, `[sanctions](#)` -> ` sanctions    `, footnote markers `[2]` -> spaces.
Sentences end at . ! ? followed by a capitalised word (not after abbreviations or initials),
and at every line break: headlines, bullet items and paragraphs are sentences of their own.
"""

from __future__ import annotations

import re

_QUOTES = str.maketrans(
    {
        "\u2019": "'",
        "\u2018": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u00a0": " ",
        "\u2009": " ",
        "\u202f": " ",
        "\u2011": "-",
        "\u2010": "-",
    }
)
_LINK = re.compile(r"\[([^\]\n]{1,300})\]\(([^)\s]{0,500})\)")
_FOOTNOTE = re.compile(r"\[\d{1,3}\]|\[(?:citation needed|note \d+)\]")
_ESCAPE = re.compile(r"\\(?=[$%&*_#\[\]().!-])")
_EMPHASIS = re.compile(r"(?<!\w)(\*{1,2}|_{1,2})(?=\S)|(?<=\S)(\*{1,2}|_{1,2})(?!\w)")
# possessive and anchored at the first mark of a run: linear on long runs of dots
_BOUNDARY = re.compile(r"(?<![.!?])[.!?]++[\"')\]]*+(?=\s+[\"'(\[]?[A-Z0-9\u00C0-\u024F])|\n")
# tokens before a period that do not end a sentence
_ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof st sen rep gov gen lt col maj capt cmdr adm sgt jr sr no nos vol pp "
    "inc ltd co corp plc llc dept est approx fig al vs e.g i.e etc jan feb mar apr jun jul aug "
    "sep sept oct nov dec u.s u.k u.n e.u u.s.a d.c p.m a.m mt ft pres amb hon rev".split()
)


def clean(text: str) -> str:
    """The same-length view the finders read (see module docstring)."""
    view = text.translate(_QUOTES)
    view = _LINK.sub(lambda m: " " + m.group(1) + " " * (len(m.group(2)) + 3), view)
    view = _FOOTNOTE.sub(lambda m: " " * len(m.group(0)), view)
    view = _ESCAPE.sub(" ", view)
    view = _EMPHASIS.sub(lambda m: " " * len(m.group(0)), view)
    return view


def split_sentences(view: str) -> list[tuple[int, int]]:
    """Sentence spans [start, end) over the cleaned view, whitespace trimmed, empty ones dropped."""
    spans = []
    start = 0
    for match in _BOUNDARY.finditer(view):
        if match.group(0) != "\n" and _is_abbreviation(view, match.start()):
            continue
        end = match.end() if match.group(0) != "\n" else match.start()
        spans.append((start, end))
        start = match.end()
    spans.append((start, len(view)))
    return [trimmed for s, e in spans if (trimmed := _trim(view, s, e))]


def _is_abbreviation(view: str, period: int) -> bool:
    if view[period] != ".":
        return False
    word_start = period
    while word_start > 0 and (view[word_start - 1].isalnum() or view[word_start - 1] == "."):
        word_start -= 1
    word = view[word_start:period].lower()
    if len(word) == 1 and word.isalpha():
        return True  # an initial: "J. Smith"
    return word in _ABBREVIATIONS


def _trim(view: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and view[start].isspace():
        start += 1
    while end > start and view[end - 1].isspace():
        end -= 1
    if end - start < 2 or not any(ch.isalnum() for ch in view[start:end]):
        return None
    return start, end
