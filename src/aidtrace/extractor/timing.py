"""When. In: a clause, its dates and amount. Out: (aggregate, period, date) of a record.

Also keeps the dated events of the document so that "on the day of the Tokyo conference"
and "on the same day" resolve.
"""

from __future__ import annotations

import re

from aidtrace.extractor.amounts import AmountMention
from aidtrace.extractor.clauses import Clause
from aidtrace.extractor.context import Context
from aidtrace.extractor.dates import INVASION, DateMention
from aidtrace.extractor.lexicon import Lexicon

_RELATIVE_START = re.compile(
    r",?\s*(?:which|that|who)\s+(?:\w+\s+){0,2}?(?:began|started|begun|was|were|had)\b", re.IGNORECASE
)


# a part of the total before it: "of which $4.5 billion", "with $4.5 billion allocated for 2024"
_PART = re.compile(
    r"\b(?:of\s+which|including|includes|include|among\s+them|incl\.)\b[^$€£¥\d]{0,30}$"
    r"|,\s*with\s+(?:a\s+further\s+|another\s+|some\s+|about\s+|nearly\s+)?$",
    re.IGNORECASE,
)


# "its largest package since 2022": a comparison, not a running total
_SUPERLATIVE_SINCE = re.compile(
    r"\b(?:largest|biggest|first|highest|most|lowest|only)\b[^,.;]{0,40}\bsince\b", re.IGNORECASE
)
_SINCE_PHRASE = re.compile(r"\bsince\b[^,;]{0,40}$", re.IGNORECASE)
# past participles of giving: the verb of a running total told in the perfect
_GIVEN = (
    r"(?:provided|given|extended|disbursed|delivered|transferred|sent|committed|allocated|contributed|"
    r"pledged|promised|paid|spent|supplied|donated|shipped|granted|lent|handed\s+over|financed|funded)"
)
# "has already provided more than $8.5 billion"
_ALREADY = re.compile(
    rf"\b(?:(?:has|have|had)\s+)?(?:already|previously)\s+(?:\w+\s+)?{_GIVEN}\b", re.IGNORECASE
)
# "has extended a total of $20 billion"; not "will contribute a total of" (ruling 2)
_PERFECT_TOTAL = re.compile(
    rf"\b(?:has|have)\s+(?:\w+\s+){{0,2}}?{_GIVEN}\b[^.;]{{0,60}}\ba\s+total\s+of\s*$", re.IGNORECASE
)
# "a total of $20 billion that Japan has extended": the perfect after the figure
_PERFECT_AFTER = re.compile(
    rf"[^.;]{{0,40}}\b(?:that|which)\s+(?:[\w.-]+\s+){{0,3}}(?:has|have)\s+(?:\w+\s+)?{_GIVEN}\b",
    re.IGNORECASE,
)
# "on top of the ¥12 billion already provided": the participle right after the figure
_ALREADY_AFTER = re.compile(rf"\s*(?:\([^()]{{0,40}}\)\s*)?already\s+(?:been\s+)?{_GIVEN}\b", re.IGNORECASE)
# "had pledged $600 million before this announcement": what was given up to a past point
_PLUPERFECT = re.compile(rf"\bhad\s+(?:already\s+|previously\s+|earlier\s+)?{_GIVEN}\b", re.IGNORECASE)
_SO_FAR = r"to date|so far|thus far|at the moment|as of now"  # up to the time of writing
_IN_TOTAL_WORDS = r"in total|in all|altogether|overall"  # a sum, of what the context says
_TO_DATE = re.compile(
    rf"\b(?:{_SO_FAR}|{_IN_TOTAL_WORDS}|cumulative|"
    r"now\s+(?:worth|totals?|totalling|stands?\s+at|amounts?\s+to|exceeds?))",
    re.IGNORECASE,
)
# "taking the total to $200 million", "doubling its co-financing to $600 million": the new level
_NEW_LEVEL = re.compile(
    r"\b(?:tak|bring|rais|doubl|tripl|increas|lift|boost|push)\w*\b(?:[^.;]|(?<=[A-Z])\.){0,80}\bto\s+"
    r"(?:an?\s+(?:[a-z]+\s+)?)?(?:about\s+|around\s+|some\s+|nearly\s+|almost\s+|over\s+|more\s+than\s+)?$",
    re.IGNORECASE,
)


