"""The rule extractor. In: a Document. Out: the Records its sentences assert (the contract).

Per sentence, in order:
1. find predicates (trigger verbs from terms.tsv: pledge, deliver, sanction, sign, visit, ...);
   a sentence without one asserts nothing and only updates the context;
2. cut the sentence into clauses, one per predicate (coordinated verbs share a clause);
3. per clause: decide the record type from the predicate and the nouns around it, drop
   intentions, hypotheticals, negations and back-references, resolve donors (the subject,
   a passive agent, or the actor the discourse is about) and the recipient or targets;
4. attach amounts, dates, category, subtype, stage, channel and items found in the clause;
5. emit one record per donor x amount (or per target for sanctions), evidence = sentence.

The context carried from sentence to sentence is the discourse donor ("It also pledges"),
the dates of events the document mentions ("on the day of the Tokyo conference"), and the
last full date ("on the same day").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date

from aidtrace.extract.actors import ActorMention, find_actors
from aidtrace.extract.amounts import AmountMention, find_amounts, find_gdp_shares
from aidtrace.extract.dates import INVASION, DateMention, find_dates
from aidtrace.extract.lexicon import BODIES, Lexicon, load_lexicon
from aidtrace.extract.sentences import clean, split_sentences
from aidtrace.model import Amount, Document, Record, Span

NON_DONORS = frozenset({"UKR", "RUS", "BLR", "-"})
TARGETS = frozenset({"RUS", "BLR"})
VERB_CLASSES = ("pledge", "deliver", "train", "total", "sanction", "refugee", "sign", "visit", "host")
_BLOCKING = re.compile(
    r"(?:\b(?:with|to|for|against|on|at|in|into|like|unlike|than|about|between|among|including|"
    r"such\s+as|via|through|towards?|alongside|besides|except|over|from|and\s+other|other)\s+"
    r"(?:the\s+|its\s+|their\s+|fellow\s+)?)$",
    re.IGNORECASE,
)
_AGENT = re.compile(r"\b(?:by|from)\s+(?:the\s+)?$", re.IGNORECASE)
_CHANNEL_PREP = re.compile(
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
_PRONOUN_SUBJECT = re.compile(
    r"^(?:[^,]{0,60},\s*)?(?:it|the\s+country|the\s+government|the\s+two\s+(?:leaders|countries|"
    r"sides|governments)|both\s+(?:countries|sides|leaders|governments)|the\s+ministry|the\s+nation|"
    r"they|he|she|officials)\b",
    re.IGNORECASE,
)
_RELATIVE_START = re.compile(
    r",?\s*(?:which|that|who)\s+(?:\w+\s+){0,2}?(?:began|started|begun|was|were|had)\b", re.IGNORECASE
)
_PART = re.compile(
    r"\b(?:of\s+which|with|including|includes|include|among\s+them|incl\.)\b[^$€£¥\d]{0,30}$", re.IGNORECASE
)
_ITEM_SPLIT = re.compile(
    r",\s*(?:and\s+|as\s+well\s+as\s+|even\s+|plus\s+)?|\s+and\s+(?:even\s+)?|\s+as\s+well\s+as\s+"
)
_ITEM_LEAD = re.compile(
    r"^(?:the\s+|a\s+|an\s+|some\s+|its\s+|their\s+|additional\s+|further\s+|more\s+|new\s+|"
    r"\d[\d,.]*\s+(?:units\s+of\s+)?|also\s+|even\s+|other\s+)+",
    re.IGNORECASE,
)


@dataclass(slots=True)
class _Trigger:
    start: int
    end: int
    classes: frozenset[str]
    word: str


@dataclass(slots=True)
class _Context:
    published: date | None
    ukraine_doc: bool
    russia_doc: bool
    donor: str | None = None
    ukraine_strong: bool = False  # the document is about Ukraine throughout
    ukraine_recent: int = 0  # sentences since Ukraine was last named
    lead_in: Record | None = None  # the record a list's lead-in sentence made ("... as follows:")
    events: list[tuple[str, str]] = field(default_factory=list)  # (sentence text, date)
    last_day: str | None = None


@dataclass(slots=True)
class _Clause:
    start: int
    end: int
    triggers: list[_Trigger]


def extract_records(doc: Document, lexicon: Lexicon | None = None) -> list[Record]:
    """Every record the document asserts, in reading order."""
    lexicon = lexicon or load_lexicon()
    view = clean(doc.text)
    published = _parse_published(doc.published)
    mentions = len(lexicon.term_pattern("place.ukraine").findall(view)) + view.count("Ukrainian")
    context = _Context(
        published=published,
        ukraine_doc=mentions > 0,
        ukraine_strong=mentions >= 3 and mentions * 250 >= len(view.split()),
        russia_doc=bool(re.search(r"\bRussi|\bMoscow\b|\bKremlin\b|\bBelarus", view)),
    )
    records: list[Record] = []
    sentences = split_sentences(view)
    for number, (start, end) in enumerate(sentences):
        if number == 0 and _is_headline(view, end):
            continue
        records.extend(_sentence_records(doc, view, start, end, context, lexicon))
    return records


def _is_headline(view: str, end: int) -> bool:
    """The first line of a document, without closing punctuation, is its headline."""
    return view[end - 1] not in ".!?\"'" and "\n" in view[end : end + 2] + "\n"


def _parse_published(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


# --- sentences ---------------------------------------------------------------------------------


def _sentence_records(
    doc: Document, view: str, start: int, end: int, context: _Context, lexicon: Lexicon
) -> list[Record]:
    when = context.published.isoformat() if context.published else None
    actors = find_actors(view, start, end, lexicon, when=when)
    dates = find_dates(view, start, end, context.published)
    _remember_events(view, start, end, dates, context)
    triggers = _find_triggers(view, start, end, lexicon)
    sentence_text = view[start:end]
    if lexicon.term_pattern("place.ukraine").search(sentence_text) or "Ukrainian" in sentence_text:
        context.ukraine_recent = 0
    else:
        context.ukraine_recent += 1
    records: list[Record] = []
    if not triggers and _is_bullet(view, start) and context.lead_in is not None:
        return _bullet_records(doc, view, start, end, context, lexicon)
    if triggers and not _is_excluded_sentence(view, start, end, lexicon) and not _is_citation(sentence_text):
        amounts = find_amounts(view, start, end, lexicon)
        clauses = _clauses(view, start, end, triggers)
        previous_donors: list[str] = []
        for clause in clauses:
            made, donors = _clause_records(
                doc,
                view,
                (start, end),
                clause,
                clauses[0].start,
                actors,
                amounts,
                dates,
                previous_donors,
                context,
                lexicon,
            )
            records.extend(made)
            previous_donors = donors or previous_donors
    _update_donor(view, actors, records, context)
    lead_in = sentence_text.rstrip().endswith(":") or bool(
        re.search(r"\b(?:includ\w*|following|as follows|comprises?|consists? of)\W*$", sentence_text)
    )
    if lead_in and records:
        context.lead_in = records[-1]
    elif not _is_bullet(view, start):
        context.lead_in = None
    return _dedupe(records)


def _is_citation(text: str) -> bool:
    """'Source: ...', 'Photo: ...', 'Read more: ...': lines about the document, not in it."""
    return bool(
        re.match(
            r"(?:Sources?|Photo|Image|Credit|Read more|See also|Related|Via|Note|Footnote|Reference)s?\s*:",
            text,
        )
    )


def _is_bullet(view: str, start: int) -> bool:
    return bool(re.match(r"[-•*–]\s|\d{1,2}[.)]\s", view[start : start + 4]))


def _bullet_records(
    doc: Document, view: str, start: int, end: int, context: _Context, lexicon: Lexicon
) -> list[Record]:
    """'- NOK 1 billion for humanitarian aid': a list item carries on its lead-in's record."""
    lead = context.lead_in
    assert lead is not None
    amounts = [a for a in find_amounts(view, start, end, lexicon) if a.kind == "money"]
    if not amounts:
        return []
    clause = _Clause(
        start,
        end,
        [_Trigger(start, start, frozenset({"pledge" if lead.stage == "pledged" else "deliver"}), "")],
    )
    clause_actors = find_actors(view, start, end, lexicon, when=None)
    attrs = _Attributes(view, clause, lead.type, None, clause_actors, lexicon)
    dates = [d for d in find_dates(view, start, end, context.published) if d.kind == "point"]
    evidence = Span(start=start, end=end, text=doc.text[start:end])
    return [
        Record(
            doc_id=doc.doc_id,
            type=lead.type,
            donor=lead.donor,
            recipient=lead.recipient,
            evidence=evidence,
            category=attrs.category or lead.category,  # type: ignore[arg-type]
            subtype=attrs.subtype,
            stage=lead.stage,
            amount=_amount_for(a, lead.donor),
            date=dates[0].value if dates else lead.date,
            channel=attrs.channel,
            items=attrs.items,
        )
        for a in amounts
    ]


