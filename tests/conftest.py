"""Shared fixtures. Models are loaded once per test session (see ``runtime``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import soxr

from npc.config import Settings, load_settings
from npc.runtime import Runtime

ROOT = Path(__file__).resolve().parent.parent
CHARACTERS = ROOT / "characters"
SHARED_AUDIO = ROOT.parent / "shared" / "audio"


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """Settings with a private data dir; the model cache is the user's (joined once)."""
    data = tmp_path_factory.mktemp("npc-data")
    yield load_settings(characters_dir=CHARACTERS, data_dir=data)


@pytest.fixture(scope="session")
def runtime(settings: Settings) -> Iterator[Runtime]:
    """Every model, loaded once for the whole test run (and the characters' prompt caches)."""
    rt = Runtime(settings)
    rt.warm()
    yield rt


def jin_audio(runtime: Runtime, text: str, rate: int = 16000) -> bytes:
    """``text`` spoken by the bundled piper voice, as mono PCM16 at ``rate``."""
    voice = runtime.voice(runtime.character("jin"))
    pcm = b"".join(s.pcm for s in voice.synthesize(text))
    samples = np.frombuffer(pcm, np.int16).astype(np.float32)
    out = soxr.resample(samples, voice.sample_rate, rate)
    return np.clip(out, -32768, 32767).astype(np.int16).tobytes()
