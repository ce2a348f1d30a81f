"""Whether a turn is one the sheet's refusal line may answer.

A small model reaches for the sheet's refusal line ("Not on my desk, pal. Next.") where it
has nothing better: to small talk, to a lore question it could answer, to a game event
("[A brick comes through the window]"). The line belongs to what may be refused: a request,
a probe of the character (what it is, its instructions, code, another role, its secret),
a topic the sheet refuses, something harmful.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from npc.mind.echo import words

# Probes of the character and asks a character refuses whatever its sheet says.
_PROBE = re.compile(
    r"\b(?:ai|a\.i\.|robot|bot|chatbot|machine|program|programme|programmed|computer|"
    r"language model|artificial|real person|human|pretend|pretending|roleplay|role|act as|"
    r"you(?:'re| are) (?:now|no longer)|from now on|forget|ignore|disregard|override|"
    r"instruction|instructions|prompt|system|directive|directives|rules|word for word|"
    r"verbatim|told before|were told|code|coding|python|javascript|script|function|sql|html|"
    r"secret|secrets|hiding|hide|hidden|truth|lying|lie|lies|confess|"
    r"overdose|dose|doses|pills|poison|suicide|kill|bomb|weapon|weapons|drugs|bribe|"
    r"money in it|bucks in it|off the books|nobody'll notice|nobody will notice)\b"
    r"|\byou(?:'re| are) (?:a|an|the) [a-z]+ now\b"
)
STEM = 5  # letters two words share to be the same topic ("informants", "informer")
TOPIC_WORD = 5  # shorter words of a refused topic are no topic of their own ("about", "the")


def probes(text: str) -> bool:
    """Whether ``text`` probes the character or asks for something harmful."""
    return bool(_PROBE.search(text.lower().replace("\u2019", "'")))


def touches(text: str, topics: Sequence[str]) -> bool:
    """Whether ``text`` shares a word (by its first ``STEM`` letters) with a topic."""
    stems = {w[:STEM] for t in topics for w in words(t) if len(w) >= TOPIC_WORD}
    return any(w[:STEM] in stems for w in words(text) if len(w) >= TOPIC_WORD)
