"""The batch output folder. In: the job's items and the workers' outputs. Out: files in DIR.

    _batch.json                    the job: version, settings, inputs; `finished` and counts at the end
    part-00000.documents.jsonl     each Document read (its text, for `aidtrace load`), status, record count
    part-00000.records.jsonl       records, exactly as `aidtrace extract --format jsonl` writes them
    part-00000.failures.jsonl      documents that could not be read or processed, and why
    part-00000.done                written last: the partition's fingerprint and counts

Partition k holds items [k*size, (k+1)*size) of the sorted listing, so the same inputs give
the same partitions. Every file is written to a temporary name and moved into place
(`os.replace`); the `.done` marker comes last, so a partition without one is incomplete
and is written again. A re-run skips a partition whose marker holds its current fingerprint.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aidtrace.batch.sources import Item, stat_key
from aidtrace.batch.work import Counts, Partition, PartitionOutput
from aidtrace.errors import ConfigError
from aidtrace.model import Document, Failure, Record

JOB_FILE = "_batch.json"
LAYOUT = 1  # the folder layout's version: a different one is refused, not misread
KINDS = ("documents", "records", "failures")
_PART = re.compile(r"part-(\d{5,})\.")


@dataclass(frozen=True, slots=True, kw_only=True)
class Job:
    """What a batch folder holds and what made it; `aidtrace load` stores records under it."""

    version: str  # of aidtrace, which extracted
    extractor: str
    settings: dict[str, Any]
    inputs: list[str]
    manifest: str | None
    partition_size: int
    finished: bool = False
    partitions: int = 0
    counts: Counts = field(default_factory=Counts)

    @property
    def key(self) -> str:
        """What every partition's result depends on besides its items."""
        manifest = self.manifest and f"{self.manifest}|{stat_key(Path(self.manifest))}"
        return json.dumps([LAYOUT, self.version, self.extractor, self.settings, manifest], sort_keys=True)

    def to_dict(self) -> dict[str, Any]:
        return {"layout": LAYOUT, **dataclasses.asdict(self), "counts": self.counts.to_dict()}


def split(items: Iterable[Item], *, size: int, key: str) -> Iterator[Partition]:
    """Fixed-size partitions of the items, each with the fingerprint of its items and the job."""
    rest = iter(items)
    for index in itertools.count():
        chunk = tuple(itertools.islice(rest, size))
        if not chunk:
            return
        digest = hashlib.sha256(key.encode())
        for item in chunk:
            digest.update(b"\x00" + item.key.encode())
        yield Partition(index=index, items=chunk, fingerprint=digest.hexdigest())


def name(index: int) -> str:
    return f"part-{index:05d}"


def part_file(folder: Path, index: int, kind: str) -> Path:
    return folder / f"{name(index)}.{kind}.jsonl"


def done_counts(folder: Path, partition: Partition) -> Counts | None:
    """The counts of a partition finished by an earlier run with the same fingerprint, else None."""
    marker = _read_json(folder / f"{name(partition.index)}.done")
    if marker is None or marker.get("fingerprint") != partition.fingerprint:
        return None
    return Counts.from_dict(marker.get("counts", {}))


def write_partition(folder: Path, output: PartitionOutput) -> None:
    """The partition's three files, then its marker; each moved into place whole. A marker
    of an earlier run goes first, so it never stands beside files it does not describe."""
    (folder / f"{name(output.index)}.done").unlink(missing_ok=True)
    for kind in KINDS:
        write_atomic(part_file(folder, output.index, kind), getattr(output, kind))
    marker = {"fingerprint": output.fingerprint, "counts": output.counts.to_dict(), "seconds": output.seconds}
    write_atomic(folder / f"{name(output.index)}.done", json.dumps(marker, allow_nan=False) + "\n")


def write_job(folder: Path, job: Job) -> None:
    write_atomic(
        folder / JOB_FILE, json.dumps(job.to_dict(), indent=1, ensure_ascii=False, allow_nan=False) + "\n"
    )


def read_job(folder: Path) -> Job:
    """The finished job in `folder`, or ConfigError saying what to run."""
    data = _read_json(folder / JOB_FILE)
    if data is None:
        raise ConfigError(
            f"{folder}: not a batch output folder (no readable {JOB_FILE}); run 'aidtrace batch INPUT... --out {folder}'"
        )
    if data.get("layout") != LAYOUT:
        raise ConfigError(
            f"{folder / JOB_FILE}: batch layout {data.get('layout')!r}, this aidtrace reads layout {LAYOUT}; "
            "run the batch again with this version"
        )
    known = {f.name for f in dataclasses.fields(Job)} - {"counts"}
    job = Job(
        **{k: v for k, v in data.items() if k in known}, counts=Counts.from_dict(data.get("counts", {}))
    )
    if not job.finished:
        raise ConfigError(
            f"{folder}: the batch job has not finished; run the same 'aidtrace batch' command again "
            "to finish it (finished partitions are kept), then load"
        )
    return job


def remove_temporary(folder: Path) -> None:
    """Temporary files of an interrupted run: never under a real name, removed here."""
    for partial in folder.glob(".*.tmp"):
        partial.unlink(missing_ok=True)


def remove_beyond(folder: Path, count: int) -> None:
    """Partitions an earlier, larger job left behind, which this job's listing no longer has."""
    for path in folder.glob("part-*"):
        match = _PART.match(path.name)
        if match and int(match.group(1)) >= count:
            path.unlink()


def read_documents(folder: Path, index: int) -> Iterator[tuple[Document, str, list[Record]]]:
    """Each stored Document of a partition with its status and its records, in order."""
    with part_file(folder, index, "documents").open(encoding="utf-8") as documents:
        with part_file(folder, index, "records").open(encoding="utf-8") as records:
            for line in documents:
                data = json.loads(line)
                status, count = data.pop("status"), data.pop("records")
                found = [Record.from_dict(json.loads(next(records))) for _ in range(count)]
                yield Document(**data), status, found


def read_failures(folder: Path, index: int) -> Iterator[Failure]:
    with part_file(folder, index, "failures").open(encoding="utf-8") as failures:
        for line in failures:
            yield Failure(**json.loads(line))


def write_atomic(path: Path, text: str) -> None:
    """Write `text` to a temporary name beside `path`, flush it to disk, then move it into place."""
    partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with partial.open("w", encoding="utf-8", newline="") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, path)


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
