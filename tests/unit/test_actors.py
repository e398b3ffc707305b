import pytest

from aidtrace.extractor.actors import find_actors


def codes(text, lexicon, when="2024-02-22"):
    return [(m.surface, m.code) for m in find_actors(text, 0, len(text), lexicon, when=when)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Japan pledged", [("Japan", "JPN")]),
        ("the Japanese government", [("Japanese", "JPN")]),
        ("Tokyo announced", [("Tokyo", "JPN")]),
        ("Washington and Berlin", [("Washington", "USA"), ("Berlin", "DEU")]),
        ("Kishida's visit", [("Kishida", "JPN")]),
        ("Prime Minister Kishida Fumio", [("Kishida Fumio", "JPN")]),
        (
            "The Japan International Cooperation Agency (JICA)",
            [("Japan International Cooperation Agency", "JPN"), ("JICA", "JPN")],
        ),
        ("NEXI and JBIC", [("NEXI", "JPN"), ("JBIC", "JPN")]),
        ("USAID and KfW", [("USAID", "USA"), ("KfW", "DEU")]),
        ("the U.S. and the UK", [("U.S.", "USA"), ("UK", "GBR")]),
        ("the European Union", [("European Union", "EU")]),
        ("the World Bank", [("World Bank", "WBG")]),
        ("President Zelensky in Kyiv", [("Zelensky", "UKR"), ("Kyiv", "UKR")]),
        ("Türkiye and South Korea", [("Türkiye", "TUR"), ("South Korea", "KOR")]),
    ],
)
def test_actors_resolve_to_codes(lexicon, text, expected):
    assert codes(text, lexicon) == expected


def test_officials_resolve_only_in_office(lexicon):
    assert codes("Scholz said", lexicon, when="2023-05-01") == [("Scholz", "DEU")]
    assert codes("Scholz said", lexicon, when="2015-05-01") == []


def test_channels_are_marked(lexicon):
    text = "through the Black Sea Trade and Development Bank"
    (mention,) = find_actors(text, 0, len(text), lexicon, when=None)
    assert (mention.kind, mention.code) == ("channel", "-")
