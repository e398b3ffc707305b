"""Issue 12, finding 5: inputs that took minutes or gigabytes. Readers check size before
they decompress or parse, and hostile shapes stay linear or end at the time budget."""

from __future__ import annotations

import gzip
import io
import time
import tracemalloc
from pathlib import Path

import pytest

from aidtrace import pipeline
from aidtrace.batch.sources import read_archive
from aidtrace.ingest import pdf as pdf_reader
from aidtrace.ingest.html import read_html
from aidtrace.settings import Settings

ARTICLE = "<p>Japan pledged $4.5 billion to Ukraine on Monday, officials said in Tokyo.</p>" * 3


def test_an_element_with_100000_attributes_is_read_in_linear_time():
    attributes = " ".join(f'a{i}="v"' for i in range(100_000))
    page = f"<html><body><div {attributes}><article>{ARTICLE}</article></div></body></html>"
    assert len(page) > 1_000_000
    start = time.perf_counter()
    doc = read_html(page.encode(), path=Path("x.html"), doc_id="x")
    assert time.perf_counter() - start < 5  # was over 120 s
    assert "Japan pledged $4.5 billion" in doc.text


def test_deep_html_is_read_or_refused_quickly(tmp_path: Path):
    (tmp_path / "deep.html").write_text(
        "<html><body>" + "<div>" * 50_000 + ARTICLE + "</body></html>", "utf-8"
    )
    start = time.perf_counter()
    [result] = pipeline.run([tmp_path])
    assert time.perf_counter() - start < 10
    assert result.records or result.failure


def test_an_archive_line_over_the_limit_is_never_held_in_memory(tmp_path: Path):
    archive = tmp_path / "crawl.jsonl.gz"
    with gzip.open(archive, "wb", compresslevel=1) as out:
        out.write(b'{"doc_id": "a", "text": "Aid."}\n')
        out.write(b'{"doc_id": "big", "text": "')
        chunk = b" " * 1_000_000
        for _ in range(60):  # a 60 MB line in a file of a few hundred KB
            out.write(chunk)
        out.write(b'"}\n{"doc_id": "c", "text": "Aid."}\n')
    tracemalloc.start()
    items = list(read_archive(archive, max_bytes=1_000_000))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 10_000_000  # the line is skipped in chunks, never read whole
    assert [(i.line, i.error is None) for i in items] == [(1, True), (2, False), (3, True)]
    assert "over the 1,000,000-byte limit" in (items[1].error or "")


def _pdf(objects: list[bytes]) -> bytes:
    body = b"%PDF-1.4\n"
    for number, obj in enumerate(objects, 1):
        body += b"%d 0 obj\n" % number + obj + b"\nendobj\n"
    return body + b"trailer\n<< /Root 1 0 R /Size %d >>\n%%%%EOF\n" % (len(objects) + 1)


HOSTILE_PDFS = {
    "cyclic page tree": _pdf(
        [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [2 0 R 2 0 R] /Count 2 >>"]
    ),
    "unknown filter": _pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /Contents 4 0 R /MediaBox [0 0 600 800] >>",
            b"<< /Length 5 /Filter /NoSuchDecode >>\nstream\nabcde\nendstream",
        ]
    ),
    "huge count": _pdf(
        [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 99999999999999999999 >>"]
    ),
    "nested arrays": _pdf([b"<< /Type /Catalog /Pages " + b"[" * 5000 + b" >>"]),
}


@pytest.mark.parametrize("name", HOSTILE_PDFS)
def test_a_hostile_pdf_is_a_failure_not_a_crash(tmp_path: Path, name: str):
    (tmp_path / "a.pdf").write_bytes(HOSTILE_PDFS[name])
    (tmp_path / "b.txt").write_text("Japan pledged $1 billion to Ukraine.", "utf-8")
    start = time.perf_counter()
    results = list(pipeline.run([tmp_path]))
    assert time.perf_counter() - start < 10
    assert results[0].failure is not None
    assert "bug in aidtrace" not in results[0].failure.message
    assert results[1].records  # the run went on


def test_a_pdf_over_the_page_limit_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    sheet = canvas.Canvas(buffer)
    for _ in range(5):
        sheet.drawString(72, 720, "Japan pledged $1 billion to Ukraine.")
        sheet.showPage()
    sheet.save()
    monkeypatch.setattr(pdf_reader, "MAX_PAGES", 3)
    (tmp_path / "long.pdf").write_bytes(buffer.getvalue())
    [result] = pipeline.run([tmp_path])
    assert result.failure is not None
    assert "5 pages, over the limit of 3" in result.failure.message


def test_a_run_of_digits_ends_at_the_time_budget(tmp_path: Path):
    """A run of 20,000 digits after a currency sign took the extractor minutes (quadratic);
    with the budget it is a recorded failure within about a second, or records."""
    (tmp_path / "digits.txt").write_text("Japan pledged $" + "1" * 20_000 + " to Ukraine.", "utf-8")
    start = time.perf_counter()
    [result] = pipeline.run([tmp_path], settings=Settings(seconds_per_mb=1))
    assert time.perf_counter() - start < 3
    assert result.failure is None or result.failure.error == "OverBudget"


def test_the_extractor_is_linear_on_long_digit_runs():
    import aidtrace

    start = time.perf_counter()
    for run in ("1" * 8_000, "." * 8_000):
        aidtrace.extract("Japan pledged $" + run + " to Ukraine.")
    assert time.perf_counter() - start < 2.0  # 8 KB of digits took 4.5 s before, 16 KB 8 s and more


def test_a_sentence_of_a_thousand_figures_or_clauses_is_no_longer_quadratic():
    """One sentence of 1,230 'Japan pledged $1 billion,' clauses (32 KB) took 13.7 s, and one
    of 2,000 figures 8.8 s: every clause scanned the whole sentence again. Both take about a
    second now; the bound leaves room for a loaded machine."""
    import aidtrace

    clauses = "Japan pledged $1 billion, " * (32_000 // 26) + "to Ukraine."
    figures = "Japan will provide Ukraine with " + ", ".join(f"${i} million" for i in range(1, 2_000)) + "."
    start = time.perf_counter()
    assert aidtrace.extract(clauses, published="2024-01-01")
    assert len(aidtrace.extract(figures, published="2024-01-01")) == 1_999
    assert time.perf_counter() - start < 8.0


def test_a_long_run_without_spaces_in_a_tagged_sentence_does_not_reach_the_tagger():
    """spaCy's tokenizer searches suffixes in time quadratic in a token's length: a fuzzed
    3 KB line whose candidate sentence held runs of brackets and stops took 4.4 s in the
    tokenizer alone. The tagger now reads such runs as short filler words of the same length
    (offsets unchanged), and a trigger next to one is still read."""
    import aidtrace
    from aidtrace.extractor.syntax import _tame

    run = ")]." * 1_000
    tamed = _tame(f"Poland supplies {run} generators")
    assert len(tamed) == len(f"Poland supplies {run} generators")
    assert max(len(word) for word in tamed.split()) < 64
    assert tamed.startswith("Poland supplies ")
    assert tamed.endswith(" generators")
    aidtrace.extract("Poland supplies 40 generators to Ukraine.")  # the tagger's load is not timed
    start = time.perf_counter()
    found = aidtrace.extract(f"Poland supplies 40 generators to Ukraine {run}.", published="2024-01-01")
    assert [(r.donor, r.amount.value) for r in found] == [("POL", 40)]
    assert time.perf_counter() - start < 2.0  # 3 KB of one token: 5.7 s in the tokenizer before
