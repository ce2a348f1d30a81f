"""When a pause ends the player's turn: from how long it is, how the turn sounds, what it says.

Today a turn ends after 250 ms of silence (``npc.turns``), so "Grab me a bowl of ramen,
please." is cut at the comma. ``EndOfTurnRule`` waits less when the turn sounds complete
(an end-of-turn audio model, ``TurnCompletion``) and its words read complete, and longer
when either says the player is not done: a partial transcript that ends on "the", "and",
"a" or a comma is unfinished whatever the audio model thinks. Pure: no I/O, no model.

Measured on bench/listen_turn.py (docs/benchmarks.md, "Listening"); the rule is meant for
``npc.turns.TurnDetector`` (its ``silence_needed_s``), which the listener wires in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray

# Words a finished English sentence does not end on (articles, prepositions, conjunctions,
# possessives, auxiliaries, fillers). "please", "thanks", "it" and the like may end one.
_DANGLING = """a an the and or but nor so because if then than that which who whose whom to
    of for with at in on from by into onto about as like against over under behind through
    between after before without near toward towards until across around upon within my
    your his her our their its some any this these those is are was were be been am i'd
    i'll i'm we're you're can could would will should shall must may might do does did have
    has had not no um uh er hmm erm well very really more most such"""
DANGLING = frozenset(_DANGLING.split())
_WORD = re.compile(r"[a-z']+")


@runtime_checkable
class TurnCompletion(Protocol):
    """Scores how complete a turn sounds (16 kHz mono float32, the turn's audio so far)."""

    window_samples: int  # how much of the end of the audio it hears

    def complete_probability(self, audio: NDArray[np.float32]) -> float: ...


def reads_unfinished(text: str) -> bool:
    """The words stop mid-phrase: a trailing comma or dash, or a dangling last word."""
    stripped = text.strip()
    if not stripped:
        return False
    if stripped[-1] in ",-:;":
        return True
    words = _WORD.findall(stripped.lower())
    return bool(words) and words[-1] in DANGLING


@dataclass(frozen=True, slots=True)
class EndOfTurnRule:
    """Silence (ms, counted by the VAD from the end of speech) that ends the turn.

    * ``quick_ms`` when the turn sounds complete (probability >= ``complete_above``) and
      its partial transcript does not read unfinished;
    * ``hold_ms`` when it sounds unfinished (< ``unfinished_below``) or reads unfinished;
    * ``base_ms`` otherwise, and while a signal is not known yet (None).
    """

    quick_ms: float = 100.0
    base_ms: float = 250.0
    hold_ms: float = 1000.0
    complete_above: float = 0.5
    unfinished_below: float = 0.2

    def __post_init__(self) -> None:
        if not 0 < self.quick_ms <= self.base_ms <= self.hold_ms:
            raise ValueError("need 0 < quick_ms <= base_ms <= hold_ms")
        if not 0 <= self.unfinished_below <= self.complete_above <= 1:
            raise ValueError("need 0 <= unfinished_below <= complete_above <= 1")

    def silence_needed_ms(self, complete_probability: float | None, partial: str | None) -> float:
        """How much silence ends the turn, given what is known at this pause."""
        if partial is not None and reads_unfinished(partial):
            return self.hold_ms
        if complete_probability is None:
            return self.base_ms
        if complete_probability < self.unfinished_below:
            return self.hold_ms
        if complete_probability >= self.complete_above and partial is not None:
            return self.quick_ms
        return self.base_ms
