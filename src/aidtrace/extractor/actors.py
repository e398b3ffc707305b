"""Actor mentions. In: a sentence of the cleaned view. Out: ActorMentions resolved to codes.

Surface forms come from the lexicon (countries, capitals, demonyms, bodies, agencies,
officials) and match case-sensitively on whole words, longest first: "Japan International
Cooperation Agency" is one mention (JPN), not "Japan" plus noise. A possessive "'s" is
read past. An official resolves only while in office on the date asked about; a surname
shared by two officials in office at the same time resolves to nobody.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from aidtrace.extractor.lexicon import Actor, Lexicon

_TOKEN = re.compile(r"[^\W_]+(?:[.'][^\W_]+)*\.?")
# officials keep their state for a while after leaving office: retrospective articles name
# them ("Johnson visited Kyiv") and the date asked about is often only the publication date
_GRACE_DAYS = 3 * 365


@dataclass(frozen=True, slots=True)
class ActorMention:
    start: int
    end: int
    code: str  # ISO3 / body code, or "-" for a channel
    kind: str
    name: str  # canonical name (the channel's name for channels)
    surface: str
    role: str | None = None


def find_actors(view: str, start: int, end: int, lexicon: Lexicon, *, when: str | None) -> list[ActorMention]:
    """Actor mentions in view[start:end], left to right, resolved at date `when` (YYYY-MM-DD)."""
    tokens = [(m.start(), m.end()) for m in _TOKEN.finditer(view, start, end)]
    mentions = []
    i = 0
    while i < len(tokens):
        found = _longest_at(view, tokens, i, lexicon, when)
        if found is None:
            i += 1
            continue
        mention, used = found
        if not view.startswith("$", mention.end):  # "US$150 million" is a currency, not the US
            mentions.append(mention)
        i += used
    return mentions


def _longest_at(
    view: str, tokens: list[tuple[int, int]], i: int, lexicon: Lexicon, when: str | None
) -> tuple[ActorMention, int] | None:
    first = view[tokens[i][0] : tokens[i][1]]
    starts = _first_words(lexicon)
    if not any(key in starts for key, _cut in _keys(first)):
        return None  # no name begins with this word: most words of a text
    limit = min(len(tokens), i + lexicon.max_actor_words + 2)
    for j in range(limit - 1, i - 1, -1):
        s, e = tokens[i][0], tokens[j][1]
        surface = " ".join(view[s:e].split())
        for key, cut in _keys(surface):
            actors = lexicon.actors.get(key)
            if not actors:
                continue
            actor = _choose(actors, when)
            if actor is None:
                continue
            return (
                ActorMention(s, e - cut, actor.code, actor.kind, actor.name, key, actor.role),
                j - i + 1,
            )
    return None


@cache
def _first_words(lexicon: Lexicon) -> frozenset[str]:
    """The first word of every name the lexicon knows."""
    return frozenset(surface.split()[0] for surface in lexicon.actors if surface.split())


def _keys(surface: str) -> list[tuple[str, int]]:
    """Lookup keys for a surface form, with how many trailing characters each drops."""
    keys = [(surface, 0)]
    if surface.endswith("'s"):
        keys.append((surface[:-2], 2))
    elif surface.endswith("s'"):
        keys.append((surface[:-1], 1))
    if surface.endswith("."):
        keys.append((surface[:-1], 1))
    return keys


def _choose(actors: list[Actor], when: str | None) -> Actor | None:
    """The one actor a surface form means at `when`, or None when it is ambiguous or stale."""
    states = [a for a in actors if a.kind != "official"]
    if states:
        return states[0]
    serving = [a for a in actors if _in_office(a, when)]
    codes = {a.code for a in serving}
    if len(codes) != 1:
        return None
    # prefer the holder whose term covers the date exactly over one in the grace period
    exact = [a for a in serving if _in_office(a, when, grace=0)]
    return (exact or serving)[0]


def _in_office(actor: Actor, when: str | None, *, grace: int = _GRACE_DAYS) -> bool:
    if when is None or actor.start is None:
        return True
    day = _pad(when)
    start = actor.start
    end = _shift(actor.end, grace) if actor.end else "9999-12-31"
    return start <= _end_of(when) and day <= end


def _pad(when: str) -> str:
    return when if len(when) == 10 else (when + "-01-01")[:10]


def _end_of(when: str) -> str:
    return when if len(when) == 10 else (when + "-12-31")[:10] if len(when) == 4 else when + "-31"


def _shift(day: str, days: int) -> str:
    from datetime import date, timedelta

    return (date.fromisoformat(day) + timedelta(days=days)).isoformat()
