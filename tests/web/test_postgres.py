"""The API over PostgreSQL: the same reads, a review and an upload (the other web tests use
SQLite; the store contract suite covers both)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from aidtrace import pipeline
from aidtrace.reconcile import reconcile
from aidtrace.store import open_store
from aidtrace.web import WebConfig, create_app
from tests.conftest import POSTGRES_URL, _empty_postgres
from tests.web.conftest import AUTH, TOKEN, all_pages, assert_every_sort

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_client(examples: Path) -> Iterator[TestClient]:
    if not POSTGRES_URL:
        pytest.skip("AIDTRACE_TEST_POSTGRES_URL is not set: no PostgreSQL server to test against")
    _empty_postgres(POSTGRES_URL)
    with open_store(POSTGRES_URL) as store:
        pipeline.ingest([examples], store, manifest=examples / "manifest.jsonl")
        reconcile(store)
    with TestClient(create_app(WebConfig(db=POSTGRES_URL, token=TOKEN))) as client:
        yield client


def test_reads_reviews_and_uploads_on_postgresql(pg_client: TestClient):
    japan = all_pages(pg_client, "/api/measures", donor="JPN", kind="all")
    assert japan
    assert all(m["donor"] == "JPN" for m in japan)
    assert all_pages(pg_client, "/api/measures", q="helmets")
    assert all_pages(pg_client, "/api/measures", since="2023-01", until="2023")
    totals = pg_client.get("/api/totals", params={"by": "donor,year"}).json()["totals"]
    assert any(row["donor"] == "JPN" for row in totals)
    record = next(r for r in all_pages(pg_client, "/api/records", donor="JPN", limit=500) if r["amount"])
    review = {"action": "correct", "reviewer": "ana", "changes": {"amount_value": 1234567}}
    response = pg_client.post(f"/api/records/{record['record_id']}/review", json=review, headers=AUTH)
    assert response.status_code == 200, response.text
    assert pg_client.get(f"/api/records/{record['record_id']}").json()["amount"]["value"] == 1234567
    text = b"On 14 March 2024, Japan pledged $120 million in humanitarian aid to Ukraine.\n"
    upload = pg_client.post("/api/documents", files={"file": ("pg.txt", text)}, headers=AUTH)
    assert upload.status_code == 201, upload.text
    assert all_pages(pg_client, "/api/measures", q="120 million")
    assert pg_client.get("/measures", params={"donor": "JPN"}).status_code == 200


def test_dashboard_reads_on_postgresql(pg_client: TestClient):
    assert_every_sort(pg_client)
    page = pg_client.get("/measures", params={"donor": "japan", "q": "helmets", "sort": "-stage"})
    assert page.status_code == 200
    assert '<mark class="match">helmets</mark>' in page.text
    assert '<option value="JPN" selected>Japan (JPN)' in page.text
    assert "measures match" in page.text
    assert pg_client.get("/api/health").json()["documents"] > 0
    assert pg_client.get("/", params={"gdp": "1"}).status_code == 200
