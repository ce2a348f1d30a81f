"""Hostile client frames from a seed: what a fuzzing QA client throws at a session.

No I/O: ``session_frames`` yields the frames of one session after its ``start``, each with
what the server owes it: an ``error`` (the frame is wrong), nothing (the frame is fine), or
either (a fine frame the server may still refuse, say an audio frame while the audio queue
is full). The same seed gives the same frames, so a failure can be replayed.
"""

from __future__ import annotations

import base64
import json
import random
import string
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import Enum


class Owed(Enum):
    ERROR = "error"  # the server must answer with an error and go on
    NOTHING = "nothing"  # a valid message: no error
    EITHER = "either"


@dataclass(frozen=True, slots=True)
class Hostile:
    frame: str | bytes
    owed: Owed
    kind: str  # which generator made it (for the table and for replaying)


# Valid messages of each type (the start of mutations).
VALID: tuple[dict[str, object], ...] = (
    {"type": "text", "text": "what is in the broth?"},
    {"type": "scene", "objects": ["axe", "ramen bowl"], "locations": ["counter"]},
    {"type": "event", "text": "a cat walks in", "react": False},
    {"type": "interrupt", "played_ms": 120.0},
    {"type": "action_result", "action_id": "a1.1", "ok": True, "detail": "done"},
    {"type": "end_turn"},
    {"type": "audio", "data": base64.b64encode(bytes(640)).decode()},
)
TYPES = ("start", "audio", "end_turn", "text", "scene", "event", "action_result", "interrupt")
_ALPHABET = string.printable + "éß漢字😀\u200b\u0000\x7f"


def _junk_text(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(_ALPHABET) for _ in range(n))


def _malformed(rng: random.Random) -> Hostile:
    valid = json.dumps(rng.choice(VALID))
    choices = [
        valid[: rng.randrange(1, len(valid))],  # truncated
        valid + rng.choice(["}", "]", ",", " x", "{}"]),  # trailing garbage
        valid.replace('"', "'"),
        "{" * rng.randrange(1, 50),
        "",
        " ",
        _junk_text(rng, rng.randrange(1, 200)),
        '{"type": "text", "text": "a" ',
        '{"type": "text", "text": "\\x41"}',  # an escape JSON does not have
        '{"type": "text", "text": "\\ud83d"}',  # a lone surrogate: not Unicode text
        '{"type": "event", "text": "a\\udc00b"}',
        "\ufeff" + valid,  # a byte-order mark
    ]
    return Hostile(rng.choice(choices), Owed.ERROR, "malformed JSON")


def _not_an_object(rng: random.Random) -> Hostile:
    frame = rng.choice(
        [
            "null",
            "true",
            "0",
            "-1e999",
            "NaN",
            "Infinity",
            '"text"',
            "[]",
            "[1,2,3]",
            '[{"type":"text","text":"hi"}]',
        ]
    )
    return Hostile(frame, Owed.ERROR, "not an object")


def _bad_type(rng: random.Random) -> Hostile:
    kind: object = rng.choice(
        [
            None,
            5,
            "",
            "TEXT",
            "text ",
            "ready",  # a server message
            "error",
            _junk_text(rng, 12),
            ["text"],
            {"type": "text"},
        ]
    )
    body: dict[str, object] = {"type": kind, "text": "hi"}
    if rng.random() < 0.3:
        del body["type"]
    return Hostile(json.dumps(body), Owed.ERROR, "unknown type")


def _deep(rng: random.Random) -> Hostile:
    depth = rng.choice([50, 900, 1100, 5000, 100_000])
    shape = rng.choice(["list", "dict", "field"])
    if shape == "list":
        frame = "[" * depth + "]" * depth
    elif shape == "dict":
        frame = '{"a":' * depth + "1" + "}" * depth
    else:
        frame = '{"type": "text", "text": ' + "[" * depth + "]" * depth + "}"
    return Hostile(frame, Owed.ERROR, "deep nesting")


def _huge_number(rng: random.Random) -> Hostile:
    digits = "9" * rng.choice([400, 5000, 50_000])
    frame = rng.choice(
        [
            f'{{"type": "interrupt", "played_ms": {digits}}}',
            f'{{"type": "interrupt", "played_ms": -{digits}}}',
            f'{{"type": "action_result", "action_id": "a1", "ok": {digits}}}',
        ]
    )
    return Hostile(frame, Owed.ERROR, "huge number")


