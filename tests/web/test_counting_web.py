"""Counting status, totals as of a date, the cumulative view and coverage conflicts over
HTTP: the API's JSON and the dashboard's pages (issue 10)."""

from __future__ import annotations

import json
import re

from fastapi.testclient import TestClient

from tests.web.conftest import all_pages, assert_error


def test_measures_carry_their_counting_status(client: TestClient):
    every = all_pages(client, "/api/measures", kind="all")
    assert {m["status"] for m in every} <= {"counted", "part_of", "running_total", "collective"}
    assert all((m["status"] == "running_total") == bool(m["aggregate"]) for m in every)
    collective = all_pages(client, "/api/measures", status="collective")
    assert collective
    assert {m["donor"] for m in collective} <= {"G7", "NATO"}
    totals = client.get("/api/totals", params={"by": "donor"}).json()["totals"]
    assert not {row["donor"] for row in totals} & {"G7", "NATO"}  # never ranked beside the members


def test_totals_as_of_a_date_over_the_api(client: TestClient):
    found = client.get("/api/totals", params={"donor": "JPN", "as_of": "2024-06-30"}).json()
    assert found["donor"] == "JPN"
    assert found["committed_usd"] >= found["delivered_usd"] > 0
    assert all(point["as_of"] <= "2024-06-30" for point in found["reported"])
    earlier = client.get("/api/totals", params={"donor": "JPN", "as_of": "2023-01-01"}).json()
    assert earlier["committed_usd"] < found["committed_usd"]
    assert_error(client.get("/api/totals", params={"as_of": "2024-06-30"}), 422, "invalid_request")
    assert_error(
        client.get("/api/totals", params={"donor": "JPN", "as_of": "2024-02-31"}), 422, "invalid_request"
    )


def test_cumulative_over_the_api(client: TestClient):
    found = client.get("/api/cumulative", params={"donor": "JPN"}).json()
    assert found["points"]
    assert found["series"]
    last = found["series"][-1]
    assert last["committed_usd"] == max(row["committed_usd"] for row in found["series"])


def test_coverage_conflicts_over_the_api(client: TestClient):
    rows = all_pages(client, "/api/conflicts", field="coverage")
    assert rows
    assert all(row["field"] == "coverage" and row["coverage"]["sources"] for row in rows)
    amounts = all_pages(client, "/api/conflicts", field="amount")
    assert all("values" in row for row in amounts)


def test_donor_page_draws_computed_and_reported_totals_with_links_to_sentences(client: TestClient):
    page = client.get("/donors/JPN").text
    assert "Japan (JPN): profile" in page
    spec = json.loads(re.search(r'id="chart-donor-cumulative-data">(.*?)</script>', page, re.S).group(1))
    names = [trace["name"] for trace in spec["data"]]
    assert names == ["computed committed", "computed delivered", "reported running total"]
    links = spec["data"][2]["customdata"]
    assert links
    assert all(re.fullmatch(r"/documents/[\w.-]+#span-r[0-9a-f]+", link) for link in links)
    assert 'id="reported-points"' in page
    assert page.count('class="sentence" href="/documents/') >= len(links)


def test_measures_table_describes_each_row_and_names_its_donor(client: TestClient):
    page = client.get("/measures", params={"donor": "JPN", "kind": "all"}).text
    descriptions = re.findall(
        r'<td class="description" data-label="description"><span class="text">([^<]*)</span>', page
    )
    assert descriptions
    assert all(text.strip() for text in descriptions)
    assert '<span class="muted small">Japan</span>' in page
    assert "running total" in page


def test_a_measure_page_says_why_it_is_or_is_not_counted(client: TestClient):
    (total,) = all_pages(client, "/api/measures", status="running_total", donor="JPN")[:1]
    page = client.get(f"/measures/{total['measure_id']}").text
    assert "running total reported by a source: shown beside the sums, never added" in page


def test_conflicts_page_shows_coverage_with_both_figures(client: TestClient):
    page = client.get("/conflicts").text
    assert 'class="conflict-coverage"' in page
    assert re.search(r"(measures missing|double counting suspected)</strong>: reported USD", page)


def test_overview_shows_collective_figures_apart(client: TestClient):
    page = client.get("/").text
    table = page[page.index('id="collective"') :]
    assert "G7" in table[: table.index("</table>")]
    donors = re.findall(r'<a href="/donors/([A-Z0-9]+)">', page[: page.index('id="collective"')])
    assert "G7" not in donors


def test_a_description_names_instrument_channel_items_and_amount_or_quotes_the_sentence():
    from aidtrace.queries import _description

    assert _description({"subtype": "loan", "amount_value": 5.1e9, "amount_unit": "EUR"}, [], "s") == (
        "loan · EUR 5.1 bn"
    )
    assert _description({"channel": "NATO", "amount_value": 37e6, "amount_unit": "USD"}, ["drones"], "s") == (
        "via NATO · drones · USD 37 m"
    )
    assert _description({"subtype": "visit", "amount_value": None}, [], "Kishida  visited Kyiv.") == (
        "Kishida visited Kyiv."
    )
