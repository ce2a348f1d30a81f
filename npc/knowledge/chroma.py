"""A thin wrapper over a chromadb client: collections of chunks, read and written in pages.

Every chromadb failure becomes a ``KnowledgeError`` that names the store and what to do;
a store that cannot be read is never reset or recreated behind the caller's back.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np

from npc.errors import KnowledgeError
from npc.knowledge.folder_lock import OPEN_LOCK_FILE, FolderLock
from npc.knowledge.index import Rows

PAGE = 5000  # rows per read; writes use the client's own maximum batch size
HOLD_WAIT_S = 600.0  # another process's ingest of a large pack takes minutes on two cores
CHARACTER_PREFIX = "npc-char-"
PACK_PREFIX = "npc-pack-"


def character_collection(character_id: str) -> str:
    return f"{CHARACTER_PREFIX}{character_id}"


def pack_collection(pack: str) -> str:
    slug = re.sub(r"[^a-zA-Z0-9_-]+", "-", pack).strip("-_")[:40] or "pack"
    return f"{PACK_PREFIX}{slug}-{hashlib.sha1(pack.encode()).hexdigest()[:8]}"


LOCKED_WAIT_S = (0.1, 0.2, 0.4, 0.8, 1.6, 3.2)  # ~6 s in all


def _locked(exc: BaseException) -> bool:
    """Whether ``exc`` is SQLite's "database is locked": another process is writing."""
    return "database is locked" in str(exc)


def _open_local(chromadb: Any, path: Path, settings: Any, wait_s: float) -> Any:
    """A local store, opened by one process at a time and waiting while another process
    writes its database. Two simulation workers opening one new store at once raced through
    chromadb's first setup of the folder ("table collections already exists", and a client
    left half built: CI lost a Ray run to it), and one opening while another wrote got
    SQLite's "database is locked"."""
    with FolderLock(path, wait_s, OPEN_LOCK_FILE).held("opening the store"):
        for wait in (*LOCKED_WAIT_S, None):
            started = set(_systems(chromadb))
            try:
                client = chromadb.PersistentClient(path=str(path), settings=settings)
                client.list_collections(limit=1)  # a corrupt or locked store fails here
                return client
            except Exception as exc:
                # chromadb keeps a folder's system even when starting it failed, and hands
                # that half-built one to the next try ("no attribute 'bindings'").
                if str(path) not in started:
                    _systems(chromadb).pop(str(path), None)
                if wait is None or not _locked(exc):
                    raise
                time.sleep(wait)
    raise AssertionError("unreachable")


def _systems(chromadb: Any) -> dict[str, Any]:
    """chromadb's per-process systems by folder (an internal table; empty if it moves)."""
    shared = getattr(chromadb.api, "shared_system_client", None)
    table = getattr(getattr(shared, "SharedSystemClient", None), "_identifier_to_system", None)
    return table if isinstance(table, dict) else {}


