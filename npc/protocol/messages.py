"""Wire messages: JSON objects discriminated by ``type``; audio may also travel as binary frames.

Version ``PROTOCOL_VERSION`` follows semver: a client written for 1.x works with any 1.y
server (new optional fields and message types may appear; clients ignore what they do not
know). Every server message carries ``turn_id`` (0 before the first turn).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

PROTOCOL_VERSION = "1.0"
MAX_TEXT = 2000


class _Message(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# -- client -> server ------------------------------------------------------------------


class SceneState(_Message):
    """The game world around the character; omitted lists keep their current value."""

    objects: list[Annotated[str, Field(min_length=1, max_length=80)]] | None = Field(
        None, max_length=200
    )
    locations: list[Annotated[str, Field(min_length=1, max_length=80)]] | None = Field(
        None, max_length=200
    )
    characters: list[Annotated[str, Field(min_length=1, max_length=80)]] | None = Field(
        None, max_length=200
    )


class AudioInput(_Message):
    """The microphone audio the client will send."""

    encoding: Literal["pcm16"] = "pcm16"
    sample_rate: int = Field(16000, ge=8000, le=48000)
    channels: Literal[1] = 1


class Outputs(_Message):
    """What the client wants back."""

    audio: bool = True
    visemes: bool = True
    text: bool = True
    audio_format: Literal["binary", "base64"] = Field(
        "binary",
        description="binary: each `audio` message is followed by one binary frame of PCM16; "
        "base64: the PCM16 is in the message's `data` field.",
    )
    sample_rate: int | None = Field(
        None, ge=8000, le=48000, description="Resample speech to this rate (default: the voice's)."
    )
    viseme_fps: int | None = Field(
        None, ge=10, le=120, description="Also send per-frame viseme weights at this rate."
    )


class Start(_Message):
    """Open a session with a character. Must be the first message."""

    type: Literal["start"] = "start"
    character: str = Field(min_length=1, max_length=64)
    player_id: str = Field("player", min_length=1, max_length=128)
    player_name: str | None = Field(None, max_length=80)
    scene: SceneState | None = None
    audio: AudioInput = Field(default_factory=AudioInput)
    outputs: Outputs = Field(default_factory=Outputs)
    push_to_talk: bool = Field(False, description="Only `end_turn` ends the player's turn.")
    protocol_version: str = PROTOCOL_VERSION


class AudioChunk(_Message):
    """Microphone audio as base64 PCM16 (for engines that prefer text frames)."""

    type: Literal["audio"] = "audio"
    data: str = Field(max_length=1_400_000)


class EndTurn(_Message):
    """The player finished speaking (push-to-talk released)."""

    type: Literal["end_turn"] = "end_turn"


class Text(_Message):
    """A typed line from the player."""

    type: Literal["text"] = "text"
    text: str = Field(min_length=1, max_length=MAX_TEXT)


class SceneUpdate(SceneState):
    type: Literal["scene"] = "scene"


class GameEvent(_Message):
    """Something happened in the world; ``react`` asks the character to respond now."""

    type: Literal["event"] = "event"
    text: str = Field(min_length=1, max_length=500)
    react: bool = False


class ActionResult(_Message):
    """The outcome of an action the server sent."""

    type: Literal["action_result"] = "action_result"
    action_id: str = Field(min_length=1, max_length=64)
    ok: bool
    detail: str = Field("", max_length=500)


class Interrupt(_Message):
    """Stop the character's current reply now."""

    type: Literal["interrupt"] = "interrupt"
    played_ms: float | None = Field(
        None, ge=0, description="How much of the turn's audio the client actually played."
    )


class End(_Message):
    """Close the session (the conversation is saved)."""

    type: Literal["end"] = "end"


ClientMessage = Annotated[
    Start | AudioChunk | EndTurn | Text | SceneUpdate | GameEvent | ActionResult | Interrupt | End,
    Field(discriminator="type"),
]


# -- server -> client ------------------------------------------------------------------


class _ServerPart(BaseModel):
    # Clients ignore what they do not know (the server may add fields within 1.x), so the
    # schema of server messages does not forbid extra properties.
    model_config = ConfigDict(extra="ignore", frozen=True)


class _ServerMessage(_ServerPart):
    turn_id: int = 0


class CharacterInfo(_ServerPart):
    id: str
    name: str
    role: str
    emotions: list[str]
    actions: list[str]


class Ready(_ServerMessage):
    type: Literal["ready"] = "ready"
    session_id: str
    protocol_version: str = PROTOCOL_VERSION
    character: CharacterInfo
    audio_sample_rate: int = Field(description="Sample rate of the speech the server sends.")


class SpeechStartedMsg(_ServerMessage):
    """The player started speaking (if the character was talking, it has been interrupted)."""

    type: Literal["speech_started"] = "speech_started"


class Transcript(_ServerMessage):
    type: Literal["transcript"] = "transcript"
    text: str
    final: bool


class TurnStarted(_ServerMessage):
    """A turn that began without speech: a typed line, or an event the character reacts to.

    Sent before any reply message of the turn, so the client learns its ``turn_id``.
    """

    type: Literal["turn_started"] = "turn_started"
    source: Literal["text", "event"]
    text: str = Field(description="The typed line, or the event's text.")


class ReplyTextMsg(_ServerMessage):
    """A piece of the reply's text as it is generated."""

    type: Literal["reply_text"] = "reply_text"
    text: str


class VisemeMsg(_ServerPart):
    viseme: str
    start_ms: float
    duration_ms: float


class AudioOut(_ServerMessage):
    """A chunk of speech; with binary audio the PCM16 follows in the next (binary) frame."""

    type: Literal["audio"] = "audio"
    index: int
    text: str
    sample_rate: int
    duration_ms: float
    bytes: int
    visemes: list[VisemeMsg] | None = None
    frames: list[dict[str, float]] | None = Field(
        None, description="Per-frame viseme weights at the requested viseme_fps."
    )
    data: str | None = Field(None, description="base64 PCM16 when audio_format is base64.")


class EmotionMsg(_ServerMessage):
    type: Literal["emotion"] = "emotion"
    emotion: str
    intensity: float


class ActionMsg(_ServerMessage):
    """Execute this action; report back with `action_result` and the same `action_id`."""

    type: Literal["action"] = "action"
    action_id: str
    name: str
    args: dict[str, Any]


class Interrupted(_ServerMessage):
    """Stop playing this turn's audio; ``spoken_text`` is what the character got to say."""

    type: Literal["interrupted"] = "interrupted"
    spoken_text: str


class TurnEnd(_ServerMessage):
    """The character's turn is over. Timings are milliseconds."""

    type: Literal["turn_end"] = "turn_end"
    interrupted: bool
    timings: dict[str, float]


class Error(_ServerMessage):
    type: Literal["error"] = "error"
    code: str
    message: str
    fatal: bool = False
    retry_after_s: float | None = Field(
        None, description="With `server_busy`: when a new session may be admitted."
    )


ServerMessage = Annotated[
    Ready
    | SpeechStartedMsg
    | Transcript
    | TurnStarted
    | ReplyTextMsg
    | AudioOut
    | EmotionMsg
    | ActionMsg
    | Interrupted
    | TurnEnd
    | Error,
    Field(discriminator="type"),
]
