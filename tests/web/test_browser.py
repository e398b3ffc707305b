"""End to end in a real headless Chromium (Debian's, driven by Playwright; no browser download):
pages render with data, charts draw, filters and search change the rows, highlights land on
the right words, and a review changes a record and the exports. Each main page is saved as a
screenshot in test-artifacts/screenshots (or $AIDTRACE_ARTIFACTS/screenshots)."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
import uvicorn

from aidtrace.web import WebConfig, create_app
from tests.conftest import ROOT
from tests.web.conftest import TOKEN
from tests.web.test_security import HOSTILE, add_hostile

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(os.environ.get("AIDTRACE_ARTIFACTS", ROOT / "test-artifacts")) / "screenshots"

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed here (.ci/run installs it)"
)


@contextmanager
def serving(db_url: str) -> Iterator[str]:
    """`aidtrace serve` on loopback over `db_url`; yields its address."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = create_app(WebConfig(db=db_url, token=TOKEN))
    running = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not running.started:
        assert time.monotonic() < deadline, "the server did not start in 20 s"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    running.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def server(example_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The server over a copy of the examples database."""
    copy = tmp_path_factory.mktemp("browser") / "web.db"
    shutil.copy(example_db, copy)
    db_url = f"sqlite:///{copy}"
    with serving(db_url) as url:
        yield {"url": url, "db": db_url, "folder": str(copy.parent)}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield launched
        launched.close()


def _open(browser: Any, url: str, width: int = 1300) -> tuple[Any, Any, list[str]]:
    context = browser.new_context(base_url=url, viewport={"width": width, "height": 900})
    opened = context.new_page()
    errors: list[str] = []
    opened.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    opened.on("pageerror", lambda error: errors.append(str(error)))
    return context, opened, errors


@pytest.fixture
def page(browser: Any, server: dict[str, str]) -> Iterator[Any]:
    """A fresh browser context (no cookies) whose console errors fail the test."""
    context, opened, errors = _open(browser, server["url"])
    yield opened
    context.close()
    assert errors == []


@pytest.fixture
def phone(browser: Any, server: dict[str, str]) -> Iterator[Any]:
    """The same at a phone's width (390 px)."""
    context, opened, errors = _open(browser, server["url"], width=390)
    yield opened
    context.close()
    assert errors == []


@pytest.fixture
def empty_page(browser: Any, tmp_path: Path) -> Iterator[Any]:
    """A browser on a server over a new, empty database."""
    with serving(f"sqlite:///{tmp_path / 'empty.db'}") as url:
        context, opened, errors = _open(browser, url)
        yield opened
        context.close()
    assert errors == []


def api(server: dict[str, str], path: str, **params: Any) -> Any:
    return httpx.get(server["url"] + path, params=params).raise_for_status().json()


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_overview_renders_totals_and_draws_both_charts(page: Any, server: dict[str, str]):
    page.goto("/")
    page.wait_for_selector("#chart-donors[data-drawn=true]")
    page.wait_for_selector("#chart-timeline[data-drawn=true]")
    donors = [row for row in api(server, "/api/totals", by="donor")["totals"] if row["total"]]
    assert page.locator("#chart-donors .bars path").count() == min(len(donors), 20)
    assert page.locator("#chart-timeline .bars path").count() > 0
    first = page.locator("table.data tbody tr").first.locator("td").first
    assert first.locator("a").inner_text() == donors[0]["donor"]
    assert first.locator("span").inner_text()  # the donor's name beside its code
    shot(page, "overview")


def test_japan_profile_shows_its_timeline_and_chart(page: Any, server: dict[str, str]):
    page.goto("/donors/JPN")
    page.wait_for_selector("#chart-donor-timeline[data-drawn=true]")
    timeline = api(server, "/api/timeline", donor="JPN")["items"]
    assert page.locator("#timeline tbody tr").count() == len(timeline)
    assert "reported" in page.locator("table.reported caption").inner_text()
    page.wait_for_selector("#chart-donor-cumulative[data-drawn=true]")
    assert page.locator("#chart-donor-cumulative .scatterlayer .trace").count() == 3  # two lines, the points
    points = api(server, "/api/cumulative", donor="JPN")["points"]
    reported = sum(len(point["reported"]) for point in points)
    assert page.locator("#chart-donor-cumulative .scatterlayer .point").count() == reported
    assert page.locator("#reported-points tbody tr").count() == reported
    shot(page, "donor-jpn")


def _rows(page: Any) -> list[str]:
    return page.locator("#measures tbody tr[data-measure]").evaluate_all(
        "rows => rows.map(r => r.dataset.measure)"
    )


def test_filters_search_and_sorting_change_the_rows(page: Any, server: dict[str, str]):
    page.goto("/measures")
    everything = _rows(page)
    page.select_option("#donor-picker", "JPN")
    page.click("#filters button[type=submit]")
    page.wait_for_url("**/measures?*donor=JPN*")
    japan = _rows(page)
    expected = [m["measure_id"] for m in api(server, "/api/measures", donor="JPN", limit=50)["items"]]
    assert japan == expected
    assert japan != everything
    donors = page.locator("#measures tbody tr td:nth-child(2) a").all_inner_texts()
    assert set(donors) == {"JPN"}
    assert set(page.locator("#measures tbody tr td:nth-child(2) span").all_inner_texts()) == {"Japan"}
    page.fill("input[name=q]", "helmets")
    page.click("#filters button[type=submit]")
    page.wait_for_url("**q=helmets*")
    found = _rows(page)
    assert found == [m["measure_id"] for m in api(server, "/api/measures", donor="JPN", q="helmets")["items"]]
    assert 0 < len(found) < len(japan)
    page.fill("input[name=q]", "")
    page.click("#filters button[type=submit]")
    page.click("#measures thead a:text('amount')")
    page.wait_for_url("**sort=-amount*")
    by_amount = api(server, "/api/measures", donor="JPN", sort="-amount", limit=50)["items"]
    assert _rows(page) == [m["measure_id"] for m in by_amount]
    href = page.get_attribute("#download-xlsx", "href")
    assert all(part in href for part in ("donor=JPN", "sort=-amount", "format=xlsx"))
    download = page.request.get(page.get_attribute("#download-csv", "href"))
    assert download.ok
    assert len(download.text().strip().splitlines()) > len(by_amount)  # every mention of the view
    shot(page, "measures")


def test_measure_page_highlights_every_mention(page: Any, server: dict[str, str]):
    measures = api(server, "/api/measures", sort="-mentions", kind="all", limit=5)["items"]
    measure = api(server, f"/api/measures/{measures[0]['measure_id']}")
    assert len(measure["mentions"]) >= 2
    page.goto(f"/measures/{measure['measure_id']}")
    marks = page.locator("article.mention mark.evidence").all_inner_texts()
    assert marks == [m["evidence_text"] for m in measure["mentions"]]
    assert page.locator("a.source").count() >= 1
    shot(page, "measure")


def test_document_page_highlights_land_on_each_records_words(page: Any, server: dict[str, str]):
    documents = api(server, "/api/documents", limit=100)["items"]
    chosen = max(documents, key=lambda d: d["records"])
    doc = api(server, f"/api/documents/{chosen['doc_id']}")
    page.goto(f"/documents/{chosen['doc_id']}")
    for record in doc["records"]:
        covered = page.locator(f'mark[data-records~="{record["record_id"]}"]').all_inner_texts()
        assert "".join(covered) == record["evidence"]["text"]
    first = doc["records"][0]["record_id"]
    page.locator(f'mark[data-records~="{first}"] a').first.click()
    assert page.url.endswith(f"#rec-{first}")
    shot(page, "document")


def test_review_changes_a_record_its_measure_and_the_exports(page: Any, server: dict[str, str]):
    records = api(server, "/api/records", donor="JPN", type="aid", limit=200)["items"]
    record = next(r for r in records if r["amount"] and r["amount"]["unit"] == "USD" and r["measure_id"])
    page.goto(f"/records/{record['record_id']}")
    page.click("text=Sign in")
    page.fill("input[name=name]", "Ana Analyst")
    page.fill("input[name=token]", TOKEN)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"**/records/{record['record_id']}")
    page.fill("#correct-form input[name=amount_value]", "888000000")
    page.fill("#correct-form input[name=note]", "the ministry's figure")
    page.click("#correct")
    page.wait_for_selector("#done")
    assert page.inner_text("#f-amount") == "USD 888.00 m"
    audit = page.locator("#audit tbody tr").first.inner_text()
    assert "Ana Analyst" in audit
    assert "correct" in audit
    exported = page.request.get("/api/exports/records?format=csv").text()
    assert "888000000" in exported
    deadline = time.monotonic() + 30  # measures are recomputed in the background
    while api(server, "/api/health")["reconciling"]:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    measure = api(server, f"/api/records/{record['record_id']}")["measure_id"]
    assert any(m["amount_value"] == 888e6 for m in api(server, f"/api/measures/{measure}")["mentions"])
    assert "888000000" in page.request.get("/api/exports/measures?format=csv&kind=all").text()
    shot(page, "record-review")


