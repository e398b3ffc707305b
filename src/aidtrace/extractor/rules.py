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
from collections import Counter
from dataclasses import replace
from datetime import date
from functools import cache
from itertools import pairwise

from aidtrace.extractor import syntax
from aidtrace.extractor.actors import ActorMention, find_actors
from aidtrace.extractor.amounts import AmountMention, find_amounts
from aidtrace.extractor.attributes import Attributes, amount_for, count_fits, gdp_share_of, is_concrete
from aidtrace.extractor.clauses import (
    Clause,
    Trigger,
    clause_type,
    find_triggers,
    is_back_reference,
    is_unreal,
    signed_in_person,
    split_clauses,
)
from aidtrace.extractor.context import NON_DONORS, Context, count_ukraine
from aidtrace.extractor.dates import INVASION, DateMention, find_dates
from aidtrace.extractor.donors import HOST_PREP, find_donors, find_targets, is_for_ukraine, update_donor
from aidtrace.extractor.lexicon import Lexicon, load_lexicon
from aidtrace.extractor.parts import SPLIT, whole_from_context, wholes
from aidtrace.extractor.sentences import clean, split_sentences
from aidtrace.extractor.timing import in_relative_clause, record_timing, remember_events
from aidtrace.model import Amount, Document, Record, Span


def warm_up(text: str) -> None:
    """Load what the extractor loads once per process (the word lists and their compiled
    patterns; the tagger, before a text holding a form it must confirm), so that the first
    document does not pay for it within its time budget."""
    _compiled_once()
    if load_lexicon().tagger_forms().search(text):
        syntax.warm()


@cache
def _compiled_once() -> None:
    extract_records(Document(doc_id="warm-up", text=_WARM_UP_TEXT, published="2024-01-01"))


# a text that reaches every pattern the extractor compiles lazily
_WARM_UP_TEXT = (
    "Japan pledged $1 million and 20 generators to Ukraine on 5 March 2024, bringing its total to "
    "$2 million so far. Japan froze the assets of 12 Russian individuals. Poland hosts 900,000 "
    "refugees. The package includes:\n- €5 million for demining.\nKishida visited Kyiv."
)


def extract_records(doc: Document, lexicon: Lexicon | None = None) -> list[Record]:
    """Every record the document asserts, in reading order."""
    lexicon = lexicon or load_lexicon()
    syntax.forget()  # tagged sentences are kept for one document only
    view = clean(doc.text)
    published = _parse_published(doc.published)
    mentions = count_ukraine(view, lexicon)
    context = Context(
        published=published,
        ukraine_doc=mentions > 0,
        ukraine_strong=mentions >= 3 and mentions * 250 >= len(view.split()),
        russia_doc=bool(re.search(r"\bRussi|\bMoscow\b|\bKremlin\b|\bBelarus", view)),
    )
    records: list[Record] = []
    sentences = split_sentences(view)
    when = published.isoformat() if published else None
    actors = {(s, e): find_actors(view, s, e, lexicon, when=when) for s, e in sentences}
    context.donor = _main_actor([a for found in actors.values() for a in found])
    syntax.STATS["sentences"] += len(sentences)
    # the cascade: sentences holding a form the tagger must confirm are tagged together
    candidates = lexicon.tagger_forms()
    syntax.prepare([view[s:e] for s, e in sentences if candidates.search(view, s, e)])
    for start, end in sentences:
        found = _sentence_records(doc, view, start, end, actors[start, end], context, lexicon)
        if _is_heading(view, start, end):
            # a headline asserts a measure only with its actor named in it (contract, ruling 7)
            named = {a.code for a in actors[start, end]}
            found = [r for r in found if r.donor in named]
        records.extend(found)
    return _one_figure_one_reading(records, context)


def _one_figure_one_reading(records: list[Record], context: Context) -> list[Record]:
    """Within one document a donor's figure is one thing: when one sentence shows it to be a
    sum of earlier support ("the $7.6 billion pledge includes offers made on his March 21
    visit"), its other mentions there ("deliver assistance worth $7.6 billion") are that
    total too, not a new package."""
    if not context.summed_figures or context.published is None:
        return records
    period = (f"{INVASION:%Y-%m}", context.published.isoformat())
    totals = {(r.donor, v, u): period for r in records for v, u in context.summed_figures}
    read = []
    for record in records:
        key = (record.donor, record.amount.value, record.amount.unit) if record.amount else None
        if key in totals and not record.aggregate and record.part_of is None and record.type == "aid":
            record = replace(record, aggregate=True, period=totals[key], date=None)
        read.append(record)
    return read


