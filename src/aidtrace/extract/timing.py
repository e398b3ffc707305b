"""When. In: a clause, its dates and amount. Out: (aggregate, period, date) of a record.

Also keeps the dated events of the document so that "on the day of the Tokyo conference"
and "on the same day" resolve.
"""

from __future__ import annotations

import re

from aidtrace.extract.amounts import AmountMention
from aidtrace.extract.clauses import Clause
from aidtrace.extract.context import Context
from aidtrace.extract.dates import INVASION, DateMention
from aidtrace.extract.lexicon import Lexicon

_RELATIVE_START = re.compile(
    r",?\s*(?:which|that|who)\s+(?:\w+\s+){0,2}?(?:began|started|begun|was|were|had)\b", re.IGNORECASE
)


_PART = re.compile(
    r"\b(?:of\s+which|with|including|includes|include|among\s+them|incl\.)\b[^$€£¥\d]{0,30}$", re.IGNORECASE
)


def record_timing(
    view: str,
    clause: Clause,
    quantity: AmountMention | None,
    money: list[AmountMention],
    clause_dates: list[DateMention],
    shared_dates: list[DateMention],
    estimate: bool,
    record_type: str,
    context: Context,
    lexicon: Lexicon,
) -> tuple[bool, tuple[str, str] | None, str | None]:
    """(aggregate, period, date) of one record."""
    published = context.published.isoformat() if context.published else None
    is_part = quantity is not None and bool(
        _PART.search(view[max(clause.start, quantity.start - 40) : quantity.start])
    )
    first_money = quantity is not None and money and quantity is money[0]
    scope_end = quantity.start if quantity is not None else clause.triggers[0].start
    scope = view[clause.start : scope_end]
    ranges = [d for d in clause_dates + shared_dates if d.kind == "range"]
    sinces = [
        d
        for d in clause_dates + shared_dates
        if d.kind == "since" and (quantity is None or d.start < quantity.start)
    ]
    cue = (
        bool(lexicon.term_pattern("aggregate").search(scope)) or "total" in clause.triggers[0].classes
    ) and not is_part
    aggregate = False
    period: tuple[str, str] | None = None
    if (
        quantity is not None
        and quantity.kind == "money"
        and record_type == "aid"
        and not is_part
        and (first_money or estimate)
    ):
        if ranges and (estimate or cue):
            aggregate, period = True, ranges[0].period
        elif sinces and cue and sinces[0].value and published:
            aggregate, period = True, (sinces[0].value, published)
        elif cue and (
            re.search(
                r"\b(?:to date|so far|thus far|in total|altogether|overall|cumulative)", scope, re.IGNORECASE
            )
            or "total" in clause.triggers[0].classes
        ):
            start = f"{INVASION:%Y-%m}" if context.published and context.published > INVASION else None
            if start and published:
                aggregate, period = True, (start, published)
    record_date = _point_date(clause, quantity, clause_dates, shared_dates, context, record_type)
    return aggregate, period, record_date


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
    if clause_dates:
        chosen = min(clause_dates, key=lambda d: abs(d.start - anchor))
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
