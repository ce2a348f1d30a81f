"""Run blocking model code in worker threads and consume it from asyncio."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import TypeVar

T = TypeVar("T")
_DONE = object()


async def iterate_in_thread(make: Callable[[], Iterator[T]]) -> AsyncIterator[T]:
    """Iterate ``make()`` in a worker thread, yielding its items on the event loop.

    The items cross over as they are produced. If the consumer stops early, the worker runs
    on until the iterator notices (models check a cancel event between tokens).
    """
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[tuple[object, BaseException | None]] = asyncio.Queue()

    def work() -> None:
        try:
            for item in make():
                loop.call_soon_threadsafe(queue.put_nowait, (item, None))
        except BaseException as exc:  # handed to the consumer, raised there
            loop.call_soon_threadsafe(queue.put_nowait, (_DONE, exc))
            return
        loop.call_soon_threadsafe(queue.put_nowait, (_DONE, None))

    worker = loop.run_in_executor(None, work)
    try:
        while True:
            item, error = await queue.get()
            if error is not None:
                raise error
            if item is _DONE:
                break
            yield item  # type: ignore[misc]
    finally:
        if worker.done():
            worker.result()


class Hold:
    """Lets one stage of a turn pause another between steps.

    On two cores the model writing the rest of a reply slows the synthesis of its first
    phrase, which is what the player is waiting for; the voice holds the model until that
    audio is out. Holds nest; ``wait`` returns at once when nothing holds.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._count = 0

    def hold(self) -> None:
        with self._cond:
            self._count += 1

    def release(self) -> None:
        with self._cond:
            self._count = max(0, self._count - 1)
            if self._count == 0:
                self._cond.notify_all()

    @property
    def held(self) -> bool:
        return self._count > 0

    def wait(self, cancel: threading.Event | None = None, limit_s: float = 2.0) -> None:
        """Block while held (at most ``limit_s``, so a forgotten hold only slows a turn)."""
        deadline = time.monotonic() + limit_s
        with self._cond:
            while self._count and not (cancel is not None and cancel.is_set()):
                left = deadline - time.monotonic()
                if left <= 0:
                    return
                self._cond.wait(min(left, 0.05))
