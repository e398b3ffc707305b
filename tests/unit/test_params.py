"""Parameters people type (params.py): donors by code or name, dates, constant-price years."""

from __future__ import annotations

import pytest

from aidtrace.params import (
    InvalidParameter,
    check_constant_year,
    check_period,
    constant_years,
    parse_date,
    resolve_donor,
)

PRESENT = {"JPN", "NOR", "DEU", "EU", "WBG"}


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("JPN", "JPN"),
        ("jpn", "JPN"),
        (" japan ", "JPN"),
        ("Japan", "JPN"),
        ("Japanese", "JPN"),
        ("germany", "DEU"),
        ("European Union", "EU"),
        ("eu", "EU"),
        ("world bank", "WBG"),
    ],
)
def test_resolve_donor_takes_codes_and_names_in_any_case(text, code):
    assert resolve_donor(PRESENT, text, name="--donor") == code


def test_resolve_donor_refuses_an_unknown_text_listing_the_donors_present():
    with pytest.raises(InvalidParameter) as caught:
        resolve_donor(PRESENT, "XYZ", name="--donor")
    assert caught.value.name == "--donor"
    assert caught.value.status == 422
    assert str(caught.value) == (
        "--donor 'XYZ' is not a donor code or name; donors in this database: Germany (DEU), "
        "European Union (EU), Japan (JPN), Norway (NOR), World Bank (WBG) (give a code or a name)"
    )


def test_resolve_donor_suggests_close_matches():
    with pytest.raises(InvalidParameter, match=r"did you mean Japan \(JPN\)\?"):
        resolve_donor(PRESENT, "japn")
    with pytest.raises(InvalidParameter, match=r"did you mean Norway \(NOR\)\?"):
        resolve_donor(PRESENT, "NRO")


def test_resolve_donor_says_a_known_donor_has_no_measures_here():
    with pytest.raises(InvalidParameter) as caught:
        resolve_donor(PRESENT, "france", name="donor")
    assert str(caught.value).startswith("donor 'france': France (FRA) has no measures in this database; ")


def test_resolve_donor_on_an_empty_database_says_how_to_fill_it():
    with pytest.raises(
        InvalidParameter, match="no measures yet: run 'aidtrace ingest PATH' or 'aidtrace demo'"
    ):
        resolve_donor(set(), "JPN")


def test_resolve_donor_refuses_an_empty_text():
    with pytest.raises(InvalidParameter, match="donor is empty"):
        resolve_donor(PRESENT, "  ")


def test_resolve_donor_reads_the_donors_of_a_store(tmp_path):
    from aidtrace.store import open_store

    with open_store(f"sqlite:///{tmp_path / 'x.db'}") as store:
        with pytest.raises(InvalidParameter, match="no measures yet"):
            resolve_donor(store, "japan")


@pytest.mark.parametrize("text", ["2024", "2024-02", "2024-02-29", " 2024-03 "])
def test_parse_date_accepts_calendar_dates_of_three_precisions(text):
    assert parse_date(text, name="--since") == text.strip()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2024-13", "--since '2024-13': there is no month 13; write it as YYYY, YYYY-MM or YYYY-MM-DD"),
        ("2023-02-29", "--since '2023-02-29': 2023-02 has no day 29; write it as YYYY"),
        ("yesterday", "--since 'yesterday' is not a date; write it as YYYY, YYYY-MM or YYYY-MM-DD"),
        ("24-01-01", "--since '24-01-01' is not a date"),
        ("2024/01/01", "--since '2024/01/01' is not a date"),
        ("", "--since '' is not a date"),
    ],
)
def test_parse_date_refuses_what_is_not_a_calendar_date(text, message):
    with pytest.raises(InvalidParameter) as caught:
        parse_date(text, name="--since")
    assert str(caught.value).startswith(message)
    assert caught.value.name == "--since"


@pytest.mark.parametrize(
    ("since", "until"), [("2024", "2024"), ("2024-01", "2024"), ("2023", "2024-02"), (None, "2020")]
)
def test_check_period_accepts_a_period_in_order(since, until):
    check_period(since, until)


@pytest.mark.parametrize(("since", "until"), [("2025", "2024-12"), ("2024-05-02", "2024-05-01")])
def test_check_period_refuses_a_period_that_ends_before_it_starts(since, until):
    with pytest.raises(InvalidParameter, match="after it ends"):
        check_period(since, until)


def test_check_constant_year_accepts_the_deflator_years_and_refuses_others():
    first, last = constant_years()
    assert (first, last) == (2010, 2025)
    assert check_constant_year(2024) == 2024
    assert check_constant_year(first) == first
    for year in (1990, first - 1, last + 1):
        with pytest.raises(InvalidParameter) as caught:
            check_constant_year(year, name="--constant")
        assert str(caught.value) == (
            f"--constant {year}: constant prices are available for base years 2010 to 2025 "
            "(US GDP deflator, BEA); choose a year in that range"
        )
