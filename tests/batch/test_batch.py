"""`aidtrace batch` on the local engine and `aidtrace load`: partitions, failures, resuming
after an interruption, and loading with the semantics of `aidtrace ingest`."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from aidtrace import pipeline
from aidtrace.batch import partitions
from aidtrace.batch.cli import load
from aidtrace.cli import main
from aidtrace.reconcile import reconcile
from aidtrace.store import Store, open_store
from tests.batch.corpus import (
    example_rows,
    folder_files,
    read_lines,
    run_batch_cli,
    write_archive,
)


@pytest.fixture
def bad_pdf(tmp_path: Path) -> Path:
    path = tmp_path / "bad.pdf"
    path.write_bytes(b"\x89 this is not a PDF")
    return path


def test_records_partitions_are_what_extract_writes_in_the_same_order(tmp_path, examples, bad_pdf):
    extracted = CliRunner().invoke(main, ["extract", str(examples), str(bad_pdf), "-q"])
    result = run_batch_cli(
        examples, bad_pdf, "--out", tmp_path / "out", "--partition-size", "4", "--workers", "2"
    )
    assert result.exit_code == 1, result.output
    assert read_lines(tmp_path / "out", "records") == extracted.stdout.splitlines()
    (failure,) = [json.loads(line) for line in read_lines(tmp_path / "out", "failures")]
    assert failure == {
        "source": str(bad_pdf),
        "doc_id": None,
        "error": "UnreadableDocument",
        "message": f"{bad_pdf}: not a PDF file (no %PDF header)",
    }
    documents = 1 + sum(1 for p in examples.rglob("*") if p.suffix in (".txt", ".md", ".html"))
    last = f"part-{(documents - 1) // 4:05d}"  # the bad PDF comes last
    assert sorted(p.name for p in (tmp_path / "out").glob(f"{last}.*")) == [
        f"{last}.documents.jsonl",
        f"{last}.done",
        f"{last}.failures.jsonl",
        f"{last}.records.jsonl",
    ]
    assert f"error: {bad_pdf}: not a PDF file" in result.stderr
    assert "documents/s" in result.stderr  # the progress line, once per 10 s in a log
    partitions = -(-documents // 4)
    records = len(extracted.stdout.splitlines())
    assert f"{documents} documents, {records} records in {partitions} partitions" in result.stderr
    assert f"; 1 of {documents} documents failed" in result.stderr


def test_rerun_skips_finished_partitions_and_a_changed_input_is_done_again(tmp_path, examples):
    rows = [row for _path, row in example_rows(examples, prefix="a-", count=6)]
    archive = write_archive(tmp_path / "crawl.jsonl", rows)
    out = tmp_path / "out"
    first = run_batch_cli(archive, "--out", out, "--partition-size", "2", "--workers", "1")
    assert first.exit_code == 0, first.output
    again = run_batch_cli(archive, "--out", out, "--partition-size", "2", "--workers", "1")
    assert "(3 finished by an earlier run)" in again.stderr
    rows[3]["text"] = rows[3]["text"].replace("Ukraine", "Ukraine ")
    write_archive(archive, rows)
    changed = run_batch_cli(archive, "--out", out, "--partition-size", "2", "--workers", "1")
    assert "(2 finished by an earlier run)" in changed.stderr


def test_a_smaller_listing_removes_partitions_the_earlier_job_left(tmp_path, examples):
    out = tmp_path / "out"
    assert run_batch_cli(examples, "--out", out, "--partition-size", "5", "-q").exit_code == 0
    assert run_batch_cli(examples / "01-japan-sanctions-march-2022.txt", "--out", out, "-q").exit_code == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "_batch.json",
        "part-00000.documents.jsonl",
        "part-00000.done",
        "part-00000.failures.jsonl",
        "part-00000.records.jsonl",
    ]


def test_interrupted_write_leaves_no_file_under_its_name_and_the_rerun_equals_a_clean_run(
    tmp_path, examples, monkeypatch
):
    args = [examples, "--partition-size", "5", "--workers", "1", "-q"]
    assert run_batch_cli(*args, "--out", tmp_path / "clean").exit_code == 0
    out = tmp_path / "out"
    real = partitions.write_atomic

    def crash_on_second_records(path: Path, text: str) -> None:
        if path.name == "part-00001.records.jsonl":
            raise OSError(errno.ENOSPC, "No space left on device")
        real(path, text)

    monkeypatch.setattr(partitions, "write_atomic", crash_on_second_records)
    interrupted = run_batch_cli(*args, "--out", out)
    assert isinstance(interrupted.exception, OSError)
    assert not (out / "part-00001.records.jsonl").exists()
    assert not (out / "part-00001.done").exists()
    assert list(out.glob(".*")) == []
    monkeypatch.undo()
    resumed = run_batch_cli(*args[:-1], "--out", out)
    assert "finished by an earlier run" in resumed.stderr
    assert folder_files(out) == folder_files(tmp_path / "clean")


def test_killed_job_leaves_whole_files_and_resumes_to_the_clean_result(tmp_path, examples):
    rows = [row for _path, row in example_rows(examples, prefix="", count=10)]
    archive = write_archive(
        tmp_path / "crawl.jsonl",
        [{**row, "doc_id": f"{copy}-{row['doc_id']}"} for copy in range(40) for row in rows],
    )
    args = [str(archive), "--partition-size", "4", "--workers", "1", "-q"]
    out = tmp_path / "out"
    command = [
        sys.executable,
        "-c",
        "from aidtrace.batch.cli import batch; batch()",
        *args,
        "--out",
        str(out),
    ]
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(list(out.glob("*.done"))) < 3:
        time.sleep(0.01)
    os.killpg(process.pid, signal.SIGKILL)  # the driver and its worker processes
    process.wait()
    done = len(list(out.glob("*.done")))
    assert 3 <= done < 100, "the kill must land mid-run for this test to mean anything"
    assert not json.loads((out / "_batch.json").read_text())["finished"]
    for path in out.glob("part-*.jsonl"):
        text = path.read_text(encoding="utf-8")
        assert text == "" or text.endswith("\n")
        [json.loads(line) for line in text.splitlines()]  # every line whole
    assert run_batch_cli(*args, "--out", tmp_path / "clean").exit_code == 0
    resumed = run_batch_cli(*args[:-1], "--out", out)
    assert f"({done} finished by an earlier run)" in resumed.stderr
    assert list(out.glob(".*")) == []
    assert folder_files(out) == folder_files(tmp_path / "clean")


def test_cli_usage_errors_say_what_to_do(tmp_path, examples):
    local = run_batch_cli(examples, "--out", tmp_path / "o", "--address", "10.0.0.1:6379")
    assert (local.exit_code, "--address goes with --engine ray" in local.output) == (2, True)
    (tmp_path / "file").write_text("x", encoding="utf-8")
    not_folder = run_batch_cli(examples, "--out", tmp_path / "file")
    assert not_folder.exit_code == 2
    unfinished = CliRunner().invoke(load, [str(tmp_path), "--db", f"sqlite:///{tmp_path / 'x.db'}"])
    assert unfinished.exit_code == 1
    assert f"Error: {tmp_path}: not a batch output folder (no readable _batch.json)" in unfinished.output


def test_load_refuses_an_unfinished_job(tmp_path, examples):
    out = tmp_path / "out"
    assert run_batch_cli(examples, "--out", out, "-q").exit_code == 0
    job = json.loads((out / "_batch.json").read_text())
    (out / "_batch.json").write_text(json.dumps({**job, "finished": False}))
    result = CliRunner().invoke(load, [str(out), "--db", f"sqlite:///{tmp_path / 'x.db'}"])
    assert result.exit_code == 1
    assert "the batch job has not finished; run the same 'aidtrace batch' command again" in result.output


def test_load_stores_what_ingest_stores_and_twice_changes_nothing(tmp_path, examples, bad_pdf, store: Store):
    out = tmp_path / "out"
    assert run_batch_cli(examples, bad_pdf, "--out", out, "--partition-size", "8", "-q").exit_code == 1
    with open_store(f"sqlite:///{tmp_path / 'ingested.db'}") as ingested:
        pipeline.ingest([examples, bad_pdf], ingested)
        reconcile(ingested)
        expected = _contents(ingested)
    first = CliRunner().invoke(load, [str(out), "--db", store.url])
    assert first.exit_code == 1, first.output  # the folder holds a failure
    stored = len(expected["records"])
    assert f"27 documents, {stored} records stored, 0 unchanged; 1 of 27 documents failed" in first.stderr
    assert f"error: {bad_pdf}: not a PDF file" in first.stderr
    assert _contents(store) == expected
    second = CliRunner().invoke(load, [str(out), "--db", store.url])
    assert "27 documents, 0 records stored, 26 unchanged" in second.stderr
    assert _contents(store) == expected
    assert store.scalar("SELECT COUNT(*) FROM runs WHERE command = 'load'") == 2


def _contents(store: Store) -> dict[str, list[tuple[object, ...]]]:
    """Documents, records, measures and failures, without run ids and times."""
    tables = {
        "documents": "SELECT doc_id, content_hash, text, title, publisher, url, published, source, format, "
        "status, extractor FROM documents ORDER BY doc_id",
        "records": "SELECT * FROM records ORDER BY record_id",
        "measures": "SELECT * FROM measures ORDER BY measure_id",
        "failures": "SELECT DISTINCT source, doc_id, error, message FROM failures ORDER BY source",
    }
    pipeline_free = {"run_id", "evidence_search", "title_search"}  # PostgreSQL's search columns (schema 7)
    return {
        name: [tuple(v for k, v in row.items() if k not in pipeline_free) for row in store.query(sql)]
        for name, sql in tables.items()
    }


def test_ray_engine_errors_say_what_to_do(tmp_path, examples, monkeypatch):
    unreachable = run_batch_cli(
        examples, "--out", tmp_path / "o", "--engine", "ray", "--address", "127.0.0.1:1"
    )
    assert unreachable.exit_code == 1
    assert "Error: cannot connect to the Ray cluster at 127.0.0.1:1" in unreachable.output
    monkeypatch.setitem(sys.modules, "ray", None)  # as if Ray were not installed
    missing = run_batch_cli(examples, "--out", tmp_path / "o", "--engine", "ray")
    assert (missing.exit_code, missing.output) == (
        1,
        "Error: the ray engine needs Ray: pip install 'aidtrace[ray]'\n",
    )


def test_output_folder_inside_the_input_folder_is_not_read_as_input(tmp_path, examples):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("Norway announced NOK 7.5 billion for Ukraine.\n", encoding="utf-8")
    for _run in range(2):
        result = run_batch_cli(corpus, "--out", corpus / "out")
        assert result.exit_code == 0, result.output
        assert "1 documents, 1 records in 1 partitions" in result.stderr
