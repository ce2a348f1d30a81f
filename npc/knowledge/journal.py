"""The SQLite file behind player memory: every write is one transaction, retried, then raised.

WAL with ``synchronous=FULL`` makes a committed transaction survive a crash or power cut.
A write that keeps failing raises ``KnowledgeError`` (retryable) naming the character and
player; a database that cannot be read is reported, never recreated.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray

from npc.errors import KnowledgeError
from npc.knowledge.extract import Fact

Key = tuple[str, str]  # (character id, player id)
Vector = NDArray[np.float32]
T = TypeVar("T")
TURN_IMPORTANCE = 3.0
SUMMARY_IMPORTANCE = 5.0

SCHEMA = """
CREATE TABLE IF NOT EXISTS turns (
    id INTEGER PRIMARY KEY, character TEXT NOT NULL, player TEXT NOT NULL, created REAL NOT NULL,
    user_text TEXT NOT NULL, reply_text TEXT NOT NULL, actions TEXT NOT NULL, events TEXT NOT NULL,
    embedding BLOB);
CREATE INDEX IF NOT EXISTS turns_by_player ON turns (character, player, id);
CREATE TABLE IF NOT EXISTS memories (
    id INTEGER PRIMARY KEY, character TEXT NOT NULL, player TEXT NOT NULL, created REAL NOT NULL,
    kind TEXT NOT NULL, text TEXT NOT NULL, importance REAL NOT NULL, key TEXT, embedding BLOB);