def _find_triggers(view: str, start: int, end: int, lexicon: Lexicon) -> list[_Trigger]:
    spans: dict[tuple[int, int], set[str]] = {}
    for name in VERB_CLASSES:
        for match in lexicon.term_pattern(f"verb.{name}").finditer(view, start, end):
            spans.setdefault((match.start(), match.end()), set()).add(name)
    triggers = [
        _Trigger(s, e, frozenset(classes), view[s:e].lower()) for (s, e), classes in sorted(spans.items())
    ]
    # a longer phrase ("handed over") wins over a word inside it
    triggers = [
        t for t in triggers if not any(o is not t and o.start <= t.start and t.end <= o.end for o in triggers)
    ]
    return [t for t in triggers if _is_predicate(view, t)]


def _is_predicate(view: str, trigger: _Trigger) -> bool:
    """'-ing' forms assert only as progressives or means ('by guaranteeing'); not 'of visiting'."""
    if not trigger.word.endswith("ing"):
        return not re.match(r"\s+(?:far\s+|well\s+)?beyond\b", view[trigger.end : trigger.end + 12])
    before = view[max(0, trigger.start - 12) : trigger.start].lower()
    return bool(re.search(r"\b(?:is|are|was|were|been|by)\s+$", before))


def _is_excluded_sentence(view: str, start: int, end: int, lexicon: Lexicon) -> bool:
    text = view[start:end]
    if text.rstrip("\"' ").endswith("?"):
        return True  # a question asserts nothing
    return bool(lexicon.term_pattern("need").search(text))


