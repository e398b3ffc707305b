from aidtrace.extractor.sentences import clean, split_sentences


def sentences(text):
    view = clean(text)
    return [text[s:e] for s, e in split_sentences(view)]


def test_clean_view_keeps_every_offset():
    text = "Japan gave \\$12 billion [1] to [Ukraine](https://x.y/z) and “more”."
    view = clean(text)
    assert len(view) == len(text)
    assert "$12" in view
    assert "[1]" not in view
    assert "Ukraine" in view
    assert "(https" not in view


def test_sentences_split_at_punctuation_and_lines_but_not_abbreviations():
    text = "Headline here\nThe U.S. and Dr. Smith met on Jan. 5. Then Japan paid $4.5 billion. Done!"
    assert sentences(text) == [
        "Headline here",
        "The U.S. and Dr. Smith met on Jan. 5.",
        "Then Japan paid $4.5 billion.",
        "Done!",
    ]


def test_decimal_points_do_not_split():
    assert sentences("It gave 4.5 billion. It gave 1.2 more.") == [
        "It gave 4.5 billion.",
        "It gave 1.2 more.",
    ]
