"""What must hold for any input, whatever it holds: run one generated input through the
path a user's file would take and say what happened.

    escaped       an exception left the per-document boundary (a traceback stops the run)
    internal      recorded as a failure, but one marked "a bug in aidtrace"
    over_budget   recorded as a failure: longer than its time budget
    invalid_json  a record or failure that does not serialize as strict JSON (NaN, Infinity,
                  lone surrogates)
    slow          took longer than its budget plus a second (the budget did not bite)
    failure       recorded as a failure the user can act on (unreadable, bad metadata, ...)
    refused       a clean error for the whole command (an explicit manifest that is broken)
    records / none  read and extracted (with or without records)

The first five are findings; the fuzz tests assert there are none of the first, fourth
and fifth kinds, and the long run reports them all (docs/robustness.md).
"""

from __future__ import annotations

import json
import time
import traceback
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from aidtrace import pipeline
from aidtrace.batch.sources import LineItem
from aidtrace.batch.work import Partition, process_partition
from aidtrace.errors import ConfigError
from aidtrace.ingest import Manifest
from aidtrace.model import DocumentResult
from aidtrace.reconcile import reconcile
from aidtrace.settings import Settings
from aidtrace.store import open_store

FINDINGS = ("escaped", "internal", "over_budget", "invalid_json", "slow")
SETTINGS = Settings(seconds_per_mb=5)


@dataclass(slots=True)
class Outcome:
    kind: str
    seconds: float
    detail: str = ""


@dataclass(slots=True)
class Tally:
    """Counts of outcomes by input kind, and the findings with their inputs."""

    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    findings: list[tuple[str, Outcome, bytes]] = field(default_factory=list)
    slowest: dict[str, tuple[float, bytes]] = field(default_factory=dict)

    def add(self, source: str, outcome: Outcome, data: bytes) -> None:
        by_kind = self.counts.setdefault(source, {})
        by_kind[outcome.kind] = by_kind.get(outcome.kind, 0) + 1
        if outcome.kind in FINDINGS:
            self.findings.append((source, outcome, data[:4000]))
        if outcome.seconds > self.slowest.get(source, (0.0, b""))[0]:
            self.slowest[source] = (outcome.seconds, data[:4000])

    @property
    def total(self) -> int:
        return sum(sum(kinds.values()) for kinds in self.counts.values())


def strict_json(value: object) -> str:
    """JSON as every writer must produce it: no NaN or Infinity, encodable as UTF-8."""
    text = json.dumps(value, allow_nan=False, ensure_ascii=False)
    text.encode("utf-8")
    return text


def classify(results: Iterable[DocumentResult], seconds: float, budget: float) -> Outcome:
    """The worst outcome among one input's results."""
    kinds = []
    for result in results:
        try:
            for record in result.records:
                strict_json(record.to_dict())
            if result.failure:
                strict_json(result.failure.to_dict())
        except (ValueError, UnicodeEncodeError) as err:
            return Outcome("invalid_json", seconds, repr(err)[:300])
        if result.failure is None:
            kinds.append("records" if result.records else "none")
        elif result.failure.error == "OverBudget":
            kinds.append("over_budget")
        elif "bug in aidtrace" in result.failure.message or "bug in the extractor" in result.failure.message:
            return Outcome("internal", seconds, result.failure.message[:500])
        else:
            kinds.append("failure")
    if seconds > budget + 1.0:
        return Outcome("slow", seconds)
    for kind in ("over_budget", "failure", "records", "none"):
        if kind in kinds:
            return Outcome(kind, seconds)
    return Outcome("none", seconds)


def check_file(folder: Path, name: str, data: bytes, settings: Settings = SETTINGS) -> Outcome:
    """A document file in a folder, through `pipeline.run` as `aidtrace extract` reads it."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)
    return _timed(lambda: list(pipeline.run([folder], settings=settings)), settings, len(data))


def check_manifest(folder: Path, manifest: bytes, settings: Settings = SETTINGS) -> Outcome:
    """A manifest beside two documents (it then fails each of them, never the run), and the
    same manifest given explicitly (a broken one is a clean ConfigError)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "manifest.jsonl").write_bytes(manifest)
    for doc_id in ("a", "b"):
        (folder / f"{doc_id}.txt").write_text(f"Japan pledged $1 billion to Ukraine ({doc_id}).", "utf-8")
    beside = _timed(lambda: list(pipeline.run([folder], settings=settings)), settings, len(manifest))
    if beside.kind in FINDINGS:
        return beside
    try:
        Manifest(folder / "manifest.jsonl")
    except ConfigError:
        return Outcome("refused", beside.seconds)
    return _timed(
        lambda: list(pipeline.run([folder], manifest=folder / "manifest.jsonl", settings=settings)),
        settings,
        len(manifest),
    )


def check_line(raw: bytes, settings: Settings = SETTINGS) -> Outcome:
    """An archive line through a whole batch partition: the partition must finish, and every
    line it writes must be strict JSON."""
    item = LineItem(archive="crawl.jsonl", line=1, raw=raw)
    start = time.perf_counter()
    try:
        output = process_partition(Partition(index=0, items=(item,), fingerprint="f"), settings, None)
        for text in (output.documents, output.records, output.failures):
            for line in text.split("\n")[:-1]:  # JSON Lines end lines at "\n" only (not U+2028)
                json.loads(line, parse_constant=_refuse_constant)
    except Exception:  # noqa: BLE001 - the finding is the traceback itself
        return Outcome("escaped", time.perf_counter() - start, traceback.format_exc()[-1500:])
    seconds = time.perf_counter() - start
    if output.counts.failed:
        failure = json.loads(output.failures.split("\n")[0])
        if failure["error"] == "OverBudget":
            return Outcome("over_budget", seconds)
        if "bug in aidtrace" in failure["message"] or "bug in the extractor" in failure["message"]:
            return Outcome("internal", seconds, failure["message"][:500])
        return Outcome("failure", seconds)
    if seconds > settings.seconds_per_mb + 1.0:
        return Outcome("slow", seconds)
    return Outcome("records" if output.counts.records else "none", seconds)


def check_store(folder: Path, url: str, settings: Settings = SETTINGS) -> Outcome:
    """Everything generated so far ingested into a store, then reconciled: both must finish."""
    start = time.perf_counter()
    try:
        with open_store(url) as store:
            pipeline.ingest([folder], store, settings=settings)
            reconcile(store)
    except ConfigError:
        return Outcome("refused", time.perf_counter() - start)
    except Exception:  # noqa: BLE001 - the finding is the traceback itself
        return Outcome("escaped", time.perf_counter() - start, traceback.format_exc()[-1500:])
    return Outcome("none", time.perf_counter() - start)


def _timed(work: object, settings: Settings, size: int) -> Outcome:
    from aidtrace.budget import seconds_for

    start = time.perf_counter()
    try:
        results = work()  # type: ignore[operator]
    except Exception:  # noqa: BLE001 - the finding is the traceback itself
        return Outcome("escaped", time.perf_counter() - start, traceback.format_exc()[-1500:])
    return classify(results, time.perf_counter() - start, seconds_for(size, settings))


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} is not JSON")
