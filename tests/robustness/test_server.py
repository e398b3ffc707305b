"""Issue 12, findings 4, 5 and 7: the server wrote a chunked upload in full before its 401,
blocked on one upload, sent 500s without security headers and dropped the connection."""

from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from aidtrace.store import open_store
from aidtrace.web import WebConfig, create_app
from aidtrace.web.app import HEADERS, exposure_warning
from aidtrace.web.app import WebConfig as Config

TOKEN = "robust-token-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def app(tmp_path: Path) -> FastAPI:
    url = f"sqlite:///{tmp_path / 'web.db'}"
    with open_store(url):
        pass
    return create_app(WebConfig(db=url, token=TOKEN, max_upload_bytes=100_000))


PART_HEAD = (
    b'--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n'
    b"Content-Type: text/plain\r\n\r\n"
)


class Chunked:
    """An ASGI client that sends a body in chunks without Content-Length and counts how
    many chunks the app read."""

    def __init__(self, chunks: int, size: int = 64_000) -> None:
        self.left, self.size, self.read = chunks, size, 0
        self.sent: list[dict[str, Any]] = []

    async def receive(self) -> dict[str, Any]:
        if self.left == 0:
            return {"type": "http.disconnect"}
        self.left -= 1
        self.read += 1
        head = PART_HEAD if self.read == 1 else b""
        return {"type": "http.request", "body": head + b"x" * self.size, "more_body": self.left > 0}

    async def send(self, message: dict[str, Any]) -> None:
        self.sent.append(message)

    @property
    def status(self) -> int:
        return int(next(m["status"] for m in self.sent if m["type"] == "http.response.start"))


def _scope(app: FastAPI, path: str, headers: tuple[tuple[bytes, bytes], ...]) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"content-type", b"multipart/form-data; boundary=xyz"), *headers],
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 8000),
        "app": app,
    }


def _call(app: FastAPI, path: str, client: Chunked, headers: list[tuple[bytes, bytes]] | None = None) -> None:
    if headers is None:
        headers = []
    asyncio.run(app(_scope(app, path, headers), client.receive, client.send))  # type: ignore[arg-type]


def test_an_unauthenticated_chunked_upload_is_refused_before_any_body_is_read(app: FastAPI):
    for path in ("/api/documents", "/upload"):
        client = Chunked(chunks=1000)  # 64 MB if it were read
        _call(app, path, client)
        assert client.status in (401, 403)
        assert client.read == 0


def test_a_chunked_upload_is_cut_at_the_limit(app: FastAPI):
    client = Chunked(chunks=1000)
    _call(app, "/api/documents", client, ((b"authorization", f"Bearer {TOKEN}".encode()),))
    assert client.status == 413
    # the limit is the upload's 100,000 bytes plus 1 MB for the form around it
    assert client.read <= (100_000 + 1_000_000) // 64_000 + 2


def test_a_500_carries_the_security_headers_and_keeps_the_connection(app: FastAPI):
    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("a bug")

    logging.getLogger("aidtrace.web").disabled = True
    try:
        with TestClient(app, raise_server_exceptions=False) as client:
            response = client.get("/boom")
            assert response.status_code == 500
            assert response.json()["error"]["code"] == "internal_error"
            for name, value in HEADERS:
                assert response.headers[name.decode()] == value.decode()
            assert client.get("/api/health").status_code == 200
    finally:
        logging.getLogger("aidtrace.web").disabled = False


def test_an_upload_with_an_impossible_date_is_refused(app: FastAPI):
    with TestClient(app) as client:
        response = client.post(
            "/api/documents",
            headers=AUTH,
            files={"file": ("a.txt", b"Japan pledged $1 billion to Ukraine.")},
            data={"published": "2024-02-31"},
        )
    assert response.status_code == 422  # every invalid parameter is a 422 (issue 11)
    assert "not a calendar date" in response.json()["error"]["message"]


def test_an_upload_is_extracted_in_a_worker_process_within_its_budget(
    app: FastAPI, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("AIDTRACE_SECONDS_PER_MB", "1")
    text = b"Japan pledged $" + b"1" * 30_000 + b" to Ukraine."  # minutes of extraction unbounded
    with TestClient(app) as client:
        response = client.post("/api/documents", headers=AUTH, files={"file": ("slow.txt", text)})
        assert response.status_code in (201, 422)
        if response.status_code == 422:
            assert "budget" in response.json()["error"]["message"]
        ok = client.post(
            "/api/documents",
            headers=AUTH,
            files={"file": ("ok.txt", b"Japan pledged $1 billion to Ukraine.")},
        )
        assert ok.status_code == 201
        assert ok.json()["records"] == 1


def test_serving_beyond_loopback_without_a_token_warns():
    assert exposure_warning("0.0.0.0", token=None)
    assert exposure_warning("127.0.0.1", token=None) is None
    assert exposure_warning("0.0.0.0", token="x" * 20) is None


def test_the_token_can_come_from_a_file_named_in_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN + "\n", "utf-8")
    monkeypatch.delenv("AIDTRACE_TOKEN", raising=False)
    monkeypatch.setenv("AIDTRACE_TOKEN_FILE", str(token_file))
    assert Config.from_env().token == TOKEN


def test_a_worker_process_drops_the_servers_secrets(monkeypatch: pytest.MonkeyPatch):
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    from aidtrace.budget import start_worker

    monkeypatch.setenv("AIDTRACE_TOKEN", TOKEN)
    monkeypatch.setenv("AIDTRACE_SECRET", "s" * 32)
    with ProcessPoolExecutor(
        1, mp_context=get_context("spawn"), initializer=start_worker, initargs=(0,)
    ) as pool:
        seen = pool.submit(_secrets_seen).result()
    assert seen == [None, None]


def _secrets_seen() -> list[str | None]:
    return [os.environ.get("AIDTRACE_TOKEN"), os.environ.get("AIDTRACE_SECRET")]


def test_health_reports_a_failed_background_reconciliation(app: FastAPI, monkeypatch: pytest.MonkeyPatch):
    """A reconciliation after a write that fails has no caller to tell: health says so, with
    the error, until one succeeds again."""
    from aidtrace.web import app as web_app

    def broken(store: Any) -> int:
        raise RuntimeError("disk full")

    with TestClient(app) as client:
        assert client.get("/api/health").json()["reconcile_error"] is None
        monkeypatch.setattr(web_app, "reconcile_changes", broken)
        app.state.reconciler.request()
        body = client.get("/api/health").json()
        assert (body["status"], body["reconcile_error"]) == ("degraded", "RuntimeError: disk full")
        monkeypatch.undo()
        app.state.reconciler.request()
        body = client.get("/api/health").json()
        assert (body["status"], body["reconcile_error"]) == ("ok", None)
