"""A local store that another process holds: waited for, or a retryable error."""

from pathlib import Path
from typing import Any

import chromadb
import pytest

from npc.errors import KnowledgeError
from npc.knowledge import chroma
from npc.knowledge.chroma import ChromaCollections


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
