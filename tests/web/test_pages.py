"""Dashboard pages in process: paging, empty states, and errors as pages."""

from __future__ import annotations

import html
import json
import re

import pytest
from fastapi.testclient import TestClient

from aidtrace.money import share_of_gdp
from aidtrace.web.pages import markdown_html, money
from tests.web.conftest import AUTH, all_pages


def _measure_ids(html: str) -> list[str]:
    return re.findall(r'data-measure="([^"]+)"', html)


def test_measure_pages_follow_on_without_overlap(client: TestClient):
    first = client.get("/measures", params={"kind": "all"}).text
    second = client.get("/measures", params={"kind": "all", "page": 2}).text
    everything = all_pages(client, "/api/measures", kind="all")
    assert _measure_ids(first) == [m["measure_id"] for m in everything[:50]]
    assert _measure_ids(second) == [m["measure_id"] for m in everything[50:100]]
    assert len(everything) > 50  # the examples fill more than one page
    assert 'rel="prev" href="/measures?kind=all&amp;page=1"' in second
    link = re.search(r'rel="next" href="(/measures\?kind=all&amp;page=2&amp;cursor=[^"]+)"', first)
    assert link  # the next page is read after the last row's key (keyset), not by offset
    by_cursor = client.get(html.unescape(link.group(1))).text
    assert _measure_ids(by_cursor) == [m["measure_id"] for m in everything[50:100]]


def test_pages_say_when_there_is_nothing(client: TestClient):
    assert "No measure matches these filters." in client.get("/measures", params={"q": "no-such-words"}).text
    assert "Nothing rejected." in client.get("/review", params={"status": "rejected"}).text


def test_dashboard_errors_are_pages(client: TestClient):
    html = {"accept": "text/html"}
    missing = client.get("/documents/none", headers=html)
    assert missing.status_code == 404
    assert "no document &#39;none&#39;" in missing.text
    assert "<h1>404</h1>" in missing.text
    bad = client.get("/review", params={"status": "maybe"}, headers=html)
    assert bad.status_code == 422
    assert "status &#39;maybe&#39; is not one of" in bad.text


# --- issue 11: the analyst's experience -----------------------------------------------------

HTML = {"accept": "text/html"}
EMPTY = "No documents yet: run <code>aidtrace ingest PATH</code> or <code>aidtrace demo</code>"


def test_every_page_of_an_empty_database_says_how_to_fill_it(empty_client: TestClient):
    for path in (
        "/",
        "/measures",
        "/documents",
        "/donors",
        "/conflicts",
        "/review",
        "/methodology",
        "/api/docs",
    ):
        page = empty_client.get(path)
        assert page.status_code == 200, path
        assert EMPTY in page.text, path
        assert "data-chart=" not in page.text, path  # no bare axes
    overview = empty_client.get("/").text
    assert overview.count("Nothing to draw yet") == 2
    assert empty_client.get("/donors/JPN", headers=HTML).status_code == 404


def test_pages_of_a_filled_database_show_count_and_last_update(client: TestClient):
    page = client.get("/measures").text
    documents = len(all_pages(client, "/api/documents"))
    assert f'<span id="document-count">{documents} documents</span>' in page
    assert 'id="last-updated">last updated 20' in page
    assert EMPTY not in page
    text = b"On 14 March 2024, Japan pledged $120 million in humanitarian aid to Ukraine.\n"
    upload = client.post("/api/documents", files={"file": ("new.txt", text)}, headers=AUTH)
    assert upload.status_code == 201, upload.text
    assert f'<span id="document-count">{documents + 1} documents</span>' in client.get("/measures").text


