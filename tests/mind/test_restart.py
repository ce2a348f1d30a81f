"""The rest of a say_act_say reply loses its repeat of the opening, whatever the pieces."""

import pytest

from npc.mind.restart import Restart

CASES = [
    # opening, the rest as written, what is said of the rest
    ("I'm Dale Porter.", "I'm Dale Porter.", ""),
    ("One bowl,", "coming right up, friend.", "coming right up, friend."),
    ("One bowl,", "One bowl of tonkotsu, coming up.", "of tonkotsu, coming up."),
    ("Sure,", "sure, here you go.", "here you go."),
    # the opening cut mid-word by its length limit: the whole sentence again
    (
        "I'm sorry, but I can't serve green tea here. It'",
        "I'm sorry, but I can't serve green tea here. It's a ramen stall.",
        "a ramen stall.",
    ),
    # a rest that only begins like the opening is said as written
    ("Here you go,", "Here it is.", "Here it is."),
    ("Here you go,", "Here you", "Here you"),
    ("Here you go,", "Careful, it's hot.", "Careful, it's hot."),
    ("", "Coming up.", "Coming up."),
    ("Ramen,", "", ""),
]


@pytest.mark.parametrize(("opening", "rest", "said"), CASES)
@pytest.mark.parametrize("piece", [1, 3, 1000])
def test_the_rest_without_the_opening_said_again(
    opening: str, rest: str, said: str, piece: int
) -> None:
    r = Restart(opening)
    out = "".join(r.feed(rest[i : i + piece]) for i in range(0, len(rest), piece))
    out += r.flush()
    assert out.strip() == said
