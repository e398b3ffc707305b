"""Hostile documents, forged forms and sessions, injection attempts, and the token check."""

from __future__ import annotations

import hmac
import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from aidtrace import pipeline
from aidtrace.reconcile import reconcile
from aidtrace.store import open_store
from aidtrace.web.security import CSRF_COOKIE, SESSION_COOKIE, Guard
from tests.web.conftest import AUTH, TOKEN, all_pages, assert_error

HOSTILE = (
    "On 3 June 2024, Japan pledged $45 million in humanitarian aid to Ukraine "
    '<script>alert("xss")</script> <img src=x onerror="alert(1)"> for '
    '<a href="javascript:alert(2)">field hospitals</a>.\n'
)


def add_hostile(db_url: str, folder: Path) -> str:
    """Ingest a document whose text and metadata try to inject markup; returns its id."""
    folder.mkdir()
    (folder / "hostile.txt").write_text(HOSTILE, encoding="utf-8")
    meta = {
        "doc_id": "hostile",
        "title": "<script>alert('title')</script>",
        "publisher": '"><svg onload=alert(3)>',
        "url": "javascript:alert(4)",
        "published": "2024-06-04",
    }
    (folder / "manifest.jsonl").write_text(json.dumps(meta) + "\n", encoding="utf-8")
    with open_store(db_url) as store:
        summary = pipeline.ingest([folder], store)
        assert summary.records >= 1  # the hostile sentence is a real record, so it is displayed
        reconcile(store)
    return "hostile"


def assert_inert(html: str) -> None:
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert "<svg onload" not in html
    assert 'href="javascript:' not in html.lower()
    scripts = re.findall(r"<script[^>]*>", html)
    assert all('src="/static/' in tag or 'type="application/json"' in tag for tag in scripts), scripts


def test_hostile_text_and_metadata_are_escaped_on_every_page(client: TestClient, db_url: str, tmp_path: Path):
    doc_id = add_hostile(db_url, tmp_path / "hostile")
    record = all_pages(client, "/api/records", doc_id=doc_id)[0]
    pages = [
        f"/documents/{doc_id}",
        f"/measures/{record['measure_id']}",
        f"/records/{record['record_id']}",
        "/documents",
        "/review",
        "/measures?q=alert",
        "/",
        "/donors/JPN",
    ]
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        assert_inert(response.text)
    document = client.get(f"/documents/{doc_id}").text
    assert "&lt;script&gt;alert(&#34;xss&#34;)&lt;/script&gt;" in document
    assert "javascript:alert(4)" in document  # shown as text, never as a link
    found = client.get("/measures", params={"q": "field hospitals", "kind": "all"}).text
    quoted = re.search(r'<q class="matched">(.*?)</q>', found, re.S)
    assert quoted  # the matching sentence, its markup as text and the match marked
    assert '<mark class="match">field hospitals</mark>' in quoted.group(1)
    assert "&lt;script&gt;alert(&#34;xss&#34;)&lt;/script&gt;" in quoted.group(1)


def test_pages_send_a_strict_content_security_policy(client: TestClient):
    response = client.get("/")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert client.get("/api/measures").headers["content-security-policy"] == policy


def test_hostile_queries_are_parameters_not_sql(client: TestClient):
    before = len(all_pages(client, "/api/measures", kind="all"))
    for q in ["'; DROP TABLE measures; --", "%' OR '1'='1", "NEAR(x", "x*", "-x", "x AND NOT y"]:
        response = client.get("/api/measures", params={"q": q, "kind": "all"})
        assert response.status_code == 200  # words, never SQL or full-text syntax
        assert response.json()["items"] == []
        assert client.get("/measures", params={"q": q}).status_code == 200
        assert client.get("/api/search", params={"q": q}).json()["items"] == []
    for q in ["\\", "!%_", '"', "*", "-", "--", "( )"]:  # nothing to search for: a clear 422
        for path in ("/api/measures", "/api/search", "/api/documents"):
            response = client.get(path, params={"q": q})
            assert response.status_code == 422, (path, q)
            assert response.json()["error"]["details"][0]["where"] == "query.q"
    assert client.get("/api/documents", params={"q": "' OR 1=1 --"}).json()["items"] == []
    assert len(all_pages(client, "/api/measures", kind="all")) == before


