"""Reconciliation. In: every stored record (mention). Out: measures, each listing its mentions,
with attributes from its best mentions and conflicts where sources disagree.

Two mentions report the same measure when donor, recipient, type and the aggregate flag
agree, nothing they state contradicts the other, and they share enough to be one act:
- both state amounts that agree within rounding (2%), or within 12% when either is hedged
  ("nearly $12 billion" and "$12.1 billion"), compared in USD when both convert, else in
  the same unit; and their dates agree: one refines the other ("2023-03" and
  "2023-03-21"), they lie within 45 days, or, with exactly equal amounts, a pledge is dated
  by its announcement and by the year it covers ("2023-12" and "2024");
- agreements and visits without figures: same subtype and agreeing dates;
- aid, sanctions and refugees without figures: the same day, or the same month and a
  shared subtype, channel or item; a figure on one side only needs the same day too;
- subtypes never differ, nor channels of figureless mentions; periods of running totals
  overlap.
Mentions join measures greedily, most informative first, and a mention joins a measure
only if it agrees with every mention already in it, so an undated "security agreement"
cannot chain two different accords together; undated mentions come last and join only a
measure that is the single one they fit. Two mentions of one dated act whose figures disagree ("$4.5
billion" and "$5.5 billion" for the same package on the same day) form one measure with a
conflict listing both values and their sources.

Different acts stay apart, the same act is joined:
- two mentions of one stage dated to different days more than SAME_ACT_DAYS apart are
  different acts even with equal figures (tranches a month apart); a pledge and a later
  delivery of the same figure (within DELIVERY_DAYS) are one act, stage disagreement kept;
- running totals join only running totals of the same figure whose as-of dates agree:
  two stated as-of dates (period ends) must be the same; two exact figures "to date" (the
  period ends at publication) must be equal and reported within SAME_ACT_DAYS ($12.1
  billion in February and again in June are two as-of points); a hedged one ("over $12
  billion") joins the report it restates up to RESTATED_DAYS later;
- a single of the very (non-round) figure of a running total told up to RESTATED_DAYS before
  is that total restated ("assistance worth $7.6 billion"), and joins it;
- a package flagged as a running total by one source and as single by another joins it when
  the figures agree and the single mention is dated (or, undated, published) near the
  running total's as-of date (PACKAGE_DAYS); the measure takes the majority's flag (ties:
  single) and records the disagreement.
Every merged measure lists which attributes its mentions agreed on (`agreement`).

Then each measure gets its counting status (`status`): `rejected` (every mention rejected
by review), `running_total`, `collective` (a figure of a body made of members' shares:
COLLECTIVE donors; or one sentence's figure given to several donors together), `part_of`
(a mention states it as a component of a larger amount of the same donor, and a counted
measure has that amount: `part_of_measure`), else `counted`; a component of a running
total or of a collective figure stays counted (those are not summed). Sums use
only counted measures (counting.py), and every running total reported is compared with them
(coverage conflicts). A record that cannot be placed (bad data) is recorded as a failure
and reconciliation goes on without it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from aidtrace import counting
from aidtrace.model import Failure
from aidtrace.store import Store, reconciling
from aidtrace.store.writes import replace_measures

log = logging.getLogger(__name__)

ROUNDING = 0.02
EXACT = 0.005  # two exact running totals are one figure only when equal to this
HEDGED = 0.12
CONVERTED = 0.07  # two exact figures in two currencies, each at the rate of its own date
NEAR_DAYS = 45  # a rounded figure in an undated mention restates a measure this recent only
AHEAD_DAYS = 2  # an undated mention reports a measure dated up to this long after publication (time zones)
SAME_ACT_DAYS = 10  # two reports of one act may date it a few days apart (announced, signed)
DELIVERY_DAYS = 550  # a pledge delivered later: the same act
PACKAGE_DAYS = 90  # a package one source calls a running total is reported near its announcement
RESTATED_DAYS = 300  # a running total repeated unchanged: the same report
COLLECTIVE = ("G7", "NATO")  # bodies whose figures are made of members' shares
ATTRIBUTES = ("amount", "date", "stage", "aggregate", "subtype", "channel", "category", "period")

Row = dict[str, Any]
Conflict = tuple[str, str, str, str]
Progress = Callable[[int, int], None]  # (done, total)


@dataclass(slots=True, eq=False)
class _Cluster:
    position: int  # its place in the group's list of measures
    mentions: list[Row] = field(default_factory=list)
    conflict: bool = False


@dataclass(slots=True)
class Reconciled:
    """What reconciliation makes of the records: measures, (measure_id, record_id) links,
    conflicts (figures and coverage) and the records it could not place."""

    measures: list[Row] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)


def reconcile(store: Store, *, progress: Progress | None = None) -> int:
    """Recompute every measure from the stored records, in this process (those a reviewer
    rejected form measures of status `rejected`); returns how many measures exist. `progress`,
    if given, is called with (groups done, groups) as build_measures clusters each group.
    Holds the reconciliation lock (one at a time per database) and clears the pending
    groups it has seen (see reconcile_blocks.py for the incremental and parallel runs)."""
    with reconciling.lock(store):
        seen = reconciling.pending(store)  # before the records: a later write stays pending
        rows = store.query(reconciling.ROWS + " ORDER BY r.donor, r.type, r.doc_id, r.position")
        result = build_measures(rows, progress=progress)
        for failure in result.failures:
            log.warning("reconciliation left out %s: %s", failure.source, failure.message)
        with store.transaction():
            reconciling.hold_writes(store)
            replace_measures(store, result.measures, result.links, result.conflicts, result.failures)
            reconciling.clear_pending(store, seen)
    return len(result.measures)


def build_measures(
    rows: list[Row], *, progress: Progress | None = None, context: Iterable[Row] = ()
) -> Reconciled:
    """Measures, links, conflicts and failures for a list of record rows (see the module
    docstring): 1. check each row, 2. cluster each group, 3. build measures, 4. statuses,
    5. coverage conflicts. `progress(done, total)` is called after each group (donor,
    recipient, type) is clustered. `context`: rows of other donors in the same sentences,
    read only to tell joint figures (when `rows` are some donors' records)."""
    result, built = cluster_measures(rows, progress=progress, context=context)
    result.conflicts += coverage_conflicts(result.measures, built)
    return result


def cluster_measures(
    rows: list[Row], *, progress: Progress | None = None, context: Iterable[Row] = ()
) -> tuple[Reconciled, dict[str, _Cluster]]:
    """Steps 1 to 4 of build_measures, and each measure's cluster: everything but coverage,
    which compares a donor's running totals with all its counted aid."""
    result = Reconciled()
    groups: dict[tuple[Any, ...], list[Row]] = defaultdict(list)
    checked = []
    for row in rows:
        problem = _problem(row)
        if problem:
            result.failures.append(_failure(row, "InvalidRecord", problem))
        else:
            checked.append(row)
    _mark_joint(checked + [row for row in context if not _problem(row)])
    for row in checked:
        row["_items"] = (
            frozenset(json.loads(row["items"])) if row.get("items") not in (None, "[]") else frozenset()
        )
        rejected = row.get("review_status") == "rejected"
        groups[(row["donor"], row["recipient"], row["type"], rejected)].append(row)
    clusters: list[_Cluster] = []
    for done, group in enumerate(groups.values(), 1):
        clusters += _cluster(group, result.failures)
        if progress:
            progress(done, len(groups))
    built: dict[str, _Cluster] = {}
    for cluster in clusters:
        try:
            measure, measure_conflicts = _measure(cluster)
        except Exception as err:  # noqa: BLE001  # one bad measure must not stop the others
            result.failures += [_failure(m, type(err).__name__, str(err)) for m in cluster.mentions]
            continue
        built[measure["measure_id"]] = cluster
        result.measures.append(measure)
        result.links += [(measure["measure_id"], m["record_id"]) for m in cluster.mentions]
        result.conflicts += measure_conflicts
    _statuses(result.measures, built)
    return result, built


def _mark_joint(rows: list[Row]) -> None:
    """Mark the mentions of a figure that one sentence gives to several donors together
    ("Japan and Norway provided $760 million"): a joint figure, collective, not each donor's
    own (unless the sentence says "each")."""
    donors: dict[tuple[Any, ...], set[str]] = defaultdict(set)

    def key(row: Row) -> tuple[Any, ...]:
        return (row["doc_id"], row["evidence_start"], row["type"], row["amount_value"], row["amount_unit"])

    for row in rows:
        if row["amount_value"] is not None:
            donors[key(row)].add(row["donor"])
    for row in rows:
        shared = row["amount_value"] is not None and len(donors[key(row)]) > 1
        row["_joint"] = shared and not EACH.search(row.get("evidence_text") or "")


EACH = re.compile(r"\beach\b", re.IGNORECASE)


def _problem(row: Row) -> str | None:
    """Why a row cannot be reconciled (a date that is no date, an amount that is no number), or None."""
    for key in ("date", "period_start", "period_end"):
        value = row.get(key)
        if value:
            try:
                _day(str(value))
            except ValueError:
                return f"{key} {value!r} is not a YYYY, YYYY-MM or YYYY-MM-DD date"
    for key in ("amount_value", "value_usd", "part_of_value"):
        value = row.get(key)
        if value is not None and not (isinstance(value, int | float) and math.isfinite(value)):
            return f"{key} {value!r} is not a finite number"
    return None


def _failure(row: Row, error: str, problem: str) -> Failure:
    return Failure(
        source=str(row.get("record_id")),
        doc_id=row.get("doc_id"),
        error=error,
        message=f"record {row.get('record_id')} of {row.get('doc_id')} could not be reconciled: {problem}; "
        "it is in no measure until the record is corrected (review it, or re-extract the document)",
    )


def _cluster(group: list[Row], failures: list[Failure]) -> list[_Cluster]:
    clusters: list[_Cluster] = []
    index = _Index()
    undated: list[Row] = []
    for row in sorted(group, key=_information, reverse=True):
        if not (row["date"] or row["period_end"]):
            undated.append(row)
            continue
        try:
            _place_dated(row, clusters, index)
        except Exception as err:  # noqa: BLE001  # one record that cannot be placed is recorded
            failures.append(_failure(row, type(err).__name__, str(err)))
    for row in undated:
        try:
            _place_undated(row, clusters, index)
        except Exception as err:  # noqa: BLE001
            failures.append(_failure(row, type(err).__name__, str(err)))
    return _merge_restatements(clusters)


def _merge_restatements(clusters: list[_Cluster]) -> list[_Cluster]:
    """Singles that restate a running total (`_restates_cluster`), placed before the total was,
    join it afterwards: the result does not depend on the order mentions came in."""
    totals = [c for c in clusters if c.mentions and any(m["aggregate"] for m in c.mentions)]
    if not totals:
        return clusters
    by_figure: dict[tuple[Any, float], list[_Cluster]] = defaultdict(list)
    for cluster in totals:
        for m in cluster.mentions:
            if m["amount_value"] is not None and not m["amount_approx"]:
                by_figure[(m["amount_unit"], float(m["amount_value"]))].append(cluster)
    kept = []
    for cluster in clusters:
        singles = cluster.mentions
        first = singles[0] if singles else None
        if first is None or first["aggregate"] or first["amount_value"] is None or cluster.conflict:
            kept.append(cluster)
            continue
        homes = [
            home
            for home in by_figure.get((first["amount_unit"], float(first["amount_value"])), [])
            if all(_restates_cluster(m, home) for m in singles)
        ]
        if homes and all(not m["aggregate"] for m in singles):
            homes[0].mentions.extend(singles)
        else:
            kept.append(cluster)
    for position, cluster in enumerate(kept):
        cluster.position = position
    return kept


def _restates_cluster(row: Row, cluster: _Cluster) -> bool:
    """A single that restates a running total joins its measure even when the measure also
    holds hedged reports of the total ("more than $7 billion"): it restates one of its exact
    figures and agrees with the others' amounts."""
    totals = [m for m in cluster.mentions if m["aggregate"]]
    restating = [m for m in cluster.mentions if not m["aggregate"]]
    return (
        bool(totals)
        and all(any(_restated_total(t, m) for t in totals) for m in restating)
        and any(_restated_total(m, row) for m in totals)
        and all(_amounts_agree(m, row) is not False and _attributes_agree(m, row) for m in cluster.mentions)
    )


def _place_dated(row: Row, clusters: list[_Cluster], index: _Index) -> None:
    candidates = [clusters[i] for i in index.candidates(row)]
    fits = [c for c in candidates if all(_agree(row, m) for m in c.mentions)]
    if not fits and not row["aggregate"]:
        fits = [c for c in candidates if _restates_cluster(row, c)]
    clash = [c for c in candidates if all(_same_act(row, m) for m in c.mentions)] if not fits else []
    if fits:
        target = fits[0]
    elif clash:
        target = clash[0]
        target.conflict = True
    else:
        target = _Cluster(len(clusters))
        clusters.append(target)
    target.mentions.append(row)
    index.add(row, target.position)


def _place_undated(row: Row, clusters: list[_Cluster], index: _Index) -> None:
    """An undated mention joins the measure it fits that its own document can be reporting:
    dated on or before the document's publication, the most recent of them when it states a
    figure or an agreement; otherwise only a measure that is the single one it fits."""
    if row["amount_value"] is None and row["type"] not in ("agreement", "diplomacy"):
        pool: Iterable[int] = ()  # figureless aid, sanctions, refugees need a shared date
    else:
        pool = index.candidates(row) if row["amount_value"] is not None else range(len(clusters))
    fits = [clusters[i] for i in pool if all(_agree(row, m) for m in clusters[i].mentions)]
    if not fits and not row["aggregate"] and row["amount_value"] is not None:
        fits = [clusters[i] for i in pool if _restates_cluster(row, clusters[i])]
    known = [c for c in fits if _restatable(c, row)]
    if len(fits) == 1 and known:
        target = fits[0]
    elif known and (row["amount_value"] is not None or row["type"] == "agreement"):
        target = max(known, key=lambda c: _earliest(c) or "")
    else:
        target = _Cluster(len(clusters))
        clusters.append(target)
    target.mentions.append(row)
    index.add(row, target.position)


class _Index:
    """Blocking: the measures a mention could agree with, so that reconciling millions of
    records compares each only with measures of a similar amount (figures must agree) or,
    for mentions without figures, of a nearby month (or the same year when a date is only a
    year)."""

    def __init__(self) -> None:
        self._keys: dict[tuple[Any, ...], set[int]] = defaultdict(set)

    def add(self, row: dict[str, Any], cluster: int) -> None:
        for key in self._row_keys(row):
            self._keys[key].add(cluster)

    def candidates(self, row: dict[str, Any]) -> list[int]:
        keys: list[tuple[Any, ...]] = []
        when = row["date"] or row["period_end"]
        for unit, bucket in _buckets(row):
            near = (bucket - 1, bucket, bucket + 1)
            if not when or row["aggregate"]:  # undated, or a running total: any agreeing figure
                keys += [("a", unit, b) for b in near]
            elif len(when) >= 7:  # agreeing figure and date: within two months, or the year it covers
                month, year = _month(when), int(when[:4])
                if not row["amount_approx"] and not _round(float(row["amount_value"] or 0)):
                    # a running total it restates ("assistance worth $7.6 billion"), up to a year before
                    keys += [("t", unit, b, y) for b in near for y in (year - 1, year)]
                keys += [("am", unit, b, m) for b in near for m in range(month - 2, month + 3)]
                keys += [("ayo", unit, b, y) for b in near for y in (year, year + 1)]
                if row["stage"] == "delivered":  # the pledge it delivers, up to a year before
                    keys += [("as", "pledged", unit, b, y) for b in near for y in (year - 1, year)]
                elif row["stage"] == "pledged":  # its delivery, up to a year later; its signing
                    keys += [("as", "delivered", unit, b, y) for b in near for y in (year, year + 1)]
                    keys += [("as", "pledged", unit, b, y) for b in near for y in (year - 1, year)]
            else:  # a year only: any date in that year, or late in the year before
                year = int(when[:4])
                keys += [("ay", unit, b, y) for b in near for y in (year, year - 1)]
                keys += [("ayo", unit, b, year) for b in near]
        if when and keys:
            keys += [("day", when), ("month", _month(when))] if len(when) >= 7 else []
        elif when and len(when) >= 7:  # no figure: a nearby month, or a year-only date
            month = _month(when)
            keys += [("month", near) for near in range(month - 2, month + 3)]
            keys += [("year-only", int(when[:4])), ("year-only", int(when[:4]) + 1)]
        elif when:
            keys += [("year", int(when[:4])), ("year", int(when[:4]) - 1)]
        found: set[int] = set()
        for key in keys:
            found.update(self._keys.get(key, ()))
        return sorted(found)

    @staticmethod
    def _row_keys(row: dict[str, Any]) -> list[tuple[Any, ...]]:
        keys: list[tuple[Any, ...]] = []
        when = row["date"] or row["period_end"]
        for unit, bucket in _buckets(row):
            keys.append(("a", unit, bucket))
            if row["aggregate"] and when:
                keys.append(("t", unit, bucket, int(when[:4])))
            if when and len(when) >= 7:
                keys += [("am", unit, bucket, _month(when)), ("ay", unit, bucket, int(when[:4]))]
                if row["stage"] in ("pledged", "delivered"):
                    keys.append(("as", row["stage"], unit, bucket, int(when[:4])))
            elif when:
                keys.append(("ayo", unit, bucket, int(when[:4])))
        if when:
            keys.append(("year", int(when[:4])))
            if len(when) >= 7:
                keys += [("month", _month(when)), ("day", when)]
            else:
                keys.append(("year-only", int(when[:4])))
        return keys


def _buckets(row: dict[str, Any]) -> list[tuple[str, int]]:
    """(unit, bucket) pairs a figure is indexed under: its USD value when it converts (for
    comparisons across currencies) and its value as written (same currency)."""
    pairs = []
    usd = _bucket(row)
    if usd is not None:
        pairs.append(("USD" if row["value_usd"] is not None else row["amount_unit"], usd))
    raw = _bucket(row, raw=True)
    if raw is not None and row["value_usd"] is not None and row["amount_unit"] != "USD":
        pairs.append((row["amount_unit"], raw))
    return pairs


def _month(when: str) -> int:
    return int(when[:4]) * 12 + int(when[5:7]) - 1


def _bucket(row: dict[str, Any], *, raw: bool = False) -> int | None:
    """A log-scale bucket of the amount (about 15% wide): agreeing figures share or neighbour one."""
    value = row["amount_value"] if raw or row["value_usd"] is None else row["value_usd"]
    if value is None or value <= 0:
        return None
    return math.floor(math.log(value) / 0.14)


def _reportable(cluster: _Cluster, published: str | None, *, ahead: bool = False) -> bool:
    """Whether a document published then can report the measure: dated before it (a day or
    two after, across time zones), or, told as to come ("will provide", "to pledge"), up to
    NEAR_DAYS after."""
    earliest = _earliest(cluster)
    if earliest is None or published is None:
        return False
    return (_day(earliest) - _day(published)).days <= (NEAR_DAYS if ahead else AHEAD_DAYS)


# "Japan to pledge ¥15.8 billion": an announcement ahead of the act
_AHEAD = re.compile(
    r"\b(?:will|shall|is\s+to|are\s+to|set\s+to|expected\s+to|plans?\s+to)\b|"
    r"^[^.]{0,80}\bto\s+(?:pledge|provide|give|send|offer|announce|sign|deliver|lend|grant|donate|supply|commit)\b",
    re.IGNORECASE,
)


def _restatable(cluster: _Cluster, row: Row) -> bool:
    """Whether an undated mention can restate the one measure it fits: one reported before its
    document was published, with the very figure (a rounded one - "$465 million" beside "$470
    million" - only within NEAR_DAYS: an old measure near in size is not the new one)."""
    if _earliest(cluster) is None:
        return True  # undated both: nothing tells them apart
    ahead = bool(_AHEAD.search(row.get("evidence_text") or ""))
    if row["published"] is None or not _reportable(cluster, row["published"], ahead=ahead):
        return False
    if row["amount_value"] is None or any(
        m["amount_value"] is not None and _exact(row, m) for m in cluster.mentions
    ):
        return True
    earliest = _earliest(cluster)
    return earliest is None or abs((_day(row["published"]) - _day(earliest)).days) <= NEAR_DAYS


def _earliest(cluster: _Cluster) -> str | None:
    dates = [m["date"] or m["period_end"] for m in cluster.mentions if m["date"] or m["period_end"]]
    return min(dates) if dates else None


def _information(row: dict[str, Any]) -> tuple[int, int, int]:
    """How much a mention says: date precision, an amount, a subtype or channel."""
    precision = len(row["date"] or row["period_end"] or "")
    return (precision, int(row["amount_value"] is not None), int(bool(row["subtype"] or row["channel"])))


def _agree(a: dict[str, Any], b: dict[str, Any]) -> bool:
    if a["doc_id"] == b["doc_id"] and a["evidence_start"] == b["evidence_start"]:
        return False  # one sentence's several records are several measures by construction
    if not _attributes_agree(a, b):
        return False
    amounts = _amounts_agree(a, b)
    if amounts is False:
        return False
    if _whole_of(a, b) or _whole_of(b, a):
        return False  # "about $950 million" and "a loan of $900 million" of it: two amounts
    if _categories_differ(a, b) and not (amounts and _exact(a, b)):
        return False  # humanitarian aid of "about ¥12 billion" is not a ¥13 billion loan
    if bool(a["aggregate"]) != bool(b["aggregate"]):
        return _one_package(a, b) or _restated_total(a, b)
    if a["aggregate"]:
        return amounts is True and _periods_overlap(a, b) and _as_of_agree(a, b)
    if amounts is True:
        return _dates_agree(a, b, exact_amounts=_exact(a, b))
    if a["type"] in ("agreement", "diplomacy") and a["amount_value"] is None and b["amount_value"] is None:
        return _dates_agree(a, b, exact_amounts=False)
    # aid, sanctions and refugees without figures on both sides (or a figure on one only):
    # the same act only when dated alike and sharing a detail
    same_day = bool(a["date"] and a["date"] == b["date"] and len(a["date"]) == 10)
    same_month = bool(
        a["date"]
        and b["date"]
        and a["date"][:7] == b["date"][:7]
        and len(a["date"]) >= 7
        and len(b["date"]) >= 7
    )
    shared = any(a[k] and a[k] == b[k] for k in ("subtype", "channel")) or bool(_items(a) & _items(b))
    if amounts is None and (a["amount_value"] is None) != (b["amount_value"] is None):
        return same_day and shared
    return same_day or (same_month and shared)


def _whole_of(whole: dict[str, Any], part: dict[str, Any]) -> bool:
    """Whether a mention's amount is the whole another mention is stated as a part of."""
    value = part.get("part_of_value")
    if value is None or whole["amount_value"] is None or part.get("part_of_unit") != whole["amount_unit"]:
        return False
    return bool(abs(whole["amount_value"] - value) <= ROUNDING * max(abs(value), 1.0))


def _categories_differ(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Both mentions name a category and they are not the same (mixed agrees with any)."""
    x, y = a.get("category"), b.get("category")
    return bool(x and y and x != y and "mixed" not in (x, y))


def _items(row: dict[str, Any]) -> frozenset[str]:
    return row["_items"]  # type: ignore[no-any-return]


def _same_act(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """One dated act reported with figures that disagree: a conflict, not two measures."""
    if a["aggregate"] or b["aggregate"] or a["doc_id"] == b["doc_id"] or not _attributes_agree(a, b):
        return False  # one document giving two figures the same day reports two measures
    if a["amount_value"] is None or b["amount_value"] is None or _amounts_agree(a, b) is not False:
        return False
    if a.get("part_of_value") is not None or b.get("part_of_value") is not None:
        return False  # a component and its whole (or another component) on one day are two amounts
    day = a["date"] and len(a["date"]) == 10 and a["date"] == b["date"]
    month = (
        a["date"]
        and a["date"] == b["date"]
        and len(a["date"]) == 7
        and a["subtype"]
        and a["subtype"] == b["subtype"]
    )
    return bool(day or month)


def _attributes_agree(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Subtypes never differ; channels differ only between mentions without figures (two
    reports of one loan may name different channels); categories are judgements and may."""
    keys = ("subtype", "channel") if a["amount_value"] is None or b["amount_value"] is None else ("subtype",)
    return not any(a[key] and b[key] and a[key] != b[key] for key in keys)


def _amounts_agree(a: dict[str, Any], b: dict[str, Any]) -> bool | None:
    """True or False when both state an amount, None when one does not."""
    if a["amount_value"] is None or b["amount_value"] is None:
        return None
    hedged = a["amount_approx"] or b["amount_approx"]
    if a["amount_unit"] == b["amount_unit"]:  # the same currency: compare as written, not at two rates
        x, y = a["amount_value"], b["amount_value"]
        tolerance = HEDGED if hedged else ROUNDING
    elif a["value_usd"] is not None and b["value_usd"] is not None:
        x, y = a["value_usd"], b["value_usd"]
        # two currencies: rates and roundings differ; a figure of one significant digit ("$3
        # billion" for ¥471.9 billion) is a conversion rounded as loosely as a hedge
        rounded = _round(float(a["amount_value"])) or _round(float(b["amount_value"]))
        tolerance = HEDGED if hedged or rounded else CONVERTED
    else:
        return False
    return bool(abs(x - y) <= tolerance * max(abs(x), abs(y)))


def _exact(a: dict[str, Any], b: dict[str, Any], *, tolerance: float = 1e-9) -> bool:
    x, y = float(a["amount_value"]), float(b["amount_value"])
    return bool(a["amount_unit"] == b["amount_unit"] and abs(x - y) <= tolerance * max(x, y))


def _dates_agree(a: Row, b: Row, *, exact_amounts: bool) -> bool:
    x, y = a["date"], b["date"]
    if not x or not y or x.startswith(y) or y.startswith(x):
        return True
    if exact_amounts and _covers_next_year(x, y):
        return True  # "pledged last December ... $4.5 billion for 2024"
    if len(x) >= 7 and len(y) >= 7:
        gap = abs((_day(x) - _day(y)).days)
        if _pledged_then_delivered(a, b) or (exact_amounts and _signed_later(a, b)):
            return gap <= DELIVERY_DAYS  # a package pledged, later reported delivered or signed
        return gap <= SAME_ACT_DAYS  # equal tranches a month apart are two acts
    return False


def _pledged_then_delivered(a: Row, b: Row) -> bool:
    """One mention pledges, the other reports the delivery on the same day or later."""
    pledge, delivery = (a, b) if a["stage"] == "pledged" else (b, a)
    if pledge["stage"] != "pledged" or delivery["stage"] != "delivered":
        return False
    return bool(_day(delivery["date"]) >= _day(pledge["date"]))


_SIGNED = re.compile(r"\bsign(?:s|ed|ing)?\b", re.IGNORECASE)


def _signed_later(a: Row, b: Row) -> bool:
    """A pledge and, later, the signing of an agreement for the very same figure ("agreed to
    lend ¥471.9 billion" in October; "signed a loan agreement of ¥471.9 billion" in April)."""
    early, late = (a, b) if _day(a["date"]) <= _day(b["date"]) else (b, a)
    return bool(
        early["stage"] == late["stage"] == "pledged"
        and _SIGNED.search(late.get("evidence_text") or "")
        and not _SIGNED.search(early.get("evidence_text") or "")
    )


def _one_package(a: Row, b: Row) -> bool:
    """One source flags a figure as a running total, another as a single package: the same
    act when the figures agree (in one currency, or two hedged ones in USD) and the single
    mention is dated (to the month or day; undated: published) within PACKAGE_DAYS of the
    running total's as-of date, as a package reported when it was announced is. A figure
    repeated months later ("$12 billion in all") is not the package: it is a later total."""
    total, single = (a, b) if a["aggregate"] else (b, a)
    if not _amounts_agree(a, b):
        return False
    if total["amount_unit"] != single["amount_unit"] and not (a["amount_approx"] and b["amount_approx"]):
        return False  # an exact figure in another currency ("€600m" and "$600m") is another act
    as_of = total["period_end"] or total["date"] or total.get("published")
    when = single["date"] or single.get("published")  # undated: when it was reported
    if not when or not as_of:
        return False
    if len(when) < 7:
        return False  # a year is too coarse to tell a package from a running total
    gap = (_day(when) - _day(as_of)).days
    if single["date"] and gap > AHEAD_DAYS:
        return False  # a total told before a package was announced cannot be that package
    return abs(gap) <= PACKAGE_DAYS


def _restated_total(a: Row, b: Row) -> bool:
    """A single mention of the very figure of an earlier running total, and not a round one
    ("will provide assistance worth $7.6 billion" months after "$7.6 billion ... to date"): the
    total restated, not a new package of exactly that size."""
    total, single = (a, b) if a["aggregate"] else (b, a)
    if total["amount_unit"] != single["amount_unit"] or not _exact(a, b, tolerance=EXACT):
        return False
    if total["amount_approx"] or single["amount_approx"] or _round(float(total["amount_value"])):
        return False
    as_of = total["period_end"] or total["date"] or total.get("published")
    when = single["date"] or single.get("published")
    if not as_of or not when:
        return False
    return bool(0 <= (_day(when) - _day(as_of)).days <= RESTATED_DAYS)


def _round(value: float) -> bool:
    """One significant digit ("$1 billion", "€300 million"): a size new packages often have."""
    if value <= 0:
        return True
    scale = 10.0 ** math.floor(math.log10(value))
    return bool(abs(value / scale - round(value / scale)) < 1e-9)


def _as_of_agree(a: Row, b: Row) -> bool:
    """Two running totals are one report: stated ends agree (one refines the other); two
    exact figures are the same figure reported for the same day (within SAME_ACT_DAYS),
    since an exact total states the sum at its date and the same sum at a later date is
    another as-of point; a hedged one ("over $12 billion") is a bound a source repeats
    until the next total, and joins the report it restates up to RESTATED_DAYS later."""
    x, y = a["period_end"] or a["date"], b["period_end"] or b["date"]
    if not x or not y:
        return True
    if _stated_end(a) and _stated_end(b):
        return bool(x.startswith(y) or y.startswith(x))
    gap = abs((_day(x) - _day(y)).days)
    if a["amount_approx"] or b["amount_approx"]:
        return gap <= RESTATED_DAYS
    if a["amount_unit"] == b["amount_unit"] and not _exact(a, b, tolerance=EXACT):
        return False  # "$12 billion" and "$12.1 billion": two sources' counts
    return gap <= SAME_ACT_DAYS


def _stated_end(row: Row) -> bool:
    """Whether a running total's period ends at a date the sentence states (not "to date")."""
    end, published = row["period_end"], row.get("published")
    return bool(end and published and not published.startswith(end))


def _covers_next_year(x: str, y: str) -> bool:
    """A year-only date and an announcement late in the year before it ("2024", "2023-12")."""
    year, other = (x, y) if len(x) == 4 else (y, x) if len(y) == 4 else (None, None)
    if year is None or other is None or len(other) < 7:
        return False
    return int(other[:4]) == int(year) - 1 and int(other[5:7]) >= 10


def _periods_overlap(a: dict[str, Any], b: dict[str, Any]) -> bool:
    if not (a["period_start"] and b["period_start"]):
        return True
    return _day(a["period_start"]) <= _day(b["period_end"] or "9999") and _day(b["period_start"]) <= _day(
        a["period_end"] or "9999"
    )


def _day(text: str) -> date:
    text = text[:10]
    if len(text) == 4:
        text += "-01-01"
    elif len(text) == 7:
        text += "-01"
    return date.fromisoformat(text)


# --- a measure from its mentions ----------------------------------------------------------------
# --- a measure from its mentions ----------------------------------------------------------------


def _measure(cluster: _Cluster) -> tuple[dict[str, Any], list[tuple[str, str, str, str]]]:
    mentions = cluster.mentions
    measure_id = _measure_id(mentions)
    provenance: dict[str, str] = {}

    def best(key: str, rank: Any = None) -> Any:
        candidates = [m for m in mentions if m[key] not in (None, "")]
        if not candidates:
            return None
        if rank is not None:
            chosen = max(candidates, key=rank)
        else:  # the most common value; ties go to the most informative mention
            counts = Counter(m[key] for m in candidates)
            chosen = max(candidates, key=lambda m: (counts[m[key]], _information(m)))
        provenance[key] = chosen["record_id"]
        return chosen[key]

    dated = best("date", rank=lambda m: (len(m["date"]), m["date"]))
    amount_from = _amount_mention(mentions)
    if amount_from is not None:
        provenance["amount"] = amount_from["record_id"]
    period_from = max((m for m in mentions if m["period_end"]), key=lambda m: m["period_end"], default=None)
    if period_from is not None:
        provenance["period"] = period_from["record_id"]
    category = best("category")
    if category and any(m["category"] not in (None, category) for m in mentions):
        category = "mixed" if any(m["category"] == "mixed" for m in mentions) else category
    year_text = dated or (period_from["period_end"] if period_from else None)
    flagged = sum(bool(m["aggregate"]) for m in mentions)
    restating = sum(
        not m["aggregate"] and any(o["aggregate"] and _restated_total(o, m) for o in mentions)
        for m in mentions
    )
    # the majority's flag (a tie is a single measure); singles restating a total count as it
    aggregate = int(2 * (flagged + restating) > len(mentions))
    placed_on, placed_by, delivered_on = _placements(mentions, dated, period_from)
    measure = {
        "measure_id": measure_id,
        "type": mentions[0]["type"],
        "donor": mentions[0]["donor"],
        "recipient": mentions[0]["recipient"],
        "category": category,
        "subtype": best("subtype"),
        "stage": best("stage", rank=lambda m: (m["stage"] == "delivered", _information(m))),
        "aggregate": aggregate,
        "amount_value": amount_from["amount_value"] if amount_from else None,
        "amount_unit": amount_from["amount_unit"] if amount_from else None,
        "amount_approx": amount_from["amount_approx"] if amount_from else None,
        "value_usd": amount_from["value_usd"] if amount_from else None,
        "value_eur": amount_from["value_eur"] if amount_from else None,
        "date": dated,
        "period_start": period_from["period_start"] if period_from else None,
        "period_end": period_from["period_end"] if period_from else None,
        "channel": best("channel"),
        "year": int(year_text[:4]) if year_text else None,
        "mentions": len(mentions),
        "conflicts": int(cluster.conflict),
        "provenance": json.dumps(provenance, sort_keys=True),
        "sort_date": placed_on,
        "status": "rejected" if mentions[0].get("review_status") == "rejected" else "counted",
        "part_of_measure": None,
        "agreement": json.dumps(_agreement(mentions, cluster.conflict), sort_keys=True)
        if len(mentions) > 1
        else None,
        "placed_on": placed_on,
        "placed_by": placed_by,
        "delivered_on": delivered_on,  # set when a mention reports the delivery (stage delivered)
    }
    conflicts = _conflicts(measure_id, mentions) if cluster.conflict else []
    measure["conflicts"] = len(conflicts)
    return measure, conflicts


def _amount_mention(mentions: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The amount from the most precise mention: stated exactly, converted, most often said."""
    with_amount = [m for m in mentions if m["amount_value"] is not None]
    if not with_amount:
        return None
    counts = Counter((m["amount_value"], m["amount_unit"]) for m in with_amount)
    return max(
        with_amount,
        key=lambda m: (
            not m["amount_approx"],
            counts[(m["amount_value"], m["amount_unit"])],
            m["value_usd"] is not None,
        ),
    )


def _conflicts(measure_id: str, mentions: list[dict[str, Any]]) -> list[tuple[str, str, str, str]]:
    values = [
        {
            "value": m["amount_value"],
            "unit": m["amount_unit"],
            "approx": bool(m["amount_approx"]),
            "record_id": m["record_id"],
            "doc_id": m["doc_id"],
        }
        for m in mentions
        if m["amount_value"] is not None
    ]
    if len({(v["value"], v["unit"]) for v in values}) < 2:
        return []
    conflict_id = "c" + hashlib.sha256((measure_id + "amount").encode()).hexdigest()[:16]
    return [(conflict_id, measure_id, "amount", json.dumps(values, sort_keys=True))]


def _placements(
    mentions: list[Row], dated: str | None, period_from: Row | None
) -> tuple[str | None, str | None, str | None]:
    """The day a measure counts as committed (and how it was chosen), and the day it counts
    as delivered: a pledge later reported delivered is committed from the pledge's date and
    delivered from the delivery's (or the delivery report's publication)."""
    pledges = [m for m in mentions if m["stage"] != "delivered"]
    deliveries = [m for m in mentions if m["stage"] == "delivered"]
    # committed from the first precise date (a pledge later signed counts from the pledge)
    when = _precise(m["date"] for m in (pledges or mentions)) or dated
    period_end = period_from["period_end"] if period_from else None
    placed_on, placed_by = counting.placement(when, period_end, _first(mentions))
    delivered_on = None
    if deliveries:
        delivered_on = counting.placement(
            _precise(m["date"] for m in deliveries), period_end, _first(deliveries)
        )[0]
    return placed_on, placed_by, delivered_on


def _precise(dates: Iterable[str | None]) -> str | None:
    """The most precise date, the earliest of equally precise ones."""
    given = [d for d in dates if d]
    return min(given, key=lambda d: (-len(d), d)) if given else None


def _first(mentions: list[Row]) -> str | None:
    published = [m["published"] for m in mentions if m.get("published")]
    return min(published) if published else None


def _measure_id(mentions: list[Row]) -> str:
    ids = sorted(m["record_id"] for m in mentions)
    return "m" + hashlib.sha256(json.dumps(ids).encode()).hexdigest()[:16]


def _agreement(mentions: list[Row], conflict: bool) -> dict[str, Any]:
    """Which attributes the mentions of a merged measure agreed on, and the values of those
    they did not (with the mention that said each): a pledge later reported delivered, a
    package one source called a running total."""
    agreed: list[str] = []
    disagreed: dict[str, list[Row]] = {}
    for attribute in ATTRIBUTES:
        said = [(m, _said(m, attribute)) for m in mentions]
        said = [(m, v) for m, v in said if v is not None]
        if not said:
            continue
        values = [v for _m, v in said]
        if attribute == "amount":
            same = not conflict
        elif attribute in ("date", "period"):
            same = all(str(x).startswith(str(y)) or str(y).startswith(str(x)) for x in values for y in values)
        else:
            same = len(set(map(str, values))) == 1
        if same:
            agreed.append(attribute)
        else:
            disagreed[attribute] = [
                {"value": v, "record_id": m["record_id"], "doc_id": m["doc_id"]} for m, v in said
            ]
    return {"agreed": agreed, "disagreed": disagreed}


def _said(mention: Row, attribute: str) -> Any:
    if attribute == "amount":
        return None if mention["amount_value"] is None else [mention["amount_value"], mention["amount_unit"]]
    if attribute == "aggregate":
        return bool(mention["aggregate"])
    if attribute == "period":
        return mention["period_end"]
    value = mention[attribute]
    return value if value not in (None, "") else None


# --- counting status ---------------------------------------------------------------------------


def _statuses(measures: list[Row], clusters: dict[str, _Cluster]) -> None:
    """Set each measure's status (see the module docstring) and the whole it is part of."""
    for measure in measures:
        if measure["status"] == "rejected":
            continue
        if measure["aggregate"]:
            measure["status"] = "running_total"
        elif measure["donor"] in COLLECTIVE or any(
            m.get("_joint") for m in clusters[measure["measure_id"]].mentions
        ):
            measure["status"] = "collective"
    wholes = _Wholes((m for m in measures if m["status"] != "rejected"), clusters)
    for measure in measures:
        if measure["status"] != "counted":
            continue
        whole = wholes.find(measure, clusters[measure["measure_id"]].mentions)
        if whole is None:
            continue
        measure["part_of_measure"] = whole["measure_id"]
        if whole["status"] == "counted":
            measure["status"] = "part_of"  # a share of a running total or a collective figure stays counted


class _Wholes:
    """Measures by donor, type and amount as written, to find the whole a component names."""

    def __init__(self, measures: Iterable[Row], clusters: dict[str, _Cluster]) -> None:
        self._by: dict[tuple[Any, ...], list[Row]] = defaultdict(list)
        self._docs = {mid: {m["doc_id"] for m in c.mentions} for mid, c in clusters.items()}
        for m in measures:
            if m["amount_value"] is not None and m["amount_value"] > 0:
                self._by[(m["donor"], m["recipient"], m["type"], m["amount_unit"])].append(m)

    def find(self, part: Row, mentions: list[Row]) -> Row | None:
        """The measure whose amount is the `part_of` a mention states (within rounding),
        larger than the part: one its own documents report first, else the nearest in time."""
        for mention in mentions:
            value, unit = mention.get("part_of_value"), mention.get("part_of_unit")
            if value is None or not unit:
                continue
            found = [
                m
                for m in self._by.get((part["donor"], part["recipient"], part["type"], unit), [])
                if m["measure_id"] != part["measure_id"]
                and abs(m["amount_value"] - value) <= ROUNDING * max(m["amount_value"], value)
                and _larger(m, part)
            ]
            if found:
                docs = {m["doc_id"] for m in mentions}
                return min(
                    found,
                    key=lambda m: (
                        not (self._docs[m["measure_id"]] & docs),
                        _distance(m, part),
                        m["measure_id"],
                    ),
                )
        return None


def _larger(whole: Row, part: Row) -> bool:
    if part["amount_value"] is None:
        return True
    if whole["amount_unit"] == part["amount_unit"]:
        return bool(whole["amount_value"] > part["amount_value"] * (1 + ROUNDING))
    if whole["value_usd"] is not None and part["value_usd"] is not None:
        return bool(whole["value_usd"] > part["value_usd"])
    return True


def _distance(a: Row, b: Row) -> int:
    if not (a["placed_on"] and b["placed_on"]):
        return 10**6
    return abs((_day(a["placed_on"]) - _day(b["placed_on"])).days)


# --- coverage -------------------------------------------------------------------------------------


def coverage_conflicts(measures: list[Row], clusters: dict[str, _Cluster]) -> list[Conflict]:
    """A conflict on each running total of aid that the computed sum of counted measures
    (same donor, span, category, basis) misses by more than counting.COVERAGE."""
    by_donor: dict[str, list[Row]] = defaultdict(list)
    for m in measures:
        if m["type"] == "aid" and m["status"] in ("counted", "running_total"):
            by_donor[m["donor"]].append(m)
    conflicts: list[Conflict] = []
    for group in by_donor.values():
        totals = [m for m in group if m["status"] == "running_total"]
        if not totals:
            continue
        cumulative = counting.Cumulative(m for m in group if m["status"] == "counted")
        mentions = [
            {**mention, "measure_id": m["measure_id"]}
            for m in totals
            for mention in clusters[m["measure_id"]].mentions
            if mention["aggregate"]
        ]
        for point in counting.reported_points(mentions):
            compared = counting.compare(point, cumulative)
            if compared["coverage"] is None:
                continue
            details = {**point, **compared, "kind": compared["coverage"], "reported_usd": point["value_usd"]}
            key = point["measure_id"] + "coverage" + point["as_of"]
            conflict_id = "c" + hashlib.sha256(key.encode()).hexdigest()[:16]
            conflicts.append(
                (conflict_id, point["measure_id"], "coverage", json.dumps(details, sort_keys=True))
            )
    counts = Counter(c[1] for c in conflicts)
    for m in measures:
        m["conflicts"] += counts.get(m["measure_id"], 0)
    return conflicts
