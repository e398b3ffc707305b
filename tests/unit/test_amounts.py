import pytest

from aidtrace.extractor.amounts import find_amounts, find_gdp_shares, parse_number
from aidtrace.extractor.sentences import clean


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Japan pledged $4.5 billion.", [(4.5e9, "USD", False)]),
        ("over $12 billion in aid", [(12e9, "USD", True)]),
        ("nearly \\$12 billion", [(12e9, "USD", True)]),
        ("assistance worth 47.8 billion euros", [(47.8e9, "EUR", False)]),
        ("600 million euros", [(600e6, "EUR", False)]),
        ("€50m and £2.3bn", [(50e6, "EUR", False), (2.3e9, "GBP", False)]),
        ("A$100m and C$500 million", [(100e6, "AUD", False), (500e6, "CAD", False)]),
        ("NZ$16.5 million", [(16.5e6, "NZD", False)]),
        ("¥471.9 billion", [(471.9e9, "JPY", False)]),
        ("15.8 billion yen", [(15.8e9, "JPY", False)]),
        ("KRW 100 billion and 9.7 billion won", [(100e9, "KRW", False), (9.7e9, "KRW", False)]),
        ("₩2 trillion", [(2e12, "KRW", False)]),
        ("NOK 7.5 billion", [(7.5e9, "NOK", False)]),
        ("SEK 6.8 billion", [(6.8e9, "SEK", False)]),
        ("PLN 1 billion and 22.4 billion zloty", [(1e9, "PLN", False), (22.4e9, "PLN", False)]),
        ("CHF 1.5 billion", [(1.5e9, "CHF", False)]),
        ("USD 1.2 billion", [(1.2e9, "USD", False)]),
        ("2 million pounds", [(2e6, "GBP", False)]),
        ("half a billion euros", [(0.5e9, "EUR", False)]),
        ("a billion dollars", [(1e9, "USD", False)]),
        ("up to $3 Billion", [(3e9, "USD", True)]),
        ("between $1 billion and $1.5 billion", [(1.5e9, "USD", True)]),
        ("$1-1.5 billion", [(1.5e9, "USD", True)]),
        ("some 2,500 Ukrainian refugees", [(2500, "people", True)]),
        ("122 individuals and organizations", [(122, "entities", False)]),
        ("over 50 collaborative agreements", [(50, "agreements", True)]),
        ("130 firms", [(130, "firms", False)]),
        ("100 units of machinery", [(100, "items", False)]),
        ("over two thousand Ukrainians", [(2000, "people", True)]),
        ("1,000 tonnes of flour", [(1000, "tonnes", False)]),
    ],
)
def test_amounts_parse_value_unit_and_hedge(lexicon, text, expected):
    view = clean(text)
    found = [
        (m.amount.value, m.amount.unit, m.amount.approx) for m in find_amounts(view, 0, len(view), lexicon)
    ]
    assert found == expected


@pytest.mark.parametrize(
    "text",
    [
        "the road is 5 m wide",
        "in 2022 the war began",
        "Article 9 of the constitution",
        "a 10-year accord",
        "he won the vote",
    ],
)
def test_amounts_ignore_numbers_that_are_not_quantities(lexicon, text):
    assert find_amounts(text, 0, len(text), lexicon) == []


def test_amounts_keep_every_currency_a_shared_name_can_mean(lexicon):
    text = "10 billion kroner"
    (mention,) = find_amounts(text, 0, len(text), lexicon)
    assert set(mention.candidates) == {"NOK", "DKK"}


def test_gdp_share_is_read_as_percent(lexicon):
    text = "representing approximately 0.13% of its GDP"
    assert [s.percent for s in find_gdp_shares(text, 0, len(text), lexicon)] == [0.13]


@pytest.mark.parametrize(
    ("raw", "value"), [("1,200", 1200.0), ("4.5", 4.5), ("1.000.000", 1e6), ("1,5", 1.5), ("17,745", 17745.0)]
)
def test_parse_number(raw, value):
    assert parse_number(raw) == value


def test_a_figure_restated_in_another_currency_is_one_amount(lexicon):
    text = "a loan of ¥471.9 billion (about $3 billion) and a grant of $20 million"
    found = [(m.amount.value, m.amount.unit) for m in find_amounts(text, 0, len(text), lexicon)]
    assert found == [(471.9e9, "JPY"), (20e6, "USD")]
