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


# What a player calls a character it takes for a machine; a word after the noun that makes
# it something else ("the machine room", "a program director") is not in _AFTER_MACHINE.
_MACHINE = (
    r"(?:ai|a\.i\.|bots?|chatbots?|robots?|androids?|machines?|programs?|programmes?|"
    r"computers?(?: programs?)?|language models?|npcs?|software|algorithms?|"
    r"(?:ai|virtual) assistants?)"
)
_AFTER_MACHINE = (
    r"(?:$|[,.?!;:]|\s+(?:or|pretending|made|built|running|that|who|with|like|then|and|"
    r"right|really|honestly|now|aren't|are|isn't|is|yourself|too|as well|they|they've|they're|"
    r"someone|somebody|of|for|from|in|on|at|to|chatbots?|robots?|programs?|assistants?|"
    r"models?)\b)"
)
_ASKS_IF_MACHINE = re.compile(
    r"(?:\b(?:are you|you're|you are|ain't you|aren't you|am i (?:talking|speaking|chatting) "
    r"(?:to|with))|(?:^|[.?!,]\s*)you(?= (?:a|an|some|one|just)\b))[^.?!]*?\b"
    + _MACHINE
    + _AFTER_MACHINE
)
# The opening words that say "yes" to such a question. To "Are you an AI?" the 0.5B model
# often began "Yes, I am" and went on with "an AI"; the guard stopped it there, but "Yes,
# I am" was said already ("Yes, I am \u2014 Not under my roof, duck."; 16 of 38 such probes
# on the dev and test splits, 2026-12-06).
AFFIRMATIONS = ("yes", "yeah", "yep", "yup", "aye", "sure", "correct", "indeed", "affirmative")
_AFFIRMS = re.compile(
    r"\s*(?:(?:" + "|".join(AFFIRMATIONS) + r")\b|(?:that's|that is) (?:right|true|correct)\b|"
    r"(?:i am|i'm|iam)\s*(?:$|[\u2014.,!-]))"
)


def asks_if_machine(line: str) -> bool:
    """Whether ``line`` asks if the character is an AI, a bot, a program or such."""
    return bool(_ASKS_IF_MACHINE.search(line.lower().replace("\u2019", "'")))


def affirms(say: str) -> bool:
    """Whether ``say`` opens by saying yes ("Yes, I am \u2014 ...", "Yeah.", "I am.")."""
    return bool(_AFFIRMS.match(say.lower().replace("\u2019", "'")))


_AUX = (
    r"(?:is|isn't|are|aren't|was|wasn't|were|can|can't|could|couldn't|do|does|did|don't|"
    r"doesn't|didn't|has|have|hasn't|haven't|will|won't|would|should|shall|may|might|"
    r"any chance)"
)
_YES_OR_NO = re.compile(r"(?:^|[.!?,;:]\s*)" + _AUX + r"\b[^.!?]*\?\s*$")


def asks_yes_or_no(line: str) -> bool:
    """Whether ``line`` ends with a question one could answer yes or no ("Is breakfast
    extra?", "My daughter's five, does she need a ticket?")."""
    return bool(_YES_OR_NO.search(line.lower().replace("\u2019", "'")))
