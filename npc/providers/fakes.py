"""Test doubles for every provider role, with scripted replies and timings.

For unit tests of one stage and for timelines of the conversation core without models. They
are fakes and say so: none of them listens, understands or speaks. Pipeline tests use the real
models (tests/plugins, tests/server).

- ``ScriptedModel``: replies from a function of the request, in small pieces, honouring the
  control handle; records every request and the urgency it was made at.
- ``ScriptedRecognizer``: a transcript from a function of the audio.
- ``EnergyVad``: "speech" wherever the audio is loud (so tests can feed tones and silence).
- ``ToneSynthesizer``: a tone as long as the text takes to say, with one phoneme per letter.
- ``HashingEmbedder``: bag-of-words vectors (texts sharing words are close).
- ``RecordingGate``: a compute gate that runs units one at a time and records them.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from npc.errors import ProviderError
from npc.providers.base import (
    Capabilities,
    Control,
    GenerationRequest,
    Level,
    LLMCapabilities,
    PhonemeTiming,
    SynthesizedSpeech,
    Transcript,
    Urgency,
)


def say(text: str, emotion: str = "neutral", actions: Sequence[dict[str, object]] = ()) -> str:
    """The JSON of a reply in npc's say-first format (``npc.actions.reply.ReplyFormat``)."""
    reply = {"say": text, "emotion": emotion, "intensity": 1, "actions": list(actions)}
    return json.dumps(reply, ensure_ascii=False)


def in_layout(text: str, prefix: str) -> str:
    """A scripted reply (``say``) in the layout ``prefix`` opens: its field moved first, as
    a reply to a line that must act is written (``npc.actions.reply.ACT_SAY``)."""
    first = re.match(r'\{"(\w+)": ', prefix)
    if text.startswith(prefix) or first is None:
        return text
    try:
        reply = json.loads(text)
    except ValueError:
        return text
    if not isinstance(reply, dict) or first.group(1) not in reply:
        return text
    field_ = first.group(1)
    return json.dumps({field_: reply[field_], **reply}, ensure_ascii=False)


@dataclass
class ScriptedModel:
    """A language model whose replies are scripted (``reply(request) -> JSON text``)."""

    reply: Callable[[GenerationRequest], str] = lambda request: say("Hello.")
    piece_chars: int = 4  # characters per streamed piece
    piece_s: float = 0.0  # seconds per piece (a model that takes its time)
    prefill_s: float = 0.0  # seconds a prefill takes, unless cancelled first
    context_size: int = 4096
    llm_capabilities: LLMCapabilities = field(
        default_factory=lambda: LLMCapabilities(prefill=True, local=True)
    )
    requests: list[GenerationRequest] = field(default_factory=list)
    prefills: list[GenerationRequest] = field(default_factory=list)
    urgencies: list[Urgency] = field(default_factory=list)  # the control's, at each request
    ended: list[float] = field(default_factory=list)  # when each stream stopped writing

    def count_tokens(self, text: str) -> int:
        return len(text.split()) + 1

    def prefill(self, request: GenerationRequest, control: Control | None = None) -> None:
        self.prefills.append(request)
        if control is not None:
            self.urgencies.append(control.urgency)
        deadline = time.monotonic() + self.prefill_s
        while time.monotonic() < deadline and not (control is not None and control.cancelled):
            time.sleep(0.005)

    def stream(self, request: GenerationRequest, control: Control | None = None) -> Iterator[str]:
        self.requests.append(request)
        if control is not None:
            self.urgencies.append(control.urgency)
        prefix = request.assistant_prefix
        text = in_layout(self.reply(request), prefix)
        if not text.startswith(prefix):
            raise ValueError(f"a scripted reply must start with {prefix!r}: {text!r}")
        rest = text[len(prefix) :]
        try:
            for i in range(0, len(rest), self.piece_chars):
                if control is not None and control.cancelled:
                    return
                if self.piece_s:
                    time.sleep(self.piece_s)
                yield rest[i : i + self.piece_chars]
        finally:
            self.ended.append(time.monotonic())


