"""Amounts a line asks of an action that none of its values can be."""

from __future__ import annotations

from typing import Any

import pytest

from npc.character.sheet import Action
from npc.mind.numbers import as_digits
from npc.mind.ranges import asks_bottom, counts_people, out_of_range, party_size


def number(low: float, high: float, description: str = "", integer: bool = True) -> Any:
    return {
        "type": "number",
        "minimum": low,
        "maximum": high,
        "integer": integer,
        "description": description,
    }


ACTIONS = {
    a["name"]: Action.model_validate({"description": "An action.", **a})
    for a in [
        {"name": "ring_bell", "parameters": {"strikes": number(1, 8, "how many strikes")}},
        {"name": "take_call", "parameters": {"line": number(1, 4, "which phone line")}},
        {
            "name": "set_fader",
            "parameters": {
                "channel": {"type": "choice", "values": ["music", "phone"]},
                "level": number(0, 100, "level in percent"),
            },
        },
        {"name": "send_car", "parameters": {"men": number(1, 6, "how many patrolmen to send")}},
        {"name": "turn_gas", "parameters": {"level": number(0, 4, "0 out, 4 full")}},
        {"name": "cut_timber", "parameters": {"length": number(0.1, 3, "in metres", False)}},
        {"name": "harvest", "parameters": {"kilograms": number(0.5, 20, integer=False)}},
        {"name": "give_bunks", "parameters": {"count": number(1, 20, "one per sleeper")}},
    ]
}


@pytest.mark.parametrize(
    ("action", "line", "out"),
    [
        # the amount said of the parameter, by its name, the action's thing, its unit or "to"
        ("ring_bell", "Ring twenty bells, let's wake the whole ship!", True),
        ("take_call", "Put line six on, he's been holding for twenty minutes.", True),
        ("set_fader", "Crank the music to a hundred and fifty percent!", True),
        ("set_fader", "Music up, 200%.", True),
        ("send_car", "Send twenty men down to the docks.", True),
        ("turn_gas", "Turn the gas up to six, I want to see.", True),
        ("harvest", "Dig up fifty kilos of potatoes.", True),
        # in range, or taken back to an amount in range
        ("ring_bell", "Ring eight bells and call the watch.", False),
        ("send_car", "Send three of your boys to the Starlight Room.", False),
        ("take_call", "Line two, please.", False),
        # a number of something else: minutes, money, another unit, a description's grammar
        ("take_call", "Put her on, she's been waiting twenty minutes.", False),
        ("send_car", "The pickpocket's ma paid fifty bucks for his bail. Send a car.", False),
        ("cut_timber", "Cut this plank down to 180 centimetres.", False),
        ("ring_bell", "Give the bell its due, we're 2 hours in.", False),
        ("harvest", "Harvest potatoes for 40 of us.", False),
        # a party's size is said of a number that counts people
        ("give_bunks", "We're a school trip, forty of us. Bunks for everyone.", True),
        ("give_bunks", "There's 8 of us. Chuck us all up in the attic.", False),
        ("give_bunks", "We're 2 hours from the top, any beds?", False),
    ],
)
def test_an_amount_no_value_can_be_is_out_of_range(action: str, line: str, out: bool) -> None:
    assert out_of_range(as_digits(line), ACTIONS[action]) is out


@pytest.mark.parametrize(
    ("line", "bottom"),
    [
        ("Kill the house lights.", True),
        ("We're doing maintenance on the towers. Kill the lights there, would you?", True),
        ("Switch the music off, I can't hear the caller.", True),
        ("Lights out, everyone to bed.", True),
        # no level's bottom asked, or an amount of its own
        ("I'd kill for a real cup of coffee.", False),
        ("Ease it off to just an advisory.", False),
        ("Put me off at the next stop.", False),
        ("Turn the music down to twenty.", False),
        ("Turn the lights off and the heater to five.", False),
    ],
)
def test_the_very_bottom_of_a_level_is_asked(line: str, bottom: bool) -> None:
    assert asks_bottom(as_digits(line)) is bottom


@pytest.mark.parametrize(
    ("line", "size"),
    [
        ("Four of us, and the little room, please.", 4),
        ("We're a dozen from the Alpine Club.", 12),
        ("A table for two by the window.", 2),
        ("We're a party of six.", 6),
        ("Ten people for the tour.", 10),
        # numbers of other things
        ("We're 2 hours from the top.", None),
        ("Two of the soup.", None),
        ("Both of us are tired.", None),
    ],
)
def test_a_partys_size(line: str, size: int | None) -> None:
    assert party_size(as_digits(line)) == size


def test_numbers_that_count_people() -> None:
    counting = {
        (a.name, n): counts_people(n, p) for a in ACTIONS.values() for n, p in a.parameters.items()
    }
    assert [k for k, v in counting.items() if v] == [("give_bunks", "count")]
