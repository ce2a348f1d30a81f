"""Where knowledge and memory live; the settings are the ``knowledge`` section of npc.toml."""

from __future__ import annotations

from pathlib import Path

from npc.config import KnowledgeSettings, Settings

__all__ = ["KnowledgeSettings", "chroma_path", "knowledge_settings", "memory_path"]


def knowledge_settings(settings: Settings) -> KnowledgeSettings:
    """The ``knowledge`` section (``NPC_KNOWLEDGE__*`` variables or ``[knowledge]`` in npc.toml)."""
    return settings.knowledge


def chroma_path(settings: Settings) -> Path:
    """The local chroma store's folder."""
    return settings.data_dir / "chroma"


def memory_path(settings: Settings) -> Path:
    """The player-memory database file."""
    return settings.data_dir / "memory.sqlite3"