@dataclass
class ScriptedRecognizer:
    """Speech recognition that answers ``transcript(audio)`` (default: always the same line)."""

    transcript: Callable[[NDArray[np.float32]], str] = lambda audio: "Hello there."
    delay_s: float = 0.0
    capabilities: Capabilities = field(default_factory=Capabilities)
    calls: list[float] = field(default_factory=list)  # seconds of audio of each call

    def transcribe(
        self, audio: NDArray[np.float32], *, language: str | None = None, prompt: str | None = None
    ) -> Transcript:
        self.calls.append(audio.size / 16_000)
        if self.delay_s:
            time.sleep(self.delay_s)
        return Transcript(self.transcript(audio), language or "en", 0.0)


@dataclass
class EnergyVad:
    """Voice activity from loudness alone: windows with RMS above ``threshold`` are speech."""

    threshold: float = 0.02
    window_samples: int = 512

    def speech_probability(self, window: NDArray[np.float32]) -> float:
        rms = float(np.sqrt(np.mean(np.square(window, dtype=np.float64))))
        return 0.95 if rms >= self.threshold else 0.02

    def reset(self) -> None:
        return None


@dataclass
class ToneSynthesizer:
    """Says text as a quiet tone, ``seconds_per_char`` long per character; one phoneme a
    letter, so the viseme track has something to time."""

    sample_rate: int = 16_000
    seconds_per_char: float = 0.06
    delay_s: float = 0.0
    capabilities: Capabilities = field(default_factory=lambda: Capabilities(sample_rate=16_000))
    said: list[str] = field(default_factory=list)
    fail_after: int | None = None  # sentences said before the voice dies (ProviderError)

    def synthesize(
        self, text: str, *, rate: float = 1.0, control: Control | None = None
    ) -> Iterator[SynthesizedSpeech]:
        for sentence in filter(None, (s.strip() for s in re.split(r"(?<=[.!?])\s+", text))):
            if control is not None and control.cancelled:
                return
            if self.fail_after is not None and len(self.said) >= self.fail_after:
                raise ProviderError("the voice died (test double)")
            if self.delay_s:
                time.sleep(self.delay_s)
            self.said.append(sentence)
            letters = [c for c in sentence if c.isalpha()] or ["a"]
            per = max(1, int(self.sample_rate * self.seconds_per_char / rate))
            n = per * len(letters)
            tone = (0.1 * np.sin(np.arange(n) * 2 * np.pi * 220 / self.sample_rate) * 32767).astype(
                np.int16
            )
            phonemes = tuple(PhonemeTiming(c.lower(), per) for c in letters)
            yield SynthesizedSpeech(tone.tobytes(), self.sample_rate, sentence, phonemes)


@dataclass
class HashingEmbedder:
    """Bag-of-words vectors: each word hashed to a dimension; texts sharing words are close."""

    dimension: int = 256

    def embed(self, texts: Sequence[str]) -> NDArray[np.float32]:
        out = np.zeros((len(texts), self.dimension), np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"[a-z0-9']+", text.lower()):
                h = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=4).digest(), "big")
                out[row, h % self.dimension] += 1.0
            norm = np.linalg.norm(out[row])
            out[row] = out[row] / norm if norm else 1.0 / np.sqrt(self.dimension)
        return out


class RecordingGate:
    """A compute gate that runs units one at a time, in arrival order, and records each."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.units: list[Urgency] = []
        self._inside = 0

    @property
    def inside(self) -> bool:
        """Whether a unit is running now (a provider checks it is called inside the gate)."""
        return self._inside > 0

    @contextmanager
    def hold(self, urgency: Urgency | Callable[[], Urgency]) -> Iterator[None]:
        with self._lock:
            self.units.append(urgency() if callable(urgency) else urgency)
            self._inside += 1
            try:
                yield
            finally:
                self._inside -= 1

    def waiting(self) -> Urgency | None:
        return None

    def levels(self) -> list[Level]:
        return [u.level for u in self.units]
