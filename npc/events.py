"""The events that flow through a session, from microphone audio to the character's speech.

Plain frozen dataclasses (cheap on the hot path); every event carries the ``turn_id`` of the
turn it belongs to, so a cancelled turn's late events can be recognised and dropped. The wire
messages in ``npc.protocol`` are built from these at the edge.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Viseme:
    """One mouth shape held from ``start_ms`` for ``duration_ms`` (relative to its chunk)."""

    viseme: str  # one of npc.visemes.VISEMES (Oculus/OVR: sil, PP, FF, ..., ou)
    start_ms: float
    duration_ms: float


@dataclass(frozen=True, slots=True)
class SpeechStarted:
    turn_id: int
    at_s: float  # stream time (seconds of audio received) where speech began
    # The turn this one goes on from (the player paused longer than the end-of-turn wait):
    # its audio is heard again with this turn's, so this turn's transcripts carry its words.
    rejoins: int | None = None


@dataclass(frozen=True, slots=True)
class SpeechStopped:
    """The player stopped speaking (or pressed to end the turn); the turn is over."""

    turn_id: int
    at_s: float  # stream time where speech ended
    decided_s: float  # stream time when the end of turn was decided


@dataclass(frozen=True, slots=True)
class PartialTranscript:
    turn_id: int
    text: str


@dataclass(frozen=True, slots=True)
class SpeechPaused:
    """The player has gone quiet in their turn; ``text`` is everything they said in it so far,
    which becomes the final transcript if they stay quiet until the end of turn is decided."""

    turn_id: int
    text: str


@dataclass(frozen=True, slots=True)
class SpeechResumed:
    """The player spoke again after a ``SpeechPaused``: that turn goes on."""

    turn_id: int


@dataclass(frozen=True, slots=True)
class FinalTranscript:
    turn_id: int
    text: str
    audio_s: float  # seconds of speech transcribed


@dataclass(frozen=True, slots=True)
class ReplyText:
    """A piece of the reply's text as it is generated (a token or a few)."""

    turn_id: int
    text: str


@dataclass(frozen=True, slots=True)
class Phrase:
    """A complete phrase or sentence of the reply, ready to speak."""

    turn_id: int
    index: int
    text: str


@dataclass(frozen=True, slots=True)
class Emotion:
    turn_id: int
    emotion: str
    intensity: float  # 0..1


@dataclass(frozen=True, slots=True)
class ActionCall:
    """A validated call of one of the character's actions, for the game to execute."""

    turn_id: int
    action_id: str
    name: str
    args: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SpeechAudio:
    """A chunk of the character's speech: PCM16 mono audio, its text and its mouth shapes.

    The visemes cover the chunk exactly: the first starts at 0 and the last ends at the
    chunk's duration.
    """

    turn_id: int
    index: int
    pcm: bytes
    sample_rate: int
    text: str
    visemes: tuple[Viseme, ...]

    @property
    def duration_ms(self) -> float:
        return len(self.pcm) / 2 / self.sample_rate * 1000


@dataclass(frozen=True, slots=True)
class TurnEnded:
    """The character finished (or was interrupted); ``timings`` are milliseconds per stage."""

    turn_id: int
    interrupted: bool
    spoken_text: str
    timings: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ErrorEvent:
    turn_id: int
    code: str
    message: str
    fatal: bool = False


# What the listener says of the player's voice.
Heard = (
    SpeechStarted
    | SpeechStopped
    | PartialTranscript
    | SpeechPaused
    | SpeechResumed
    | FinalTranscript
)

Event = (
    SpeechStarted
    | SpeechStopped
    | PartialTranscript
    | SpeechPaused
    | SpeechResumed
    | FinalTranscript
    | ReplyText
    | Phrase
    | Emotion
    | ActionCall
    | SpeechAudio
    | TurnEnded
    | ErrorEvent
)
