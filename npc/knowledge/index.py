"""The in-memory search index of one character: vectors, keywords and metadata of its chunks.

chromadb is the store of record; each process mirrors a character's chunks (its own and its
packs') here so a query is one matrix-vector product plus a keyword lookup, exact and well
under a millisecond at 10k chunks. We measured chromadb's own filtered query at 12-17 ms at
10k chunks on our 2-core machines, which left no room for the query embedding in a 20 ms
budget. An index is immutable: ingest builds a new one and swaps it in.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from npc.knowledge.filters import Where, mask
from npc.knowledge.keywords import KeywordIndex

FILTER_CACHE = 64


@dataclass(frozen=True, slots=True)
class Hit:
    """A retrieved chunk: its text, where it came from, and how well it matched."""

    text: str
    source: str
    line_start: int
    line_end: int
    score: float  # fused score in [0, 1]
    heading: str = ""
    dense: float = 0.0  # cosine similarity of the query and the chunk
    keyword: float = 0.0  # IDF-weighted share of the query's words found in the chunk
    id: str = ""

    @property
    def lines(self) -> tuple[int, int]:
        return self.line_start, self.line_end


@dataclass(frozen=True, slots=True)
class Rows:
    """The chunks of one collection as stored: ids, documents, metadata, unit vectors."""

    ids: list[str]
    documents: list[str]
    metadatas: list[dict[str, Any]]
    embeddings: NDArray[np.float32]

    @staticmethod
    def empty(dimension: int) -> Rows:
        return Rows([], [], [], np.zeros((0, dimension), dtype=np.float32))

    def __len__(self) -> int:
        return len(self.ids)

    def without(self, sources: set[str]) -> Rows:
        """These rows minus those whose source is in ``sources``."""
        keep = [i for i, m in enumerate(self.metadatas) if m.get("source") not in sources]
        return Rows(
            [self.ids[i] for i in keep],
            [self.documents[i] for i in keep],
            [self.metadatas[i] for i in keep],
            self.embeddings[keep],
        )

    def plus(self, other: Rows) -> Rows:
        return Rows(
            self.ids + other.ids,
            self.documents + other.documents,
            self.metadatas + other.metadatas,
            np.concatenate([self.embeddings, other.embeddings]).astype(np.float32, copy=False),
        )


@dataclass
class ChunkIndex:
    """Fused dense + keyword search over a fixed set of rows."""

    rows: Rows
    keywords: KeywordIndex = field(init=False)
    _masks: OrderedDict[str, NDArray[np.bool_]] = field(init=False, default_factory=OrderedDict)
    _lock: threading.Lock = field(init=False, default_factory=threading.Lock)

    def __post_init__(self) -> None:
        texts = [
            f"{m.get('heading', '')}\n{d}"
            for d, m in zip(self.rows.documents, self.rows.metadatas, strict=True)
        ]
        self.keywords = KeywordIndex(texts)

    def __len__(self) -> int:
        return len(self.rows)

    def search(
        self,
        vector: NDArray[np.float32],
        query: str,
        *,
        k: int,
        min_score: float,
        keyword_weight: float,
        where: Where | None = None,
    ) -> list[Hit]:
        """The best ``k`` rows scoring at least ``min_score``, best first."""
        if not len(self.rows) or k <= 0:
            return []
        dense = self.rows.embeddings @ vector.astype(np.float32, copy=False)
        keyword = self.keywords.scores(query)
        fused = (1.0 - keyword_weight) * np.clip(dense, 0.0, 1.0) + keyword_weight * keyword
        if where:
            fused = np.where(self._mask(where), fused, -1.0)
        k = min(k, len(fused))
        top = np.argpartition(-fused, k - 1)[:k]
        top = top[np.argsort(-fused[top], kind="stable")]
        return [self._hit(int(i), fused, dense, keyword) for i in top if fused[i] >= min_score]

    def _hit(
        self,
        i: int,
        fused: NDArray[np.floating[Any]],
        dense: NDArray[np.floating[Any]],
        keyword: NDArray[np.floating[Any]],
    ) -> Hit:
        meta: Mapping[str, Any] = self.rows.metadatas[i]
        return Hit(
            text=self.rows.documents[i],
            source=str(meta.get("source", "")),
            line_start=int(meta.get("line_start", 0)),
            line_end=int(meta.get("line_end", 0)),
            score=round(float(fused[i]), 4),
            heading=str(meta.get("heading", "")),
            dense=round(float(dense[i]), 4),
            keyword=round(float(keyword[i]), 4),
            id=self.rows.ids[i],
        )

    def _mask(self, where: Where) -> NDArray[np.bool_]:
        # Sessions repeat the same few filters; evaluating one over 10k rows costs ~10 ms.
        key = json.dumps(where, sort_keys=True, default=str)
        with self._lock:
            found = self._masks.get(key)
            if found is not None:
                self._masks.move_to_end(key)
                return found
        found = mask(where, self.rows.metadatas)
        with self._lock:
            self._masks[key] = found
            while len(self._masks) > FILTER_CACHE:
                self._masks.popitem(last=False)
        return found


def merge(parts: Sequence[Rows], dimension: int) -> Rows:
    """All rows of several collections as one."""
    out = Rows.empty(dimension)
    for rows in parts:
        out = out.plus(rows)
    return out
