"""Cut streamed reply text into phrases to speak, each as soon as it is complete.

The first phrase may end at a comma once it has a few words, or after a handful of words
with no mark at all, so the character starts speaking early; later ones prefer sentence
ends, which sound more natural, unless ``hurry`` says the speech so far is about to run
out: then they end after a handful of words too, so a long sentence plays without a gap.
"""

from __future__ import annotations

import re
from collections.abc import Callable

HURRY_WORDS = 3  # words of a later phrase cut early (in a hurry); fewer sound choppy
ABBREVIATIONS = frozenset(["mr", "mrs", "ms", "dr", "st", "jr", "sr", "vs", "etc", "e.g", "i.e"])
_SENTENCE_END = ".!?…"
_SOFT_BREAK = ",;:—–"
_WORD = re.compile(r"\S+(?=\s)")
_LEADING = frozenset(
    re.findall(
        r"\w+",
        "a an the to of in on at for from with by and or but if as my your his her our their "
        "its this that these those is are was be i you we they he she it",
    )
)


class PhraseSplitter:
    """``feed`` text, get complete phrases; ``flush`` returns what remains at the end."""

    def __init__(
        self,
        *,
        first_min_words: int = 2,
        first_max_words: int = 2,
        min_words: int = 8,
        hurry: Callable[[], bool] | None = None,
    ) -> None:
        """``first_max_words``: the first phrase is cut after this many words even without a
        mark (0: never); the rest of the reply is generated while those words play. Later
        phrases are cut after ``HURRY_WORDS`` while ``hurry()`` is true."""
        self._buf = ""
        self._first_min_words = first_min_words
        self._first_max_words = first_max_words
        self._min_words = min_words
        self._hurry = hurry
        self._emitted = 0

    def feed(self, text: str) -> list[str]:
        self._buf += text
        out: list[str] = []
        while (cut := self._find_cut()) is not None:
            phrase, self._buf = self._buf[:cut].strip(), self._buf[cut:].lstrip()
            if phrase:
                out.append(phrase)
                self._emitted += 1
        return out

    def flush(self) -> str:
        rest, self._buf = self._buf.strip(), ""
        return rest

    def _find_cut(self) -> int | None:
        buf = self._buf
        soft_min = self._first_min_words if self._emitted == 0 else self._min_words
        # Need the character after a mark to know it ends the phrase ("3.5", "...").
        for i in range(len(buf) - 1):
            ch, nxt = buf[i], buf[i + 1]
            if not nxt.isspace():
                continue
            if ch in _SENTENCE_END and not self._abbreviation(buf, i):
                return i + 1
            if ch in _SOFT_BREAK and _words(buf[:i]) >= soft_min:
                return i + 1
        early = self._emitted == 0 or (self._hurry is not None and self._hurry())
        if early and self._first_max_words:
            # A word is complete once whitespace follows it; a phrase should not end on
            # "the" or "to", which would be voiced as if the sentence stopped there.
            words = list(_WORD.finditer(buf))
            least = self._first_max_words if self._emitted == 0 else HURRY_WORDS
            for m in words[least - 1 :]:
                if m.group().lower() not in _LEADING:
                    return m.end()
        return None

    @staticmethod
    def _abbreviation(buf: str, i: int) -> bool:
        if buf[i] != ".":
            return False
        m = re.search(r"(\S+)\.$", buf[: i + 1])
        return m is not None and m.group(1).lower().rstrip(".") in ABBREVIATIONS


def _words(text: str) -> int:
    return len(text.split())
