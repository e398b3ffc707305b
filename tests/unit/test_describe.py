"""One-line descriptions of measures and donors by name (describe.py)."""

from __future__ import annotations

import pytest

from aidtrace.describe import describe_measure, donor_label, donor_name, figure, trim


@pytest.mark.parametrize(
    ("measure", "items", "sentence", "expected"),
    [
        ({"subtype": "loan", "amount_value": 5.1e9, "amount_unit": "EUR"}, [], "s", "loan · EUR 5.1 bn"),
        (
            {"channel": "NATO", "amount_value": 37e6, "amount_unit": "USD"},
            ["drones"],
            "s",
            "via NATO · drones · USD 37 m",
        ),
        (
            {"subtype": "military_equipment", "amount_value": None},
            ["vests", "helmets"],
            None,
            "military equipment · vests, helmets",
        ),
        ({"subtype": "visit", "amount_value": None}, [], "Kishida  visited\nKyiv.", "Kishida visited Kyiv."),
        ({"amount_value": 49.0, "amount_unit": "entities"}, [], None, "49 entities"),
        ({"amount_value": None}, [], None, ""),
    ],
)
def test_describe_measure_names_its_parts_or_quotes_its_sentence(measure, items, sentence, expected):
    assert describe_measure(measure, items=items, sentence=sentence) == expected


def test_describe_measure_names_six_items_at_most():
    items = [f"item{n}" for n in range(8)]
    assert describe_measure({"subtype": "grant"}, items=items) == (
        "grant · item0, item1, item2, item3, item4, item5, …"
    )


def test_trim_cuts_long_sentences_with_an_ellipsis():
    text = "word " * 60
    trimmed = trim(text)
    assert len(trimmed) <= 140
    assert trimmed.endswith("word…")


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (4.5e9, "USD", "USD 4.5 bn"),
        (12e6, "JPY", "JPY 12 m"),
        (950.0, "EUR", "EUR 950"),
        (1200, "people", "1,200 people"),
    ],
)
def test_figure_scales_money_and_counts_units(value, unit, expected):
    assert figure(value, unit) == expected


@pytest.mark.parametrize(
    ("code", "name", "label"),
    [
        ("JPN", "Japan", "Japan (JPN)"),
        ("WBG", "World Bank", "World Bank (WBG)"),
        ("G7", "Group of Seven", "Group of Seven (G7)"),
        ("ARE", "United Arab Emirates", "United Arab Emirates (ARE)"),
        ("QQQ", "QQQ", "QQQ"),
        (None, "", ""),
    ],
)
def test_donor_name_and_label(code, name, label):
    assert (donor_name(code), donor_label(code)) == (name, label)
