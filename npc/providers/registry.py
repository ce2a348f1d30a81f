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
from typing import Any, Literal

from npc.assets import ResolvedModel, Role, resolve
from npc.config import Settings
from npc.errors import ConfigError

ProviderRole = Literal["llm", "asr", "tts", "embedder", "vad"]
ENTRY_POINT_GROUP = "npc.plugins"


@dataclass(frozen=True, slots=True)
class ProviderContext:
    """What a factory gets: the settings and, for roles with weights, the resolved model."""

    settings: Settings
    model: ResolvedModel | None


Factory = Callable[[ProviderContext], Any]


@dataclass
class ProviderRegistry:
    """Factories by role and name."""

    factories: dict[tuple[str, str], Factory] = field(default_factory=dict)

    def add(self, role: ProviderRole, name: str, factory: Factory) -> None:
        self.factories[(role, name)] = factory

    def names(self, role: ProviderRole) -> list[str]:
        return sorted(n for r, n in self.factories if r == role)

    def create(
        self,
        role: ProviderRole,
        name: str,
        settings: Settings,
        *,
        model: str | None = None,
        base_dir: Path | None = None,
    ) -> Any:
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
        return factory(ProviderContext(settings, resolved))


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
