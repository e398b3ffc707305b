"""Time expressions. In: a sentence of the cleaned view and the publication date.
Out: DateMentions resolved to YYYY-MM-DD, YYYY-MM or YYYY (the granularity the text gives).

Absolute dates ("February 24, 2022", "13 June 2024", "March 2023", "2014"), dates relative
to publication ("last December", "on Wednesday", "this year", "last month", "February 19"),
spans ("between January and November 2022", "since March 2022", "over the past two years",
"since the start of the invasion") and anaphora ("on the same day", "on the day of the
Tokyo conference", left for the caller to resolve against dates the document gives).
Without a publication date, relative expressions resolve to None: nothing is guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, timedelta

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("January", "Jan"),
            ("February", "Feb"),
            ("March", "Mar"),
            ("April", "Apr"),
            ("May",),
            ("June", "Jun"),
            ("July", "Jul"),
            ("August", "Aug"),
            ("September", "Sept", "Sep"),
            ("October", "Oct"),
            ("November", "Nov"),
            ("December", "Dec"),
        ],
        1,
    )
    for name in names
}
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# the full-scale invasion: "since the start of the war" in a 2022-or-later text
INVASION = date(2022, 2, 24)

_M = r"(?P<{0}>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_Y = r"(?P<{0}>(?:19[5-9]\d|20[0-4]\d))(?![\d,.]\d)"
_D = r"(?P<{0}>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR_REF = r"(?:,?\s+(?:of\s+)?(?P<yref>this|last|next)\s+year)"
_EDGE = r"(?:(?P<edge>early|mid|middle of|late|the end of|end of|the beginning of|beginning of|the start of|start of|the first half of|the second half of)[\s-]+)?"
_WAR = r"(?:Russia[’']s\s+|the\s+)?(?:(?:February\s+)?2022\s+)?(?:full[\s-]scale\s+|Russian\s+)?(?:invasion|war|conflict|aggression)(?:\s+(?:of|in|on|against)\s+Ukraine)?"

_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("iso", re.compile(r"\b(?P<y>20\d\d|19\d\d)-(?P<m>[01]\d)-(?P<d>[0-3]\d)\b")),
    # "on 11–12 June 2024", "15-16 June": an event over days is dated by its first day
    (
        "dmy",
        re.compile(
            r"\b"
            + _D.format("d")
            + r"\s?[-–]\s?[0-3]?\d(?:st|nd|rd|th)?\s+"
            + _M.format("m")
            + r",?\s+"
            + _Y.format("y")
        ),
    ),
    (
        "dm",
        re.compile(
            r"\b"
            + _D.format("d")
            + r"\s?[-–]\s?[0-3]?\d(?:st|nd|rd|th)?\s+"
            + _M.format("m")
            + r"\b(?!,?\s+\d{4})"
            + _YEAR_REF
            + "?"
        ),
    ),
    ("mdy", re.compile(r"\b" + _M.format("m") + r"\s+" + _D.format("d") + r",?\s+" + _Y.format("y"))),
    (
        "dmy",
        re.compile(r"\b" + _D.format("d") + r"(?:\s+of)?\s+" + _M.format("m") + r",?\s+" + _Y.format("y")),
    ),
    (
        "md",
        re.compile(r"\b" + _M.format("m") + r"\s+" + _D.format("d") + r"\b(?!,?\s+\d{4})" + _YEAR_REF + "?"),
    ),
    (
        "dm",
        re.compile(
            r"\b" + _D.format("d") + r"(?:\s+of)?\s+" + _M.format("m") + r"\b(?!,?\s+\d{4})" + _YEAR_REF + "?"
        ),
    ),
    (
        "range_my",
        re.compile(
            r"\b(?:between|from)\s+"
            + _M.format("m1")
            + r"(?:\s+"
            + _Y.format("y1")
            + r")?\s+(?:and|to|until|through)\s+"
            + _M.format("m2")
            + r",?\s+(?:of\s+)?"
            + _Y.format("y2")
        ),
    ),
    (
        "range_y",
        re.compile(
            r"\b(?:between|from)\s+" + _Y.format("y1") + r"\s+(?:and|to|until|through)\s+" + _Y.format("y2")
        ),
    ),
    ("range_dash", re.compile(r"\b" + _Y.format("y1") + r"\s?[-–]\s?" + r"(?P<y2>(?:19|20)?\d\d)\b")),
    (
        "since_war",
        re.compile(
            r"(?i:\b(?:since|from)\s+(?:the\s+)?(?:very\s+)?(?:start|beginning|onset|outbreak|first\s+day|first\s+days)\s+of\s+)"
            + _WAR
        ),
    ),
    # "since the war started", "since the full-scale invasion began", "since Russia invaded"
    (
        "since_war",
        re.compile(
            r"(?i:\bsince\s+)(?:"
            + _WAR
            + r"(?i:\s+(?:started|began|begun|broke\s+out))?|Russia\s+(?:invaded|attacked)(?:\s+Ukraine)?|"
            r"Russia\s+(?:launched|started|began)\s+(?:its\s+|the\s+)?(?:full[\s-]scale\s+)?(?:invasion|war)|"
            r"(?i:the\s+(?:full[\s-]scale\s+)?invasion))\b"
        ),
    ),
    (
        "at_war",
        re.compile(
            r"(?i:\b(?:at|in|during)\s+the\s+(?:very\s+)?(?:start|beginning|onset|outbreak|initial\s+(?:months|weeks|days|stages?|phase)|first\s+(?:months|weeks|days|stages?|phase))\s+of\s+)"
            + _WAR
        ),
    ),
    (
        "past",
        re.compile(
            r"(?i:\b(?:over|in|during)\s+the\s+(?:past|last)\s+(?P<n>two|three|four|five|six|\d+|)\s*(?P<unit>years?|months?))"
        ),
    ),
    ("my", re.compile(r"\b" + _EDGE + _M.format("m") + r",?\s+(?:of\s+)?" + _Y.format("y"))),
    (
        "rel_month",
        re.compile(
            r"\b(?P<rel>[Ll]ast|[Tt]his|[Nn]ext|[Ee]arlier\s+this|[Ll]ater\s+this)\s+"
            + _M.format("m")
            + r"\b"
        ),
    ),
    ("m_yref", re.compile(r"\b" + _EDGE + _M.format("m") + _YEAR_REF)),
    (
        "month",
        re.compile(
            r"(?:(?<=\b[Ii]n\s)|(?<=\b[Bb]y\s)|(?<=\b[Ss]ince\s)|(?<=\b[Uu]ntil\s)|(?<=\b[Ff]rom\s)|(?<=\b[Dd]uring\s)|(?<=\b[Ll]ate\s)|(?<=\b[Ee]arly\s)|(?<=\b[Mm]id-)|(?<=\b[Oo]f\s)|(?<=\bthe\s)|(?<=^))"
            + _M.format("m")
            + r"(?![\w-])(?!\s+\d)"
        ),
    ),
    (
        "rel",
        re.compile(
            r"(?i:\b(?P<phrase>(?:late|early|earlier|later)\s+(?:last|this|next)\s+(?:year|month)|(?:at\s+)?the\s+(?:end|beginning|start|turn)\s+of\s+(?:this|last|next)\s+(?:year|month)|this\s+year|last\s+year|next\s+year|this\s+month|last\s+month|next\s+month|earlier\s+this\s+(?:year|month|week)|this\s+week|last\s+week|yesterday|today|a\s+year\s+ago|(?:two|three)\s+years\s+ago))\b"
        ),
    ),
    ("weekday", re.compile(r"\b(?P<wd>" + "|".join(WEEKDAYS) + r")\b(?!,?\s+(?:" + "|".join(MONTHS) + r"))")),
    (
        "anaphora",
        re.compile(
            r"(?i:\b(?:(?:on|at)\s+)?(?:the|that)\s+same\s+(?:day|date)\b|\b(?:on|at)\s+(?:that\s+day|the\s+same\s+occasion|the\s+day\s+of\s+(?P<event>(?:the\s+)?[\w\s'-]{3,60}?(?:conference|summit|meeting|visit|forum|signing)))\b)"
        ),
    ),
    # "during the visit", "at the summit": the event the document dated earlier
    (
        "event_ref",
        re.compile(
            r"(?i:\b(?:during|at|on\s+the\s+sidelines\s+of)\s+the\s+(?P<ev>visit|trip|summit|conference|meeting|talks|ceremony|signing)\b)"
        ),
    ),
    (
        "year",
        re.compile(
            r"(?<![\w$€£¥.,/-])(?:(?P<edge>early|mid|late|the\s+end\s+of|end\s+of|the\s+beginning\s+of|the\s+start\s+of)[\s-]+)?(?:FY|fiscal\s+)?"
            + _Y.format("y")
            + r"(?![\w-]|\s?(?:%|percent|per cent))"
        ),
    ),
]


@dataclass(frozen=True, slots=True)
class DateMention:
    start: int
    end: int
    kind: str  # point | since | until | range | anaphora
    value: str | None = None  # YYYY-MM-DD | YYYY-MM | YYYY
    period: tuple[str, str] | None = None
    event: str | None = None  # anaphora: "the Tokyo conference"


def find_dates(view: str, start: int, end: int, published: date | None) -> list[DateMention]:
    """Time expressions in view[start:end], resolved against `published`, without overlaps."""
    found: list[DateMention] = []
    for kind, pattern in _PATTERNS:
        for match in pattern.finditer(view, start, end):
            if any(match.start() < f.end and f.start < match.end() for f in found):
                continue
            mention = _resolve(kind, match, published, view)
            if mention is not None and mention.kind == "point" and _until(view, mention.start):
                # "support through 2027": the end of a span, not when the act happened ("by the
                # end of this year" still dates: the year the money is for)
                mention = replace(mention, kind="until")
            if mention is not None:
                found.append(mention)
    return sorted(found, key=lambda m: m.start)


def _since(view: str, at: int) -> bool:
    return bool(
        re.search(r"\b(?:[Ss]ince|[Ss]tarting|[Ff]rom)\s+(?:early|mid|late)?\s*$", view[max(0, at - 18) : at])
    )


def _until(view: str, at: int) -> bool:
    """'support through 2027', 'until the end of 2026'; not 'in the seven days until June 6',
    which dates a count by the day it ends."""
    before = view[max(0, at - 40) : at]
    return bool(
        re.search(
            r"\b(?:[Tt]hrough(?:\s+to)?|[Uu]ntil|[Tt]ill|[Uu]p\s+to)\s+(?:the\s+end\s+of\s+)?$",
            before,
        )
    ) and not re.search(r"\b(?:days?|weeks?|months?|period)\s+(?:until|till|through|up\s+to)\s+$", before)


def _resolve(kind: str, match: re.Match[str], published: date | None, view: str) -> DateMention | None:
    g = match.groupdict()
    s, e = match.start(), match.end()
    value: str | None
    if kind == "iso":
        value = _day(int(g["y"]), int(g["m"]), int(g["d"]))
    elif kind in ("mdy", "dmy"):
        value = _day(int(g["y"]), _month(g["m"]), int(g["d"]))
    elif kind in ("md", "dm"):
        value = _month_day(_month(g["m"]), int(g["d"]), published, g.get("yref"))
    elif kind == "range_my":
        y2 = int(g["y2"])
        y1 = int(g["y1"]) if g.get("y1") else y2
        return DateMention(
            s, e, "range", period=(f"{y1}-{_month(g['m1']):02d}", f"{y2}-{_month(g['m2']):02d}")
        )
    elif kind == "range_y":
        return DateMention(s, e, "range", period=(g["y1"], g["y2"]))
    elif kind == "range_dash":
        y1 = int(g["y1"])
        y2 = int(g["y2"]) if len(g["y2"]) == 4 else y1 // 100 * 100 + int(g["y2"])
        if not y1 < y2 <= y1 + 10:
            return None
        return DateMention(s, e, "range", period=(str(y1), str(y2)))
    elif kind == "since_war":
        if published is not None and published < INVASION:
            return None
        return DateMention(s, e, "since", value=f"{INVASION:%Y-%m}")
    elif kind == "at_war":
        if published is not None and published < INVASION:
            return None
        return DateMention(s, e, "point", value=str(INVASION.year))
    elif kind == "past":
        if published is None:
            return None
        n = _small_number(g["n"] or "one")
        months = n * 12 if g["unit"].startswith("year") else n
        return DateMention(s, e, "since", value=_months_before(published, months))
    elif kind == "my":
        value = str(g["y"]) if (g.get("edge") or "").endswith("half of") else f"{g['y']}-{_month(g['m']):02d}"
    elif kind == "rel_month":
        value = _relative_month(_month(g["m"]), g["rel"].lower().split()[-1], published)
    elif kind == "m_yref":
        if published is None:
            return None
        year = published.year + {"this": 0, "last": -1, "next": 1}[g["yref"]]
        value = f"{year}-{_month(g['m']):02d}"
    elif kind == "month":
        if g["m"] == "May" and not re.search(
            r"\b(?:[Ii]n|[Bb]y|[Ss]ince|[Ll]ate|[Ee]arly|[Mm]id-|[Uu]ntil|[Ff]rom)\s*-?$",
            view[max(0, s - 7) : s],
        ):
            return None  # the modal verb, not the month
        value = _nearest_month(_month(g["m"]), published)
    elif kind == "rel":
        value = _relative(g["phrase"].lower(), published)
    elif kind == "weekday":
        value = _weekday(WEEKDAYS.index(g["wd"]), published)
    elif kind == "anaphora":
        return DateMention(s, e, "anaphora", event=(g.get("event") or "").strip() or None)
    elif kind == "event_ref":
        return DateMention(s, e, "anaphora", event=g["ev"].lower())
    else:  # year
        value = g["y"]
        edge = re.sub(r"\s+", " ", g.get("edge") or "")
        if edge in ("the end of", "end of"):
            value = f"{value}-12"  # "at the end of 2023": its last month
    if value is None:
        return None
    return DateMention(s, e, "since" if _since(view, s) else "point", value=value)


def _month(name: str) -> int:
    return MONTHS[name.rstrip(".")]


def _day(year: int, month: int, day: int) -> str | None:
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def _month_day(month: int, day: int, published: date | None, yref: str | None) -> str | None:
    if published is None:
        return None
    year = published.year + {"this": 0, "last": -1, "next": 1, None: 0}[yref]
    try:
        candidate = date(year, month, day)
    except ValueError:
        return None
    if yref is None and candidate > published + timedelta(days=60):
        candidate = candidate.replace(year=year - 1)  # "On December 20" in a January text
    return candidate.isoformat()


def _nearest_month(month: int, published: date | None) -> str | None:
    if published is None:
        return None
    year = published.year if month <= published.month + 2 else published.year - 1
    return f"{year}-{month:02d}"


def _relative_month(month: int, rel: str, published: date | None) -> str | None:
    if published is None:
        return None
    if rel == "last":  # the most recent such month before the one of publication
        year = published.year if month < published.month else published.year - 1
    elif rel == "next":
        year = published.year if month > published.month else published.year + 1
    else:
        year = published.year
    return f"{year}-{month:02d}"


def _relative(phrase: str, published: date | None) -> str | None:
    if published is None:
        return None
    words = phrase.split()
    if phrase in ("yesterday", "today"):
        return (published - timedelta(days=int(phrase == "yesterday"))).isoformat()
    if phrase.endswith("ago"):
        return str(published.year - {"a": 1, "two": 2, "three": 3}[words[0]])
    if words[-1] == "week":
        return f"{published - timedelta(days=7 if 'last' in words else 0):%Y-%m}"
    offset = -1 if "last" in words else 1 if "next" in words else 0
    if words[-1] == "month":
        return _months_before(published, -offset)
    return str(published.year + offset)


def _weekday(weekday: int, published: date | None) -> str | None:
    if published is None:
        return None
    back = (published.weekday() - weekday) % 7  # on or before the publication date
    return (published - timedelta(days=back)).isoformat()


def _months_before(published: date, months: int) -> str:
    index = published.year * 12 + published.month - 1 - months
    return f"{index // 12}-{index % 12 + 1:02d}"


def _small_number(word: str) -> int:
    words = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
    return words.get(word.lower()) or int(word) if word.isdigit() else words.get(word.lower(), 1)
