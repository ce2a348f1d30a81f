"""The codec: any frame a client sends is a message or a ProtocolError that says why, never
another exception (which would drop the connection with a traceback)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from npc.errors import ProtocolError
from npc.protocol import messages as m
from npc.protocol.codec import CLIENT_TYPES, decode_client, encode
from tests.server.hostile import VALID, session_frames

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


def decodes_or_says_why(frame: str | bytes) -> object:
    try:
        return decode_client(frame)
    except ProtocolError as exc:
        assert exc.message and exc.code == "bad_message"
        return exc


@given(st.text(max_size=300))
def test_any_text_is_a_message_or_a_reason(frame: str) -> None:
    decodes_or_says_why(frame)


@given(json_values, st.sampled_from(CLIENT_TYPES))
def test_any_json_with_any_type_is_a_message_or_a_reason(value: object, kind: str) -> None:
    decodes_or_says_why(json.dumps(value))
    if isinstance(value, dict):
        decodes_or_says_why(json.dumps({**value, "type": kind}))


@given(st.sampled_from(VALID), st.data())
def test_valid_messages_with_a_field_replaced_are_a_message_or_a_reason(
    valid: dict[str, object], data: st.DataObject
) -> None:
    key = data.draw(st.sampled_from(sorted(valid)))
    decodes_or_says_why(json.dumps({**valid, key: data.draw(json_values)}))


@settings(max_examples=20)
@given(st.integers(0, 10_000))
def test_the_fuzz_generator_s_frames_decode_or_say_why(seed: int) -> None:
    for item in session_frames(seed, 50):
        decodes_or_says_why(item.frame)


def test_valid_messages_survive_a_round_trip() -> None:
    for raw in VALID:
        message = decode_client(json.dumps(raw))
        assert decode_client(encode(message)) == message


@pytest.mark.parametrize(
    ("frame", "says"),
    [
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ('{"type": "interrupt", "played_ms": ' + "9" * 5000 + "}", "5000 characters"),
        ('{"type": "interrupt", "played_ms": 1e400}', "out of range"),
        ('{"type": "interrupt", "played_ms": Infinity}', "Infinity is not a JSON number"),
        ('{"type": "interrupt", "played_ms": NaN}', "NaN is not a JSON number"),
        ('{"type": "text", "text": "a\\ud83d"}', "valid string"),  # a lone surrogate
        ("\ufeff" + '{"type": "end"}', "malformed JSON"),
        ('{"type": "text", "text": "' + "x" * 2001 + '"}', "at most 2000 characters"),
        ('{"type": "text", "text": "hi", "more": 1}', "Extra inputs are not permitted"),
        ('["start"]', "a JSON object"),
        ('{"type": "ready"}', "unknown message type 'ready'"),
    ],
)
def test_hostile_frames_are_refused_with_a_reason(frame: str, says: str) -> None:
    with pytest.raises(ProtocolError) as caught:
        decode_client(frame)
    assert says in caught.value.message


def test_numbers_a_client_really_sends_still_decode() -> None:
    assert decode_client('{"type": "interrupt", "played_ms": 1234.5}') == m.Interrupt(
        played_ms=1234.5
    )
    assert decode_client('{"type": "interrupt", "played_ms": 0}') == m.Interrupt(played_ms=0)
    assert decode_client('{"type": "text", "text": "\\ud83d\\ude00"}') == m.Text(text="😀")
