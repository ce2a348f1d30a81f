from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from npc.mind.parser import ActionItem, Field, ReplyParser, SayText

REPLY = {
    "say": 'Hi, friend. "Quoted" words.',
    "emotion": "happy",
    "intensity": 2,
    "actions": [{"name": "fetch", "item": "ramen bowl"}, {"name": "emote", "gesture": "bow"}],
}


def parse(text: str, chunks: list[int] | None = None) -> list[object]:
    parser = ReplyParser()
    out: list[object] = []
    if chunks is None:
        for ch in text:
            out += parser.feed(ch)
    else:
        pos = 0
        for n in chunks:
            out += parser.feed(text[pos : pos + n])
            pos += n
        out += parser.feed(text[pos:])
    assert parser.complete
    return out


def test_fields_come_out_in_order_as_they_complete() -> None:
    out = parse(json.dumps(REPLY))
    say = "".join(x.text for x in out if isinstance(x, SayText))
    assert say == REPLY["say"]
    assert [x.call for x in out if isinstance(x, ActionItem)] == REPLY["actions"]
    fields = {x.name: x.value for x in out if isinstance(x, Field)}
    assert fields == {"say": None, "emotion": "happy", "intensity": 2, "actions": REPLY["actions"]}
    kinds = [type(x).__name__ for x in out]
    assert kinds.index("ActionItem") > kinds.index("Field")  # emotion before actions


@given(st.lists(st.integers(min_value=1, max_value=9), max_size=40))
def test_any_chunking_gives_the_same_result(chunks: list[int]) -> None:
    text = json.dumps(REPLY)
    whole = parse(text)
    pieces = parse(text, chunks)
    join = lambda xs: [x for x in xs if not isinstance(x, SayText)]  # noqa: E731
    assert join(whole) == join(pieces)
    assert "".join(x.text for x in pieces if isinstance(x, SayText)) == REPLY["say"]


def test_actions_first_order() -> None:
    reply = {"actions": [], "emotion": "neutral", "intensity": 1, "say": "Hm."}
    out = parse(json.dumps(reply))
    assert "".join(x.text for x in out if isinstance(x, SayText)) == "Hm."


def test_speech_before_and_after_the_actions() -> None:
    reply = {
        "say": "One bowl,",
        "actions": [{"name": "fetch", "item": "ramen bowl"}],
        "more": "coming right up.",
        "emotion": "happy",
        "intensity": 2,
    }
    for chunks in (None, [3] * 40, [17] * 8):
        out = parse(json.dumps(reply), chunks)
        texts = [x.text for x in out if isinstance(x, SayText)]
        assert "".join(texts) == "One bowl,coming right up."
        kinds = [
            x.name if isinstance(x, Field) else type(x).__name__
            for x in out
            if not isinstance(x, SayText) or x.text
        ]
        # Speech, its end, the action, then the rest of the speech and its end.
        assert kinds[kinds.index("say") + 1] == "ActionItem"
        assert kinds.index("more") > kinds.index("ActionItem")
        acted = next(i for i, x in enumerate(out) if isinstance(x, ActionItem))
        assert any(isinstance(x, SayText) and x.text for x in out[acted:])
