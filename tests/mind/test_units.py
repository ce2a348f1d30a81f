"""Amounts in another unit than the actions count in, given in theirs too."""

from __future__ import annotations

import pytest

from npc.character.sheet import Action
from npc.mind.numbers import as_digits
from npc.mind.units import action_units, in_units


def _action(name: str, **numbers: str) -> Action:
    params = {
        p: {"type": "number", "minimum": 0, "maximum": 100, "description": d}
        for p, d in numbers.items()
    }
    return Action.model_validate({"name": name, "description": name, "parameters": params})


CUT = _action("cut_timber", length="length in metres (1.8 for one metre eighty)")
POUR = _action("pour_water", litres="")
RENT = _action("rent_boat", hours="how many hours")
WEIGH = _action("weigh", kilos="the weight")


@pytest.mark.parametrize(
    ("actions", "line", "read"),
    [
        ([CUT], "ninety centimetres long", "90 centimetres (0.9 metres) long"),
        ([CUT], "a 90cm bit and a 2.4m one", "a 90cm (0.9 metres) bit and a 2.4m one"),
        ([CUT], "one metre eighty, please", "one metre 80 (1.8 metres), please"),
        ([CUT], "two metres fifty.", "2 metres 50 (2.5 metres)."),
        ([CUT], "six foot two", "6 foot 2 (1.88 metres)"),
        ([CUT], "3 metres, 2 of them", "3 metres, 2 of them"),  # its own unit: as said
        ([CUT], "1 metre 20 centimetres", "1 metre 20 centimetres (0.2 metres)"),
        ([CUT], "half a metre", "0.5 metre"),
        ([CUT], "Two planks, 5 M long", "2 planks, 5 M long"),  # "M" alone: a letter too
        ([POUR], "five hundred millilitres", "500 millilitres (0.5 litres)"),
        ([POUR], "250ml and a litre", "250ml (0.25 litres) and a litre"),
        ([RENT], "ninety minutes", "90 minutes (1.5 hours)"),
        ([RENT], "Wait a minute, one second", "Wait a minute, one second"),  # idioms
        ([RENT], "for two days", "for 2 days (48 hours)"),
        ([WEIGH], "He's 4500 grams", "He's 4500 grams (4.5 kilograms)"),
        ([WEIGH], "four pounds fifty", "4 pounds 50"),  # money as often as weight
        (
            [CUT, POUR],
            "90 centimetres and 200 ml",
            "90 centimetres (0.9 metres) and 200 ml (0.2 litres)",
        ),
        ([POUR], "ninety centimetres", "90 centimetres"),  # no length counted
    ],
)
def test_amounts_in_the_actions_units(actions: list[Action], line: str, read: str) -> None:
    assert in_units(as_digits(line), action_units(actions)) == read


def test_a_dimension_counted_in_two_units_is_left_alone() -> None:
    drill = _action("drill", depth="depth in millimetres")
    units = action_units([CUT, drill])
    assert "length" not in units
    assert in_units("90 centimetres", units) == "90 centimetres"


def test_unit_read_from_the_name_before_the_description() -> None:
    units = action_units([_action("fill", litres="not metres")])
    assert units["volume"].name == "litres"
    assert "length" not in units
