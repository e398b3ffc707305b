"""One batch job, driven from here. In: inputs, an output folder, an engine. Out: partitions
in the folder and a BatchSummary.

    1. record the job in DIR/_batch.json (unfinished), remove temporary files of a killed run
    2. list the inputs lazily and cut the listing into fixed-size partitions
    3. skip partitions finished earlier (same fingerprint); send the rest to the engine
    4. write each output as it comes back (files first, marker last)
    5. drop partitions beyond this job's last one; mark the job finished with its counts

The job never opens the database: `aidtrace load DIR` stores the partitions afterwards.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from importlib.metadata import version
from pathlib import Path

from aidtrace.batch import partitions
from aidtrace.batch.engines import open_engine, run_partitions
from aidtrace.batch.partitions import Job
from aidtrace.batch.sources import list_items
from aidtrace.batch.work import Counts, Partition, PartitionOutput
from aidtrace.errors import ConfigError
from aidtrace.ingest import Manifest
from aidtrace.pipeline import extractor_for
from aidtrace.settings import Settings

PARTITION_SIZE = 1000  # documents; large enough that shipping work costs nothing, small enough to resume
FAILURE_SAMPLES = 20  # failure messages kept for the terminal; all of them are in the files


@dataclass(slots=True, kw_only=True)
class BatchSummary:
    """Counts while the job runs and at its end; `earlier` are partitions a previous run finished."""

    out: Path
    counts: Counts = field(default_factory=Counts)
    earlier: Counts = field(default_factory=Counts)
    partitions: int = 0  # listed so far: the listing is read lazily, so this grows while the job runs
    skipped: int = 0
    finished: int = 0  # partitions this run has written
    started: float = field(default_factory=time.perf_counter)
    failures: list[str] = field(default_factory=list)

    @property
    def total(self) -> Counts:
        return self.counts + self.earlier

    @property
    def seconds(self) -> float:
        return time.perf_counter() - self.started

    def rate(self, unit: str = "documents") -> float:
        """Documents (or words) per second extracted by this run, partitions skipped left out."""
        return float(getattr(self.counts, unit)) / max(self.seconds, 1e-9)

    def sample_failures(self, text: str) -> None:
        for line in text.splitlines()[: FAILURE_SAMPLES - len(self.failures)]:
            self.failures.append(json.loads(line)["message"])


def run_batch(
    inputs: Sequence[str],
    out: Path,
    *,
    settings: Settings,
    engine: str = "local",
    workers: int | None = None,
    address: str | None = None,
    partition_size: int = PARTITION_SIZE,
    manifest: Path | None = None,
    on_progress: Callable[[BatchSummary], None] | None = None,
) -> BatchSummary:
    """Extract every document of `inputs` into partitions in `out`. See the module docstring."""
    job = _start(inputs, out, settings=settings, manifest=manifest, partition_size=partition_size)
    summary = BatchSummary(out=out)
    todo = _unfinished(
        partitions.split(
            list_items(inputs, skip=out, max_bytes=settings.max_bytes), size=partition_size, key=job.key
        ),
        summary,
    )
    with open_engine(
        engine, workers=workers, address=address, settings=settings, manifest=job.manifest
    ) as runner:
        for output in run_partitions(runner, todo):
            _finish_partition(output, summary)
            if on_progress:
                on_progress(summary)
    partitions.remove_beyond(out, summary.partitions)
    partitions.write_job(
        out, replace(job, finished=True, partitions=summary.partitions, counts=summary.total)
    )
    return summary


def _start(
    inputs: Sequence[str], out: Path, *, settings: Settings, manifest: Path | None, partition_size: int
) -> Job:
    extractor_for(settings)  # an unknown extractor fails the job before any work
    Manifest(manifest)  # a missing or malformed manifest too
    if partition_size < 1:
        raise ConfigError(f"partition size must be at least 1, got {partition_size}")
    if out.exists() and not out.is_dir():
        raise ConfigError(f"{out}: exists and is not a folder; give --out a folder for the partitions")
    out.mkdir(parents=True, exist_ok=True)
    partitions.remove_temporary(out)
    job = Job(
        version=version("aidtrace"),
        extractor=settings.extractor,
        settings=settings.digest(),
        inputs=list(inputs),
        manifest=str(manifest) if manifest else None,
        partition_size=partition_size,
    )
    partitions.write_job(out, job)  # unfinished: `load` refuses the folder until the end
    return job


def _unfinished(all_partitions: Iterable[Partition], summary: BatchSummary) -> Iterator[Partition]:
    """The partitions to run; those finished earlier are counted and passed over."""
    for partition in all_partitions:
        summary.partitions += 1
        counts = partitions.done_counts(summary.out, partition)
        if counts is None:
            yield partition
            continue
        summary.skipped += 1
        summary.earlier += counts
        if counts.failed:
            summary.sample_failures(
                partitions.part_file(summary.out, partition.index, "failures").read_text("utf-8")
            )


def _finish_partition(output: PartitionOutput, summary: BatchSummary) -> None:
    partitions.write_partition(summary.out, output)
    summary.counts += output.counts
    summary.finished += 1
    summary.sample_failures(output.failures)
