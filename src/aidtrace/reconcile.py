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
conflict listing both values and their sources. Running totals (aggregates) are measures of
their own kind and never merge with single measures.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from aidtrace.queries import NOT_REJECTED
from aidtrace.store import Store
from aidtrace.store.writes import replace_measures

ROUNDING = 0.02
HEDGED = 0.12
NEAR_DAYS = 45


@dataclass(slots=True, eq=False)
class _Cluster:
    position: int  # its place in the group's list of measures
    mentions: list[dict[str, Any]] = field(default_factory=list)
    conflict: bool = False


def reconcile(store: Store) -> int:
    """Recompute every measure from the stored records (less those a reviewer rejected);
    returns how many measures exist."""
    rows = store.query(
        f"""SELECT r.*, d.published FROM records r JOIN documents d ON d.doc_id = r.doc_id
            WHERE {NOT_REJECTED} ORDER BY r.donor, r.type, r.doc_id, r.position"""
    )
    measures, links, conflicts = build_measures(rows)
    replace_measures(store, measures, links, conflicts)
    return len(measures)


def build_measures(
    rows: list[dict[str, Any]],
) -> tuple[list[dict[str, Any]], list[tuple[str, str]], list[tuple[str, str, str, str]]]:
    """Measures, (measure_id, record_id) links and conflicts for a list of record rows."""
    groups: dict[tuple[Any, ...], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        row["_items"] = (
            frozenset(json.loads(row["items"])) if row.get("items") not in (None, "[]") else frozenset()
        )
        groups[(row["donor"], row["recipient"], row["type"], row["aggregate"])].append(row)
    measures, links, conflicts = [], [], []
    for group in groups.values():
        for cluster in _cluster(group):
            measure, measure_conflicts = _measure(cluster)
            measures.append(measure)
            links += [(measure["measure_id"], m["record_id"]) for m in cluster.mentions]
            conflicts += measure_conflicts
    return measures, links, conflicts


def _cluster(group: list[dict[str, Any]]) -> list[_Cluster]:
    clusters: list[_Cluster] = []
    index = _Index()
    undated: list[dict[str, Any]] = []
    for row in sorted(group, key=_information, reverse=True):
        if not (row["date"] or row["period_end"]):
            undated.append(row)
            continue
        candidates = [clusters[i] for i in index.candidates(row)]
        fits = [c for c in candidates if all(_agree(row, m) for m in c.mentions)]
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
    # an undated mention joins the measure it fits that its own document can be reporting:
    # dated on or before the document's publication, the most recent of them when it states
    # a figure or an agreement; otherwise only a measure that is the single one it fits
    for row in undated:
        if row["amount_value"] is None and row["type"] not in ("agreement", "diplomacy"):
            pool: Iterable[int] = ()  # figureless aid, sanctions, refugees need a shared date
        else:
            pool = index.candidates(row) if row["amount_value"] is not None else range(len(clusters))
        fits = [clusters[i] for i in pool if all(_agree(row, m) for m in clusters[i].mentions)]
        known = [c for c in fits if _reportable(c, row["published"])]
        if len(fits) == 1:
            target = fits[0]
        elif known and (row["amount_value"] is not None or row["type"] == "agreement"):
            target = max(known, key=lambda c: _earliest(c) or "")
        else:
            target = _Cluster(len(clusters))
            clusters.append(target)
        target.mentions.append(row)
        index.add(row, target.position)
    return clusters


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
                keys += [("am", unit, b, m) for b in near for m in range(month - 2, month + 3)]
                keys += [("ayo", unit, b, y) for b in near for y in (year, year + 1)]
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
            if when and len(when) >= 7:
                keys += [("am", unit, bucket, _month(when)), ("ay", unit, bucket, int(when[:4]))]
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


def _reportable(cluster: _Cluster, published: str | None) -> bool:
    """Whether a document published then can report the measure (dated before it, or
    within a month and a half after: "last month" in a later text)."""
    earliest = _earliest(cluster)
    if earliest is None or published is None:
        return False
    return (_day(earliest) - _day(published)).days <= NEAR_DAYS


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
    if a["aggregate"]:
        return amounts is True and _periods_overlap(a, b)
    if amounts is True:
        return _dates_agree(a["date"], b["date"], exact_amounts=_exact(a, b))
    if a["type"] in ("agreement", "diplomacy") and a["amount_value"] is None and b["amount_value"] is None:
        return _dates_agree(a["date"], b["date"], exact_amounts=False)
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


def _items(row: dict[str, Any]) -> frozenset[str]:
    return row["_items"]  # type: ignore[no-any-return]


def _same_act(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """One dated act reported with figures that disagree: a conflict, not two measures."""
    if a["aggregate"] or a["doc_id"] == b["doc_id"] or not _attributes_agree(a, b):
        return False  # one document giving two figures the same day reports two measures
    if a["amount_value"] is None or b["amount_value"] is None or _amounts_agree(a, b) is not False:
        return False
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
        tolerance = HEDGED  # two currencies: rates and roundings differ
    else:
        return False
    return bool(abs(x - y) <= tolerance * max(abs(x), abs(y)))


def _exact(a: dict[str, Any], b: dict[str, Any]) -> bool:
    x, y = float(a["amount_value"]), float(b["amount_value"])
    return bool(a["amount_unit"] == b["amount_unit"] and abs(x - y) <= 1e-9 * max(x, y))


def _dates_agree(x: str | None, y: str | None, *, exact_amounts: bool) -> bool:
    if not x or not y or x.startswith(y) or y.startswith(x):
        return True
    if exact_amounts and _covers_next_year(x, y):
        return True  # "pledged last December ... $4.5 billion for 2024"
    if len(x) >= 7 and len(y) >= 7:
        return abs((_day(x) - _day(y)).days) <= NEAR_DAYS
    return False


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


def _measure(cluster: _Cluster) -> tuple[dict[str, Any], list[tuple[str, str, str, str]]]:
    mentions = cluster.mentions
    ids = sorted(m["record_id"] for m in mentions)
    measure_id = "m" + hashlib.sha256(json.dumps(ids).encode()).hexdigest()[:16]
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
    measure = {
        "measure_id": measure_id,
        "type": mentions[0]["type"],
        "donor": mentions[0]["donor"],
        "recipient": mentions[0]["recipient"],
        "category": category,
        "subtype": best("subtype"),
        "stage": best("stage", rank=lambda m: (m["stage"] == "delivered", _information(m))),
        "aggregate": mentions[0]["aggregate"],
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
        "sort_date": dated or (period_from["period_end"] if period_from else None),
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
