"""Fixtures for the web tests: a database of the bundled examples, and apps over copies of it."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from aidtrace import pipeline
from aidtrace.reconcile import reconcile
from aidtrace.store import open_store
from aidtrace.web import WebConfig, create_app

TOKEN = "test-token-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="session")
def example_db(tmp_path_factory: pytest.TempPathFactory, examples: Path) -> Path:
    """The bundled examples ingested and reconciled once; tests work on copies."""
    path = tmp_path_factory.mktemp("web") / "examples.db"
    with open_store(f"sqlite:///{path}") as store:
        summary = pipeline.ingest([examples], store, manifest=examples / "manifest.jsonl")
        assert summary.failed == 0
        reconcile(store)
    return path


@pytest.fixture
def db_url(example_db: Path, tmp_path: Path) -> str:
    copy = tmp_path / "web.db"
    shutil.copy(example_db, copy)
    return f"sqlite:///{copy}"


@pytest.fixture
def client(db_url: str) -> Iterator[TestClient]:
    """The app with a write token configured."""
    with TestClient(create_app(WebConfig(db=db_url, token=TOKEN))) as test_client:
        yield test_client


@pytest.fixture
def read_only(db_url: str) -> Iterator[TestClient]:
    """The app with no token configured: every write must be refused."""
    with TestClient(create_app(WebConfig(db=db_url, token=None))) as test_client:
        yield test_client


def all_pages(client: TestClient, path: str, **params: object) -> list[dict[str, object]]:
    """Every item of a paged list, following next_offset."""
    items: list[dict[str, object]] = []
    offset: int | None = 0
    while offset is not None:
        body = client.get(path, params={**params, "offset": offset}).raise_for_status().json()
        items += body["items"]
        offset = body["next_offset"]
    return items


def assert_error(response: object, status: int, code: str) -> dict[str, object]:
    """The one error shape: {"error": {"status", "code", "message"}}, message non-empty."""
    assert response.status_code == status, response.text  # type: ignore[attr-defined]
    error = response.json()["error"]  # type: ignore[attr-defined]
    assert error["status"] == status
    assert error["code"] == code
    assert isinstance(error["message"], str)
    assert error["message"]
    return dict(error)


@pytest.fixture
def empty_client(tmp_path: Path) -> Iterator[TestClient]:
    """The app over a new database nothing was ingested into."""
    with TestClient(
        create_app(WebConfig(db=f"sqlite:///{tmp_path / 'empty.db'}", token=TOKEN))
    ) as test_client:
        yield test_client


def assert_every_sort(client: TestClient) -> None:
    """Every column of the measures table sorts every measure, rising and falling (empty
    values as "" and an unpriced amount as -1, first when rising, on either database)."""
    everything = {m["measure_id"] for m in all_pages(client, "/api/measures", kind="all", limit=500)}
    for column in ("date", "donor", "type", "status", "category", "stage", "amount", "mentions"):
        key = {"amount": "value_usd", "date": "sort_date"}.get(column, column)
        empty: object = -1 if column == "amount" else ""
        for sort, falling in ((column, False), (f"-{column}", True)):
            rows = all_pages(client, "/api/measures", kind="all", sort=sort, limit=500)
            assert {m["measure_id"] for m in rows} == everything
            values = [m[key] if m[key] is not None else empty for m in rows]
            assert values == sorted(values, reverse=falling), sort  # type: ignore[type-var]
