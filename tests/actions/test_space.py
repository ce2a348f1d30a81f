"""Which actions can take what the player named."""

from __future__ import annotations

from npc.actions.space import ActionSpace, Scene
from npc.character.sheet import Action


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
