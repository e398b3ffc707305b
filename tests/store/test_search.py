"""Full-text search and keyset paging in the store (SQLite and PostgreSQL): ranking and
snippets, the index kept in step by re-ingest, review and deletion, hostile text and
queries, and cursors that return every row exactly once in every sort order."""

from __future__ import annotations

import random
from typing import Any

import pytest

from aidtrace import queries
from aidtrace.model import Amount, Document, Record, Span
from aidtrace.params import InvalidParameter
from aidtrace.store import Store, search
from aidtrace.store.keyset import InvalidCursor, decode, encode
from aidtrace.store.reviews import review_record
from aidtrace.store.writes import MEASURE_COLUMNS, replace_measures, replace_records, save_document


def _document(store: Store, doc_id: str, sentences: list[str], *, title: str | None = None) -> list[str]:
    """Store a document whose every sentence is one aid record of Germany; its record ids."""
    text, records = "", []
    for sentence in sentences:
        start = len(text)
        text += sentence + " "
        records.append(
            Record(
                doc_id=doc_id,
                type="aid",
                donor="DEU",
                recipient="UKR",
                evidence=Span(start=start, end=start + len(sentence), text=sentence),
                amount=Amount(value=1e6, unit="EUR"),
                date="2024-03-01",
            )
        )
    doc = Document(doc_id=doc_id, text=text, title=title or doc_id, published="2024-03-02")
    save_document(store, doc, digest=str(hash((text, title))), run_id="t")
    replace_records(store, doc, records, run_id="t", extractor="test")
    return [row["record_id"] for row in queries.record_dicts(store, doc_id=doc_id, rejected=True)]


def _found(store: Store, q: str, **options: Any) -> list[str]:
    return [hit["record_id"] for hit in search.search(store, q, **options).items]


def test_search_ranks_the_sentence_that_says_it_most_first(store: Store):
    _document(
        store, "a", ["Germany sent one howitzer among many other things to Ukraine in spring this year."]
    )
    _document(store, "b", ["Germany sent howitzers, more howitzers and again howitzers."])
    _document(store, "c", ["Germany sent tents."])
    hits = search.search(store, "howitzers").items
    assert [hit["doc_id"] for hit in hits] == ["b", "a"]  # stemmed: "howitzer" matches too
    assert hits[0]["score"] > hits[1]["score"]
    snippet = hits[0]["snippet"]
    assert snippet["marks"]
    for start, end in snippet["marks"]:
        assert snippet["text"][start:end].lower().startswith("howitzer")
    assert "<mark>howitzers</mark>" in snippet["html"]
    assert hits[0]["title"] == "b"


def test_search_by_title_and_by_donor(store: Store):
    _document(store, "kiel", ["Germany sent tents."], title="Kiel tracker update on winter aid")
    _document(store, "other", ["Germany sent stoves."], title="Winter notes")
    titles = search.search(store, "kiel tracker", what="documents").items
    assert [hit["doc_id"] for hit in titles] == ["kiel"]
    assert titles[0]["snippet"]["html"] == "<mark>Kiel tracker</mark> update on winter aid"
    assert _found(store, "tents", donor="DEU")
    assert _found(store, "tents", donor="JPN") == []
    assert {row["doc_id"] for row in queries.documents(store, q="winter").items} == {"kiel", "other"}


def test_search_stays_in_step_with_reingest_review_and_deletion(store: Store):
    _document(store, "d", ["Germany sent howitzers.", "Germany sent generators."])
    assert len(_found(store, "howitzers")) == 1
    # re-ingested with other text: the old sentence is gone from the index, the new one in it
    _document(store, "d", ["Germany sent ambulances.", "Germany sent generators."])
    assert _found(store, "howitzers") == []
    assert len(_found(store, "ambulances")) == 1
    # a reviewer rejects a record: search leaves it out, as the records list does
    generators = _found(store, "generators")
    assert len(generators) == 1
    review_record(store, generators[0], action="reject", reviewer="ana")
    assert _found(store, "generators") == []
    review_record(store, generators[0], action="accept", reviewer="ana")
    assert _found(store, "generators") == generators
    # a new title is searchable at once; a deleted document leaves nothing behind
    _document(store, "d", ["Germany sent ambulances.", "Germany sent generators."], title="Ambulance convoy")
    assert [hit["doc_id"] for hit in search.search(store, "convoy", what="documents").items] == ["d"]
    with store.transaction():
        store.execute("DELETE FROM documents WHERE doc_id = ?", ("d",))
    assert _found(store, "ambulances") == []
    assert search.search(store, "convoy", what="documents").items == []


