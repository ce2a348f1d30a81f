"""Speech recognition with faster-whisper (CTranslate2 Whisper models, int8 on the CPU).

Tuned for short conversational turns: the language is given (no detection pass), greedy
decoding at temperature 0 with no fallback, no timestamps, no conditioning on earlier text
and no built-in VAD (the listener already cut the turn).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from npc.errors import ModelLoadError, ProviderError
from npc.providers.base import ASR_SAMPLE_RATE, Capabilities, Transcript
from npc.providers.registry import ProviderContext


class WhisperRecognizer:
    """A Whisper model loaded once and shared; calls are serialised by a lock."""

    def __init__(self, path: Path, *, threads: int = 2, compute_type: str = "int8") -> None:
        from faster_whisper import WhisperModel

        try:
            self._model: Any = WhisperModel(
                str(path), device="cpu", compute_type=compute_type, cpu_threads=threads
            )
        except Exception as exc:  # CTranslate2 raises RuntimeError/ValueError for bad folders
            raise ModelLoadError(f"cannot load the Whisper model in {path}: {exc}") from exc
        # CTranslate2 queues concurrent calls anyway; the lock also guards faster-whisper's
        # Python-side feature extractor, which keeps per-call state on the instance.
        self._lock = threading.Lock()
        multilingual = bool(self._model.model.is_multilingual)
        self.capabilities = Capabilities(
            streaming=False,
            languages=() if multilingual else ("en",),
            sample_rate=ASR_SAMPLE_RATE,
        )

    @classmethod
    def from_context(cls, ctx: ProviderContext) -> WhisperRecognizer:
        """Registry factory: the resolved model folder and ``settings.asr.threads``."""
        if ctx.model is None:
            raise ModelLoadError("the faster-whisper provider needs a model folder")
        return cls(ctx.model.path, threads=ctx.settings.asr.threads)

    def transcribe(
        self, audio: NDArray[np.float32], *, language: str | None = None, prompt: str | None = None
    ) -> Transcript:
        """Text of ``audio`` (16 kHz mono float32); an empty clip gives an empty transcript."""
        audio = np.asarray(audio, dtype=np.float32)
        if self.capabilities.languages:
            language = self.capabilities.languages[0]  # an English-only model: say so, quietly
        if audio.size == 0:
            return Transcript("", language or "", 1.0)
        try:
            with self._lock:
                segments, info = self._model.transcribe(
                    audio,
                    language=language,
                    beam_size=1,
                    temperature=0,
                    without_timestamps=True,
                    condition_on_previous_text=False,
                    vad_filter=False,
                    initial_prompt=prompt or None,
                )
                found = list(segments)  # decoding happens while iterating
        except Exception as exc:  # CTranslate2 errors are untyped
            raise ProviderError(f"Whisper failed to transcribe: {exc}", retryable=True) from exc
        text = " ".join(s.text.strip() for s in found if s.text.strip())
        # One 30 s window holds a whole turn, so its segments share one no-speech estimate.
        no_speech = min((s.no_speech_prob for s in found), default=1.0)
        return Transcript(text, info.language, float(no_speech))
