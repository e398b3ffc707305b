"""Benchmark the tracker: ingest throughput, and query latency at a million records.

1. Ingest: documents/s for `aidtrace ingest` (read, extract, store, one transaction per
   document) over copies of the bundled examples and our own test documents.
2. Scale: a database of --records synthetic records (default 1,000,000) written through
   the same store functions as ingest (save_document, replace_records: 100 records per
   synthetic document, FX conversion included), then reconciled.
3. Latency: p50 and p95 over --repeat runs of a filtered page of measures (one donor, aid,
   50 rows, newest first), of grouped totals (by donor and year; by donor and type), of
   page 1 and page 400 by cursor and by offset, and of full-text searches (SEARCHES).

    python bench/bench_store.py                                    # SQLite in a temp dir
    python bench/bench_store.py --db postgresql://user:pw@localhost/db
    python bench/bench_store.py --keep sqlite:////tmp/scale-1m.db       # build once, then reuse
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from importlib import resources
from pathlib import Path

from aidtrace import pipeline, queries
from aidtrace.model import Amount, Document, Record, Span
from aidtrace.reconcile import reconcile
from aidtrace.store import Store, open_store, search, writes

ROOT = Path(__file__).resolve().parents[1]
DONORS = [
    "USA",
    "DEU",
    "GBR",
    "JPN",
    "FRA",
    "CAN",
    "NLD",
    "POL",
    "NOR",
    "SWE",
    "DNK",
    "FIN",
    "ITA",
    "ESP",
    "KOR",
    "AUS",
    "CHE",
    "BEL",
    "AUT",
    "CZE",
    "EST",
    "LVA",
    "LTU",
    "IRL",
    "PRT",
    "EU",
    "WBG",
    "IMF",
]
TYPES = ["aid"] * 6 + ["sanction", "refugees", "agreement", "diplomacy"]
UNITS = ["USD", "EUR", "GBP", "JPY", "CAD", "NOK"]


def ingest_throughput(url: str, documents: int, tmp: Path) -> tuple[float, int]:
    sources = [
        Path(str(resources.files("aidtrace") / "examples")),
        ROOT / "tests" / "quality" / "own" / "docs",
    ]
    texts = [
        p for folder in sources for p in sorted(folder.glob("*")) if p.suffix in (".txt", ".md", ".html")
    ]
    corpus = tmp / "ingest"
    corpus.mkdir()
    for n in range(documents):
        source = texts[n % len(texts)]
        shutil.copy(source, corpus / f"{n:06d}-{source.name}")
    with open_store(url) as store:
        start = time.perf_counter()
        summary = pipeline.ingest([corpus], store)
        elapsed = time.perf_counter() - start
    return summary.documents / elapsed, summary.records


def synthetic_document(n: int, rng: random.Random) -> tuple[Document, list[Record]]:
    sentences, records, text = [], [], ""
    published = date(2022, 3, 1) + timedelta(days=rng.randrange(1300))
    for k in range(100):
        donor, kind = rng.choice(DONORS), rng.choice(TYPES)
        unit = rng.choice(UNITS)
        value = round(10 ** rng.uniform(6, 10.5), -5)
        day = published - timedelta(days=rng.randrange(400))
        sentence = (
            f"On {day.isoformat()} {donor} announced {value:,.0f} {unit} of support number {k} for Ukraine."
        )
        start = len(text)
        text += sentence + " "
        sentences.append(sentence)
        money = kind == "aid" or (kind == "sanction" and rng.random() < 0.2)
        records.append(
            Record(
                doc_id=f"syn{n:07d}",
                type=kind,
                donor=donor,
                recipient="RUS" if kind == "sanction" else "UKR",
                evidence=Span(start=start, end=start + len(sentence), text=sentence),
                category=rng.choice(["financial", "humanitarian", "military", "mixed"])
                if kind == "aid"
                else None,
                stage=rng.choice(["pledged", "delivered"]) if kind == "aid" else None,
                aggregate=kind == "aid" and rng.random() < 0.05,
                amount=Amount(value=value, unit=unit) if money else None,
                date=day.isoformat() if rng.random() < 0.9 else None,
            )
        )
    doc = Document(doc_id=f"syn{n:07d}", text=text, published=published.isoformat(), format="text")
    return doc, records


def build_scale(url: str, total_records: int) -> tuple[float, float]:
    rng = random.Random(20241122)
    with open_store(url) as store:
        start = time.perf_counter()
        for n in range(total_records // 100):
            doc, records = synthetic_document(n, rng)
            writes.save_document(store, doc, digest=str(n), run_id="bench")
            writes.replace_records(store, doc, records, run_id="bench", extractor="synthetic")
        loaded = time.perf_counter() - start
        start = time.perf_counter()
        reconcile(store)
        reconciled = time.perf_counter() - start
    return loaded, reconciled


def latency(query: Callable[[], object], repeat: int) -> tuple[float, float]:
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        query()
        timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    return statistics.median(timings), timings[int(0.95 * (len(timings) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", help="database URL (default: SQLite in a temporary directory)")
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--documents", type=int, default=2000, help="documents for the ingest throughput run")
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument(
        "--keep",
        metavar="URL",
        help="the million-record database: built there once and kept, reused (migrated) when it exists; "
        "the ingest part is skipped",
    )
    args = parser.parse_args()
    if args.keep:
        kept(args.keep, args.records)
        report_latency(args.keep, args.repeat)
        return
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        url = args.db or f"sqlite:///{tmp / 'bench.db'}"
        if url.startswith("postgres"):
            _reset_postgres(url)
        print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
        print(f"database: {url.split('://')[0]}")
        rate, records = ingest_throughput(url, args.documents, tmp)
        print(f"ingest: {args.documents} documents, {records} records, {rate:,.1f} documents/s")
        if url.startswith("postgres"):
            _reset_postgres(url)
        else:
            url = f"sqlite:///{tmp / 'scale.db'}"
        loaded, reconciled = build_scale(url, args.records)
        print(
            f"scale: {args.records:,} records stored in {loaded:,.1f} s ({args.records / loaded:,.0f} records/s), "
            f"reconciled in {reconciled:,.1f} s"
        )
        report_latency(url, args.repeat)


def kept(url: str, records: int) -> None:
    """Build the scale database at `url` unless it already holds measures."""
    with open_store(url) as store:  # migrates an older one (schema 7 indexes a million sentences)
        if store.scalar("SELECT COUNT(*) FROM measures"):
            print(f"reusing {url.split('@')[-1]}")
            return
    loaded, reconciled = build_scale(url, records)
    print(f"scale: {records:,} records stored in {loaded:,.1f} s, reconciled in {reconciled:,.1f} s")


SEARCHES = [  # words of the synthetic sentences: rare (a number), a donor, common (most sentences)
    "support number 7 JPN",
    "JPN EUR",
    "announced NOK",
    "support 42",
    "USA",
    "Ukraine",
]


def report_latency(url: str, repeat: int) -> None:
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    with open_store(url) as store:
        measures = store.scalar("SELECT COUNT(*) FROM measures")
        print(f"database: {url.split('://')[0]}, measures: {measures:,}")
        deep = _cursor_at(store, {"sort": "-date", "aggregate": False, "status": None}, 400)
        checks = {
            "measures page (JPN, aid, 50 rows)": lambda: queries.measures(
                store, donor="JPN", type="aid", limit=50
            ),
            "measures page (all, 50 rows, offset 5000)": lambda: queries.measures(
                store, limit=50, offset=5000
            ),
            "totals by donor, year": lambda: queries.totals(store, by=("donor", "year")),
            "totals by donor, type (EUR)": lambda: queries.totals(
                store, by=("donor", "type"), currency="EUR"
            ),
            "totals by donor, constant 2024 prices": lambda: queries.totals(
                store, by=("donor",), constant=2024
            ),
            "measures page 1 by cursor (all, newest first)": lambda: queries.measures_page(
                store, {"sort": "-date", "aggregate": False, "status": None}, limit=50
            ),
            "measures page 400 by cursor (all, newest first)": lambda: queries.measures_page(
                store, {"sort": "-date", "aggregate": False, "status": None}, limit=50, cursor=deep
            ),
            "measures page 400 by offset 19,950 (all, newest first)": lambda: queries.measures_page(
                store, {"sort": "-date", "aggregate": False, "status": None}, limit=50, offset=19_950
            ),
        }
        for words in SEARCHES:
            checks[f"search {words!r} (20 best, snippets)"] = lambda words=words: search.search(store, words)
        for name, query in checks.items():
            p50, p95 = latency(query, repeat)
            print(f"latency {name}: p50 {p50:.1f} ms, p95 {p95:.1f} ms")
        for words in SEARCHES:
            found = search.search(store, words)
            print(f"search {words!r}: {found.found:,} ranked{' (capped)' if found.capped else ''}")


def _cursor_at(store: Store, filters: dict[str, object], pages: int) -> str | None:
    """The cursor that reads page `pages` + 1 (found by paging, once)."""
    cursor = None
    for _ in range(pages - 1):
        cursor = queries.measures_page(store, filters, limit=50, cursor=cursor).next_cursor
    return cursor


def _reset_postgres(url: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS public CASCADE")
        conn.execute("CREATE SCHEMA public")


if __name__ == "__main__":
    main()
