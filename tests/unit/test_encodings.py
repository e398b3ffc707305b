"""Text files in other encodings than UTF-8 (ingest/text.py): read, with a warning naming it."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from aidtrace.errors import UnreadableDocument
from aidtrace.ingest.text import decode_text

TEXT = "Japan’s ministry said the ¥100 billion package — for Ukraine’s café owners — was approved.\r\n"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (TEXT.encode("utf-16"), "UTF-16"),
        (TEXT.encode("utf-16-be").join([b"\xfe\xff", b""]), "UTF-16"),
        (TEXT.encode("utf-32"), "UTF-32"),
        (TEXT.replace("’", "'").replace("—", "-").replace("¥", "JPY ").encode("latin-1"), "cp125"),
        (TEXT.replace("¥", "JPY ").encode("cp1252"), "cp125"),
    ],
)
def test_other_encodings_are_read_with_a_warning(data, encoding, caplog: pytest.LogCaptureFixture):
    with caplog.at_level(logging.WARNING, logger="aidtrace.ingest"):
        text = decode_text(data, path=Path("doc.txt"))
    assert text == data.decode(_codec(data, encoding)).lstrip("\ufeff").replace("\r\n", "\n")
    (message,) = caplog.messages
    assert message.startswith(f"doc.txt: not UTF-8; read as {encoding}")


def _codec(data: bytes, encoding: str) -> str:
    return "cp1252" if encoding == "cp125" else encoding.lower()


def test_utf8_is_read_without_a_warning(caplog: pytest.LogCaptureFixture):
    with caplog.at_level(logging.WARNING, logger="aidtrace.ingest"):
        assert decode_text(TEXT.encode("utf-8-sig"), path=Path("doc.txt")) == TEXT.replace("\r\n", "\n")
    assert caplog.messages == []


def test_a_short_text_in_another_encoding_is_refused_not_guessed():
    with pytest.raises(
        UnreadableDocument, match="not valid UTF-8 at byte 3, and too short to tell its encoding"
    ):
        decode_text("café aid".encode("latin-1"), path=Path("doc.txt"))


def test_binary_data_is_still_refused():
    with pytest.raises(UnreadableDocument, match="looks like a binary file"):
        decode_text(b"\x00\x01\x02" * 40, path=Path("doc.bin"))
