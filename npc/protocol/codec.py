"""Frames <-> messages, with no I/O: the server and the Python client both use it."""

from __future__ import annotations

import base64
import binascii
import json
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


def _decode(adapter: TypeAdapter[Any], frame: str, known: tuple[str, ...] | None) -> Any:
    try:
        raw = json.loads(frame)
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
