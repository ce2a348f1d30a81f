"""Run blocking model code in worker threads and consume it from asyncio.

Sessions wait on model work in threads: a reply streaming its tokens, a read-ahead, speech
being synthesized, memory being written. asyncio's default pool has ``cpu_count + 4`` threads
(6 on two cores), so a handful of sessions would have their speech recognition queue behind
other sessions' waiting replies; the work itself is ordered by the scheduler, so the threads
that wait on it are cheap and many.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

T = TypeVar("T")
P = ParamSpec("P")
_DONE = object()
POOL = ThreadPoolExecutor(max_workers=256, thread_name_prefix="npc-wait")


async def to_thread(fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """``asyncio.to_thread`` on npc's own pool (see the module docstring)."""
    loop = asyncio.get_running_loop()
    call = functools.partial(contextvars.copy_context().run, fn, *args, **kwargs)
    return await loop.run_in_executor(POOL, call)


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

    worker = loop.run_in_executor(POOL, work)
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
