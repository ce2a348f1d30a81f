"""An exclusive lock on a local store's folder, held across processes.

chromadb's local store is not safe for two processes at once: a process that reads a
collection another process has created but not yet filled keeps a stale view of it, and
every later read fails with "Error creating hnsw segment reader: Nothing found on disk"
(two Ray workers ingesting one store lost a run to it in CI). Holding this lock while a
collection is written or first read keeps each process's view whole. The operating system
drops the lock when its process dies, so a killed worker never leaves the store locked.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from npc.errors import KnowledgeError

LOCK_FILE = "npc-store.lock"
# Held only while a process opens the store: a file of its own, so that opening never waits
# for another process's long ingest.
OPEN_LOCK_FILE = "npc-open.lock"
POLL_S = 0.05

if sys.platform == "win32":
    import msvcrt

    def _try_lock(handle: IO[bytes]) -> bool:
        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(handle: IO[bytes]) -> None:
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(handle: IO[bytes]) -> bool:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(handle: IO[bytes]) -> None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


class FolderLock:
    """Reentrant within a process (threads wait on each other), exclusive across processes."""

    def __init__(self, folder: Path, timeout_s: float, name: str = LOCK_FILE) -> None:
        self.path = folder / name
        self.timeout_s = timeout_s
        self._thread_lock = threading.RLock()
        self._depth = 0
        self._handle: IO[bytes] | None = None

    @contextmanager
    def held(self, what: str) -> Iterator[None]:
        """Hold the folder while doing ``what`` (named in the error when waiting too long)."""
        with self._thread_lock:
            if self._depth == 0:
                self._handle = self._acquire(what)
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if self._depth == 0 and self._handle is not None:
                    _unlock(self._handle)
                    self._handle.close()
                    self._handle = None

    def _acquire(self, what: str) -> IO[bytes] | None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle = open(self.path, "a+b")  # noqa: SIM115 (closed when released)
        except OSError:
            return None  # a store nobody may write (shipped read-only) cannot be raced
        deadline = time.monotonic() + self.timeout_s
        while not _try_lock(handle):
            if time.monotonic() >= deadline:
                handle.close()
                raise KnowledgeError(
                    f"knowledge store {self.path.parent}: {what} waited {self.timeout_s:.0f} s "
                    f"for another process using the store (an `npc ingest` or a simulation "
                    f"worker); try again when it is done",
                    retryable=True,
                )
            time.sleep(POLL_S)
        return handle
