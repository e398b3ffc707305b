"""Who acts and for whom. In: a clause and its actor mentions. Out: donor and recipient codes.

The donor is the subject (not an actor inside a prepositional phrase, a compound or an event
name), else a passive agent, else the discourse donor for pronouns and agentless passives.
"""

from __future__ import annotations

import re

from aidtrace.extractor.actors import ActorMention
from aidtrace.extractor.clauses import THANKS, Clause, Trigger
from aidtrace.extractor.context import NON_DONORS, TARGETS, Context
from aidtrace.extractor.lexicon import BODIES
from aidtrace.model import Record

_BLOCKING = re.compile(
    r"(?:\b(?:with|to|for|against|on|at|in|into|like|unlike|than|about|between|among|including|"
    r"such\s+as|via|through|towards?|alongside|besides|except|over|from|and\s+other|other)\s+"
    r"(?:the\s+|its\s+|their\s+|fellow\s+)?)$",
    re.IGNORECASE,
)


_FROM = re.compile(
    r"\bfrom\s+(?:the\s+)?(?:(?:government|people|taxpayers)\s+of\s+(?:the\s+)?)?$", re.IGNORECASE
)
# the preposition before a host country: "refuge in the Czech Republic", "arrived to Ireland"
HOST_PREP = re.compile(r"\b(?:[Ii]n|to|into|for)\s+(?:the\s+)?$")
_AGENT = re.compile(r"\b(?:by|from)\s+(?:the\s+)?$", re.IGNORECASE)


CHANNEL_PREP = re.compile(
    r"\b(?:via|through|to|into|with|under|from|in|for)\s+(?:the\s+|a\s+|an\s+)?(?:[A-Z][\w'-]*\s+){0,2}$",
    re.IGNORECASE,
)


_STATE_NOUNS = re.compile(
    r"\s*(?:government|authorities|officials?|prime\s+minister|premier|ministers?|ministry|president|"
    r"chancellor|side|state|cabinet|embassy|ambassador|army|military|armed\s+forces|forces|navy|troops|"
    r"defen[cs]e|foreign|finance|parliament|administration|leaders?|delegation|lawmakers|diet|"
    r"self-defen[cs]e|government's|emperor|king|queen|crown|aid|assistance|support|contribution|"
    r"package|loan|grant|donation|pledge|sanctions?|economy\s+ministry|agency|development)\b",
    re.IGNORECASE,
)


_NON_STATE_NOUNS = re.compile(
    r"\s*(?:firms?|compan(?:y|ies)|business(?:es)?|citizens|people|public|population|NGOs?|"
    r"volunteers|media|press|private|investors|banks?|corporations?|enterprises?|industry|"
    r"industries|perspective|view|experts?|analysts?|scholars?|voters|society|language|nationals|"
    r"students|towns?|cities|city|communities|community|diaspora|organi[sz]ations?)\b",
    re.IGNORECASE,
)


# a pronoun or generic subject right before the predicate (adverbs and auxiliaries between)
_PRONOUN_SUBJECT = re.compile(
    r"(?:^|[,;:]\s*|\b(?:and|but|when|after|as)\s+)(?:it|the\s+country|the\s+government|the\s+two\s+"
    r"(?:leaders|countries|sides|governments)|both\s+(?:countries|sides|leaders|governments)|the\s+ministry|"
    r"the\s+nation|they|he|she|we|I|officials|the\s+(?:prime\s+minister|president|chancellor|premier|"
    r"(?:foreign|defen[cs]e|finance)\s+minister|minister|secretary))\s+(?:[a-z]+\s+){0,3}$",
    re.IGNORECASE,
)


# the subject of a sum that names no donor: "Support to Ukraine now reaches", "Our aid to Kyiv totals"
_SUPPORT_SUBJECT = re.compile(
    r"\W*(?:(?:our|total|overall|the)\s+)?(?:\w+\s+)?(?:support|aid|assistance)\s+(?:to|for)\s+"
    r"(?:Ukraine|Kyiv|Kiev)\s+(?:now\s+|has\s+|have\s+|already\s+)*$",
    re.IGNORECASE,
)