class ChromaCollections:
    """The chunk collections in one chromadb store (a local folder or a server)."""

    def __init__(
        self,
        path: Path | None = None,
        *,
        url: str | None = None,
        embedding_function: Any | None = None,
        hold_wait_s: float = HOLD_WAIT_S,
    ) -> None:
        import chromadb  # imported here: it takes ~1 s, and only the store needs it
        from chromadb.config import Settings as ChromaSettings

        self.where = url or str(path)
        self._ef = embedding_function
        # A server orders its clients' requests itself; a local folder needs our lock.
        self._folder_lock = None if url or path is None else FolderLock(path, hold_wait_s)
        chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
        with self._guard("open"):
            if url:
                parsed = urlparse(url)
                if not parsed.hostname:
                    raise KnowledgeError(f"bad knowledge.url {url!r}; expected http://host:port")
                self._client: Any = chromadb.HttpClient(
                    host=parsed.hostname,
                    port=parsed.port or (443 if parsed.scheme == "https" else 8000),
                    ssl=parsed.scheme == "https",
                    settings=chroma_settings,
                )
                self._client.heartbeat()
                self._client.list_collections(limit=1)
            else:
                assert path is not None
                path.mkdir(parents=True, exist_ok=True)
                self._client = _open_local(chromadb, path, chroma_settings, hold_wait_s)
            self._batch = int(self._client.get_max_batch_size())

    def held(self, what: str) -> AbstractContextManager[None]:
        """A context holding a local store against other processes while doing ``what``
        (``npc.knowledge.folder_lock``); nothing to hold for a server."""
        return nullcontext() if self._folder_lock is None else self._folder_lock.held(what)

    @contextmanager
    def _guard(self, what: str) -> Iterator[None]:
        try:
            yield
        except KnowledgeError:
            raise
        except Exception as exc:  # chromadb raises many kinds; every one means "store failed"
            remote = self.where.startswith(("http://", "https://"))
            if remote:
                advice = "check that the chroma server is running and reachable"
            elif "Nothing found on disk" in str(exc):
                advice = (
                    "another process wrote this collection after this one first read it; "
                    "restart this process (writers and readers that go through npc wait for "
                    "each other)"
                )
            else:
                advice = "if the store is corrupt, move the folder aside and run `npc ingest` again"
            # A server may come back, and a local store locked by another process (a
            # simulation worker writing the same folder) frees up: both are worth a retry.
            raise KnowledgeError(
                f"knowledge store {self.where}: {what} failed: {type(exc).__name__}: {exc}; "
                + advice,
                retryable=remote or _locked(exc),
            ) from exc

    def _collection(self, name: str, *, create: bool) -> Any:
        with self._guard(f"opening collection {name}"):
            if create:
                return self._client.get_or_create_collection(
                    name, embedding_function=self._ef, configuration={"hnsw": {"space": "cosine"}}
                )
            return self._client.get_collection(name, embedding_function=self._ef)

    def exists(self, name: str) -> bool:
        with self._guard("listing collections"):
            names = {c if isinstance(c, str) else c.name for c in self._client.list_collections()}
        return name in names

    def metadata(self, name: str) -> dict[str, Any]:
        return dict(self._collection(name, create=False).metadata or {})

    def set_metadata(self, name: str, metadata: dict[str, Any]) -> None:
        col = self._collection(name, create=True)
        with self._guard(f"updating {name}"):
            col.modify(metadata=metadata)

    def rows(self, name: str, dimension: int) -> Rows:
        """Every row of a collection (empty when it does not exist)."""
        if not self.exists(name):
            return Rows.empty(dimension)
        col = self._collection(name, create=False)
        ids: list[str] = []
        docs: list[str] = []
        metas: list[dict[str, Any]] = []
        vectors = []
        with self._guard(f"reading {name}"):
            offset = 0
            while True:
                page = col.get(
                    include=["documents", "metadatas", "embeddings"], limit=PAGE, offset=offset
                )
                if not page["ids"]:
                    break
                ids += page["ids"]
                docs += [d or "" for d in page["documents"]]
                metas += [dict(m or {}) for m in page["metadatas"]]
                vectors.append(np.asarray(page["embeddings"], dtype=np.float32))
                offset += len(page["ids"])
        if not ids:
            return Rows.empty(dimension)
        return Rows(ids, docs, metas, np.concatenate(vectors))

    def add(self, name: str, rows: Rows) -> None:
        col = self._collection(name, create=True)
        with self._guard(f"writing {len(rows)} chunks to {name}"):
            for i in range(0, len(rows), self._batch):
                j = i + self._batch
                col.add(
                    ids=rows.ids[i:j],
                    documents=rows.documents[i:j],
                    metadatas=rows.metadatas[i:j],
                    embeddings=rows.embeddings[i:j],
                )

    def delete(self, name: str, ids: list[str]) -> None:
        if not ids:
            return
        col = self._collection(name, create=True)
        with self._guard(f"deleting {len(ids)} chunks from {name}"):
            for i in range(0, len(ids), self._batch):
                col.delete(ids=ids[i : i + self._batch])

    def drop(self, name: str) -> None:
        if self.exists(name):
            with self._guard(f"deleting collection {name}"):
                self._client.delete_collection(name)
