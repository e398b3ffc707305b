"""The CLI end to end, in a subprocess-free runner on temporary folders."""

import csv
import io
import json
from importlib import resources
from pathlib import Path

import pytest
from click.testing import CliRunner

from aidtrace.cli import main

GOOD = "On Monday, Norway announced NOK 7.5 billion in new support for Ukraine.\n"


@pytest.fixture
def corpus(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "good.txt").write_text(GOOD, encoding="utf-8")
    (tmp_path / "docs" / "empty.txt").write_text("", encoding="utf-8")
    (tmp_path / "docs" / "binary.md").write_bytes(b"\x00\x00\x01")
    (tmp_path / "docs" / "manifest.jsonl").write_text(
        '{"doc_id": "good", "published": "2024-02-22"}\n', encoding="utf-8"
    )
    return tmp_path / "docs"


EXAMPLES = Path(str(resources.files("aidtrace") / "examples"))


def run(*args):
    return CliRunner().invoke(main, list(args))


def test_extract_reports_bad_documents_processes_the_rest_and_fails(corpus):
    result = run("extract", str(corpus))
    assert result.exit_code == 1
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["doc_id"], r["donor"], r["amount"]["unit"], r["date"]) for r in records] == [
        ("good", "NOR", "NOK", "2024-02-19")
    ]
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 2
    assert any("empty.txt: the file is empty" in e for e in errors)
    assert any("binary.md: looks like a binary file" in e for e in errors)
    assert "3 documents, 1 records; 2 of 3 documents failed" in result.stderr


def test_extract_succeeds_with_exit_zero_on_good_input(corpus):
    result = run("extract", str(corpus / "good.txt"), "--quiet")
    assert result.exit_code == 0
    assert result.stderr == ""
    assert len(result.stdout.splitlines()) == 1


@pytest.mark.parametrize("fmt", ["json", "csv", "jsonl"])
def test_extract_writes_each_format_to_a_file(corpus, tmp_path, fmt):
    out = tmp_path / f"out.{fmt}"
    result = run("extract", str(corpus / "good.txt"), "-o", str(out), "--format", fmt)
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    if fmt == "json":
        (record,) = json.loads(text)
    elif fmt == "csv":
        (record,) = list(csv.DictReader(io.StringIO(text)))
        assert record["amount_unit"] == "NOK"
        assert float(record["amount_value"]) == 7.5e9
    else:
        (record,) = [json.loads(line) for line in text.splitlines()]
    assert record["donor"] == "NOR"
    assert not (tmp_path / f"out.{fmt}.partial").exists()


def test_extract_names_a_bad_manifest(corpus, tmp_path):
    manifest = tmp_path / "bad.jsonl"
    manifest.write_text("{oops\n", encoding="utf-8")
    result = run("extract", str(corpus / "good.txt"), "--manifest", str(manifest))
    assert result.exit_code == 1
    assert "bad.jsonl:1: not a JSON object" in result.stderr


def test_extract_requires_a_path():
    result = run("extract")
    assert result.exit_code == 2
    assert "Missing argument" in result.stderr


def test_help_reads_like_a_tool():
    result = run("--help")
    assert result.exit_code == 0
    assert "extract" in result.stdout
    assert "demo" in result.stdout
    assert "Examples:" in result.stdout
    assert "JSON Lines" in run("extract", "--help").stdout


def test_demo_builds_the_database_it_names_and_prints_computed_beside_reported(tmp_path):
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    result = run("demo", "--width", "160", "--db", url)
    assert result.exit_code == 0, result.output
    japan = 39  # the answer-key set; the others are the top-level examples of other donors
    others = sum(
        1 for p in EXAMPLES.iterdir() if p.suffix in (".txt", ".md", ".html") and "japan" not in p.stem
    )
    assert f"{japan + others} documents" in result.stdout
    assert f"database: {url}" in result.stdout
    assert "computed cumulative aid (counted measures) against reported running totals" in result.stdout
    again = run("measures", "--donor", "JPN", "--db", url, "--format", "json")
    assert again.exit_code == 0
    assert json.loads(again.stdout)
