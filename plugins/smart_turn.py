"""Smart Turn v3.2: "has the player finished their turn?" from the sound of the last 8 s.

The model is Daily's Smart Turn v3.2 (BSD-2-Clause, Copyright (c) 2024-2026, Daily), a
small Whisper-encoder classifier exported to ONNX (8.7 MB). It ships inside the
``pipecat-ai`` wheel, whose ~25 dependencies (numba, openai, aiohttp, a pinned soxr...)
npc does not need: ``npcw`` installs that wheel with ``--no-deps`` and this module only
reads the one file from it, checked against its sha256. Nothing imports ``pipecat``.

Input: the last 8 s of 16 kHz audio (zero-padded on the left), normalised to zero mean and
unit variance, as Whisper's 80-bin log-mel features (faster-whisper's feature extractor
computes the same ones); output: the probability that the turn is complete. Its authors
run it once the VAD hears silence.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from npc.assets import Part, sha256_of
from npc.errors import ModelAssetError, ModelLoadError, ProviderError
from npc.providers.base import ASR_SAMPLE_RATE

WINDOW_S = 8
WINDOW_SAMPLES = WINDOW_S * ASR_SAMPLE_RATE
MODEL = Part("pipecat-ai", "pipecat", "audio/turn/smart_turn/data/smart-turn-v3.2-cpu.onnx")
SHA256 = "2bb026316b14a660486a75b1733cd3fbab8c2fd0314dc9af7be49f8cca967e4f"
LICENSE = "BSD-2-Clause, Copyright (c) 2024-2026, Daily (pipecat-ai 1.14.0)"


def bundled_model_path() -> Path:
    """The ONNX file inside the installed pipecat-ai wheel, after checking its sha256."""
    path = MODEL.locate()
    found = sha256_of(path)
    if found != SHA256:
        raise ModelAssetError(
            f"{path} has sha256 {found}, expected {SHA256} (Smart Turn v3.2 from "
            "pipecat-ai 1.14.0); reinstall it: pip install --no-deps --force-reinstall "
            "pipecat-ai==1.14.0"
        )
    return path


class SmartTurn:
    """Scores whether a turn sounds complete; one model shared by every session."""

    window_samples = WINDOW_SAMPLES

    def __init__(self, path: Path | None = None, *, threads: int = 1) -> None:
        import onnxruntime
        from faster_whisper.feature_extractor import FeatureExtractor

        path = path or bundled_model_path()
        opts = onnxruntime.SessionOptions()
        opts.inter_op_num_threads = 1
        opts.intra_op_num_threads = threads
        opts.log_severity_level = 3
        try:
            self._session: Any = onnxruntime.InferenceSession(
                str(path), sess_options=opts, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # onnxruntime raises its own untyped errors
            raise ModelLoadError(f"cannot load the Smart Turn model {path}: {exc}") from exc
        self._features = FeatureExtractor(feature_size=80, chunk_length=WINDOW_S)
        self._lock = threading.Lock()  # the feature extractor keeps per-call state

    def features(self, audio: NDArray[np.float32]) -> NDArray[np.float32]:
        """The model's input for the turn's audio so far: shape (1, 80, 800)."""
        audio = np.asarray(audio, np.float32)[-WINDOW_SAMPLES:]
        audio = np.pad(audio, (WINDOW_SAMPLES - audio.size, 0))
        audio = (audio - audio.mean()) / np.sqrt(audio.var() + 1e-7)
        with self._lock:
            mel = self._features(audio, padding=0)
        return np.asarray(mel, np.float32)[None]

    def complete_probability(self, audio: NDArray[np.float32]) -> float:
        """Probability (0..1) that the player has finished, from the turn's audio so far
        (16 kHz mono float32; only the last 8 s are heard)."""
        features = self.features(audio)
        try:
            out = self._session.run(None, {"input_features": features})
        except Exception as exc:  # onnxruntime raises its own untyped errors
            raise ProviderError(f"Smart Turn failed: {exc}") from exc
        return float(np.asarray(out[0]).reshape(-1)[0])