def test_document_markup_is_only_ever_text_in_a_snippet(store: Store):
    hostile = (
        'Germany sent <script>alert("x")</script> howitzers \ue001 <b>and</b> \ue000 <img src=x onerror=y>.'
    )
    _document(store, "h", [hostile], title="<i>howitzers</i> & co")
    html = search.search(store, "howitzers").items[0]["snippet"]["html"]
    assert "<script" not in html
    assert "<img" not in html
    assert "<b>" not in html
    if store.dialect == "sqlite":  # PostgreSQL's parser leaves tag-like text out of a headline
        assert "&lt;script&gt;" in html
    assert html.count("<mark>") == html.count("</mark>") >= 1
    assert html.replace("<mark>", "").replace("</mark>", "").count("<") == 0
    title = search.search(store, "howitzers", what="documents").items[0]["snippet"]["html"]
    assert title == "&lt;i&gt;<mark>howitzers</mark>&lt;/i&gt; &amp; co"


@pytest.mark.parametrize(
    "q",
    [
        "'; DROP TABLE records; --",
        '"unbalanced',
        "NEAR(howitzers",
        "howitzers*",
        "-howitzers",
        "a OR b AND NOT",
    ],
)
def test_hostile_queries_are_words(store: Store, q: str):
    _document(store, "q", ["Germany sent howitzers."])
    found = search.search(store, q)  # never a syntax error, never SQL
    assert all(hit["doc_id"] == "q" for hit in found.items)
    assert store.scalar("SELECT COUNT(*) FROM records") == 1


@pytest.mark.parametrize("q", ["", "   ", "*", "-", '"', "()", "%_"])
def test_a_query_without_words_is_an_error_naming_q(store: Store, q: str):
    with pytest.raises(InvalidParameter, match="q: give at least one word") as raised:
        search.search(store, q)
    assert raised.value.name == "q"


# --- keyset paging --------------------------------------------------------------------------


def _measures(store: Store, count: int = 90) -> None:
    """Measures with many ties and empty values: dates, amounts, mentions and categories
    repeat, some have no date and no USD value."""
    rng = random.Random(13)
    rows = []
    for n in range(count):
        row: dict[str, Any] = dict.fromkeys(MEASURE_COLUMNS)
        row.update(
            measure_id=f"m{n:03d}",
            type=rng.choice(["aid", "sanction"]),
            donor=rng.choice(["DEU", "JPN", "USA"]),
            recipient="UKR",
            category=rng.choice(["military", "financial", None]),
            subtype=rng.choice(["loan", None]),
            stage=rng.choice(["pledged", "delivered", None]),
            aggregate=0,
            value_usd=rng.choice([1e6, 2e6, None]),
            mentions=rng.choice([1, 2]),
            conflicts=0,
            provenance="{}",
            sort_date=rng.choice(["2024-01-01", "2024-02", "2023", None]),
            status=rng.choice(["counted", "part_of"]),
        )
        rows.append(row)
    replace_measures(store, rows, [], [])


def _all_by_cursor(read: Any, limit: int) -> list[str]:
    ids: list[str] = []
    cursor = None
    for _ in range(1000):
        page = read(limit=limit, cursor=cursor)
        ids += [row.get("measure_id") or row.get("record_id") or row["doc_id"] for row in page.items]
        assert len(page.items) == limit or page.next_cursor is None
        if page.next_cursor is None:
            return ids
        cursor = page.next_cursor
    raise AssertionError("paging did not end")