def _clauses(view: str, start: int, end: int, triggers: list[_Trigger]) -> list[_Clause]:
    """One clause per predicate; coordinated predicates ("pledged and provided") share one."""
    groups: list[list[_Trigger]] = [[triggers[0]]]
    for trigger in triggers[1:]:
        gap = view[groups[-1][-1].end : trigger.start]
        participle = re.match(
            r"\w+(?:ed|en|t)\s+(?:for|to|by|via|through|under|as|from|in|at)\b",
            view[trigger.start : trigger.end + 12],
        )
        if participle and not re.search(r"\b(?:and|has|have|had|was|were|is|are)\s*$", gap):
            groups[-1].append(trigger)  # ", earmarked for ...": a participle adds to the clause
        elif re.fullmatch(
            r"\s*(?:,?\s*(?:and|or)\s+)?(?:(?:has|have|had|also|then|later|further|subsequently|swiftly|will|to|continue|continues|continued|it|its)\s+)*",
            gap,
            re.IGNORECASE,
        ):
            groups[-1].append(trigger)
        else:
            groups.append([trigger])
    clauses = []
    clause_start = start
    for i, group in enumerate(groups):
        if i + 1 < len(groups):
            boundary = _boundary(view, group[-1].end, groups[i + 1][0].start)
        else:
            boundary = end
        clauses.append(_Clause(clause_start, boundary, group))
        clause_start = boundary
    return clauses


def _boundary(view: str, after: int, before: int) -> int:
    """Where a clause ends between two predicates: the last comma, semicolon or 'and'."""
    gap = view[after:before]
    cuts = [m.start() for m in re.finditer(r";|,\s|\s(?:and|while|but|whereas)\s", gap)]
    return after + cuts[-1] if cuts else before


