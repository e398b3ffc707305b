"""Lexicons: the data files under aidtrace/data, loaded once per process into lookup tables.

In: countries.tsv, bodies.tsv, agencies.tsv, officials.tsv, currencies.tsv, terms.tsv.
Out: a Lexicon whose surface-form tables are keyed by the exact (case-sensitive) text of a
name, and whose word lists are compiled into regular expressions. Nothing here reads a
document; the finders in this package do.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path

from aidtrace.errors import ConfigError
from aidtrace.extractor.inflect import inflections

BODIES = ("EU", "WBG", "IMF", "UN", "NATO", "G7")


@dataclass(frozen=True, slots=True)
class Actor:
    """What a surface form can refer to: a state or body (code), or a multilateral channel."""

    code: str  # ISO3, a body code, or "-" for a channel
    kind: str  # country | capital | adjective | body | agency | official | channel
    name: str  # canonical name: the state's, the agency's, the official's
    role: str | None = None  # officials: head_of_government, foreign_minister, ...
    start: str | None = None  # officials: term start YYYY-MM-DD
    end: str | None = None  # officials: term end, None while in office


@dataclass(frozen=True, slots=True)
class Currency:
    code: str
    countries: frozenset[str]


@dataclass(slots=True, eq=False)  # hashed by identity: one per process, cached
class Lexicon:
    actors: dict[str, list[Actor]] = field(default_factory=lambda: defaultdict(list))
    max_actor_words: int = 1
    country_names: dict[str, str] = field(default_factory=dict)  # ISO3 -> short name
    currency_words: dict[str, list[Currency]] = field(default_factory=lambda: defaultdict(list))
    currency_symbols: dict[str, Currency] = field(default_factory=dict)
    currency_codes: dict[str, Currency] = field(default_factory=dict)
    terms: dict[str, dict[str, str]] = field(default_factory=lambda: defaultdict(dict))

    def term_pattern(self, name: str) -> re.Pattern[str]:
        return _term_pattern(self, name)

    def term_value(self, name: str, phrase: str) -> str:
        return self.terms[name].get(phrase.lower(), "")

    def only_inflected(self, name: str, phrase: str) -> bool:
        """Whether `phrase` is in list `name` only as a generated inflection of a lemma row."""
        return self.terms[name].get(" ".join(phrase.lower().split())) == "+"


def _rows(path: Path) -> list[list[str]]:
    """Rows of a TSV data file: '#' comments and the header dropped, tabs kept exactly."""
    rows = []
    header_seen = False
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        if not header_seen:
            header_seen = True
            continue
        rows.append(line.split("\t"))
        if len(rows[-1]) < 2:
            raise ConfigError(f"{path}:{number}: expected tab-separated columns, got {line!r}")
    return rows


def _split(cell: str) -> list[str]:
    return [part.strip() for part in cell.split("|") if part.strip()]


def _add(lexicon: Lexicon, surface: str, actor: Actor) -> None:
    lexicon.actors[surface].append(actor)
    lexicon.max_actor_words = max(lexicon.max_actor_words, len(surface.split()))


def load_lexicon(data_dir: Path | None = None) -> Lexicon:
    """Load every data file from `data_dir` (default: the package's own data)."""
    if data_dir is None:
        return _default_lexicon()
    return _load(data_dir)


@cache
def _default_lexicon() -> Lexicon:
    return _load(Path(str(resources.files("aidtrace") / "data")))


def _load(data: Path) -> Lexicon:
    lexicon = Lexicon()
    for code, name, aliases, capitals, adjectives, *_ in _rows(data / "countries.tsv"):
        lexicon.country_names[code] = name
        for surface in [name, *_split(aliases)]:
            _add(lexicon, surface, Actor(code, "country", name))
        for surface in _split(capitals):
            _add(lexicon, surface, Actor(code, "capital", name))
        for surface in _split(adjectives):
            _add(lexicon, surface, Actor(code, "adjective", name))
    for code, name, aliases, adjectives, *_ in _rows(data / "bodies.tsv"):
        lexicon.country_names[code] = name
        for surface in [name, *_split(aliases)]:
            _add(lexicon, surface, Actor(code, "body", name))
        for surface in _split(adjectives):
            if surface not in lexicon.actors:
                _add(lexicon, surface, Actor(code, "body", name))
    for name, aliases, code, role, *_ in _rows(data / "agencies.tsv"):
        kind = "channel" if role == "channel" else "agency"
        for surface in [name, *_split(aliases)]:
            _add(lexicon, surface, Actor(code, kind, name))
    _load_officials(lexicon, data / "officials.tsv")
    _load_currencies(lexicon, data / "currencies.tsv")
    for list_name, term, value, *_ in _rows(data / "terms.tsv"):
        if value in ("+", "=+"):  # a lemma: every inflection (extractor/inflect.py)
            if value == "=+":  # and its written form is trusted as a predicate without the tagger
                lexicon.terms[list_name][term.lower()] = ""
            for form in inflections(term):  # "+" marks a form that the tagger must confirm
                lexicon.terms[list_name].setdefault(form.lower(), "+")
        else:
            lexicon.terms[list_name][term.lower()] = value
    return lexicon


def _load_officials(lexicon: Lexicon, path: Path) -> None:
    if not path.exists():
        return
    for code, role, name, surname, aliases, start, end, *_ in _rows(path):
        actor = Actor(code, "official", name, role, start or None, end or None)
        for surface in dict.fromkeys([name, surname, *_split(aliases)]):
            _add(lexicon, surface, actor)


def _load_currencies(lexicon: Lexicon, path: Path) -> None:
    for code, names, symbols, countries, *_ in _rows(path):
        currency = Currency(code, frozenset(_split(countries)))
        lexicon.currency_codes[code] = currency
        for name in _split(names):
            if currency not in lexicon.currency_words[name.lower()]:
                lexicon.currency_words[name.lower()].append(currency)
        for symbol in _split(symbols):
            lexicon.currency_symbols.setdefault(symbol, currency)


@cache
def _compiled(terms: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = sorted((re.escape(t).replace(r"\ ", r"\s+") for t in terms), key=len, reverse=True)
    return re.compile(r"(?<![\w-])(?:" + "|".join(alternatives) + r")(?![\w-])", re.IGNORECASE)


def _term_pattern(lexicon: Lexicon, name: str) -> re.Pattern[str]:
    terms = tuple(sorted(lexicon.terms.get(name, {})))
    if not terms:
        raise ConfigError(f"terms.tsv has no entries for the list {name!r}")
    return _compiled(terms)
