"""The scene's people and things by what the lore says of them: "Sir Brannoc of the Fells
bears black and silver with a boar.", "The cordless drill on the display shelf is the
yellow one." Players point them out by their looks ("the knight with the boar on his
shield", "the yellow battery-powered one"); the 0.5B model then took another name of the
scene, or none (a fresh sheet's herald, issue 18: four of four such lines wrong). And a
choice's values by what its description says they mean ("to arms: knights to the tilt").
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Iterable, Mapping

from npc.knowledge.keywords import STOPWORDS, terms

# Where the lore's descriptions break: a blank line or a list item starts another one.
_UNIT = re.compile(r"\n\s*\n|\n\s*(?:[-*\u2022]|\d+[.)])\s+")
_SENTENCE = re.compile(r"(?<=[.!?;])\s+")
_WORD = re.compile(r"[a-z][a-z'-]+")
# A line that speaks of someone by their looks: "the knight with the boar", "that fellow in
# plain grey", "the one in the red coat"; not "is there boar on the menu", "one of those".
_SOMEONE = re.compile(
    r"\b(?:the|that|this|which|a)\s+(?:[a-z'-]+\s+)?(?:knight|lady|lord|man|woman|fellow|"
    r"guy|gent|gentleman|chap|bloke|lad|lass|girl|boy|kid|person|one(?= (?:in|with|wearing|"
    r"who|that)\b))\b"
)
# ... or of a thing: "the yellow battery-powered one", "that big red thing" (not "this one").
_THING = re.compile(
    r"\b(?:the|that|this|those|these)\s+(?:[a-z'-]+\s+){1,2}?(?:one|ones|thing|things)\b"
)
# The best fit counts when it scores this much (a word found in one sentence of the lore
# scores 1, in two 0.5, ...) and this many times the next best.
ENOUGH = 0.9
AHEAD = 1.5
_COMMON = frozenset(
    re.findall(
        r"\S+",
        "with bears wears wearing rides riding keeps kept always never yet still every each "
        "one two three first last year years old new good great little big long high well "
        "also been being came come comes gave give gives said says told tell best worst "
        "better worse right wrong other same next only usual",
    )
)


def _words(text: str) -> set[str]:
    out = set()
    for word in _WORD.findall(text.lower()):
        word = word.removesuffix("'s").strip("'-")
        if len(word) >= 3 and word not in STOPWORDS and word not in _COMMON:
            out.add(word)
    return out


def _spans(text: str, people: list[str]) -> tuple[dict[str, list[str]], list[str]]:
    """Each person's sentences (one that names them alone, and those after it in the same
    paragraph or list item that name no one: "He is loud, strong..."), and all sentences."""
    spans: dict[str, list[str]] = {p: [] for p in people}
    every: list[str] = []
    for unit in _UNIT.split(text):
        whose = ""
        for sentence in _SENTENCE.split(" ".join(unit.split())):
            every.append(sentence)
            named = [p for p in people if p.lower() in sentence.lower()]
            if len(named) > 1:
                whose = ""  # "Tobin and Anselm..." describes neither alone
                continue
            if named:
                whose = named[0]
            if whose:
                spans[whose].append(sentence)
    return spans, every


def looks(text: str, people: Iterable[str]) -> dict[str, dict[str, float]]:
    """For each of ``people``, the words ``text`` describes them by and no one else
    ("boar" of Sir Brannoc), each weighted by how rare it is in ``text``."""
    people = [p for p in people if p.strip()]
    spans, every = _spans(text, people)
    seen = Counter(w for sentence in every for w in _words(sentence))
    names = {w for p in people for w in _words(p)}
    own = {p: _words(" ".join(s)) - names for p, s in spans.items()}
    held = Counter(w for ws in own.values() for w in ws)
    return {
        p: {w: 1.0 / seen[w] for w in ws if held[w] == 1 and seen[w]} for p, ws in own.items() if ws
    }


def named_by_looks(
    line: str, described: Mapping[str, Mapping[str, float]], things: bool = False
) -> list[str]:
    """The person (``things``: the thing) ``line`` points out by the words the lore
    describes them by, when it speaks of someone (something) and one fits clearly best."""
    low = line.lower()
    cue = _THING if things else _SOMEONE
    if not described or not cue.search(low):
        return []
    # A thing by the words before "one" ("the yellow battery-powered one"), not by others
    # of the line ("the best thing you ever ate at sea"); a person by any of the line's.
    said = _words(" ".join(m.group(0) for m in cue.finditer(low)) if things else low)
    said |= {w.removesuffix("s") for w in said}
    scores = sorted(
        ((sum(ws.get(w, 0.0) for w in said), p) for p, ws in described.items()), reverse=True
    )
    best, person = scores[0]
    runner_up = scores[1][0] if len(scores) > 1 else 0.0
    if best >= ENOUGH and best >= AHEAD * runner_up:
        return [person]
    return []


# What each of a choice's values means, as the parameter's description gives it: "fanfare:
# greets the Duchess or a champion; to arms: knights to the tilt", "inside (no window),
# outside (window)".
_MEANING = re.compile(r"(?:^|[;,]\s*)(?P<value>[^:;,()]+?)\s*(?::\s*(?P<a>[^;]+)|\((?P<b>[^)]*)\))")
MEANT = 2  # words of a value's meaning a line says to ask for that value


def described(description: str) -> list[tuple[str, str]]:
    """(value, what it means) as a parameter's description gives them, the value in lower
    case: "goulash soup: beef and paprika soup; ..." or "field (general first aid)"."""
    return [
        (m.group("value").strip().lower(), (m.group("a") or m.group("b") or "").strip())
        for m in _MEANING.finditer(description)
    ]


@functools.lru_cache(maxsize=256)
def meanings(description: str, values: tuple[str, ...]) -> dict[str, frozenset[str]]:
    """Each of ``values`` with the words ``description`` means it by, but words two values
    share: {"to arms": {"knight", "tilt"}, "recall": {"stop", "joust", "once"}, ...}."""
    low = {v.lower(): v for v in values}
    found: dict[str, set[str]] = {}
    for said, text in described(description):
        value = low.get(said)
        if value is not None:
            found.setdefault(value, set()).update(terms(text))
    held = Counter(w for ws in found.values() for w in ws)
    return {v: frozenset(w for w in ws if held[w] == 1) for v, ws in found.items()}


def named_by_meaning(line: str, meant: Mapping[str, frozenset[str]]) -> list[str]:
    """The value ``line`` asks for by the words that mean it ("Call the knights to the
    tilt": to arms), when one value fits best (else none)."""
    said = set(terms(line))
    scores = sorted(((len(said & ws), v) for v, ws in meant.items()), reverse=True)
    # One word alone was too often said for itself: "ninety centimetres long" is no
    # "mortice: long key with a barrel", "make the rain stop" no "recall: stops the joust".
    if not scores or scores[0][0] < MEANT:
        return []
    if len(scores) > 1 and scores[1][0] == scores[0][0]:
        return []
    return [scores[0][1]]
