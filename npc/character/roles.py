"""Who is who in a character's world, as its sheet and knowledge say it: "Wren Calloway is
the bosun", "the team principal is Ruth Adeyemi", "her apprentice Corin". Players name
people by their role ("Point out the gunner for me"); the 0.5B model then picked another
name of the scene (Tobiah Marsh for the master gunner, Old Fergus; issue 18, dev split).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from npc.character.loader import LoadedSheet
from npc.character.vocabulary import fold, knowledge_texts

# A role: up to three lower-case words ("bosun", "master gunner", "one-legged cook").
_ROLE = r"(?P<role>(?:[a-z][\w'-]* ){0,2}[a-z][\w'-]*)"
# ... the fewest that end where a role may end: "the bosun, ...", "the mechanic who keeps
# the pinsetters going"; "the master gunner lost an eye" ends nowhere, and says no role.
_SHORTEST_ROLE = (
    r"(?P<role>(?:[a-z][\w'-]* ){0,2}?[a-z][\w'-]*)(?=[,.;:!?)]|$| (?:who|whom|whose|which|"
    r"that|and|or|of|at|on|in|with|for|from|to|by|since|while|when|where|is|was|has|had|too|"
    r"also|now|here|there|today|tonight|tomorrow|this)\b)"
)
# What may stand before a role: "the bosun", "her apprentice", "Maren's apprentice".
_BEFORE = r"(?:(?i:the|a|an|his|her|their|our|my|your)|[A-Z][\w-]*'s)"
# Words a role does not go on past ("the bosun and the best climber": the bosun).
_ENDS = frozenset(
    re.findall(
        r"\S+",
        "and or of who whom whose which that this on in at with to for from by but since "
        "as the a an is was are were has had have when while where than called named",
    )
)
# Words that are no one's role, though they follow "is the": "is the one", "the first".
_NO_ROLE = frozenset(re.findall(r"\S+", "one ones first last best only same other rest man"))
_SENTENCE = re.compile(r"(?<=[.!?;])\s+|\n+")
_POSSESSIVE = re.compile(r"['\u2019]s$")


def _patterns(person: str) -> list[tuple[re.Pattern[str], bool]]:
    """How a text says ``person``'s role; each with whether the role must end right there
    (before the name) rather than being cut at its first little word."""
    name = re.escape(person)
    return [
        # "Wren Calloway is the bosun", "Corin, fifteen, is Maren's apprentice"
        (
            re.compile(rf"\b{name}(?:, [^,.;]{{1,30}},)? (?:is|was) {_BEFORE} {_SHORTEST_ROLE}"),
            False,
        ),
        # "Old Fergus the master gunner", "Ned, the lad at the boathouse"
        (re.compile(rf"\b{name},? the {_SHORTEST_ROLE}"), False),
        # "the team principal is Ruth Adeyemi"
        (re.compile(rf"\b(?i:the) {_ROLE} (?:is|was) {name}\b"), False),
        # "her apprentice Corin", "a quiet boy called Tobin" (not "the bosun, Old Fergus
        # the master gunner": a list, each role before the comma another's)
        (re.compile(rf"\b{_BEFORE} {_ROLE}(?: called| named)? {name}\b"), True),
        # "Her raven, Pock, steals shiny things": the name set off by commas on both sides
        (re.compile(rf"\b{_BEFORE} {_ROLE}, {name}(?=[,.;])"), True),
    ]


def _head(role: str, whole: bool) -> str:
    """The word a role is named by ("gunner" of "master gunner"); empty when none."""
    words = role.split()
    if whole and words[-1] in ("called", "named"):
        words = words[:-1]  # "a quiet boy called Tobin"
    if not words or words[0] in _NO_ROLE:
        return ""  # "the first aboard", "the one to ask"
    for i, word in enumerate(words):
        if word in _ENDS:
            if whole:
                return ""  # "the morning with Corin" says no role of Corin's
            words = words[:i]
            break
    if not words:
        return ""
    head = _POSSESSIVE.sub("", words[-1])
    return "" if head in _NO_ROLE or len(head) < 3 else head


def roles(text: str, people: Iterable[str]) -> dict[str, str]:
    """Each role word ``text`` gives one of ``people`` (and no other of them), and whose
    it is: {"bosun": "Wren Calloway", "gunner": "Old Fergus", ...}."""
    found: dict[str, set[str]] = {}
    sentences = _SENTENCE.split(text)
    for person in people:
        patterns = _patterns(person)
        for sentence in sentences:
            if person not in sentence:
                continue
            for pattern, whole in patterns:
                for match in pattern.finditer(sentence):
                    head = _head(match.group("role"), whole)
                    if head and fold(head) not in fold(person):
                        found.setdefault(head, set()).add(person)
    return {head: next(iter(who)) for head, who in found.items() if len(who) == 1}


def named_by_role(line: str, by_role: dict[str, str]) -> list[str]:
    """The people ``line`` names by a role of theirs: "Point out the gunner", "Is your
    apprentice about?", "the team principal" (not the player's own: "I'm the new gunner")."""
    if not by_role:
        return []
    out: list[str] = []
    for match in _NAMED.finditer(line.lower()):
        if match.group("own"):
            continue
        for word in (match.group("next"), match.group("word")):
            if not word:
                continue
            head = word if word in by_role else word.removesuffix("s")
            person = by_role.get(head)
            if person and person not in out:
                out.append(person)
                break
    return out


# A role after its determiner, or the word after that: "the gunner", "the team principal"
# (not "my cats": the player's own).
_NAMED = re.compile(
    r"(?P<own>\bi'm |\bi am )?\b(?:the|your|that|this|ya|yer) "
    r"(?P<word>[a-z][\w'-]*)(?: (?P<next>[a-z][\w'-]*))?"
)


def lore_text(loaded: LoadedSheet) -> str:
    """What the character knows, as one text: its backstory, facts and knowledge files."""
    sheet = loaded.sheet
    # A blank line between: each fact is a text of its own, not a line of the one before.
    return "\n\n".join(
        [sheet.backstory, sheet.role, *sheet.knowledge.facts, *knowledge_texts(loaded)]
    )
