"""Generators of hostile inputs, each a plain function of a `random.Random`.

Hypothesis drives them in CI (`st.randoms()` makes every choice shrinkable, see
test_fuzz.py); `scripts/fuzz --minutes N` drives them with seeded generators for long runs.
Every input is generated here: no third-party files.

    text(rnd)       words of the extractor's vocabulary mixed with runs of digits, spaces,
                    punctuation, currency signs, control and exotic characters
    html(rnd)       pages of that text in deep nesting, long attribute lists, broken tags
    pdf(rnd)        reportlab PDFs of that text, then mutated (flipped bytes, truncation,
                    cyclic page trees, huge counts, unknown filters)
    manifest(rnd)   manifest lines: fields of wrong types, impossible dates, duplicates
    jsonl_line(rnd) archive lines: the same, plus lone surrogates and broken JSON
"""

from __future__ import annotations

import io
import json
import random
from typing import Any

WORDS = (
    "Japan Germany Ukraine Kyiv Tokyo the EU United States pledged delivered provided signed "
    "sanctions against Russia refugees hosted billion million trillion yen euros dollars $ € £ ¥ "
    "USD EUR JPY aid grant loan military humanitarian on Monday in March 2024 last year since "
    "to date about nearly over of and, for; a package worth including tanks vests helmets "
    "agreement security visit conference people % GDP Mr. Dr. No. 1. (a) 12.5 4,500 1.2bn"
).split()
RUN_CHARS = "0123456789 .,;:-–—'\"()[]$€¥£%\n\t\u00a0\u2009\u200b"
EXOTIC = "\u0007\u001b\u202e\u2028\u0085\ufeff\ufffd\U0001f600ǅﬁ١٢٣"


def run(rnd: random.Random, alphabet: str, longest: int) -> str:
    """A run of characters from `alphabet`: the shape that made regexes quadratic."""
    size = rnd.choice((1, 2, 10, 100, rnd.randint(1, longest)))
    if rnd.random() < 0.5:
        return rnd.choice(alphabet) * size
    return "".join(rnd.choice(alphabet) for _ in range(size))


def text(rnd: random.Random, *, longest: int = 3000) -> str:
    """Up to 40 parts; one text in ten has runs up to `longest` characters, the rest short."""
    longest = longest if rnd.random() < 0.1 else min(longest, 60)
    parts = []
    for _ in range(rnd.randint(1, 40)):
        roll = rnd.random()
        if roll < 0.6:
            parts.append(rnd.choice(WORDS))
        elif roll < 0.8:
            parts.append(run(rnd, RUN_CHARS, longest))
        elif roll < 0.9:
            parts.append(run(rnd, "0123456789", longest))
        elif roll < 0.99:
            parts.append(run(rnd, EXOTIC, 20))
        else:
            parts.append("\u0000")
    return rnd.choice((" ", "", "\n", ". ")).join(parts)


def text_bytes(rnd: random.Random) -> bytes:
    """A .txt file: mostly UTF-8 text, sometimes with a BOM, invalid bytes or NUL."""
    data = text(rnd).encode("utf-8")
    roll = rnd.random()
    if roll < 0.1:
        data = b"\xef\xbb\xbf" + data
    elif roll < 0.2:
        data = bytes(rnd.randrange(256) for _ in range(rnd.randint(0, 200))) + data
    elif roll < 0.25:
        data = b""
    return data


def html(rnd: random.Random) -> str:
    depth = rnd.choice((1, 3, 3, 3, 50, rnd.randint(1, 600)))
    attributes = rnd.choice((0, 2, 2, 2, 50, rnd.randint(0, 3000)))
    attrs = " ".join(f'a{i}="{rnd.choice(WORDS)}"' for i in range(attributes))
    body = "".join(f"<p>{text(rnd, longest=500)}</p>" for _ in range(rnd.randint(1, 6)))
    head = f"<title>{text(rnd, longest=50)}</title>"
    if rnd.random() < 0.3:
        head += f'<meta property="article:published_time" content="{_date(rnd)}">'
    page = f"<html><head>{head}</head><body>{'<div>' * depth}<article {attrs}>{body}</article>{'</div>' * depth}</body></html>"
    roll = rnd.random()
    if roll < 0.15:
        cut = rnd.randrange(len(page))
        page = page[:cut]  # truncated markup
    elif roll < 0.25:
        page = page.replace("<", "<<", rnd.randint(1, 5)).replace(">", "", rnd.randint(0, 5))
    elif roll < 0.3:
        page = "<!DOCTYPE html>" + "<!--" * rnd.randint(1, 50) + page
    return page


