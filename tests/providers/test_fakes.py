"""The test doubles' own contract: a scripted reply comes in the layout the request asks."""

from __future__ import annotations

import json

from npc.providers.fakes import in_layout, say


def test_a_scripted_reply_is_written_in_the_layout_its_request_opens() -> None:
    text = say("Here.", actions=[{"name": "fetch", "item": "ladle"}])
    assert in_layout(text, '{"say": "') == text  # as scripted
    moved = in_layout(text, '{"actions": [')
    assert moved.startswith('{"actions": [{"name": "fetch", "item": "ladle"}], "say": "Here."')
    assert json.loads(moved) == json.loads(text)  # the same reply
    assert in_layout("not json", '{"actions": [') == "not json"  # left for the caller to reject