def test_an_unknown_donor_is_a_page_for_browser_users(client: TestClient):
    missing = client.get("/donors/XYZ", headers=HTML)
    assert missing.status_code == 404
    assert "&#39;XYZ&#39; is not a donor code or name" in missing.text
    assert '<a href="/donors/JPN">Japan (JPN)</a>' in missing.text
    assert "aidtrace " not in missing.text.split("<main>")[1].split("</main>")[0]
    close = client.get("/donors/Japn", headers=HTML)
    assert "did you mean Japan (JPN)?" in close.text
    queue = client.get("/review", params={"donor": "XYZ"}, headers=HTML)
    assert queue.status_code == 422
    assert "&#39;XYZ&#39; is not a donor code or name" in queue.text
    assert 'value="JPN"' in client.get("/review", params={"donor": "japan"}).text
    named = client.get("/donors/japan", params={"currency": "EUR"}, follow_redirects=False)
    assert named.status_code == 307
    assert named.headers["location"] == "/donors/JPN?currency=EUR"


def test_not_found_pages_speak_to_browser_users_and_json_to_api_users(client: TestClient):
    nowhere = client.get("/no/such/page", headers=HTML)
    assert nowhere.status_code == 404
    assert "nothing at /no/such/page" in nowhere.text
    assert "/api/docs" not in nowhere.text.split("<main>")[1].split("</main>")[0]
    for path in ("/measures/none", "/records/none", "/documents/none"):
        page = client.get(path, headers=HTML)
        assert page.status_code == 404
        body = page.text.split("<main>")[1].split("</main>")[0]
        assert "aidtrace " not in body, path
        assert "GET /api" not in body, path
        assert "&#39;none&#39;" in body
    api = client.get("/api/measures/none")
    assert api.status_code == 404
    assert "aidtrace measures" in api.json()["error"]["message"]


def _chart(html: str, chart: str) -> dict[str, object]:
    found = re.search(rf'<script type="application/json" id="{chart}-data">(.*?)</script>', html, re.S)
    assert found, chart
    return dict(json.loads(found.group(1)))


def test_overview_switches_currency_constant_prices_and_share_of_gdp(client: TestClient):
    usd = client.get("/").text
    chart = _chart(usd, "chart-donors")
    assert chart["layout"]["yaxis"]["title"]["text"] == "USD, bn"  # type: ignore[index]
    assert "~s" not in json.dumps(chart)  # no SI ticks ("60G")
    totals = {r["donor"]: r for r in client.get("/api/totals", params={"by": "donor"}).json()["totals"]}
    top = chart["data"][0]  # type: ignore[index]
    assert top["y"][0] == round(totals[top["x"][0]]["total"] / 1e9, 4)
    eur = client.get("/", params={"currency": "EUR"}).text
    assert "Figures in EUR" in eur
    assert _chart(eur, "chart-donors")["layout"]["yaxis"]["title"]["text"] == "EUR, bn"  # type: ignore[index]
    constant = client.get("/", params={"constant": "2024"}).text
    assert "Figures in USD at 2024 prices" in constant
    gdp = client.get("/", params={"gdp": "1"}).text
    shares = _chart(gdp, "chart-donors")
    assert shares["layout"]["yaxis"]["title"]["text"] == "% of 2021 GDP"  # type: ignore[index]
    first = shares["data"][0]  # type: ignore[index]
    assert first["y"][0] == round(totals[first["x"][0]]["percent_of_gdp_2021"], 4)
    assert first["y"] == sorted(first["y"], reverse=True)


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"constant": "1990"}, "base years"),
        ({"constant": "soon"}, "is not a year"),
        ({"currency": "EUR", "constant": "2024"}, "choose USD with them"),
        ({"gdp": "1", "constant": "2024"}, "choose current prices"),
    ],
)
def test_impossible_switches_are_explained(client: TestClient, params: dict[str, str], words: str):
    for path in ("/", "/donors/JPN"):
        page = client.get(path, params=params, headers=HTML)
        assert page.status_code == 422
        assert words in page.text


