"""Model work done before the player has finished: the prompt read while they speak.

While the player speaks, the reply's prompt is read from the newest partial transcript
(``follow``): when their final words are the same, the reply starts with its prompt read.
A newer partial stops the read of the older one at once (its rest would be wasted); the
read stops when their turn ends (``stop``). Between turns, ``warm`` reads the conversation
so far, so the next turn's prompt holds only the new words.

All of it is the least urgent model work (``Level.READ_AHEAD``, ``Level.WARM``); each read
has its own ``Job``, cancelled to stop it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from npc.conversation.scheduler import Job
from npc.errors import NpcError
from npc.mind.mind import Mind
from npc.providers.base import Level
from npc.threads import to_thread

log = logging.getLogger(__name__)


class ReadAhead:
    """The read-ahead of one conversation: at most one read runs at a time."""

    def __init__(self, mind: Mind) -> None:
        self.mind = mind
        self._wanted = ""  # the newest partial to read ahead, "" for none
        self._task: asyncio.Task[None] | None = None
        self._job: Job | None = None
        self._warm = False  # a warm-up is asked for once the current read ends
        self.closed = False

    @property
    def busy(self) -> bool:
        return self._task is not None

    def follow(self, partial: str) -> None:
        """Read the reply's prompt for ``partial``, dropping an older read."""
        if self.closed:
            return
        self._wanted = partial
        self._warm = False
        if self._job is not None:
            self._job.cancel()
        self._start()

    def stop(self) -> None:
        """The player's turn ended: stop reading (the reply needs the model now)."""
        self._wanted = ""
        self._warm = False
        if self._job is not None:
            self._job.cancel()

    def warm(self) -> None:
        """Read the conversation so far, once nothing else is being read."""
        if self.closed:
            return
        self._warm = True
        self._start()

    def halt(self) -> None:
        """Stop all reading now, for good (``close`` then waits for the model to let go)."""
        self.closed = True
        self.stop()
        if self._task is not None:
            self._task.cancel()

    async def close(self) -> None:
        """Stop all reading and wait until the model has let go of it."""
        self.halt()
        task = self._task
        if task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def _start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        try:
            done = ""
            while not self.closed:
                if self._wanted and self._wanted != done:
                    done = self._wanted
                    await self._read(done)
                elif self._warm and not self._wanted:
                    self._warm = False
                    await self._do(Job(Level.WARM), self.mind.warm)
                else:
                    return
        finally:
            self._task = None

    async def _read(self, partial: str) -> None:
        job = Job(Level.READ_AHEAD)
        self._job = job
        notes = await to_thread(self.mind.notes, partial)
        if not job.cancelled:
            await self._do(job, lambda control: self.mind.prefill(partial, notes, control))

    async def _do(self, job: Job, work: Callable[[Job], None]) -> None:
        self._job = job
        try:
            await to_thread(work, job)
        except NpcError as exc:  # only a missed speed-up
            log.warning("read-ahead failed: %s", exc.message)
        finally:
            if self._job is job:
                self._job = None
