"""The rest of a say_act_say reply, without its first words said again.

In the say_act_say layout the model writes a few first words, the actions, then the rest of
the speech; the 0.5B model often starts the rest over ("I'm Dale Porter." / "I'm Dale
Porter."; 4 of 48 replies on bench/actions.py). ``Restart`` takes the rest as it streams and
passes it on without a repeat of the whole opening at its start, so "One bowl," then "One
bowl of tonkotsu, coming up." is said as "One bowl, of tonkotsu, coming up."; a rest that
only begins like the opening ("Here you go," / "Here it is.") is said as written.
"""

from __future__ import annotations

import re

from npc.mind.echo import words


def _key(word: str) -> str:
    return "".join(words(word))


class Restart:
    """Feed the rest's text piece by piece; get back what is to be said of it."""

    def __init__(self, opening: str) -> None:
        self._opening = [k for k in (_key(w) for w in opening.split()) if k]
        self._matched = 0  # opening words repeated so far
        self._repeat = ""  # their text: said after all if the rest turns away before the end
        self._held = ""  # the rest's text not yet decided (a word still being written)
        self._done = not self._opening  # past the repeat: everything passes

    def feed(self, text: str) -> str:
        if self._done:
            return text
        self._held += text
        # Decide each word once it is complete (whitespace after it).
        while m := re.match(r"\s*\S+\s", self._held):
            if not self._repeats(m.group()):
                return self._give_up()
            self._repeat += m.group()
            self._held = self._held[m.end() :]
            if self._matched == len(self._opening):  # all of it again: left out
                self._done = True
                return self._held
        return ""

    def flush(self) -> str:
        """The rest ended: what is still held, unless it only repeated the opening."""
        if self._done:
            return ""
        if self._held.strip() and self._repeats(self._held):
            self._done = self._matched == len(self._opening)
        if self._done:
            return ""
        return self._give_up().strip()

    def _give_up(self) -> str:
        """Not the opening again (or not all of it): the rest is said as written."""
        out, self._repeat, self._held, self._done = self._repeat + self._held, "", "", True
        return out

    def _repeats(self, word: str) -> bool:
        key, expected = _key(word), self._opening[self._matched]
        last = self._matched == len(self._opening) - 1
        # The opening's last word may be cut short by its length limit ("It'" for "It's").
        if key == expected or (last and expected and key.startswith(expected)):
            self._matched += 1
            return True
        return False
