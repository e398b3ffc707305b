"""The long fuzz run behind `scripts/fuzz --minutes N`: the generators of hostile.py with
seeded random generators, one process per core, for N minutes (or until --inputs). Prints
the counts of outcomes by input kind, the slowest input of each kind and every finding;
findings and the slowest inputs are saved to --out for the regression tests.
"""

from __future__ import annotations

import argparse
import json
import logging
import multiprocessing
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

from aidtrace import pipeline
from tests.fuzz import hostile
from tests.fuzz.oracle import FINDINGS, Outcome, Tally, check_file, check_line, check_manifest, check_store

KINDS = (("text", 3), ("html", 2), ("pdf", 1), ("manifest", 1), ("jsonl", 3))
STORE_EVERY = 500  # inputs between two ingest + reconcile checks of everything kept


def one(kind: str, rnd: random.Random, scratch: Path, keep: Path) -> tuple[Outcome, bytes]:
    folder = Path(tempfile.mkdtemp(dir=scratch))
    try:
        if kind == "text":
            data = hostile.text_bytes(rnd)
            return check_file(folder, "doc.txt", data), data
        if kind == "html":
            data = hostile.html(rnd).encode("utf-8", "surrogatepass")
            return check_file(folder, "page.html", data), data
        if kind == "pdf":
            data = hostile.pdf(rnd)
            return check_file(folder, "brief.pdf", data), data
        if kind == "manifest":
            data = hostile.manifest(rnd)
            return check_manifest(folder, data), data
        data = hostile.jsonl_line(rnd)
        return check_line(data), data
    finally:
        for found in folder.glob("*.*"):  # keep documents for the store check
            if found.suffix in (".txt", ".html", ".pdf") and rnd.random() < 0.05:
                shutil.copy(found, keep / f"{kind}-{rnd.randrange(10**9)}{found.suffix}")
        shutil.rmtree(folder, ignore_errors=True)


def _warm_up(scratch: Path) -> None:
    """One ordinary document of each kind first, untimed: the imports and model loads a
    process does once (readers, word lists, the tagger) are not the first input's cost."""
    folder = scratch / "warm-up"
    folder.mkdir()
    (folder / "a.txt").write_text("Japan supplies Ukraine with 40 generators, the ministry said.", "utf-8")
    (folder / "b.html").write_text(
        "<html><body><p>Japan pledged $1 billion to Ukraine.</p></body></html>", "utf-8"
    )
    list(pipeline.run([folder]))


def worker(seed: int, deadline: float, limit: int, out: str) -> dict[str, object]:
    logging.getLogger("pypdf").setLevel(logging.ERROR)  # broken PDFs are the point; no noise
    rnd = random.Random(seed)
    tally = Tally()
    scratch = Path(tempfile.mkdtemp(prefix=f"aidtrace-fuzz-{seed}-"))
    keep = scratch / "keep"
    keep.mkdir()
    choices = [kind for kind, weight in KINDS for _ in range(weight)]
    _warm_up(scratch)
    count = 0
    while time.time() < deadline and count < limit:
        kind = rnd.choice(choices)
        outcome, data = one(kind, rnd, scratch, keep)
        tally.add(kind, outcome, data)
        count += 1
        if count % STORE_EVERY == 0:
            tally.add("store", check_store(keep, f"sqlite:///{scratch / 'fuzz.db'}"), b"")
    findings = Path(out) / f"seed-{seed}"
    findings.mkdir(parents=True, exist_ok=True)
    for number, (kind, outcome, data) in enumerate(tally.findings):
        (findings / f"{number:04d}-{kind}-{outcome.kind}.bin").write_bytes(data)
        (findings / f"{number:04d}-{kind}-{outcome.kind}.txt").write_text(outcome.detail, "utf-8")
    for kind, (seconds, data) in tally.slowest.items():
        (findings / f"slowest-{kind}-{seconds:.2f}s.bin").write_bytes(data)
    shutil.rmtree(scratch, ignore_errors=True)
    return {
        "counts": tally.counts,
        "findings": [(k, o.kind, o.seconds, o.detail[-300:]) for k, o, _ in tally.findings],
        "slowest": {k: s for k, (s, _) in tally.slowest.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--inputs", type=int, default=10**9, help="stop after this many inputs in all")
    parser.add_argument("--workers", type=int, default=multiprocessing.cpu_count())
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument("--out", default="fuzz-findings")
    args = parser.parse_args()
    deadline = time.time() + args.minutes * 60
    per_worker = -(-args.inputs // args.workers)
    start = time.time()
    with multiprocessing.get_context("spawn").Pool(args.workers) as pool:
        results = pool.starmap(
            worker, [(args.seed + n, deadline, per_worker, args.out) for n in range(args.workers)]
        )
    counts: dict[str, dict[str, int]] = {}
    slowest: dict[str, float] = {}
    findings = []
    for result in results:
        for kind, outcomes in result["counts"].items():  # type: ignore[attr-defined]
            for outcome, number in outcomes.items():
                counts.setdefault(kind, {}).setdefault(outcome, 0)
                counts[kind][outcome] += number
        for kind, seconds in result["slowest"].items():  # type: ignore[attr-defined]
            slowest[kind] = max(slowest.get(kind, 0.0), seconds)
        findings += result["findings"]  # type: ignore[operator]
    total = sum(n for kind, o in counts.items() if kind != "store" for n in o.values())
    _say(f"seed {args.seed}, {args.workers} workers, {time.time() - start:.0f} s: {total:,} inputs")
    for kind, outcomes in sorted(counts.items()):
        shown = ", ".join(f"{name} {number:,}" for name, number in sorted(outcomes.items()))
        _say(f"  {kind:9} {sum(outcomes.values()):>8,}  {shown}  (slowest {slowest.get(kind, 0):.2f} s)")
    by_kind = {name: sum(o.get(name, 0) for o in counts.values()) for name in FINDINGS}
    _say("findings: " + ", ".join(f"{name} {number}" for name, number in by_kind.items()))
    for finding in findings[:30]:
        _say("   " + json.dumps(finding)[:400])
    _say(f"inputs of findings and the slowest of each kind: {args.out}/")


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")


if __name__ == "__main__":
    main()
