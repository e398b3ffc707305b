"""Issue 12, findings 2 and 3: one bad input ended the run, and two files became one
document. Every error of a document is its own failure; doc ids never silently merge."""

from __future__ import annotations

import json
import resource
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from aidtrace import ingest, pipeline
from aidtrace.batch.sources import LineItem
from aidtrace.batch.work import Partition, process_partition
from aidtrace.budget import OverBudget, within
from aidtrace.errors import ConfigError
from aidtrace.extractor import EXTRACTORS
from aidtrace.ingest import read_manifest
from aidtrace.model import Document
from aidtrace.settings import Settings
from aidtrace.store import open_store

PLEDGE = "Japan pledged $1 billion to Ukraine on 3 March 2024."


def test_two_index_files_in_two_folders_stay_two_documents(tmp_path: Path):
    for day in ("2024-03-01", "2024-03-02"):
        (tmp_path / day).mkdir()
        (tmp_path / day / "index.txt").write_text(f"{PLEDGE} ({day})", "utf-8")
    with open_store(f"sqlite:///{tmp_path / 's.db'}") as store:
        summary = pipeline.ingest([tmp_path], store)
        ids = [row["doc_id"] for row in store.query("SELECT doc_id FROM documents ORDER BY doc_id")]
    assert (summary.documents, summary.failed) == (2, 0)
    assert ids == ["2024-03-01--index", "2024-03-02--index"]


def test_a_doc_id_collision_is_a_failure_naming_both_files(tmp_path: Path):
    (tmp_path / "brief.txt").write_text(PLEDGE, "utf-8")
    (tmp_path / "brief.md").write_text(PLEDGE, "utf-8")
    results = list(pipeline.run([tmp_path]))
    assert [r.failure is None for r in results] == [False, True] or [r.failure is None for r in results] == [
        True,
        False,
    ]
    failure = next(r.failure for r in results if r.failure)
    assert failure.error == "DuplicateDocument"
    assert "brief.md" in failure.message
    assert "brief.txt" in failure.message


def test_two_manifest_rows_with_one_doc_id_are_an_error(tmp_path: Path):
    manifest = tmp_path / "manifest.jsonl"
    manifest.write_text(
        '{"path": "a/index.html", "doc_id": "x"}\n{"path": "b/index.html", "doc_id": "x"}\n', "utf-8"
    )
    with pytest.raises(ConfigError, match=r"manifest\.jsonl:2: doc_id 'x' is also on line 1"):
        read_manifest(manifest)


def test_a_side_manifest_applies_to_its_own_folder_only(tmp_path: Path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "manifest.jsonl").write_text('{"doc_id": "index", "title": "A"}\n', "utf-8")
    for folder in ("a", "b"):
        (tmp_path / folder / "index.txt").write_text(PLEDGE, "utf-8")
    titles = {r.doc.doc_id: r.doc.title for r in pipeline.run([tmp_path]) if r.doc}
    assert titles == {"index": "A", "b--index": PLEDGE}


def test_any_exception_of_a_reader_is_a_failure_and_the_run_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    def broken(data: bytes, *, path: Path, doc_id: str) -> object:
        raise OverflowError("int too large to convert")

    monkeypatch.setitem(ingest.READERS, ".md", broken)
    (tmp_path / "a.md").write_text("x", "utf-8")
    (tmp_path / "b.txt").write_text(PLEDGE, "utf-8")
    results = list(pipeline.run([tmp_path]))
    assert results[0].failure is not None
    assert "OverflowError" in results[0].failure.message
    assert results[1].records


def test_a_document_over_its_time_budget_is_a_failure_and_the_run_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    def stuck(doc: object) -> list[object]:
        while True:
            time.sleep(0.01)

    monkeypatch.setitem(EXTRACTORS, "stuck", stuck)
    (tmp_path / "a.txt").write_text(PLEDGE, "utf-8")
    (tmp_path / "b.txt").write_text(PLEDGE, "utf-8")
    start = time.perf_counter()
    with open_store(f"sqlite:///{tmp_path / 's.db'}") as store:
        summary = pipeline.ingest([tmp_path], store, settings=Settings(extractor="stuck", seconds_per_mb=1))
        failures = store.query("SELECT source, error, message FROM failures ORDER BY source")
    assert time.perf_counter() - start < 6
    assert (summary.documents, summary.failed) == (2, 2)
    assert [f["error"] for f in failures] == ["OverBudget", "OverBudget"]
    assert failures[0]["source"].endswith("a.txt")
    assert "budget of 1 s" in failures[0]["message"]


def test_the_budget_interrupts_a_regex_and_restores_an_outer_timer():
    import re

    with pytest.raises(OverBudget), within(0.2, where="x"):
        re.match(r"(a*)*b", "a" * 40)


