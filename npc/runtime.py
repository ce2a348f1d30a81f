"""Everything loaded once per process and shared by every session: models, characters, and the
scheduler that orders all their work."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING

from npc.character.loader import LoadedSheet, load_characters
from npc.config import Settings
from npc.conversation.scheduler import Scheduler
from npc.errors import ProtocolError
from npc.providers.base import (
    Embedder,
    LanguageModel,
    SpeechRecognizer,
    SpeechSynthesizer,
    VoiceActivityDetector,
)
from npc.providers.registry import ProviderRegistry, registry

if TYPE_CHECKING:
    from npc.actions.intent import IntentHints
    from npc.knowledge import Knowledge


class Runtime:
    """Lazily builds each provider once; safe to share between sessions and threads."""

    def __init__(
        self,
        settings: Settings,
        providers: ProviderRegistry | None = None,
        scheduler: Scheduler | None = None,
    ) -> None:
        self.settings = settings
        self.providers = providers or registry()
        self.scheduler = scheduler or Scheduler()
        self._lock = threading.Lock()
        self._voices: dict[str, SpeechSynthesizer] = {}
        self._intents: dict[str, IntentHints] = {}
        self._fixed_voice: SpeechSynthesizer | None = None

    @classmethod
    def from_providers(
        cls,
        settings: Settings,
        *,
        llm: LanguageModel,
        asr: SpeechRecognizer,
        vad: VoiceActivityDetector,
        tts: SpeechSynthesizer,
        embedder: Embedder,
        scheduler: Scheduler | None = None,
    ) -> Runtime:
        """A runtime over providers built elsewhere (test doubles, an embedding app): every
        character speaks with ``tts``."""
        runtime = cls(settings, scheduler=scheduler)
        runtime.__dict__.update(llm=llm, asr=asr, vad=vad, embedder=embedder)
        runtime._fixed_voice = tts
        return runtime

    def derive(self, settings: Settings) -> Runtime:
        """A runtime with other settings that shares the models (and scheduler) of this one."""
        other = Runtime(settings, self.providers, self.scheduler)
        for name in ("llm", "asr", "vad", "embedder", "knowledge"):
            if name in self.__dict__:
                other.__dict__[name] = self.__dict__[name]
        other._voices = self._voices
        other._intents = self._intents
        other._fixed_voice = self._fixed_voice
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

    @cached_property
    def llm(self) -> LanguageModel:
        name = "openai" if self.settings.llm.endpoint else self.settings.providers.llm
        return self.providers.create("llm", name, self.settings, gate=self.scheduler)

    @cached_property
    def answer_llm(self) -> LanguageModel | None:
        """The model for replies that can take no action (``models.answer_llm``), if set; a
        local one, beside ``llm`` under the same compute gate."""
        spec = self.settings.models.answer_llm
        if not spec:
            return None
        return self.providers.create(
            "llm", self.settings.providers.llm, self.settings, model=spec, gate=self.scheduler
        )

    @cached_property
    def asr(self) -> SpeechRecognizer:
        return self.providers.create("asr", self.settings.providers.asr, self.settings)

    @cached_property
    def vad(self) -> VoiceActivityDetector:
        return self.providers.create("vad", self.settings.providers.vad, self.settings)

    @cached_property
    def embedder(self) -> Embedder:
        return self.providers.create("embedder", self.settings.providers.embedder, self.settings)

    @cached_property
    def knowledge(self) -> Knowledge:
        from npc.knowledge import Knowledge

        return Knowledge(self.settings, self.embedder)

    def intents(self, loaded: LoadedSheet) -> IntentHints:
        """Action hints for a character (its examples embedded once)."""
        from npc.actions.intent import IntentHints

        with self._lock:
            key = loaded.sheet.id
            if key not in self._intents:
                self._intents[key] = IntentHints.build(loaded.sheet, self.embedder)
            return self._intents[key]

    def warm(self, progress: Callable[[str], None] = lambda _: None) -> None:
        """Load every model and evaluate each character's stable prompt once (cached on disk)."""
        from npc.mind.mind import Mind

        roles = ("llm", "answer_llm") if self.settings.models.answer_llm else ("llm",)
        for role in (*roles, "asr", "vad", "embedder"):
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
            mind = Mind(
                loaded,
                self.llm,
                self.settings.llm,
                cache_key="warm-up",
                answer_llm=self.answer_llm,
            )
            mind.prefill("", [])
            if self.answer_llm is not None:
                mind.warm()  # the answer model's copy of the stable prompt
            progress(f"{loaded.sheet.id} ready ({time.perf_counter() - start:.1f} s)")

    def voice(self, loaded: LoadedSheet) -> SpeechSynthesizer:
        """The sheet's piper voice (bundled name or a path relative to the sheet), loaded once."""
        if self._fixed_voice is not None:
            return self._fixed_voice
        spec = loaded.sheet.voice.piper
        with self._lock:
            if spec not in self._voices:
                self._voices[spec] = self.providers.create(
                    "tts",
                    self.settings.providers.tts,
                    self.settings,
                    model=spec,
                    base_dir=loaded.base_dir,
                )
            return self._voices[spec]

    def close(self) -> None:
        """Stop the models' engines, if they have any (work in progress ends with an error)."""
        for role in ("llm", "answer_llm"):
            close = getattr(self.__dict__.get(role), "close", None)
            if callable(close):
                close()
