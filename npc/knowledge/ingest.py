"""Incremental ingest of one collection: unchanged sources are skipped by content hash,
changed ones have their chunks replaced, deleted ones have them removed.

New chunks are written before the old ones are deleted, and every chunk records its file's
hash and chunk count, so an ingest cut short is repaired by the next one (a source whose
chunks do not match one complete hash is ingested again).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from npc.knowledge.chroma import ChromaCollections
from npc.knowledge.index import Rows
from npc.knowledge.sources import Loaded, Source, SourceError, load_source
from npc.providers.base import Embedder

Status = Literal["ingested", "skipped", "failed", "removed"]


@dataclass(frozen=True, slots=True)
class IngestProgress:
    """One source done: sent to the progress callback."""

    collection: str
    source: str
    status: Status
    done: int
    total: int
    detail: str = ""


ProgressCallback = Callable[[IngestProgress], None]


@dataclass
class IngestReport:
    """What an ingest did, source by source."""

    ingested: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (source, reason)
    removed: list[str] = field(default_factory=list)
    chunks_added: int = 0
    chunks_removed: int = 0

    def extend(self, other: IngestReport) -> None:
        self.ingested += other.ingested
        self.skipped += other.skipped
        self.failed += other.failed
        self.removed += other.removed
        self.chunks_added += other.chunks_added
        self.chunks_removed += other.chunks_removed


@dataclass(frozen=True, slots=True)
class Limits:
    chunk_chars: int
    max_file_bytes: int


def sync_collection(
    chroma: ChromaCollections,
    embedder: Embedder,
    name: str,
    sources: Sequence[Source],
    existing: Rows,
    limits: Limits,
    progress: ProgressCallback | None = None,
) -> tuple[Rows, IngestReport]:
    """Bring collection ``name`` in line with ``sources``; returns its rows and a report."""
    report = IngestReport()
    stored = _stored_by_source(existing)
    wanted = {s.name for s in sources}
    total = len(sources) + len(set(stored) - wanted)
    done = 0

    def tell(source: str, status: Status, detail: str = "") -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(IngestProgress(name, source, status, done, total, detail))

    new_rows: list[Rows] = []
    replaced: set[str] = set()
    for source in sources:
        try:
            loaded = load_source(
                source, max_bytes=limits.max_file_bytes, chunk_chars=limits.chunk_chars
            )
        except SourceError as exc:
            # A file that cannot be read keeps its earlier chunks: the error may pass.
            report.failed.append((source.name, str(exc)))
            tell(source.name, "failed", str(exc))
            continue
        if stored.get(source.name) == {loaded.sha256} or (
            not loaded.chunks and source.name not in stored
        ):
            report.skipped.append(source.name)
            tell(source.name, "skipped")
            continue
        rows = _rows(embedder, loaded, owner=name)
        chroma.add(name, rows)
        new_rows.append(rows)
        replaced.add(source.name)
        report.ingested.append(source.name)
        report.chunks_added += len(rows)
        tell(source.name, "ingested", f"{len(rows)} chunks")
    new_ids = {i for rows in new_rows for i in rows.ids}
    removed = set(stored) - wanted
    stale = [
        row_id
        for row_id, meta in zip(existing.ids, existing.metadatas, strict=True)
        if meta.get("source") in replaced | removed and row_id not in new_ids
    ]
    chroma.delete(name, stale)
    report.chunks_removed = len(stale)
    for source_name in sorted(removed):
        report.removed.append(source_name)
        tell(source_name, "removed")
    result = existing.without(replaced | removed)
    for rows in new_rows:
        result = result.plus(rows)
    return result, report


def _stored_by_source(rows: Rows) -> dict[str, set[str]]:
    """Each stored source's hash, or a set with a marker when its chunks are incomplete."""
    hashes: dict[str, set[str]] = defaultdict(set)
    counts: dict[str, int] = defaultdict(int)
    expected: dict[str, int] = {}
    for meta in rows.metadatas:
        source = str(meta.get("source", ""))
        hashes[source].add(str(meta.get("file_hash", "")))
        counts[source] += 1
        expected[source] = int(meta.get("n_chunks", -1))
    for source, count in counts.items():
        if count != expected[source]:
            hashes[source].add("incomplete")
    return dict(hashes)


def _rows(embedder: Embedder, loaded: Loaded, *, owner: str) -> Rows:
    chunks = loaded.chunks
    prefix = hashlib.sha1(loaded.source.name.encode()).hexdigest()[:12]
    ids = [f"{prefix}-{loaded.sha256[:12]}-{i}" for i in range(len(chunks))]
    metas: list[dict[str, Any]] = []
    for i, c in enumerate(chunks):
        meta: dict[str, Any] = {
            "source": c.source,
            "line_start": c.line_start,
            "line_end": c.line_end,
            "heading": c.heading,
            "kind": c.kind,
            "file_hash": loaded.sha256,
            "n_chunks": len(chunks),
            "chunk": i,
            "owner": owner,
        }
        if c.tags:
            meta["tags"] = list(c.tags)
        metas.append(meta)
    vectors = (
        embedder.embed([c.embedding_text() for c in chunks])
        if chunks
        else np.zeros((0, embedder.dimension), dtype=np.float32)
    )
    return Rows(ids, [c.text for c in chunks], metas, vectors.astype(np.float32, copy=False))
