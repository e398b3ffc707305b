"""Batch inputs: folders, globs and JSON Lines archives become items, and archive lines
become the Documents a file reader would make, or failures naming the file and line."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from aidtrace.batch.sources import FileItem, LineItem, list_items, read_line
from aidtrace.batch.work import line_result
from aidtrace.errors import ConfigError
from aidtrace.ingest import Manifest, read_document
from aidtrace.model import Document
from aidtrace.settings import Settings
from tests.unit.test_readers import HTML

SETTINGS = Settings()
GOOD = {"doc_id": "n1", "text": "Norway announced NOK 7.5 billion for Ukraine.\n", "published": "2024-02-22"}


def items(*inputs: Path | str) -> list[FileItem | LineItem]:
    return list(list_items([str(i) for i in inputs]))


def line(raw: str, number: int = 3) -> LineItem:
    return LineItem(archive="crawl.jsonl", line=number, raw=raw.encode())


def test_folder_yields_documents_and_archives_in_sorted_order_but_not_the_manifest(tmp_path):
    (tmp_path / "b.txt").write_text("B", encoding="utf-8")
    (tmp_path / "a.jsonl").write_text(json.dumps(GOOD) + "\n\n" + json.dumps(GOOD) + "\n", encoding="utf-8")
    (tmp_path / "manifest.jsonl").write_text('{"doc_id": "b"}\n', encoding="utf-8")
    (tmp_path / "notes.csv").write_text("x", encoding="utf-8")
    found = [(type(i).__name__, getattr(i, "path", None) or i.source) for i in items(tmp_path)]
    assert found == [
        ("LineItem", f"{tmp_path / 'a.jsonl'}:1"),
        ("LineItem", f"{tmp_path / 'a.jsonl'}:3"),
        ("FileItem", str(tmp_path / "b.txt")),
    ]


def test_glob_is_expanded_in_sorted_order_and_an_empty_one_is_an_error(tmp_path):
    for name in ("2.txt", "1.txt", "x.md"):
        (tmp_path / name).write_text("text", encoding="utf-8")
    assert [i.path for i in items(f"{tmp_path}/*.txt") if isinstance(i, FileItem)] == [
        str(tmp_path / "1.txt"),
        str(tmp_path / "2.txt"),
    ]
    with pytest.raises(ConfigError, match=r"\*\.pdf: no file matches this pattern"):
        items(f"{tmp_path}/*.pdf")


def test_file_key_changes_with_the_file_and_the_manifest_beside_it(tmp_path):
    doc = tmp_path / "a.txt"
    doc.write_text("one", encoding="utf-8")
    before = items(doc)
    (tmp_path / "manifest.jsonl").write_text('{"doc_id": "a", "published": "2024-01-01"}\n', encoding="utf-8")
    with_manifest = items(doc)
    doc.write_text("other", encoding="utf-8")
    assert len({before[0].key, with_manifest[0].key, items(doc)[0].key}) == 3


def test_gzip_archive_is_read_and_a_truncated_one_fails_at_the_line_it_stops(tmp_path):
    packed = gzip.compress((json.dumps(GOOD) + "\n").encode() * 200)
    (tmp_path / "full.jsonl.gz").write_bytes(packed)
    (tmp_path / "cut.jsonl.gz").write_bytes(packed[: len(packed) // 2])
    assert len(items(tmp_path / "full.jsonl.gz")) == 200
    *_read, broken = items(tmp_path / "cut.jsonl.gz")
    result = line_result(broken, SETTINGS)
    assert result.failure is not None
    assert result.failure.message.startswith(
        f"{tmp_path / 'cut.jsonl.gz'}:{broken.line}: cannot read the archive"
    )


def test_archive_line_reads_like_the_same_text_file_with_a_manifest(tmp_path):
    (tmp_path / "n1.txt").write_text(GOOD["text"], encoding="utf-8")
    (tmp_path / "manifest.jsonl").write_text(json.dumps({**GOOD, "text": None}) + "\n", encoding="utf-8")
    from_file = read_document(tmp_path / "n1.txt", manifest=Manifest(None), settings=SETTINGS)
    from_line = read_line(line(json.dumps(GOOD)), settings=SETTINGS)
    assert from_line == Document(**{**_fields(from_file), "source": "crawl.jsonl:3"})


def test_archive_html_reads_like_the_same_page_and_the_row_metadata_wins(tmp_path):
    (tmp_path / "h.html").write_text(HTML, encoding="utf-8")
    from_file = read_document(tmp_path / "h.html", manifest=Manifest(None), settings=SETTINGS)
    row = {"doc_id": "h", "text": HTML, "format": "html", "title": "Row title"}
    from_line = read_line(line(json.dumps(row)), settings=SETTINGS)
    assert from_line == Document(**{**_fields(from_file), "title": "Row title", "source": "crawl.jsonl:3"})
    assert from_line.format == "html"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("{not json", "crawl.jsonl:3: not a JSON object (Expecting property name"),
        ("[1, 2]", "crawl.jsonl:3: not a JSON object; each line is one document"),
        ('{"text": "Aid."}', "crawl.jsonl:3: the document has no 'doc_id'"),
        ('{"doc_id": "a", "text": "  "}', "crawl.jsonl:3: the document has no 'text'"),
        (
            '{"doc_id": "a", "text": "Aid.", "published": "22/02/2024"}',
            "crawl.jsonl:3: 'published' is '22/02/2024'",
        ),
        (
            '{"doc_id": "a", "text": "Aid.", "format": "pdf"}',
            "crawl.jsonl:3: 'format' is 'pdf'; use one of: text, html",
        ),
        ('{"doc_id": "a", "text": "Aid.\\u0000"}', "crawl.jsonl:3: looks like a binary file"),
        (
            '{"doc_id": "a", "text": "<p>no main text</p>", "format": "html"}',
            "crawl.jsonl:3: no main text found",
        ),
    ],
)
def test_bad_archive_line_becomes_a_failure_naming_file_and_line(raw, message):
    result = line_result(line(raw), SETTINGS)
    assert result.failure is not None
    assert (result.failure.source, result.failure.error) == ("crawl.jsonl:3", "UnreadableDocument")
    assert result.failure.message.startswith(message)
    assert result.records == ()


def test_oversized_archive_line_fails_with_the_limit_and_what_to_do():
    result = line_result(line(json.dumps(GOOD)), Settings(max_bytes=20))
    assert result.failure is not None
    assert "over the 20-byte limit; split the document or raise AIDTRACE_MAX_BYTES" in result.failure.message


def _fields(doc: Document) -> dict[str, object]:
    return {name: getattr(doc, name) for name in Document.__dataclass_fields__}
