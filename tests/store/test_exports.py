"""Exports in every format, read back and compared with the store."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from openpyxl import load_workbook

from aidtrace import pipeline
from aidtrace.exports import export
from aidtrace.queries import record_dicts
from aidtrace.reconcile import reconcile
from aidtrace.store import Store


@pytest.fixture
def filled(store: Store, examples: Path) -> Store:
    pipeline.ingest([examples], store, manifest=examples / "manifest.jsonl")
    reconcile(store)
    return store


def test_records_jsonl_is_the_contract_plus_measure_id(filled: Store, tmp_path: Path):
    path = tmp_path / "records.jsonl"
    count = export(filled, what="records", fmt="jsonl", path=path)
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert count == len(rows) == len(record_dicts(filled)) > 50
    contract = {
        "doc_id",
        "type",
        "donor",
        "recipient",
        "category",
        "subtype",
        "stage",
        "aggregate",
        "amount",
        "date",
        "period",
        "channel",
        "items",
        "evidence",
    }
    assert all(contract <= set(row) and row["measure_id"] for row in rows)


def test_measures_carry_their_mentions(filled: Store, tmp_path: Path):
    path = tmp_path / "measures.json"
    export(filled, what="measures", fmt="json", path=path)
    rows = json.loads(path.read_text(encoding="utf-8"))
    linked = filled.scalar("SELECT COUNT(*) FROM measure_records")
    assert sum(len(row["mentions"]) for row in rows) == linked
    mention = rows[0]["mentions"][0]
    text = filled.query("SELECT text FROM documents WHERE doc_id = ?", (mention["doc_id"],))[0]["text"]
    assert text[mention["start"] : mention["end"]] == mention["text"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet"])
def test_tabular_exports_read_back(filled: Store, tmp_path: Path, fmt: str):
    path = tmp_path / f"records.{fmt}"
    export(filled, what="records", fmt=fmt, path=path)
    expected = record_dicts(filled)
    if fmt == "csv":
        with path.open(encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        header = list(rows[0])
    elif fmt == "xlsx":
        sheet = load_workbook(path).active
        values = list(sheet.iter_rows(values_only=True))
        header = [h.replace(" ", "_") for h in values[0]]
        rows = [dict(zip(header, row, strict=True)) for row in values[1:]]
        assert sheet.freeze_panes == "B2"
    else:
        table = pq.read_table(path)
        header = table.column_names
        rows = table.to_pylist()
    assert len(rows) == len(expected)
    assert {"doc_id", "amount_value", "amount_unit", "evidence_text", "measure_id", "period_start"} <= set(
        header
    )
    assert [str(r["evidence_text"]) for r in rows] == [e["evidence"]["text"] for e in expected]
    values = [float(r["amount_value"]) if r["amount_value"] not in (None, "") else None for r in rows]
    assert values == [e["amount"]["value"] if e["amount"] else None for e in expected]


def test_text_that_looks_like_a_formula_is_not_one_in_xlsx(store: Store, tmp_path: Path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "x.txt").write_text(
        '=HYPERLINK("http://evil")\nJapan pledged $1 billion to Ukraine on 1 March 2024.\n', encoding="utf-8"
    )
    pipeline.ingest([folder], store)
    path = tmp_path / "documents.xlsx"
    export(store, what="documents", fmt="xlsx", path=path)
    sheet = load_workbook(path).active
    cell = sheet.cell(row=2, column=sheet.max_column)
    assert (cell.data_type, cell.quotePrefix) == ("s", True)
    assert cell.value.startswith('=HYPERLINK("http://evil")')