def find_donors(
    view: str,
    clause: Clause,
    trigger: Trigger,
    clause_actors: list[ActorMention],
    sentence_actors: list[ActorMention],
    kind: tuple[str, str | None],
    previous_donors: list[str],
    context: Context,
) -> list[str]:
    record_type = kind[0]
    before = [a for a in clause_actors if a.start < trigger.start]
    after = [a for a in clause_actors if a.start >= trigger.end]
    # "agreements that Ukraine has concluded with the U.S., the UK, Germany": Ukraine acts
    # "Japan, Ukraine Sign ... Agreement": a partner named as co-subject is the donor; a compound
    # ("the Japan-Ukraine agreement ... that Ukraine has concluded with the U.S.") is not
    others = [
        a
        for a in before[:-1]
        if a.code not in NON_DONORS
        and a.kind != "adjective"
        and _is_subject(view, a, clause.start, record_type)
    ]
    if "sign" in trigger.classes and before and before[-1].code == "UKR" and others:
        return _codes(others)  # "Japan and Ukraine signed a ¥13 billion loan agreement"
    if record_type == "agreement" and before and before[-1].code == "UKR" and not others:
        listed = _codes([a for a in after if a.code not in NON_DONORS and a.kind != "adjective"])
        if listed:
            return listed
    if record_type == "aid" and "receive" in trigger.classes:
        # "Ukraine received $1.3 billion from the United States": the giver follows "from";
        # "from Japan and Norway": the givers coordinated with one that follows "from"
        givers: list[ActorMention] = []
        for actor in after:
            if actor.kind == "channel":
                continue
            coordinated = givers and re.fullmatch(
                r",?\s*(?:and\s+)?(?:the\s+)?", view[givers[-1].end : actor.start]
            )
            if coordinated or _FROM.search(view[max(0, actor.start - 40) : actor.start]):
                givers.append(actor)
        if not givers:  # "an agreement with Japan under which Ukraine will receive a grant of ..."
            givers = [
                a
                for a in before
                if a.code not in NON_DONORS
                and re.search(r"\bwith\s+(?:the\s+)?$", view[max(0, a.start - 9) : a.start])
            ][:1]
        return _codes(givers)
    if not before and re.search(
        r"\b(?:governments|donors|countries|allies|partners|nations|states|members)\s+(?:\w+\s+){0,2}$",
        view[clause.start : trigger.start],
        re.IGNORECASE,
    ):
        return []  # "governments committed €13 billion": all donors together, none of them alone
    thanked = _thanked(view, clause, trigger, clause_actors, sentence_actors)
    if thanked:
        return thanked
    if record_type == "aid" and "total" in trigger.classes:
        # "Poland's military assistance to Ukraine has exceeded EUR 1.5 billion": the owner of the sum
        owners = [
            a for a in before if a.code not in NON_DONORS and re.match(r"['’]s\b", view[a.end : a.end + 2])
        ]
        # "will bring total U.S. security assistance to Ukraine to $6.1 billion": named in the sum
        owners += [
            a
            for a in after
            if a.code not in NON_DONORS
            and re.fullmatch(r"\s+(?:of\s+)?(?:the\s+)?", view[trigger.end : a.start])
        ]
        if owners:
            return _codes(owners[:1])
        if context.donor and _SUPPORT_SUBJECT.match(view, clause.start, trigger.start):
            return [context.donor]  # "Support to Ukraine now reaches $655 million": the document's donor
    subjects = [a for a in before if _is_subject(view, a, clause.start, record_type)]
    acting = [
        a
        for a in before
        if a.code in ("UKR", "RUS", "BLR")
        and a.kind != "adjective"
        and not _BLOCKING.search(view[max(clause.start, a.start - 30) : a.start])
    ]
    if record_type == "aid" and acting and (not subjects or acting[-1].start > subjects[-1].start):
        return []  # "Ukraine's military had provided security": Ukraine acts
    if record_type == "diplomacy" and kind[1] == "visit":
        # the host may be named later in the sentence, and is a state rather than the body whose
        # summit it is: "attending the G7 Summit in Hiroshima, where Kishida ...": Japan
        hosts = sorted(
            (
                a
                for a in sentence_actors
                if a.start >= clause.start
                and a.code not in NON_DONORS
                and a.kind != "channel"
                and not re.search(r"\bfrom\s+(?:the\s+)?$", view[max(0, a.start - 10) : a.start])
            ),
            # "received by De Croo" first; a state before the body whose summit it is
            key=lambda a: (not re.search(r"\bby\s+$", view[max(0, a.start - 4) : a.start]), a.code in BODIES),
        )

        if any(a.code == "UKR" and a.kind == "official" for a in before) and hosts:
            return _codes(hosts[:1])
    if record_type == "refugees":
        # "while 502,000 Ukrainians have found refuge in the Czech Republic", "66,000 refugees
        # have entered Hungary": the host after the predicate wins over an earlier subject
        hosts_after = [
            a
            for a in after
            if a.code not in NON_DONORS
            and a.kind in ("country", "capital")
            and re.search(
                r"(?:\b(?:in|to|into|for)\s+(?:the\s+)?|\bent(?:er|ered|ering|ers)\s+)$",
                view[max(0, a.start - 9) : a.start],
            )
        ]
        if hosts_after and (not subjects or any(t.start > subjects[-1].end + 25 for t in [trigger])):
            return _codes(hosts_after[:1])
    if record_type == "refugees" and not subjects:
        # "N Ukrainians have found refuge in the Czech Republic", "In Switzerland, N have been
        # granted protection", "N Ukrainians have left for Japan": the host country
        hosts = [
            a
            for a in after + [b for b in before if b not in after]
            if a.code not in NON_DONORS
            and a.kind in ("country", "capital")
            and HOST_PREP.search(view[max(0, a.start - 8) : a.start])
        ]
        if hosts:
            return _codes(hosts[:1])
    strong = [a for a in subjects if a.kind != "adjective" or _adjective_is_state(view, a)]
    if strong:
        return _codes(strong)
    agents = [
        a
        for a in after
        if a.code not in NON_DONORS
        and a.kind != "channel"
        and _AGENT.search(view[max(0, a.start - 12) : a.start])
    ]
    if agents:
        return _codes(agents[:1])
    weak = [
        a for a in subjects if a.kind == "adjective" and not _adjective_is_non_state(view, a, record_type)
    ]
    if weak:
        return _codes(weak[:1])
    if previous_donors:
        return previous_donors
    subject_text = view[clause.start : trigger.start]
    anywhere = [
        a
        for a in clause_actors
        if a.code not in NON_DONORS
        and a.kind != "channel"
        and not _adjective_is_non_state(view, a, record_type)
    ]
    passive = bool(re.search(r"\b(?:was|were|been|being|is|are)\s+(?:\w+\s+)?$", subject_text))
    pronoun = bool(_PRONOUN_SUBJECT.search(subject_text))
    # "32 Russian individuals ... were added to the list": only targets and adjectives before a passive
    named_before = [
        a
        for a in clause_actors
        if a.start < trigger.start and a.code not in NON_DONORS and a.kind != "adjective"
    ]
    if pronoun or not any(a.start < trigger.start for a in clause_actors) or (passive and not named_before):
        if passive and anywhere:
            return _codes(anywhere[:1])
        if context.donor and (passive or pronoun or not before):
            return [context.donor]
    return []


