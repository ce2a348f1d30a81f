"""Numbers spelled out by the player, as the model reads them."""

from __future__ import annotations

import pytest

from npc.mind.numbers import as_digits, corrected


@pytest.mark.parametrize(
    ("line", "read"),
    [
        ("Drop the pressures to twenty-two psi.", "Drop the pressures to 22 psi."),
        ("Twenty two litres", "22 litres"),
        ("I'm an eight and a half.", "I'm an 8.5."),
        ("Half a dozen sausage rolls, please.", "6 sausage rolls, please."),
        ("a dozen eggs and two dozen rolls", "12 eggs and 24 rolls"),
        ("Two hundred and fifty crowns.", "250 crowns."),
        ("Crank it to a hundred and fifty percent.", "Crank it to 150 percent."),
        (
            "A hundred, not a hundredweight of a hundred-year-old oak.",
            "100, not a hundredweight of a hundred-year-old oak.",
        ),
        ("one and a half hours", "1.5 hours"),
        ("Size ten shoes.", "Size 10 shoes."),
        ("A seven and an eleven, please.", "A 7 and an 11, please."),
        ("Pickle came in at one point eight kilograms.", "Pickle came in at 1.8 kilograms."),
        ("thirty-eight point five, and point two five", "38.5, and 0.25"),
        ("One Hundred point oh two", "100.02"),
        ("And a couple of breakfast vouchers.", "And 2 breakfast vouchers."),
        ("A shelf, a metre and a half long.", "A shelf, 1.5 metres long."),
        (
            "The skiff for an hour and a half, and a box and a half of nails.",
            "The skiff for 1.5 hours, and 1.5 boxes of nails.",
        ),
        # "point" that is no decimal point, and "a couple" that is two people
        ("The one point of it: point the way.", "The one point of it: point the way."),
        ("Seat the couple in four.", "Seat the couple in 4."),
        # "one" alone is as often no number; a number joined to a word is part of a name.
        ("The black one, and one of those.", "The black one, and one of those."),
        ("A three-day pass for the one-man boat.", "A three-day pass for the one-man boat."),
        ("Someone often sees seventeen.", "Someone often sees 17."),
        ("No numbers here.", "No numbers here."),
    ],
)
def test_spelled_numbers_are_written_as_digits(line: str, read: str) -> None:
    assert as_digits(line) == read


def test_numbers_inside_names_kept_stay_words() -> None:
    keep = ["Gallery Two", "three day"]
    assert as_digits("Take the twelve of us to gallery two.", keep) == (
        "Take the 12 of us to gallery two."
    )
    assert as_digits("Two three day passes.", keep) == "2 three day passes."


@pytest.mark.parametrize(
    ("line", "read"),
    [
        (
            "Two of this mortice, please. No, hang on, make it four, the kids lose everything.",
            "4 of this mortice, please. No, hang on, make it 4, the kids lose everything.",
        ),
        ("Twenty pills. Hmm, no, fifteen's plenty.", "15 pills. Hmm, no, 15's plenty."),
        ("Five litres. No wait, make it seven and a half.", "7.5 litres. No wait, make it 7.5."),
        ("Size ten. Sorry, I mean eleven.", "Size 11. Sorry, I mean 11."),
        # no amount taken back: a "no" that goes on to other words, or nothing said before
        (
            "I need 2 keys, no more than that, and 3 hooks.",
            "I need 2 keys, no more than that, and 3 hooks.",
        ),
        (
            "Actually, make it two. My friend wants to come.",
            "Actually, make it 2. My friend wants to come.",
        ),
    ],
)
def test_an_amount_taken_back_is_read_as_the_one_said_instead(line: str, read: str) -> None:
    assert corrected(as_digits(line)) == read
