"""The two sides of a simulated conversation: a character's ``Mind`` or a person typing.

A side answers what it heard with a ``Line``. The conversation loop only knows the ``Side``
protocol, so a spoken mode is another side: a ``LineSource`` that records the trainee's
microphone and transcribes it (``npc.voice.listener``), and plays the other side's lines
through ``npc.voice.speaker`` in ``show`` (see docs/simulate.md).
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol, TextIO

from npc.character.prompt import user_text
from npc.conversation.scheduler import Job
from npc.events import Emotion, ErrorEvent
from npc.mind.mind import Exchange, Mind, TurnResult
from npc.providers.base import Level
from npc.simulate.records import ActionTaken


@dataclass(frozen=True, slots=True)
class Line:
    """What a side said in one turn; ``ended`` when it left the conversation instead."""

    text: str
    emotion: str = ""
    intensity: float = 0.0
    actions: tuple[ActionTaken, ...] = ()
    timings: dict[str, float] = field(default_factory=dict)
    source: str = "model"
    errors: tuple[str, ...] = ()
    ended: bool = False


class Side(Protocol):
    """One participant of a conversation."""

    name: str

    async def speak(self, turn: int, heard: str | None, script: str | None = None) -> Line:
        """Answer ``heard`` (None: open the conversation, with ``script`` if given)."""
        ...

    def observe(self, event: str) -> None:
        """Something happened in the scene (the other side acted)."""
        ...


class SimulatedSide:
    """A character played by its ``Mind``, the same one live sessions use."""

    def __init__(self, mind: Mind) -> None:
        self.mind = mind
        self.name = mind.sheet.name

    async def speak(self, turn: int, heard: str | None, script: str | None = None) -> Line:
        mind = self.mind
        if heard is None and script is not None:
            return self._scripted(script)
        if heard is None:
            mind.add_event(f"You speak first: start the conversation with {mind.partner}.")
        result = TurnResult()
        intensity = 0.35
        errors: list[str] = []
        control = Job(Level.RESPOND)
        try:
            async for event in mind.respond(turn, heard or "", control=control, result=result):
                if isinstance(event, Emotion):
                    intensity = event.intensity
                elif isinstance(event, ErrorEvent):
                    errors.append(f"{event.code}: {event.message}")
        except asyncio.CancelledError:
            control.cancel()  # Ctrl-C: stop the model now, not at the end of its reply
            raise
        for call in result.actions:
            mind.add_action_result(call.action_id, True)  # the simulated world always obliges
        return Line(
            result.say.strip(),
            result.emotion,
            intensity,
            tuple(ActionTaken(a.name, dict(a.args)) for a in result.actions),
            {k: round(v, 1) for k, v in result.timings.items()},
            "model",
            tuple(errors),
        )

    def _scripted(self, text: str) -> Line:
        """The scenario's opening line, put in the character's mouth and its history."""
        mind = self.mind
        events = [*mind.pending, f"You speak first: start the conversation with {mind.partner}."]
        user = user_text("", events=events, player_name=mind.partner)
        emotion = mind.sheet.emotions.default
        mind.history.append(Exchange(user, mind.format.render(text, emotion, 1, [])))
        mind.pending = []
        return Line(text, emotion, 0.35, source="script")

    def observe(self, event: str) -> None:
        self.mind.add_event(event)


class LineSource(Protocol):
    """Where a person's lines come from (typed now; spoken later), and where they see events."""

    async def read_line(self, prompt: str) -> str | None:
        """The next line, or None when the person ends the conversation."""
        ...

    def show(self, text: str) -> None: ...


class TypedLines:
    """Lines typed on a text stream (stdin by default); an empty stream or /quit ends."""

    def __init__(
        self, stream: TextIO | None = None, out: Callable[[str], None] | None = None
    ) -> None:
        self.stream = stream
        self.out = out or (lambda text: print(text, flush=True))

    async def read_line(self, prompt: str) -> str | None:
        self.out(prompt)
        while True:
            stream = self.stream or sys.stdin
            raw: str = await asyncio.to_thread(stream.readline)  # keeps the event loop free
            if not raw:
                return None
            line = raw.strip()
            if line in ("/quit", "/exit"):
                return None
            if line:
                return line

    def show(self, text: str) -> None:
        self.out(text)


class HumanSide:
    """A trainee playing one participant; the character's sheet only lends its name."""

    def __init__(self, name: str, source: LineSource) -> None:
        self.name = name
        self.source = source

    async def speak(self, turn: int, heard: str | None, script: str | None = None) -> Line:
        hint = f" (suggested opening: {script})" if heard is None and script else ""
        text = await self.source.read_line(f"[turn {turn}] you are {self.name}{hint}; type a line:")
        if text is None:
            return Line("", source="human", ended=True)
        return Line(text, source="human")

    def observe(self, event: str) -> None:
        self.source.show(f"[game] {event}")