def test_a_hostile_document_runs_no_script(page: Any, server: dict[str, str], tmp_path: Path):
    add_hostile(server["db"], tmp_path / "hostile")
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto("/documents/hostile")
    page.wait_for_load_state("load")
    assert "<script>" in page.inner_text("#doctext")
    assert HOSTILE.strip()[:40] in page.inner_text("#doctext")
    assert page.locator("#doctext script, #doctext img, #doctext a[href^=javascript]").count() == 0
    page.goto("/review")
    page.goto("/measures?q=field+hospitals")
    assert dialogs == []
    shot(page, "hostile-document")


def test_api_docs_list_every_operation_from_bundled_assets(page: Any, server: dict[str, str]):
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto("/api/docs")
    page.wait_for_selector(".opblock-summary-path")
    described = api(server, "/api/openapi.json")["paths"]
    operations = sum(len(methods) for methods in described.values())
    listed = page.locator(".opblock-summary-path").all_inner_texts()
    assert len(listed) == operations
    assert {path.replace("\u200b", "") for path in listed} == set(described)
    assert all(url.startswith(server["url"]) for url in requested)  # nothing from another site
    shot(page, "api-docs")


def test_an_empty_database_says_how_to_fill_it_and_draws_no_axes(empty_page: Any):
    for path in ("/", "/measures", "/documents", "/donors"):
        empty_page.goto(path)
        banner = empty_page.inner_text("#empty-database")
        assert "No documents yet: run aidtrace ingest PATH or aidtrace demo" in banner
        assert empty_page.locator(".chart, .main-svg").count() == 0
    empty_page.goto("/")
    assert empty_page.locator("p.no-chart").count() == 2
    shot(empty_page, "empty-database")


