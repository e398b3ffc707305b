"""Record attributes of a clause. In: a clause. Out: category, subtype, stage, channel, items,
the amount in the donor's currency, and whether the clause is concrete enough to be a record.
"""

from __future__ import annotations

import re

from aidtrace.extractor.actors import ActorMention
from aidtrace.extractor.amounts import AmountMention, find_gdp_shares
from aidtrace.extractor.clauses import Clause, Trigger
from aidtrace.extractor.dates import DateMention
from aidtrace.extractor.donors import CHANNEL_PREP
from aidtrace.extractor.lexicon import BODIES, Lexicon, load_lexicon
from aidtrace.model import Amount

_ITEM_SPLIT = re.compile(
    r",\s*(?:and\s+|as\s+well\s+as\s+|even\s+|plus\s+)?|\s+and\s+(?:even\s+)?|\s+as\s+well\s+as\s+"
)


_ITEM_LEAD = re.compile(
    r"^(?:the\s+|a\s+|an\s+|some\s+|its\s+|their\s+|additional\s+|further\s+|more\s+|new\s+|"
    r"\d[\d,.]*\s+(?:units\s+of\s+)?|also\s+|even\s+|other\s+)+",
    re.IGNORECASE,
)


class Attributes:
    """Category, subtype, stage, channel and items of one clause."""

    def __init__(
        self,
        view: str,
        clause: Clause,
        record_type: str,
        subtype_hint: str | None,
        clause_actors: list[ActorMention],
        lexicon: Lexicon,
    ) -> None:
        trigger = clause.triggers[0]
        text = view[clause.start : clause.end]
        self.channel = _channel(view, clause, clause_actors) if record_type == "aid" else None
        self.items = _items(view, clause, lexicon) if record_type == "aid" else ()
        self.subtype = self._subtype(text, record_type, subtype_hint, lexicon)
        self.category = self._category(text, lexicon) if record_type == "aid" else None
        self.stage = self._stage(view, clause, trigger) if record_type == "aid" else None

    def _subtype(self, text: str, record_type: str, hint: str | None, lexicon: Lexicon) -> str | None:
        if hint:
            return hint
        name = {"aid": "subtype.aid", "sanction": "subtype.sanction", "agreement": "subtype.agreement"}.get(
            record_type
        )
        if name is None:
            return None
        found = {
            lexicon.term_value(name, m.group(0).lower()) for m in lexicon.term_pattern(name).finditer(text)
        }
        found.discard("")
        if record_type == "aid":
            if self.items and not found - {"training"}:
                return "in_kind"
            if len(found) > 1:
                found.discard("training")
            return found.pop() if len(found) == 1 else None
        if record_type == "sanction":  # several kinds of measure named: "multiple"
            return found.pop() if len(found) == 1 else "multiple" if found else None
        for preferred in ("security", "partnership", "economic"):
            if preferred in found:
                return preferred
        return None

    def _category(self, text: str, lexicon: Lexicon) -> str | None:
        """In order: the category words the text states ("financial, humanitarian and other
        assistance" -> mixed), a military channel (NATO CAP), the instrument (loans, grants,
        guarantees are financial), then the domains of the goods and purposes named."""

        def categories(phrase: str) -> set[str]:
            terms = lexicon.term_pattern("category").finditer(phrase)
            return {lexicon.term_value("category", m.group(0).lower()) for m in terms} - {""}

        explicit = {c for c in ("financial", "humanitarian", "military") if re.search(c, text, re.IGNORECASE)}
        if re.search(r"\b(?:economic|budget support)\b", text, re.IGNORECASE):
            explicit.add("financial")
        if re.search(r"\bcivilian\b", text, re.IGNORECASE):
            explicit.add("humanitarian")
        if re.search(
            r"\bsecurity and defen[cs]e\b|\bdefen[cs]e assistance\b|\bmilitary (?:aid|assistance|support|funding)\b",
            text,
            re.IGNORECASE,
        ) and not explicit - {"military"}:
            return "military"
        if len(explicit) > 1 or (explicit and re.search(r"\band (?:other|ancillary)\b", text, re.IGNORECASE)):
            return "mixed"
        item_categories = set().union(*(categories(item) for item in self.items)) if self.items else set()
        if len(explicit) == 1:
            stated = explicit.pop()
            return "mixed" if item_categories - {stated} else stated
        if self.channel and re.search(
            r"NATO|Defen[cs]e Contact|Comprehensive Assistance|Peace Facility", self.channel
        ):
            return "military"
        if self.subtype in ("loan", "guarantee", "credit_line", "debt_relief", "grant"):
            return "financial"
        found = categories(text) | item_categories
        if len(found) > 1:
            return "mixed" if self.items or "financial" not in found else "financial"
        if found:
            return found.pop()
        return "humanitarian" if self.items else None

    def _stage(self, view: str, clause: Clause, trigger: Trigger) -> str | None:
        if re.search(r"\bprice\s+tag\b", view[clause.start : clause.end], re.IGNORECASE):
            return None  # "puts a ¥740 billion price tag on its new package": a valuation, no stage
        before = view[max(clause.start, trigger.start - 20) : trigger.start]
        future = re.search(
            r"\b(?:will|would|shall)\b", view[clause.start : trigger.start], re.IGNORECASE
        ) or re.search(r"\bto\s+$", before)
        signed = "sign" in trigger.classes and re.search(
            r"\b(?:loan|grant|guarantee|credit|financing|agreement|deal|notes)s?\b",
            view[clause.start : clause.end],
            re.IGNORECASE,
        )
        if trigger.classes <= {"total"}:
            return None  # "will bring the total to $18.3 billion": the level of a sum, no stage
        # "Denmark is contributing about $90 million", "Norway is giving 1.5 billion crowns": news
        # of an announcement, not of a handover
        progressive = re.search(r"\b(?:is|are)\s+(?:now\s+|also\s+)?$", before) and trigger.word.endswith(
            "ing"
        )
        if (
            future or progressive or "pledge" in trigger.classes or signed
        ):  # a signed loan or grant is committed
            return "pledged"
        if trigger.classes & {"deliver", "train", "receive"}:
            return "delivered"
        return None