@pytest.mark.parametrize("sort", list(queries.SORT_KEYS))
def test_cursor_paging_returns_every_measure_once_in_every_sort(store: Store, sort: str):
    _measures(store)
    filters = {"sort": sort, "aggregate": None, "status": None}
    expected = [row["measure_id"] for row in queries.measures(store, sort=sort, aggregate=None)]
    assert len(expected) == 90
    by_cursor = _all_by_cursor(lambda **at: queries.measures_page(store, filters, **at), 7)
    assert by_cursor == expected  # each once, in order, across pages
    by_offset = [
        row["measure_id"]
        for offset in range(0, 90, 7)
        for row in queries.measures_page(store, filters, limit=7, offset=offset).items
    ]
    assert by_offset == expected


def test_cursor_paging_of_a_filtered_list_and_of_records_and_documents(store: Store):
    _measures(store)
    filters = {"sort": "-date", "aggregate": None, "status": None, "donor": "JPN"}
    expected = [row["measure_id"] for row in queries.measures(store, donor="JPN", aggregate=None)]
    assert _all_by_cursor(lambda **at: queries.measures_page(store, filters, **at), 4) == expected
    for n in range(5):
        _document(store, f"doc{n}", [f"Germany sent item {k}." for k in range(3 + n)])
    records = [row["record_id"] for row in queries.record_dicts(store)]
    assert _all_by_cursor(lambda **at: queries.records_page(store, **at), 4) == records
    documents = [row["doc_id"] for row in queries.documents(store, limit=100).items]
    assert len(documents) == 5
    assert _all_by_cursor(lambda **at: queries.documents(store, **at), 2) == documents


def test_tampered_or_foreign_cursors_are_refused(store: Store):
    _measures(store)
    filters = {"sort": "-date", "aggregate": None, "status": None}
    cursor = queries.measures_page(store, filters, limit=5).next_cursor
    assert cursor is not None
    flipped = cursor[:-3] + ("A" if cursor[-3] != "A" else "B") + cursor[-2:]
    forged = encode("measures:-date", ["9999", "zzz", "extra"])  # a value too many
    other = queries.measures_page(store, {**filters, "sort": "amount"}, limit=5).next_cursor
    for bad in (flipped, "not a cursor", "", "%%%", forged, other):
        with pytest.raises(InvalidCursor, match="cursor: not a cursor of this list") as raised:
            queries.measures_page(store, filters, limit=5, cursor=bad)
        assert raised.value.name == "cursor"
    assert decode(cursor, "measures:-date", 2)


@pytest.mark.parametrize("donor", ["JPN", None])
def test_page_deep_in_the_list_reads_an_index(store: Store, donor: str | None):
    """The plan of a cursor page seeks in an index of schema 7 to the cursor's key: it
    neither sorts the table nor reads the index from its start."""
    _measures(store)
    filters = {"sort": "-date", "aggregate": False, "status": None, "donor": donor}
    page = queries.measures_page(store, filters, limit=3)
    assert page.next_cursor
    where, params = queries.measure_where(store, **{k: v for k, v in filters.items() if k != "sort"})
    order = queries.SORT_KEYS["-date"]
    values = decode(page.next_cursor, "measures:-date", 2)
    condition, extra = order.after(values, row_values=store.dialect == "postgresql")
    sql = f"SELECT * FROM measures{where} AND {condition} ORDER BY {order.sql()} LIMIT 3"
    if store.dialect == "postgresql":
        store.execute("SET enable_seqscan = off")  # a table this small would be scanned anyway
        plan = " ".join(str(row) for row in store.query("EXPLAIN " + sql, [*params, *extra]))
        store.execute("SET enable_seqscan = on")
        assert "Index Cond" in plan
        assert "ROW(COALESCE(sort_date" in plan
        assert "Sort" not in plan
    else:
        plan = " ".join(
            str(row["detail"]) for row in store.query("EXPLAIN QUERY PLAN " + sql, [*params, *extra])
        )
        index = "measures_donor_page" if donor else "measures_by_date"
        assert f"SEARCH measures USING INDEX {index} (" in plan
        assert "<expr><?" in plan  # the seek to the cursor (SCAN, from the start, was the bug)
        assert "TEMP B-TREE" not in plan
