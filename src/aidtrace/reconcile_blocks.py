"""Reconciliation by blocks: incremental after a write, parallel over donors. In: a Store.
Out: exactly the measures, links, conflicts and rollup a full one-process reconciliation
(reconcile.reconcile) writes.

    reconcile_changes(store)                          the pending groups only (ingest, upload, review)
    reconcile_all(store, workers=N, engine="local")   every donor, one task per donor

Why a block is closed (reconcile.build_measures, step by step):
- clustering, measures and amount conflicts are computed per group (donor, recipient, type;
  rejected records apart within it), from the group's rows only;
- `part_of` finds the whole among measures of the same donor, recipient and type;
- a figure one sentence gives to several donors (`_mark_joint`) makes each donor's measure
  collective: the only look across donors. A group's rows are read with the other donors'
  rows of their sentences (`context`), and every write marks the groups of every record in
  the sentences it changes, so a share that became joint (or stopped being) is recomputed;
- coverage conflicts compare a donor's running totals with all its counted aid: recomputed
  for every donor with a pending aid group, from its stored measures (and the stored order
  of its running totals' mentions, which the sources of a conflict follow).
So a donor is closed for the parallel run (with its context rows), and a group is closed
for the incremental one, given the donor's coverage pass. A write marks groups in its own
transaction (writes.mark_pending); reconciliations run one at a time (reconciling.lock).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from aidtrace.batch.engines import cores, map_tasks, open_tasks
from aidtrace.errors import ConfigError
from aidtrace.reconcile import (
    Progress,
    Reconciled,
    Row,
    _Cluster,
    build_measures,
    cluster_measures,
    coverage_conflicts,
    reconcile,
)
from aidtrace.store import Store, reconciling
from aidtrace.store.writes import replace_measures, save_reconcile_failures

log = logging.getLogger(__name__)
PARALLEL_FROM = 20_000  # records: below, one process reconciles faster than starting workers


@dataclass(frozen=True, slots=True)
class Changes:
    """What an incremental reconciliation did: groups recomputed, measures in the store."""

    groups: int
    measures: int


def reconcile_changes(store: Store, *, progress: Progress | None = None) -> Changes:
    """Recompute the measures of the pending groups only, in one transaction that holds off
    writes of records (see the module docstring for why the result equals a full run).
    `progress(done, total)` is called as each group is clustered."""
    with reconciling.lock(store), store.transaction():
        reconciling.hold_writes(store)
        seen = reconciling.pending(store)
        groups = seen.groups
        if not groups:
            return Changes(0, _count(store))
        rows: list[Row] = []
        context: list[Row] = []
        for donor, recipient, kind in groups:
            rows += reconciling.block_rows(store, donor, recipient=recipient, type=kind)
            context += reconciling.context_rows(store, donor, recipient=recipient, type=kind)
        result, _clusters = cluster_measures(rows, context=context, progress=progress)
        _log_failures(result)
        save_reconcile_failures(store, result.failures)
        reconciling.replace_groups(store, groups, result.measures, result.links, result.conflicts)
        for donor in sorted({donor for donor, _recipient, kind in groups if kind == "aid"}):
            _refresh_coverage(store, donor)
        reconciling.clear_pending(store)  # writes were held off: every mark was seen
        return Changes(len(groups), _count(store))


def _count(store: Store) -> int:
    return int(store.scalar("SELECT COUNT(*) FROM measures") or 0)


def _refresh_coverage(store: Store, donor: str) -> None:
    """A donor's coverage conflicts, from its stored aid measures (as build_measures makes them)."""
    measures, mentions = reconciling.coverage_inputs(store, donor)
    clusters: dict[str, _Cluster] = {}
    for mention in mentions:
        clusters.setdefault(mention["measure_id"], _Cluster(0)).mentions.append(mention)
    for measure in measures:
        measure["conflicts"] = 0  # coverage_conflicts counts its own; the store recounts all
    reconciling.replace_coverage(store, donor, coverage_conflicts(measures, clusters))


def reconcile_all(
    store: Store,
    *,
    workers: int | None = None,
    engine: str = "local",
    address: str | None = None,
    progress: Progress | None = None,
) -> int:
    """Recompute every measure, split by donor over `workers` processes (default: the cores,
    from PARALLEL_FROM records) or Ray tasks (`engine="ray"`, `address` of a cluster); one worker: reconcile.reconcile.
    The driver writes the measures (one transaction); returns how many exist."""
    if workers is None:  # processes start in a second or two: worth it on large stores only
        records = store.scalar("SELECT COUNT(*) FROM records") or 0
        workers = cores() if records >= PARALLEL_FROM else 1
    if engine == "local" and workers == 1:
        return reconcile(store, progress=progress)
    if store.url.endswith(":memory:"):
        raise ConfigError("an in-memory database cannot be reconciled by several processes; use --workers 1")
    with reconciling.lock(store):
        seen = reconciling.pending(store)  # before the records: a later write stays pending
        donors = [row["donor"] for row in reconciling.donors(store)]  # the largest first
        result = Reconciled()
        with open_tasks(engine, workers=workers, address=address) as tasks:
            calls = [(store.url, donor) for donor in donors]
            parts = map_tasks(tasks, reconcile_donor, calls, what=lambda call: f"reconciling {call[1]}")
            for done, part in enumerate(parts, 1):
                _merge(result, part)
                if progress:
                    progress(done, len(donors))
        _log_failures(result)
        with store.transaction():
            reconciling.hold_writes(store)
            replace_measures(store, result.measures, result.links, result.conflicts, result.failures)
            reconciling.clear_pending(store, seen)
    return len(result.measures)


def reconcile_donor(url: str, donor: str) -> Reconciled:
    """One donor's measures, links, conflicts and failures (a task: opens its own connection)."""
    with Store(url) as store:
        rows = reconciling.block_rows(store, donor)
        context = reconciling.context_rows(store, donor)
    return build_measures(rows, context=context)


def _merge(into: Reconciled, part: Reconciled) -> None:
    into.measures += part.measures
    into.links += part.links
    into.conflicts += part.conflicts
    into.failures += part.failures


def _log_failures(result: Reconciled) -> None:
    for failure in result.failures:
        log.warning("reconciliation left out %s: %s", failure.source, failure.message)


def snapshot(store: Store) -> dict[str, list[Row]]:
    """Every row reconciliation writes, sorted: two runs that agree give equal snapshots
    (rollup sums to 12 significant digits: their floating-point order follows the table's)."""
    rollup = store.query("SELECT * FROM measure_rollup")
    for row in rollup:
        for key in ("value_usd", "value_eur"):
            row[key] = None if row[key] is None else float(f"{row[key]:.12g}")
    tables = ("measures", "measure_records", "conflicts")
    return {
        **{table: _sorted(store.query(f"SELECT * FROM {table}")) for table in tables},
        "measure_rollup": _sorted(rollup),
    }


def _sorted(rows: list[Row]) -> list[Row]:
    return sorted(rows, key=lambda row: [str(value) for value in row.values()])
