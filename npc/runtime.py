"""Everything loaded once per process and shared by every session: models and characters."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from functools import cached_property
from typing import Any

from npc.character.loader import LoadedSheet, load_characters
from npc.config import Settings
from npc.errors import ProtocolError
from npc.providers.registry import ProviderRegistry, registry


class Runtime:
    """Lazily builds each provider once; safe to share between sessions and threads."""

    def __init__(self, settings: Settings, providers: ProviderRegistry | None = None) -> None:
        self.settings = settings
        self.providers = providers or registry()
        self._lock = threading.Lock()
        self._voices: dict[str, Any] = {}

    def derive(self, settings: Settings) -> Runtime:
        """A runtime with other settings that shares the models this one has loaded."""
        other = Runtime(settings, self.providers)
        for name in ("llm", "asr", "vad", "embedder", "knowledge"):
            if name in self.__dict__:
                other.__dict__[name] = self.__dict__[name]
        other._voices = self._voices
        return other

    @cached_property
    def characters(self) -> dict[str, LoadedSheet]:
        return load_characters(self.settings.characters_dir)

    def character(self, character_id: str) -> LoadedSheet:
        loaded = self.characters.get(character_id)
        if loaded is None:
            known = ", ".join(sorted(self.characters)) or "none"
            raise ProtocolError(f"unknown character {character_id!r}; available: {known}")
        return loaded

    def _create(self, role: str, **kw: Any) -> Any:
        name = getattr(self.settings.providers, role)
        return self.providers.create(role, name, self.settings, **kw)  # type: ignore[arg-type]

    @cached_property
    def llm(self) -> Any:
        if self.settings.llm.endpoint:
            return self.providers.create("llm", "openai", self.settings)
        return self._create("llm")

    @cached_property
    def asr(self) -> Any:
        return self._create("asr")

    @cached_property
    def vad(self) -> Any:
        return self._create("vad")

    @cached_property
    def embedder(self) -> Any:
        return self._create("embedder")

    @cached_property
    def knowledge(self) -> Any:
        from npc.knowledge import Knowledge

        return Knowledge(self.settings, self.embedder)

    def intents(self, loaded: LoadedSheet) -> Any:
        """Action hints for a character (its examples embedded once)."""
        from npc.actions.intent import IntentHints

        with self._lock:
            key = f"intents:{loaded.sheet.id}"
            if key not in self._voices:
                self._voices[key] = IntentHints.build(loaded.sheet, self.embedder)
            return self._voices[key]

    def warm(self, progress: Callable[[str], None] = lambda _: None) -> None:
        """Load every model and evaluate each character's stable prompt once (cached on disk)."""
        from npc.mind.mind import Mind

        for role in ("llm", "asr", "vad", "embedder"):
            start = time.perf_counter()
            getattr(self, role)
            progress(f"{role} ready ({time.perf_counter() - start:.1f} s)")
        for loaded in self.characters.values():
            start = time.perf_counter()
            report = self.knowledge.ingest(loaded)
            for source, reason in report.failed:
                progress(f"{loaded.sheet.id}: knowledge file {source} skipped: {reason}")
            self.knowledge.warm(loaded.sheet.id)
            self.voice(loaded)
            mind = Mind(loaded, self.llm, self.settings.llm, cache_key="warm-up")
            mind.prefill("", [])
            progress(f"{loaded.sheet.id} ready ({time.perf_counter() - start:.1f} s)")

    def voice(self, loaded: LoadedSheet) -> Any:
        """The sheet's piper voice (bundled name or a path relative to the sheet), loaded once."""
        spec = loaded.sheet.voice.piper
        with self._lock:
            if spec not in self._voices:
                self._voices[spec] = self._create("tts", model=spec, base_dir=loaded.base_dir)
            return self._voices[spec]
