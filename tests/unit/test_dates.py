from datetime import date

import pytest

from aidtrace.extractor.dates import find_dates


def resolved(text, published):
    return [(m.kind, m.value or m.period) for m in find_dates(text, 0, len(text), published)]


@pytest.mark.parametrize(
    ("text", "published", "expected"),
    [
        ("Last December, Japan pledged", date(2024, 2, 22), [("point", "2023-12")]),
        ("last March", date(2024, 7, 1), [("point", "2024-03")]),
        ("On February 19 Japan hosted", date(2024, 2, 22), [("point", "2024-02-19")]),
        ("On December 20, Japan announced", date(2024, 1, 10), [("point", "2023-12-20")]),
        ("On 13 June of this year", date(2024, 7, 23), [("point", "2024-06-13")]),
        ("on February 24, 2022", date(2024, 7, 23), [("point", "2022-02-24")]),
        ("on 24 February 2022", None, [("point", "2022-02-24")]),
        ("in March 2023", None, [("point", "2023-03")]),
        ("in August, it delivered", date(2024, 11, 15), [("point", "2024-08")]),
        ("In February this year", date(2024, 7, 23), [("point", "2024-02")]),
        ("by the end of this year", date(2024, 7, 23), [("point", "2024")]),
        ("late last year", date(2024, 2, 22), [("point", "2023")]),
        ("last month", date(2024, 1, 15), [("point", "2023-12")]),
        ("on Wednesday", date(2024, 3, 1), [("point", "2024-02-28")]),
        ("on Friday", date(2024, 3, 1), [("point", "2024-03-01")]),
        ("yesterday", date(2024, 3, 1), [("point", "2024-02-29")]),
        ("following the 2014 crisis", date(2024, 11, 15), [("point", "2014")]),
        ("Since March 2022, Japan", date(2024, 11, 15), [("since", "2022-03")]),
        ("Over the past two years", date(2024, 2, 22), [("since", "2022-02")]),
        ("since the start of the full-scale invasion", date(2024, 1, 1), [("since", "2022-02")]),
        ("During the initial months of the conflict", date(2024, 2, 22), [("point", "2022")]),
        ("between January and November 2022", date(2023, 3, 24), [("range", ("2022-01", "2022-11"))]),
        ("from 2022 to 2024", None, [("range", ("2022", "2024"))]),
        ("he may visit", date(2024, 1, 1), []),
        ("a 10-year accord", date(2024, 1, 1), []),
    ],
)
def test_dates_resolve_against_publication(text, published, expected):
    assert resolved(text, published) == expected


def test_relative_dates_without_publication_date_are_unknown():
    assert resolved("Last December, on Wednesday, this year", None) == []


def test_anaphora_is_left_for_the_document_context():
    (mention,) = find_dates("On the day of the Tokyo conference, JBIC announced", 0, 50, date(2024, 2, 22))
    assert (mention.kind, mention.event) == ("anaphora", "the Tokyo conference")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("on 11–12 June", [("point", "2024-06-11")]),
        ("on 15-16 June 2024", [("point", "2024-06-15")]),
    ],
)
def test_multi_day_events_are_dated_by_their_first_day(text, expected):
    assert resolved(text, date(2024, 7, 1)) == expected


@pytest.mark.parametrize(
    ("text", "event"),
    [
        ("During the visit, they signed", "visit"),
        ("at the summit", "summit"),
        ("The same day Japan said", None),
    ],
)
def test_event_references_are_anaphora(text, event):
    (mention,) = find_dates(text, 0, len(text), date(2024, 7, 1))
    assert (mention.kind, mention.event) == ("anaphora", event)