# --- clauses -----------------------------------------------------------------------------------


def _clause_records(
    doc: Document,
    view: str,
    sentence: tuple[int, int],
    clause: _Clause,
    first_clause_start: int,
    actors: list[ActorMention],
    amounts: list[AmountMention],
    dates: list[DateMention],
    previous_donors: list[str],
    context: _Context,
    lexicon: Lexicon,
) -> tuple[list[Record], list[str]]:
    trigger = clause.triggers[0]
    text = view[clause.start : clause.end]
    sentence_text = view[sentence[0] : sentence[1]]
    clause_amounts = [a for a in amounts if clause.start <= a.start < clause.end]
    kind = _record_type(view, clause, actors, clause_amounts, lexicon)
    if kind is None or _is_unreal(view, clause, lexicon):
        return [], []
    clause_actors = [a for a in actors if clause.start <= a.start < clause.end]
    donors = _donors(view, clause, trigger, clause_actors, kind, previous_donors, context)
    if not donors or _is_back_reference(view, clause, clause_actors, lexicon):
        return [], donors
    record_type, subtype = kind
    if record_type == "sanction":
        recipients = _targets(clause_actors, actors, context)
    else:
        recipients = ["UKR"] if _is_for_ukraine(view, sentence, clause_actors, context, lexicon) else []
    if not recipients:
        return [], donors
    money = [a for a in clause_amounts if a.kind == "money"]
    counts = [
        a for a in clause_amounts if a.kind == "count" and _count_fits(a.amount.unit, record_type, subtype)
    ]
    clause_dates = [
        d for d in dates if clause.start <= d.start < clause.end and not _in_relative_clause(view, d, clause)
    ]
    shared_dates = [
        d
        for d in dates
        if sentence[0] <= d.start < first_clause_start
        or (d.start < clause.start and not any(t for t in clause.triggers if t.start < d.start))
    ]
    estimate = bool(lexicon.term_pattern("estimate").search(sentence_text))
    attrs = _Attributes(view, clause, record_type, subtype, clause_actors, lexicon)
    if not _is_concrete(record_type, attrs, money, counts, clause_dates or shared_dates, text):
        return [], donors
    if record_type == "sanction":
        money = [
            m for m in money if not re.search(r"\b(?:whose|which|who|that)\b", view[trigger.end : m.start])
        ]
    quantities: list[AmountMention | None] = [*money] if money else [*counts[:1]] if counts else [None]
    records = []
    listed = [
        a
        for a in clause_actors
        if a.start > trigger.end
        and a.code not in NON_DONORS
        and a.kind != "channel"
        and any(
            0 < q.start - a.end < 40 and not re.search(r"[.;]|\bto\b", view[a.end : q.start])
            for q in quantities
            if q
        )
    ]
    if listed and len(quantities) > 1:
        donors = list(dict.fromkeys(donors + [a.code for a in listed]))
    pairs = _pair(donors, quantities, clause_actors)
    evidence = Span(start=sentence[0], end=sentence[1], text=doc.text[sentence[0] : sentence[1]])
    gdp_share = _gdp_share(view, clause, lexicon)
    for donor, quantity in pairs:
        amount = _amount_for(quantity, donor)
        aggregate, period, record_date = _timing(
            view, clause, quantity, money, clause_dates, shared_dates, estimate, record_type, context, lexicon
        )
        for recipient in recipients:
            records.append(
                Record(
                    doc_id=doc.doc_id,
                    type=record_type,  # type: ignore[arg-type]
                    donor=donor,
                    recipient=recipient,
                    evidence=evidence,
                    category=attrs.category if record_type == "aid" else None,  # type: ignore[arg-type]
                    subtype=attrs.subtype,
                    stage=attrs.stage if record_type == "aid" else None,  # type: ignore[arg-type]
                    aggregate=aggregate,
                    amount=amount,
                    date=None if aggregate else record_date,
                    period=period if aggregate else None,
                    channel=attrs.channel,
                    items=attrs.items,
                    gdp_share=gdp_share,
                )
            )
    if record_type == "agreement" and _signed_in_person(view, clause, clause_actors, donors, lexicon):
        for donor in donors:
            first = next(r for r in records if r.donor == donor)
            records.append(replace(first, type="diplomacy", subtype="visit", amount=None, items=()))
    return records, donors


