"""Issue 11, the analyst's side of the CLI: errors instead of silence, rows that say what
they are, output that fits a terminal, exports for spreadsheets, one database throughout."""

from __future__ import annotations

import csv
import json
import os
import re
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from aidtrace.cli import main
from aidtrace.store import open_store


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory, examples: Path) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('analyst') / 'cli.db'}"
    result = CliRunner().invoke(main, ["ingest", str(examples), "--db", url])
    assert result.exit_code == 0, result.output
    return url


def run(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(main, list(args), env=env)


# --- errors instead of silence ------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["measures", "--donor", "XYZ"],
            "Error: --donor 'XYZ' is not a donor code or name; donors in this database: Canada (CAN), ",
        ),
        (["measures", "--donor", "japn"], "did you mean Japan (JPN)?"),
        (
            ["measures", "--donor", "Brazil"],
            "--donor 'Brazil': Brazil (BRA) has no measures in this database",
        ),
        (["timeline", "--donor", "XYZ"], "--donor 'XYZ' is not a donor code or name"),
        (["measures", "--since", "2024-13"], "--since '2024-13': there is no month 13; write it as YYYY"),
        (["measures", "--since", "yesterday"], "--since 'yesterday' is not a date; write it as YYYY"),
        (["measures", "--until", "2024-02-30"], "--until '2024-02-30': 2024-02 has no day 30"),
        (["measures", "--since", "2025", "--until", "2024"], "the period starts (2025) after it ends (2024)"),
        (
            ["totals", "--constant", "1990"],
            "--constant 1990: constant prices are available for base years 2010",
        ),
        (
            ["totals", "--currency", "EUR", "--constant", "2024"],
            "constant prices use the US GDP deflator and are given in USD; use --currency USD --constant 2024",
        ),
        (["export", "-o", "x.csv", "--since", "last week"], "--since 'last week' is not a date"),
    ],
)
def test_wrong_input_is_a_clear_error_with_exit_1(db: str, args: list[str], message: str):
    result = run(*args, "--db", db)
    assert result.exit_code == 1, result.output
    assert message in result.stderr
    assert result.stdout == ""


def test_a_donor_name_resolves_to_its_code(db: str):
    by_name = json.loads(run("measures", "--donor", "japan", "--format", "json", "--db", db).stdout)
    by_code = json.loads(run("measures", "--donor", "JPN", "--format", "json", "--db", db).stdout)
    assert by_name == by_code
    assert by_name
    assert {row["donor"] for row in by_name} == {"JPN"}


def test_a_mistyped_database_file_is_refused_and_not_created(tmp_path: Path):
    typo = tmp_path / "typo.db"
    for command in (["measures"], ["totals"], ["show", "m1234"], ["failures"], ["reconcile"]):
        result = run(*command, "--db", f"sqlite:///{typo}")
        assert result.exit_code == 1, command
        assert f"no database file at {typo} (database sqlite:///{typo}): check the path" in result.stderr
        assert f"'aidtrace ingest PATH --db sqlite:///{typo}'" in result.stderr
    assert not typo.exists()


def test_an_empty_database_says_how_to_fill_it(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    open_store(url).close()
    for command in (["measures"], ["totals"], ["conflicts"], ["timeline", "--donor", "JPN"]):
        result = run(*command, "--db", url)
        assert result.exit_code == 1, command
        assert result.stderr == "Error: no documents yet: run `aidtrace ingest PATH` or `aidtrace demo`\n"


def test_the_default_database_missing_is_an_empty_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("AIDTRACE_DB", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))  # platformdirs' user data directory
    result = run("measures")
    assert result.exit_code == 1
    assert "no documents yet: run `aidtrace ingest PATH` or `aidtrace demo`" in result.stderr
    assert not (tmp_path / "aidtrace" / "aidtrace.db").exists()


# --- rows that say what they are, readable tables -------------------------------------------


def test_measures_table_fits_100_columns_with_whole_short_ids(db: str):
    result = run("measures", "--limit", "30", "--db", db)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 100
    assert lines[0].split()[:5] == ["id", "donor", "what", "amount", "date"]
    rows = json.loads(run("measures", "--limit", "30", "--format", "json", "--db", db).stdout)
    for row in rows:
        short = row["measure_id"][:9]
        assert re.search(rf"^{short}\s", result.stdout, re.MULTILINE), short  # one piece, at a line start
    assert "Japan (JPN)" in result.stdout
    assert re.search(r"USD \d{1,3}(,\d{3})+", result.stdout)  # amounts in full, on one line