def _sign_in(client: TestClient, name: str = "ana") -> None:
    client.get("/login")  # sets the CSRF cookie
    response = client.post(
        "/login",
        data={"name": name, "token": TOKEN, "csrf": client.cookies[CSRF_COOKIE], "next": "/review"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/review"


def _record_id(client: TestClient) -> str:
    return str(all_pages(client, "/api/records", donor="JPN", limit=500)[0]["record_id"])


def test_review_forms_need_a_session_and_the_csrf_token(client: TestClient):
    rid = _record_id(client)
    client.get("/")
    csrf = client.cookies[CSRF_COOKIE]
    html = {"accept": "text/html"}
    # no session
    response = client.post(f"/records/{rid}/review", data={"action": "accept", "csrf": csrf}, headers=html)
    assert response.status_code == 401
    _sign_in(client)
    # session, but no or a wrong CSRF token
    assert client.post(f"/records/{rid}/review", data={"action": "accept"}, headers=html).status_code == 403
    forged = {"action": "accept", "csrf": "x" * len(csrf)}
    assert client.post(f"/records/{rid}/review", data=forged, headers=html).status_code == 403
    assert client.get(f"/api/records/{rid}").json()["review_status"] is None
    # both: the decision is taken, and logged under the signed-in name
    done = client.post(
        f"/records/{rid}/review", data={"action": "accept", "csrf": csrf}, follow_redirects=False
    )
    assert done.status_code == 303
    assert client.get(f"/api/records/{rid}").json()["reviews"][0]["reviewer"] == "ana"


def test_sessions_cannot_be_forged_or_outlive_their_token(client: TestClient):
    guard = Guard(TOKEN, b"secret")
    cookie = guard.session_cookie("ana", now=1000.0)
    assert guard.reviewer(cookie, now=1001.0) == "ana"
    assert guard.reviewer(cookie, now=1000.0 + 13 * 3600) is None  # expired
    body, _, signature = cookie.rpartition(".")
    tampered = ("A" if body[0] != "A" else "B") + body[1:]
    assert guard.reviewer(tampered + "." + signature, now=1001.0) is None
    assert Guard("another-token-0123456789", b"secret").reviewer(cookie, now=1001.0) is None
    assert Guard(None, b"secret").reviewer(cookie, now=1001.0) is None
    client.get("/")
    client.cookies.set(SESSION_COOKIE, cookie)  # signed with another secret than the app's
    rid = _record_id(client)
    data = {"action": "accept", "csrf": client.cookies[CSRF_COOKIE]}
    assert (
        client.post(f"/records/{rid}/review", data=data, headers={"accept": "text/html"}).status_code == 401
    )


def test_login_checks_csrf_and_token_and_never_redirects_off_site(client: TestClient):
    client.get("/login")
    csrf = client.cookies[CSRF_COOKIE]
    form = {"name": "ana", "token": TOKEN, "next": "/"}
    assert client.post("/login", data=form, headers={"accept": "text/html"}).status_code == 403  # no csrf
    wrong = client.post("/login", data={**form, "csrf": csrf, "token": "nope"})
    assert wrong.status_code == 401
    assert SESSION_COOKIE not in client.cookies
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        response = client.post("/login", data={**form, "csrf": csrf, "next": target}, follow_redirects=False)
        assert response.headers["location"] == "/"
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie


def test_tokens_are_compared_in_constant_time(monkeypatch: pytest.MonkeyPatch):
    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr("aidtrace.web.security.hmac.compare_digest", spy)
    guard = Guard(TOKEN, b"s")
    guard.check_bearer(f"Bearer {TOKEN}")
    assert calls == [(TOKEN.encode(), TOKEN.encode())]
    assert not guard.token_matches(TOKEN[:-1])


def test_the_upload_form_writes_only_when_signed_in(client: TestClient):
    client.get("/upload")
    csrf = client.cookies[CSRF_COOKIE]
    files = {
        "file": ("note.txt", b"On 1 May 2024, Japan pledged $5 million in humanitarian aid to Ukraine.\n")
    }
    html = {"accept": "text/html"}
    assert client.post("/upload", data={"csrf": csrf}, files=files, headers=html).status_code == 401
    _sign_in(client)
    assert client.post("/upload", data={"csrf": "bad"}, files=files, headers=html).status_code == 403
    response = client.post("/upload", data={"csrf": csrf}, files=files, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/documents/note"
    assert client.get("/api/documents/note", headers=AUTH).json()["records"]


def test_error_pages_escape_what_they_echo(client: TestClient):
    response = client.get("/measures/<script>alert(1)</script>", headers={"accept": "text/html"})
    assert response.status_code == 404
    assert "<script>alert(1)" not in response.text
    assert "&lt;script&gt;" in response.text
    assert_error(client.get("/api/measures/<b>x</b>"), 404, "not_found")
