"""The words that give a character's secrets away, for the guard that keeps them unsaid."""

from __future__ import annotations

import re

from npc.character.sheet import CharacterSheet


def _words(text: str) -> list[str]:
    return re.findall(r"[\w']+", text.lower().replace("\u2019", "'"))


_CAPITALISED = re.compile(r"\b[A-Z][\w'-]+|\b\w*\d[\w-]*")
COMMON = frozenset(
    re.findall(
        r"\w+",
        "the a an and or but if of to in on at by for with from i you he she it we they his "
        "her its their my your our this that these those there here when where who what why "
        "how is are was were be been not no yes",
    )
)


def secret_words(sheet: CharacterSheet) -> dict[str, list[str]]:
    """For each secret the character never tells, the words that give it away: the author's,
    or the fact's names and numbers that the sheet's open parts never mention."""
    public = set(_words(public_text(sheet)))
    out: dict[str, list[str]] = {}
    for secret in sheet.secrets:
        if secret.tell_when:
            continue
        found = secret.words or [
            w
            for w in dict.fromkeys(_CAPITALISED.findall(secret.fact))
            if w.lower() not in COMMON and not set(_words(w)) <= public
        ]
        if found:
            out[secret.fact] = found
    return out


def public_text(sheet: CharacterSheet) -> str:
    """Everything the sheet lets the character say freely (all but its secrets)."""
    s = sheet
    parts = [s.name, s.role, s.backstory, s.speaking_style, *s.personality, *s.goals]
    parts += [*s.example_lines, *s.knowledge.facts, *s.scene.objects, *s.scene.locations]
    parts += [*s.scene.characters, *(e.player + " " + e.say for e in s.examples)]
    for action in s.actions:
        parts += [action.description, *(e.player + " " + e.say for e in action.examples)]
    return "\n".join(parts)
