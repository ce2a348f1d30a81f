"""The database behind player memory: every write is one transaction, retried, then raised.

Two backends run the same statements: ``SqliteJournal`` (the default, one file beside the
server) and ``PostgresJournal`` (``npc.knowledge.postgres``, one database shared by several
servers). ``open_journal`` picks one from a path or a URL.

SQLite runs WAL with ``synchronous=FULL``; PostgreSQL commits durably by default: either
way a committed transaction survives a crash of the server that wrote it. A call that keeps
failing raises ``KnowledgeError`` (retryable when the failure was transient: busy, locked,
a dropped connection) naming the character and player; a database that cannot be read is
reported, never recreated.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol, TypeVar

import numpy as np
from numpy.typing import NDArray

from npc.errors import KnowledgeError
from npc.knowledge.extract import Fact

log = logging.getLogger(__name__)

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


class Tx(Protocol):
    """One open transaction; statements use ``?`` placeholders whatever the backend."""

    def rows(self, sql: str, args: Sequence[Any] = ()) -> list[tuple[Any, ...]]: ...

    def run(self, sql: str, args: Sequence[Any] = ()) -> int:
        """Execute a statement; returns how many rows it changed."""
        ...


class _Superseded(Exception):
    """Rolls a summary back: another writer summarised the same rows first."""


class Journal(ABC):
    """Turns and memories of every (character, player) pair, in one database."""

    # What messages call the database (no password in it).
    where: str = "the memory database"

    def __init__(self, *, attempts: int = 4, backoff_s: float = 0.05) -> None:
        self.attempts = attempts
        self.backoff_s = backoff_s

    # -- what a backend provides -----------------------------------------------------

    @abstractmethod
    def _transaction(self, fn: Callable[[Tx], T]) -> T:
        """Run ``fn`` in one transaction: committed when it returns, rolled back if it raises."""

    @abstractmethod
    def _failure(self, exc: Exception) -> bool | None:
        """None: not a database error; True: transient (worth retrying); False: permanent."""

    @abstractmethod
    def close(self) -> None: ...

    # -- retries -----------------------------------------------------------------------

    def _attempt(self, fn: Callable[[Tx], T]) -> tuple[T | None, Exception | None, bool]:
        """(result, last error, whether that error was transient), retrying transient ones."""
        error: Exception | None = None
        for attempt in range(self.attempts):
            try:
                return self._transaction(fn), None, False
            except _Superseded:
                raise
            except Exception as exc:
                transient = self._failure(exc)
                if transient is None:
                    raise
                error = exc
                if not transient:
                    return None, error, False
                if attempt + 1 < self.attempts:
                    time.sleep(self.backoff_s * (2**attempt))
        return None, error, True

    def _write(self, key: Key, what: str, fn: Callable[[Tx], None]) -> None:
        try:
            _, error, transient = self._attempt(fn)
        except _Superseded:
            log.info("%s for %s/%s was already written by another server", what, *key)
            return
        if error is not None:
            raise KnowledgeError(
                f"could not save {what} for player {key[1]!r} of {key[0]!r} in {self.where} "
                f"after {self.attempts} attempts: {error}",
                retryable=transient,
            ) from error

    def _read(self, sql: str, args: Sequence[Any]) -> list[tuple[Any, ...]]:
        rows, error, transient = self._attempt(lambda tx: tx.rows(sql, args))
        if error is not None:
            raise KnowledgeError(
                f"cannot read {self.where}: {error}", retryable=transient
            ) from error
        assert rows is not None
        return rows

    # -- the journal -------------------------------------------------------------------

    def record(
        self,
        key: Key,
        turn: Any,
        turn_vector: Vector | None,
        facts: Sequence[Fact],
        fact_vectors: Sequence[Vector] | None,
    ) -> None:
        """A turn and the facts drawn from it, in one transaction."""

        def write(tx: Tx) -> None:
            tx.run(
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
            _insert_facts(tx, key, facts, fact_vectors, turn.created)

        self._write(key, "a turn", write)

    def add_facts(
        self, key: Key, facts: Sequence[Fact], vectors: Sequence[Vector] | None, created: float
    ) -> None:
        self._write(key, "a memory", lambda tx: _insert_facts(tx, key, facts, vectors, created))

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
        if first is not None:
            sql = f"SELECT {columns} FROM turns {where} ORDER BY id LIMIT ?"
            return self._read(sql, (*key, first))
        return self._read(f"SELECT {columns} FROM turns {where} ORDER BY id", key)

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
        """Add a summary and delete what it summarises, in one transaction.

        When some of those rows are gone already (another server sharing the database
        summarised them first), nothing is written: the rows live on in that summary.
        """

        def write(tx: Tx) -> None:
            deleted = sum(tx.run("DELETE FROM turns WHERE id = ?", (i,)) for i in turn_ids)
            deleted += sum(tx.run("DELETE FROM memories WHERE id = ?", (i,)) for i in summary_ids)
            if deleted < len(turn_ids) + len(summary_ids):
                raise _Superseded
            tx.run(
                "INSERT INTO memories (character, player, created, kind, text, importance, key, "
                "embedding) VALUES (?, ?, ?, 'summary', ?, ?, NULL, ?)",
                (*key, created, text, SUMMARY_IMPORTANCE, _blob(vector)),
            )

        self._write(key, "a summary", write)

    def forget(self, key: Key) -> None:
        def write(tx: Tx) -> None:
            tx.run("DELETE FROM turns WHERE character = ? AND player = ?", key)
            tx.run("DELETE FROM memories WHERE character = ? AND player = ?", key)

        self._write(key, "forgetting", write)


class SqliteJournal(Journal):
    """The journal in one SQLite file (the default: nothing to run beside the server)."""

    def __init__(
        self, path: Path, *, attempts: int = 4, backoff_s: float = 0.05, busy_timeout_s: float = 5.0
    ) -> None:
        super().__init__(attempts=attempts, backoff_s=backoff_s)
        self.path = path
        self.where = f"the memory database {path}"
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

    def _transaction(self, fn: Callable[[Tx], T]) -> T:
        with self._lock, self._db:
            return fn(_SqliteTx(self._db))

    def _failure(self, exc: Exception) -> bool | None:
        if not isinstance(exc, sqlite3.Error):
            return None
        return isinstance(exc, sqlite3.OperationalError)  # locked, busy, disk I/O, disk full


class _SqliteTx:
    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def rows(self, sql: str, args: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self._db.execute(sql, args).fetchall()

    def run(self, sql: str, args: Sequence[Any] = ()) -> int:
        return self._db.execute(sql, args).rowcount


def open_journal(location: str | Path) -> Journal:
    """The journal at ``location``: a file path or ``sqlite:///path`` (SQLite), or a
    ``postgresql://`` URL (PostgreSQL; needs the ``postgres`` extra)."""
    text = str(location)
    if text.startswith(("postgresql://", "postgres://")):
        from npc.knowledge.postgres import PostgresJournal

        return PostgresJournal(text)
    if text.startswith("sqlite:///"):
        return SqliteJournal(Path(text.removeprefix("sqlite://")))
    if "://" in text:
        raise KnowledgeError(
            f"cannot open the memory database {text.split('://')[0]}://...: expected a "
            "postgresql:// URL, a sqlite:/// URL or a file path"
        )
    return SqliteJournal(Path(text))


def _insert_facts(
    tx: Tx,
    key: Key,
    facts: Sequence[Fact],
    vectors: Sequence[Vector] | None,
    created: float,
) -> None:
    for i, fact in enumerate(facts):
        if fact.key is not None:  # a new name replaces the old one
            tx.run(
                "DELETE FROM memories WHERE character = ? AND player = ? AND key = ?",
                (*key, fact.key),
            )
        elif tx.rows(
            "SELECT 1 FROM memories WHERE character = ? AND player = ? AND text = ?",
            (*key, fact.text),
        ):
            continue
        tx.run(
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