# "The $7.6 billion pledge includes offers made by the prime minister on his March 21 visit"
_EARLIER_PARTS = re.compile(
    r"\s+(?:\w+\s+){0,2}?(?:offers?|pledges?|commitments?|aid|assistance|funds?|packages?|support)\s+"
    r"(?:\w+\s+){0,3}?(?:made|announced|pledged|promised|provided|given|committed|extended)\s+"
    r"(?:by|on|in|during|at|earlier|previously|since|last|before)\b",
    re.IGNORECASE,
)


def _note_summed_figures(
    view: str, triggers: list[Trigger], end: int, amounts: list[AmountMention], context: Context
) -> None:
    """A figure that includes support made earlier is a sum of earlier support."""
    for trigger in triggers:
        if "include" in trigger.classes and _EARLIER_PARTS.match(view, trigger.end, end):
            for amount in amounts:
                if amount.kind == "money" and amount.end <= trigger.start:
                    context.summed_figures.add((amount.amount.value, amount.amount.unit))


def _main_actor(actors: list[ActorMention]) -> str | None:
    """The state the document is mostly about, the discourse donor before any sentence names
    one ("The Government is increasing its support ..." in a ministry's release): the actor
    named most often, if it is named at least three times and twice as often as the next."""
    counts = Counter(a.code for a in actors if a.code not in NON_DONORS and a.kind != "channel").most_common(
        2
    )
    if not counts or counts[0][1] < 3 or (len(counts) > 1 and counts[0][1] < 2 * counts[1][1]):
        return None
    return counts[0][0]


def _is_heading(view: str, start: int, end: int) -> bool:
    """A line of its own without closing punctuation, not a list item: a headline or heading
    ("Norway allocates NOK 7.5 billion for Ukraine", "Pinned: Dutch PM signs pact in Kharkiv").
    Headlines are read like sentences; only their donor must be named in them."""
    whole_line = (start == 0 or view[start - 1] == "\n") and (end == len(view) or view[end] == "\n")
    if not whole_line or view[end - 1] in ".!?:;\"'" or _is_bullet(view, start):
        return False
    return len(view[start:end].split()) <= 20


