"""Which actions can take what the player named."""

from __future__ import annotations

import pytest

from npc.actions.space import ActionSpace, Scene, number_labels
from npc.character.sheet import Action, NumberParam


def _action(name: str, params: dict[str, dict[str, object]]) -> Action:
    return Action.model_validate({"name": name, "description": "x", "parameters": params})


def test_fitting_takes_scene_entries_and_choice_values() -> None:
    space = ActionSpace(
        (
            _action("hand_over", {"item": {"type": "object"}}),
            _action("walk_to", {"place": {"type": "location"}}),
            _action("gesture", {"kind": {"type": "choice", "values": ["shrug", "nod"]}}),
            _action("brew", {"remedy": {"type": "text"}}),
        ),
        Scene(objects=("salve",), locations=("porch",)),
    )
    assert space.fitting(["salve"]) == ["hand_over"]
    assert space.fitting(["porch", "shrug"]) == ["walk_to", "gesture"]
    assert space.fitting(["lantern", "fever"]) == []  # not in the scene; text takes anything


LEVELS = "0 none, 1 advisory, 2 masks and scans, 3 deck lockdown, 4 full station lockdown"


@pytest.mark.parametrize(
    ("description", "labels"),
    [
        (
            LEVELS,  # "none" too plain to name a setting
            {"advisory": 1, "masks and scans": 2, "deck lockdown": 3, "full station lockdown": 4},
        ),
        ("1 = gentle; 2 = firm; 3: brutal", {"gentle": 1, "firm": 2, "brutal": 3}),
        ("Speed (1 slow, 2 steady, 3 fast)", {"slow": 1, "steady": 2, "fast": 3}),
        ("how many kits; 1 when not said", {}),  # one number said: no labels
        ("level 1 to 4", {}),
        ("0 off, 9 max", {}),  # 9 is out of range: one label left, so none
    ],
)
def test_a_number_described_by_labels(description: str, labels: dict[str, int]) -> None:
    param = NumberParam(type="number", minimum=0, maximum=4, integer=True, description=description)
    assert number_labels(param) == labels


def test_fitting_takes_a_number_by_its_label() -> None:
    level = {"type": "number", "minimum": 0, "maximum": 4, "integer": True, "description": LEVELS}
    plain = {**level, "description": ""}
    space = ActionSpace(
        (_action("set_quarantine", {"level": level}), _action("count", {"n": plain})), Scene()
    )
    assert space.fitting(["deck lockdown"]) == ["set_quarantine"]
    assert space.fitting(["none"]) == []


def test_signatures_give_each_parameters_description_after_its_type() -> None:
    kit = {
        "type": "choice",
        "values": ["field", "trauma"],
        "description": "field: general first aid;\n trauma: heavy bleeding",
    }
    count = {"type": "number", "minimum": 1, "maximum": 6, "integer": True, "required": False}
    space = ActionSpace((_action("issue_kit", {"kit": kit, "count": count}),), Scene())
    assert list(space.signatures()) == [
        "issue_kit(kit: one of field, trauma [field: general first aid; trauma: heavy bleeding], "
        "count: whole number from 1 to 6 (optional)) - x"
    ]
