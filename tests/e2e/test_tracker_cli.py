"""The tracker's CLI end to end on a temporary SQLite database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from aidtrace.cli import main


@pytest.fixture
def db(tmp_path: Path, examples: Path) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    result = CliRunner().invoke(main, ["ingest", str(examples), "--db", url])
    assert result.exit_code == 0, result.output
    assert "26 documents" in result.stderr
    assert "measures" in result.stderr
    return url


def run(*args: str) -> object:
    return CliRunner().invoke(main, list(args))


def test_reingest_reports_everything_unchanged(db: str, examples: Path):
    result = run("ingest", str(examples), "--db", db)
    assert result.exit_code == 0
    assert "26 unchanged" in result.stderr


def test_measures_filter_and_show_one_with_its_sources(db: str):
    result = run("measures", "--donor", "JPN", "--type", "aid", "--format", "json", "--db", db)
    rows = json.loads(result.stdout)
    assert rows
    assert all(r["donor"] == "JPN" and r["type"] == "aid" and not r["aggregate"] for r in rows)
    shown = json.loads(run("show", rows[0]["measure_id"], "--format", "json", "--db", db).stdout)
    assert shown["measure_id"] == rows[0]["measure_id"]
    assert shown["mentions"]
    assert all(m["evidence_text"] and m["doc_id"] for m in shown["mentions"])


def test_measures_between_two_dates_are_those_dated_between_them(db: str):
    every = json.loads(run("measures", "--format", "json", "--limit", "1000", "--db", db).stdout)
    rows = json.loads(
        run("measures", "--since", "2023-01", "--until", "2023", "--format", "json", "--db", db).stdout
    )
    expected = {
        r["measure_id"] for r in every if r["sort_date"] and "2023-01" <= r["sort_date"] <= "2023-12-31"
    }
    assert expected  # the examples have measures dated in 2023
    assert {r["measure_id"] for r in rows} == expected


def test_show_an_unknown_measure_says_what_to_do(db: str):
    result = run("show", "m000", "--db", db)
    assert result.exit_code == 1
    assert "no measure 'm000'; list them with 'aidtrace measures'" in result.stderr


def test_totals_by_donor_and_year_with_reported_totals_apart(db: str):
    result = json.loads(
        run("totals", "--by", "donor,year", "--currency", "EUR", "--format", "json", "--db", db).stdout
    )
    assert result["totals"]
    assert all({"donor", "year", "total", "measures"} <= set(r) for r in result["totals"])
    assert all(r["type"] == "aid" for r in result["reported"])
    constant = json.loads(
        run("totals", "--constant", "2021", "--donor", "JPN", "--format", "json", "--db", db).stdout
    )
    assert constant["totals"][0]["donor"] == "JPN"


def test_timeline_conflicts_and_failures_render(db: str):
    assert "aid" in run("timeline", "--donor", "JPN", "--db", db).stdout
    assert run("conflicts", "--db", db).exit_code == 0
    assert run("failures", "--db", db).exit_code == 0


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json", "jsonl", "parquet"])
def test_export_every_format(db: str, tmp_path: Path, fmt: str):
    out = tmp_path / f"measures.{fmt}"
    result = run("export", "--what", "measures", "--format", fmt, "-o", str(out), "--db", db)
    assert result.exit_code == 0, result.output
    assert out.stat().st_size > 0
    assert "measures written to" in result.stderr


def test_an_unsupported_database_url_is_a_clear_error():
    result = run("measures", "--db", "mysql://x")
    assert result.exit_code == 1
    assert "unsupported database URL 'mysql://x'" in result.stderr


def test_ingest_records_bad_documents_and_fails(tmp_path: Path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "empty.txt").write_text("", encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'bad.db'}"
    result = run("ingest", str(folder), "--db", url)
    assert result.exit_code == 1
    assert "the file is empty" in result.stderr
    assert "the file is empty" in run("failures", "--db", url, "--format", "csv").stdout


def test_totals_as_of_prints_one_object_with_the_documented_fields(db: str):
    result = run("totals", "--donor", "JPN", "--as-of", "2024-06-30", "--format", "json", "--db", db)
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    assert {"committed_usd", "delivered_usd", "reported", "difference_pct", "as_of", "donor"} <= set(found)
    assert found["as_of"] == "2024-06-30"
    assert 0 < found["delivered_usd"] <= found["committed_usd"]
    assert found["reported"]
    for point in found["reported"]:
        assert point["as_of"] <= "2024-06-30"
        assert {"value_usd", "as_of", "computed_usd", "difference_pct", "coverage", "sources"} <= set(point)
        assert all({"doc_id", "title", "url", "sentence"} <= set(s) for s in point["sources"])
    assert (
        "committed (counted, pledged or delivered)"
        in run("totals", "--donor", "JPN", "--as-of", "2024-06-30", "--db", db).stdout
    )


def test_totals_as_of_needs_a_donor_and_a_date(db: str):
    result = run("totals", "--as-of", "2024-06-30", "--db", db)
    assert result.exit_code == 1
    assert "--as-of needs --donor" in result.stderr
    result = run("totals", "--donor", "JPN", "--as-of", "30/06/2024", "--db", db)
    assert result.exit_code == 1
    assert "--as-of '30/06/2024' is not a date; write it as YYYY, YYYY-MM or YYYY-MM-DD" in result.stderr


def test_cumulative_lists_each_reported_date_with_computed_sums(db: str):
    found = json.loads(run("cumulative", "--donor", "JPN", "--format", "json", "--db", db).stdout)
    assert found["points"]
    days = [p["as_of"] for p in found["points"]]
    assert days == sorted(days)
    committed = [p["committed_usd"] for p in found["points"]]
    assert committed == sorted(committed)  # a cumulative sum never falls
    assert all(p["reported"] and p["delivered_usd"] <= p["committed_usd"] for p in found["points"])
    assert "computed cumulative aid" in run("cumulative", "--donor", "JPN", "--db", db).stdout


def test_measures_and_show_say_the_counting_status(db: str):
    rows = json.loads(run("measures", "--status", "running_total", "--format", "json", "--db", db).stdout)
    assert rows
    assert all(r["status"] == "running_total" and r["aggregate"] for r in rows)
    shown = run("show", rows[0]["measure_id"], "--db", db).stdout
    assert "counting status: running total reported by a source" in shown
    collective = json.loads(run("measures", "--status", "collective", "--format", "json", "--db", db).stdout)
    assert {r["donor"] for r in collective} <= {"G7", "NATO"}


def test_conflicts_lists_coverage_conflicts(db: str):
    result = run("conflicts", "--field", "coverage", "--format", "json", "--db", db)
    rows = json.loads(result.stdout)
    assert rows
    for row in rows:
        coverage = row["coverage"]
        assert coverage["kind"] in ("measures missing", "double counting suspected")
        assert abs(coverage["difference_pct"]) > 15
        assert coverage["sources"]
    assert "coverage" in run("conflicts", "--db", db).stdout