def test_a_memory_error_is_a_failure_of_the_document(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    def greedy(doc: object) -> list[object]:
        raise MemoryError

    monkeypatch.setitem(EXTRACTORS, "greedy", greedy)
    (tmp_path / "a.txt").write_text(PLEDGE, "utf-8")
    [result] = pipeline.run([tmp_path], settings=Settings(extractor="greedy"))
    assert result.failure is not None
    assert result.failure.error == "OverBudget"


def test_a_document_over_its_memory_budget_fails_in_the_main_process_and_the_run_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """Not a worker process: `ingest` on the main thread caps each document's allocations."""

    def hoarder(doc: object) -> list[object]:
        hoard = []
        for _ in range(400):  # 400 MB in 1 MB pieces, over a budget of 100 MB
            hoard.append(bytearray(1_000_000))
        return []

    monkeypatch.setitem(EXTRACTORS, "hoarder", hoarder)
    (tmp_path / "a.txt").write_text(PLEDGE, "utf-8")
    (tmp_path / "b.txt").write_text(PLEDGE, "utf-8")
    before = resource.getrlimit(resource.RLIMIT_AS)
    results = list(pipeline.run([tmp_path], settings=Settings(extractor="hoarder", memory_mb=100)))
    assert [r.failure.error if r.failure else None for r in results] == ["OverBudget", "OverBudget"]
    assert "memory" in results[0].failure.message
    assert resource.getrlimit(resource.RLIMIT_AS) == before  # the cap is lifted after each document
    assert len(bytearray(300_000_000)) == 300_000_000  # and the process may allocate again


def test_the_time_budget_holds_on_a_thread_other_than_the_main_one(monkeypatch: pytest.MonkeyPatch):
    """A program calling the extractor from its own thread pool still gets a failure at the
    budget, and nothing is raised in the thread after the block ends."""

    def stuck(doc: object) -> list[object]:
        while True:
            pass

    monkeypatch.setitem(EXTRACTORS, "stuck", stuck)
    doc = Document(doc_id="a", text=PLEDGE)

    def attempt() -> tuple[str, float]:
        start = time.perf_counter()
        try:
            pipeline.process(doc, Settings(extractor="stuck", seconds_per_mb=1))
        except OverBudget as err:
            return str(err), time.perf_counter() - start
        return "no failure", 0.0

    def quick() -> float:
        with within(0.05, where="quick"):
            pass
        time.sleep(0.3)  # past the budget and a REPEAT: a late timer would raise here
        return 1.0

    with ThreadPoolExecutor(2) as pool:
        message, seconds = pool.submit(attempt).result(timeout=20)
        assert pool.submit(quick).result(timeout=20) == 1.0
    assert "budget of 1 s" in message
    assert 0.9 < seconds < 5


BAD_LINES = [
    b'{"doc_id": "a", "text": "\\ud800 lone surrogate"}',
    b'{"doc_id": "a", "text": "Aid.", "title": "\\udfff"}',
    b'{"doc_id": "a", "text": "Aid.", "format": ["html"]}',
    b'{"doc_id": "a", "text": "Aid.", "format": {"x": 1}}',
    b'{"doc_id": {"id": 1}, "text": "Aid."}',
    b'{"doc_id": "a", "text": "Aid.", "title": 5, "published": 20240222}',
    b'{"doc_id": "a", "text": "Aid.", "published": NaN}',
    b"[" * 100_000 + b"]",
    b'{"doc_id": "a", "text": "Aid.", "url": ["http://x"]}',
]


def test_bad_archive_lines_are_failures_of_their_lines_and_the_partition_finishes():
    good = json.dumps({"doc_id": "good", "text": PLEDGE}).encode()
    items = tuple(
        LineItem(archive="crawl.jsonl", line=n, raw=raw) for n, raw in enumerate([*BAD_LINES, good], 1)
    )
    output = process_partition(Partition(index=0, items=items, fingerprint="f"), Settings(), None)
    assert (output.counts.documents, output.counts.failed) == (len(BAD_LINES) + 1, len(BAD_LINES))
    for text in (output.documents, output.records, output.failures):
        for line in text.split("\n")[:-1]:
            json.loads(line)  # every line written is JSON
            line.encode("utf-8")
    sources = [json.loads(line)["source"] for line in output.failures.split("\n")[:-1]]
    assert sources == [f"crawl.jsonl:{n}" for n in range(1, len(BAD_LINES) + 1)]


def test_the_budget_is_not_swallowed_by_code_that_catches_exception(monkeypatch: pytest.MonkeyPatch):
    def swallowing(doc: object) -> list[object]:
        while True:
            try:
                time.sleep(0.01)
            except Exception:  # noqa: BLE001 - what a library may do
                pass

    monkeypatch.setitem(EXTRACTORS, "swallowing", swallowing)
    from aidtrace.model import Document

    with pytest.raises(OverBudget):
        pipeline.process(
            Document(doc_id="x", text=PLEDGE), Settings(extractor="swallowing", seconds_per_mb=1)
        )


def test_ingest_goes_past_a_hostile_pdf_and_exits_1(tmp_path: Path):
    from click.testing import CliRunner

    from aidtrace.cli import main

    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.pdf").write_bytes(
        b"%PDF-1.4\n1 0 obj << /Pages [" + b"[" * 5000 + b" >> endobj\n%%EOF"
    )
    (tmp_path / "docs" / "b.txt").write_text(PLEDGE, "utf-8")
    result = CliRunner().invoke(
        main, ["ingest", str(tmp_path / "docs"), "--db", f"sqlite:///{tmp_path / 's.db'}"]
    )
    assert result.exit_code == 1, result.output
    with open_store(f"sqlite:///{tmp_path / 's.db'}") as store:
        assert store.scalar("SELECT COUNT(*) FROM records") >= 1
        assert store.scalar("SELECT COUNT(*) FROM failures WHERE source LIKE '%a.pdf'") == 1
