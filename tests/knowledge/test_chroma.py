"""A local store that another process holds: waited for, or a retryable error; a new store
opened by several processes at once."""

import multiprocessing
from pathlib import Path
from typing import Any

import chromadb
import pytest

from npc.errors import KnowledgeError
from npc.knowledge import chroma
from npc.knowledge.chroma import ChromaCollections
from npc.knowledge.folder_lock import LOCK_FILE, OPEN_LOCK_FILE, FolderLock


def flaky_client(monkeypatch: pytest.MonkeyPatch, failures: int, message: str) -> list[int]:
    """chromadb.PersistentClient fails ``failures`` times with ``message``, then opens."""
    real = chromadb.PersistentClient
    calls: list[int] = []

    def client(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) <= failures:
            raise RuntimeError(message)
        return real(*args, **kwargs)

    monkeypatch.setattr(chromadb, "PersistentClient", client)
    monkeypatch.setattr(chroma, "LOCKED_WAIT_S", (0.01, 0.01, 0.01))
    return calls


def test_a_store_locked_by_another_process_is_waited_for(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    calls = flaky_client(monkeypatch, 2, "Database error: (code: 5) database is locked")
    store = ChromaCollections(tmp_path / "chroma")
    assert len(calls) == 3
    assert not store.exists("npc-char-jin")


def test_a_store_locked_while_starting_opens_on_the_next_try(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # chromadb keeps a folder's system when starting it fails; the retry must not reuse it
    from chromadb.config import System

    real, starts = System.start, []

    def start(system: Any) -> None:
        starts.append(1)
        if len(starts) == 1:
            raise RuntimeError("Database error: (code: 5) database is locked")
        real(system)

    monkeypatch.setattr(System, "start", start)
    monkeypatch.setattr(chroma, "LOCKED_WAIT_S", (0.01,))
    store = ChromaCollections(tmp_path / "chroma")
    assert len(starts) == 2
    assert not store.exists("npc-char-jin")


def test_a_lock_that_stays_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    calls = flaky_client(monkeypatch, 10, "Database error: (code: 5) database is locked")
    with pytest.raises(KnowledgeError, match="open failed.*database is locked") as caught:
        ChromaCollections(tmp_path / "chroma")
    assert len(calls) == 4  # the first try and one after each wait
    assert caught.value.retryable  # a simulation batch runs the plan again


def test_a_write_to_a_locked_store_can_be_retried(tmp_path: Path) -> None:
    store = ChromaCollections(tmp_path / "chroma")

    def locked(**_: Any) -> Any:
        raise RuntimeError("Database error: (code: 5) database is locked")

    store._client.list_collections = locked  # another process holds the write lock
    with pytest.raises(KnowledgeError, match="listing collections failed.*locked") as caught:
        store.exists("npc-char-jin")
    assert caught.value.retryable


def test_other_failures_are_not_waited_for(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    calls = flaky_client(monkeypatch, 10, "file is not a database")
    with pytest.raises(KnowledgeError, match="file is not a database") as caught:
        ChromaCollections(tmp_path / "chroma")
    assert len(calls) == 1
    assert not caught.value.retryable  # a corrupt store stays broken


def _open_at_once(path: str, ready: Any, errors: Any) -> None:
    """Another process: open the store the moment every process is ready."""
    import chromadb.config  # noqa: F401  (imported before the start, so all open together)

    ready.wait()
    try:
        ChromaCollections(Path(path))
    except Exception as exc:
        errors.put(f"{type(exc).__name__}: {exc}")


@pytest.mark.slow
def test_a_new_store_opened_by_five_processes_at_once_opens_in_each(tmp_path: Path) -> None:
    # CI 2026-12-06: two Ray workers set up one new store together and one got "table
    # collections already exists". Without the open lock 7 of 20 such starts failed here.
    spawn = multiprocessing.get_context("spawn")
    errors = spawn.Queue()
    for start in range(4):
        ready = spawn.Barrier(5)
        path = str(tmp_path / f"chroma{start}")
        openers = [spawn.Process(target=_open_at_once, args=(path, ready, errors)) for _ in "12345"]
        for p in openers:
            p.start()
        for p in openers:
            p.join(120)
        assert [p.exitcode for p in openers] == [0] * 5
        assert errors.empty(), errors.get()


def test_opening_waits_for_another_opener_but_not_for_a_writer(tmp_path: Path) -> None:
    path = tmp_path / "chroma"
    opener = FolderLock(path, 1.0, OPEN_LOCK_FILE)
    with (
        opener.held("opening elsewhere"),
        pytest.raises(KnowledgeError, match="opening the store waited") as caught,
    ):
        ChromaCollections(path, hold_wait_s=0.2)
    assert caught.value.retryable
    with FolderLock(path, 1.0, LOCK_FILE).held("an ingest elsewhere"):
        assert not ChromaCollections(path, hold_wait_s=0.2).exists("npc-char-jin")
