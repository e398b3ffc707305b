"""The plain data that stages pass to each other.

Field names mirror the extraction contract (docs/records.md) exactly, `type` included.
Every type here is a frozen dataclass: stages derive new values, they never mutate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

RecordType = Literal["aid", "sanction", "refugees", "agreement", "diplomacy"]
Category = Literal["financial", "humanitarian", "military", "mixed"]
Stage = Literal["pledged", "delivered"]

RECORD_TYPES: tuple[str, ...] = ("aid", "sanction", "refugees", "agreement", "diplomacy")
CATEGORIES: tuple[str, ...] = ("financial", "humanitarian", "military", "mixed")
STAGES: tuple[str, ...] = ("pledged", "delivered")
SUBTYPES: dict[str, tuple[str, ...]] = {
    "aid": ("grant", "loan", "guarantee", "debt_relief", "credit_line", "in_kind", "training"),
    "sanction": (
        "asset_freeze",
        "export_ban",
        "import_ban",
        "financial_restriction",
        "trade_status",
        "multiple",
    ),
    "agreement": ("security", "economic", "partnership"),
    "diplomacy": ("visit", "conference"),
    "refugees": (),
}
COUNT_UNITS: tuple[str, ...] = ("people", "entities", "agreements", "items", "firms", "tonnes")


@dataclass(frozen=True, slots=True, kw_only=True)
class Span:
    """Character offsets [start, end) into Document.text, and the text they cover."""

    start: int
    end: int
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "text": self.text}


@dataclass(frozen=True, slots=True, kw_only=True)
class Amount:
    """A quantity: money (ISO 4217 code as written) or a count (people, entities, ...)."""

    value: float  # fully expanded: 4.5e9, never 4.5
    unit: str
    approx: bool = False

    @property
    def is_money(self) -> bool:
        return self.unit not in COUNT_UNITS

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "unit": self.unit, "approx": self.approx}


@dataclass(frozen=True, slots=True, kw_only=True)
class Document:
    """One document as aidtrace read it. Evidence offsets count characters of `text`."""

    doc_id: str
    text: str
    title: str | None = None
    publisher: str | None = None
    url: str | None = None
    published: str | None = None  # YYYY-MM-DD; relative dates resolve against it
    source: str | None = None  # the path it was read from, if any
    format: str = "text"  # text | html | pdf


@dataclass(frozen=True, slots=True, kw_only=True)
class Record:
    """One support measure as one sentence of one document asserts it (the contract's unit)."""

    doc_id: str
    type: RecordType
    donor: str
    recipient: str
    evidence: Span
    category: Category | None = None
    subtype: str | None = None
    stage: Stage | None = None
    aggregate: bool = False
    amount: Amount | None = None
    date: str | None = None  # YYYY-MM-DD | YYYY-MM | YYYY; None when the sentence gives none
    period: tuple[str, str] | None = None
    part_of: Amount | None = None  # the whole this amount is a component of (value and unit; approx unused)
    channel: str | None = None
    items: tuple[str, ...] = ()
    gdp_share: float | None = None  # extension: "0.13% of its GDP" -> 0.13 (percent)

    def to_dict(self) -> dict[str, Any]:
        """The contract's JSON shape (docs/records.md), plus the `gdp_share` extension."""
        return {
            "doc_id": self.doc_id,
            "type": self.type,
            "donor": self.donor,
            "recipient": self.recipient,
            "category": self.category,
            "subtype": self.subtype,
            "stage": self.stage,
            "aggregate": self.aggregate,
            "amount": self.amount.to_dict() if self.amount else None,
            "date": self.date,
            "period": list(self.period) if self.period else None,
            "part_of": {"value": self.part_of.value, "unit": self.part_of.unit} if self.part_of else None,
            "channel": self.channel,
            "items": list(self.items),
            "evidence": self.evidence.to_dict(),
            "gdp_share": self.gdp_share,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Record:
        amount = data.get("amount")
        period = data.get("period")
        whole = data.get("part_of")
        evidence = data["evidence"]
        return cls(
            doc_id=str(data["doc_id"]),
            type=data["type"],
            donor=data["donor"],
            recipient=data["recipient"],
            evidence=Span(start=evidence["start"], end=evidence["end"], text=evidence["text"]),
            category=data.get("category"),
            subtype=data.get("subtype"),
            stage=data.get("stage"),
            aggregate=bool(data.get("aggregate", False)),
            amount=Amount(**amount) if amount else None,
            date=data.get("date"),
            period=(period[0], period[1]) if period else None,
            part_of=Amount(value=whole["value"], unit=whole["unit"]) if whole else None,
            channel=data.get("channel"),
            items=tuple(data.get("items") or ()),
            gdp_share=data.get("gdp_share"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Failure:
    """A document that could not be read or processed, and why."""

    source: str  # the path (or doc_id) that failed
    error: str  # the exception class name, e.g. "UnreadableDocument"
    message: str  # what went wrong and what to do
    doc_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "doc_id": self.doc_id,
            "error": self.error,
            "message": self.message,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class DocumentResult:
    """What extraction made of one document: its records, or the reason it failed."""

    source: str
    doc: Document | None = None
    records: tuple[Record, ...] = ()
    failure: Failure | None = None


@dataclass(slots=True, kw_only=True)
class RunSummary:
    """Counts for the line that ends a run."""

    documents: int = 0
    failed: int = 0
    records: int = 0
    unchanged: int = 0  # ingest: documents already stored with the same text and extractor
    run_id: str | None = None
    failures: list[Failure] = field(default_factory=list)

    def merge(self, other: RunSummary) -> None:
        """Add another run's counts (several folders ingested as one job)."""
        self.documents += other.documents
        self.failed += other.failed
        self.records += other.records
        self.unchanged += other.unchanged
        self.failures.extend(other.failures)
        self.run_id = other.run_id

    def add(self, result: DocumentResult) -> None:
        self.documents += 1
        if result.failure:
            self.failed += 1
            self.failures.append(result.failure)
        self.records += len(result.records)


def check_evidence(doc: Document, record: Record) -> None:
    """Raise if a record's evidence does not quote the document at its offsets (a bug)."""
    quoted = doc.text[record.evidence.start : record.evidence.end]
    if quoted != record.evidence.text:
        raise ValueError(
            f"record {record.type}/{record.donor} in {doc.doc_id}: evidence "
            f"[{record.evidence.start}, {record.evidence.end}) quotes {quoted!r}, "
            f"not {record.evidence.text!r}; this is a bug in the extractor"
        )
