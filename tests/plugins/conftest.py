"""The piper voice, loaded once per test session (shared with tests/visemes and tests/voice)."""

from __future__ import annotations

import pytest

from npc.config import Settings
from npc.providers.registry import registry
from plugins.piper_tts import PiperSynthesizer

_piper: PiperSynthesizer | None = None


def load_piper(settings: Settings) -> PiperSynthesizer:
    """The bundled voice, built through the registry the way the server builds it; once."""
    global _piper
    if _piper is None:
        _piper = registry().create("tts", "piper", settings)
        assert isinstance(_piper, PiperSynthesizer)
    return _piper


@pytest.fixture(scope="session")
def piper(settings: Settings) -> PiperSynthesizer:
    return load_piper(settings)
