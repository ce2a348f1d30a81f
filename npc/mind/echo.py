"""Words of a line, and whether a reply only repeats the line it answers."""

from __future__ import annotations

import re
from difflib import SequenceMatcher

ECHO_WORDS = 3  # a shorter run is a reply ("Table two, coming up.")
ECHO_SHARE = 0.8  # of the line's words, repeated in one run


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
