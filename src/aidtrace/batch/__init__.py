"""Batch extraction at scale: the pipeline's extraction on a process pool or a Ray cluster.

    sources.py     inputs (folders, globs, JSON Lines archives)  -> work items, lazily, in order
    partitions.py  items -> fixed-size Partitions; outputs -> files in DIR (temporary name, then moved)
    engines.py     Partitions -> PartitionOutputs on `local` (process pool) or `ray` (Ray tasks)
    work.py        one Partition, in a worker: read + `pipeline.process` per document -> JSON Lines
    job.py         run_batch: the driver (skip finished partitions, write outputs, count)
    load.py        load_batch: DIR -> store, with the writes of `aidtrace ingest`
    cli.py         `aidtrace batch` and `aidtrace load`

Why a folder of files between extraction and the database: workers on many machines never
hold a database connection, a killed job resumes from its finished partitions, and loading
is a separate, idempotent step that can run where the database is.
"""

from aidtrace.batch.job import BatchSummary, run_batch
from aidtrace.batch.load import load_batch

__all__ = ["BatchSummary", "load_batch", "run_batch"]
