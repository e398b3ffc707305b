"""Progress bars of the long commands (issue 11, item 9): drawn on stderr when it is a
terminal (faked here by replacing aidtrace.bars.is_terminal, the one check every bar
makes), never with --quiet, and nothing at all when stderr is not a terminal."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from aidtrace import bars, cli
from aidtrace.cli import main

BAR = re.compile(r"\[[#-]+\]")


def run(*args: str | Path) -> Result:
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result


def finished(stderr: str, label: str) -> int:
    """The total of the bar labelled `label`, asserting it was drawn up to its end."""
    found = re.findall(rf"{re.escape(label)}\s+\[#+\]\s+(\d+)/(\d+)", stderr)
    assert found, f"no finished bar {label!r} in {stderr!r}"
    done, total = found[-1]
    assert done == total
    return int(total)


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bars, "is_terminal", lambda: True)


@pytest.fixture
def batch_folder(tmp_path: Path, examples: Path) -> Path:
    out = tmp_path / "out"
    run("batch", examples, "--out", out, "--partition-size", "8", "--workers", "1", "-q")
    return out


def test_ingest_draws_a_bar_of_documents_then_one_of_donor_groups(terminal, tmp_path, examples):
    result = run("ingest", examples, "--db", f"sqlite:///{tmp_path / 'a.db'}")
    assert finished(result.stderr, "ingesting") == 26
    assert finished(result.stderr, "reconciling") > 1


def test_demo_draws_a_bar_of_documents_then_one_of_donor_groups(terminal, tmp_path):
    result = run("demo", "--db", f"sqlite:///{tmp_path / 'demo.db'}")
    documents = int(re.match(r"(\d+) documents", result.stdout)[1])  # type: ignore[index]
    assert finished(result.stderr, "ingesting") == documents
    assert finished(result.stderr, "reconciling") > 1


def test_extract_draws_a_bar_of_documents(terminal, tmp_path, examples):
    result = run("extract", examples, "-o", tmp_path / "records.jsonl")
    assert finished(result.stderr, "extracting") == 26


def test_reconcile_and_a_large_export_draw_bars(terminal, tmp_path, examples, monkeypatch):
    db = f"sqlite:///{tmp_path / 'a.db'}"
    run("ingest", examples, "--db", db, "-q")
    assert finished(run("reconcile", "--db", db).stderr, "reconciling") > 1
    monkeypatch.setattr(cli, "EXPORT_BAR_ROWS", 1)  # the examples make a small export
    for fmt in ("csv", "json"):
        result = run("export", "--format", fmt, "-o", tmp_path / f"m.{fmt}", "--db", db)
        written = int(re.search(r"([\d,]+) measures written", result.stderr)[1].replace(",", ""))  # type: ignore[index]
        assert finished(result.stderr, "exporting measures") == written


def test_a_small_export_draws_no_bar(terminal, tmp_path, examples):
    db = f"sqlite:///{tmp_path / 'a.db'}"
    run("ingest", examples, "--db", db, "-q")
    result = run("export", "-o", tmp_path / "m.csv", "--db", db)
    assert not BAR.search(result.stderr)


def test_batch_and_load_draw_bars_of_partitions(terminal, tmp_path, examples):
    result = run("batch", examples, "--out", tmp_path / "out", "--partition-size", "8", "--workers", "1")
    partitions = finished(result.stderr, "batch")
    assert partitions == len(list((tmp_path / "out").glob("part-*.done")))
    loaded = run("load", tmp_path / "out", "--db", f"sqlite:///{tmp_path / 'a.db'}")
    assert finished(loaded.stderr, "loading") == partitions
    assert finished(loaded.stderr, "reconciling") > 1


def test_quiet_draws_nothing_on_a_terminal(terminal, tmp_path, examples, batch_folder):
    db = f"sqlite:///{tmp_path / 'a.db'}"
    assert run("ingest", examples, "--db", db, "-q").stderr == ""
    assert run("load", batch_folder, "--db", db, "-q").stderr == ""
    assert run("reconcile", "--db", db, "-q").stderr == ""


def test_nothing_is_drawn_when_stderr_is_not_a_terminal(tmp_path, examples, batch_folder):
    db = f"sqlite:///{tmp_path / 'a.db'}"
    outputs = [
        run("ingest", examples, "--db", db),
        run("extract", examples, "-o", tmp_path / "records.jsonl"),
        run("reconcile", "--db", db),
        run("export", "-o", tmp_path / "m.csv", "--db", db),
        run("load", batch_folder, "--db", db),
    ]
    for result in outputs:
        assert not BAR.search(result.stderr)
        assert "\r" not in result.stderr
        assert not re.search(r"^(ingesting|extracting|reconciling|exporting)", result.stderr, re.M)
