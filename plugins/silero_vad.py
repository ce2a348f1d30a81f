"""Voice activity detection with the Silero VAD model that faster-whisper ships in its package.

The ONNX session is loaded once and shared; each audio stream gets its own ``SileroVad``
(``new_stream()``) holding the model's recurrent state and the tail of the previous window,
which the model needs as left context. faster-whisper only runs the model over whole files;
this feeds it one 512-sample window at a time as audio arrives.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from npc.errors import ModelLoadError, ProviderError
from npc.providers.base import ASR_SAMPLE_RATE
from npc.providers.registry import ProviderContext

WINDOW_SAMPLES = 512  # 32 ms at 16 kHz: the only window size the model takes
CONTEXT_SAMPLES = 64  # left context the model expects before each window
STATE_SHAPE = (1, 1, 128)
MODEL_FILE = "silero_vad_v6.onnx"


def bundled_model_path() -> Path:
    """Where faster-whisper keeps its copy of the Silero VAD model."""
    from faster_whisper.utils import get_assets_path

    return Path(get_assets_path()) / MODEL_FILE


def load_session(path: Path | None = None) -> Any:
    """An onnxruntime session for the model on one thread (a window costs well under 1 ms)."""
    import onnxruntime

    path = path or bundled_model_path()
    if not path.is_file():
        raise ModelLoadError(
            f"the Silero VAD model is missing at {path}; "
            "reinstall faster-whisper (pip install --force-reinstall faster-whisper==1.2.1)"
        )
    opts = onnxruntime.SessionOptions()
    opts.inter_op_num_threads = 1
    opts.intra_op_num_threads = 1
    opts.log_severity_level = 3
    try:
        return onnxruntime.InferenceSession(
            str(path), sess_options=opts, providers=["CPUExecutionProvider"]
        )
    except Exception as exc:  # onnxruntime raises its own untyped errors
        raise ModelLoadError(f"cannot load the Silero VAD model {path}: {exc}") from exc


class SileroVad:
    """Speech probability per 32 ms window of 16 kHz audio, for one stream at a time.

    ``speech_probability`` must see the stream's windows in order; ``new_stream()`` gives a
    detector for another stream that shares the loaded model.
    """

    window_samples = WINDOW_SAMPLES
    sample_rate = ASR_SAMPLE_RATE

    def __init__(self, session: Any) -> None:
        self._session = session
        self._h = np.zeros(STATE_SHAPE, np.float32)
        self._c = np.zeros(STATE_SHAPE, np.float32)
        self._context = np.zeros(CONTEXT_SAMPLES, np.float32)

    @classmethod
    def load(cls, path: Path | None = None) -> SileroVad:
        """Load the model (faster-whisper's bundled copy unless ``path`` is given)."""
        return cls(load_session(path))

    @classmethod
    def from_context(cls, ctx: ProviderContext) -> SileroVad:
        """Registry factory; the model is bundled, so ``ctx.model`` is not used."""
        return cls.load()

    def new_stream(self) -> SileroVad:
        """A detector with fresh state for another stream, sharing this one's model."""
        return SileroVad(self._session)

    def reset(self) -> None:
        self._h = np.zeros(STATE_SHAPE, np.float32)
        self._c = np.zeros(STATE_SHAPE, np.float32)
        self._context = np.zeros(CONTEXT_SAMPLES, np.float32)

    def speech_probability(self, window: NDArray[np.float32]) -> float:
        """Probability (0..1) that the next 512-sample window holds speech."""
        return float(self.speech_probabilities(window)[0])

    def speech_probabilities(self, audio: NDArray[np.float32]) -> NDArray[np.float32]:
        """One probability per 512-sample window of ``audio`` (a whole number of windows)."""
        audio = np.asarray(audio, dtype=np.float32)
        if audio.ndim != 1 or audio.size == 0 or audio.size % WINDOW_SAMPLES:
            raise ValueError(
                f"the VAD takes 1-D audio in whole windows of {WINDOW_SAMPLES} samples, "
                f"got shape {audio.shape}"
            )
        windows = audio.reshape(-1, WINDOW_SAMPLES)
        contexts = np.empty((len(windows), CONTEXT_SAMPLES), np.float32)
        contexts[0] = self._context
        contexts[1:] = windows[:-1, -CONTEXT_SAMPLES:]
        batch = np.concatenate([contexts, windows], axis=1)
        try:
            probs, h, c = self._session.run(None, {"input": batch, "h": self._h, "c": self._c})
        except Exception as exc:  # onnxruntime raises its own untyped errors
            raise ProviderError(f"the Silero VAD failed: {exc}") from exc
        self._h, self._c = h, c
        self._context = windows[-1, -CONTEXT_SAMPLES:].copy()
        return np.asarray(probs, dtype=np.float32).reshape(-1)