def _bad_fields(rng: random.Random) -> Hostile:
    bad: list[dict[str, object]] = [
        {"type": "text"},
        {"type": "text", "text": ""},
        {"type": "text", "text": "x" * 2001},
        {"type": "text", "text": 42},
        {"type": "text", "text": None},
        {"type": "text", "text": ["hi"]},
        {"type": "text", "text": "hi", "extra": 1},
        {"type": "event", "text": "y" * 501},
        {"type": "event"},
        {"type": "event", "text": "rain", "react": "maybe"},
        {"type": "scene", "objects": ["o"] * 201},
        {"type": "scene", "objects": ["z" * 81]},
        {"type": "scene", "objects": [""]},
        {"type": "scene", "objects": "axe"},
        {"type": "scene", "objects": [1, 2]},
        {"type": "scene", "weather": "rain"},
        {"type": "interrupt", "played_ms": -1},
        {"type": "interrupt", "played_ms": "soon"},
        {"type": "action_result", "ok": True},
        {"type": "action_result", "action_id": "", "ok": True},
        {"type": "action_result", "action_id": "x" * 65, "ok": True},
        {"type": "action_result", "action_id": "a1.1", "ok": True, "detail": "d" * 501},
        {"type": "audio"},
        {"type": "audio", "data": "***"},
        {"type": "audio", "data": "QUJD"},  # valid base64 of 3 bytes: not whole samples
        {"type": "audio", "data": 12},
        {"type": "end_turn", "now": True},
        {"type": "end", "why": "bye"},
        {"type": "start", "character": "jin"},  # already started
        {"type": "start"},
    ]
    return Hostile(json.dumps(rng.choice(bad)), Owed.ERROR, "invalid fields")


def _wrong_now(rng: random.Random, audio_sent: bool) -> Hostile:
    # Allowed by the schema, refused by the session: an action never sent, end_turn before audio.
    if not audio_sent and rng.random() < 0.5:
        return Hostile('{"type": "end_turn"}', Owed.ERROR, "not allowed now")
    action = f"x{rng.randrange(1, 99)}.{rng.randrange(1, 99)}"  # never an id the server sent
    frame = json.dumps({"type": "action_result", "action_id": action, "ok": rng.random() < 0.5})
    return Hostile(frame, Owed.ERROR, "not allowed now")


def _binary(rng: random.Random) -> Hostile:
    n = rng.choice([1, 3, 5, 321, 641, 4097])
    return Hostile(rng.randbytes(n), Owed.ERROR, "odd-length audio")


def _quiet_audio(rng: random.Random) -> Hostile:
    # Whole samples of near-silence: valid audio that must not start a turn by itself.
    n = rng.choice([0, 2, 320, 640, 1600])
    samples = bytes(rng.choice([0, 1, 255]) if i % 2 == 0 else 0 for i in range(n))
    return Hostile(samples, Owed.EITHER, "quiet audio")


def _benign(rng: random.Random) -> Hostile:
    msg = rng.choice(
        [
            {
                "type": "scene",
                "objects": ["axe", "ramen bowl", _junk_text(rng, 8).strip() or "cup"],
            },
            {"type": "scene", "locations": ["counter", "door"]},
            {"type": "event", "text": "a cat walks in", "react": False},
            {"type": "interrupt"},
            {"type": "interrupt", "played_ms": 1e300},
        ]
    )
    return Hostile(json.dumps(msg), Owed.NOTHING, "valid message")


def _typed(rng: random.Random) -> Hostile:
    # A real line: a reply starts (and the next one cuts it short).
    line = rng.choice(["hello", "what is in the broth?", _junk_text(rng, 30).strip() or "hi"])
    return Hostile(json.dumps({"type": "text", "text": line}), Owed.EITHER, "typed line")


_MAKERS: tuple[tuple[float, Callable[[random.Random], Hostile]], ...] = (
    (0.18, _malformed),
    (0.07, _not_an_object),
    (0.10, _bad_type),
    (0.05, _deep),
    (0.04, _huge_number),
    (0.28, _bad_fields),
    (0.10, _binary),
    (0.06, _quiet_audio),
    (0.10, _benign),
    (0.02, _typed),
)


def session_frames(seed: int, count: int) -> Iterator[Hostile]:
    """``count`` frames for one session after its ``start`` (``seed`` picks them)."""
    rng = random.Random(seed)
    weights = [w for w, _ in _MAKERS]
    audio_sent = False
    for _ in range(count):
        if rng.random() < 0.04:
            item = _wrong_now(rng, audio_sent)
        else:
            [(_, make)] = rng.choices(_MAKERS, weights)
            item = make(rng)
        if isinstance(item.frame, bytes) and len(item.frame) % 2 == 0:
            audio_sent = True
        yield item


def before_start(seed: int, count: int) -> Iterator[Hostile]:
    """Frames before ``start``: every one is refused (binary, other messages, garbage)."""
    rng = random.Random(seed)
    for _ in range(count):
        pick = rng.random()
        if pick < 0.4:
            yield Hostile(rng.randbytes(rng.choice([0, 1, 2, 640, 4096])), Owed.ERROR, "binary")
        elif pick < 0.7:
            yield Hostile(json.dumps(rng.choice(VALID)), Owed.ERROR, "not start")
        else:
            yield _malformed(rng)
