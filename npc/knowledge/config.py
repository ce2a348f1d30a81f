"""Knowledge and memory settings: the ``knowledge`` section of ``npc.toml`` (``NPC_KNOWLEDGE__*``).

Until ``npc.config.Settings`` carries this section, ``knowledge_settings`` reads the same
``NPC_KNOWLEDGE__<FIELD>`` environment variables itself.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from npc.config import Settings
from npc.errors import ConfigError

ENV_PREFIX = "NPC_KNOWLEDGE__"


class KnowledgeSettings(BaseModel):
    """Where knowledge and memory live, and how retrieval ranks."""

    model_config = ConfigDict(extra="forbid")

    url: str | None = Field(
        None,
        description="URL of a chroma server (http://host:port) to use instead of the local "
        "store under data_dir/chroma.",
    )
    chunk_chars: int = Field(700, ge=100, le=4000, description="Upper bound of a chunk's size.")
    max_file_bytes: int = Field(
        2_000_000, ge=1024, description="Knowledge files above this size are refused."
    )
    min_score: float = Field(0.3, ge=0, le=1, description="Hits scoring below are dropped.")
    keyword_weight: float = Field(
        0.35, ge=0, le=1, description="Share of the keyword score in the fused score."
    )
    memory_turns: int = Field(
        24, ge=2, description="Verbatim turns kept per player before the oldest are summarised."
    )
    memory_summaries: int = Field(
        40, ge=2, description="Summaries kept per player before the oldest are merged."
    )
    recency_half_life_h: float = Field(
        72.0, gt=0, description="Hours after which a memory's recency score halves."
    )


def knowledge_settings(settings: Settings) -> KnowledgeSettings:
    """``settings.knowledge`` when Settings has it, else the ``NPC_KNOWLEDGE__*`` variables."""
    found = getattr(settings, "knowledge", None)
    if isinstance(found, KnowledgeSettings):
        return found
    values: dict[str, Any] = {
        key[len(ENV_PREFIX) :].lower(): value
        for key, value in os.environ.items()
        if key.startswith(ENV_PREFIX)
    }
    try:
        return KnowledgeSettings.model_validate(values)
    except ValidationError as exc:
        lines = [f"knowledge.{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
        raise ConfigError("invalid NPC_KNOWLEDGE__* settings:\n  " + "\n  ".join(lines)) from None


def chroma_path(settings: Settings) -> Path:
    """The local chroma store's folder."""
    return settings.data_dir / "chroma"


def memory_path(settings: Settings) -> Path:
    """The player-memory database file."""
    return settings.data_dir / "memory.sqlite3"
