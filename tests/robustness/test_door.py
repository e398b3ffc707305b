"""Issue 12, finding 1: one document froze the store. Dates are calendar dates and amounts
finite and plausible at the door; every JSON written is strict JSON."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

import aidtrace
from aidtrace import pipeline
from aidtrace.batch.sources import LineItem
from aidtrace.batch.work import line_result
from aidtrace.errors import ConfigError, InvalidRequest
from aidtrace.ingest import Manifest, read_manifest
from aidtrace.model import Amount, Document, Record, Span
from aidtrace.money import MAX_AMOUNT, is_plausible, plausible_amounts
from aidtrace.reconcile import reconcile
from aidtrace.settings import Settings
from aidtrace.store import open_store, writes

HUGE = "Japan pledged $" + "9" * 309 + " to Ukraine on 3 March 2024."


def test_an_impossible_published_date_in_a_manifest_names_file_line_and_field(tmp_path: Path):
    manifest = tmp_path / "manifest.jsonl"
    manifest.write_text('{"doc_id": "a"}\n{"doc_id": "b", "published": "2024-02-31"}\n', "utf-8")
    with pytest.raises(
        ConfigError, match=r"manifest.jsonl:2: 'published' is '2024-02-31', not a calendar date"
    ):
        read_manifest(manifest)


def test_an_impossible_published_date_in_an_archive_line_is_a_failure_of_that_line():
    raw = json.dumps({"doc_id": "a", "text": "Japan pledged aid.", "published": "2024-02-31"}).encode()
    result = line_result(LineItem(archive="crawl.jsonl", line=4, raw=raw), Settings())
    assert result.failure is not None
    assert result.failure.message.startswith(
        "crawl.jsonl:4: 'published' is '2024-02-31', not a calendar date"
    )


def test_an_impossible_published_date_in_the_python_api_is_refused():
    with pytest.raises(InvalidRequest, match="not a calendar date"):
        aidtrace.extract("Japan pledged $1 billion to Ukraine.", published="2023-02-29")


def test_an_impossible_date_from_a_side_manifest_fails_its_documents_not_the_run(tmp_path: Path):
    (tmp_path / "manifest.jsonl").write_text('{"doc_id": "a", "published": "2024-02-30"}\n', "utf-8")
    (tmp_path / "a.txt").write_text("Japan pledged $1 billion to Ukraine.", "utf-8")
    (tmp_path / "b.txt").write_text("Japan pledged $2 billion to Ukraine.", "utf-8")
    results = list(pipeline.run([tmp_path]))
    assert [r.failure is not None for r in results] == [True, True]
    assert "'published' is '2024-02-30'" in results[0].failure.message  # type: ignore[union-attr]


@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan, MAX_AMOUNT * 10, -5.0])
def test_figures_that_cannot_be_amounts_are_not_amounts(value: float):
    assert not is_plausible(value)
    record = _record(Amount(value=value, unit="USD"))
    assert plausible_amounts(record).amount is None


def test_a_309_digit_amount_is_no_amount_and_output_is_strict_json():
    records = aidtrace.extract(HUGE, published="2024-03-04")
    assert records, "the pledge itself is still a record"
    for record in records:
        assert record.amount is None or is_plausible(record.amount.value)
        json.dumps(record.to_dict(), allow_nan=False)


def test_the_store_never_holds_infinity_and_stays_reconcilable(tmp_path: Path):
    doc = Document(doc_id="inf", text="Japan pledged a lot to Ukraine.", published="2024-03-01")
    record = _record(Amount(value=math.inf, unit="USD"), doc=doc)  # as a batch partition could hold it
    with open_store(f"sqlite:///{tmp_path / 's.db'}") as store:
        writes.save_document(store, doc, digest=writes.content_hash(doc), run_id="r")
        writes.replace_records(store, doc, [record], run_id="r", extractor="rules test")
        assert store.scalar("SELECT amount_value FROM records") is None
        (tmp_path / "docs").mkdir()
        (tmp_path / "docs" / "huge.txt").write_text(HUGE, "utf-8")
        pipeline.ingest([tmp_path / "docs"], store)
        reconcile(store)  # must not raise
        values = [row["amount_value"] for row in store.query("SELECT amount_value FROM records")]
        assert all(v is None or math.isfinite(v) for v in values)


def test_manifest_dates_are_checked_when_the_manifest_is_given_explicitly(tmp_path: Path):
    manifest = tmp_path / "m.jsonl"
    manifest.write_text('{"doc_id": "a", "published": "2024-13-01"}\n', "utf-8")
    with pytest.raises(ConfigError, match="'published' is '2024-13-01'"):
        Manifest(manifest)


def _record(amount: Amount, *, doc: Document | None = None) -> Record:
    text = doc.text if doc else "Japan pledged a lot to Ukraine."
    return Record(
        doc_id=doc.doc_id if doc else "t",
        type="aid",
        donor="JPN",
        recipient="UKR",
        evidence=Span(start=0, end=len(text), text=text),
        amount=amount,
        date="2024-03-01",
    )


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"doc_id": "a", "path": 5}', "'path' is 5, not a string"),
        ('{"doc_id": "\\ud800"}', "'doc_id' holds a lone surrogate"),
        ('{"doc_id": "a", "title": ["x"]}', "'title' is ['x'], not a string"),
        ('{"doc_id": "a", "path": "/etc/passwd"}', "'path' is absolute"),
        ('{"doc_id": "a", "published": 20240222}', "'published' is 20240222, not a string"),
        ("[" * 100_000, "not a JSON object"),
    ],
)
def test_a_manifest_line_with_a_field_of_the_wrong_kind_is_a_clean_error(
    tmp_path: Path, line: str, message: str
):
    manifest = tmp_path / "manifest.jsonl"
    manifest.write_text(line + "\n", "utf-8")
    with pytest.raises(ConfigError) as caught:
        read_manifest(manifest)
    assert message in str(caught.value)
    assert str(caught.value).startswith(f"{manifest}:1: ")
