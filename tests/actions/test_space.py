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


def test_an_action_lacks_an_entry_when_none_it_takes_was_named() -> None:
    space = ActionSpace(
        (
            _action("walk_to", {"place": {"type": "location"}}),
            _action("lead", {"place": {"type": "location", "required": False}}),
            _action("wave", {}),
        ),
        Scene(locations=("porch", "lab")),
    )
    assert space.lacks_entry("walk_to", [])  # "Teleport us to Earth": no place to walk to
    assert space.lacks_entry("walk_to", ["Earth"])
    assert not space.lacks_entry("walk_to", ["lab"])
    assert not space.lacks_entry("lead", [])  # the place may be left out
    assert not space.lacks_entry("wave", [])
    assert not space.lacks_entry("no_such_action", [])