def pdf(rnd: random.Random) -> bytes:
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    sheet = canvas.Canvas(buffer, pageCompression=rnd.random() < 0.5)
    sheet.setTitle(text(rnd, longest=30)[:200])
    for _ in range(rnd.choice((1, 1, 2, rnd.randint(1, 30)))):
        y = 760
        for line in text(rnd, longest=200).splitlines()[:40] or [""]:
            sheet.drawString(40, y, line[:300])
            y -= 14
        sheet.showPage()
    sheet.save()
    return mutate_pdf(rnd, buffer.getvalue())


def mutate_pdf(rnd: random.Random, data: bytes) -> bytes:
    roll = rnd.random()
    if roll < 0.35:
        return data
    if roll < 0.5:
        flipped = bytearray(data)
        for _ in range(rnd.randint(1, 20)):
            flipped[rnd.randrange(len(flipped))] = rnd.randrange(256)
        return bytes(flipped)
    if roll < 0.6:
        return data[: rnd.randrange(8, len(data))]
    swaps = [
        (b"/Count 1", b"/Count 99999999"),
        (b"/Count 1", b"/Count -5"),
        (b"/Parent 3 0 R", b"/Parent 1 0 R"),  # a cycle in the page tree
        (b"/Kids [", b"/Kids [1 0 R 1 0 R "),
        (b"/FlateDecode", b"/NoSuchDecode"),
        (b"/FlateDecode", b"/LZWDecode"),
        (b"/Length ", b"/Length 9999999"),
        (b"/Type /Pages", b"/Type /Page"),
        (b"startxref", b"startxref\n99999999999999999999"),
        (b"0 obj", b"0 obj " + b"[" * 3000),
    ]
    old, new = rnd.choice(swaps)
    return data.replace(old, new, rnd.choice((1, -1)))


def _date(rnd: random.Random) -> Any:
    return rnd.choice(
        (
            "2024-02-22",
            "2024-02-31",
            "2023-02-29",
            "2024-13-01",
            "0000-00-00",
            "9999-12-31",
            "22/02/2024",
            "2024-02-22T10:00:00",
            "",
            " ",
            20240222,
            None,
            ["2024-02-22"],
            {"y": 2024},
            True,
            1e309,
            "２０２４-０２-２２",
            "2024-02-2\u0000",
        )
    )


def _value(rnd: random.Random) -> Any:
    return rnd.choice(
        (
            text(rnd, longest=40),
            "",
            None,
            17,
            -1,
            True,
            3.5,
            [],
            {"a": 1},
            "\ud800",
            "a\udfffb",
            "x" * rnd.choice((10, 3000)),
            "../../etc/passwd",
            "/abs/path",
            "a\u0000b",
        )
    )


def row(rnd: random.Random, *, text_field: bool) -> dict[str, Any]:
    hostility = rnd.choice((0.0, 0.1, 0.5))  # a third of the rows are well formed
    data: dict[str, Any] = {"title": text(rnd, longest=20)} if rnd.random() < 0.5 else {}
    for field in ("doc_id", "title", "publisher", "url", "path", "format"):
        if rnd.random() < hostility:
            data[field] = _value(rnd)
    if not hostility or rnd.random() < 0.7:
        data["doc_id"] = rnd.choice(("a", "b", "doc-1", f"d{rnd.randrange(5)}"))
    if rnd.random() < 0.6:
        data["published"] = _date(rnd) if rnd.random() < hostility * 2 else "2024-03-01"
    if text_field:
        data["text"] = text(rnd) if rnd.random() < 1 - hostility else _value(rnd)
        if rnd.random() < 0.1:
            data["format"] = rnd.choice(("html", "text", "pdf", ["html"], {"x": 1}, 5))
        if data.get("format") == "html":
            data["text"] = html(rnd)
    return data


def encode_line(rnd: random.Random, data: Any) -> bytes:
    """One JSON line, sometimes broken: cut, nested deep, invalid UTF-8, not an object."""
    raw = json.dumps(data, ensure_ascii=rnd.random() < 0.5).encode("utf-8", "surrogatepass")
    roll = rnd.random() * 5 if rnd.random() < 0.8 else rnd.random()  # mostly well-formed JSON
    if roll < 0.05:
        return raw[: rnd.randrange(len(raw) + 1)]
    if roll < 0.08:
        return b"[" * rnd.choice((100, 5000, 100_000)) + b"]"
    if roll < 0.1:
        return b"\xff\xfe" + raw
    if roll < 0.12:
        return json.dumps(rnd.choice(([1, 2], "text", 3, None))).encode()
    if roll < 0.14:
        return raw.replace(b"}", b', "published": NaN, "x": Infinity}')
    return raw


def manifest(rnd: random.Random) -> bytes:
    lines = [encode_line(rnd, row(rnd, text_field=False)) for _ in range(rnd.choice((1, 1, 2, 6)))]
    if rnd.random() < 0.2:
        lines.append(lines[0])  # a duplicate row
    return b"\n".join(lines) + b"\n"


def jsonl_line(rnd: random.Random) -> bytes:
    return encode_line(rnd, row(rnd, text_field=True))