def test_donor_page_in_euros_and_in_shares_of_gdp(client: TestClient):
    eur = client.get("/donors/JPN", params={"currency": "EUR"}).text
    assert _chart(eur, "chart-donor-timeline")["layout"]["yaxis"]["title"]["text"].startswith("EUR")  # type: ignore[index]
    gdp = client.get("/donors/JPN", params={"gdp": "1"}).text
    assert _chart(gdp, "chart-donor-timeline")["layout"]["yaxis"]["title"]["text"] == "% of 2021 GDP"  # type: ignore[index]
    assert re.search(r'data-label="% of 2021 GDP">\d+\.\d{3}%</td>', gdp)
    present = {m["donor"] for m in all_pages(client, "/api/measures", kind="all")}
    without = sorted(code for code in present if share_of_gdp(1.0, code) is None)[0]
    assert 'id="no-gdp"' in client.get(f"/donors/{without}", params={"gdp": "1"}).text
    timeline = client.get("/api/timeline", params={"donor": "JPN"}).json()["items"]
    cells = re.findall(r'<td class="description">([^<]*)</td>', eur)
    assert cells
    assert [html.unescape(cell) for cell in cells] == [item["description"] for item in timeline][
        -len(cells) :
    ]


def test_measures_page_has_a_donor_picker_totals_and_sort_indicators(client: TestClient):
    page = client.get("/measures", params={"donor": "japan", "sort": "category"}).text
    picker = re.search(r'<select name="donor" id="donor-picker">(.*?)</select>', page, re.S)
    assert picker
    present = {row["donor"] for row in all_pages(client, "/api/measures", kind="all", status="")}
    assert set(re.findall(r'<option value="([A-Z0-9]+)"', picker.group(1))) >= present
    assert '<option value="JPN" selected>Japan (JPN)' in picker.group(1)
    japan = all_pages(client, "/api/measures", donor="JPN")
    assert f"<strong>{len(japan)}</strong> measures match" in page
    counted = [
        m["value_usd"] for m in japan if m["status"] == "counted" and m["type"] == "aid" and m["value_usd"]
    ]
    assert f'<strong id="view-total">{money(sum(counted))}</strong>' in page
    assert page.count("aria-sort=") == 1
    assert re.search(
        r'<th aria-sort="ascending">\s*<a class="sort" href="/measures\?[^"]*sort=-category[^"]*"', page
    )
    assert '<span class="indicator"> ▲</span>' in page
    falling = client.get("/measures", params={"donor": "JPN", "sort": "-category"}).text
    assert '<span class="indicator"> ▼</span>' in falling
    assert re.search(r'id="download-csv" href="/api/exports/measures\?[^"]*sort=category', page)


def test_search_results_show_the_matching_sentence_with_the_match_marked(client: TestClient):
    page = client.get("/measures", params={"q": "HELMETS"}).text
    quotes = re.findall(r'<q class="matched">(.*?)</q>', page, re.S)
    assert quotes
    assert all(re.search(r'<mark class="match">helmets</mark>', q, re.I) for q in quotes)
    hostile = client.get("/measures", params={"q": "<b>x</b>"}).text
    assert "<b>x</b>" not in hostile


def test_methodology_is_records_md_rendered_safely(client: TestClient):
    page = client.get("/methodology").text
    assert "<h1>Records: the extraction contract</h1>" in page
    assert "<td><code>donor</code></td>" in page
    html = markdown_html(
        "# T\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1)) <img src=x onerror=alert(2)>"
    )
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert 'href="javascript' not in html
    assert "<img" not in html


def test_audit_trail_shows_exactly_the_fields_that_changed(client: TestClient):
    record = all_pages(client, "/api/records", donor="JPN", type="aid")[0]
    rid = record["record_id"]
    body = {"action": "correct", "reviewer": "ana", "changes": {"aggregate": not record["aggregate"]}}
    assert client.post(f"/api/records/{rid}/review", json=body, headers=AUTH).status_code == 200
    page = client.get(f"/records/{rid}").text
    changed = re.findall(r'<li data-field="([a-z_]+)">(.*?)</li>', page, re.S)
    assert [field for field, _ in changed] == ["aggregate", "review_status"]
    before, after = ("yes", "no") if record["aggregate"] else ("no", "yes")
    assert f"<del>{before}</del> → <ins>{after}</ins>" in changed[0][1]
    assert "<del>unreviewed</del> → <ins>corrected</ins>" in changed[1][1]