def _signed_in_person(
    view: str, clause: _Clause, clause_actors: list[ActorMention], donors: list[str], lexicon: Lexicon
) -> bool:
    """'Rutte and President Zelensky signed ... in Kharkiv': a signing is also a visit."""
    text = view[clause.start : clause.end]
    if not any(a.kind == "official" and a.code == "UKR" for a in clause_actors) or re.search(
        r"virtual|video|online", text
    ):
        return False
    in_ukraine = any(
        m.group(0) not in ("Ukraine",) for m in lexicon.term_pattern("place.ukraine").finditer(text)
    )
    at_donor = any(a.code in donors and a.kind in ("capital", "agency") for a in clause_actors)
    return in_ukraine or at_donor


def _record_type(
    view: str, clause: _Clause, actors: list[ActorMention], amounts: list[AmountMention], lexicon: Lexicon
) -> tuple[str, str | None] | None:
    """(type, subtype hint) of what the clause's predicate does, or None."""
    classes = frozenset().union(*(t.classes for t in clause.triggers))
    text = view[clause.start : clause.end]

    def has(name: str) -> bool:
        return bool(lexicon.term_pattern(name).search(text))

    if (
        "sanction" in classes
        and has("noun.sanction")
        and (
            any(a.code in TARGETS for a in actors) or re.search(r"\bRussia|\bBelarus|\bMoscow|\bMinsk", text)
        )
    ):
        return "sanction", None
    if "sign" in classes and has("noun.agreement"):
        return "agreement", None
    if "visit" in classes and _is_visit(view, clause, actors, lexicon):
        return "diplomacy", "visit"
    if (
        "host" in classes
        and has("noun.event")
        and re.search(r"Ukrain|Kyiv|Kiev|[Rr]ecovery|[Rr]econstruction", text)
    ):
        return "diplomacy", "conference"
    if "refugee" in classes and has("noun.refugee"):
        return "refugees", None
    if classes & {"pledge", "deliver", "train", "total"} and (has("noun.aid") or amounts):
        if "sanction" in classes and has("noun.sanction") and not has("noun.aid"):
            return None
        return "aid", None
    return None


def _is_visit(view: str, clause: _Clause, actors: list[ActorMention], lexicon: Lexicon) -> bool:
    text = view[clause.start : clause.end]
    in_clause = [a for a in actors if clause.start <= a.start < clause.end]
    ukraine_place = bool(lexicon.term_pattern("place.ukraine").search(text))
    donor_official = any(a.kind == "official" and a.code not in NON_DONORS for a in in_clause) or bool(
        re.search(r"(?:[Pp]rime [Mm]inister|[Pp]resident|[Cc]hancellor|[Mm]inister|[Ss]ecretary)\b", text)
    )
    ukrainian_leader = any(a.kind == "official" and a.code == "UKR" for a in in_clause) or bool(
        re.search(r"Ukrainian (?:[Pp]resident|[Pp]rime [Mm]inister|[Ff]oreign [Mm]inister|leader)", text)
    )
    deputy = bool(re.search(r"\b[Dd]eputy\b", text))
    motion = any(
        re.match(r"visit|travel|arriv|came|trip|attend|address|host|welcom|receiv|toured|went", t.word)
        for t in clause.triggers
    )
    if ukrainian_leader and not deputy and motion:
        donor_place = any(
            a.code not in NON_DONORS and a.kind in ("capital", "country", "official", "body")
            for a in in_clause
        )
        return donor_place
    trigger = clause.triggers[0]
    if re.fullmatch(r"visits?|trip", trigger.word) and re.search(
        r"\b(?:from|of|after|before|during|about|for|since|on)\s+[^,.;]{0,40}$",
        view[max(clause.start, trigger.start - 45) : trigger.start],
    ):
        return False  # "lessons learned from Kishida's Kyiv trip": a mention, not an act
    # the destination follows the verb: "visited Kyiv", "travelled to Ukraine", "in Kyiv"
    destination = any(
        lexicon.term_pattern("place.ukraine").search(view[t.end : min(clause.end, t.end + 45)])
        for t in clause.triggers
    )
    in_city = re.search(r"\bin\s+(?:Kyiv|Kiev|Lviv|Odesa|Odessa|Kharkiv|Bucha|Irpin|Dnipro)\b", text)
    return donor_official and ukraine_place and not deputy and bool(destination or in_city)


