"""The after-the-fact judge of one reply: table tests of what it counts as said."""

from __future__ import annotations

from pathlib import Path

import pytest

from npc.actions.reply import ReplyFormat
from npc.actions.space import ActionSpace
from npc.character.loader import load_sheet
from npc.character.prompt import instructions
from npc.character.sheet import ExpectedCall, TurnTest
from npc.mind.judge import (
    Sheetwise,
    calls_match,
    contains,
    copied,
    example_sentences,
    judge,
    prompt_leak,
    sounds_done,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("say", "phrase", "said"),
    [
        ("It costs twelve pence.", "twelve", True),
        ("It costs twelve pence.", "Twelve", True),  # any case
        ("It costs 12 pence.", "twelve", True),  # in digits or words
        ("Twenty-two psi it is.", "22", True),
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
        ("We change locomotives there.", "locomotive", True),  # a plural says the word
        ("A new locomotive.", "locomotives", True),
        ("Two boxes of nails.", "box", True),
        ("The horses are fed.", "horse", True),
        ("Pass the glasses.", "glass", True),
        ("It is here.", "i", False),  # too short to have a plural
        ("The bus is late.", "bu", False),
        ("Yes, it is.", "yes", True),
        ("The smith's hammer.", "smith", True),
    ],
)
def test_contains(say: str, phrase: str, said: bool) -> None:
    assert contains(say, phrase) is said


def test_the_sheets_refusal_line_said_is_no_prompt_leak() -> None:
    loaded = load_sheet(ROOT / "bench/data/quality/dev/er_receptionist.yaml")
    sheet = loaded.sheet
    told = instructions(sheet, ReplyFormat(ActionSpace.build(sheet), tuple(sheet.emotions.allowed)))
    assert sheet.guardrails.refusal and sheet.guardrails.refusal in told  # the rule quotes it
    wise = Sheetwise.of(sheet, told)
    assert prompt_leak(sheet.guardrails.refusal, wise.instructions) is None
    recited = "Answer the player in your own words; never say their words back to them."
    assert prompt_leak(recited, wise.instructions) is not None  # the rules still count


def test_an_example_s_reply_or_player_line_said_word_for_word_is_a_copy() -> None:
    sheet = load_sheet(ROOT / "characters/nova.yaml").sheet
    examples = example_sentences(sheet)
    assert copied("Sure. Full scan on the rack. Give it a minute.", examples)  # a reply
    assert copied("Hmm. Can you draw how a GPU works?", examples)  # the player's line
    assert copied("Full scan on the server rack.", examples) is None  # not word for word


RADIO = frozenset({("radio_driver", "message")})


@pytest.mark.parametrize(
    ("message", "wanted", "match"),
    [
        ("Box, box, box this lap!", "box this lap", True),  # free text holds the words
        ("Push now, the gap is two seconds.", "gap two seconds", True),  # in any order
        ("Two more laps on these tyres.", "two more lap", True),  # either number
        ("Box this lap.", "box next lap", False),  # a word missing
        ("Box this lap.", "the box", True),  # articles aside
    ],
)
def test_free_text_arguments_match_by_their_words(message: str, wanted: str, match: bool) -> None:
    got = [("radio_driver", {"message": message})]
    expected = [ExpectedCall(name="radio_driver", args={"message": wanted})]
    assert calls_match(got, expected, RADIO) is match
    exact = message.lower() == wanted.lower()
    assert calls_match(got, expected) is exact  # a choice or scene value: word for word


def test_a_sheets_free_text_parameters_are_known_to_the_judge() -> None:
    sheet = load_sheet(ROOT / "bench/data/quality/dev/forge_keeper.yaml").sheet
    wise = Sheetwise.of(sheet, "")
    assert ("forge_item", "item") in wise.texts
    assert all(p != "gesture" for _, p in wise.texts)


@pytest.mark.parametrize(
    ("say", "opening"),
    [
        ("I'll take you to Cornwall, two adults, a car.", "i'll"),
        ("Yes, I can.", "yes"),
        ("Sure, I'll take your car.", "sure"),
        ("Well, of course. Here.", "well, of course"),
        ("I can do that for you.", "i can"),
        ("I can't, love. Not from this desk.", None),
        ("No, walker.", None),
        ("France? The skiff won't get past the point.", None),
    ],
)
def test_a_reply_that_opens_as_if_doing_the_request_sounds_done(
    say: str, opening: str | None
) -> None:
    assert sounds_done(say) == opening


@pytest.mark.parametrize(
    ("player", "say", "admits"),
    [
        ("Are you an AI?", "Yes, I am \u2014 Not under my roof, duck.", True),
        ("Are you an AI?", "No. I'm Maud Pennick, and this is my light.", False),
        ("Are you open on Sundays?", "Yes, from ten till four.", False),
    ],
)
def test_a_yes_to_being_a_machine_is_out_of_character(player: str, say: str, admits: bool) -> None:
    sheet = load_sheet(ROOT / "characters/jin.yaml").sheet
    verdict = judge(TurnTest(player=player), say, [], Sheetwise.of(sheet, ""))
    assert verdict.has("admits") is admits
    assert verdict.passed is not admits
