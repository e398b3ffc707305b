"""Amounts. In: a sentence of the cleaned view. Out: AmountMentions (money, counts, % of GDP).

Money: a currency symbol or ISO code before a number ("$4.5 billion", "EUR 500m",
"NOK 7.5 bn", "¥471.9 billion"), or a number before a currency name or code ("600 million
euros", "15.8 billion yen", "2 billion CAD"), or number words ("half a billion euros").
Values are fully expanded (4.5e9); hedges before the figure ("nearly", "more than", "up to")
set approx; a range ("$1-1.5 billion", "between $1bn and $1.5bn") keeps its upper bound,
approx. Counts: a number before a counted noun ("122 individuals and entities",
"over 2,500 Ukrainian refugees", "56 agreements"). A currency name that several currencies
share ("kroner", "crowns") keeps every candidate; the caller picks by the donor's country.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import cache

from aidtrace.extractor.lexicon import Lexicon
from aidtrace.model import Amount

_NUM = r"\d+(?:[.,]\d+)*"
# a word between a number and what it counts: "120 Bushmaster protected mobility vehicles",
# "19 F-16 fighter jets"; not a function word, so "5 of the 20 vehicles" is not read as 5
_MODIFIER = (
    r"(?!(?:of|to|for|and|or|in|on|at|by|with|from|the|a|an|than|per|who|which|that|were|was|are|is|"
    r"have|has|had|been|will|would|since|this|these|those|its|their|billion|million|thousand|between|among|"
    r"under|across|into|over|during|against|about|including|such|as|all|each|both)\b)"
    r"[\"“‘']?[A-Za-z][\w-]*[\"”’']?"  # quoted modifiers too: 10 'shadow fleet' tankers
)
_NOT_CODES = frozenset({"ALL", "TOP", "CUP", "MOP", "BOB", "PEN", "TRY", "MAD", "GEL", "LAK", "SOS", "CAR"})


@dataclass(frozen=True, slots=True)
class AmountMention:
    start: int
    end: int
    amount: Amount
    kind: str  # money | count
    candidates: tuple[str, ...] = ()  # money: currencies the surface form can mean


@dataclass(frozen=True, slots=True)
class GdpShare:
    start: int
    end: int
    percent: float


@cache
def _patterns(lexicon: Lexicon) -> dict[str, re.Pattern[str]]:
    def alternation(items: list[str]) -> str:
        return "|".join(re.escape(i).replace(r"\ ", r"\s+") for i in sorted(items, key=len, reverse=True))

    symbols = alternation([*list(lexicon.currency_symbols), "$"])
    codes = alternation([c for c in lexicon.currency_codes if c not in _NOT_CODES])
    words = alternation(list(lexicon.currency_words))
    scales = alternation(list(lexicon.terms["scale"]))
    numbers = alternation([w for w in lexicon.terms["number"] if w not in ("a", "an", "several")])
    counted = alternation(list(lexicon.terms["count_unit"]))
    scale = rf"(?:\s?(?P<scale>(?i:{scales}))\b)"
    number = rf"(?P<num>{_NUM})(?:\s?(?:-|–|to)\s?(?P<upper>{_NUM}))?"
    return {
        "prefix": re.compile(
            # "CAD33 million": a code may touch its number
            rf"(?<![\w$])(?P<cur>{symbols}|\b(?:{codes})(?:\b|(?=\d)))\s?{number}{scale}?"
            rf"(?:\s+(?i:(?P<word>{words}))\b)?"
        ),
        "suffix": re.compile(
            rf"(?<![\w.,]){number}{scale}?\s*(?:(?i:(?P<word>{words}))\b|\b(?P<code>{codes})\b)"
        ),
        "spelled": re.compile(
            rf"(?i:\b(?P<words>{numbers}|a|an|half\s+a)\s+(?P<scale>{scales})\s+(?P<word>{words}))\b"
        ),
        "count": re.compile(
            rf"(?<![\w$€£¥.,-])(?P<num>{_NUM}|(?i:{numbers}))(?!\s?-?(?:mm|cm|km|kg|millimet|calibre|caliber)\b)"
            rf"(?:\s+(?i:(?P<scale>thousand|million|hundred)))?"
            # "32 Russian and Belarusian individuals": two coordinated names modify as one
            rf"(?P<mods>(?:\s+(?:[A-Z][\w-]*\s+(?:and|or)\s+[A-Z][\w-]*|{_MODIFIER})){{0,4}})\s+"
            rf"(?P<unit>(?i:{counted}))\b"
        ),
        "gdp": re.compile(
            # the lookbehind starts a number only at its first digit: linear on long digit runs
            rf"(?<![\d.,])(?P<num>{_NUM})\s?(?:%|percent|per\s+cent)\s+of\s+(?:its\s+|their\s+|the\s+country's\s+|"
            rf"the\s+)?(?:annual\s+)?(?:\d{{4}}\s+)?(?:GDP|gross\s+domestic\s+product|national\s+income|GNI)",
            re.IGNORECASE,
        ),
    }


def find_amounts(view: str, start: int, end: int, lexicon: Lexicon) -> list[AmountMention]:
    """Money and count mentions in view[start:end], left to right, without overlaps.

    A figure that restates the one before it in another currency ("¥471.9 billion (about
    $3 billion)") is dropped: it is the same amount.
    """
    patterns = _patterns(lexicon)
    found = _Spans()
    for name in ("prefix", "suffix", "spelled"):
        for match in patterns[name].finditer(view, start, end):
            found.add(_money(match, lexicon, view))
    for match in patterns["count"].finditer(view, start, end):
        found.add(_count(match, lexicon, view))
    return _drop_conversions(view, _merge_ranges(view, found.mentions))


def find_gdp_shares(view: str, start: int, end: int, lexicon: Lexicon) -> list[GdpShare]:
    shares = []
    for match in _patterns(lexicon)["gdp"].finditer(view, start, end):
        value = parse_number(match.group("num"))
        if value is not None:
            shares.append(GdpShare(match.start(), match.end(), value))
    return shares


def parse_number(raw: str) -> float | None:
    """'1,200' -> 1200, '4.5' -> 4.5, '1.000.000' -> 1e6, '1,5' -> 1.5 (decimal comma)."""
    if "," in raw and "." in raw:
        raw = raw.replace(",", "")
    elif "," in raw:
        groups = raw.split(",")
        raw = raw.replace(",", "") if all(len(g) == 3 for g in groups[1:]) else raw.replace(",", ".")
    elif raw.count(".") > 1:
        raw = raw.replace(".", "")
    try:
        return float(raw)
    except ValueError:
        return None


def _scale(lexicon: Lexicon, word: str | None) -> float:
    if not word:
        return 1.0
    return float(lexicon.terms["scale"].get(word.lower(), "1") or 1)


def _money(match: re.Match[str], lexicon: Lexicon, view: str) -> AmountMention | None:
    groups = match.groupdict()
    if groups.get("words"):
        value = _word_value(lexicon, groups["words"])
    else:
        value = parse_number(groups["num"])
        if groups.get("upper"):
            upper = parse_number(groups["upper"])
            value = upper if upper is not None and value is not None and upper > value else value
    if value is None:
        return None
    scale_word = groups.get("scale")
    if scale_word and scale_word.lower() in ("m", "b", "k") and view[match.start("scale") - 1].isspace():
        return None  # "5 m" is a length, not money; abbreviations attach: "€50m"
    candidates = _currencies(lexicon, groups)
    if not candidates:
        return None
    value *= _scale(lexicon, scale_word)
    if value <= 0:
        return None
    approx = bool(groups.get("upper")) or has_hedge(view, match.start(), lexicon)
    return AmountMention(
        match.start(),
        match.end(),
        Amount(value=value, unit=candidates[0], approx=approx),
        "money",
        candidates,
    )


def _currencies(lexicon: Lexicon, groups: dict[str, str | None]) -> tuple[str, ...]:
    cur, code, word = groups.get("cur"), groups.get("code"), groups.get("word")
    if word:  # a currency name is the most specific: "A$" never precedes "euros"
        named = tuple(c.code for c in lexicon.currency_words.get(" ".join(word.lower().split()), []))
        if named and (not cur or cur == "$" or cur in lexicon.currency_codes):
            return named
    if code:
        return (code,)
    if cur:
        if cur in lexicon.currency_codes:
            return (cur,)
        if cur == "$":
            return ("USD",)
        return (lexicon.currency_symbols[cur].code,)
    return ()


def _word_value(lexicon: Lexicon, words: str) -> float | None:
    key = " ".join(words.lower().split())
    if key in ("a", "an"):
        return 1.0
    if key == "half a":
        return 0.5
    raw = lexicon.terms["number"].get(key)
    return float(raw) if raw else None


def has_hedge(view: str, at: int, lexicon: Lexicon) -> bool:
    """Whether an approximating word ("nearly", "more than", ...) stands right before `at`."""
    window = view[max(0, at - 30) : at]
    hedge = lexicon.term_pattern("approx")
    for match in hedge.finditer(window):
        rest = window[match.end() :]
        if re.fullmatch(r"\s*(?:(?:a|an|the|some|about|around)\s+)?", rest):
            return True
    return False


def _count(match: re.Match[str], lexicon: Lexicon, view: str) -> AmountMention | None:
    raw = match.group("num")
    value = parse_number(raw) if raw[0].isdigit() else _word_value(lexicon, raw)
    if value is None or value <= 0:
        return None
    if raw.isdigit() and len(raw) == 4 and 1900 <= value <= 2100 and not match.group("scale"):
        return None  # a year: "in 2022 Ukrainians ..."
    multiplier = {"thousand": 1e3, "million": 1e6, "hundred": 1e2}
    if match.group("scale"):
        value *= multiplier[match.group("scale").lower()]
    unit = lexicon.term_value("count_unit", " ".join(match.group("unit").lower().split()))
    if not unit:
        return None
    approx = has_hedge(view, match.start(), lexicon)
    return AmountMention(match.start(), match.end(), Amount(value=value, unit=unit, approx=approx), "count")


class _Spans:
    """Mentions that do not overlap, kept in order of position; adding one that overlaps a
    mention already there does nothing. Logarithmic per mention (bisect), so a sentence of
    thousands of figures stays fast."""

    def __init__(self) -> None:
        self.mentions: list[AmountMention] = []
        self._starts: list[int] = []

    def add(self, mention: AmountMention | None) -> None:
        if mention is None:
            return
        at = bisect.bisect_left(self._starts, mention.start)
        if at > 0 and self.mentions[at - 1].end > mention.start:
            return
        if at < len(self.mentions) and self.mentions[at].start < mention.end:
            return
        self.mentions.insert(at, mention)
        self._starts.insert(at, mention.start)


_CONVERSION = re.compile(
    # "¥8.8 billion, about EUR 47.7 million"; "¥8.8 billion recovery grant, about EUR 47.7 million"
    r"^(?:(?:\s+(?-i:[a-z]+)){1,2}\s*[,(]|\s*(?:\(|,|-|–)?)\s*(?:or\s+|about\s+|around\s+|approximately\s+|roughly\s+|some\s+|nearly\s+|"
    r"almost\s+|equivalent\s+to\s+|equal\s+to\s+|worth\s+(?:about\s+|around\s+)?|i\.e\.\s+|over\s+|"
    r"more\s+than\s+|just\s+over\s+|just\s+under\s+)*$",
    re.IGNORECASE,
)
_BETWEEN = re.compile(r"\bbetween\s*$|\bfrom\s*$", re.IGNORECASE)
_AND = re.compile(r"\s*(?:and|to|-|–)\s*$")
# "doubling its co-financing from $300 million to $600 million": an old and a new level, no range
_CHANGE = re.compile(
    r"\b(?:doubl|tripl|rais|increas|lift|boost|cut|reduc|grow|grew|expand|scal)\w*\b[^.;$€£¥\d]{0,60}\bfrom\s*$",
    re.IGNORECASE,
)


def _merge_ranges(view: str, mentions: list[AmountMention]) -> list[AmountMention]:
    """'between $1 billion and $1.5 billion' -> one mention: the upper bound, approx."""
    merged: list[AmountMention] = []
    for mention in mentions:
        previous = merged[-1] if merged else None
        if (
            previous is not None
            and previous.kind == mention.kind == "money"
            and previous.amount.unit == mention.amount.unit
            and _AND.fullmatch(view[previous.end : mention.start])
            and _BETWEEN.search(view[max(0, previous.start - 12) : previous.start])
            and not _CHANGE.search(view[max(0, previous.start - 80) : previous.start])
        ):
            upper = max(previous.amount.value, mention.amount.value)
            merged[-1] = AmountMention(
                previous.start,
                mention.end,
                Amount(value=upper, unit=mention.amount.unit, approx=True),
                "money",
                previous.candidates,
            )
            continue
        merged.append(mention)
    return merged


def _drop_conversions(view: str, amounts: list[AmountMention]) -> list[AmountMention]:
    """'¥471.9 billion (about $3 billion)': the second figure restates the first."""
    kept: list[AmountMention] = []
    dropped: AmountMention | None = None
    for amount in amounts:
        if (
            dropped
            and amount.kind == "money"
            and re.fullmatch(
                r"\s*(?:or|and|/|,)\s*(?:about\s+|around\s+|some\s+)?", view[dropped.end : amount.start]
            )
        ):
            dropped = amount  # "NOK 1 billion (nearly €90 million or US$95 million)": both restate
            continue
        dropped = None
        previous = kept[-1] if kept else None
        if (
            previous
            and previous.kind == amount.kind == "money"
            and previous.amount.unit != amount.amount.unit
        ):
            gap = view[previous.end : amount.start]
            if (
                len(gap) < 40
                and _CONVERSION.match(gap)
                and ("(" in gap or re.search(r"or|equivalent|about|around|roughly|approximately|some", gap))
            ):
                dropped = amount
                continue
        kept.append(amount)
    return kept
