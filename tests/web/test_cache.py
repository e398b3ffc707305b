"""The read API's response cache: answers kept until any process commits a write."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from aidtrace import pipeline
from aidtrace.store import open_store
from aidtrace.web import WebConfig, create_app

CACHE = "x-aidtrace-cache"


def test_a_repeated_read_is_answered_from_the_cache(client: TestClient):
    first = client.get("/api/measures", params={"donor": "JPN"})
    second = client.get("/api/measures", params={"donor": "JPN"})
    assert (first.headers[CACHE], second.headers[CACHE]) == ("miss", "hit")
    assert second.content == first.content
    assert second.headers["content-security-policy"] == first.headers["content-security-policy"]
    assert client.get("/api/measures", params={"donor": "DEU"}).headers[CACHE] == "miss"


def test_a_write_by_another_process_invalidates_every_answer(client: TestClient, db_url: str, tmp_path: Path):
    before = client.get("/api/documents", params={"limit": 100}).json()
    assert client.get("/api/documents", params={"limit": 100}).headers[CACHE] == "hit"
    folder = tmp_path / "more"
    folder.mkdir()
    (folder / "late.txt").write_text(
        "On 2 May 2024, Japan pledged $9 million to Ukraine.\n", encoding="utf-8"
    )
    with open_store(db_url) as other:  # another connection, as `aidtrace ingest` would be
        pipeline.ingest([folder], other)
    after = client.get("/api/documents", params={"limit": 100})
    assert after.headers[CACHE] == "miss"
    assert len(after.json()["items"]) == len(before["items"]) + 1


def test_exports_health_errors_and_pages_are_never_kept(client: TestClient):
    for _ in range(2):
        assert CACHE not in client.get("/api/exports/measures", params={"format": "json"}).headers
        assert CACHE not in client.get("/api/health").headers
        assert CACHE not in client.get("/measures").headers
    client.get("/api/measures/none")
    assert client.get("/api/measures/none").headers[CACHE] == "miss"  # a 404 is not kept


def test_the_cache_is_bounded_and_can_be_off(db_url: str):
    with TestClient(create_app(WebConfig(db=db_url, cache_entries=2))) as small:
        for donor in ("JPN", "DEU", "USA"):
            small.get("/api/timeline", params={"donor": donor})
        assert small.get("/api/timeline", params={"donor": "USA"}).headers[CACHE] == "hit"
        assert small.get("/api/timeline", params={"donor": "JPN"}).headers[CACHE] == "miss"  # evicted
    with TestClient(create_app(WebConfig(db=db_url, cache_entries=0))) as off:
        off.get("/api/totals")
        assert CACHE not in off.get("/api/totals").headers
