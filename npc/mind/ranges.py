"""Amounts a line asks of an action that no value of the action's own can be: "Ring twenty
bells!" of a bell struck 1 to 8 times, "Put line six on" of a desk with lines 1 to 4, "Crank
the music to a hundred and fifty percent" of a fader that stops at 100. The grammar keeps the
model's numbers in range, so such a request was done with another amount (ring_bell(2),
set_fader(100)); it cannot be done, so the line asks for no action (the 0.5B model's words
may still speak as if it were done: docs/mind.md).

A number is read as one of a parameter's when a word beside it says so: the parameter's
name ("line 6", "20 men"), a word of the action's name after it ("20 bells" of ring_bell),
its unit or a word of its description after it ("200 percent" of "level in percent", "50
kilos" of kilograms), or "to"/"at" before it when the action has that one number ("turn the
gas up to 6"). Numbers in another unit ("90 centimetres" of metres) are left alone.

A party's size is said of a number that counts people ("We're a school trip, forty of us.
Bunks for everyone." of bunks 1 to 20, "one per sleeper").

And the other way: a line that asks for a level's very bottom without an amount ("Kill the
house lights."), which the grammar then pins to 0 (``ReplyFormat.bottom``).
"""

from __future__ import annotations

import re

from npc.character.sheet import Action, NumberParam
from npc.mind.units import BY_WORD, unit_of

# A number in digits ("20", "1.5") with the words either side of it; "%" reads as a word.
_NUMBER = re.compile(r"([a-z']+)?[\s,]*(?<![\w.])(\d+(?:\.\d+)?)(?![\w.]*\d)\s*(%|[a-z']+)?")
# A party's size: "4 of us", "we're 12", "there's 8 of us", "a table for 2", "party of 6"
# (numbers in digits: "a dozen" is 12 by then).
_PARTY = re.compile(
    r"\b(\d+) of us\b|\bwe(?:'re| are) (?:a )?(\d+)\b(?! (?:minutes?|hours?|days?|miles?|"
    r"km|kilometres?|metres?|meters?|feet|years?))|\b(?:party|group|family) of (\d+)\b"
    r"|\b(?:table|room|space|beds?|seats?) for (\d+)\b|\b(\d+) (?:people|persons|adults|guests)\b"
)
# What a number that counts people says of itself: "riders", "bunks, one per sleeper".
_PEOPLE = frozenset(
    re.findall(
        r"\S+",
        """people person persons guests guest riders rider passengers passenger sleepers
    sleeper diners diner covers adults travellers travelers party bunks bunk beds bed seats
    seat tickets visitors heads pax""",
    )
)
_SHORT = 3  # shorter words say nothing of a parameter ("on", "to", "a")
_LONG = 4  # of a description, shorter words are its grammar ("for", "the", "how")


def _forms(word: str) -> set[str]:
    """A word and its singular ("bells" -> "bell", "strikes" -> "strike")."""
    word = "percent" if word == "%" else word
    return {word, word[:-1]} if word.endswith("s") and len(word) > _SHORT else {word}


def _words(text: str, least: int = _SHORT) -> set[str]:
    return {w for w in re.findall(r"[a-z]+", text.lower()) if len(w) >= least}


def _about(name: str, param: NumberParam, action: Action, before: str, after: str) -> bool:
    """Whether the number between ``before`` and ``after`` is ``param``'s."""
    unit = unit_of(name, param)
    said = BY_WORD.get(after)
    if said is not None:  # "50 kilos" is kilograms'; "20 minutes" is no length's
        return said == unit
    own = _words(name.replace("_", " ")) | _words(" ".join(action.name.split("_")[1:]))
    if _forms(before) & own or _forms(after) & (own | _words(param.description or "", _LONG)):
        return True
    numbers = [p for p in action.parameters.values() if isinstance(p, NumberParam)]
    return before in ("to", "at") and len(numbers) == 1 and not after


def party_size(text: str) -> int | None:
    """The size of the player's party that ``text`` (its numbers in digits) gives, if any:
    "3 of us for tonight", "we're 12 from the Alpine Club"."""
    found = _PARTY.search(text.lower())
    return None if found is None else int(next(g for g in found.groups() if g))


def counts_people(name: str, param: object) -> bool:
    """Whether parameter ``name`` is a number of people ("riders"; "bunks": "how many bunks,
    one per sleeper")."""
    if not isinstance(param, NumberParam):
        return False
    return bool(set(re.findall(r"[a-z]+", f"{name} {param.description}".lower())) & _PEOPLE)


def out_of_range(text: str, action: Action) -> bool:
    """Whether ``text`` (its numbers in digits) asks ``action`` for an amount outside the
    range of the parameter it is said of."""
    numbers = {n: p for n, p in action.parameters.items() if isinstance(p, NumberParam)}
    if not numbers:
        return False
    party = party_size(text)
    if party is not None and any(
        counts_people(n, p) and not p.minimum <= party <= p.maximum for n, p in numbers.items()
    ):
        return True
    for found in _NUMBER.finditer(text.lower()):
        before, value, after = found.group(1) or "", float(found.group(2)), found.group(3) or ""
        for name, param in numbers.items():
            if param.minimum <= value <= param.maximum:
                continue
            if _about(name, param, action, before, after):
                return True
    return False


def asks_bottom(text: str) -> bool:
    """Whether ``text`` (its numbers in digits) asks for a level's very bottom, with no
    amount of its own: "Kill the house lights.", "Switch the music off", "Lights out!"."""
    low = text.lower()
    return not re.search(r"\d", low) and bool(_BOTTOM.search(low))


# "kill the lights" (not "I'd kill for a cup"), "turn the gas off", "lights out", "blackout".
_BOTTOM = re.compile(
    r"\bkill (?:the|that|those|these|all|it)\b|"
    r"\b(?:turn|switch|shut) (?:[\w'-]+ ){0,4}?off\b|"
    r"\b(?:lights?|music|gas|power|sound|fader|mic|lamps?) off\b|"
    r"\blights? out\b|\bblack ?out\b"
)