def test_a_short_id_shows_its_measure_with_sources_by_title(db: str):
    rows = json.loads(run("measures", "--donor", "JPN", "--format", "json", "--db", db).stdout)
    row = next(r for r in rows if r["mentions"] >= 2)
    result = run("show", row["measure_id"][:9], "--db", db)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"{row['measure_id']}  Japan (JPN), {row['type']}: {row['description']}")
    assert "Sources:\n  [1] " in result.stdout
    assert row["first_source"]["title"] in result.stdout
    assert not re.search(r"\br[0-9a-f]{20}\b", result.stdout)  # no internal record ids
    assert re.search(r"attributes from: \w+ \[\d\]", result.stdout)


def test_an_ambiguous_prefix_lists_the_measures_it_starts(db: str):
    result = run("show", "m0", "--db", db)
    assert result.exit_code == 1
    assert "no measure 'm0'" in result.stderr  # shorter than 4 characters: no prefix search
    ids = [
        r["measure_id"]
        for r in json.loads(run("measures", "--limit", "500", "--format", "json", "--db", db).stdout)
    ]
    prefix = next(p for p in (i[:4] for i in ids) if sum(i.startswith(p) for i in ids) > 1)
    result = run("show", prefix, "--db", db)
    assert result.exit_code == 1
    assert f"measure id '{prefix}' is the start of several measures (" in result.stderr


def test_measures_json_names_donor_description_and_first_source(db: str):
    rows = json.loads(run("measures", "--format", "json", "--db", db).stdout)
    assert rows
    for row in rows:
        assert row["description"]
        assert row["donor_name"]
        assert row["donor_name"] != row["donor"]
        assert {"doc_id", "title", "url", "published", "sentence"} == set(row["first_source"])


def test_search_shows_the_matching_sentence_marked(db: str):
    result = run("measures", "--search", "tranche", "--db", db)
    assert result.exit_code == 0
    assert "»tranche«" in result.stdout
    rows = json.loads(run("measures", "--search", "tranche", "--format", "json", "--db", db).stdout)
    assert rows
    for row in rows:
        match = row["match"]
        assert match["sentence"][match["start"] : match["end"]].lower() == "tranche"


def test_a_limited_list_says_how_many_there_are(db: str):
    total = len(json.loads(run("measures", "--limit", "1000", "--format", "json", "--db", db).stdout))
    result = run("measures", "--limit", "5", "--db", db)
    assert f"showing 5 of {total:,} measures; --limit {total} shows all" in result.stderr


def test_empty_results_are_a_sentence_not_an_empty_box(db: str):
    result = run("conflicts", "--donor", "POL", "--db", db)
    assert (result.exit_code, result.stdout) == (0, "No conflicts.\n")
    result = run("measures", "--donor", "JPN", "--since", "2030", "--db", db)
    assert result.stdout == "No measures match.\n"


def test_timeline_json_has_no_python_names(db: str):
    rows = json.loads(run("timeline", "--donor", "JPN", "--format", "json", "--db", db).stdout)
    assert rows
    assert all("date" in row and "when_" not in row for row in rows)
    assert not any(key.endswith("_") for row in rows for key in row)


# --- exports -------------------------------------------------------------------------------


def test_export_takes_the_api_filters_and_writes_flat_columns(db: str, tmp_path: Path):
    out = tmp_path / "japan.csv"
    result = run(
        "export", "-o", str(out), "--donor", "japan", "--type", "aid", "--kind", "single", "--db", db
    )
    assert result.exit_code == 0, result.output
    with out.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    expected = json.loads(
        run(
            "measures", "--donor", "JPN", "--type", "aid", "--limit", "1000", "--format", "json", "--db", db
        ).stdout
    )
    assert {r["measure_id"] for r in rows} == {r["measure_id"] for r in expected}
    for row in rows:
        assert row["mentions"].isdigit()
        assert not row["items"].startswith("[")
        assert row["first_source_title"]
        assert row["first_source_sentence"]
        assert "provenance" not in row
        for money in ("amount_value", "value_usd", "value_eur"):
            assert not row[money] or len(row[money].partition(".")[2]) <= 2, row[money]
    assert f"{len(rows):,} measures written to {out}" in result.stderr


