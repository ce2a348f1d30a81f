"""Rules that turn a player's words into facts worth remembering, and an extractive summary.

Both are fallbacks and companions for an LLM: ``FactExtractor`` and ``Summariser`` are the
hooks the session can fill with model calls. Facts are written in the character's voice
("The player said they looted my store."), so they can go into its prompt as they are.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from npc.knowledge.keywords import STOPWORDS, terms

Summariser = Callable[[list[str]], str]


@dataclass(frozen=True, slots=True)
class Fact:
    """Something learnt about the player; a fact with a ``key`` replaces older ones with it."""

    text: str
    importance: float  # 1 (trivial) .. 10 (life-changing), as in Generative Agents
    key: str | None = None
    kind: str = "fact"  # "fact" or "event"


FactExtractor = Callable[[str, str], list[Fact]]  # (player's words, character's reply)

_NOT_NAMES_TEXT = """Sorry Fine Good Okay Ok Here Back Just Not So Really Going Looking
    Hungry Tired Done Sure Ready Glad Happy Sad New Lost Home Afraid Busy Late Free Alone
    English American British Japanese Chinese French German Korean Spanish Italian Indian
    Canadian"""
_NOT_NAMES = frozenset(_NOT_NAMES_TEXT.split())
_NAME = [
    re.compile(r"\bmy name(?:'s| is)\s+([A-Za-z][\w'-]*)", re.IGNORECASE),
    re.compile(r"\b(?:call me|i'm called|i am called)\s+([A-Za-z][\w'-]*)", re.IGNORECASE),
    re.compile(r"\b(?:[Ii]'m|[Ii] am|[Tt]his is)\s+([A-Z][a-z][\w'-]*)\b"),
]
_FROM = re.compile(
    r"\b(?:i'm|i am|i come|i came)(?:\s+(?!not\b)[\w'-]+)?(?:\s+originally)?\s+from\s+"
    r"((?:the\s+)?[\w'-]+(?:\s+[\w'-]+){0,3})",
    re.IGNORECASE,
)
_IS_A = re.compile(r"\b(?:i'm|i am|i work as)\s+an?\s+([a-z]+(?:\s[a-z]+)?)\b", re.IGNORECASE)
_NOT_ROLES = frozenset({"bit", "little", "lot", "big", "huge", "fan", "few", "real", "very"})
_LIKES = re.compile(
    r"\bi\s+(really\s+)?(love|like|hate|can't stand|don't like|do not like)\s+([^.,!?;]+)",
    re.IGNORECASE,
)
_LIKE_VERB = {"love": "loves", "like": "likes", "hate": "hates", "can't stand": "can't stand"}
_HARM = "stole looted robbed broke burned burnt smashed destroyed attacked hit killed hurt"
_HELP = "helped saved fixed repaired paid protected defended"
_OTHER = "bought sold found lost gave brought promised met visited"
_DEED_IMPORTANCE = {
    v: w for words, w in ((_HARM, 8.0), (_HELP, 6.0), (_OTHER, 5.0)) for v in words.split()
}
_DEED = re.compile(
    r"\bi\s+(?:just\s+|already\s+|once\s+|also\s+)?("
    + "|".join(_DEED_IMPORTANCE)
    + r")\s+([^.,!?;]+)",
    re.IGNORECASE,
)
_SWAP = {
    "your": "my", "yours": "mine", "you": "me", "yourself": "myself",
    "my": "their", "mine": "theirs", "me": "them", "myself": "themselves", "i": "they",
}  # fmt: skip


def rule_facts(user_text: str, reply_text: str = "") -> list[Fact]:
    """Facts the player states about themselves (name, origin, what they are, like, did)."""
    facts: list[Fact] = []
    name = _name(user_text)
    if name:
        facts.append(Fact(f"The player's name is {name}.", 8.0, "name"))
    m = _FROM.search(user_text)
    if m:
        facts.append(Fact(f"The player is from {_clean(m.group(1))}.", 6.0, "origin"))
    m = _IS_A.search(user_text)
    if m and m.group(1).split()[0].lower() not in _NOT_ROLES:
        role = " ".join(w for w in m.group(1).lower().split() if w not in STOPWORDS)
        facts.append(Fact(f"The player is a{'n' if role[0] in 'aeiou' else ''} {role}.", 5.0))
    for m in _LIKES.finditer(user_text):
        verb = m.group(2).lower()
        said = _LIKE_VERB.get(verb, "doesn't like")
        facts.append(Fact(f"The player {said} {_swap(_clean(m.group(3)))}.", 4.0))
    for m in _DEED.finditer(user_text):
        verb = m.group(1).lower()
        what = _swap(_clean(m.group(2)))
        facts.append(Fact(f"The player said they {verb} {what}.", _DEED_IMPORTANCE[verb]))
    return list({f.text: f for f in facts}.values())


def event_fact(text: str, importance: float = 9.0) -> Fact:
    """A game event ("the player looted the store"): what happened, not what was said."""
    text = text.strip()
    text = text[0].upper() + text[1:] if text else text
    return Fact(text if text.endswith((".", "!", "?")) else text + ".", importance, kind="event")


def extractive_summary(lines: Sequence[str], max_chars: int = 600) -> str:
    """The most informative sentences of ``lines``, in their order, within ``max_chars``."""
    sentences: list[tuple[int, str, str]] = []  # (line, speaker, sentence)
    for i, line in enumerate(lines):
        speaker, _, said = line.partition(": ")
        if not said:
            speaker, said = "", line
        sentences += [(i, speaker, s) for s in re.split(r"(?<=[.!?])\s+", said.strip()) if s]
    ranked = sorted(range(len(sentences)), key=lambda j: -len(set(terms(sentences[j][2]))))
    chosen: list[int] = []
    size = 0
    for j in ranked:
        _, speaker, said = sentences[j]
        cost = len(said) + 1 + (len(speaker) + 2 if speaker else 0)  # a speaker label at most
        if size + cost <= max_chars:
            chosen.append(j)
            size += cost
    parts: list[str] = []
    last_line = -1
    for j in sorted(chosen):
        line_no, speaker, said = sentences[j]
        parts.append(f"{speaker}: {said}" if line_no != last_line and speaker else said)
        last_line = line_no
    return " ".join(parts)


def _name(text: str) -> str | None:
    for pattern in _NAME:
        for m in pattern.finditer(text):
            word = m.group(1)
            if word[:1].upper() + word[1:] not in _NOT_NAMES:
                return word[:1].upper() + word[1:]
    return None


def _clean(text: str) -> str:
    words = text.strip().rstrip(".,!?;").split()
    return " ".join(words[:12])


def _swap(text: str) -> str:
    """The player's pronouns as the character would say them ("your store" -> "my store")."""
    return re.sub(
        r"\b(your|yours|yourself|you|my|mine|myself|me|i)\b",
        lambda m: _SWAP[m.group(1).lower()],
        text,
        flags=re.IGNORECASE,
    )
