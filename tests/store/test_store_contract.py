"""The store contract: the same tests on SQLite and PostgreSQL (see the `store` fixture)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from aidtrace import pipeline
from aidtrace.errors import StoreError
from aidtrace.queries import measures, record_dicts, totals
from aidtrace.reconcile import reconcile
from aidtrace.store import SCHEMA_VERSION, Store, open_store
from aidtrace.store.db import _migrations

DOC_A = "On Monday, Norway announced NOK 7.5 billion in new support for Ukraine.\n"
DOC_B = "Oslo on 19 February 2024 announced NOK 7.5 billion for Ukraine's energy grid and army.\n"


def write_docs(folder: Path, docs: dict[str, str], published: str = "2024-02-22") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in docs.items():
        (folder / f"{name}.txt").write_text(text, encoding="utf-8")
    rows = [json.dumps({"doc_id": name, "published": published}) for name in docs]
    (folder / "manifest.jsonl").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return folder


def test_migrations_are_recorded_and_idempotent(store: Store):
    assert store.schema_version() == SCHEMA_VERSION
    store.migrate()
    # one row per migration file (numbers may have gaps while branches add migrations)
    assert store.scalar("SELECT COUNT(*) FROM schema_migrations") == len(_migrations())


def test_a_database_newer_than_the_code_is_refused(store: Store):
    with store.transaction():
        store.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
            (999, "future", "now"),
        )
    with pytest.raises(StoreError, match="schema version 999, newer than this aidtrace"):
        open_store(store.url)


def test_a_failed_transaction_leaves_nothing(store: Store):
    def insert_then_fail() -> None:
        with store.transaction():
            store.execute(
                "INSERT INTO runs (run_id, started_at, command, extractor, version, settings) VALUES (?, ?, ?, ?, ?, ?)",
                ("r1", "now", "test", "rules", "0", "{}"),
            )
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        insert_then_fail()
    assert store.scalar("SELECT COUNT(*) FROM runs") == 0


def test_ingest_stores_text_records_and_money(store: Store, tmp_path: Path):
    folder = write_docs(tmp_path / "docs", {"a": DOC_A})
    summary = pipeline.ingest([folder], store)
    assert (summary.documents, summary.records, summary.failed) == (1, 1, 0)
    doc = store.query("SELECT text, status, published FROM documents WHERE doc_id = 'a'")[0]
    assert (doc["text"], doc["status"], doc["published"]) == (DOC_A, "extracted", "2024-02-22")
    (record,) = record_dicts(store)
    assert record["amount"] == {"value": 7.5e9, "unit": "NOK", "approx": False}
    assert DOC_A[record["evidence"]["start"] : record["evidence"]["end"]] == record["evidence"]["text"]
    assert record["fx"]["date"] == "2024-02-19"
    assert record["fx"]["source"].startswith("ECB")
    assert record["value_eur"] == pytest.approx(7.5e9 * record["fx"]["eur"])


def test_reingesting_an_unchanged_document_changes_nothing(store: Store, tmp_path: Path):
    folder = write_docs(tmp_path / "docs", {"a": DOC_A, "b": DOC_B})
    pipeline.ingest([folder], store)
    before = store.query("SELECT record_id, run_id FROM records ORDER BY record_id")
    again = pipeline.ingest([folder], store)
    assert (again.unchanged, again.records) == (2, 0)
    assert store.query("SELECT record_id, run_id FROM records ORDER BY record_id") == before


def test_a_changed_document_replaces_its_records(store: Store, tmp_path: Path):
    folder = write_docs(tmp_path / "docs", {"a": DOC_A})
    pipeline.ingest([folder], store)
    (folder / "a.txt").write_text(DOC_A.replace("NOK 7.5 billion", "NOK 9 billion"), encoding="utf-8")
    pipeline.ingest([folder], store)
    assert [r["amount"]["value"] for r in record_dicts(store)] == [9e9]


def test_failures_are_recorded_per_run(store: Store, tmp_path: Path):
    folder = write_docs(tmp_path / "docs", {"a": DOC_A})
    (folder / "empty.txt").write_text("", encoding="utf-8")
    summary = pipeline.ingest([folder], store)
    assert summary.failed == 1
    (failure,) = store.query("SELECT run_id, error, message FROM failures")
    assert failure["run_id"] == summary.run_id
    assert failure["error"] == "UnreadableDocument"
    assert "the file is empty" in failure["message"]
    run = store.query("SELECT documents, failed, records FROM runs WHERE run_id = ?", (summary.run_id,))[0]
    assert run == {"documents": 2, "failed": 1, "records": 1}


def test_reconcile_links_mentions_across_documents(store: Store, tmp_path: Path):
    folder = write_docs(tmp_path / "docs", {"a": DOC_A, "b": DOC_B})
    pipeline.ingest([folder], store)
    assert reconcile(store) == 1
    (measure,) = measures(store)
    assert (measure["donor"], measure["mentions"], measure["date"]) == ("NOR", 2, "2024-02-19")
    assert {r["measure_id"] for r in record_dicts(store)} == {measure["measure_id"]}


def test_totals_never_add_running_totals(store: Store, tmp_path: Path):
    folder = write_docs(
        tmp_path / "docs",
        {
            "a": DOC_A,
            "t": "Since February 2022, Norway has committed more than NOK 75 billion to Ukraine.\n",
        },
    )
    pipeline.ingest([folder], store)
    reconcile(store)
    result = totals(store, by=("donor",), currency="USD")
    (row,) = result["totals"]
    (reported,) = result["reported"]
    assert row["measures"] == 1
    assert row["total"] == pytest.approx(record_dicts(store)[0]["value_usd"])
    assert reported["amount_value"] == 75e9
    assert row["percent_of_gdp_2021"] is not None


def test_stores_are_interchangeable(tmp_path: Path, store: Store):
    """The same corpus gives the same records on this backend as on a fresh SQLite file."""
    folder = write_docs(tmp_path / "docs", {"a": DOC_A, "b": DOC_B})
    shutil.copytree(folder, tmp_path / "copy")
    pipeline.ingest([folder], store)
    with open_store(f"sqlite:///{tmp_path / 'other.db'}") as other:
        pipeline.ingest([tmp_path / "copy"], other)
        assert [r["amount"] for r in record_dicts(other)] == [r["amount"] for r in record_dicts(store)]


def test_a_version_1_database_migrates_forward_keeping_its_data(store: Store):
    from aidtrace.store.db import _migrations, _statements

    with store.transaction():  # rebuild the database as version 1 held it
        for table in (
            "records_fts",
            "documents_fts",
            "data_version",
            "reconcile_pending",
            "review_log",
            "reviews",
            "measure_rollup",
            "measure_records",
            "conflicts",
            "measures",
            "records",
            "failures",
            "documents",
            "runs",
            "schema_migrations",
        ):
            store.execute(f"DROP TABLE IF EXISTS {table}")
        store.execute(
            "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
        )
        version, name, sql = _migrations()[0]
        for statement in _statements(sql):
            store.execute(statement)
        store.execute("INSERT INTO schema_migrations VALUES (?, ?, ?)", (version, name, "then"))
        store.execute(
            "INSERT INTO documents (doc_id, content_hash, text, format, status, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
            ("kept", "h", "text", "text", "stored", "then"),
        )
    assert store.schema_version() == 1
    store.migrate()
    assert store.schema_version() == SCHEMA_VERSION
    assert store.scalar("SELECT text FROM documents WHERE doc_id = 'kept'") == "text"
    assert store.scalar("SELECT COUNT(*) FROM measure_rollup") == 0


def test_every_committed_write_changes_the_data_version_that_other_connections_see(store: Store):
    other = Store(store.url)
    try:
        before = other.data_version()
        store.query("SELECT COUNT(*) FROM documents")
        assert other.data_version() == before  # reads change nothing
        with store.transaction():
            store.execute(
                "INSERT INTO documents (doc_id, content_hash, text, format, status, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                ("v", "h", "text", "text", "stored", "now"),
            )
        assert other.data_version() == before + 1
        _delete_everything_then_fail(store)
        assert other.data_version() == before + 1  # a rolled-back write is no change
    finally:
        other.close()


def _delete_everything_then_fail(store: Store) -> None:
    try:
        with store.transaction():
            store.execute("DELETE FROM documents")
            raise RuntimeError("rolled back")
    except RuntimeError:
        return
    raise AssertionError("the transaction did not raise")
