"""What npc needs from each kind of model, as Protocols; the core never imports a model library.

Providers are synchronous and may block: stages call them from worker threads (the model
libraries release the GIL while they compute). A provider instance is loaded once per
process and shared by every session; it must be safe to call from several threads, taking
its own lock where the library is not.

Scheduling stays out of requests: a request is plain data, and the one thing a provider gets
besides it is a ``Control``: whether the work is still wanted, and how urgent it is now (see
``npc.conversation.scheduler``, which orders all model work of the process).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from enum import IntEnum
from typing import Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray

ASR_SAMPLE_RATE = 16_000


class Level(IntEnum):
    """What a unit of model work is for, most urgent first."""

    RESPOND = 0  # a player stopped speaking and waits: their final words, the reply's first words
    SPEAK = 1  # the rest of a reply the player is hearing, before its audio runs out
    TENTATIVE = 2  # a reply begun on the player's pause, which may yet be dropped
    LISTEN = 3  # partial transcripts of a player still speaking
    READ_AHEAD = 4  # the reply's prompt read from those partials
    SPEAK_AHEAD = 5  # the rest of a reply whose audio will not run out for a while yet
    WARM = 6  # the conversation read ahead between turns


# A reply's next words are not urgent while this much of its audio is still to play.
SPEAK_SLACK_S = 1.5


@dataclass(frozen=True, order=True, slots=True)
class Urgency:
    """How urgent a unit of work is; lower is served first."""

    level: Level
    deadline: float = 0.0  # within a level, earliest first (``time.monotonic()`` seconds)

    @staticmethod
    def now(level: Level) -> Urgency:
        return Urgency(level, time.monotonic())

    def current(self, now: float) -> Urgency:
        """This urgency as it stands at ``now``: a reply due to speak later can wait."""
        if self.level is Level.SPEAK and self.deadline - now > SPEAK_SLACK_S:
            return Urgency(Level.SPEAK_AHEAD, self.deadline)
        return self


class Control(Protocol):
    """The handle a provider gets with a request: read it between steps of work."""

    @property
    def cancelled(self) -> bool:
        """The work is no longer wanted: stop at the next step."""
        ...

    @property
    def urgency(self) -> Urgency:
        """How urgent the work is now (it changes: a reply becomes urgent once confirmed)."""
        ...

    @property
    def figures(self) -> dict[str, float]:
        """Where a provider may report what the work cost (``prompt_tokens``,
        ``cached_tokens``, ``prefill_ms``, ``generated_tokens``...)."""
        ...


class ComputeGate(Protocol):
    """Lets one unit of model work run at a time, the most urgent first (one per process)."""

    def hold(self, urgency: Urgency | Callable[[], Urgency]) -> AbstractContextManager[None]:
        """Run the body as one unit, once nothing more urgent waits (``urgency`` may be a
        function, asked again each time the next unit is picked)."""
        ...

    def waiting(self) -> Urgency | None:
        """The most urgent work waiting for the gate, if any."""
        ...


@dataclass(frozen=True, slots=True)
class Capabilities:
    """Facts about a provider that callers may plan around."""

    streaming: bool = False  # yields output before the input is complete
    languages: tuple[str, ...] = ()  # empty: any
    sample_rate: int | None = None


@runtime_checkable
class Embedder(Protocol):
    """Text -> unit-length vectors (rows), for retrieval."""

    dimension: int

    def embed(self, texts: Sequence[str]) -> NDArray[np.float32]: ...


@dataclass(frozen=True, slots=True)
class Transcript:
    text: str
    language: str
    no_speech_prob: float = 0.0


@runtime_checkable
class SpeechRecognizer(Protocol):
    """16 kHz mono float32 audio in [-1, 1] -> text."""

    capabilities: Capabilities

    def transcribe(
        self, audio: NDArray[np.float32], *, language: str | None = None, prompt: str | None = None
    ) -> Transcript: ...


@runtime_checkable
class VoiceActivityDetector(Protocol):
    """Probability of speech for each fixed-size window of 16 kHz audio."""

    window_samples: int

    def speech_probability(self, window: NDArray[np.float32]) -> float: ...

    def reset(self) -> None:
        """Forget the recurrent state (a new stream)."""


@dataclass(frozen=True, slots=True)
class PhonemeTiming:
    """A phoneme (espeak IPA) and how many audio samples it lasts."""

    phoneme: str
    samples: int


@dataclass(frozen=True, slots=True)
class SynthesizedSpeech:
    """One sentence of speech: PCM16 mono bytes at ``sample_rate`` and its phoneme timings.

    The phoneme sample counts add up to the number of samples in ``pcm``.
    """

    pcm: bytes
    sample_rate: int
    text: str
    phonemes: tuple[PhonemeTiming, ...]


@runtime_checkable
class SpeechSynthesizer(Protocol):
    """Text -> speech, a sentence at a time."""

    capabilities: Capabilities

    def synthesize(
        self, text: str, *, rate: float = 1.0, control: Control | None = None
    ) -> Iterator[SynthesizedSpeech]:
        """Sentences of ``text`` spoken; none more (and the one in progress stopped where the
        voice can) once ``control`` is cancelled."""
        ...


@dataclass(frozen=True, slots=True)
class ChatMessage:
    role: str  # "system", "user" or "assistant"
    content: str


@dataclass(frozen=True, slots=True)
class LLMCapabilities:
    prefix_cache: bool = False  # a repeated prompt prefix is not evaluated again
    grammar: bool = False  # accepts a GBNF grammar (else only a JSON schema)
    prefill: bool = False  # can evaluate a prompt ahead of generation (read-ahead is worth it)
    local: bool = False  # computes on this machine's cores (its work goes through the gate)
    batches_sessions: bool = False  # several conversations' steps run as one batch


@dataclass(frozen=True)
class GenerationRequest:
    """One completion: the chat so far and how the assistant's reply must look.

    The reply begins with ``assistant_prefix`` (already decided, not generated); what follows
    must match ``grammar`` (GBNF) or, for providers without grammars, ``json_schema`` (which
    describes the whole reply, prefix included). Requests with the same ``cache_key`` share a
    prompt cache, so keep one key per conversation or character.
    """

    messages: tuple[ChatMessage, ...]
    assistant_prefix: str = ""
    grammar: str | None = None
    json_schema: dict[str, object] | None = None
    max_tokens: int = 200
    temperature: float = 0.4
    cache_key: str = ""
    stable_messages: int = 0  # leading messages that rarely change (cached on disk if possible)
    greedy_after: str | None = None  # once the reply contains this, pick the likeliest tokens
    seed: int | None = None  # sampling seed (simulation runs differ by it); None: the model's
    open_ended: bool = False  # prefill only: the last message is still being written


@runtime_checkable
class LanguageModel(Protocol):
    """A chat model that streams text."""

    llm_capabilities: LLMCapabilities

    def stream(self, request: GenerationRequest, control: Control | None = None) -> Iterator[str]:
        """Yield the reply (after ``assistant_prefix``) piece by piece; stop when cancelled."""
        ...

    def prefill(self, request: GenerationRequest, control: Control | None = None) -> None:
        """Evaluate the prompt now so a later ``stream`` of a request extending it starts fast;
        returns early when cancelled."""
        ...

    def count_tokens(self, text: str) -> int: ...
