"""The data files load and stay consistent."""

from collections import Counter
from importlib import resources
from pathlib import Path

DATA = Path(str(resources.files("aidtrace") / "data"))


def test_word_lists_have_no_duplicate_entries():
    rows = [
        tuple(line.split("\t")[:2])
        for line in (DATA / "terms.tsv").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert [row for row, n in Counter(rows).items() if n > 1] == []


def test_every_term_list_the_extractor_reads_exists(lexicon):
    for name in (
        "modal",
        "intent",
        "negation",
        "aggregate",
        "approx",
        "estimate",
        "need",
        "backref",
        "scale",
    ):
        assert lexicon.terms[name], name


def test_no_surface_form_names_two_states(lexicon):
    clashes = {
        surface: {a.code for a in actors}
        for surface, actors in lexicon.actors.items()
        if len({a.code for a in actors if a.kind != "official"}) > 1
    }
    assert clashes == {}
