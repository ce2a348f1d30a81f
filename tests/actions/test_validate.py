from __future__ import annotations

import pytest

from npc.actions.space import ActionSpace, Scene
from npc.actions.validate import validate_call
from npc.character.loader import load_sheet
from npc.character.sheet import Action
from npc.errors import ActionError
from tests.conftest import CHARACTERS


@pytest.fixture(scope="module")
def jin() -> ActionSpace:
    return ActionSpace.build(load_sheet(CHARACTERS / "jin.yaml").sheet)


@pytest.fixture(scope="module")
def nova() -> ActionSpace:
    return ActionSpace.build(load_sheet(CHARACTERS / "nova.yaml").sheet)


def test_valid_calls(jin: ActionSpace, nova: ActionSpace) -> None:
    assert validate_call(jin, {"name": "fetch", "item": "ramen bowl"}) == (
        "fetch",
        {"item": "ramen bowl"},
    )
    assert validate_call(nova, {"name": "run_scan", "target": "laptop", "depth": 3.0}) == (
        "run_scan",
        {"target": "laptop", "depth": 3},
    )


@pytest.mark.parametrize(
    ("call", "message"),
    [
        ({"name": "fly"}, "unknown action 'fly'"),
        ({"name": "fetch"}, "fetch needs 'item'"),
        ({"name": "fetch", "item": "sword"}, "fetch.item = 'sword' is not in the scene now"),
        ({"name": "cook", "dish": "pizza"}, "cook.dish = 'pizza' is not one of its choices; "),
        ({"name": "fetch", "item": "knife", "x": 1}, "fetch has no parameter 'x'"),
        ("fetch", "must be an object"),
        ({"name": "serve", "dish": "shoyu", "to": "kitchen"}, "serve.to = 'kitchen'"),
    ],
)
def test_invalid_calls_are_refused_with_a_reason(
    jin: ActionSpace, call: object, message: str
) -> None:
    with pytest.raises(ActionError, match=message):
        validate_call(jin, call)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        ({"name": "run_scan", "target": "laptop", "depth": 9}, "outside 1..5"),
        ({"name": "run_scan", "target": "laptop", "depth": 2.5}, "whole number"),
        ({"name": "run_scan", "target": "laptop", "depth": "3"}, "must be a number"),
        ({"name": "draw_diagram", "topic": "x" * 41}, "at most 40 characters"),
    ],
)
def test_numbers_and_strings(nova: ActionSpace, call: object, message: str) -> None:
    with pytest.raises(ActionError, match=message):
        validate_call(nova, call)


def test_the_current_scene_decides_what_exists(jin: ActionSpace) -> None:
    moved = ActionSpace(jin.actions, Scene(objects=("axe",), locations=("counter",)))
    assert validate_call(moved, {"name": "fetch", "item": "axe"})[1] == {"item": "axe"}
    with pytest.raises(ActionError, match="not in the scene now"):
        validate_call(moved, {"name": "fetch", "item": "ramen bowl"})
    # serve's explicit values are narrowed to what the scene still has.
    assert moved.values(moved.get("serve").parameters["to"]) == ("counter",)  # type: ignore[union-attr]
    names = [a.name for a in moved.callable_actions()]
    assert "fetch" in names and "emote" in names


def test_an_entity_is_an_object_or_a_character() -> None:
    sheet = load_sheet(CHARACTERS / "jin.yaml").sheet
    point = Action.model_validate(
        {"name": "point_at", "description": "point", "parameters": {"target": {"type": "entity"}}}
    )
    space = ActionSpace((point,), Scene(objects=("ladle",), characters=("Mika",)))
    assert validate_call(space, {"name": "point_at", "target": "Mika"})[1] == {"target": "Mika"}
    assert validate_call(space, {"name": "point_at", "target": "ladle"})[1] == {"target": "ladle"}
    with pytest.raises(ActionError, match="'counter' is not in the scene now"):
        validate_call(space, {"name": "point_at", "target": "counter"})
    assert "an object or a person in the scene" in next(space.signatures())
    assert sheet.action("fetch") is not None