CREATE INDEX IF NOT EXISTS memories_by_player ON memories (character, player, kind);
"""


class Journal:
    """Turns and memories of every (character, player) pair in one SQLite file."""

    def __init__(
        self, path: Path, *, attempts: int = 4, backoff_s: float = 0.05, busy_timeout_s: float = 5.0
    ) -> None:
        self.path = path
        self.attempts = attempts
        self.backoff_s = backoff_s
        self._lock = threading.Lock()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, check_same_thread=False, timeout=busy_timeout_s)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            with self._db:
                self._db.executescript(SCHEMA)
        except sqlite3.Error as exc:
            raise KnowledgeError(
                f"cannot open the memory database {path}: {exc}; if it is corrupt, move it "
                "aside (players' memories in it will be lost) and start again"
            ) from exc

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _write(self, key: Key, what: str, fn: Callable[[sqlite3.Connection], None]) -> None:
        """Run ``fn`` in one transaction, retrying transient failures (busy, I/O)."""
        error: Exception | None = None
        for attempt in range(self.attempts):
            try:
                with self._lock, self._db:
                    fn(self._db)
                return
            except sqlite3.OperationalError as exc:  # locked, busy, disk I/O, disk full
                error = exc
                time.sleep(self.backoff_s * (2**attempt))
            except sqlite3.Error as exc:
                error = exc
                break
        raise KnowledgeError(
            f"could not save {what} for player {key[1]!r} of {key[0]!r} in {self.path} "
            f"after {self.attempts} attempts: {error}",
            retryable=isinstance(error, sqlite3.OperationalError),
        ) from error

    def _read(self, sql: str, args: Sequence[Any]) -> list[Any]:
        try:
            with self._lock:
                return self._db.execute(sql, args).fetchall()
        except sqlite3.Error as exc:
            raise KnowledgeError(f"cannot read the memory database {self.path}: {exc}") from exc

    def record(
        self,
        key: Key,
        turn: Any,
        turn_vector: Vector | None,
        facts: Sequence[Fact],
        fact_vectors: Sequence[Vector] | None,
    ) -> None:
        """A turn and the facts drawn from it, in one transaction."""

        def write(db: sqlite3.Connection) -> None:
            db.execute(
                "INSERT INTO turns (character, player, created, user_text, reply_text, actions, "
                "events, embedding) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    *key,
                    turn.created,
                    turn.user_text,
                    turn.reply_text,
                    json.dumps(list(turn.actions), default=str),
                    json.dumps(list(turn.events)),
                    _blob(turn_vector),
                ),
            )
            _insert_facts(db, key, facts, fact_vectors, turn.created)

        self._write(key, "a turn", write)

    def add_facts(
        self, key: Key, facts: Sequence[Fact], vectors: Sequence[Vector] | None, created: float
    ) -> None:
        self._write(key, "a memory", lambda db: _insert_facts(db, key, facts, vectors, created))

    def turn_rows(
        self, key: Key, *, last: int | None = None, first: int | None = None
    ) -> list[Any]:
        """(id, created, user_text, reply_text, actions, events, embedding), oldest first."""
        columns = "id, created, user_text, reply_text, actions, events, embedding"
        where = "WHERE character = ? AND player = ?"
        if last is not None:
            rows = self._read(
                f"SELECT {columns} FROM turns {where} ORDER BY id DESC LIMIT ?", (*key, last)
            )
            return rows[::-1]
        limit = -1 if first is None else first
        return self._read(f"SELECT {columns} FROM turns {where} ORDER BY id LIMIT ?", (*key, limit))

    def count_turns(self, key: Key) -> int:
        rows = self._read("SELECT COUNT(*) FROM turns WHERE character = ? AND player = ?", key)
        return int(rows[0][0])

    def memory_rows(self, key: Key, kind: str | None = None) -> list[Any]:
        """(id, created, kind, text, importance, embedding), oldest first."""
        sql = "SELECT id, created, kind, text, importance, embedding FROM memories "
        sql += "WHERE character = ? AND player = ?"
        if kind is not None:
            return self._read(sql + " AND kind = ? ORDER BY created, id", (*key, kind))
        return self._read(sql + " ORDER BY created, id", key)

    def replace_with_summary(
        self,
        key: Key,
        text: str,
        vector: Vector | None,
        created: float,
        turn_ids: Sequence[int],
        summary_ids: Sequence[int],
    ) -> None:
        """Add a summary and delete what it summarises, in one transaction."""

        def write(db: sqlite3.Connection) -> None:
            db.execute(
                "INSERT INTO memories (character, player, created, kind, text, importance, key, "
                "embedding) VALUES (?, ?, ?, 'summary', ?, ?, NULL, ?)",
                (*key, created, text, SUMMARY_IMPORTANCE, _blob(vector)),
            )
            db.executemany("DELETE FROM turns WHERE id = ?", [(i,) for i in turn_ids])
            db.executemany("DELETE FROM memories WHERE id = ?", [(i,) for i in summary_ids])

        self._write(key, "a summary", write)

    def forget(self, key: Key) -> None:
        def write(db: sqlite3.Connection) -> None:
            db.execute("DELETE FROM turns WHERE character = ? AND player = ?", key)
            db.execute("DELETE FROM memories WHERE character = ? AND player = ?", key)

        self._write(key, "forgetting", write)


def _insert_facts(
    db: sqlite3.Connection,
    key: Key,
    facts: Sequence[Fact],
    vectors: Sequence[Vector] | None,
    created: float,
) -> None:
    for i, fact in enumerate(facts):
        if fact.key is not None:  # a new name replaces the old one
            db.execute(
                "DELETE FROM memories WHERE character = ? AND player = ? AND key = ?",
                (*key, fact.key),
            )
        elif db.execute(
            "SELECT 1 FROM memories WHERE character = ? AND player = ? AND text = ?",
            (*key, fact.text),
        ).fetchone():
            continue
        db.execute(
            "INSERT INTO memories (character, player, created, kind, text, importance, key, "
            "embedding) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                *key,
                created,
                fact.kind,
                fact.text,
                fact.importance,
                fact.key,
                _blob(vectors[i] if vectors is not None else None),
            ),
        )


def _blob(vector: Vector | None) -> bytes | None:
    return None if vector is None else np.asarray(vector, dtype=np.float32).tobytes()


def vector_of(blob: bytes | None) -> Vector | None:
    return None if blob is None else np.frombuffer(blob, dtype=np.float32)
