"""Provider plugins: factories registered by name for each role, found through entry points.

A plugin is a module with ``register(registry)``, published under the ``npc.plugins``
entry-point group; npc's own providers (``plugins/``) register the same way a third-party
package would.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, overload

from npc.assets import ResolvedModel, Role, resolve
from npc.config import Settings
from npc.errors import ConfigError
from npc.providers.base import (
    ComputeGate,
    Embedder,
    LanguageModel,
    SpeechRecognizer,
    SpeechSynthesizer,
    VoiceActivityDetector,
)

ProviderRole = Literal["llm", "asr", "tts", "embedder", "vad"]
ENTRY_POINT_GROUP = "npc.plugins"


@dataclass(frozen=True, slots=True)
class ProviderContext:
    """What a factory gets: the settings, for roles with weights the resolved model, and the
    process's compute gate (providers that compute locally take their turns on it)."""

    settings: Settings
    model: ResolvedModel | None
    gate: ComputeGate | None = None


Factory = Callable[[ProviderContext], object]
Provider = LanguageModel | SpeechRecognizer | SpeechSynthesizer | Embedder | VoiceActivityDetector
# What each role's provider must be (checked when it is built: a plugin's mistake is named).
PROTOCOLS: dict[ProviderRole, type] = {
    "llm": LanguageModel,
    "asr": SpeechRecognizer,
    "tts": SpeechSynthesizer,
    "embedder": Embedder,
    "vad": VoiceActivityDetector,
}


@dataclass
class ProviderRegistry:
    """Factories by role and name."""

    factories: dict[tuple[str, str], Factory] = field(default_factory=dict)

    def add(self, role: ProviderRole, name: str, factory: Factory) -> None:
        self.factories[(role, name)] = factory

    def names(self, role: ProviderRole) -> list[str]:
        return sorted(n for r, n in self.factories if r == role)

    @overload
    def create(
        self,
        role: Literal["llm"],
        name: str,
        settings: Settings,
        *,
        model: str | None = None,
        base_dir: Path | None = None,
        gate: ComputeGate | None = None,
    ) -> LanguageModel: ...
    @overload
    def create(
        self,
        role: Literal["asr"],
        name: str,
        settings: Settings,
        *,
        model: str | None = None,
        base_dir: Path | None = None,
        gate: ComputeGate | None = None,
    ) -> SpeechRecognizer: ...
    @overload
    def create(
        self,
        role: Literal["tts"],
        name: str,
        settings: Settings,
        *,
        model: str | None = None,
        base_dir: Path | None = None,
        gate: ComputeGate | None = None,
    ) -> SpeechSynthesizer: ...
    @overload
    def create(
        self,
        role: Literal["embedder"],
        name: str,
        settings: Settings,
        *,
        model: str | None = None,
        base_dir: Path | None = None,
        gate: ComputeGate | None = None,
    ) -> Embedder: ...
    @overload
    def create(
        self,
        role: Literal["vad"],
        name: str,
        settings: Settings,
        *,
        model: str | None = None,
        base_dir: Path | None = None,
        gate: ComputeGate | None = None,
    ) -> VoiceActivityDetector: ...
    def create(
        self,
        role: ProviderRole,
        name: str,
        settings: Settings,
        *,
        model: str | None = None,
        base_dir: Path | None = None,
        gate: ComputeGate | None = None,
    ) -> Provider:
        """Build provider ``name`` for ``role``; ``model`` overrides the configured model."""
        factory = self.factories.get((role, name))
        if factory is None:
            known = ", ".join(self.names(role)) or "none"
            raise ConfigError(f"no {role} provider called {name!r}; installed: {known}")
        resolved = None
        if role != "vad":
            spec = model if model is not None else getattr(settings.models, role)
            model_role: Role = role
            resolved = resolve(model_role, spec, settings.cache_dir, base_dir=base_dir)
        provider = factory(ProviderContext(settings, resolved, gate))
        expected = PROTOCOLS[role]
        if not isinstance(provider, expected):
            raise ConfigError(
                f"the {role} provider {name!r} built a {type(provider).__name__}, which is not "
                f"a {expected.__name__} (see npc.providers.base)"
            )
        return provider  # type: ignore[return-value]


_loaded: ProviderRegistry | None = None


def registry() -> ProviderRegistry:
    """The process-wide registry, filled from every installed plugin on first use."""
    global _loaded
    if _loaded is None:
        reg = ProviderRegistry()
        for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
            ep.load()(reg)
        if not reg.factories:  # running from a source tree that was never pip-installed
            from plugins.builtin import register

            register(reg)
        _loaded = reg
    return _loaded
