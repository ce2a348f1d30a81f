import pytest

from npc.character.looks import looks, meanings, named_by_looks, named_by_meaning

LISTS = """\
# The knights

- Sir Brannoc of the Fells bears black and silver with a boar. He is loud and strong.
- Dame Isolde Vayne bears green and gold with a heron. She won last year.
- Sir Piers Amberly bears red and white with a leaping stag. He is young and
  reckless, and it is his first tourney.
- The Kestrel Knight rides under a plain grey shield and keeps his visor down.

The stands are grey stone. Every shield is checked before the lists open.
Sir Brannoc and Dame Isolde met last year.
"""
KNIGHTS = ["Sir Brannoc", "Dame Isolde", "Sir Piers", "Kestrel Knight", "Wat"]


def test_each_person_is_described_by_the_words_of_their_own_sentences() -> None:
    found = looks(LISTS, KNIGHTS)
    assert found["Sir Brannoc"]["boar"] == 1.0
    # a sentence after the name, in the same list item, still describes them ("He is young")
    assert found["Sir Piers"]["young"] == 1.0
    # a word other lore says too counts for less ("grey" of the stands); a sentence naming
    # two people describes neither ("last year"); people the lore says nothing of are left out
    assert found["Kestrel Knight"]["grey"] == 0.5
    assert "year" not in found["Dame Isolde"]
    assert "Wat" not in found


@pytest.mark.parametrize(
    ("line", "people"),
    [
        ("Point out the knight with the boar on his shield, would you?", ["Sir Brannoc"]),
        ("I'm trying to spot the lady in green and gold, where is she?", ["Dame Isolde"]),
        ("Show me that fellow in plain grey.", ["Kestrel Knight"]),
        ("Which one is the young lad in red and white?", ["Sir Piers"]),
        ("Who's the one with the heron?", ["Dame Isolde"]),
        # words the lore describes someone by, in a line about no one
        ("Is there boar on the menu at the feast?", []),
        # two people fit alike: neither
        ("The knight in black and white, which is he?", []),
        # nothing of anyone's looks
        ("Point out the knight with the longest lance.", []),
    ],
)
def test_a_person_is_named_by_their_looks(line: str, people: list[str]) -> None:
    assert named_by_looks(line, looks(LISTS, KNIGHTS)) == people


TRUMPET = (
    "fanfare: greets the Duchess or a champion; to arms: knights to the tilt; "
    "recall: stops the joust at once; hold: a pause to clear the lists"
)
CALLS = ("fanfare", "to arms", "recall", "hold")


def test_a_choice_description_gives_each_value_its_meaning() -> None:
    meant = meanings(TRUMPET, CALLS)
    assert meant["to arms"] == {"knight", "tilt"}
    assert meant["hold"] == {"pause", "clear", "list"}
    # the other way of writing it; a word two values share means neither
    berths = meanings(
        "inside (no window), outside (window), family (four berths)",
        ("inside", "outside", "family"),
    )
    assert berths == {"inside": set(), "outside": set(), "family": {"four", "berth"}}


@pytest.mark.parametrize(
    ("line", "values"),
    [
        ("We've waited long enough. Call the knights to the tilt.", ["to arms"]),
        ("Pause it, the lists need clearing.", ["hold"]),
        # one word of a meaning is too often said for itself
        ("Make the rain stop before the melee.", []),
        # as many words for two values: neither
        ("Pause and clear, then stop the joust.", []),
    ],
)
def test_a_value_is_asked_for_by_the_words_that_mean_it(line: str, values: list[str]) -> None:
    assert named_by_meaning(line, meanings(TRUMPET, CALLS)) == values


SHOP = """\
The cordless drill on the display shelf is the yellow one; it is for sale, not for hire.

The claw hammer has a red rubber grip. The best hammers come from Sheffield.
"""
THINGS = ["cordless drill", "claw hammer", "padlock"]


@pytest.mark.parametrize(
    ("line", "things"),
    [
        ("The yellow battery-powered one behind you, can I have a look at it?", ["cordless drill"]),
        ("Pass me that red thing.", ["claw hammer"]),
        # a thing by the words before "one", not by others of the line
        ("Which one is for sale, the yellow drill or this?", []),
        ("What's the best thing you sell?", []),
    ],
)
def test_a_thing_is_named_by_its_looks(line: str, things: list[str]) -> None:
    assert named_by_looks(line, looks(SHOP, THINGS), things=True) == things


def test_each_fact_of_the_lore_is_a_text_of_its_own() -> None:
    # facts joined by lore_text: the drill's fact is no sentence about Okonjo's
    text = "Mr Okonjo was a plumber for forty years.\n\nThe cordless drill is the yellow one."
    assert "yellow" not in looks(text, ["Mr Okonjo", "cordless drill"])["Mr Okonjo"]
