"""Full-text search over records' evidence sentences and documents' titles (schema 7).

In: a Store and the words a user typed. Out: hits ranked best first (SQLite: FTS5's
bm25; PostgreSQL: ts_rank over the stored tsvector), each with a `Snippet`: the matching
sentence (or title) as plain text and the spans of the words that matched.

    search(store, "patriot battery")              -> SearchPage(items=[...], found=12, capped=False)
    search(store, "kiel", what="documents")       -> documents whose titles say it
    matching(store, "records", q)                 -> (SQL condition on `r`, params) for other queries
    measure_snippets(store, measure_ids, q)       -> measure id -> its best matching sentence

What a user types is never query syntax: it is cut into words (letters and digits), and
the words are bound parameters (SQLite: each a quoted FTS5 string; PostgreSQL:
plainto_tsquery), so quotes, NEAR(, *, - and SQL are only text. Text with no word is an
InvalidParameter naming `q`. Both databases stem English words ("tranches" finds
"tranche"); PostgreSQL also drops stop words ("the"), SQLite does not.

Snippets come back with private-use characters around the matched words (START, STOP),
which `Snippet.parse` turns into offsets; `Snippet.html` escapes the text before adding
<mark>, so a document's own markup is only ever shown as text (PostgreSQL's headline
leaves tag-like text out altogether).

A query that matches more than CANDIDATES rows ranks CANDIDATES of them (SQLite: the
newest; PostgreSQL: the first its scan finds), and `capped` says so: ranking every
sentence that holds a common word would cost seconds at a million, and such a query asks
for a narrower one.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any, Literal

from aidtrace.params import InvalidParameter
from aidtrace.store.db import Row, Store

WORD = re.compile(r"[^\W_]+")  # letters and digits: "_" and punctuation separate words
MAX_TERMS = 16
CANDIDATES = 500  # matches ranked at most: bm25 reads each one's sizes, ~20 µs a row
START, STOP = "\ue000", "\ue001"  # private-use characters: never meaningful in a document
SNIPPET_WORDS = 32  # words of a long sentence shown around its matches
Kind = Literal["records", "documents"]


def terms(q: str | None, *, name: str = "q") -> list[str]:
    """The words of `q` (letters, digits; at most MAX_TERMS); InvalidParameter when there are none."""
    words = WORD.findall(q or "")[:MAX_TERMS]
    if not words:
        raise InvalidParameter(name, f"{name}: give at least one word (letters or digits) to search for")
    return words


@dataclass(frozen=True, slots=True)
class Snippet:
    """Text with the spans of matched words: text[start:end] for each (start, end) in marks."""

    text: str
    marks: tuple[tuple[int, int], ...] = ()

    @classmethod
    def parse(cls, marked: str) -> Snippet:
        """A snippet from text with START/STOP around matches; marks separated only by
        spaces join ("field hospitals" is one mark)."""
        text, marks, opened = [], [], None
        size = 0
        for piece in re.split(f"([{START}{STOP}])", marked or ""):
            if piece == START:
                opened = size if opened is None else opened
            elif piece == STOP:
                if opened is not None and size > opened:
                    marks.append((opened, size))
                opened = None
            else:
                text.append(piece)
                size += len(piece)
        plain = "".join(text)
        joined: list[tuple[int, int]] = []
        for start, end in marks:
            if joined and not plain[joined[-1][1] : start].strip():
                joined[-1] = (joined[-1][0], end)
            else:
                joined.append((start, end))
        return cls(plain, tuple(joined))

    def parts(self) -> list[tuple[str, bool]]:
        """The text cut at the marks: (piece, matched) in order, for a template to escape."""
        out, at = [], 0
        for start, end in self.marks:
            if start > at:
                out.append((self.text[at:start], False))
            out.append((self.text[start:end], True))
            at = end
        if at < len(self.text):
            out.append((self.text[at:], False))
        return out

    def html(self) -> str:
        """The snippet as HTML: every piece escaped, matched ones inside <mark>."""
        return "".join(
            f"<mark>{html.escape(piece)}</mark>" if hit else html.escape(piece) for piece, hit in self.parts()
        )

    def to_dict(self) -> Row:
        return {"text": self.text, "marks": [list(mark) for mark in self.marks], "html": self.html()}


@dataclass(frozen=True, slots=True)
class SearchPage:
    items: list[Row]
    found: int  # rows ranked (at most CANDIDATES)
    capped: bool = field(default=False)  # more rows matched than were ranked


def search(
    store: Store,
    q: str,
    *,
    what: Kind = "records",
    donor: str | None = None,
    limit: int = 20,
    offset: int = 0,
    name: str = "q",
) -> SearchPage:
    """Records (not rejected) whose evidence, or documents whose titles, say the words of
    `q`, best first, each with `snippet` (Snippet.to_dict) and `score` (higher is better);
    `name` is the parameter that gave `q`, for the error when it holds no word."""
    words = terms(q, name=name)
    if what not in ("records", "documents"):
        raise InvalidParameter("in", f"in {what!r}: search records or documents")
    ranked, found = _ranked(store, what, words, donor=donor, limit=limit, offset=offset)
    details = _details(store, what, words, [key for key, _score in ranked])
    items = []
    for key, score in ranked:
        row = details.get(key)
        if row is None:
            continue  # deleted between the two reads
        row["score"] = round(score, 6)
        row["snippet"] = Snippet.parse(row.pop("marked")).to_dict()
        items.append(row)
    return SearchPage(items=items, found=found, capped=found >= CANDIDATES)


def _ranked(
    store: Store, what: Kind, words: list[str], *, donor: str | None, limit: int, offset: int
) -> tuple[list[tuple[Any, float]], int]:
    """(row key, score) of the best matches from `offset` on, best first, and how many
    matches were ranked (at most CANDIDATES)."""
    table = "records r" if what == "records" else "documents r"
    filters = "" if what == "documents" else " AND (r.review_status IS NULL OR r.review_status <> 'rejected')"
    params: list[Any] = []
    if donor and what == "records":
        filters += " AND r.donor = ?"
        params.append(donor.upper())
    if store.dialect == "postgresql":
        column = "evidence_search" if what == "records" else "title_search"
        key = "record_id" if what == "records" else "doc_id"
        candidates = f"""SELECT r.{key} AS key, ts_rank(r.{column}, plainto_tsquery('english', ?)) AS score
                         FROM {table} WHERE r.{column} @@ plainto_tsquery('english', ?){filters} LIMIT ?"""
        params = [_plain(words), _plain(words), *params, CANDIDATES]
    else:
        fts = "records_fts" if what == "records" else "documents_fts"
        candidates = f"""SELECT f.rowid AS key, -bm25({fts}) AS score FROM {fts} f JOIN {table} ON r.rowid = f.rowid
                         WHERE {fts} MATCH ?{filters} ORDER BY f.rowid DESC LIMIT ?"""
        params = [_fts_query(words), *params, CANDIDATES]
    rows = store.query(
        f"""SELECT key, score, COUNT(*) OVER () AS found FROM ({candidates}) hit
            ORDER BY score DESC, key DESC LIMIT ? OFFSET ?""",
        [*params, limit, offset],
    )
    if rows:
        found = int(rows[0]["found"])
    else:  # a page past the last: no row carries the count
        found = int(store.scalar(f"SELECT COUNT(*) FROM ({candidates}) hit", params) or 0) if offset else 0
    return [(row["key"], float(row["score"])) for row in rows], found


def _details(store: Store, what: Kind, words: list[str], keys: list[Any]) -> dict[Any, Row]:
    """Key -> the row to show, with `marked`: its text with START/STOP around matches."""
    if not keys:
        return {}
    marks = ", ".join("?" * len(keys))
    if what == "records":
        columns = """r.record_id, r.doc_id, r.donor, r.recipient, r.type, r.stage, r.date, r.amount_value,
                     r.amount_unit, r.review_status, d.title, d.published, mr.measure_id"""
        table = "records r"
        joins = """JOIN documents d ON d.doc_id = r.doc_id
                   LEFT JOIN measure_records mr ON mr.record_id = r.record_id"""
    else:
        columns = "r.doc_id, r.title, r.publisher, r.url, r.published, r.format, r.status"
        table, joins = "documents r", ""
    if store.dialect == "postgresql":
        key, text = (
            ("record_id", "r.evidence_text") if what == "records" else ("doc_id", "COALESCE(r.title, '')")
        )
        rows = store.query(
            f"""SELECT r.{key} AS key, {columns},
                       ts_headline('english', {text}, plainto_tsquery('english', ?), ?) AS marked
                FROM {table} {joins} WHERE r.{key} IN ({marks})""",
            [_plain(words), HEADLINE if what == "records" else HEADLINE_ALL, *keys],
        )
    else:
        fts = "records_fts" if what == "records" else "documents_fts"
        cut = (
            f"snippet({fts}, 0, ?, ?, '…', {SNIPPET_WORDS})"
            if what == "records"
            else f"highlight({fts}, 0, ?, ?)"
        )
        rows = store.query(
            f"""SELECT f.rowid AS key, {columns}, {cut} AS marked
                FROM {fts} f JOIN {table} ON r.rowid = f.rowid {joins}
                WHERE {fts} MATCH ? AND f.rowid IN ({marks})""",
            [START, STOP, _fts_query(words), *keys],
        )
    found: dict[Any, Row] = {}
    for row in rows:
        found.setdefault(row.pop("key"), row)
    return found


HEADLINE = f"StartSel={START}, StopSel={STOP}, MaxWords={SNIPPET_WORDS}, MinWords=20"
HEADLINE_ALL = f"StartSel={START}, StopSel={STOP}, HighlightAll=true"


def matching(store: Store, what: Kind, q: str, *, alias: str = "r") -> tuple[str, list[Any]]:
    """A condition that the row `alias` of records (or documents) matches the words of `q`,
    with its parameters, for other queries to AND in (measures whose sentences say it)."""
    words = terms(q)
    if store.dialect == "postgresql":
        column = "evidence_search" if what == "records" else "title_search"
        return f"{alias}.{column} @@ plainto_tsquery('english', ?)", [_plain(words)]
    fts = "records_fts" if what == "records" else "documents_fts"
    return f"{alias}.rowid IN (SELECT rowid FROM {fts} WHERE {fts} MATCH ?)", [_fts_query(words)]


def measure_snippets(store: Store, measure_ids: list[str], q: str) -> dict[str, Row]:
    """Measure id -> {doc_id, title, snippet (a Snippet)} of the first of its mentions (in
    document order) whose sentence says the words of `q`; measures with none are left out."""
    words = terms(q)
    found: dict[str, Row] = {}
    for start in range(0, len(measure_ids), 500):
        chunk = measure_ids[start : start + 500]
        for row in _mention_matches(store, chunk, words):
            if row["measure_id"] not in found:
                found[row["measure_id"]] = {
                    "doc_id": row["doc_id"],
                    "title": row["title"],
                    "snippet": Snippet.parse(row["marked"]),
                }
    return found


def _mention_matches(store: Store, ids: list[str], words: list[str]) -> list[Row]:
    marks = ", ".join("?" * len(ids))
    columns = "mr.measure_id, r.doc_id, d.title"
    joins = """measure_records mr JOIN records r ON r.record_id = mr.record_id
               JOIN documents d ON d.doc_id = r.doc_id"""
    if store.dialect == "postgresql":
        return store.query(
            f"""SELECT {columns}, ts_headline('english', r.evidence_text, plainto_tsquery('english', ?),
                       ?) AS marked
                FROM {joins} WHERE mr.measure_id IN ({marks})
                  AND r.evidence_search @@ plainto_tsquery('english', ?)
                ORDER BY r.doc_id, r.position""",
            [_plain(words), HEADLINE_ALL, *ids, _plain(words)],
        )
    return store.query(
        f"""SELECT {columns}, highlight(records_fts, 0, ?, ?) AS marked
            FROM {joins} JOIN records_fts f ON f.rowid = r.rowid
            WHERE mr.measure_id IN ({marks}) AND records_fts MATCH ?
            ORDER BY r.doc_id, r.position""",
        [START, STOP, *ids, _fts_query(words)],
    )


def _fts_query(words: list[str]) -> str:
    """FTS5 query text: every word a quoted string (so none is an operator), all required."""
    return " ".join('"' + word.replace('"', '""') + '"' for word in words)


def _plain(words: list[str]) -> str:
    return " ".join(words)