_TO_UKRAINE = re.compile(r"^(?:to|for|in)\s+(?:Ukraine|Kyiv|the\s+country)\s*,?\s*", re.IGNORECASE)
_THE_TOTAL = re.compile(
    r"\b(?:the|its|their|overall)\s+total\s+(?:[\w-]+\s+){0,2}(?:of|worth|amounting\s+to|at)\s*$",
    re.IGNORECASE,
)
# all of a donor's support so far: "the assistance, which totals $7.1 billion"; "the support
# Japan has provided to Ukraine to the tune of $12 billion"
_OF_ALL = re.compile(
    rf"\b(?:the|its|their)\s+(?:\w+\s+)?(?:support|aid|assistance|help)(?:\s+(?:for|to)\s+Ukraine)?"
    rf"\s*[,”\"’]*\s+(?:(?:which|that)\s+)?"
    rf"(?:(?:totals?|amounts?\s+to|is\s+worth)\b|(?:[\w.-]+\s+){{1,3}}(?:has|have)\s+(?:\w+\s+)?{_GIVEN}\b)",
    re.IGNORECASE,
)
# a donor's rank among donors tells a cumulative figure
_RANKED = re.compile(
    r"\b(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|\d+(?:st|nd|rd|th))"
    r"(?:\s+place|[\s-]+(?:largest|biggest)\s+(?:donor|contributor|provider))",
    re.IGNORECASE,
)
_TO_DATE_LATER = re.compile(rf"[^.;]{{0,25}}\b(?:{_SO_FAR})\b", re.IGNORECASE)
_REACH = 240  # how far before a figure its timing cues are looked for
_ANNOUNCED = re.compile(
    r"\b(?:will|shall|would|decided\s+to|decides\s+to|is\s+to|are\s+to|set\s+to|plans?\s+to)\b", re.IGNORECASE
)
_PACKAGE_SUBJECT = re.compile(
    r"\b(?:the|this|its|a|new|latest|planned)\s+(?:[\w-]+\s+){0,3}(?:package|tranche|grant|loan)\b[^.;]{0,60}"
    r"\b(?:amounts?|totals?|comes?|is\s+worth|will\s+amount)\b",
    re.IGNORECASE,
)
_IN_TOTAL = re.compile(_IN_TOTAL_WORDS, re.IGNORECASE)
# "30 more Bushmasters", "an additional €50 million": an increment, not a sum since a date
_INCREMENT = re.compile(r"\b(?:more(?!\s+than)|additional|further|another|extra)\b", re.IGNORECASE)
# giving that happened (not promised): "provided C$2.4 billion in 2023" is a past year's sum
_PAST_GIVING = re.compile(
    r"\b(?:provided|gave|disbursed|delivered|transferred|sent|allocated|contributed|paid|spent|supplied|donated)\b",
    re.IGNORECASE,
)


def record_timing(
    view: str,
    clause: Clause,
    quantity: AmountMention | None,
    quantities: list[AmountMention | None],
    clause_dates: list[DateMention],
    shared_dates: list[DateMention],
    estimate: bool,
    record_type: str,
    context: Context,
    lexicon: Lexicon,
) -> tuple[bool, tuple[str, str] | None, str | None]:
    """(aggregate, period, date) of one record.

    An amount is an aggregate when it totals support over a period: a range ("between
    January and June 2023", third-party estimates), a start ("since March 2022", "since
    Russia's full-scale invasion in February 2022"), or a running-total cue ("to date",
    "so far", a total verb) from the full-scale invasion to publication. Parts of a total
    ("of which $4.5 billion") and comparisons ("its largest since 2022") are not.
    """
    record_date = _point_date(clause, quantity, clause_dates, shared_dates, context, record_type)
    published = context.published.isoformat() if context.published else None
    if quantity is None or published is None or record_type in ("agreement", "diplomacy"):
        return False, None, record_date
    if _PART.search(view[max(clause.start, quantity.start - 40) : quantity.start]):
        return False, None, record_date
    # the cues of a figure stand near it: a bounded window keeps a sentence of a thousand
    # figures linear
    scope = view[max(clause.start, quantity.start - _REACH) : quantity.start]
    # a sum up to a past point or a new level is a running total wherever it stands in the clause
    later_total = _PLUPERFECT.search(scope) or _NEW_LEVEL.search(scope[-120:]) or _ALREADY.search(scope)
    if quantity is not quantities[0] and not estimate and not later_total:
        return False, None, record_date
    text = view[clause.start : clause.end]
    dates = clause_dates + shared_dates
    ranges = [d for d in dates if d.kind == "range" and d.period]
    # a total verb ("totals", "has reached"), not the noun of "will contribute a total of" (ruling 2)
    total = any(
        "total" in t.classes and not re.search(r"\ba\s+$", view[max(0, t.start - 3) : t.start])
        for t in clause.triggers
    )
    # "will contribute a total of", "decided to extend a $14.5 million grant in total", "the
    # package will amount to a total of SEK 3 billion": one new package (ruling 2)
    near = max(clause.start, quantity.start - _REACH)
    announced = bool(_ANNOUNCED.search(view, near, quantity.start)) or bool(
        _PACKAGE_SUBJECT.search(view, near, quantity.start)
    )
    if ranges and (estimate or total or lexicon.term_pattern("aggregate").search(text)):
        return True, ranges[0].period, None
    increment = _INCREMENT.search(view, max(clause.start, quantity.start - 20), quantity.end + 12)
    if not _SUPERLATIVE_SINCE.search(text) and not increment:
        since = [d for d in dates if d.kind == "since" and d.value]
        since += [
            d
            for d in clause_dates
            if d.kind == "point" and d.value and _SINCE_PHRASE.search(view[clause.start : d.start])
        ]
        if since:
            return True, (min(since, key=lambda d: d.start).value or "", published), None
    after = view[quantity.end : min(clause.end, quantity.end + 40)]
    # "$12.1 billion so far", "$12.1 billion to Ukraine to date"
    to_date = _TO_DATE.search(scope) or _TO_DATE.match(_TO_UKRAINE.sub("", after.lstrip(" ,"), count=1))
    if announced and to_date and _IN_TOTAL.fullmatch(to_date.group(0)) and not _TO_DATE_LATER.match(after):
        to_date = None  # "a grant in total": the sum of one new package (not "in total at the moment")
    # "will see Australia's total military assistance reach $191.5 million": the sum's new level
    owned_total = any(
        t.word == "total"
        and re.search(r"(?:['’]s|\bits|\btheir|\bthe)\s+$", view[max(0, t.start - 8) : t.start])
        for t in clause.triggers
    )
    if (
        announced
        and not later_total
        and not to_date
        and not owned_total
        and not _OF_ALL.search(view, near, quantity.start)
    ):
        total = False
    running = (
        later_total
        or to_date
        or _THE_TOTAL.search(scope[-60:])  # "the total assistance of $7.1 billion" (not "a total of")
        or _OF_ALL.search(scope)  # "the support Japan has provided to Ukraine to the tune of $12 billion"
        or _RANKED.search(
            view, clause.start, clause.end
        )  # "in sixth place ..., providing more than €7 billion"
        or _ALREADY.search(scope)  # ruling 1
        or _PERFECT_TOTAL.search(scope)
        or _PERFECT_AFTER.match(view, quantity.end, clause.end)
        or _ALREADY_AFTER.match(view, quantity.end, clause.end)
    )
    if quantity.kind == "money" and (running or total):
        if context.published and context.published > INVASION:
            return True, (f"{INVASION:%Y-%m}", published), None
    if (
        quantity.kind == "money"
        and record_date
        and len(record_date) == 4
        and context.published
        and int(record_date) < context.published.year
        and _PAST_GIVING.search(view, clause.start, clause.end)
        and re.search(rf"\b[Ii]n\s+{record_date}\b", view[clause.start : clause.end])
        and not _ANNOUNCED.search(view, clause.start, clause.end)
    ):
        # "Canada provided C$2.4 billion to Ukraine's budget in 2023": a past year's sum (ruling 1)
        return True, (record_date, record_date), None
    return False, None, record_date


