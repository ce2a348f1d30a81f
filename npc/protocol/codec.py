"""Frames <-> messages, with no I/O: the server and the Python client both use it."""

from __future__ import annotations

import base64
import binascii
import json
import math
from typing import Any

from pydantic import TypeAdapter, ValidationError

from npc.errors import ProtocolError
from npc.protocol.messages import AudioChunk, ClientMessage, ServerMessage

_client = TypeAdapter[Any](ClientMessage)
_server = TypeAdapter[Any](ServerMessage)
CLIENT_TYPES = (
    "start",
    "audio",
    "end_turn",
    "text",
    "scene",
    "event",
    "action_result",
    "interrupt",
    "end",
)


def decode_client(frame: str | bytes) -> Any:
    """A client frame as a message; binary frames are microphone audio and stay bytes."""
    if isinstance(frame, bytes | bytearray | memoryview):
        return bytes(frame)
    return _decode(_client, frame, CLIENT_TYPES)


def decode_server(frame: str) -> Any:
    return _decode(_server, frame, None)


# No number in a message needs more characters than this; Python would read a longer integer
# slowly (or refuse it at 4300 digits with advice meant for programmers).
MAX_NUMBER_CHARS = 40


def _short(text: str) -> None:
    if len(text) > MAX_NUMBER_CHARS:
        raise ProtocolError(
            f"a number of {len(text)} characters; numbers in messages have at most "
            f"{MAX_NUMBER_CHARS}"
        )


def _int(text: str) -> int:
    _short(text)
    return int(text)


def _float(text: str) -> float:
    _short(text)
    value = float(text)
    if not math.isfinite(value):
        raise ProtocolError(f"the number {text} is out of range; send finite numbers")
    return value


def _constant(name: str) -> Any:
    # Python's parser takes NaN and Infinity; JSON has neither, and a played_ms of Infinity
    # would count every word as heard.
    raise ProtocolError(f"{name} is not a JSON number; send finite numbers")


def _decode(adapter: TypeAdapter[Any], frame: str, known: tuple[str, ...] | None) -> Any:
    try:
        raw = json.loads(frame, parse_int=_int, parse_float=_float, parse_constant=_constant)
    except json.JSONDecodeError as exc:
        raise ProtocolError(f"malformed JSON at character {exc.pos}: {exc.msg}") from None
    except RecursionError:
        # The parser gives up at Python's recursion limit (~1000 levels) at once; no client
        # message nests deeper than 4, and the schema refuses anything deeper that parses.
        raise ProtocolError("JSON nested too deeply; no message needs more than 4 levels") from None
    except ValueError as exc:  # a number too long to convert
        raise ProtocolError(f"malformed JSON: {exc}") from None
    if not isinstance(raw, dict):
        raise ProtocolError("a message must be a JSON object with a 'type'")
    kind = raw.get("type")
    if known is not None and kind not in known:
        raise ProtocolError(f"unknown message type {kind!r}; expected one of: {', '.join(known)}")
    try:
        return adapter.validate_python(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"][1:]) or "message"
        raise ProtocolError(f"invalid {kind!r} message: {where}: {first['msg']}") from None


def encode(message: Any) -> str:
    """A server (or client) message as a JSON text frame."""
    text: str = message.model_dump_json(exclude_none=True)
    return text


def audio_bytes(message: AudioChunk) -> bytes:
    """The PCM16 carried by a base64 ``audio`` message."""
    try:
        return base64.b64decode(message.data, validate=True)
    except (binascii.Error, ValueError):
        raise ProtocolError("audio.data is not valid base64") from None
