"""Shared fixtures. Models are loaded once per test session (see ``runtime``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import soxr

from npc.config import Settings, load_settings
from npc.providers.base import Embedder
from npc.providers.registry import registry
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
def embedder(settings: Settings) -> Embedder:
    """The bundled all-MiniLM-L6-v2 int8 embedder, built the way the server builds it."""
    built = registry().create("embedder", settings.providers.embedder, settings)
    assert isinstance(built, Embedder)
    return built


@pytest.fixture(scope="session")
def runtime(settings: Settings) -> Iterator[Runtime]:
    """Every model, loaded once for the whole test run (and the characters' prompt caches)."""
    rt = Runtime(settings)
    rt.warm()
    yield rt


def jin_audio(runtime: Runtime, text: str, rate: int = 16000) -> bytes:
    """``text`` spoken by the bundled piper voice without sampling noise (the same audio
    every run: with noise, 1 draw in 12 of "Grab me a bowl of ramen." is heard as "the bull
    of ramen"), as mono PCM16 at ``rate``."""
    from piper.config import SynthesisConfig

    piper = runtime.voice(runtime.character("jin"))._voice  # type: ignore[attr-defined]
    steady = SynthesisConfig(noise_scale=0.0, noise_w_scale=0.0)
    chunks = list(piper.synthesize(text, syn_config=steady))
    samples = np.frombuffer(b"".join(c.audio_int16_bytes for c in chunks), np.int16)
    out = soxr.resample(samples.astype(np.float32), chunks[0].sample_rate, rate)
    return np.clip(out, -32768, 32767).astype(np.int16).tobytes()
