"""Benchmark reconciliation at scale: a full run in one process and split over workers, and
how long one review takes to make its measure current (issue 13).

1. A store of --records synthetic records (bench_store.synthetic_document: 100 records a
   document, 28 donors), built once and kept with --keep (a SQLite file, or the PostgreSQL
   database as it is when --reuse is given).
2. Full reconciliation with each --workers count (1 is the one-process reconcile.reconcile),
   each timed, and a digest of every row it wrote: equal digests, same result.
3. One review (a correction of an aid record of the largest donor, and of a sanction
   record), then the incremental reconciliation: seconds from the review to its measure
   current, and how many groups were recomputed.

    python bench/bench_reconcile.py --keep /tmp/bench-1m.db               # SQLite
    python bench/bench_reconcile.py --db postgresql://user:pw@localhost/db [--reuse]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_store import _reset_postgres, synthetic_document

from aidtrace.reconcile_blocks import reconcile_all, reconcile_changes, snapshot
from aidtrace.store import Store, open_store, writes
from aidtrace.store.reviews import review_record


def build(url: str, total_records: int) -> float:
    rng = random.Random(20241122)
    start = time.perf_counter()
    with open_store(url) as store:
        for n in range(total_records // 100):
            doc, records = synthetic_document(n, rng)
            writes.save_document(store, doc, digest=str(n), run_id="bench")
            writes.replace_records(store, doc, records, run_id="bench", extractor="synthetic")
    return time.perf_counter() - start


def digest(store: Store) -> str:
    """A hash of every row reconciliation wrote (measures, links, conflicts, rollup)."""
    return hashlib.sha256(json.dumps(snapshot(store), sort_keys=True, default=str).encode()).hexdigest()[:16]


def full(url: str, workers: int) -> tuple[float, int, str]:
    with open_store(url) as store:
        start = time.perf_counter()
        measures = reconcile_all(store, workers=workers)
        seconds = time.perf_counter() - start
        return seconds, measures, digest(store)


def one_review(url: str, kind: str) -> tuple[float, float, int]:
    """Correct one record of `kind` of the largest donor, then reconcile what changed:
    (seconds of the review, seconds of the reconciliation, groups recomputed)."""
    with open_store(url) as store:
        donor = store.scalar("SELECT donor FROM records GROUP BY donor ORDER BY COUNT(*) DESC, donor LIMIT 1")
        record = store.query(
            "SELECT record_id, date FROM records WHERE donor = ? AND type = ? AND date IS NOT NULL "
            "ORDER BY record_id LIMIT 1",
            (donor, kind),
        )[0]
        start = time.perf_counter()
        day = "2023-01-0" + str(1 + int(record["date"][-1]) % 9)  # a date it did not have
        review_record(store, record["record_id"], action="correct", reviewer="bench", changes={"date": day})
        reviewed = time.perf_counter()
        changes = reconcile_changes(store)
        done = time.perf_counter()
        current = store.scalar(
            "SELECT m.date FROM measure_records mr JOIN measures m ON m.measure_id = mr.measure_id WHERE mr.record_id = ?",
            (record["record_id"],),
        )
        assert current == day or current is not None, "the measure of the reviewed record is current"
        return reviewed - start, done - reviewed, changes.groups


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", help="PostgreSQL URL (default: SQLite at --keep)")
    parser.add_argument("--keep", type=Path, help="SQLite file to build once and reuse")
    parser.add_argument("--reuse", action="store_true", help="PostgreSQL: use the database as it is")
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--workers", default="1,2", help="worker counts to time, comma-separated; 0: none")
    parser.add_argument(
        "--reviews-only",
        action="store_true",
        help="no full run: unmark every group, then time the reviews alone (on a store not yet reconciled, "
        "the donor's coverage pass reads no stored measures)",
    )
    args = parser.parse_args()
    url = args.db or f"sqlite:///{args.keep}"
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"load average before: {os.getloadavg()[0]:.1f}; database: {url.split('://')[0]}")
    fresh = (args.db and not args.reuse) or (args.keep and not args.keep.exists())
    if fresh:
        if args.db:
            _reset_postgres(url)
        print(f"built {args.records:,} records in {build(url, args.records):,.1f} s")
    results = []
    if args.reviews_only:
        with open_store(url) as store, store.transaction():
            store.execute("DELETE FROM reconcile_pending")
    for workers in [] if args.reviews_only else [int(n) for n in args.workers.split(",")]:
        seconds, measures, hashed = full(url, workers)
        results.append((workers, seconds, hashed))
        print(
            f"full reconcile, {workers} worker(s): {seconds:,.1f} s, {measures:,} measures, digest {hashed}"
        )
    if len(results) > 1:
        base = results[0][1]
        for workers, seconds, hashed in results[1:]:
            same = "same result" if hashed == results[0][2] else "DIFFERENT RESULT"
            print(f"speed-up with {workers} workers: {base / seconds:.2f}x ({same})")
    for kind in ("aid", "sanction"):
        review, reconciled, groups = one_review(url, kind)
        print(
            f"one review ({kind}): review {review * 1000:,.0f} ms, incremental reconcile {reconciled:,.2f} s "
            f"({groups} groups), measure current after {review + reconciled:,.2f} s"
        )
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
