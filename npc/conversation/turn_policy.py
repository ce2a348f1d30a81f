"""Who speaks when: the conversation's turn decisions, with no I/O. Events in, commands out.

``TurnPolicy.on(event, now)`` takes what the listener heard, what the client sent and how the
character's reply is going, and returns the commands the session carries out, in order.
Time is whatever clock the caller uses (seconds); tests drive it with scripted timelines.

The decisions:

* **Reply on a pause.** When the player pauses, a reply starts on what they said so far
  (``StartReply(tentative=True)``): it reads its prompt but sends nothing.
* **Confirm** it when the final transcript has the same words (``ConfirmReply``); **drop**
  it unheard when the player goes on or the final words differ (``DropReply``).
* **Barge-in.** The player starts speaking over a reply that has been heard or has acted:
  the reply stops and the player keeps what they heard (``InterruptReply``).
* **Continue.** The player starts speaking again moments after their turn ended and the
  reply has neither been heard nor acted: they were not finished. The reply is withdrawn
  (``RetractReply``) and its words are said again with the next final transcript.
* **Typed lines** open a turn at once (interrupting a reply in progress); **events** with
  ``react`` open one when the character and the player are both quiet.
* **Read-ahead.** While the player speaks, the reply's prompt is read from the newest
  partial transcript (``ReadAhead``); it stops when their turn ends (``StopReadAhead``).
  Between turns the conversation so far is read ahead (``Warm``).

One counter numbers every turn, spoken, typed or reacted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from npc.events import (
    FinalTranscript,
    Heard,
    PartialTranscript,
    SpeechPaused,
    SpeechResumed,
    SpeechStarted,
    SpeechStopped,
)

# Speech this soon after a silent reply began continues the player's turn: people pause
# at commas for longer than the end-of-turn wait (docs/protocol.md, "Barge-in").
CONTINUE_WINDOW_S = 2.0


# -- what comes in ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Typed:
    """A line the player typed."""

    text: str


@dataclass(frozen=True, slots=True)
class GameEventIn:
    """Something happened in the game; ``react``: the character should answer it now."""

    text: str
    react: bool = False


@dataclass(frozen=True, slots=True)
class InterruptIn:
    """The client stopped the reply; ``played_ms`` of its audio were heard (None: unknown)."""

    played_ms: float | None = None


@dataclass(frozen=True, slots=True)
class ReplyHeard:
    """The reply of ``turn_id`` sent its first audio (or text, for a text-only client)."""

    turn_id: int


@dataclass(frozen=True, slots=True)
class ReplyActed:
    """The reply of ``turn_id`` sent an action to the game."""

    turn_id: int


@dataclass(frozen=True, slots=True)
class ReplyDone:
    """The reply of ``turn_id`` has finished on its own."""

    turn_id: int


PolicyEvent = Heard | Typed | GameEventIn | InterruptIn | ReplyHeard | ReplyActed | ReplyDone


# -- what goes out ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StartReply:
    turn_id: int
    text: str  # the player's words ("" reacts to the pending game events)
    tentative: bool = False  # the player may not be done: send nothing until confirmed


@dataclass(frozen=True, slots=True)
class ConfirmReply:
    turn_id: int


@dataclass(frozen=True, slots=True)
class DropReply:
    """Stop a reply the client never heard of; forget it."""

    turn_id: int


@dataclass(frozen=True, slots=True)
class InterruptReply:
    """Stop a reply the player has heard; keep what they heard of it."""

    turn_id: int
    played_ms: float | None = None


@dataclass(frozen=True, slots=True)
class RetractReply:
    """Stop a confirmed reply that said and did nothing: the player was not finished."""

    turn_id: int


@dataclass(frozen=True, slots=True)
class SendSpeechStarted:
    turn_id: int


@dataclass(frozen=True, slots=True)
class SendTranscript:
    turn_id: int
    text: str
    final: bool


@dataclass(frozen=True, slots=True)
class SendTurnStarted:
    turn_id: int
    source: Literal["text", "event"]
    text: str


@dataclass(frozen=True, slots=True)
class ReadAhead:
    """Read the reply's prompt for these words while the player speaks."""

    text: str


