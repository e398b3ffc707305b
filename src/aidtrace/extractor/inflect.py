"""English verb inflection, so that word lists hold lemmas and match every form.

In: a lemma, possibly phrasal ("hand over", "set aside", "sign off on"). Out: its forms
(base, third person singular, past, past participle, present participle) with the
particles kept: "hand over" -> hand over, hands over, handed over, handing over.

Regular morphology covers most verbs; the irregular ones this domain uses are listed.
British and American spellings of a doubled final l are both produced ("channelled",
"channeled").
"""

from __future__ import annotations

import re

# lemma -> (past, past participle)
IRREGULAR: dict[str, tuple[str, str]] = {
    "give": ("gave", "given"),
    "send": ("sent", "sent"),
    "lend": ("lent", "lent"),
    "spend": ("spent", "spent"),
    "pay": ("paid", "paid"),
    "make": ("made", "made"),
    "put": ("put", "put"),
    "set": ("set", "set"),
    "bring": ("brought", "brought"),
    "buy": ("bought", "bought"),
    "take": ("took", "taken"),
    "hold": ("held", "held"),
    "freeze": ("froze", "frozen"),
    "write": ("wrote", "written"),
    "forgive": ("forgave", "forgiven"),
    "undertake": ("undertook", "undertaken"),
    "come": ("came", "come"),
    "go": ("went", "gone"),
    "meet": ("met", "met"),
    "draw": ("drew", "drawn"),
    "lay": ("laid", "laid"),
    "stand": ("stood", "stood"),
    "fly": ("flew", "flown"),
    "leave": ("left", "left"),
    "cut": ("cut", "cut"),
    "bid": ("bid", "bid"),
    "seek": ("sought", "sought"),
    "win": ("won", "won"),
    "get": ("got", "got"),
    "rebuild": ("rebuilt", "rebuilt"),
    "build": ("built", "built"),
}
# verbs of more than one syllable whose final consonant doubles (stress on the last syllable)
DOUBLING = frozenset(
    {
        "commit",
        "transfer",
        "admit",
        "allot",
        "equip",
        "refer",
        "submit",
        "permit",
        "remit",
        "outfit",
        "regret",
    }
)
_VOWELS = "aeiou"


def inflections(lemma: str) -> list[str]:
    """Every form of a verb lemma; the first word inflects, particles stay as they are."""
    head, _, rest = lemma.strip().partition(" ")
    tail = f" {rest}" if rest else ""
    return list(dict.fromkeys(form + tail for form in _forms(head.lower())))


def _forms(verb: str) -> list[str]:
    if verb in IRREGULAR:
        past, participle = IRREGULAR[verb]
        return [verb, _third(verb), past, participle, _ing(_doubled(verb) if _doubles(verb) else verb)]
    stems = [_doubled(verb)] if _doubles(verb) else [verb]
    if verb.endswith("l") and len(verb) > 3 and verb[-2] in _VOWELS and verb[-3] not in _VOWELS:
        stems = [verb + "l", verb]  # channelled / channeled
    forms = [verb, _third(verb)]
    for stem in stems:
        forms += [_past(stem), _ing(stem)]
    return forms


def _third(verb: str) -> str:
    if re.search(r"(?:s|x|z|ch|sh)$", verb):
        return verb + "es"
    if re.search(r"[^aeiou]y$", verb):
        return verb[:-1] + "ies"
    return verb + "s"


def _past(stem: str) -> str:
    if stem.endswith("e"):
        return stem + "d"
    if re.search(r"[^aeiou]y$", stem):
        return stem[:-1] + "ied"
    return stem + "ed"


def _ing(stem: str) -> str:
    if stem.endswith("ie"):
        return stem[:-2] + "ying"
    if stem.endswith("e") and not stem.endswith(("ee", "ye", "oe")) and len(stem) > 2:
        return stem[:-1] + "ing"
    return stem + "ing"


def _doubles(verb: str) -> bool:
    """ship -> shipped, plan -> planned, commit -> committed; not open -> opened."""
    if verb in DOUBLING:
        return True
    verb = verb.replace("qu", "qw")  # the u of qu is no vowel
    if not re.search(r"[^aeiou][aeiou][bdgklmnprt]$", verb) or re.search(r"[aeiou]{2}.$", verb):
        return False
    return len(re.findall(r"[aeiouy]+", verb)) == 1


def _doubled(verb: str) -> str:
    return verb + verb[-1]