def _thanked(
    view: str,
    clause: Clause,
    trigger: Trigger,
    clause_actors: list[ActorMention],
    sentence_actors: list[ActorMention],
) -> list[str]:
    """'Zelensky thanked Biden for announcing a package', 'grateful to the Netherlands for the
    launchers': the one thanked is the donor (ruling 6)."""
    start = min([clause.start, *(a.start for a in clause_actors)])
    window_start = max(0, start - 200)
    thanks = list(THANKS.finditer(view, window_start, trigger.start))
    if not thanks:
        return []
    after = thanks[-1].end()
    return _codes(
        [
            a
            for a in sentence_actors
            if after <= a.start < trigger.start and a.kind not in ("channel", "adjective")
        ]
    )[:1]


def _is_subject(view: str, actor: ActorMention, clause_start: int, record_type: str) -> bool:
    if actor.code in NON_DONORS:
        return False
    if (
        actor.code in BODIES
        and record_type == "aid"
        and CHANNEL_PREP.search(view[max(0, actor.start - 40) : actor.start])
    ):
        return False
    window = view[max(clause_start, actor.start - 30) : actor.start]
    relative = re.match(
        r",?\s+(?:which|who)\b", view[actor.end : actor.end + 8]
    )  # "next to Germany, which ..."
    if _BLOCKING.search(window) and not re.search(r"\b(?:of|by)\s+(?:the\s+)?$", window) and not relative:
        return False
    if view[max(0, actor.start - 4) : actor.start].lower().endswith("non-"):
        return False
    if re.match(
        r"[\s-]+(?:summit|conference|meeting|presidency|declaration|joint|countries|members|member|partners|states|nations|allies|leaders'|format|framework)\b",
        view[actor.end : actor.end + 16],
        re.IGNORECASE,
    ):
        return False
    after = view[actor.end : actor.end + 2]
    if after.startswith("-") and actor.kind != "adjective":
        return False  # "the Japan-Ukraine conference": a compound, not the subject
    return True


