"""Words of a line; whether a reply only repeats the line it answers (or turns its question
round and says it back), or an earlier reply."""

from __future__ import annotations

import re
from collections.abc import Iterable
from difflib import SequenceMatcher

ECHO_WORDS = 3  # a shorter run is a reply ("Table two, coming up.")
ECHO_SHARE = 0.8  # of the line's words, repeated in one run
REPEAT_SHARE = 0.9  # of a reply's words in common with an earlier one (difflib's ratio)
REPEAT_WORDS = 3  # a shorter reply may come back ("Here you go.")
_ASKED = re.compile(r"^(?:\w+ )?(?:can|could|may|will|would|shall) (?:i|you|we) (.+)$")
_TURNED = frozenset({"i", "you", "we"})
_MODALS = frozenset({"can", "could", "may", "will", "would", "shall"})
_SENTENCE_END = re.compile(r"[.!?]+(?:\s|$)")
_INTERJECTIONS = frozenset({"yes", "no", "sure", "of", "course", "okay", "ok", "yeah", "well"})


def words(text: str) -> list[str]:
    return re.findall(r"[\w']+", text.lower().replace("\u2019", "'"))


def echoes(say: str, player: str) -> bool:
    """Whether ``say`` only repeats the player's line: it holds most of the line, word for
    word and in order ("Thanks, that was delicious." for "thanks thanks that was
    delicious"); not "Yes, it is spicy." for "Is it spicy?"."""
    said, heard = words(say), words(player)
    if not said or not heard:
        return False
    run = SequenceMatcher(None, said, heard, autojunk=False)
    size = run.find_longest_match(0, len(said), 0, len(heard)).size
    return size >= ECHO_WORDS and size >= ECHO_SHARE * len(heard)


def repeats(say: str, earlier: Iterable[str]) -> bool:
    """Whether ``say`` is (nearly) a reply given earlier: the same words, give or take one
    in ten."""
    now = words(say)
    if len(now) < REPEAT_WORDS:
        return False
    return any(
        SequenceMatcher(None, now, words(e), autojunk=False).ratio() >= REPEAT_SHARE
        for e in earlier
    )


def parrots(say: str, player: str) -> bool:
    """Whether ``say`` opens by turning the player's "can I ...?" round and saying it back,
    with nothing added ("Yes, I can borrow a pen." to "Can I borrow a pen?"); not "I'll
    check the fridge for you." nor "You can have a bag for ten pence."."""
    asked = _ASKED.match(" ".join(words(player)))
    if asked is None:
        return False
    rest = asked.group(1).split()
    first = words(_SENTENCE_END.split(say.strip(), maxsplit=1)[0])
    if len(rest) < ECHO_WORDS or len(first) < 2:
        return False
    match = SequenceMatcher(None, first, rest, autojunk=False).find_longest_match(
        0, len(first), 0, len(rest)
    )
    turned = match.a >= 2 and first[match.a - 2] in _TURNED and first[match.a - 1] in _MODALS
    whole = match.a + match.size == len(first)  # the sentence ends with the player's words
    return turned and whole and match.size >= max(ECHO_WORDS, ECHO_SHARE * len(rest))


def may_parrot(say: str, player: str) -> bool:
    """Whether ``say``, a first sentence not yet ended, may still become what ``parrots``
    finds ("Yes, I" or "Yes, I can borrow" to "Can I borrow a pen?")."""
    asked = _ASKED.match(" ".join(words(player)))
    if asked is None or len(asked.group(1).split()) < ECHO_WORDS:
        return False
    rest = asked.group(1).split()
    said = words(say)
    while said and said[0] in _INTERJECTIONS:
        said = said[1:]
    if not said:
        return True
    if said[0] not in _TURNED:
        return False
    return len(said) == 1 or (said[1] in _MODALS and said[2:] == rest[: len(said) - 2])
