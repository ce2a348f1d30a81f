"""What npc needs from each kind of model, as Protocols; the core never imports a model library.

Providers are synchronous and may block: stages call them from worker threads (the model
libraries release the GIL while they compute). A provider instance is loaded once per
process and shared by every session; it must be safe to call from several threads, taking
its own lock where the library is not.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray

from npc.threads import Hold

ASR_SAMPLE_RATE = 16_000


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

    def synthesize(self, text: str, *, rate: float = 1.0) -> Iterator[SynthesizedSpeech]: ...


@dataclass(frozen=True, slots=True)
class ChatMessage:
    role: str  # "system", "user" or "assistant"
    content: str


@dataclass(frozen=True, slots=True)
class LLMCapabilities:
    prefix_cache: bool = False  # a repeated prompt prefix is not evaluated again
    grammar: bool = False  # accepts a GBNF grammar (else only a JSON schema)
    prefill: bool = False  # can evaluate a prompt ahead of generation


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
    cancel: threading.Event | None = None
    stable_messages: int = 0  # leading messages that rarely change (cached on disk if possible)
    greedy_after: str | None = None  # once the reply contains this, pick the likeliest tokens
    seed: int | None = None  # sampling seed (simulation runs differ by it); None: the model's
    open_ended: bool = False  # prefill only: the last message is still being written
    hold: Hold | None = None  # generation pauses between tokens while this is held
    # Unset while the reply may yet be abandoned (it began before the player's turn was
    # surely over): the prompt is read in small steps that ``cancel`` stops. None: sure.
    sure: threading.Event | None = None


@runtime_checkable
class LanguageModel(Protocol):
    """A chat model that streams text."""

    llm_capabilities: LLMCapabilities

    def stream(self, request: GenerationRequest) -> Iterator[str]:
        """Yield the reply (after ``assistant_prefix``) piece by piece; stop when cancelled."""
        ...

    def prefill(self, request: GenerationRequest) -> None:
        """Evaluate the prompt now so a later ``stream`` of a request extending it starts fast."""
        ...

    def count_tokens(self, text: str) -> int: ...
