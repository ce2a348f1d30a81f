"""The after-the-fact judge of one reply: table tests of what it counts as said."""

from __future__ import annotations

import pytest

from npc.mind.judge import contains


@pytest.mark.parametrize(
    ("say", "phrase", "said"),
    [
        ("It costs twelve pence.", "twelve", True),
        ("It costs twelve pence.", "Twelve", True),  # any case
        ("A pint is 95p, love.", "95", True),  # the unit glued on
        ("That's 12kg a crate.", "12", True),
        ("That's 12kg a crate.", "12 kg", True),
        ("We open at 3pm.", "3pm", True),
        ("It costs £1.50.", "1.50", True),
        ("It costs 195p.", "95", False),  # whole numbers only
        ("It costs 1950.", "95", False),
        ("The lifts are twelvefold.", "twelve", False),  # whole words
        ("Ask at the cafe.", "cafe, ground floor", False),
        ("It's on the ground floor.", "ground floor", True),
        ("Anything.", "", False),
    ],
)
def test_contains(say: str, phrase: str, said: bool) -> None:
    assert contains(say, phrase) is said
