"""Predicates and clauses. In: a sentence of the cleaned view. Out: clauses and their type.

Trigger words (terms.tsv `verb.*`) mark predicates; a sentence is cut into one clause per
predicate; the predicate class and the nouns around it give the record type; intentions,
hypotheticals, negations and back-references are recognised here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from aidtrace.extractor.actors import ActorMention
from aidtrace.extractor.amounts import AmountMention
from aidtrace.extractor.context import NON_DONORS, TARGETS
from aidtrace.extractor.lexicon import Lexicon
from aidtrace.extractor.syntax import is_verb

VERB_CLASSES = (
    "pledge",
    "deliver",
    "train",
    "total",
    "receive",
    "include",
    "sanction",
    "refugee",
    "sign",
    "visit",
    "host",
)


@dataclass(slots=True)
class Trigger:
    start: int
    end: int
    classes: frozenset[str]
    word: str


@dataclass(slots=True)
class Clause:
    start: int
    end: int
    triggers: list[Trigger]


def find_triggers(view: str, start: int, end: int, lexicon: Lexicon) -> list[Trigger]:
    spans: dict[tuple[int, int], set[str]] = {}
    for name in VERB_CLASSES:
        for match in lexicon.term_pattern(f"verb.{name}").finditer(view, start, end):
            spans.setdefault((match.start(), match.end()), set()).add(name)
    triggers = [
        Trigger(s, e, frozenset(classes), view[s:e].lower())
        for (s, e), classes in sorted(spans.items())
        if (not _needs_parse(lexicon, classes, view[s:e]) or is_verb(view[start:end], s - start))
        and ("sign" in classes or not _COMPOUND_HEAD.match(view, e))  # "sign agreement" is a predicate
        and not (view[s:e].lower() in ("grant", "grants") and _GRANT_HEAD.match(view, e))
    ]
    # a longer phrase ("handed over") wins over a word inside it, and takes the classes of a
    # word it ends with ("had arrived" in one list, "arrived" in another: both)
    triggers = [
        Trigger(
            t.start,
            t.end,
            t.classes.union(*(o.classes for o in triggers if t.start <= o.start and o.end == t.end)),
            t.word,
        )
        for t in triggers
        if not any(o is not t and o.start <= t.start and t.end <= o.end for o in triggers)
    ]
    return [t for t in triggers if _is_predicate(view, t)]


# "signed guarantee and grant agreements", "the aid package": a word of the lists that modifies
# the noun after it is no predicate, whatever the tagger says
_COMPOUND_HEAD = re.compile(r"\s+(?:agreements?|programmes?|programs?|schemes?|instruments?|mechanisms?)\b")
_GRANT_HEAD = re.compile(r"\s+(?:aid|funds?|funding|money|packages?|support|financing|component)\b")


def _needs_parse(lexicon: Lexicon, classes: set[str], word: str) -> bool:
    """A form that only a lemma row generates ("supplies", "transport") may be a noun: the
    tagger decides. Forms written out in terms.tsv keep their word-list rules."""
    return all(lexicon.only_inflected(f"verb.{name}", word) for name in classes)


_NOUN_HEAD = re.compile(r"\s+(?:lists?|regimes?|packages?|polic(?:y|ies)|programmes?|programs?|framework)\b")


def _is_predicate(view: str, trigger: Trigger) -> bool:
    """Whether a trigger word is used as a predicate.

    '-ing' forms assert only as progressives or means ('by guaranteeing'), not 'of visiting';
    a participle after an article or preposition is an adjective ('on immobilised assets',
    'the frozen assets'); a capitalised word inside a sentence is part of a name; 'extends
    beyond' is no act.
    """
    raw_before = view[max(0, trigger.start - 12) : trigger.start]
    if (
        view[trigger.start].isupper()
        and re.search(r"[\w']\s+$", raw_before)
        and not _title_case_line(view, trigger.start)
    ):
        return False  # capitalised inside a sentence: part of a name ("the Russia Sanctions Act")
    before = raw_before.lower()
    if trigger.word.endswith("ing"):
        # progressive ("is providing"), means ("by guaranteeing") or a participle clause that
        # continues the subject's act (", banning imports of ...", "and training soldiers")
        if re.search(r"\b(?:am|is|are|was|were|be|been|by)\s+$|['’]m\s+$", before):
            return True  # "is providing", "will be sending", "I am authorizing"
        if re.search(r"\bfor\s+$", before) and THANKS.search(
            view[max(0, trigger.start - 160) : trigger.start]
        ):
            return True  # "thanked Norway for providing ...": the act thanked for (ruling 6)
        reporting = re.match(r"announc|say|stat|confirm|not|signal", trigger.word)
        return bool(re.search(r"(?:,|\band)\s+$", before)) and not reporting
    if re.search(r"(?:ed|en)$", trigger.word) and re.search(
        r"\b(?:the|a|an|its|their|on|of|in|from|with)\s+(?:\w+ly\s+)?$", before
    ):
        return False  # "the frozen assets", "the newly added items": an adjective
    if re.search(r"(?:ed|en)$", trigger.word) and re.match(
        r"\s+(?:Russian\s+|Belarusian\s+|sovereign\s+|state\s+|central\s+bank\s+)*assets\b",
        view[trigger.end : trigger.end + 50],
        re.IGNORECASE,
    ):
        return False  # "Frozen Russian Assets": an adjective, not an act
    if (
        not re.search(r"(?:ed|en|ing)$", trigger.word)
        and trigger.word not in ("pledge", "pledges", "promise", "promises")
        and (
            re.search(r"\b(?:the|a|an|this|these|those|such)\s+$", before)
            or (
                re.search(r"\b(?:its|their|our)\s+$", before)
                and _NOUN_HEAD.match(view, trigger.end)  # "its sanctions list", not "extended its sanctions"
            )
        )
    ):
        return False  # "subjected to the ban", "a freeze", "its sanctions list": a noun, not the predicate
    if trigger.word.startswith("add") and re.match(
        r"\s*(?:that\b|[,.:;\"“”]|$)", view[trigger.end : trigger.end + 6]
    ):
        return False  # "he added that ...", "..., he added.": reported speech
    return not re.match(r"\s+(?:far\s+|well\s+)?beyond\b", view[trigger.end : trigger.end + 12])


# gratitude for an act (ruling 6); "grateful to X" ends after "to", so X follows the match
THANKS = re.compile(
    r"\b(?:thank(?:s|ed|ing)?|grateful(?:\s+to)?|gratitude(?:\s+to)?|appreciat\w*|praised|hailed)\b",
    re.IGNORECASE,
)


def _title_case_line(view: str, at: int) -> bool:
    """A headline in title case ("Japan to Give Additional Aid to Ukraine"): most of the longer
    words of the line are capitalised, so a capital says nothing about names."""
    start = view.rfind("\n", 0, at) + 1
    end = view.find("\n", at)
    words = re.findall(r"[A-Za-z][\w'-]{3,}", view[start : end if end >= 0 else len(view)])
    return len(words) >= 3 and sum(w[0].isupper() for w in words) >= 0.8 * len(words)


_CUT = re.compile(r";|,\s|\s(?:and|while|but|whereas)\s")
_COORDINATED = re.compile(
    r"\s*(?:,?\s*(?:and|or)\s+)?(?:(?:has|have|had|also|then|later|further|subsequently|swiftly|will|to|"
    r"continue|continues|continued|it|its)\s+)*",
    re.IGNORECASE,
)
_PARTICIPLE = re.compile(r"\w+(?:ed|en|t)\s+(?:for|to|by|via|through|under|as|from|in|at)\b")


def split_clauses(view: str, start: int, end: int, triggers: list[Trigger]) -> list[Clause]:
    """One clause per predicate, cut at the last comma, semicolon or conjunction between two.

    Predicates stay in one clause when nothing cuts between them ("agreed at the summit to
    provide", "hosting 955,000 people under temporary protection"), when they are coordinated
    ("pledged and provided") or when the second is a participle (", earmarked for").
    """
    groups: list[list[Trigger]] = [[triggers[0]]]
    for trigger in triggers[1:]:
        gap = view[groups[-1][-1].end : trigger.start]
        participle = _PARTICIPLE.match(view, trigger.start) and not re.search(
            r"\b(?:and|has|have|had|was|were|is|are|been|be)\s*$", gap
        )
        # "The new aid that Kishida announced on Monday, is worth ¥740 billion": the worth of
        # what the clause before names
        worth = re.fullmatch(r"(?:is|was|are|were)\s+worth", trigger.word)
        if participle or worth or _COORDINATED.fullmatch(gap) or not _CUT.search(gap):
            groups[-1].append(trigger)
        else:
            groups.append([trigger])
    clauses = []
    clause_start = start
    for i, group in enumerate(groups):
        boundary = end
        if i + 1 < len(groups):
            gap_start = group[-1].end
            cuts = list(_CUT.finditer(view, gap_start, groups[i + 1][0].start))
            # prefer a coordinating cut (", and in August, delivered") over a list comma
            strong = [c for c in cuts if c.group(0) == ";" or view.startswith(", and ", c.start())]
            boundary = (strong or cuts)[-1].start()
        clauses.append(Clause(clause_start, boundary, group))
        clause_start = boundary
    return clauses


def signed_in_person(
    view: str, clause: Clause, clause_actors: list[ActorMention], donors: list[str], lexicon: Lexicon
) -> bool:
    """'Rutte and President Zelensky signed ... in Kharkiv': a signing is also a visit."""
    text = view[clause.start : clause.end]
    ukrainian_leader = any(a.kind == "official" and a.code == "UKR" for a in clause_actors) or re.search(
        r"\bUkrainian (?:leader|president|President|prime minister|Prime Minister)", text
    )
    if not ukrainian_leader or re.search(r"virtual|video|online", text):
        return False
    in_ukraine = any(
        m.group(0) not in ("Ukraine",) for m in lexicon.term_pattern("place.ukraine").finditer(text)
    )
    at_donor = any(a.code in donors and a.kind in ("capital", "agency") for a in clause_actors)
    return in_ukraine or at_donor


def clause_type(
    view: str,
    clause: Clause,
    actors: list[ActorMention],
    amounts: list[AmountMention],
    lexicon: Lexicon,
    russia_doc: bool = False,
) -> tuple[str, str | None] | None:
    """(type, subtype hint) of what the clause's predicate does, or None.

    Predicates are tried in reading order, so the main verb decides ("agreed ... to provide
    $50 billion ..., serviced from profits on assets immobilised in the West" is aid).
    """
    text = view[clause.start : clause.end]

    def has(name: str) -> bool:
        return bool(lexicon.term_pattern(name).search(text))

    for trigger in clause.triggers:
        kind = _trigger_type(view, clause, trigger, text, has, actors, amounts, lexicon, russia_doc)
        if kind is not None:
            return kind
    return None


def _people_arrived(clause: Clause, actors: list[ActorMention], amounts: list[AmountMention]) -> bool:
    """'Around 16,400 people had arrived in the UK', 'had allowed 191,348 people to enter':
    a count of people and a host state named in the clause, neither Ukraine nor Russia."""
    people = any(a.kind == "count" and a.amount.unit == "people" for a in amounts)
    return people and any(
        a.kind in ("country", "capital") and a.code not in NON_DONORS and clause.start <= a.start < clause.end
        for a in actors
    )


# "grant and guarantee agreements", "a ¥13 billion loan deal", "sign a $500 million loan"
_INSTRUMENT_SIGNED = re.compile(
    r"\b(?:loan|grant|guarantee|financing|credit)s?\b(?:[\w\s,-]{0,30}\b(?:agreements?|deals?|accords?|"
    r"contracts?)\b|(?=\s*(?:[,.;:]|$|\bwith\b|\bto\b|\bfor\b)))",
    re.IGNORECASE,
)
_RESTRICTIVE = re.compile(r"sanction|designat|blacklist|froze|freez|impos|target")


def _trigger_type(
    view: str,
    clause: Clause,
    trigger: Trigger,
    text: str,
    has: Callable[[str], bool],
    actors: list[ActorMention],
    amounts: list[AmountMention],
    lexicon: Lexicon,
    russia_doc: bool,
) -> tuple[str, str | None] | None:
    classes = trigger.classes
    # the target is named in the clause, or the document is about Russia and the verb can only
    # be a restrictive act ("These measures will target 35 senior officials of Gazprom")
    restrictive = _RESTRICTIVE.match(trigger.word) and russia_doc
    # "The amendments list an additional 42 individuals and 21 entities", "added 54 persons to
    # the list": a listing of people or entities in a text about Russia is a sanction
    # items too when the list is one of goods banned: "added 243 more items to the list of items
    # banned from shipping to Russia"
    goods_banned = re.search(
        r"\b(?:export|import|ban|banned|prohibit\w*|control\w*|restrict\w*)", text, re.IGNORECASE
    )
    listed_units = (
        ("people", "entities", "firms", "items") if goods_banned else ("people", "entities", "firms")
    )
    listing = (
        russia_doc
        and any(a.kind == "count" and a.amount.unit in listed_units for a in amounts)
        and (
            re.match(r"list|designat|blacklist", trigger.word)
            or re.search(r"\bto\s+(?:the|its|their)\s+(?:[\w-]+\s+){0,3}(?:list|register|schedule)", text)
        )
    )
    if (
        "sanction" in classes
        and (has("noun.sanction") or listing)
        and (
            any(a.code in TARGETS for a in actors)
            or re.search(r"\bRussia|\bBelarus|\bMoscow|\bMinsk", text)
            or restrictive
            or listing
        )
    ):
        return "sanction", None
    if "sign" in classes and amounts and _INSTRUMENT_SIGNED.search(text):
        # "signed grant and guarantee agreements worth €1.4 billion", "sign a ¥13 billion loan":
        # money under an instrument is aid
        return "aid", None
    if "sign" in classes and has("noun.agreement"):
        return "agreement", None
    if "visit" in classes and _is_visit(view, clause, actors, lexicon):
        return "diplomacy", "visit"
    if (
        "host" in classes
        and has("noun.event")
        and re.search(r"Ukrain|Kyiv|Kiev|[Rr]ecovery|[Rr]econstruction", _hosted_event(view, clause))
    ):
        return "diplomacy", "conference"
    if "refugee" in classes and (has("noun.refugee") or _people_arrived(clause, actors, amounts)):
        return "refugees", None
    units = ("items", "tonnes", "people") if "train" in classes else ("items", "tonnes")
    goods_or_money = any(a.kind == "money" or a.amount.unit in units for a in amounts)
    if "include" in classes and classes <= {"include"}:
        # "the package also includes £18m for ...": a component with its figure (ruling 3);
        # "the measures include the freezing of assets of 20 people": the round's content
        if has("noun.aid") and any(a.kind == "money" for a in amounts):
            return "aid", None
        listed = any(
            a.kind == "count" and a.amount.unit in ("people", "entities", "firms", "items") for a in amounts
        )
        if listed and has("noun.sanction") and (russia_doc or any(a.code in TARGETS for a in actors)):
            return "sanction", None
        return None
    if classes & {"pledge", "deliver", "train", "total", "receive"} and (
        has("noun.aid") or has("item.head") or goods_or_money
    ):
        return "aid", None
    return None


_MOTION = re.compile(r"visit|travel|arriv|came|trip|attend|address|host|welcom|receiv|toured|went|paid|made")
# "lessons learned from Kishida's Kyiv trip", "not long before Kishida's trip": a mention
_MENTIONED = re.compile(
    r"\b(?:from|of|after|before|during|about|for|since|on)\s+[^,.;]{0,40}$", re.IGNORECASE
)
_IN_CITY = re.compile(r"\bin\s+(?:Kyiv|Kiev|Lviv|Odesa|Odessa|Kharkiv|Bucha|Irpin|Dnipro)\b")


def _hosted_event(view: str, clause: Clause) -> str:
    """The event a hosting verb names: up to the first comma after the verb ("hosted the
    Ukraine Recovery Conference in Berlin, ..."; not "... summit held in Moscow, offering ...")."""
    host = next(t for t in clause.triggers if "host" in t.classes)
    comma = view.find(",", host.end, clause.end)
    return view[clause.start : comma if comma >= 0 else clause.end]


def _is_visit(view: str, clause: Clause, actors: list[ActorMention], lexicon: Lexicon) -> bool:
    """A leader or minister travels to Ukraine, or a Ukrainian leader comes to the donor."""
    text = view[clause.start : clause.end]
    if re.search(r"\b[Dd]eputy\b", text):
        return False
    acts = [
        t
        for t in clause.triggers
        if not (
            re.fullmatch(r"visits?|trips?", t.word)
            and _MENTIONED.search(view[max(clause.start, t.start - 45) : t.start])
            # "said on a surprise visit to Kyiv": the subject's own visit
            and not re.search(
                r"\b(?:on|during)\s+(?:a|an|his|her|their)\s+(?:[\w-]+\s+){0,2}$",
                view[max(clause.start, t.start - 45) : t.start],
            )
        )
    ]
    if not acts:
        return False
    in_clause = [a for a in actors if clause.start <= a.start < clause.end]
    ukrainian_leader = any(a.kind == "official" and a.code == "UKR" for a in in_clause) or bool(
        re.search(r"Ukrainian (?:[Pp]resident|[Pp]rime [Mm]inister|[Ff]oreign [Mm]inister|leader)", text)
    )
    if ukrainian_leader and any(_MOTION.match(t.word) for t in acts):
        return any(
            a.code not in NON_DONORS and a.kind in ("capital", "country", "official", "body")
            for a in in_clause
        )
    donor_official = (
        any(a.kind == "official" and a.code not in NON_DONORS for a in in_clause)
        or bool(
            re.search(r"(?:[Pp]rime [Mm]inister|[Pp]resident|[Cc]hancellor|[Mm]inister|[Ss]ecretary)\b", text)
            # "He had arrived in Kyiv": a leader the story is about, as a pronoun
            or re.match(r"\W*(?:He|She)\s+(?:\w+\s+){0,2}$", view[clause.start : acts[0].start])
        )
    )
    if (
        all("arriv" in t.word for t in acts)
        and not re.search(
            r"(?:[Pp]rime [Mm]inister|[Pp]resident|[Cc]hancellor|[Mm]inister|[Ss]ecretary|\b[Hh]e|\b[Ss]he)\b",
            view[clause.start : acts[0].start],
        )
        and not any(a.kind == "official" and a.start < acts[0].start for a in in_clause)
    ):
        return False  # "the first shells have arrived in Ukraine, the prime minister said": goods arrive
    # the destination follows the verb: "visited Kyiv", "travelled to Ukraine"; or "met ... in Kyiv"
    destination = any(
        lexicon.term_pattern("place.ukraine").search(view[t.end : min(clause.end, t.end + 45)]) for t in acts
    )
    return donor_official and bool(destination or _IN_CITY.search(text))


# a reporting verb and what follows it up to the trigger (decimal points do not end it)
_SAID = r"\b(?:said|says|announced|confirmed|told\s+\w+|promised|pledged|stated)\b(?:[^.;]|(?<=\d)\.(?=\d)){0,130}"
_REPORTED = re.compile(_SAID + "$")
_REPORTED_WOULD = re.compile(_SAID + r"\bwould\s+(?:\w+\s+){0,2}$")


def is_unreal(view: str, clause: Clause, lexicon: Lexicon) -> bool:
    """Intentions, hypotheticals and negations: what did not (yet) happen is no record."""
    trigger = clause.triggers[0]
    before = view[max(clause.start, trigger.start - 45) : trigger.start]
    # "said it would provide": reported speech of a commitment, not a hypothetical; the modal
    # may be part of the trigger phrase ("said ... its package, worth 1.3 billion, would fund")
    window = view[max(0, trigger.start - 160) : trigger.start]
    modal_trigger = re.match(r"(?:would|could|might|should)\b", trigger.word)
    reported = _REPORTED.search(window) if modal_trigger else _REPORTED_WOULD.search(window)
    if modal_trigger and not reported:
        return True  # "Half of the package would fund ...": a hypothetical
    for name in ("modal", "intent", "negation"):
        for found in lexicon.term_pattern(name).finditer(before):
            word = found.group(0)
            if word == "May" or (name == "modal" and reported and word.lower() == "would"):
                continue  # the month ("on 27 May"), or reported commitment ("said it would")
            return True
    finite = [t for t in clause.triggers[1:] if not re.search(r"\bto\s+$", view[t.start - 4 : t.start])]
    if not finite and _bare_infinitive(view[max(0, trigger.start - 120) : trigger.start]):
        return True
    after = view[trigger.end : min(clause.end, trigger.end + 25)]
    return bool(
        re.match(r"\s+(?:to\s+)?(?:consider|discuss|study|explore)|\s+(?:would|could|might|may)\b", after)
    )


# what may stand before "to VERB" when the infinitive still asserts an act: a commitment verb
# ("agreed to provide", "voted to send"), a copula of arrangement ("is to provide"), or the
# subject itself in a headline ("Finland to send €200m to Ukraine")
_COMMITTED_TO = re.compile(
    r"(?:(?:agree[sd]?|decide[sd]?|pledge[sd]?|promise[sd]?|commit(?:s|ted)|vow(?:s|ed)|vote[sd]?|"
    r"announce[sd]?|resolve[sd]?|move[sd]?|continue[sd]?|began|begun|start(?:s|ed)|undert(?:ook|akes)|"
    r"used|uses|took|takes|seized)\b[^.;]{0,60}?|"
    r"(?:is|are|was|were|also|then|will|already|swiftly|quickly|now|and|first|going)\b(?:[^.;]{0,60}[,)])?|"
    # "is set to deliver", "a commitment to provide", "its decision to send"
    r"(?:is|are|was|were)\s+(?:set|due|scheduled|poised)|(?:commitment|decision|pledge|promise)s?)"
    r"\s+to\s+$",
    re.IGNORECASE,
)


def _bare_infinitive(before: str) -> bool:
    """'it was important to supply air defence', 'funds to rebuild': an infinitive that no
    commitment governs is a purpose or an evaluation, not an act."""
    if not re.search(r"\bto\s+$", before):
        return False
    if re.search(r"\b(?:it|this|that)\s+(?:is|was|will\s+be|would\s+be)\s+to\s+$", before):
        return True  # "how important it was to supply"
    if _COMMITTED_TO.search(before) or re.search(
        r"\b(?:first|second|third|latest|only)\b[^,;.]{0,50}\bto\s+$", before, re.IGNORECASE
    ):
        return False  # "agreed to provide"; "the first non-NATO country to sign"
    subject = re.search(r"(?:^|[,;:—–-]\s*|\n)\W*((?:[A-Z][\w.'’-]*\s+){1,4})to\s+$", before)
    return subject is None  # a capitalised subject right before "to": a headline's plan


def is_back_reference(
    view: str,
    clause: Clause,
    clause_actors: list[ActorMention],
    lexicon: Lexicon,
    amounts: list[AmountMention],
) -> bool:
    """'The agreement also provides for ...': a noun phrase that refers back to a measure.
    `amounts` are the clause's figures: new targets counted after a sanction verb are news."""
    trigger = clause.triggers[0]
    if all(t.classes == {"include"} for t in clause.triggers) or (
        trigger.classes == {"include"} and re.search(r"\d", view[trigger.end : clause.end])
    ):
        # "the package includes £18m (to fund ...)": the package is the whole its figure belongs to
        return False
    if THANKS.search(view[max(0, trigger.start - 160) : trigger.start]):
        return False  # "thanked Norway for its pledge of NOK 5 billion": the pledge thanked for
    if "total" in trigger.classes and trigger.word.startswith(("bring", "brought", "tak", "took")):
        return False  # "This package will bring total aid to $4.2 billion": a new level of the sum
    if trigger.word in ("pledge", "pledges", "promise", "commitment") and re.search(
        r"\b(?:the|this|that|its|his|her)\s+$", view[max(0, trigger.start - 6) : trigger.start], re.IGNORECASE
    ):
        return True  # "Kishida made the pledge in a speech": the pledge told of before
    subject = view[clause.start : trigger.start]
    named = any(a.start < trigger.start and a.kind != "adjective" for a in clause_actors)
    if re.match(
        r"^\W*(?:this|these|that|those)\s+(?:is|are|was|were|will|would|has|have|had)\b",
        subject,
        re.IGNORECASE,
    ) and not ("total" in trigger.classes and named):
        # "This is provided through bilateral channels"; not "This will see Australia's total
        # military assistance reach $191.5 million", a new level of a named donor's sum
        return True
    if named:
        return False
    later_named = any(
        a.kind != "adjective" and trigger.end <= a.start < t.start
        for t in clause.triggers[1:]
        for a in clause_actors
    )
    if later_named:
        return False  # "The move came after the UK's Defence Secretary visited Kyiv": the later act is told
    if (
        "sign" in trigger.classes
        and re.search(r"\b(?:was|were)\s+$", subject)
        and re.search(r"^\s+(?:on|in|at|during|by|with)\b", view[trigger.end : trigger.end + 10])
    ):
        return False  # "The agreement was signed during the visit of ...": the signing itself
    if re.search(
        r"\b(?:additional|further|more|new|another)\s+(?:[$€£¥]\s?)?\d",
        view[trigger.end : clause.end],
        re.IGNORECASE,
    ):
        return False  # "The amendments list an additional 42 individuals": new figures, no back-reference
    if "sanction" in trigger.classes and any(
        a.kind == "count" and a.amount.unit in ("people", "entities", "firms") and a.start > trigger.end
        for a in amounts
    ):
        return False  # "These new measures will impose restrictions on 33 entities": the targets are new
    match = re.match(
        r"^\W*(?:[^,]{0,40},\s*)?(?:the|this|that|these|those|such|its|their)\s+((?:[\w-]+\s+){0,3}[\w-]+)",
        subject,
        re.IGNORECASE,
    )
    # "The 10-year accord is ...", "The agreement also ...": the subject's noun phrase names a measure
    return bool(match and lexicon.term_pattern("backref").search(match.group(1)))
