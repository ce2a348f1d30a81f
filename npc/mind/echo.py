"""Words of a line; whether a reply only repeats the line it answers, or an earlier reply."""

from __future__ import annotations

import re
from collections.abc import Iterable
from difflib import SequenceMatcher

from npc.mind.numbers import as_digits

ECHO_WORDS = 3  # a shorter run is a reply ("Table two, coming up.")
ECHO_SHARE = 0.8  # of the line's words, repeated in one run
REPEAT_SHARE = 0.9  # of a reply's words in common with an earlier one (difflib's ratio)
REPEAT_WORDS = 3  # a shorter reply may come back ("Here you go.")


def words(text: str) -> list[str]:
    return re.findall(r"[\w']+", text.lower().replace("\u2019", "'"))


def echoes(say: str, player: str) -> bool:
    """Whether ``say`` only repeats the player's line: it holds most of the line, word for
    word and in order ("Thanks, that was delicious." for "thanks thanks that was
    delicious"); not "Yes, it is spicy." for "Is it spicy?". Numbers count alike in words
    or digits (the model reads the player's in digits, ``npc.mind.numbers``)."""
    said, heard = words(as_digits(say)), words(as_digits(player))
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