def _is_unreal(view: str, clause: _Clause, lexicon: Lexicon) -> bool:
    """Intentions, hypotheticals and negations: what did not (yet) happen is no record."""
    trigger = clause.triggers[0]
    before = view[max(clause.start, trigger.start - 45) : trigger.start]
    # "said it would provide": reported speech of a commitment, not a hypothetical
    reported = re.search(
        r"\b(?:said|says|announced|confirmed|told\s+\w+|promised|pledged|stated)\b[^.;]{0,60}\bwould\s+(?:\w+\s+){0,2}$",
        view[max(0, trigger.start - 90) : trigger.start],
    )
    for name in ("modal", "intent", "negation"):
        found = lexicon.term_pattern(name).search(before)
        if found and not (name == "modal" and reported and found.group(0).lower() == "would"):
            return True
    after = view[trigger.end : min(clause.end, trigger.end + 25)]
    return bool(
        re.match(r"\s+(?:to\s+)?(?:consider|discuss|study|explore)|\s+(?:would|could|might|may)\b", after)
    )


def _is_back_reference(
    view: str, clause: _Clause, clause_actors: list[ActorMention], lexicon: Lexicon
) -> bool:
    """'The agreement also provides for ...': a noun phrase that refers back to a measure."""
    subject = view[clause.start : clause.triggers[0].start]
    if re.match(
        r"^\W*(?:this|these|that|those)\s+(?:is|are|was|were|will|would|has|have|had)\b",
        subject,
        re.IGNORECASE,
    ):
        return True  # "This is provided through bilateral channels"
    if any(a.start < clause.triggers[0].start and a.kind not in ("adjective",) for a in clause_actors):
        return False
    match = re.match(
        r"^\W*(?:[^,]{0,40},\s*)?(?:the|this|that|these|those|such|its|their)\s+(?:[\w-]+\s+){0,3}?([\w-]+)\b",
        subject,
        re.IGNORECASE,
    )
    if not match:
        return False
    return bool(lexicon.term_pattern("backref").fullmatch(match.group(1)))


# --- donors and recipients ------------------------------------------------------------------


