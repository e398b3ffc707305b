"""The HTTP API, in process: reads, filters, paging, totals, exports, uploads and errors."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.helpers import write_pdf
from tests.web.conftest import AUTH, all_pages, assert_error, assert_every_sort

# --- reads ---------------------------------------------------------------------------------


def test_measures_page_through_every_measure_once(client: TestClient):
    everything = all_pages(client, "/api/measures", kind="all", limit=500)
    paged = all_pages(client, "/api/measures", kind="all", limit=7)
    assert len(everything) > 20
    assert [m["measure_id"] for m in paged] == [m["measure_id"] for m in everything]
    assert len({m["measure_id"] for m in paged}) == len(paged)
    first = client.get("/api/measures", params={"limit": 7}).json()
    assert first["limit"] == 7
    assert first["offset"] == 0
    assert first["next_offset"] == 7


def test_filters_select_only_matching_measures(client: TestClient):
    japan = all_pages(client, "/api/measures", donor="jpn", kind="all")
    assert japan
    assert all(m["donor"] == "JPN" for m in japan)
    sanctions = all_pages(client, "/api/measures", type="sanction")
    assert sanctions
    assert all(m["type"] == "sanction" and not m["aggregate"] for m in sanctions)
    totals = all_pages(client, "/api/measures", kind="totals")
    assert totals
    assert all(m["aggregate"] for m in totals)
    window = all_pages(client, "/api/measures", since="2023-01", until="2023-12")
    assert window
    assert all("2023-01" <= m["sort_date"] <= "2023-12-31" for m in window)
    everything = all_pages(client, "/api/measures", kind="all")
    assert len(japan) < len(everything)


def test_sorting_by_amount_orders_values(client: TestClient):
    rows = all_pages(client, "/api/measures", sort="-amount")
    values = [m["value_usd"] if m["value_usd"] is not None else -1 for m in rows]
    assert values == sorted(values, reverse=True)
    rising = [
        m["value_usd"] if m["value_usd"] is not None else -1
        for m in all_pages(client, "/api/measures", sort="amount")
    ]
    assert rising == sorted(values)


def test_search_finds_words_in_evidence_and_nowhere_else(client: TestClient):
    found = all_pages(client, "/api/measures", q="HELMETS", kind="all")
    assert found
    for row in found:
        detail = client.get(f"/api/measures/{row['measure_id']}").json()
        assert any("helmets" in m["evidence_text"].lower() for m in detail["mentions"])
    assert all_pages(client, "/api/measures", q="zzzz-no-such-words", kind="all") == []
    # search text is words, never syntax: "%" has none, and says so naming the parameter
    percent = client.get("/api/measures", params={"q": "%", "kind": "all"})
    assert percent.status_code == 422
    assert percent.json()["error"]["details"][0]["where"] == "query.q"


def test_measure_detail_quotes_its_documents(client: TestClient):
    row = all_pages(client, "/api/measures", kind="all")[0]
    detail = client.get(f"/api/measures/{row['measure_id']}").json()
    assert detail["mentions"]
    for mention in detail["mentions"]:
        text = client.get(f"/api/documents/{mention['doc_id']}").json()["text"]
        assert text[mention["evidence_start"] : mention["evidence_end"]] == mention["evidence_text"]


def test_totals_equal_the_sum_of_single_aid_measures(client: TestClient):
    totals = client.get("/api/totals", params={"by": "donor"}).json()
    aid = all_pages(client, "/api/measures", type="aid", status="counted")
    by_donor: dict[str, float] = {}
    for m in aid:
        if m["value_usd"] is not None:
            by_donor[m["donor"]] = by_donor.get(m["donor"], 0.0) + m["value_usd"]
    computed = {row["donor"]: row["total"] for row in totals["totals"]}
    assert computed.keys() == by_donor.keys()
    for donor, total in by_donor.items():
        assert computed[donor] == pytest.approx(total)
    reported = {m["measure_id"] for m in all_pages(client, "/api/measures", kind="totals", type="aid")}
    assert totals["reported"]
    assert {r["measure_id"] for r in totals["reported"]} <= reported
    eur = client.get("/api/totals", params={"by": "donor,year", "currency": "EUR"}).json()
    assert eur["currency"] == "EUR"
    assert all("year" in r for r in eur["totals"])


def test_timeline_conflicts_documents_records_failures_health(client: TestClient):
    timeline = client.get("/api/timeline", params={"donor": "JPN"}).json()
    dates = [row["date"] for row in timeline["items"] if row["date"]]
    assert dates == sorted(dates)
    assert timeline["donor"] == "JPN"
    assert client.get("/api/conflicts").json()["items"] is not None
    documents = all_pages(client, "/api/documents")
    assert len(documents) == 26
    records = all_pages(client, "/api/records", doc_id=documents[0]["doc_id"])
    assert len(records) == documents[0]["records"]
    one = client.get(f"/api/records/{records[0]['record_id']}").json()
    assert one["evidence"] == records[0]["evidence"]
    assert one["reviews"] == []
    assert client.get("/api/failures").json() == {"items": []}
    health = client.get("/api/health").json()
    assert health["status"] == "ok"
    assert health["writes"] == "enabled"


def test_openapi_describes_reads_writes_and_the_token(client: TestClient):
    spec = client.get("/api/openapi.json").json()
    paths = spec["paths"]
    for path in ("/api/measures", "/api/totals", "/api/timeline", "/api/conflicts", "/api/exports/{what}"):
        assert "get" in paths[path]
    assert "post" in paths["/api/documents"]
    assert paths["/api/records/{record_id}/review"]["post"]["security"] == [{"HTTPBearer": []}]
    docs = client.get("/api/docs")
    assert docs.status_code == 200
    scripts = re.findall(r'<script src="([^"]+)"', docs.text)
    assert scripts == ["/static/vendor/swagger-ui-bundle.js", "/static/api-docs.js"]  # ours, no CDN
    for path in [*scripts, "/static/vendor/swagger-ui.css"]:
        assert client.get(path).status_code == 200
    assert "<script>" not in docs.text  # the CSP allows no inline script
    assert client.get("/static/vendor/none.js").status_code == 404


# --- exports ---------------------------------------------------------------------------------


def test_exports_download_the_current_view(client: TestClient, tmp_path: Path):
    view = all_pages(client, "/api/measures", donor="JPN", type="aid")
    params = {"donor": "JPN", "type": "aid"}
    response = client.get("/api/exports/measures", params={**params, "format": "csv"})
    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert sorted(r["measure_id"] for r in rows) == sorted(m["measure_id"] for m in view)

    from openpyxl import load_workbook

    (tmp_path / "view.xlsx").write_bytes(
        client.get("/api/exports/measures", params={**params, "format": "xlsx"}).content
    )
    sheet = load_workbook(tmp_path / "view.xlsx").active
    assert sheet.max_row == len(view) + 1

    import pyarrow.parquet as pq

    (tmp_path / "view.parquet").write_bytes(
        client.get("/api/exports/measures", params={**params, "format": "parquet"}).content
    )
    assert pq.read_table(tmp_path / "view.parquet").num_rows == len(view)
    as_json = client.get("/api/exports/measures", params={**params, "format": "json"}).json()
    assert all(m["mentions"] for m in as_json)
    records = client.get("/api/exports/records", params={"format": "jsonl"}).text.splitlines()
    assert len(records) == len(all_pages(client, "/api/records", limit=500))


@pytest.mark.parametrize("sort", ["category", "-stage"])
def test_issue_11_a_download_follows_the_page_sort_once_only_the_web_had(client: TestClient, sort: str):
    listed = all_pages(client, "/api/measures", kind="all", sort=sort, limit=500)
    response = client.get("/api/exports/measures", params={"format": "csv", "kind": "all", "sort": sort})
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [r["measure_id"] for r in rows] == [m["measure_id"] for m in listed]


def test_issue_11_the_timeline_describes_measures_by_their_channel_as_the_list_does(client: TestClient):
    listed = {m["measure_id"]: m for m in all_pages(client, "/api/measures", kind="all", limit=500)}
    channelled = {m["donor"] for m in listed.values() if m["channel"]}
    assert channelled  # the examples name channels ("via the World Bank")
    for donor in channelled:
        for item in client.get("/api/timeline", params={"donor": donor}).json()["items"]:
            assert item["channel"] == listed[item["measure_id"]]["channel"]
            assert item["description"] == listed[item["measure_id"]]["description"]


def test_an_export_larger_than_the_cap_is_refused_not_cut(db_url: str):
    from aidtrace.web import WebConfig, create_app

    with TestClient(create_app(WebConfig(db=db_url, token=None, export_cap=3))) as small:
        assert_error(small.get("/api/exports/measures", params={"format": "csv"}), 422, "invalid_request")
        ok = small.get("/api/exports/measures", params={"format": "csv", "donor": "FIN"})
        assert ok.status_code == 200


# --- errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/api/measures/m-none", 404, "not_found"),
        ("/api/documents/none", 404, "not_found"),
        ("/api/records/none", 404, "not_found"),
        ("/api/nothing-here", 404, "not_found"),
        ("/api/measures?limit=0", 422, "invalid_request"),
        ("/api/measures?type=gift", 422, "invalid_request"),
        ("/api/measures?since=last-year", 422, "invalid_request"),
        ("/api/measures?sort=amount;DROP", 422, "invalid_request"),
        ("/api/measures?donor=J'P", 422, "invalid_request"),
        ("/api/totals?by=planet", 422, "invalid_request"),
        ("/api/totals?currency=EUR&constant=2020", 422, "invalid_request"),
        ("/api/exports/secrets", 422, "invalid_request"),
    ],
)
def test_every_failure_has_one_error_shape(client: TestClient, path: str, status: int, code: str):
    assert_error(client.get(path), status, code)


def test_a_wrong_method_has_the_error_shape_too(client: TestClient):
    assert_error(client.delete("/api/measures"), 405, "method_not_allowed")


# --- uploads ---------------------------------------------------------------------------------

STATEMENT = (
    "On 14 March 2024, Japan pledged $120 million in humanitarian aid to Ukraine for winter "
    "shelter, the foreign ministry said.\n"
)


def upload(client: TestClient, name: str, data: bytes, headers: dict[str, str] | None = None, **form: str):
    return client.post(
        "/api/documents",
        files={"file": (name, data)},
        data=form,
        headers=AUTH if headers is None else headers,
    )


def test_an_uploaded_document_is_stored_extracted_and_reconciled(client: TestClient):
    response = upload(client, "winter-aid.txt", STATEMENT.encode(), published="2024-03-15", publisher="Test")
    assert response.status_code == 201, response.text
    body = response.json()
    assert body == {"doc_id": "winter-aid", "records": 1, "unchanged": False}
    assert response.headers["location"] == "/api/documents/winter-aid"
    doc = client.get("/api/documents/winter-aid").json()
    assert doc["publisher"] == "Test"
    assert doc["records"][0]["amount"]["value"] == 120e6
    found = all_pages(client, "/api/measures", q="winter shelter")
    assert [m["value_usd"] for m in found] == [120e6]  # reconciled after the upload
    again = upload(client, "winter-aid.txt", STATEMENT.encode(), published="2024-03-15", publisher="Test")
    assert again.json()["unchanged"] is True


def test_a_new_document_without_records_is_not_reported_unchanged(client: TestClient):
    text = b"The weather in Kyiv was mild on Tuesday, forecasters said.\n"
    first = upload(client, "weather.txt", text).json()
    assert first == {"doc_id": "weather", "records": 0, "unchanged": False}
    assert upload(client, "weather.txt", text).json()["unchanged"] is True


def test_uploads_of_html_and_pdf_are_read_by_their_readers(client: TestClient, tmp_path: Path):
    html = f"<html><head><title>Winter aid</title></head><body><p>{STATEMENT}</p></body></html>"
    assert upload(client, "page.html", html.encode()).status_code == 201
    assert client.get("/api/documents/page").json()["title"] == "Winter aid"
    write_pdf(tmp_path / "brief.pdf", [STATEMENT])
    assert upload(client, "brief.pdf", (tmp_path / "brief.pdf").read_bytes()).json()["records"] == 1


def test_upload_errors_are_clear_4xx(client: TestClient, db_url: str):
    assert_error(upload(client, "notes.docx", b"x"), 415, "unsupported_type")
    assert_error(upload(client, "a.txt", STATEMENT.encode(), published="15/03/2024"), 422, "invalid_request")
    assert_error(
        upload(client, "a.txt", STATEMENT.encode(), url="javascript:alert(1)"), 422, "invalid_request"
    )
    assert_error(upload(client, "a.txt", STATEMENT.encode(), doc_id="../../etc"), 422, "invalid_request")
    error = assert_error(upload(client, "blank.txt", b"   \n  "), 422, "unreadable_document")
    assert "no text" in str(error["message"])
    failures = client.get("/api/failures").json()["items"]
    assert [f["source"] for f in failures] == ["blank.txt"]  # recorded like any failure

    from aidtrace.web import WebConfig, create_app

    with TestClient(
        create_app(WebConfig(db=db_url, token=AUTH["Authorization"][7:], max_upload_bytes=100))
    ) as small:
        assert_error(upload(small, "big.txt", STATEMENT.encode() * 2), 413, "too_large")
        huge = upload(small, "huge.txt", b"x" * 2_000_000)  # refused by its Content-Length, unread
        assert_error(huge, 413, "too_large")


def test_writes_need_the_configured_token(client: TestClient, read_only: TestClient):
    assert_error(upload(client, "a.txt", STATEMENT.encode(), headers={}), 401, "unauthorized")
    wrong = {"Authorization": "Bearer " + "x" * 26}
    assert_error(upload(client, "a.txt", STATEMENT.encode(), headers=wrong), 401, "unauthorized")
    assert_error(upload(read_only, "a.txt", STATEMENT.encode()), 403, "writes_disabled")
    record = all_pages(read_only, "/api/records", limit=1)[0]
    review = {"action": "accept", "reviewer": "ana"}
    assert_error(
        read_only.post(f"/api/records/{record['record_id']}/review", json=review, headers=AUTH),
        403,
        "writes_disabled",
    )
    assert all_pages(client, "/api/documents", q="a") == all_pages(read_only, "/api/documents", q="a")


# --- reviews ----------------------------------------------------------------------------------


def review(client: TestClient, record_id: str, **body: object):
    return client.post(f"/api/records/{record_id}/review", json={"reviewer": "ana", **body}, headers=AUTH)


def _record_with_amount(client: TestClient) -> dict[str, object]:
    records = all_pages(client, "/api/records", donor="JPN", type="aid", limit=500)
    return next(r for r in records if r["amount"] and r["amount"]["unit"] == "USD" and r["measure_id"])


def test_a_correction_changes_the_record_its_measure_and_the_exports(client: TestClient):
    record = _record_with_amount(client)
    rid = str(record["record_id"])
    response = review(
        client, rid, action="correct", changes={"amount_value": "777,000,000", "date": "2024-05-01"}
    )
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["status"] == "corrected"
    assert result["before"]["amount"] == record["amount"]
    assert result["after"]["amount"]["value"] == 777e6
    assert result["after"]["date"] == "2024-05-01"
    stored = client.get(f"/api/records/{rid}").json()
    assert stored["review_status"] == "corrected"
    assert stored["extracted"]["amount"] == record["amount"]
    assert stored["value_usd"] == pytest.approx(777e6)
    assert [r["reviewer"] for r in stored["reviews"]] == ["ana"]
    exported = [
        json.loads(line)
        for line in client.get("/api/exports/records", params={"format": "jsonl"}).text.splitlines()
    ]
    assert next(r for r in exported if r["record_id"] == rid)["amount"]["value"] == 777e6
    measure_id = client.get(f"/api/records/{rid}").json()["measure_id"]
    measure = client.get(f"/api/measures/{measure_id}").json()
    assert any(m["record_id"] == rid and m["amount_value"] == 777e6 for m in measure["mentions"])
    measures_csv = client.get("/api/exports/measures", params={"format": "csv", "kind": "all"}).text
    assert "777000000" in measures_csv


def test_a_rejected_record_leaves_counted_measures_and_exports_but_stays_logged(client: TestClient):
    record = _record_with_amount(client)
    rid = str(record["record_id"])
    assert review(client, rid, action="reject", note="not a pledge").json()["status"] == "rejected"
    exported = client.get("/api/exports/records", params={"format": "jsonl"}).text
    assert rid not in exported
    measure_id = client.get(f"/api/records/{rid}").json()["measure_id"]  # a measure of its own, rejected
    assert client.get(f"/api/measures/{measure_id}").json()["status"] == "rejected"
    assert measure_id not in {m["measure_id"] for m in all_pages(client, "/api/measures", kind="all")}
    assert [m["measure_id"] for m in all_pages(client, "/api/measures", status="rejected")] == [measure_id]
    assert [r["record_id"] for r in all_pages(client, "/api/records", review="rejected")] == [rid]
    log = client.get("/api/reviews").json()["items"]
    assert log[0]["action"] == "reject"
    assert log[0]["note"] == "not a pledge"
    assert log[0]["before"]["review_status"] is None
    assert log[0]["after"]["review_status"] == "rejected"


def test_review_errors(client: TestClient):
    rid = str(_record_with_amount(client)["record_id"])
    assert_error(review(client, rid, action="correct", changes={"donor": "J P N!"}), 422, "invalid_request")
    assert_error(
        review(client, rid, action="correct", changes={"amount_value": "-5"}), 422, "invalid_request"
    )
    assert_error(review(client, rid, action="correct", changes={"evidence": "x"}), 422, "invalid_request")
    assert_error(review(client, rid, action="correct", changes={"subtype": "visit"}), 422, "invalid_request")
    assert_error(review(client, rid, action="correct", changes={}), 422, "invalid_request")
    assert_error(review(client, rid, action="approve"), 422, "invalid_request")
    assert_error(review(client, "r-none", action="accept"), 404, "not_found")
    assert client.get(f"/api/records/{rid}").json()["review_status"] is None  # nothing half-applied


def test_readers_see_file_names_not_the_folders_of_the_ingesting_machine(
    client: TestClient, example_db: Path
):
    from aidtrace.store import open_store

    with open_store(f"sqlite:///{example_db}") as store:
        source = str(store.scalar("SELECT source FROM documents WHERE source IS NOT NULL LIMIT 1"))
        doc_id = str(store.scalar("SELECT doc_id FROM documents WHERE source = ?", (source,)))
    assert "/" in source  # stored as ingested, for the operator
    shown = client.get(f"/api/documents/{doc_id}").json()
    assert shown["source"] == Path(source).name
    failures = json.dumps(client.get("/api/failures").json())
    assert str(Path(source).parent) not in failures


# --- rows that say what they are, and errors instead of silence (issue 11) ------------------


def test_measures_carry_description_donor_name_and_first_source(client: TestClient):
    rows = all_pages(client, "/api/measures", donor="JPN", kind="all")
    assert rows
    for row in rows:
        assert row["description"].strip()
        assert row["donor_name"] == "Japan"
        source = row["first_source"]
        detail = client.get(f"/api/measures/{row['measure_id']}").json()
        earliest = min(
            detail["mentions"], key=lambda m: (m["published"] is None, m["published"] or "", m["doc_id"])
        )
        assert (source["doc_id"], source["title"], source["url"]) == (
            earliest["doc_id"],
            earliest["title"],
            earliest["url"],
        )
        assert (detail["description"], detail["donor_name"], detail["first_source"]) == (
            row["description"],
            "Japan",
            source,
        )
    timeline = client.get("/api/timeline", params={"donor": "JPN"}).json()
    assert timeline["donor_name"] == "Japan"
    described = {row["measure_id"]: row["description"] for row in rows}
    assert all(item["description"] == described[item["measure_id"]] for item in timeline["items"])


def test_donor_names_resolve_like_codes(client: TestClient):
    by_code = all_pages(client, "/api/measures", donor="JPN", kind="all")
    assert all_pages(client, "/api/measures", donor="japan", kind="all") == by_code
    assert client.get("/api/timeline", params={"donor": "Japan"}).json()["donor"] == "JPN"
    totals = client.get("/api/totals", params={"donor": "japanese"}).json()
    assert totals == client.get("/api/totals", params={"donor": "JPN"}).json()


@pytest.mark.parametrize(
    ("path", "params", "words"),
    [
        (
            "/api/measures",
            {"donor": "Japn"},
            ["'Japn'", "did you mean Japan (JPN)", "donors in this database"],
        ),
        ("/api/measures", {"donor": "XYZ"}, ["'XYZ' is not a donor code or name", "Japan (JPN)"]),
        ("/api/records", {"donor": "XYZ"}, ["'XYZ' is not a donor"]),
        ("/api/conflicts", {"donor": "XYZ"}, ["'XYZ' is not a donor"]),
        ("/api/timeline", {"donor": "XYZ"}, ["'XYZ' is not a donor"]),
        ("/api/cumulative", {"donor": "XYZ"}, ["'XYZ' is not a donor"]),
        ("/api/measures", {"since": "2024-13"}, ["since '2024-13'", "no month 13", "YYYY-MM-DD"]),
        ("/api/measures", {"since": "yesterday"}, ["since 'yesterday' is not a date", "YYYY-MM"]),
        ("/api/measures", {"until": "2024-02-30"}, ["has no day 30"]),
        ("/api/measures", {"since": "2024-05", "until": "2024-01"}, ["swap the two dates"]),
        ("/api/totals", {"constant": "1990"}, ["constant 1990", "base years", "choose a year in that range"]),
        ("/api/totals", {"constant": "2999"}, ["base years"]),
        ("/api/totals", {"donor": "JPN", "as_of": "2024-13-01"}, ["as_of", "no month 13"]),
        ("/api/measures", {"sort": "planet"}, ["sort 'planet' is not one of", "-date"]),
    ],
)
def test_invalid_parameters_are_422_with_a_message_saying_what_to_write(
    client: TestClient, path: str, params: dict[str, str], words: list[str]
):
    error = assert_error(client.get(path, params=params), 422, "invalid_request")
    for word in words:
        assert word in error["message"]


def test_no_error_message_shows_a_pattern(client: TestClient):
    for params in ({"donor": "J'P"}, {"donor": "a" * 200}, {"since": "2024/01/01"}, {"until": "x"}):
        error = assert_error(client.get("/api/measures", params=params), 422, "invalid_request")
        assert not any(mark in str(error["message"]) for mark in ("^", "$", "\\d", "[A-Z", "pattern")), error
    for path in ("/api/totals?by=planet", "/api/totals?currency=EUR&constant=2020", "/api/measures?limit=0"):
        assert_error(client.get(path), 422, "invalid_request")


def test_every_sort_of_the_dashboard_works_both_ways(client: TestClient):
    assert_every_sort(client)


def test_an_empty_database_says_how_to_fill_it(empty_client: TestClient):
    health = empty_client.get("/api/health").json()
    assert health["documents"] == 0
    assert health["last_updated"] is None
    hint = "no documents yet: run `aidtrace ingest PATH` or `aidtrace demo`"
    assert health["hint"] == hint
    assert empty_client.get("/api/totals").json()["hint"] == hint
    for path in ("/api/measures", "/api/documents", "/api/records", "/api/conflicts", "/api/reviews"):
        body = empty_client.get(path).json()
        assert body["items"] == []
        assert body["hint"] == hint, path


def test_a_database_with_documents_gives_no_hint(client: TestClient):
    health = client.get("/api/health").json()
    assert health["documents"] == len(all_pages(client, "/api/documents"))
    assert health["last_updated"]
    assert "hint" not in health
    assert "hint" not in client.get("/api/measures", params={"q": "no-such-words"}).json()


def _all_by_cursor(client: TestClient, path: str, **params: object) -> list[dict[str, object]]:
    items: list[dict[str, object]] = []
    cursor: object = None
    while True:
        given = {**params, **({"cursor": cursor} if cursor else {})}
        body = client.get(path, params=given).raise_for_status().json()
        items += body["items"]
        assert body["next_offset"] is None or cursor is None
        cursor = body["next_cursor"]
        if cursor is None:
            return items


@pytest.mark.parametrize("sort", ["-date", "amount", "donor", "-mentions", "category", "-type"])
def test_cursor_pages_equal_offset_pages(client: TestClient, sort: str):
    by_offset = all_pages(client, "/api/measures", kind="all", sort=sort, limit=17)
    by_cursor = _all_by_cursor(client, "/api/measures", kind="all", sort=sort, limit=17)
    assert [row["measure_id"] for row in by_cursor] == [row["measure_id"] for row in by_offset]
    assert len({row["measure_id"] for row in by_cursor}) == len(by_cursor) > 17
    records = _all_by_cursor(client, "/api/records", limit=40)
    assert [r["record_id"] for r in records] == [r["record_id"] for r in all_pages(client, "/api/records")]
    documents = _all_by_cursor(client, "/api/documents", limit=7)
    assert [d["doc_id"] for d in documents] == [d["doc_id"] for d in all_pages(client, "/api/documents")]


def test_a_bad_cursor_is_a_400_naming_it(client: TestClient):
    good = client.get("/api/measures", params={"limit": 5}).json()["next_cursor"]
    for path, cursor in [
        ("/api/measures", "garbage"),
        ("/api/measures", good[:-2]),
        ("/api/records", good),  # a cursor of another list
        ("/api/documents", good),
    ]:
        error = assert_error(client.get(path, params={"cursor": cursor}), 400, "invalid_cursor")
        assert error["details"] == [{"where": "query.cursor", "problem": error["message"]}]
    assert_error(
        client.get("/api/measures", params={"cursor": good, "sort": "amount"}), 400, "invalid_cursor"
    )
    assert_error(client.get("/api/measures", params={"cursor": good, "offset": 5}), 422, "invalid_request")


def test_search_endpoint_ranks_and_marks(client: TestClient):
    body = client.get("/api/search", params={"q": "helmets"}).raise_for_status().json()
    assert body["items"]
    assert body["found"] == len(body["items"])
    assert not body["capped"]
    scores = [hit["score"] for hit in body["items"]]
    assert scores == sorted(scores, reverse=True)
    for hit in body["items"]:
        snippet = hit["snippet"]
        assert "<mark>helmets</mark>" in snippet["html"].lower()
        assert all(snippet["text"][a:b].lower() == "helmets" for a, b in snippet["marks"])
        assert hit["record_id"]
        assert hit["doc_id"]
    titles = client.get("/api/search", params={"q": "kiel", "in": "documents"}).json()["items"]
    assert titles
    assert all("<mark>kiel</mark>" in t["snippet"]["html"].lower() for t in titles)
    assert_error(client.get("/api/search", params={"q": "**"}), 422, "invalid_request")