def _point_date(
    clause: Clause,
    quantity: AmountMention | None,
    clause_dates: list[DateMention],
    shared_dates: list[DateMention],
    context: Context,
    record_type: str,
) -> str | None:
    anchor = quantity.start if quantity is not None else clause.triggers[0].start
    # "linked by a partnership since March 2023" dates the act; "hosted 950,000 refugees
    # since 2022" only says when a count began
    kinds = (
        ("point", "since", "anaphora") if record_type in ("agreement", "diplomacy") else ("point", "anaphora")
    )
    clause_dates = [d for d in clause_dates if d.kind in kinds]
    shared_dates = [d for d in shared_dates if d.kind in kinds]
    explicit = [d for d in clause_dates if d.kind != "anaphora"]
    if explicit or clause_dates:  # a date the clause gives beats one it refers to
        chosen = min(explicit or clause_dates, key=lambda d: abs(d.start - anchor))
        precise = [d for d in explicit + shared_dates if d.value and len(d.value) >= 7]
        if chosen.value and len(chosen.value) == 4 and precise:
            # "will provide $6bn in 2026, Zelensky said on 20 December 2025": the year is what the
            # money is for, the day is when it was announced (ruling 2)
            chosen = min(precise, key=lambda d: abs(d.start - anchor))
    elif shared_dates:
        chosen = shared_dates[-1]
    else:
        return None
    if chosen.kind == "anaphora":
        return _resolve_anaphora(chosen, context)
    return chosen.value


def in_relative_clause(view: str, mention: DateMention, clause: Clause) -> bool:
    """'training Ukrainian sappers, which began in 2022': that date is not the record's."""
    before = view[max(clause.start, mention.start - 40) : mention.start]
    return bool(_RELATIVE_START.search(before))


def remember_events(view: str, start: int, end: int, dates: list[DateMention], context: Context) -> None:
    days = [d.value for d in dates if d.kind == "point" and d.value and len(d.value) == 10]
    if not days:
        return
    context.last_day = days[-1]
    text = view[start:end].lower()
    if re.search(r"conference|summit|meeting|visit|forum|signing", text):
        context.events.append((text, days[0]))


def _resolve_anaphora(mention: DateMention, context: Context) -> str | None:
    if not mention.event:
        return context.last_day
    words = [w for w in re.findall(r"[a-z]+", mention.event.lower()) if w not in ("the", "of", "a", "an")]
    for text, day in reversed(context.events):
        if all(w in text for w in words):
            return day
    return None
