"""Registers npc's in-tree providers. Model libraries are imported only when a provider is built."""

from __future__ import annotations

from typing import Any

from npc.providers.registry import ProviderContext, ProviderRegistry


def _embedder(ctx: ProviderContext) -> Any:
    from plugins.onnx_embedder import OnnxEmbedder

    return OnnxEmbedder.from_context(ctx)


def register(registry: ProviderRegistry) -> None:
    """Add every built-in provider to ``registry``."""
    registry.add("embedder", "onnx", _embedder)
