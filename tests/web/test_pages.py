"""Dashboard pages in process: paging, empty states, and errors as pages."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.web.conftest import all_pages


def _measure_ids(html: str) -> list[str]:
    return re.findall(r'data-measure="([^"]+)"', html)


def test_measure_pages_follow_on_without_overlap(client: TestClient):
    first = client.get("/measures", params={"kind": "all"}).text
    second = client.get("/measures", params={"kind": "all", "page": 2}).text
    everything = all_pages(client, "/api/measures", kind="all")
    assert _measure_ids(first) == [m["measure_id"] for m in everything[:50]]
    assert _measure_ids(second) == [m["measure_id"] for m in everything[50:100]]
    assert len(everything) > 50  # the examples fill more than one page
    assert 'rel="next" href="/measures?kind=all&amp;page=2"' in first
    assert 'rel="prev" href="/measures?kind=all&amp;page=1"' in second


def test_pages_say_when_there_is_nothing(client: TestClient):
    assert "No measure matches these filters." in client.get("/measures", params={"q": "no-such-words"}).text
    assert "No measures for XYZ." in client.get("/donors/XYZ").text
    assert "Nothing rejected." in client.get("/review", params={"status": "rejected"}).text


def test_dashboard_errors_are_pages(client: TestClient):
    html = {"accept": "text/html"}
    missing = client.get("/documents/none", headers=html)
    assert missing.status_code == 404
    assert "no document &#39;none&#39;" in missing.text
    assert "<h1>404</h1>" in missing.text
    bad = client.get("/review", params={"status": "maybe"}, headers=html)
    assert bad.status_code == 400
    assert "status &#39;maybe&#39; is not one of" in bad.text