@dataclass(frozen=True, slots=True)
class StopReadAhead:
    pass


@dataclass(frozen=True, slots=True)
class Warm:
    """Read the conversation so far ahead of the player's next turn."""


Command = (
    StartReply
    | ConfirmReply
    | DropReply
    | InterruptReply
    | RetractReply
    | SendSpeechStarted
    | SendTranscript
    | SendTurnStarted
    | ReadAhead
    | StopReadAhead
    | Warm
)


# -- the state ----------------------------------------------------------------------------


@dataclass(slots=True)
class ReplyState:
    """The reply in progress, as far as turn-taking cares."""

    turn_id: int
    text: str
    started_s: float
    confirmed: bool
    heard: bool = False
    acted: bool = False


@dataclass(frozen=True, slots=True)
class PolicyConfig:
    reply_on_pause: bool = True  # start replies on the player's pause (llm.reply_on_pause)
    read_ahead: bool = True  # read the prompt from partial transcripts (llm.prefill_partial)
    continue_window_s: float = CONTINUE_WINDOW_S


@dataclass
class TurnPolicy:
    """The turn-taking state of one conversation (see the module docstring)."""

    config: PolicyConfig = field(default_factory=PolicyConfig)
    next_turn: int = 1
    reply: ReplyState | None = None
    speaking: int | None = None  # the player's turn in progress, if any
    unfinished: str = ""  # words of a turn the player went on with
    reading_ahead: bool = False

    def new_turn(self) -> int:
        """The next turn id (the listener numbers spoken turns with it too)."""
        turn, self.next_turn = self.next_turn, self.next_turn + 1
        return turn

    def on(self, event: PolicyEvent, now: float) -> list[Command]:
        """The commands for ``event`` at time ``now``, in the order to carry them out."""
        handler = _HANDLERS.get(type(event))
        return handler(self, event, now) if handler is not None else []

    # -- the player's voice ----------------------------------------------------------

    def _speech_started(self, event: SpeechStarted, now: float) -> list[Command]:
        self.speaking = event.turn_id
        self.next_turn = max(self.next_turn, event.turn_id + 1)  # numbered by new_turn()
        return [*self._stop_for_speech(now), SendSpeechStarted(event.turn_id)]

    def _stop_for_speech(self, now: float) -> list[Command]:
        reply = self.reply
        if reply is None:
            return []
        if not reply.confirmed:  # a reply to a pause the player has now ended: not possible
            return self._drop()
        if (
            not (reply.heard or reply.acted)
            and now - reply.started_s < self.config.continue_window_s
        ):
            self.reply = None
            self.unfinished = reply.text
            return [RetractReply(reply.turn_id)]
        self.reply = None
        return [InterruptReply(reply.turn_id)]

    def _partial(self, event: PartialTranscript, now: float) -> list[Command]:
        out: list[Command] = [SendTranscript(event.turn_id, event.text, final=False)]
        if self.config.read_ahead and self.reply is None:
            self.reading_ahead = True
            out.append(ReadAhead(self._with_unfinished(event.text)))
        return out

    def _paused(self, event: SpeechPaused, now: float) -> list[Command]:
        if not self.config.reply_on_pause or self.reply is not None:
            return []
        text = self._with_unfinished(event.text)
        if not text:
            return []
        self.reply = ReplyState(event.turn_id, text, now, confirmed=False)
        return [*self._stop_read_ahead(), StartReply(event.turn_id, text, tentative=True)]

    def _resumed(self, event: SpeechResumed, now: float) -> list[Command]:
        reply = self.reply
        if reply is not None and not reply.confirmed and reply.turn_id == event.turn_id:
            return self._drop()
        return []

    def _stopped(self, event: SpeechStopped, now: float) -> list[Command]:
        if self.speaking == event.turn_id:
            self.speaking = None
        return self._stop_read_ahead()  # the final transcript is next; the reply needs the model

    def _final(self, event: FinalTranscript, now: float) -> list[Command]:
        out: list[Command] = [SendTranscript(event.turn_id, event.text, final=True)]
        if self.speaking == event.turn_id:  # the stream ended without a SpeechStopped
            self.speaking = None
        text = self._with_unfinished(event.text)
        self.unfinished = ""
        reply = self.reply
        if reply is not None and not reply.confirmed and reply.turn_id == event.turn_id:
            if reply.text == text:
                reply.confirmed = True
                return [*out, ConfirmReply(reply.turn_id)]
            out += self._drop()  # begun on words that turned out otherwise
        if self.speaking is not None:
            # The player is already speaking again: these words open their next turn.
            self.unfinished = text
            return out
        if not text:
            return out
        out += self._stop_reply()
        self.reply = ReplyState(event.turn_id, text, now, confirmed=True)
        return [*out, *self._stop_read_ahead(), StartReply(event.turn_id, text)]

    # -- the client ------------------------------------------------------------------

    def _typed(self, event: Typed, now: float) -> list[Command]:
        out = self._stop_reply()
        turn = self.new_turn()
        self.reply = ReplyState(turn, event.text, now, confirmed=True)
        return [*out, SendTurnStarted(turn, "text", event.text), StartReply(turn, event.text)]

    def _game_event(self, event: GameEventIn, now: float) -> list[Command]:
        # Reacting while the player speaks would talk over them: the event is answered with
        # their turn instead, as every pending event is.
        if not event.react or self.reply is not None or self.speaking is not None:
            return []
        turn = self.new_turn()
        self.reply = ReplyState(turn, "", now, confirmed=True)
        return [SendTurnStarted(turn, "event", event.text), StartReply(turn, "")]

    def _interrupt(self, event: InterruptIn, now: float) -> list[Command]:
        reply = self.reply
        if reply is None:
            return []
        if not reply.confirmed:
            return self._drop()
        self.reply = None
        return [InterruptReply(reply.turn_id, event.played_ms), Warm()]

    # -- the reply -------------------------------------------------------------------

    def _heard(self, event: ReplyHeard, now: float) -> list[Command]:
        if self.reply is not None and self.reply.turn_id == event.turn_id:
            self.reply.heard = True
        return []

    def _acted(self, event: ReplyActed, now: float) -> list[Command]:
        if self.reply is not None and self.reply.turn_id == event.turn_id:
            self.reply.acted = True
        return []

    def _done(self, event: ReplyDone, now: float) -> list[Command]:
        reply = self.reply
        if reply is None or reply.turn_id != event.turn_id or not reply.confirmed:
            return []  # already stopped (a reply never ends before its turn is confirmed)
        self.reply = None
        return [] if self.speaking is not None else [Warm()]

    # -- helpers ---------------------------------------------------------------------

    def _drop(self) -> list[Command]:
        reply, self.reply = self.reply, None
        return [DropReply(reply.turn_id)] if reply is not None else []

    def _stop_reply(self) -> list[Command]:
        """Stop whatever reply is in progress to make way for a new turn."""
        reply = self.reply
        if reply is None:
            return []
        if not reply.confirmed:
            return self._drop()
        self.reply = None
        return [InterruptReply(reply.turn_id)]

    def _stop_read_ahead(self) -> list[Command]:
        if not self.reading_ahead:
            return []
        self.reading_ahead = False
        return [StopReadAhead()]

    def _with_unfinished(self, text: str) -> str:
        return " ".join(t for t in (self.unfinished, text.strip()) if t)


_HANDLERS: dict[type, Callable[[TurnPolicy, Any, float], list[Command]]] = {
    SpeechStarted: TurnPolicy._speech_started,
    PartialTranscript: TurnPolicy._partial,
    SpeechPaused: TurnPolicy._paused,
    SpeechResumed: TurnPolicy._resumed,
    SpeechStopped: TurnPolicy._stopped,
    FinalTranscript: TurnPolicy._final,
    Typed: TurnPolicy._typed,
    GameEventIn: TurnPolicy._game_event,
    InterruptIn: TurnPolicy._interrupt,
    ReplyHeard: TurnPolicy._heard,
    ReplyActed: TurnPolicy._acted,
    ReplyDone: TurnPolicy._done,
}