def _adjective_is_state(view: str, actor: ActorMention) -> bool:
    return bool(_STATE_NOUNS.match(view[actor.end : actor.end + 40]))


def _adjective_is_non_state(view: str, actor: ActorMention, record_type: str) -> bool:
    if actor.kind != "adjective" or record_type == "agreement":
        return False
    return bool(_NON_STATE_NOUNS.match(view[actor.end : actor.end + 30]))


def _codes(actors: list[ActorMention]) -> list[str]:
    return list(dict.fromkeys(a.code for a in actors if a.code not in NON_DONORS))


def find_targets(
    clause_actors: list[ActorMention], actors: list[ActorMention], context: Context
) -> list[str]:
    targets = _ordered_targets(clause_actors) or _ordered_targets(actors)
    if targets:
        return targets
    return ["RUS"] if context.russia_doc else []


def _ordered_targets(actors: list[ActorMention]) -> list[str]:
    return list(dict.fromkeys(a.code for a in actors if a.code in TARGETS))


# beneficiaries that are not Ukraine: "to European farmers", "to like-minded countries"
_OTHER_BENEFICIARY = re.compile(
    r"\b(?:to|for)\s+(?:help\s+)?(?:the\s+|its\s+|their\s+)?(?:[\w-]+\s+){0,2}?"
    r"(?:countries|nations|states|farmers|households|residents|taxpayers|"
    r"pensioners|families|regions|municipalities|victims)\b",
    re.IGNORECASE,
)


def is_for_ukraine(
    view: str, clause: Clause, clause_actors: list[ActorMention], donors: list[str], context: Context
) -> bool:
    """Whether the clause's support goes to Ukraine: named in the sentence, or the text is about
    Ukraine and the clause names no other beneficiary ("to Turkey", "to help neighbouring
    Moldova", "Turkish quake victims", "to European farmers")."""
    if context.ukraine_here or any(a.code == "UKR" for a in clause_actors):
        return True  # "Kyiv", "Ukrainian", or a Ukrainian leader ("received Zelensky in Madrid")
    if not context.ukraine_doc or not (context.ukraine_strong or context.ukraine_recent <= 2):
        return False
    if clause.triggers[0].classes == {"include"} and any(
        r.recipient == "UKR" and r.donor in donors for r in context.last_records
    ):
        # "The package includes £3 million to fund grain deliveries to Syria": the content of
        # the package for Ukraine just told, wherever its goods go
        return True
    after = clause.triggers[0].end
    if _OTHER_BENEFICIARY.search(view, after, clause.end):
        return False
    return not any(
        a.start > after
        and a.kind in ("country", "capital", "adjective")
        and a.code not in NON_DONORS
        and a.code not in donors
        for a in clause_actors
    )


def update_donor(view: str, actors: list[ActorMention], records: list[Record], context: Context) -> None:
    if records:
        context.donor = records[-1].donor
        return
    for actor in actors:
        if actor.code in NON_DONORS or actor.kind == "channel":
            continue
        window = view[max(0, actor.start - 30) : actor.start]
        if _BLOCKING.search(window):
            continue
        if actor.kind == "adjective" and not _adjective_is_state(view, actor):
            continue
        context.donor = actor.code
        return
