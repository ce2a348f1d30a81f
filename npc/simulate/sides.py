"""A side of a simulated conversation: a character played by its ``Mind``.

A side answers what it heard with a ``Line``. The conversation loop only knows the ``Side``
protocol; a person in the loop (typing or speaking, through a server as a game would) is a
pair of sides in ``npc.simulate.trainee``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol, TextIO

from npc.character.prompt import user_text
from npc.conversation.scheduler import Job
from npc.events import Emotion, ErrorEvent
from npc.mind.mind import Exchange, Mind, TurnResult
from npc.providers.base import Level
from npc.simulate.guard import Flaw, Person, Said, clean_part, line_flaws
from npc.simulate.records import ActionTaken, Rejected


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
    rejected: tuple[Rejected, ...] = ()


class Side(Protocol):
    """One participant of a conversation."""

    name: str

    async def speak(
        self, turn: int, heard: str | None, script: str | None, earlier: Sequence[Said]
    ) -> Line:
        """Answer ``heard`` (None: open the conversation, with ``script`` if given);
        ``earlier`` is the conversation so far."""
        ...

    def observe(self, event: str) -> None:
        """Something happened in the scene (the other side acted)."""
        ...


class SimulatedSide:
    """A character played by its ``Mind``, the same one live sessions use.

    Each line is checked by ``npc.simulate.guard``; a line that echoes the other side, speaks
    as the other side or repeats the speaker is taken back (``Mind.retract``) and asked for
    again, with a note saying what was wrong, up to ``retries`` times; a last line flawed only
    in some sentences is said without them. ``reminder`` goes with every turn (who the
    character is, and its temperament in this variation): small models drift into the
    other's role or mood over a long dialogue.
    """

    def __init__(
        self,
        mind: Mind,
        *,
        role: str,
        cast: Mapping[str, Person],
        retries: int = 2,
        reminder: str = "",
    ) -> None:
        self.mind = mind
        self.name = mind.sheet.name
        self.role = role
        self.cast = cast
        self.retries = retries
        self.reminder = reminder

    async def speak(
        self, turn: int, heard: str | None, script: str | None, earlier: Sequence[Said]
    ) -> Line:
        mind = self.mind
        if heard is None and script is not None:
            return self._scripted(script)
        if heard is None:
            mind.add_event(f"You speak first: start the conversation with {mind.partner}.")
        if self.reminder:
            mind.add_event(self.reminder)
        rejected: list[Rejected] = []
        while True:
            line, result = await self._reply(turn, heard)
            flaws = line_flaws(line.text, turn, self.role, earlier, self.cast)
            problems = [f.describe() for f in flaws] or ([] if line.text else ["empty line"])
            if not problems or len(rejected) >= self.retries:
                break
            rejected.append(Rejected(line.text, tuple(problems)))
            mind.retract(turn, result)  # its events wait for the next try
            mind.add_event(self._correction(flaws))
        part = clean_part(line.text, turn, self.role, earlier, self.cast) if problems else ""
        if part:
            # Still broken after every try, but only in some sentences: the others are said.
            rejected.append(Rejected(line.text, (*problems, "said without those sentences")))
            mind.amend(turn, part, result)
            line, problems = dataclasses.replace(line, text=part), []
        if problems:
            # Still broken after every try: it was said, but it stays out of this side's own
            # prompt, where a small model would copy it again next turn (as the Mind does for
            # echoes of the player).
            for exchange in mind.history:
                if exchange.turn_id == turn:
                    exchange.echo = True
        for call in result.actions:
            mind.add_action_result(call.action_id, True)  # the simulated world always obliges
        return dataclasses.replace(line, rejected=tuple(rejected))

    def _correction(self, flaws: Sequence[Flaw]) -> str:
        me, other = self.cast[self.role], self._other()
        kinds = {f.kind for f in flaws}
        asks = []
        if "inversion" in kinds:
            asks.append(f"speak as yourself, {me.name}, the {me.role}, not as {other.first_name}")
        if "echo" in kinds:
            asks.append(f"do not repeat {other.first_name}'s words")
        if kinds & {"self_repeat", "loop"}:
            asks.append("do not repeat what you said before; move the conversation on")
        if not asks:
            asks.append(f"answer {other.first_name} in a sentence or two")
        return "Your last reply was not right: " + "; ".join(asks) + "."

    def _other(self) -> Person:
        return next(p for role, p in self.cast.items() if role != self.role)

    async def _reply(self, turn: int, heard: str | None) -> tuple[Line, TurnResult]:
        mind = self.mind
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
        line = Line(
            result.say.strip(),
            result.emotion,
            intensity,
            tuple(ActionTaken(a.name, dict(a.args)) for a in result.actions),
            {k: round(v, 1) for k, v in result.timings.items()},
            "model",
            tuple(errors),
        )
        return line, result

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