def _parse_published(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _sentence_records(
    doc: Document,
    view: str,
    start: int,
    end: int,
    sentence_actors: list[ActorMention],
    context: Context,
    lexicon: Lexicon,
) -> list[Record]:
    dateline = _DATELINE.match(view, start, end)
    # "WARSAW, Poland -- South Korea's president ...": where the story was filed acts in nothing
    actors = [a for a in sentence_actors if not dateline or a.start >= dateline.end()]
    dates = find_dates(view, start, end, context.published)
    remember_events(view, start, end, dates, context)
    triggers = [
        t for t in find_triggers(view, start, end, lexicon) if not _describes_a_thing(view, t, actors)
    ]
    sentence_text = view[start:end]
    context.ukraine_here = bool(count_ukraine(sentence_text, lexicon))
    context.estimate_here = bool(lexicon.term_pattern("estimate").search(sentence_text))
    if context.ukraine_here:
        context.ukraine_recent = 0
    else:
        context.ukraine_recent += 1
    records: list[Record] = []
    named = any(a.code not in NON_DONORS and a.kind != "channel" for a in actors)
    dateline_end = dateline.end() if dateline else start
    if _is_bullet(view, start) and context.lead_in is not None and not (triggers and named):
        # an item of a list names no actor of its own: it carries on its lead-in (ruling 4),
        # whatever verb it holds ("4. $220 million under THRIVE, to make spending efficient")
        listed = _bullet_records(doc, view, start, end, context, lexicon)
        if listed or not triggers:
            return listed
    lead_in = sentence_text.rstrip().endswith(":") or bool(
        re.search(r"\b(?:includ\w*|following|as follows|comprises?|consists? of)\W*$", sentence_text)
    )
    lead: Record | None = None
    if triggers and not _is_excluded_sentence(view, start, end, lexicon) and not _is_citation(sentence_text):
        amounts = find_amounts(view, start, end, lexicon)
        parts = wholes(view, [a for a in amounts if a.kind == "money"])  # once per sentence
        _note_summed_figures(view, triggers, end, amounts, context)
        clauses = split_clauses(view, start, end, triggers)
        previous_donors: list[str] = []
        for clause in clauses:
            args = (doc, view, (start, end), clause, clauses[0].start, actors, amounts, parts, dates)
            made, donors = _clause_records(*args, previous_donors, context, lexicon)
            if lead_in and not made and not records and lead is None:
                unfit, _ = _clause_records(*args, previous_donors, context, lexicon, lead_only=True)
                lead = unfit[0] if unfit else None
            records.extend(made)
            previous_donors = donors or previous_donors
    records += _visit_told_in_passing(doc, view, (dateline_end, end), actors, dates, records, context)
    context.visitors.update(r.donor for r in records if r.type == "diplomacy")
    update_donor(view, actors, records, context)
    if lead_in:
        # "The package includes:" names no measure itself: its items continue a recent record
        recent = context.last_record if context.since_record <= 2 else None
        context.lead_in = records[-1] if records else lead or recent
    elif not _is_bullet(view, start):
        context.lead_in = None
    if SPLIT.search(sentence_text):
        context.split_left = 3
    elif context.split_left:
        context.split_left -= 1
    if records:
        context.last_record, context.since_record = records[-1], 0
    if any(r.amount and r.amount.is_money for r in records) and not context.split_left:
        # the figures a later "Of the total, ..." or "The package also includes ..." divides
        # (while a sum split "in two parts" is being told, the sum stays the whole)
        context.last_records = records
    else:
        context.since_record += 1
    return _dedupe(records)


# a closing clause that only reports the sentence: ", ministers announced today."
_REPORTING = re.compile(
    r",?\s*(?:[\w'-]+\s+){0,6}?(?:said|says|announced|confirmed|stated|told\s+\w+)\b[^,;]{0,40}[.!\"']*\s*$",
    re.IGNORECASE,
)


def _describes_a_thing(view: str, trigger: Trigger, actors: list[ActorMention]) -> bool:
    """'paid into NATO's fund, which finances fuel': a relative clause on a thing (a fund, a
    programme) describes it; on an actor ('Japan, which has provided ...') it asserts."""
    relative = re.search(
        # ", which finances fuel", "a fund that supplies equipment" (the verb right after "that")
        r"(,\s*)(?:which|that)\s+(?:\w+\s+){0,2}$|(\s)(?:which|that)\s+$",
        view[max(0, trigger.start - 40) : trigger.start],
    )
    if not relative:
        return False
    if "total" in trigger.classes and re.search(
        r"\b(?:support|aid|assistance|help|package|funding)[”\"’]?\s*,?\s*(?:which|that)\s+$",
        view[max(0, trigger.start - 40) : trigger.start],
    ):
        return False  # "the assistance, which totals $7.1 billion": the sum of the aid told
    comma = max(0, trigger.start - 40) + relative.start(1 if relative.group(1) is not None else 2)
    if any(comma < a.start < trigger.start for a in actors):
        return False  # "..., that Japan will deliver": a clause with its own subject, not a relative
    return not any(a.end <= comma and comma - a.end <= 2 for a in actors)


_DATELINE = re.compile(
    r"\s*[A-Z][A-Z.'-]+(?:\s+[A-Z][A-Z.'-]+)*(?:,\s*[A-Z][\w.]*(?:\s+[A-Z][\w.]*)?)?"
    r"(?:,?\s*[A-Z][a-z]{2}\.?\s+\d{1,2})?(?:\s*\([^)\n]{1,40}\))?\s*(?:--|—|–|-)\s+"
)


def _is_citation(text: str) -> bool:
    """'Source: ...', 'Photo: ...', 'Read more: ...': lines about the document, not in it."""
    return bool(
        re.match(
            r"(?:Sources?|Photo|Image|Credit|Read more|See also|Related|Via|Note|Footnote|Reference)s?\s*:",
            text,
        )
    )


def _is_bullet(view: str, start: int) -> bool:
    """A list item: a marker at its start ("- ", "2) "), a marker alone on the line before (pages
    that put the dash on a line of its own), or a line of its own ending in a semicolon."""
    if re.match(r"[-•*–]\s|\d{1,2}[.)]\s|\(\d{1,2}\)\s|\([a-z]\)\s", view[start : start + 5]):
        return True
    line_start = view.rfind("\n", 0, start) + 1
    if view[line_start:start].strip():
        return False  # not the start of a line
    previous = view[view.rfind("\n", 0, max(0, line_start - 1)) + 1 : max(0, line_start - 1)]
    if re.fullmatch(r"\s*[-•*–]\s*", previous):
        return True
    line_end = view.find("\n", start)
    return view[start : line_end if line_end >= 0 else len(view)].rstrip().endswith(";")


def _bullet_records(
    doc: Document, view: str, start: int, end: int, context: Context, lexicon: Lexicon
) -> list[Record]:
    """'- NOK 1 billion for humanitarian aid': a list item carries on its lead-in's record."""
    lead = context.lead_in
    assert lead is not None
    units = ("items", "tonnes") if lead.type == "aid" else ("people", "entities", "firms", "items")
    amounts = [
        a
        for a in find_amounts(view, start, end, lexicon)
        if (a.kind == "money" and lead.type == "aid") or (a.kind == "count" and a.amount.unit in units)
    ]
    if not amounts or lead.type not in ("aid", "sanction"):
        return []
    clause = Clause(
        start,
        end,
        [Trigger(start, start, frozenset({"pledge" if lead.stage == "pledged" else "deliver"}), "")],
    )
    clause_actors = find_actors(view, start, end, lexicon, when=None)
    attrs = Attributes(view, clause, lead.type, None, clause_actors, lexicon)
    # "- Five individuals with links to the Belarusian Armed Forces": the targets the item names
    named = [a.code for a in clause_actors if a.code in ("RUS", "BLR")]
    targets = list(dict.fromkeys(named)) if lead.type == "sanction" and named else [lead.recipient]
    dates = [d for d in find_dates(view, start, end, context.published) if d.kind == "point"]
    evidence = Span(start=start, end=end, text=doc.text[start:end])
    return [
        Record(
            doc_id=doc.doc_id,
            type=lead.type,
            donor=lead.donor,
            recipient=target,
            evidence=evidence,
            category=(attrs.category or lead.category) if lead.type == "aid" else None,  # type: ignore[arg-type]
            subtype=attrs.subtype or (lead.subtype if lead.type == "sanction" else None),
            stage=lead.stage,
            amount=_entities(amount_for(a, lead.donor), lead.type),
            part_of=_part_of_lead(a, lead),
            date=dates[0].value if dates else None,  # an item with no time of its own has none
            channel=attrs.channel,
            items=attrs.items,
        )
        for a in amounts
        for target in targets
    ]


def _part_of_lead(item: AmountMention | None, lead: Record) -> Amount | None:
    """'Japan pledged $5 billion, including:' / '- $2 billion for energy': an item's figure is a
    component of the lead-in's (ruling 3), so the whole is not counted twice."""
    whole = lead.part_of or lead.amount
    if item is None or item.kind != "money" or whole is None or not whole.is_money:
        return None
    if whole.unit == item.amount.unit and whole.value <= item.amount.value:
        return None
    return Amount(value=whole.value, unit=whole.unit)


def _entities(amount: Amount | None, record_type: str) -> Amount | None:
    """Listed firms are entities in a sanction (ruling 5)."""
    if amount and record_type == "sanction" and amount.unit == "firms":
        return replace(amount, unit="entities")
    return amount


_PERCENT = re.compile(r"\d\s*(?:%|per\s*cent\b|percent\b)", re.IGNORECASE)
_POLL = re.compile(
    r"\b(?:polls?|polled|survey(?:ed|s)?|respondents|voters|Democrats|Republicans|approval|"
    r"support\s+for|opposed|in\s+favou?r)\b",
    re.IGNORECASE,
)
# "a response to the sanctions imposed by the American authorities": the cause of another act
_CAUSE = r"\b(?:response|reaction|retaliation|retaliatory\s+measures?|countermeasures?|answer)\s+(?:to|for|against)\b"
_IN_ANSWER_TO = re.compile(_CAUSE + r"[^.;]{0,100}$", re.IGNORECASE)
_ANSWER_TO = re.compile(_CAUSE, re.IGNORECASE)


def _is_excluded_sentence(view: str, start: int, end: int, lexicon: Lexicon) -> bool:
    text = view[start:end]
    if text.rstrip("\"' ").endswith("?"):
        return True  # a question asserts nothing
    if re.match(r"\W*(?:If|Should|Were|Unless|Whether|Had)\b", text):
        return True  # a condition and its consequence: "Should the assets earn more, ..."
    if _PERCENT.search(text) and _POLL.search(text):
        return True  # an opinion poll: "support for military aid stood at 52%"
    return bool(lexicon.term_pattern("need").search(text))


def _clause_records(
    doc: Document,
    view: str,
    sentence: tuple[int, int],
    clause: Clause,
    first_clause_start: int,
    actors: list[ActorMention],
    amounts: list[AmountMention],
    parts: dict[int, AmountMention],
    dates: list[DateMention],
    previous_donors: list[str],
    context: Context,
    lexicon: Lexicon,
    lead_only: bool = False,
) -> tuple[list[Record], list[str]]:
    """The records of one clause; with `lead_only`, also a record without concrete content,
    for a list's lead-in ("He listed the amounts Japan provided as follows:") to lend its
    donor, stage and type to the items."""
    giving = [t for t in clause.triggers if t.classes & {"pledge", "deliver"}]
    if lead_only and giving:  # "listed the amounts Norway provided": the giving verb leads
        clause = Clause(
            clause.start, clause.end, [giving[0], *(t for t in clause.triggers if t is not giving[0])]
        )
    trigger = clause.triggers[0]
    text = view[clause.start : clause.end]
    sentence_text = view[sentence[0] : sentence[1]]
    if _IN_ANSWER_TO.search(view, max(sentence[0], trigger.start - 160), trigger.start):
        return [], []
    clause_amounts = [a for a in amounts if clause.start <= a.start < clause.end]
    kind = clause_type(view, clause, actors, clause_amounts, lexicon, context.russia_doc)
    if lead_only and giving:
        kind = ("aid", None)  # "the amounts Japan provided as follows:": what is given is listed
    if kind is None or is_unreal(view, clause, lexicon):
        return [], []
    clause_actors = [a for a in actors if clause.start <= a.start < clause.end]
    donors = find_donors(view, clause, trigger, clause_actors, actors, kind, previous_donors, context)
    if not donors or is_back_reference(view, clause, clause_actors, lexicon, clause_amounts):
        return [], donors
    cause = _ANSWER_TO.search(view, trigger.end, clause.end)
    if (
        cause
        and any(a.code in donors and a.start > cause.start() for a in clause_actors)
        and not any(a.code in donors and a.start < cause.start() for a in clause_actors)
    ):
        # "The entry bans are a response to the sanctions imposed by the American authorities":
        # the donor is named only in the cause, and the act told is someone else's
        return [], donors
    record_type, subtype = kind
    money = [a for a in clause_amounts if a.kind == "money"]
    if len(money) > 1:  # "Canada is contributing C$5 billion, Britain £2.26 billion and Japan ..."
        donors = list(dict.fromkeys(donors + _listed_donors(view, trigger, clause_actors, money)))
    if record_type == "sanction":
        recipients = find_targets(clause_actors, actors, context)
    else:
        recipients = ["UKR"] if is_for_ukraine(view, clause, clause_actors, donors, context) else []
    if not recipients:
        return [], donors
    clause_dates = [
        d for d in dates if clause.start <= d.start < clause.end and not in_relative_clause(view, d, clause)
    ]
    shared_dates = [
        d
        for d in dates
        if sentence[0] <= d.start < first_clause_start
        or (d.start < clause.start and not any(t for t in clause.triggers if t.start < d.start))
        or (d.start >= clause.end and _REPORTING.match(view, clause.end, sentence[1]))
    ]
    estimate = context.estimate_here
    attrs = Attributes(view, clause, record_type, subtype, clause_actors, lexicon)
    kind_of = attrs.subtype or subtype
    counts = [
        a for a in clause_amounts if a.kind == "count" and count_fits(a.amount.unit, record_type, kind_of)
    ]
    if not lead_only and not is_concrete(
        record_type, attrs, money, counts, clause_dates or shared_dates, text
    ):
        return [], donors
    if record_type == "sanction":
        money = [
            m for m in money if not re.search(r"\b(?:whose|which|who|that)\b", view[trigger.end : m.start])
        ]
    if trigger.classes == {"include"}:
        # "The $7.6 billion figure includes $470 million for ...": the subject is the whole the
        # parts belong to, told before; the parts are the records
        money = [m for m in money if m.start > trigger.start]
    # one record per figure: every money amount, else every count ("4 individuals, 2 banks and 17 firms")
    quantities: list[AmountMention | None] = [*money] if money else [*counts] if counts else [None]
    records = []
    pairs = _pair(view, donors, quantities, clause_actors)
    evidence = Span(start=sentence[0], end=sentence[1], text=doc.text[sentence[0] : sentence[1]])
    gdp_share = gdp_share_of(view, clause, lexicon)
    if record_type == "refugees" and len(quantities) > 1:
        # "Germany is second with 922,000 individuals, while 502,000 have found refuge in the
        # Czech Republic": each count is hosted by the country told with it
        pairs = _distinct([(_host_of(view, q, actors) or d, q) for d, q in pairs])
    if record_type == "aid":  # "its part of the Group of Seven's $50 billion": the G7's figure
        owned = [(_owner(view, q, clause_actors) or d, q) for d, q in pairs]
        pairs = _distinct([(d, q) for d, q in owned if d not in NON_DONORS])
    for donor, quantity in pairs:
        amount = _entities(amount_for(quantity, donor), record_type)
        whole = parts.get(quantity.start) if quantity else None
        part_of = (
            amount_for(whole, donor)
            if whole
            else whole_from_context(
                sentence_text, amount, donor, context.last_records, split=context.split_left > 0
            )
            if amount and amount.is_money and record_type == "aid"
            else None
        )
        aggregate, period, record_date = record_timing(
            view,
            clause,
            quantity,
            quantities,
            clause_dates,
            shared_dates,
            estimate,
            record_type,
            context,
            lexicon,
        )
        for recipient in (
            _targets_of(quantity, recipients, clause_actors) if record_type == "sanction" else recipients
        ):
            records.append(
                Record(
                    doc_id=doc.doc_id,
                    type=record_type,  # type: ignore[arg-type]
                    donor=donor,
                    recipient=recipient,
                    evidence=evidence,
                    category=attrs.category if record_type == "aid" else None,  # type: ignore[arg-type]
                    subtype=attrs.subtype,
                    stage=_stage_of(view, quantity, trigger, clause_amounts, attrs.stage)  # type: ignore[arg-type]
                    if record_type == "aid"
                    else None,
                    aggregate=aggregate,
                    amount=amount,
                    date=None if aggregate else record_date,
                    period=period if aggregate else None,
                    part_of=replace(part_of, approx=False)
                    if part_of
                    else None,  # the whole as its record gives it
                    channel=attrs.channel,
                    items=attrs.items,
                    gdp_share=gdp_share,
                )
            )
    if record_type == "agreement" and any(r.amount and r.amount.is_money for r in records):
        records = _agreement_and_its_money(records)
    if record_type == "agreement" and signed_in_person(view, clause, clause_actors, donors, lexicon):
        for donor in donors:
            first = next(r for r in records if r.donor == donor)
            records.append(replace(first, type="diplomacy", subtype="visit", amount=None, items=()))
    return records, donors


def _agreement_and_its_money(records: list[Record]) -> list[Record]:
    """'Ukraine and Japan have signed an agreement on providing Kyiv with grant aid of over
    $100 million': the signing is an agreement (without the figure), the money it provides
    is aid pledged by the same donor."""
    agreements: dict[tuple[str, str], Record] = {}
    money = []
    for record in records:
        agreements.setdefault(
            (record.donor, record.recipient),
            replace(record, amount=None) if record.amount and record.amount.is_money else record,
        )
        if record.amount and record.amount.is_money:
            money.append(replace(record, type="aid", subtype=None, stage="pledged"))
    return [*agreements.values(), *money]


# "during Justin Trudeau's visit to Ukraine", "During the visit of Giorgia Meloni to Kyiv"
_VISIT_IN_PASSING = re.compile(
    r"\b(?i:during|on|after|at\s+the\s+end\s+of)\s+(?:(?P<own>[A-Z][\w.-]*(?:\s+[A-Z][\w.-]*){0,2})['’]s|the|his|her)\s+"
    r"(?:first\s+|surprise\s+|unannounced\s+|official\s+|state\s+|recent\s+)?(?:visit|trip)\s+"
    r"(?:of\s+(?P<of>[A-Z][\w.-]*(?:\s+[A-Z][\w.-]*){0,2})\s+)?to\s+(?:Ukraine|Kyiv|Kiev|Kharkiv|Odesa|Lviv)\b"
)


def _visit_told_in_passing(
    doc: Document,
    view: str,
    sentence: tuple[int, int],
    actors: list[ActorMention],
    dates: list[DateMention],
    records: list[Record],
    context: Context,
) -> list[Record]:
    """A leader's visit first told as the time of another act ("announced during Trudeau's
    visit to Ukraine that ..."): a visit record, once per visitor and document."""
    found: list[Record] = []
    for match in _VISIT_IN_PASSING.finditer(view, *sentence):
        span = match.span("own") if match.group("own") else match.span("of")
        visitor = next((a for a in actors if a.kind == "official" and span[0] <= a.start < span[1] + 1), None)
        if visitor is None or visitor.code in NON_DONORS or visitor.code in context.visitors:
            continue
        if any(r.type == "diplomacy" and r.donor == visitor.code for r in records + found):
            continue
        day = next((d.value for d in dates if d.kind == "point" and d.value and len(d.value) >= 7), None)
        found.append(
            Record(
                doc_id=doc.doc_id,
                type="diplomacy",
                donor=visitor.code,
                recipient="UKR",
                evidence=Span(start=sentence[0], end=sentence[1], text=doc.text[sentence[0] : sentence[1]]),
                subtype="visit",
                date=day,
            )
        )
    return found


def _stage_of(
    view: str,
    quantity: AmountMention | None,
    trigger: Trigger,
    amounts: list[AmountMention],
    stage: str | None,
) -> str | None:
    """'$37 million for drone detection, five generators handed over': the verb after another
    figure tells that figure's stage, not this one's."""
    if quantity is not None and quantity.end <= trigger.start:
        between = [
            a for a in amounts if a is not quantity and quantity.end <= a.start and a.end <= trigger.start
        ]
        gap = view[quantity.end : trigger.start]
        if between and "," in gap and not re.search(r"\b(?:and|or|as\s+well\s+as)\b", gap):
            return None  # not a list of what the verb tells ("40 tanks, 20 howitzers and 10 jets were delivered")
    return stage


def _distinct(pairs: list[tuple[str, AmountMention | None]]) -> list[tuple[str, AmountMention | None]]:
    """The pairs without repeats, in order (linear: a sentence may hold a thousand figures)."""
    seen: set[tuple[str, int | None]] = set()
    kept = []
    for donor, quantity in pairs:
        key = (donor, quantity.start if quantity else None)
        if key not in seen:
            seen.add(key)
            kept.append((donor, quantity))
    return kept


def _host_of(view: str, quantity: AmountMention | None, actors: list[ActorMention]) -> str | None:
    """The country a count of people is told with: named just before it in its own phrase
    ("Germany is second with 922,000"), or right after it with in/to ("502,000 in Spain")."""
    if quantity is None:
        return None
    best: tuple[int, str] | None = None
    for actor in actors:
        if actor.code in NON_DONORS or actor.kind not in ("country", "capital"):
            continue
        if actor.end <= quantity.start:
            gap = view[actor.end : quantity.start]
            if re.search(r"[;]|\b(?:while|whereas|and)\b|,\s", gap) or len(gap) > 60:
                continue
            distance = len(gap)
        else:
            gap = view[quantity.end : actor.start]
            if len(gap) > 60 or not HOST_PREP.search(gap) or re.search(r"[;,]", gap):
                continue
            distance = len(gap)
        if best is None or distance < best[0]:
            best = (distance, actor.code)
    return best[1] if best else None


def _owner(view: str, quantity: AmountMention | None, clause_actors: list[ActorMention]) -> str | None:
    """'as its part of the Group of Seven's $50 billion': the actor whose figure it is."""
    if quantity is None:
        return None
    for actor in clause_actors:
        if actor.kind != "adjective" and re.fullmatch(r"['’]s\s+", view[actor.end : quantity.start]):
            return actor.code
    return None


def _targets_of(
    quantity: AmountMention | None, targets: list[str], clause_actors: list[ActorMention]
) -> list[str]:
    """'18 Russian individuals and 4 Belarusian entities': a count whose own noun phrase names
    a target is aimed at that target only; other figures at every target of the clause."""
    if quantity is None or quantity.kind != "count" or len(targets) < 2:
        return targets
    own = [
        a.code for a in clause_actors if a.code in targets and quantity.start <= a.start < quantity.end + 3
    ]
    return list(dict.fromkeys(own)) or targets


def _listed_donors(
    view: str, trigger: Trigger, clause_actors: list[ActorMention], money: list[AmountMention]
) -> list[str]:
    """Donors named after the predicate, each right before its own amount."""
    return [
        a.code
        for a in clause_actors
        if a.start > trigger.end
        and a.code not in NON_DONORS
        and a.kind != "channel"
        and not _GOVERNED.search(view[max(0, a.start - 12) : a.start])  # "co-financing with the World Bank"
        and any(
            0 < m.start - a.end < 40 and not re.search(r"[.;]|\b(?:to|from)\b", view[a.end : m.start])
            for m in money
        )
    ]


_GOVERNED = re.compile(
    r"\b(?:with|via|through|under|from|by|of|in|into|for|to|towards)\s+(?:the\s+)?$", re.IGNORECASE
)


def _pair(
    view: str, donors: list[str], quantities: list[AmountMention | None], clause_actors: list[ActorMention]
) -> list[tuple[str, AmountMention | None]]:
    if (
        len(donors) == 1
        or quantities == [None]
        or (len(quantities) == 1 and _coordinated(view, donors, clause_actors))
    ):
        # one figure of donors named together ("from Japan and Norway"): each gives it jointly,
        # and reconciliation counts it as a collective figure
        return [(d, q) for d in donors for q in quantities]
    if len(donors) == len(quantities):
        return list(zip(donors, quantities, strict=True))

    pairs: list[tuple[str, AmountMention | None]] = []
    for quantity in quantities:
        assert quantity is not None
        preceding = [a for a in clause_actors if a.code in donors and a.start < quantity.start]
        pairs.append((preceding[-1].code if preceding else donors[0], quantity))
    return pairs


def _coordinated(view: str, donors: list[str], clause_actors: list[ActorMention]) -> bool:
    """Whether the donors are named side by side ("Japan and Norway", "Latvia, Estonia and
    Lithuania"), not in different roles of the clause."""
    named = [a for a in clause_actors if a.code in donors]
    if {a.code for a in named} != set(donors):
        return False
    return all(_JOINED.fullmatch(view[a.end : b.start]) for a, b in pairwise(named))


_JOINED = re.compile(r",?\s*(?:and|&|,)\s*(?:the\s+)?", re.IGNORECASE)


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
    # "pledged €50m, to be spent on demining kits": the figureless clause's items and kind join
    # the figure's record, and it is no record of its own
    merged = {id(r): r for r in kept}
    figures: dict[tuple[object, ...], list[Record]] = {}
    for other in kept:
        if other.amount is not None:
            figures.setdefault((other.type, other.donor, other.recipient, other.evidence.start), []).append(
                other
            )
    for record in kept:
        if record.amount is not None:
            continue
        same = figures.get((record.type, record.donor, record.recipient, record.evidence.start), [])
        figure = next((other for other in same if _restates(record, other)), None)
        if figure is not None:
            del merged[id(record)]
            merged[id(figure)] = replace(
                merged[id(figure)],
                items=tuple(dict.fromkeys(merged[id(figure)].items + record.items)),
                subtype=merged[id(figure)].subtype or record.subtype,
                category=merged[id(figure)].category or record.category,
            )
    return list(merged.values())


def _restates(record: Record, other: Record) -> bool:
    """A figureless record of a sentence that also states the same act with its figure ("pledged
    £2bn, to be spent on equipment"): the second clause only describes the first."""
    return (
        record.amount is None
        and record.type != "sanction"  # "froze the assets of 122 ..., and added items to ...": two acts
        and other.amount is not None
        and (record.type, record.donor, record.recipient, record.evidence.start)
        == (other.type, other.donor, other.recipient, other.evidence.start)
        # goods of its own beside the figure's goods: another act ("supplied X, and delivered 100 Y")
        and (not other.items or set(record.items) <= set(other.items))
    )
