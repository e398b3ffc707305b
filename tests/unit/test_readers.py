from pathlib import Path

import pytest

from aidtrace.errors import ConfigError, UnreadableDocument
from aidtrace.ingest import Manifest, read_document
from aidtrace.settings import Settings
from tests.helpers import write_pdf

HTML = """<!doctype html><html><head><title>Japan pledges aid</title>
<meta name="date" content="2024-02-20"><meta property="og:site_name" content="Example News"></head>
<body><nav><a href="/">Home</a> <a href="/world">World</a> <a href="/sport">Sport</a></nav>
<article><h1>Japan pledges aid</h1>
<p>Japan on Monday pledged $4.5 billion to Ukraine, officials in Tokyo said after a long meeting.</p>
<p>The package includes grants and loans for the reconstruction of energy infrastructure in several regions.</p>
</article><div class="comments"><p>Great article!! Visit my site for cheap watches.</p></div>
<footer>Copyright 2024 Example News. Subscribe to our newsletter.</footer></body></html>"""


def read(path: Path, manifest: Path | None = None, max_bytes: int = 1_000_000):
    return read_document(path, manifest=Manifest(manifest), settings=Settings(max_bytes=max_bytes))


def test_text_is_read_with_newlines_normalized(tmp_path):
    path = tmp_path / "a.txt"
    path.write_bytes("\ufeffTitle\r\nJapan gave aid.\r\n".encode())
    doc = read(path)
    assert (doc.doc_id, doc.text, doc.title, doc.format) == ("a", "Title\nJapan gave aid.\n", "Title", "text")


def test_html_main_text_and_metadata_without_boilerplate(tmp_path):
    path = tmp_path / "page.html"
    path.write_text(HTML, encoding="utf-8")
    doc = read(path)
    assert "pledged $4.5 billion to Ukraine" in doc.text
    assert "newsletter" not in doc.text
    assert "cheap watches" not in doc.text
    assert "Sport" not in doc.text
    assert (doc.title, doc.published, doc.publisher, doc.format) == (
        "Japan pledges aid",
        "2024-02-20",
        "Example News",
        "html",
    )


def test_pdf_lines_are_rejoined_into_sentences(tmp_path):
    path = tmp_path / "brief.pdf"
    sentence = (
        "On 20 February 2023 Japan announced $5.5 billion in additional financial support for Ukraine, " * 3
    )
    write_pdf(path, [sentence.strip(), "A second paragraph follows here."])
    doc = read(path)
    assert "Japan announced $5.5 billion in additional financial support for Ukraine" in doc.text
    assert "\n" not in doc.text.split("A second")[0].strip()


def test_manifest_overrides_metadata_and_doc_id(tmp_path):
    (tmp_path / "x.txt").write_text("Text.", encoding="utf-8")
    (tmp_path / "manifest.jsonl").write_text(
        '{"doc_id": "x", "title": "T", "publisher": "P", "url": "u", "published": "2024-01-02"}\n'
        '{"path": "x.txt", "doc_id": "other"}\n',
        encoding="utf-8",
    )
    doc = read(tmp_path / "x.txt")
    assert (doc.doc_id, doc.published) == ("other", None)


def test_explicit_manifest_rows_by_stem(tmp_path):
    (tmp_path / "x.txt").write_text("Text.", encoding="utf-8")
    manifest = tmp_path / "meta.jsonl"
    manifest.write_text('{"doc_id": "x", "title": "T", "published": "2024-01-02"}\n', encoding="utf-8")
    doc = read(tmp_path / "x.txt", manifest)
    assert (doc.doc_id, doc.title, doc.published) == ("x", "T", "2024-01-02")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.txt", b"", "the file is empty"),
        ("blank.txt", b"  \n\n ", "the file is empty"),
        ("binary.txt", b"\x00\x01\x02binary", "looks like a binary file"),
        ("latin.txt", "caf\u00e9 aid".encode("latin-1"), "not valid UTF-8 at byte 3"),
        ("big.txt", b"x" * 2000, "over the 1,000-byte limit"),
        ("broken.pdf", b"%PDF-1.4 garbage", "malformed PDF"),
        ("fake.pdf", b"just text", "not a PDF file"),
        ("plain.html", b"no markup at all", "no HTML markup found"),
        ("empty.html", b"<html><body></body></html>", "no main text found"),
        ("data.xlsx", b"PK\x03\x04", "unsupported file type '.xlsx'"),
    ],
)
def test_bad_inputs_get_one_clear_error(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(UnreadableDocument, match=message) as info:
        read(path, max_bytes=1000)
    assert str(path) in str(info.value)


def test_missing_file_is_reported(tmp_path):
    with pytest.raises(UnreadableDocument, match="no such file"):
        read(tmp_path / "nope.txt")


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("not json", "not a JSON object"),
        ('{"title": "x"}', "needs a 'doc_id'"),
        ('{"doc_id": "a", "published": "5 May"}', "YYYY-MM-DD"),
    ],
)
def test_bad_manifest_lines_name_file_and_line(tmp_path, line, message):
    manifest = tmp_path / "m.jsonl"
    manifest.write_text('{"doc_id": "ok"}\n' + line + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=rf"m\.jsonl:2: .*{message}"):
        Manifest(manifest)
