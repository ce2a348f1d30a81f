"""Shared fixtures. Models are loaded once per test session (see ``runtime``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from npc.config import Settings, load_settings

ROOT = Path(__file__).resolve().parent.parent
CHARACTERS = ROOT / "characters"
SHARED_AUDIO = ROOT.parent / "shared" / "audio"


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """Settings with a private data dir; the model cache is the user's (joined once)."""
    data = tmp_path_factory.mktemp("npc-data")
    yield load_settings(characters_dir=CHARACTERS, data_dir=data)
