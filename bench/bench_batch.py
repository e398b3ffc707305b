"""Benchmark: `aidtrace batch` throughput by engine and number of cores.

Builds a corpus of at least --documents documents as JSON Lines archives (1,000 documents
each, as crawls are delivered) by cycling the bundled examples and our own test documents
(text and HTML, with their metadata) under distinct doc_ids, then runs the whole job
(listing, extraction, writing partitions; worker start-up included) with the local engine
on 1, 2 and all cores and with Ray started on this machine with 1, 2 and all CPUs. Prints
documents/s, words/s and the scaling efficiency (rate on n cores / (n x rate on 1 core))
as a Markdown table, with the machine it ran on; then the rate on HTML pages alone (raw
crawls are HTML, and trafilatura costs more than the extractor) and the rate of
`aidtrace load` into SQLite.

    python bench/bench_batch.py --documents 20000
"""

from __future__ import annotations

import json
import os
import platform
import tempfile
import time
from collections.abc import Iterator
from importlib import resources
from importlib.metadata import version
from pathlib import Path
from typing import Any

import click

from aidtrace.batch import load_batch, run_batch
from aidtrace.settings import load_settings
from aidtrace.store import open_store

ROOT = Path(__file__).resolve().parents[1]
PER_ARCHIVE = 1000
FORMAT = {".html": "html"}  # archive format by file suffix; .txt and .md are text


def sources() -> Iterator[tuple[Path, dict[str, Any]]]:
    """(document file, its manifest row) for the bundled examples and our own test documents."""
    for folder in (Path(str(resources.files("aidtrace") / "examples")), ROOT / "tests" / "quality" / "own"):
        rows = [
            json.loads(line) for line in (folder / "manifest.jsonl").read_text(encoding="utf-8").splitlines()
        ]
        manifest = {row["doc_id"]: row for row in rows}
        for path in sorted(folder.rglob("*")):
            if path.suffix in (".txt", ".md", ".html"):
                yield path, manifest.get(path.stem, {})


def build_corpus(documents: int, folder: Path, *, html_only: bool = False) -> int:
    """Archives of `documents` documents in a new `folder`; returns how many lines they hold."""
    folder.mkdir()
    templates = [
        {**meta, "text": path.read_text(encoding="utf-8"), "format": FORMAT.get(path.suffix, "text")}
        for path, meta in sources()
        if path.suffix == ".html" or not html_only
    ]
    lines = [
        json.dumps({**templates[n % len(templates)], "doc_id": f"d{n:07d}"}, ensure_ascii=False)
        for n in range(documents)
    ]
    for start in range(0, len(lines), PER_ARCHIVE):
        archive = folder / f"crawl-{start // PER_ARCHIVE:04d}.jsonl"
        archive.write_text("\n".join(lines[start : start + PER_ARCHIVE]) + "\n", encoding="utf-8")
    return len(lines)


def measure(corpus: Path, out: Path, *, engine: str, workers: int) -> dict[str, float]:
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    start = time.perf_counter()
    summary = run_batch([str(corpus)], out, settings=load_settings(), engine=engine, workers=workers)
    seconds = time.perf_counter() - start
    if summary.total.failed:
        raise SystemExit(f"{summary.total.failed} documents failed; see {out}")
    return {
        "documents": summary.counts.documents,
        "words": summary.counts.words,
        "seconds": seconds,
        "docs_s": summary.counts.documents / seconds,
        "words_s": summary.counts.words / seconds,
    }


def machine() -> str:
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown CPU",
    )
    memory = next(
        (
            int(line.split()[1]) / 2**20
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        ),
        0.0,
    )
    return (
        f"{platform.machine()}, {os.cpu_count()} cores ({model}), {memory:.0f} GiB RAM, "
        f"Python {platform.python_version()}, Ray {_version('ray')}"
    )


def _version(package: str) -> str:
    try:
        return version(package)
    except Exception:  # noqa: BLE001 - a missing optional package is reported, not fatal
        return "not installed"


@click.command(help=__doc__)
@click.option("--documents", default=20_000, show_default=True, help="Corpus size.")
@click.option("--engines", default="local,ray", show_default=True, help="Engines to run, comma-separated.")
def main(documents: int, engines: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        total = build_corpus(documents, work / "corpus")
        print(f"corpus: {total:,} documents in {-(-total // PER_ARCHIVE)} archives; {machine()}\n")
        print("| engine | cores | documents | words | time | documents/s | words/s | scaling efficiency |")
        print("| --- | --- | --- | --- | --- | --- | --- | --- |")
        for engine in engines.split(","):
            scaling(engine, work)
        html = build_corpus(min(documents, 2_000), work / "html", html_only=True)
        result = measure(work / "html", work / "out-html", engine="local", workers=1)
        print(f"\nHTML pages only ({html:,}, through trafilatura), local engine, 1 core: {_rates(result)}")
        print(f"aidtrace load of the 1-core local output into SQLite: {load_rate(work):,.1f} documents/s")


def scaling(engine: str, work: Path) -> None:
    """One engine on 1, 2 and all cores; efficiency is the rate on n cores / (n x rate on 1)."""
    cores = os.cpu_count() or 1
    single = None
    for n in sorted({1, min(2, cores), cores}):
        result = measure(work / "corpus", work / f"out-{engine}-{n}", engine=engine, workers=n)
        single = single or result["docs_s"]
        label = f"{n} (all)" if n == cores else str(n)
        print(
            f"| {engine} | {label} | {result['documents']:,.0f} | {result['words']:,.0f} | "
            f"{result['seconds']:.1f} s | {result['docs_s']:,.1f} | {result['words_s']:,.0f} | "
            f"{result['docs_s'] / (n * single):.0%} |",
            flush=True,
        )


def load_rate(work: Path) -> float:
    with open_store(f"sqlite:///{work / 'load.db'}") as store:
        start = time.perf_counter()
        summary = load_batch(work / "out-local-1", store)
        return summary.documents / (time.perf_counter() - start)


def _rates(result: dict[str, float]) -> str:
    return f"{result['docs_s']:,.1f} documents/s, {result['words_s']:,.0f} words/s"


if __name__ == "__main__":
    main()
