"""``KnowledgeStore``: ingest a character's lore into chromadb and retrieve from it per turn.

Each character has a collection (its files and inline facts); each shared pack has its own,
ingested once however many characters use it. A character's collection metadata lists its
packs, so a process that did not ingest can still find them. Retrieval runs on an in-memory
``ChunkIndex`` of the character's rows and its packs' rows, loaded on first use (or by
``warm``) and rebuilt after each ingest.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

from npc.character.loader import LoadedSheet
from npc.config import Settings
from npc.errors import KnowledgeError
from npc.knowledge.chroma import ChromaCollections, character_collection, pack_collection
from npc.knowledge.config import KnowledgeSettings, chroma_path, knowledge_settings
from npc.knowledge.filters import Where
from npc.knowledge.index import ChunkIndex, Hit, Rows, merge
from npc.knowledge.ingest import IngestReport, Limits, ProgressCallback, sync_collection
from npc.knowledge.sources import sheet_sources
from npc.providers.base import Embedder


class KnowledgeStore:
    """Characters' lore in chromadb, searchable by meaning and by exact words."""

    def __init__(
        self,
        settings: Settings,
        embedder: Embedder,
        *,
        config: KnowledgeSettings | None = None,
        url: str | None = None,
        path: Path | None = None,
    ) -> None:
        self.settings = settings
        self.config = config or knowledge_settings(settings)
        self.embedder = embedder
        url = url if url is not None else self.config.url
        make_ef = getattr(embedder, "embedding_function", None)
        self.chroma = ChromaCollections(
            None if url else (path or chroma_path(settings)),
            url=url,
            embedding_function=make_ef() if callable(make_ef) else None,
        )
        self._rows: dict[str, Rows] = {}
        self._indexes: dict[str, ChunkIndex] = {}
        self._collections: dict[str, list[str]] = {}  # character -> its collections
        self._lock = threading.RLock()

    def ingest(self, loaded: LoadedSheet, progress: ProgressCallback | None = None) -> IngestReport:
        """Bring the character's collection and its packs' in line with its sheet and files."""
        sheet = loaded.sheet
        sources = sheet_sources(loaded, self.settings.characters_dir)
        limits = Limits(self.config.chunk_chars, self.config.max_file_bytes)
        report = IngestReport()
        with self._lock, self.chroma.held(f"ingesting {sheet.id}"):
            targets = [(character_collection(sheet.id), sources.own)]
            targets += [(pack_collection(p), s) for p, s in sources.packs.items()]
            changed: set[str] = set()
            for name, wanted in targets:
                rows, part = sync_collection(
                    self.chroma, self.embedder, name, wanted, self._load(name), limits, progress
                )
                self._rows[name] = rows
                if part.ingested or part.removed:
                    changed.add(name)
                report.extend(part)
            meta = {"character": sheet.id, "packs": json.dumps(sorted(sources.packs))}
            self.chroma.set_metadata(character_collection(sheet.id), meta)
            self._indexes[sheet.id] = self._build(sheet.id)
            # Rebuild now, off the hot path, the other characters that share a changed pack.
            for other, collections in list(self._collections.items()):
                if other != sheet.id and changed & set(collections):
                    self._indexes[other] = self._build(other)
        return report

    def retrieve(
        self,
        character_id: str,
        query: str,
        k: int = 3,
        *,
        min_score: float | None = None,
        where: Where | None = None,
    ) -> list[Hit]:
        """The ``k`` chunks that best answer ``query``, best first, none below ``min_score``.

        ``where`` filters on chunk metadata in chromadb's syntax (keys: source, heading,
        kind ("file" or "fact"), tags, line_start, line_end, owner).
        """
        index = self.index(character_id)
        if not query.strip():
            return []
        vector = self.embedder.embed([query])[0]
        return index.search(
            vector,
            query,
            k=k,
            min_score=self.config.min_score if min_score is None else min_score,
            keyword_weight=self.config.keyword_weight,
            where=where,
        )

    def warm(self, character_id: str) -> int:
        """Load the character's index now, off the hot path; returns its number of chunks."""
        return len(self.index(character_id))

    def index(self, character_id: str) -> ChunkIndex:
        """The character's search index, loaded from the store on first use."""
        found = self._indexes.get(character_id)
        if found is not None:
            return found
        with self._lock:
            found = self._indexes.get(character_id)
            if found is None:
                found = self._indexes[character_id] = self._build(character_id)
            return found

    def refresh(self, character_id: str | None = None) -> None:
        """Forget cached rows (another process ingested into a shared server)."""
        with self._lock:
            self._rows.clear()
            if character_id is None:
                self._indexes.clear()
            else:
                self._indexes.pop(character_id, None)

    def _build(self, character_id: str) -> ChunkIndex:
        with self.chroma.held(f"reading {character_id}'s knowledge"):
            return self._build_held(character_id)

    def _build_held(self, character_id: str) -> ChunkIndex:
        name = character_collection(character_id)
        if not self.chroma.exists(name):
            raise KnowledgeError(
                f"no knowledge for character {character_id!r} in {self.chroma.where}; "
                f"run: npc ingest <its sheet>"
            )
        packs: list[Any] = json.loads(str(self.chroma.metadata(name).get("packs", "[]")))
        names = [name] + [pack_collection(str(p)) for p in packs]
        self._collections[character_id] = names
        return ChunkIndex(merge([self._load(n) for n in names], self.embedder.dimension))

    def _load(self, name: str) -> Rows:
        rows = self._rows.get(name)
        if rows is None:
            rows = self._rows[name] = self.chroma.rows(name, self.embedder.dimension)
        return rows
