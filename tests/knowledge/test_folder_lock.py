"""The store's folder lock: exclusive across processes, reentrant within one, and what keeps
a process from reading a collection another process is still filling (CI 2026-12-05: a Ray
worker lost a run to "Error creating hnsw segment reader: Nothing found on disk")."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import numpy as np
import pytest

from npc.errors import KnowledgeError
from npc.knowledge import folder_lock
from npc.knowledge.chroma import ChromaCollections
from npc.knowledge.folder_lock import FolderLock
from npc.knowledge.index import Rows

NAME = "npc-char-tester"
COUNT = 10


def _rows() -> Rows:
    vectors = np.random.default_rng(1).random((COUNT, 8), dtype=np.float32)
    ids = [f"c{i}" for i in range(COUNT)]
    return Rows(ids, [f"chunk {i}" for i in ids], [{"source": "a.md"}] * COUNT, vectors)


def _fill_slowly(path: str, created: multiprocessing.synchronize.Event) -> None:
    """Another process: create the collection, let the test try to read it, then fill it."""
    store = ChromaCollections(Path(path))
    with store.held("filling"):
        store.set_metadata(NAME, {"character": "tester"})
        created.set()
        multiprocessing.Event().wait(1.0)
        store.add(NAME, _rows())


def test_a_collection_being_filled_elsewhere_is_read_whole(tmp_path: Path) -> None:
    spawn = multiprocessing.get_context("spawn")
    created = spawn.Event()
    writer = spawn.Process(target=_fill_slowly, args=(str(tmp_path / "chroma"), created))
    writer.start()
    try:
        assert created.wait(120), "the writing process never created its collection"
        store = ChromaCollections(tmp_path / "chroma")
        with store.held("reading"):  # waits for the writer: without it this read sees 0 rows
            first = store.rows(NAME, 8)
        writer.join(60)
        assert writer.exitcode == 0
        assert len(first) == COUNT
        assert len(store.rows(NAME, 8)) == COUNT  # and the process's view stays readable
    finally:
        writer.kill()


def test_another_holder_is_waited_for_then_named(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(folder_lock, "POLL_S", 0.01)
    mine, theirs = FolderLock(tmp_path, 0.2), FolderLock(tmp_path, 0.2)  # two open files
    waited = "reading jin's knowledge waited 0 s"
    with (
        theirs.held("ingesting jin"),
        pytest.raises(KnowledgeError, match=waited) as caught,
        mine.held("reading jin's knowledge"),
    ):
        pass
    assert caught.value.retryable
    with mine.held("reading jin's knowledge"):  # free once the other let go
        assert (tmp_path / folder_lock.LOCK_FILE).exists()


def test_the_same_lock_can_be_taken_again_inside_itself(tmp_path: Path) -> None:
    lock, other = FolderLock(tmp_path, 0.1), FolderLock(tmp_path, 0.1)
    with lock.held("ingesting"), lock.held("reading"):  # ingest rebuilds its index inside
        pass
    with other.held("after"):  # both levels released
        pass


def test_a_stale_view_is_named_as_such(tmp_path: Path) -> None:
    store = ChromaCollections(tmp_path / "chroma")

    def stale(**_: object) -> object:
        raise RuntimeError("Error creating hnsw segment reader: Nothing found on disk")

    store._client.list_collections = stale
    with pytest.raises(KnowledgeError, match="another process wrote this collection"):
        store.exists(NAME)


def test_a_folder_nobody_may_write_is_read_without_the_lock(tmp_path: Path) -> None:
    (tmp_path / folder_lock.LOCK_FILE).mkdir()  # the lock file cannot be opened
    with FolderLock(tmp_path, 0.1).held("reading"), FolderLock(tmp_path, 0.1).held("reading"):
        pass  # neither waits, neither fails