def test_measures_table_describes_each_row(page: Any, server: dict[str, str]):
    page.goto("/measures?donor=JPN")
    expected = api(server, "/api/measures", donor="JPN", limit=50)["items"]
    descriptions = page.locator("#measures tbody td.description .text").all_inner_texts()
    assert descriptions == [m["description"] for m in expected]
    assert all(text.strip() for text in descriptions)
    assert page.locator("#measures thead th").nth(3).inner_text() == "description"
    shot(page, "measures-descriptions")


def _axis(page: Any, chart: str) -> str:
    return str(page.locator(f"#{chart} .g-ytitle text").text_content())


def test_currency_and_share_of_gdp_switches_redraw_the_charts(page: Any, server: dict[str, str]):
    page.goto("/")
    page.wait_for_selector("#chart-donors[data-drawn=true]")
    assert _axis(page, "chart-donors") == "USD, bn"
    ticks = page.locator("#chart-donors .ytick text").all_text_contents()
    assert not any(tick.rstrip().endswith(("G", "M", "k")) for tick in ticks)  # bn/m in the title, not "60G"
    page.select_option("#switches select[name=currency]", "EUR")
    page.click("#switches button[type=submit]")
    page.wait_for_url("**currency=EUR*")
    page.wait_for_selector("#chart-donors[data-drawn=true]")
    assert _axis(page, "chart-donors") == "EUR, bn"
    assert "EUR" in page.locator("table.data thead").first.inner_text()
    page.select_option("#switches select[name=currency]", "USD")
    page.check("#switches input[name=gdp]")
    page.click("#switches button[type=submit]")
    page.wait_for_url("**gdp=1*")
    page.wait_for_selector("#chart-donors[data-drawn=true]")
    assert _axis(page, "chart-donors") == "% of 2021 GDP"
    shares = {r["donor"]: r["percent_of_gdp_2021"] for r in api(server, "/api/totals", by="donor")["totals"]}
    first = page.locator("table.data tbody tr").first
    donor = first.locator("td a").first.inner_text()
    assert first.locator("td").nth(1).inner_text() == f"{shares[donor]:.3f}%"
    assert shares[donor] == max(v for v in shares.values() if v is not None)
    shot(page, "overview-share-of-gdp")
    page.goto("/donors/JPN?currency=EUR")
    page.wait_for_selector("#chart-donor-timeline[data-drawn=true]")
    assert _axis(page, "chart-donor-timeline").startswith("EUR")
    page.check("#switches input[name=gdp]")
    page.select_option("#switches select[name=currency]", "USD")
    page.click("#switches button[type=submit]")
    page.wait_for_url("**gdp=1*")
    page.wait_for_selector("#chart-donor-timeline[data-drawn=true]")
    assert _axis(page, "chart-donor-timeline") == "% of 2021 GDP"
    shot(page, "donor-jpn-share-of-gdp")


def test_sorting_any_column_both_ways_shows_an_indicator(page: Any, server: dict[str, str]):
    page.goto("/measures")
    assert page.locator("#measures thead th[aria-sort]").inner_text().strip() == "date ▼"
    for sort, direction, mark in (("category", "ascending", "▲"), ("-category", "descending", "▼")):
        page.click("#measures thead a.sort:text('category')")  # a second click turns the order round
        page.wait_for_url(f"**sort={sort}*")
        header = page.locator("#measures thead th[aria-sort]")
        assert header.get_attribute("aria-sort") == direction
        assert header.inner_text().strip() == f"category {mark}"
        expected = api(server, "/api/measures", sort=sort, limit=50)["items"]
        assert _rows(page) == [m["measure_id"] for m in expected]
    shot(page, "measures-sorted")


@pytest.mark.parametrize("path", ["/", "/measures?q=helmets", "/donors/JPN", "/documents", "/methodology"])
def test_phone_width_has_no_sideways_scrolling(phone: Any, path: str):
    phone.goto(path)
    phone.wait_for_load_state("load")
    if phone.locator("[data-chart]").count():
        phone.wait_for_selector("[data-chart][data-drawn=true]")
    if path.startswith("/measures"):  # the headings are hidden on a phone; the form sorts
        assert phone.locator("#sort-choice").is_visible()
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{path} is {width} px wide at 390"
    shot(phone, "phone-" + (path.strip("/").split("?")[0].replace("/", "-") or "overview"))
