"""One connection's incoming frames, read as they arrive and bounded before the session sees them.

The socket is read by a task of its own, whatever the session is doing: every frame counts
against the rate limit when it arrives (a session busy with a slow message does not stop the
count), oversized frames are refused, frames are decoded (a bad one becomes a ``ProtocolError``
for the session to answer), and at most ``pending`` decoded messages wait for the session;
beyond that, frames are dropped with an error. Errors about dropped frames are sent at most
once a second per reason, saying how many were dropped; drops not yet told are told a second
after the last notice, so every dropped frame is accounted for.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

from npc.errors import ProtocolError
from npc.protocol import messages as m
from npc.protocol.codec import decode_client

Send = Callable[[Any], Awaitable[None]]


class Closed:
    """The connection is gone: no more messages."""


class IdleTimeout(Exception):
    """No message for the idle time."""


@dataclass
class Limits:
    rate_per_s: float = 200.0
    burst: float = 400.0
    max_bytes: int = 1 << 20
    pending: int = 64  # decoded messages waiting for the session
    idle_s: float = 300.0


@dataclass
class _Refusals:
    """Frames dropped for one reason, and when the client was last told."""

    why: str = ""
    dropped: int = 0
    told_at: float = -1e9
    later: asyncio.Task[None] | None = None  # tells the drops since the last notice


@dataclass
class Inbox:
    """Reads ``ws`` in its own task (``start``); the session takes messages with ``get``."""

    ws: ServerConnection
    send: Send
    limits: Limits = field(default_factory=Limits)
    clock: Callable[[], float] = time.monotonic
    on_refused: Callable[[str], None] = lambda reason: None  # for metrics
    # While this says the client is waiting on us (a reply is being written), silence from it
    # is not idleness.
    waiting: Callable[[], bool] = lambda: False
    _queue: asyncio.Queue[Any] = field(default_factory=asyncio.Queue)
    _task: asyncio.Task[None] | None = None
    _refusals: dict[str, _Refusals] = field(default_factory=dict)

    def start(self) -> None:
        self._task = asyncio.create_task(self._read())

    async def close(self) -> None:
        """Stop reading; drops not yet told are told now, while the client may still hear
        (a session that ends within a second of a drop would otherwise never say it)."""
        tasks = [self._task] + [r.later for r in self._refusals.values()]
        for task in tasks:
            if task is not None:
                task.cancel()
        await asyncio.gather(*(t for t in tasks if t is not None), return_exceptions=True)
        for state in self._refusals.values():
            if state.dropped:
                with contextlib.suppress(ConnectionClosed):  # nobody left to tell
                    await self._tell(state)

    async def get(self, timeout: float | None = None) -> Any:
        """The next message (bytes, a message model or a ProtocolError), or ``Closed``.
        Raises ``IdleTimeout`` after ``timeout`` (default: the idle limit) without one."""
        limit = timeout or self.limits.idle_s
        while True:
            try:
                return await asyncio.wait_for(self._queue.get(), limit)
            except TimeoutError:
                if not self.waiting():
                    raise IdleTimeout from None

    async def messages(self) -> AsyncIterator[Any]:
        """Messages until the connection closes; ``IdleTimeout`` when the client goes quiet."""
        while not isinstance(item := await self.get(), Closed):
            yield item

    async def _read(self) -> None:
        tokens, last = self.limits.burst, self.clock()
        try:
            async for frame in self.ws:
                now = self.clock()
                tokens = min(self.limits.burst, tokens + (now - last) * self.limits.rate_per_s)
                last = now
                if tokens < 1:
                    await self._refuse(
                        "rate_limited",
                        f"more than {self.limits.rate_per_s:g} messages per second",
                    )
                    continue
                tokens -= 1
                if len(frame) > self.limits.max_bytes:
                    await self._refuse(
                        "too_large",
                        f"a message of {len(frame)} bytes is over the limit of "
                        f"{self.limits.max_bytes} (send audio in chunks of 20-100 ms)",
                    )
                    continue
                if self._queue.qsize() >= self.limits.pending:
                    await self._refuse(
                        "behind",
                        f"{self.limits.pending} messages are already waiting for the session",
                    )
                    continue
                try:
                    item: Any = decode_client(frame)
                except ProtocolError as exc:
                    item = exc
                self._queue.put_nowait(item)
        except ConnectionClosed:
            pass
        finally:
            self._queue.put_nowait(Closed())

    async def _refuse(self, reason: str, why: str) -> None:
        self.on_refused(reason)
        state = self._refusals.setdefault(reason, _Refusals())
        state.dropped += 1
        state.why = why
        wait = 1.0 - (self.clock() - state.told_at)
        if wait <= 0:
            await self._tell(state)
        elif state.later is None:
            state.later = asyncio.create_task(self._tell_later(state, wait))

    async def _tell_later(self, state: _Refusals, wait: float) -> None:
        await asyncio.sleep(wait)
        state.later = None
        if state.dropped:
            with contextlib.suppress(ConnectionClosed):  # nobody left to tell
                await self._tell(state)

    async def _tell(self, state: _Refusals) -> None:
        count, state.dropped, state.told_at = state.dropped, 0, self.clock()
        dropped = "a message was" if count == 1 else f"{count} messages were"
        await self.send(m.Error(code="bad_message", message=f"{state.why}; {dropped} dropped"))
