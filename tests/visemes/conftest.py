"""Fixtures for the viseme tests that run the real voice."""

from __future__ import annotations

import pytest

from npc.config import Settings
from plugins.piper_tts import PiperSynthesizer
from tests.plugins.conftest import load_piper


@pytest.fixture(scope="session")
def piper(settings: Settings) -> PiperSynthesizer:
    return load_piper(settings)