def _donors(
    view: str,
    clause: _Clause,
    trigger: _Trigger,
    clause_actors: list[ActorMention],
    kind: tuple[str, str | None],
    previous_donors: list[str],
    context: _Context,
) -> list[str]:
    record_type = kind[0]
    before = [a for a in clause_actors if a.start < trigger.start]
    after = [a for a in clause_actors if a.start >= trigger.end]
    # "agreements that Ukraine has concluded with the U.S., the UK, Germany": Ukraine acts
    if record_type == "agreement" and before and before[-1].code == "UKR":
        listed = _codes([a for a in after if a.code not in NON_DONORS and a.kind != "adjective"])
        if listed:
            return listed
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
        hosts = [a for a in clause_actors if a.code not in NON_DONORS and a.kind != "channel"]
        if any(a.code == "UKR" and a.kind == "official" for a in before) and hosts:
            return _codes(hosts[:1])
    if record_type == "refugees" and not subjects:
        hosts = [
            a
            for a in after
            if a.code not in NON_DONORS
            and a.kind in ("country", "capital")
            and re.search(r"\b(?:in|to)\s+(?:the\s+)?$", view[max(0, a.start - 8) : a.start])
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
    if _PRONOUN_SUBJECT.search(subject_text.strip()) or not any(
        a.start < trigger.start for a in clause_actors
    ):
        if passive and anywhere:
            return _codes(anywhere[:1])
        if context.donor and (passive or _PRONOUN_SUBJECT.search(subject_text.strip()) or not before):
            return [context.donor]
    return []


def _is_subject(view: str, actor: ActorMention, clause_start: int, record_type: str) -> bool:
    if actor.code in NON_DONORS:
        return False
    if (
        actor.code in BODIES
        and record_type == "aid"
        and _CHANNEL_PREP.search(view[max(0, actor.start - 40) : actor.start])
    ):
        return False
    window = view[max(clause_start, actor.start - 30) : actor.start]
    if _BLOCKING.search(window) and not re.search(r"\b(?:of|by)\s+(?:the\s+)?$", window):
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


def _targets(clause_actors: list[ActorMention], actors: list[ActorMention], context: _Context) -> list[str]:
    targets = _ordered_targets(clause_actors) or _ordered_targets(actors)
    if targets:
        return targets
    return ["RUS"] if context.russia_doc else []


def _ordered_targets(actors: list[ActorMention]) -> list[str]:
    return list(dict.fromkeys(a.code for a in actors if a.code in TARGETS))


def _is_for_ukraine(
    view: str,
    sentence: tuple[int, int],
    clause_actors: list[ActorMention],
    context: _Context,
    lexicon: Lexicon,
) -> bool:
    sentence_text = view[sentence[0] : sentence[1]]
    if lexicon.term_pattern("place.ukraine").search(sentence_text) or "Ukrainian" in sentence_text:
        return True
    if not context.ukraine_doc or not (context.ukraine_strong or context.ukraine_recent <= 2):
        return False
    # aid to somebody else: "to Turkey", "for Moldova", "Turkish quake victims"
    for actor in clause_actors:
        if actor.code in NON_DONORS or actor.kind == "channel" or actor.code in BODIES:
            continue
        window = view[max(0, actor.start - 20) : actor.start]
        if re.search(
            r"\b(?:to|for|in|into|towards?)\s+(?:the\s+)?$", window, re.IGNORECASE
        ) and actor.kind in ("country", "capital"):
            return False
    return True


# --- attributes ----------------------------------------------------------------------------------


class _Attributes:
    """Category, subtype, stage, channel and items of one clause."""

    def __init__(
        self,
        view: str,
        clause: _Clause,
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
        found = {
            lexicon.term_value("category", m.group(0).lower())
            for m in lexicon.term_pattern("category").finditer(text)
        }
        for item in self.items:
            found |= {
                lexicon.term_value("category", m.group(0).lower())
                for m in lexicon.term_pattern("category").finditer(item)
            }
        found.discard("")
        explicit = {c for c in ("financial", "humanitarian", "military") if re.search(c, text, re.IGNORECASE)}
        if re.search(r"\beconomic\b", text, re.IGNORECASE):
            explicit.add("financial")
        if re.search(
            r"\bsecurity and defen[cs]e\b|\bdefen[cs]e assistance\b|\bmilitary (?:aid|assistance)\b",
            text,
            re.IGNORECASE,
        ):
            return "military"
        if len(explicit) > 1 or (re.search(r"\band (?:other|ancillary)\b", text, re.IGNORECASE) and explicit):
            return "mixed"
        if len(explicit) == 1 and not (self.items and len(found) > 1):
            return explicit.pop()
        if (
            self.subtype in ("loan", "guarantee", "credit_line", "debt_relief", "grant")
            and "military" not in found
        ):
            return "financial" if "humanitarian" not in found or self.subtype != "grant" else "humanitarian"
        if len(found) > 1:
            return "mixed" if self.items or "financial" not in found else "financial"
        if found:
            return found.pop()
        if self.items:
            return "humanitarian"
        return None

    def _stage(self, view: str, clause: _Clause, trigger: _Trigger) -> str | None:
        before = view[max(clause.start, trigger.start - 20) : trigger.start]
        future = re.search(r"\bwill\s+(?:\w+\s+){0,2}$|\bto\s+$", before, re.IGNORECASE)
        if future or "pledge" in trigger.classes:
            return "pledged"
        if trigger.classes & {"deliver", "train"}:
            return "delivered"
        return None


def _channel(view: str, clause: _Clause, clause_actors: list[ActorMention]) -> str | None:
    for actor in clause_actors:
        if actor.kind == "channel":
            return actor.name
        if actor.code in BODIES and _CHANNEL_PREP.search(
            view[max(clause.start, actor.start - 40) : actor.start]
        ):
            return actor.surface
        if actor.code in BODIES and re.match(
            r"\s+(?:loan|fund|trust fund|programme|program|mechanism)", view[actor.end : actor.end + 15]
        ):
            return actor.surface
    return None


def _items(view: str, clause: _Clause, lexicon: Lexicon) -> tuple[str, ...]:
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


def _is_concrete(
    record_type: str,
    attrs: _Attributes,
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
    if any(d.kind in ("point", "anaphora") for d in dates):
        return True
    if (
        record_type == "aid"
        and attrs.category
        and re.search(r"\b(?:[Ii]n|[Uu]nder)\s+the\s+(?:agreement|accord|deal|package|memorandum)\b", text)
    ):
        return True
    return False


def _count_fits(unit: str, record_type: str, subtype: str | None) -> bool:
    return {
        "refugees": unit == "people",
        "sanction": unit == "entities",
        "agreement": unit == "agreements",
        "diplomacy": unit in ("firms", "people") and subtype == "conference",
        "aid": unit in ("items", "tonnes"),
    }[record_type]


def _pair(
    donors: list[str], quantities: list[AmountMention | None], clause_actors: list[ActorMention]
) -> list[tuple[str, AmountMention | None]]:
    if len(donors) == 1 or quantities == [None]:
        return [(d, q) for d in donors for q in quantities]
    if len(donors) == len(quantities):
        return list(zip(donors, quantities, strict=True))
    pairs: list[tuple[str, AmountMention | None]] = []
    for quantity in quantities:
        assert quantity is not None
        preceding = [a for a in clause_actors if a.code in donors and a.start < quantity.start]
        pairs.append((preceding[-1].code if preceding else donors[0], quantity))
    return pairs


def _amount_for(quantity: AmountMention | None, donor: str) -> Amount | None:
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


def _gdp_share(view: str, clause: _Clause, lexicon: Lexicon) -> float | None:
    shares = find_gdp_shares(view, clause.start, clause.end, lexicon)
    return shares[0].percent if shares else None


# --- time --------------------------------------------------------------------------------------


def _timing(
    view: str,
    clause: _Clause,
    quantity: AmountMention | None,
    money: list[AmountMention],
    clause_dates: list[DateMention],
    shared_dates: list[DateMention],
    estimate: bool,
    record_type: str,
    context: _Context,
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
    clause: _Clause,
    quantity: AmountMention | None,
    clause_dates: list[DateMention],
    shared_dates: list[DateMention],
    context: _Context,
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


def _in_relative_clause(view: str, mention: DateMention, clause: _Clause) -> bool:
    """'training Ukrainian sappers, which began in 2022': that date is not the record's."""
    before = view[max(clause.start, mention.start - 40) : mention.start]
    return bool(_RELATIVE_START.search(before))


def _remember_events(view: str, start: int, end: int, dates: list[DateMention], context: _Context) -> None:
    days = [d.value for d in dates if d.kind == "point" and d.value and len(d.value) == 10]
    if not days:
        return
    context.last_day = days[-1]
    text = view[start:end].lower()
    if re.search(r"conference|summit|meeting|visit|forum|signing", text):
        context.events.append((text, days[0]))


def _resolve_anaphora(mention: DateMention, context: _Context) -> str | None:
    if not mention.event:
        return context.last_day
    words = [w for w in re.findall(r"[a-z]+", mention.event.lower()) if w not in ("the", "of", "a", "an")]
    for text, day in reversed(context.events):
        if all(w in text for w in words):
            return day
    return None


# --- context ----------------------------------------------------------------------------------


def _update_donor(view: str, actors: list[ActorMention], records: list[Record], context: _Context) -> None:
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


def _dedupe(records: list[Record]) -> list[Record]:
    seen: set[tuple[object, ...]] = set()
    kept = []
    for record in records:
        key = (
            record.type,
            record.donor,
            record.recipient,
            record.amount,
            record.subtype,
            record.evidence.start,
        )
        if key in seen:
            continue
        seen.add(key)
        kept.append(record)
    return kept
