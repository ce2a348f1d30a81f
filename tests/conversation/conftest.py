"""A runtime over test doubles: the conversation core without any model."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from npc.config import load_settings
from npc.conversation.session import Session
from npc.protocol import messages as m
from npc.providers.fakes import (
    EnergyVad,
    HashingEmbedder,
    ScriptedModel,
    ScriptedRecognizer,
    ToneSynthesizer,
)
from npc.runtime import Runtime
from tests.conftest import CHARACTERS

SR = 16_000


def tone(seconds: float, level: float = 0.3) -> bytes:
    """Loud enough for the energy VAD: "speech"."""
    n = int(seconds * SR)
    wave = level * np.sin(np.arange(n) * 2 * np.pi * 180 / SR)
    return (wave * 32767).astype(np.int16).tobytes()


def quiet(seconds: float) -> bytes:
    return bytes(int(seconds * SR) * 2)


@dataclass
class Wire:
    """What a session sent, in order."""

    sent: list[Any] = field(default_factory=list)

    async def send(self, message: Any) -> None:
        self.sent.append(message)

    def types(self) -> list[str]:
        return [x.type if hasattr(x, "type") else "<binary>" for x in self.sent]

    def of(self, kind: type) -> list[Any]:
        return [x for x in self.sent if isinstance(x, kind)]


MakeRuntime = Callable[..., Runtime]


@pytest.fixture
def make_runtime(tmp_path: Path) -> Iterator[MakeRuntime]:
    built: list[Runtime] = []

    def make(
        model: ScriptedModel | None = None,
        asr: ScriptedRecognizer | None = None,
        tts: ToneSynthesizer | None = None,
        **kw: Any,
    ) -> Runtime:
        settings = load_settings(
            characters_dir=CHARACTERS,
            data_dir=tmp_path / "data",
            cache_dir=tmp_path / "cache",
            **kw,
        )
        runtime = Runtime.from_providers(
            settings,
            llm=model or ScriptedModel(),
            asr=asr or ScriptedRecognizer(),
            vad=EnergyVad(),
            tts=tts or ToneSynthesizer(),
            embedder=HashingEmbedder(),
        )
        runtime.knowledge.ingest(runtime.character("jin"))
        built.append(runtime)
        return runtime

    yield make
    for runtime in built:
        runtime.knowledge.close()


async def open_session(runtime: Runtime, **start: Any) -> tuple[Session, Wire]:
    wire = Wire()
    session = Session(runtime, m.Start(character="jin", **start), wire.send)
    await session.open()
    return session, wire
