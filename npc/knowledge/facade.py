"""``Knowledge``: the one object a session needs for lore and for player memory."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from npc.character.loader import LoadedSheet
from npc.config import Settings
from npc.knowledge.config import KnowledgeSettings, knowledge_settings, memory_path
from npc.knowledge.extract import FactExtractor, Summariser
from npc.knowledge.filters import Where
from npc.knowledge.index import Hit
from npc.knowledge.ingest import IngestReport, ProgressCallback
from npc.knowledge.journal import open_journal
from npc.knowledge.memory import MemoryHooks, PlayerMemory
from npc.knowledge.store import KnowledgeStore
from npc.providers.base import Embedder


class Knowledge:
    """Lore retrieval and player memory over one embedder, shared by every session."""

    def __init__(
        self,
        settings: Settings,
        embedder: Embedder,
        *,
        config: KnowledgeSettings | None = None,
        url: str | None = None,
        memory_file: Path | str | None = None,
        summarise: Summariser | None = None,
        extract: FactExtractor | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """``url``: a chroma server instead of the configured store; ``memory_file``: a
        path or database URL for player memory instead of the configured one."""
        self.config = config or knowledge_settings(settings)
        self.store = KnowledgeStore(settings, embedder, config=self.config, url=url)
        # SQLite under data_dir, or the database several servers share (knowledge.database_url).
        where = memory_file or self.config.database_url or memory_path(settings)
        self.journal = open_journal(where)
        self.hooks = MemoryHooks(summarise, extract)
        self._embedder = embedder
        self._clock = clock
        self._memories: dict[tuple[str, str], PlayerMemory] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings, **kwargs: Any) -> Knowledge:
        """Build with the configured embedder provider (loaded once per process)."""
        from npc.providers.registry import registry

        embedder = registry().create("embedder", settings.providers.embedder, settings)
        return cls(settings, embedder, **kwargs)

    def ingest(self, loaded: LoadedSheet, progress: ProgressCallback | None = None) -> IngestReport:
        """Ingest a character's knowledge files, facts and packs (incrementally)."""
        return self.store.ingest(loaded, progress)

    def retrieve(
        self,
        character_id: str,
        query: str,
        k: int = 3,
        *,
        min_score: float | None = None,
        where: Where | None = None,
    ) -> list[Hit]:
        """The character's lore that best answers ``query`` (see ``KnowledgeStore.retrieve``)."""
        return self.store.retrieve(character_id, query, k, min_score=min_score, where=where)

    def warm(self, character_id: str) -> int:
        """Load the character's search index now (at session start, not on the first turn)."""
        return self.store.warm(character_id)

    def memory(self, character_id: str, player_id: str) -> PlayerMemory:
        """What ``character_id`` remembers of ``player_id`` (one object per pair per process)."""
        key = (character_id, player_id)
        with self._lock:
            found = self._memories.get(key)
            if found is None:
                found = self._memories[key] = PlayerMemory(
                    self.journal,
                    self._embedder,
                    character_id,
                    player_id,
                    self.config,
                    hooks=self.hooks,
                    clock=self._clock,
                )
            return found

    def forget(self, character_id: str, player_id: str) -> None:
        """Erase the character's memory of the player."""
        self.memory(character_id, player_id).forget()

    def close(self) -> None:
        """Close the memory database (the chroma client needs no closing)."""
        self.journal.close()
