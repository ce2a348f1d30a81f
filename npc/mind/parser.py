"""Read a reply object as it streams in, announcing each field the moment it is complete.

The grammar guarantees the shape, so this is a small scanner, not a JSON parser: it follows
strings and nesting, hands out the speech (``say``, and ``more`` when the layout has it)
character by character, and decodes every other top-level value (and each element of
``actions``) with ``json`` once it closes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

SPEECH = frozenset(["say", "more"])


@dataclass(frozen=True, slots=True)
class SayText:
    text: str


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    value: Any


@dataclass(frozen=True, slots=True)
class ActionItem:
    call: Any


Parsed = SayText | Field | ActionItem


class ReplyParser:
    """Feed text pieces; get ``SayText``, ``ActionItem`` and ``Field`` values as they complete."""

    def __init__(self) -> None:
        self.text = ""
        self._depth = 0
        self._in_string = False
        self._escape = False
        self._key: str | None = None
        self._expect_key = False
        self._key_start = -1
        self._value_start = -1
        self._item_start = -1
        self.complete = False

    def feed(self, piece: str) -> list[Parsed]:
        out: list[Parsed] = []
        say: list[str] = []
        for ch in piece:
            pos = len(self.text)
            self.text += ch
            if self._in_string:
                self._string_char(ch, pos, say, out)
                continue
            if ch == '"':
                self._in_string = True
                if self._depth == 1 and self._expect_key:
                    self._key_start = pos + 1
                elif self._depth == 1 and self._key is not None and self._value_start < 0:
                    self._value_start = pos
            elif ch in "{[":
                self._open(ch, pos)
            elif ch in "}]":
                self._close(ch, pos, out)
            elif ch == ":" and self._depth == 1:
                self._expect_key = False
            elif ch == "," and self._depth == 1:
                self._end_scalar(pos, out)
                self._expect_key = True
            elif self._starts_literal(ch):
                self._value_start = pos  # a number or literal
        if say:  # speech still open at the end of the piece (closed speech is out already)
            out.append(SayText("".join(say)))
        return out

    def _starts_literal(self, ch: str) -> bool:
        return (
            self._depth == 1
            and self._key is not None
            and self._value_start < 0
            and not ch.isspace()
        )

    def _string_char(self, ch: str, pos: int, say: list[str], out: list[Parsed]) -> None:
        if self._escape:
            self._escape = False
        elif ch == "\\":
            self._escape = True
            return
        elif ch == '"':
            self._in_string = False
            if self._depth == 1 and self._key_start >= 0:
                self._key = self.text[self._key_start : pos]
                self._key_start = -1
                self._value_start = -1
            elif self._depth == 1 and self._key is not None and self._key not in SPEECH:
                self._emit(pos + 1, out)
            elif self._depth == 1 and self._key in SPEECH:
                # Announce the end of speech at once: the last phrase can go to the voice
                # while the model is still writing the emotion and actions.
                if say:
                    out.append(SayText("".join(say)))
                    say.clear()
                out.append(Field(self._key, None))
                self._key = None
            return
        if self._depth == 1 and self._key in SPEECH and self._key_start < 0:
            say.append(ch)

    def _open(self, ch: str, pos: int) -> None:
        self._depth += 1
        if self._depth == 1:
            self._expect_key = True
        elif self._depth == 2 and self._value_start < 0:
            self._value_start = pos
        elif self._depth == 3 and self._key == "actions" and ch == "{":
            self._item_start = pos

    def _close(self, ch: str, pos: int, out: list[Parsed]) -> None:
        if self._depth == 3 and self._key == "actions" and self._item_start >= 0:
            out.append(ActionItem(json.loads(self.text[self._item_start : pos + 1])))
            self._item_start = -1
        self._depth -= 1
        if self._depth == 1:
            self._emit(pos + 1, out)
        elif self._depth == 0:
            self._end_scalar(pos, out)
            self.complete = True

    def _end_scalar(self, end: int, out: list[Parsed]) -> None:
        if self._key is not None and self._value_start >= 0:
            self._emit(end, out)

    def _emit(self, end: int, out: list[Parsed]) -> None:
        assert self._key is not None
        raw = self.text[self._value_start : end].strip()
        if raw:
            out.append(Field(self._key, json.loads(raw)))
        self._key = None
        self._value_start = -1