def _channel(view: str, clause: Clause, clause_actors: list[ActorMention]) -> str | None:
    for actor in clause_actors:
        if actor.kind == "channel":
            return actor.name
        if actor.code in BODIES and CHANNEL_PREP.search(
            view[max(clause.start, actor.start - 40) : actor.start]
        ):
            return actor.surface
        if actor.code in BODIES and re.match(
            r"\s+(?:loan|fund|trust fund|programme|program|mechanism)", view[actor.end : actor.end + 15]
        ):
            return actor.surface
    return None


def _items(view: str, clause: Clause, lexicon: Lexicon) -> tuple[str, ...]:
    """Goods named in the clause ("helmets, bulletproof vests and drones"), lower case."""
    trigger = clause.triggers[-1]
    tail = view[trigger.end : clause.end]
    tail = re.split(
        r"\s(?:to|for)\s+(?:Ukraine|the\s+Ukrainian|Ukrainian|Kyiv)\b|[.;:(]|\s(?:worth|valued|totalling|totaling|amounting)\s",
        tail,
    )[0]
    tail = re.sub(
        r"^\s*(?:(?:have|has|also|encompassed|included|including|such\s+as|like)\s+)+",
        " ",
        tail,
        flags=re.IGNORECASE,
    )
    heads = lexicon.term_pattern("item.head")
    items = []
    for part in _ITEM_SPLIT.split(tail):
        part = _ITEM_LEAD.sub("", part.strip()).strip(" ,.")
        if not part or len(part) > 60 or not heads.search(part):
            continue
        if re.search(
            r"\b(?:aid|assistance|support|funding|financing|package|loan|grant|money)\b", part, re.IGNORECASE
        ):
            continue
        items.append(part.lower())
    return tuple(dict.fromkeys(items))


# support described only by its persistence or breadth: no measure in it
_GENERIC = re.compile(
    r"\b(?:its|their|his|her)?\s*(?:extensive|continued|continuing|ongoing|unwavering|steadfast|strong|full|"
    r"comprehensive|broad|robust|firm|unstinting|enduring|long-term|political|diplomatic|moral)\s+"
    r"(?:support|assistance|backing|help|solidarity|commitment)\b",
    re.IGNORECASE,
)


def is_concrete(
    record_type: str,
    attrs: Attributes,
    money: list[AmountMention],
    counts: list[AmountMention],
    dates: list[DateMention],
    text: str,
) -> bool:
    """A record needs concrete content: an act with a date, amount, goods, instrument or channel."""
    if record_type in ("agreement", "diplomacy", "refugees"):
        return True
    if money or counts or attrs.items or attrs.channel or attrs.subtype:
        return True
    if record_type == "sanction" and re.search(
        r"\b(?:new|additional|further|fresh|more|latest|tougher|expanded|largest|round\s+of|"
        r"tighten\w*|expand\w*|widen\w*|extend\w*|step\w*\s+up)\b[^.;]{0,30}"
        r"\b(?:sanctions|restrictive\s+measures)\b",
        text,
        re.IGNORECASE,
    ):
        return True  # a new round of sanctions is itself the act
    if _GENERIC.search(text):
        return False  # "pledged its continued support for Ukraine this year"
    if any(d.kind in ("point", "anaphora") for d in dates):
        return True
    if (
        record_type == "aid"
        and attrs.category
        and re.search(r"\b(?:[Ii]n|[Uu]nder)\s+the\s+(?:agreement|accord|deal|package|memorandum)\b", text)
    ):
        return True
    return False


def count_fits(unit: str, record_type: str, subtype: str | None) -> bool:
    return {
        "refugees": unit == "people",
        "sanction": unit in ("entities", "firms", "people", "items"),
        "agreement": unit == "agreements",
        "diplomacy": unit in ("firms", "people") and subtype == "conference",
        "aid": unit in ("items", "tonnes") or (unit == "people" and subtype == "training"),
    }[record_type]


def amount_for(quantity: AmountMention | None, donor: str) -> Amount | None:
    if quantity is None:
        return None
    amount = quantity.amount
    if len(quantity.candidates) > 1:
        # "kroner": Norwegian or Danish, by the donor's country
        currencies = load_lexicon().currency_codes  # cached: the one lexicon per process
        chosen = next(
            (c for c in quantity.candidates if donor in currencies[c].countries), quantity.candidates[0]
        )
        amount = Amount(value=amount.value, unit=chosen, approx=amount.approx)
    return amount


def gdp_share_of(view: str, clause: Clause, lexicon: Lexicon) -> float | None:
    shares = find_gdp_shares(view, clause.start, clause.end, lexicon)
    return shares[0].percent if shares else None
