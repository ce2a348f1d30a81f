"""The end-of-turn rule: how much silence ends the turn, from the sound and the words."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from npc.voice.end_of_turn import EndOfTurnRule, reads_unfinished

RULE = EndOfTurnRule(quick_ms=100, base_ms=250, hold_ms=1000, complete_above=0.5,
                     unfinished_below=0.2)  # fmt: skip


@pytest.mark.parametrize(
    ("text", "unfinished"),
    [
        ("Grab me a bowl of ramen,", True),
        ("I would like the", True),
        ("Go to the kitchen and", True),
        ("Meet me at the front door.", False),
        ("Thanks", False),
        ("One shoyu, please", False),
        ("Um", True),
        ("", False),
        ("Well -", True),
    ],
)
def test_reads_unfinished(text: str, unfinished: bool) -> None:
    assert reads_unfinished(text) is unfinished


@pytest.mark.parametrize(
    ("probability", "partial", "ms"),
    [
        (None, None, 250),  # nothing known yet: today's wait
        (0.9, None, 250),  # sounds done, but no words yet
        (0.9, "Meet me at the front door.", 100),
        (0.9, "Meet me at the", 1000),  # the words say otherwise
        (0.1, "Meet me at the front door.", 1000),  # the sound says otherwise
        (0.3, "Meet me at the front door.", 250),  # unsure
        (None, "I would like the", 1000),
    ],
)
def test_silence_needed(probability: float | None, partial: str | None, ms: float) -> None:
    assert RULE.silence_needed_ms(probability, partial) == ms


@given(st.one_of(st.none(), st.floats(0, 1)), st.one_of(st.none(), st.text(max_size=40)))
def test_always_one_of_its_three_waits(probability: float | None, partial: str | None) -> None:
    assert RULE.silence_needed_ms(probability, partial) in (100, 250, 1000)


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="quick_ms"):
        EndOfTurnRule(quick_ms=300, base_ms=250)
    with pytest.raises(ValueError, match="unfinished_below"):
        EndOfTurnRule(complete_above=0.2, unfinished_below=0.5)
