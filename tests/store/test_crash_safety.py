"""A process killed (SIGKILL) mid-ingest loses nothing committed; the next run finishes."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

from aidtrace.store import open_store


def test_kill_minus_nine_mid_ingest_then_resume(tmp_path: Path, examples: Path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for copy in range(12):  # enough documents that the kill lands mid-run
        for doc in examples.glob("*.txt"):
            shutil.copy(doc, corpus / f"{copy:02d}-{doc.name}")
    total = len(list(corpus.glob("*.txt")))
    db = tmp_path / "crash.db"
    env = {**os.environ, "AIDTRACE_DB": f"sqlite:///{db}"}
    command = [sys.executable, "-m", "aidtrace", "ingest", str(corpus), "--no-reconcile", "-q"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        done = _extracted(db)
        if 5 <= done < total:
            break
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL
    killed_at = _extracted(db)
    assert 0 < killed_at < total, "the kill must land mid-run for this test to mean anything"

    with open_store(f"sqlite:///{db}") as store:  # every committed document is whole
        rows = store.query("SELECT doc_id, status FROM documents")
        assert all(row["status"] in ("stored", "extracted") for row in rows)
        orphans = store.scalar(
            "SELECT COUNT(*) FROM records r LEFT JOIN documents d ON d.doc_id = r.doc_id WHERE d.doc_id IS NULL"
        )
        assert orphans == 0
        records_before = store.scalar("SELECT COUNT(*) FROM records")

    finished = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stderr
    assert _extracted(db) == total
    with open_store(f"sqlite:///{db}") as store:
        assert store.scalar("SELECT COUNT(*) FROM records") >= records_before
        per_copy = store.query(
            "SELECT substr(doc_id, 1, 2) AS copy, COUNT(*) AS n FROM records GROUP BY copy"
        )
        assert len({row["n"] for row in per_copy}) == 1, "every copy of the corpus yields the same records"


def _extracted(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with closing(sqlite3.connect(db, timeout=1)) as conn:
            return int(
                conn.execute("SELECT COUNT(*) FROM documents WHERE status = 'extracted'").fetchone()[0]
            )
    except sqlite3.OperationalError:
        return 0