def test_export_files_have_normal_permissions(db: str, tmp_path: Path):
    old = os.umask(0o022)
    try:
        for fmt in ("csv", "xlsx"):
            out = tmp_path / f"m.{fmt}"
            assert run("export", "-o", str(out), "--format", fmt, "--db", db).exit_code == 0
            assert stat.S_IMODE(out.stat().st_mode) == 0o644
    finally:
        os.umask(old)
    assert not list(tmp_path.glob(".*partial"))


def test_document_export_names_files_relative_to_the_ingest_folder(db: str, tmp_path: Path, examples: Path):
    out = tmp_path / "documents.xlsx"
    assert run("export", "--what", "documents", "--format", "xlsx", "-o", str(out), "--db", db).exit_code == 0
    sheet = load_workbook(out).active
    header = [cell.value for cell in sheet[1]]
    sources = [row[header.index("source")] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert sorted(sources) == sorted(
        p.name for p in examples.iterdir() if p.suffix in (".txt", ".md", ".html")
    )
    assert not any(str(examples) in str(cell) for row in sheet.iter_rows(values_only=True) for cell in row)


def test_filters_apply_to_measures_only(db: str, tmp_path: Path):
    result = run("export", "--what", "records", "--donor", "JPN", "-o", str(tmp_path / "r.csv"), "--db", db)
    assert result.exit_code == 1
    assert "filters apply to measures, not to records" in result.stderr


# --- input ---------------------------------------------------------------------------------


def test_ingest_reads_other_encodings_and_warns_about_undated_documents(tmp_path: Path):
    folder = tmp_path / "docs"
    folder.mkdir()
    text = "Japan’s government pledged $650 million in new aid to Ukraine on 12 March 2024, the ministry said — café.\n"
    (folder / "windows.txt").write_bytes(text.encode("cp1252"))
    (folder / "wide.txt").write_bytes(text.replace("Japan", "Norway").encode("utf-16"))
    result = run("ingest", str(folder), "--db", f"sqlite:///{tmp_path / 'x.db'}")
    assert result.exit_code == 0, result.output
    # which Windows code page a short text is in may be a guess; each reads these characters alike
    assert re.search(
        rf"warning: {re.escape(str(folder / 'windows.txt'))}: not UTF-8; read as cp125\d", result.stderr
    )
    assert f"warning: {folder / 'wide.txt'}: not UTF-8; read as UTF-16" in result.stderr
    assert "warning: 2 of 2 documents have no publication date" in result.stderr
    assert "relative dates in them ('last December', 'on Monday') cannot be resolved" in result.stderr
    rows = json.loads(run("measures", "--format", "json", "--db", f"sqlite:///{tmp_path / 'x.db'}").stdout)
    assert {(r["donor"], r["amount_value"]) for r in rows} == {("JPN", 650e6), ("NOR", 650e6)}
    assert {r["first_source"]["sentence"] for r in rows} == {
        text.strip(),
        text.replace("Japan", "Norway").strip(),
    }


def test_a_manifest_silences_the_undated_warning(db: str, examples: Path, tmp_path: Path):
    result = run("ingest", str(examples), "--db", f"sqlite:///{tmp_path / 'y.db'}")
    assert "no publication date" not in result.stderr


def test_search_command_ranks_sentences_and_marks_the_words(db: str):
    result = run("search", "tranche", "--db", db)
    assert result.exit_code == 0
    assert "»tranche«" in result.stdout
    hits = json.loads(run("search", "tranche", "--format", "json", "--db", db).stdout)
    assert hits
    assert [hit["score"] for hit in hits] == sorted((hit["score"] for hit in hits), reverse=True)
    for hit in hits:
        text, marks = hit["snippet"]["text"], hit["snippet"]["marks"]
        assert [text[a:b].lower() for a, b in marks] == ["tranche"] * len(marks)
    titles = run("search", "kiel", "--in", "documents", "--db", db)
    assert "»Kiel«" in titles.stdout
    nothing = run("search", "*", "--db", db)
    assert nothing.exit_code == 1
    assert "WORDS: give at least one word" in nothing.output
