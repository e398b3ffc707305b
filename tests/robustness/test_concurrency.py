"""Issue 12, findings 6 and 7: two processes starting on a new database crashed one of them,
a reconciliation crashed on records an ingest replaced meanwhile, and a killed ingest left
old records pointing into a new text."""

from __future__ import annotations

import multiprocessing
from pathlib import Path
from typing import Any

import pytest

from aidtrace import pipeline
from aidtrace import reconcile as reconcile_module
from aidtrace.model import Document, Record, Span
from aidtrace.reconcile import reconcile
from aidtrace.store import SCHEMA_VERSION, open_store, reconciling, writes
from tests.conftest import POSTGRES_URL, _empty_postgres

PLEDGE = "Japan pledged $1 billion to Ukraine on 3 March 2024."


def _open(url: str, barrier: object, folder: str | None) -> None:
    barrier.wait()  # type: ignore[attr-defined]
    with open_store(url) as store:
        if folder:
            pipeline.ingest([Path(folder)], store)


def _race(url: str, processes: int, folder: str | None = None) -> list[int]:
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(processes)
    workers = [context.Process(target=_open, args=(url, barrier, folder)) for _ in range(processes)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    return [worker.exitcode or 0 for worker in workers]


def test_processes_starting_at_once_on_a_new_sqlite_database_all_succeed(tmp_path: Path):
    for attempt in range(4):
        url = f"sqlite:///{tmp_path / f'new-{attempt}.db'}"
        assert _race(url, 4) == [0, 0, 0, 0]
        with open_store(url) as store:
            assert store.schema_version() == SCHEMA_VERSION


def test_two_ingests_starting_at_once_on_a_new_database_both_finish(tmp_path: Path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.txt").write_text(PLEDGE, "utf-8")
    url = f"sqlite:///{tmp_path / 'new.db'}"
    assert _race(url, 2, str(tmp_path / "docs")) == [0, 0]
    with open_store(url) as store:
        assert store.scalar("SELECT COUNT(*) FROM documents") == 1


@pytest.mark.postgres
@pytest.mark.skipif(not POSTGRES_URL, reason="AIDTRACE_TEST_POSTGRES_URL is not set")
def test_processes_starting_at_once_on_a_new_postgres_database_all_succeed():
    assert POSTGRES_URL is not None
    for _ in range(3):
        _empty_postgres(POSTGRES_URL)
        assert _race(POSTGRES_URL, 4) == [0, 0, 0, 0]


def test_reconciliation_survives_records_replaced_while_it_ran(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.txt").write_text(PLEDGE, "utf-8")
    url = f"sqlite:///{tmp_path / 's.db'}"
    with open_store(url) as store:
        pipeline.ingest([tmp_path / "docs"], store)
        original = reconcile_module.build_measures

        def build_then_an_ingest(*args: Any, **kwargs: Any) -> Any:
            # another process re-extracts the document between reading records and writing measures
            built = original(*args, **kwargs)
            with open_store(url) as other:
                doc = Document(doc_id="a", text=PLEDGE + " Again.", published=None)
                writes.save_document(other, doc, digest=writes.content_hash(doc), run_id="x")
                writes.replace_records(other, doc, [], run_id="x", extractor="other 1")
            return built

        monkeypatch.setattr(reconcile_module, "build_measures", build_then_an_ingest)
        reconcile(store)  # was: FOREIGN KEY constraint failed
        assert store.scalar("SELECT COUNT(*) FROM measure_records") == 0
        assert reconciling.pending(store).groups == [("JPN", "UKR", "aid")]  # for the next run


def test_a_changed_text_drops_the_old_records_with_it(tmp_path: Path):
    """A process killed between saving a new text and its records must not leave the old
    records (offsets into the old text) beside the new text."""
    with open_store(f"sqlite:///{tmp_path / 's.db'}") as store:
        old = Document(doc_id="a", text=PLEDGE)
        writes.save_document(store, old, digest=writes.content_hash(old), run_id="r")
        evidence = Span(start=0, end=len(PLEDGE), text=PLEDGE)
        record = Record(doc_id="a", type="aid", donor="JPN", recipient="UKR", evidence=evidence)
        writes.replace_records(store, old, [record], run_id="r", extractor="rules 1")
        same = Document(doc_id="a", text=PLEDGE)
        writes.save_document(store, same, digest=writes.content_hash(same), run_id="r2")
        assert store.scalar("SELECT COUNT(*) FROM records") == 1  # same text: records kept
        new = Document(doc_id="a", text="Other text. " + PLEDGE)
        writes.save_document(store, new, digest=writes.content_hash(new), run_id="r3")
        # killed here: no stale records
        assert store.scalar("SELECT COUNT(*) FROM records") == 0
