"""What npc needs from each kind of model, as Protocols; the core never imports a model library.

Providers are synchronous and may block: stages call them from worker threads (the model
libraries release the GIL while they compute). A provider instance is loaded once per
process and shared by every session; it must be safe to call from several threads, taking
its own lock where the library is not.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray

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
