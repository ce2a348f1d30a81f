from __future__ import annotations

import json

from npc.actions.reply import ACT_FIRST, ReplyFormat
from npc.actions.space import ActionSpace, Scene
from npc.character.loader import load_sheet
from tests.conftest import CHARACTERS


def jin_format(**kw: object) -> ReplyFormat:
    sheet = load_sheet(CHARACTERS / "jin.yaml").sheet
    return ReplyFormat(ActionSpace.build(sheet), tuple(sheet.emotions.allowed), **kw)  # type: ignore[arg-type]


def test_grammar_enumerates_the_current_scene() -> None:
    g = jin_format().grammar()
    assert g.startswith("root ::= speech-tail")
    assert '"\\"ramen bowl\\""' in g and '"\\"table 2\\""' in g
    assert "{0,2}" in g  # up to three actions


def test_scene_change_changes_the_grammar() -> None:
    fmt = jin_format()
    moved = ReplyFormat(ActionSpace(fmt.space.actions, Scene(objects=("axe",))), fmt.emotions)
    g = moved.grammar()
    assert '"\\"axe\\""' in g and "ramen bowl" not in g
    assert "act-serve" not in g  # no location left to serve to


def test_render_and_prefix_agree() -> None:
    for order in (None, ACT_FIRST):
        fmt = jin_format() if order is None else jin_format(order=order)
        text = fmt.render("Hi.", "happy", 2, [{"name": "fetch", "item": "knife"}])
        assert text.startswith(fmt.assistant_prefix)
        assert json.loads(text)["actions"] == [{"name": "fetch", "item": "knife"}]


def test_json_schema_matches_the_actions() -> None:
    schema = jin_format().json_schema()
    calls = schema["properties"]["actions"]["items"]["anyOf"]
    fetch = next(c for c in calls if c["properties"]["name"]["const"] == "fetch")
    assert "ramen bowl" in fetch["properties"]["item"]["enum"]
    assert schema["required"] == ["say", "emotion", "intensity", "actions"]
