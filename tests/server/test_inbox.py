"""The inbox alone, over a scripted socket: every frame is taken, or refused and counted."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from npc.errors import ProtocolError
from npc.protocol import messages as m
from server.inbox import Closed, Inbox, Limits
from tests.server.target import dropped


class ScriptedSocket:
    """Test double of a websocket connection: its frames arrive at once, then it closes."""

    def __init__(self, frames: list[str | bytes]) -> None:
        self.frames = frames

    def __aiter__(self) -> AsyncIterator[str | bytes]:
        return self._frames()

    async def _frames(self) -> AsyncIterator[str | bytes]:
        for frame in self.frames:
            yield frame
            await asyncio.sleep(0)


async def run_inbox(
    frames: list[str | bytes], limits: Limits, read: bool
) -> tuple[list[Any], list[m.Error]]:
    """What the session got and what the client was told, once every notice is out."""
    told: list[m.Error] = []

    async def send(message: Any) -> None:
        told.append(message)

    inbox = Inbox(ScriptedSocket(frames), send, limits)  # type: ignore[arg-type]
    inbox.start()
    taken: list[Any] = []
    if read:
        async for item in inbox.messages():
            taken.append(item)
    else:
        await asyncio.sleep(0.1)
        while not inbox._queue.empty():
            taken.append(inbox._queue.get_nowait())
        taken = [t for t in taken if not isinstance(t, Closed)]
    await asyncio.sleep(1.2)  # drops not yet told are told a second after the last notice
    await inbox.close()
    return taken, told


async def test_a_burst_over_the_rate_is_counted_to_the_last_frame() -> None:
    frames: list[str | bytes] = ['{"type": "interrupt"}'] * 1000
    taken, told = await run_inbox(frames, Limits(rate_per_s=100, burst=50, pending=2000), read=True)
    refused = sum(dropped(e.model_dump()) for e in told)
    assert 50 <= len(taken) < 200
    assert len(taken) + refused == 1000
    assert all("more than 100 messages per second" in e.message for e in told)
    assert len(told) <= 3  # coalesced: one notice at once, the rest a second later


async def test_frames_past_the_pending_limit_are_refused_and_counted() -> None:
    frames: list[str | bytes] = [b"\x00\x00"] * 300
    taken, told = await run_inbox(frames, Limits(pending=64), read=False)
    assert len(taken) == 64
    assert sum(dropped(e.model_dump()) for e in told) == 236
    assert "64 messages are already waiting" in told[0].message


async def test_oversized_and_malformed_frames() -> None:
    frames: list[str | bytes] = [b"\x00" * 2048, "x" * 2048, "{nope", '{"type": "end"}']
    taken, told = await run_inbox(frames, Limits(max_bytes=1024), read=True)
    over = "a message of 2048 bytes is over the limit of 1024 (send audio in chunks of 20-100 ms)"
    assert [e.message for e in told] == [f"{over}; a message was dropped"] * 2  # 1 s apart
    assert isinstance(taken[0], ProtocolError) and "malformed JSON" in taken[0].message
    assert taken[1] == m.End()


async def test_drops_not_yet_told_are_told_on_close() -> None:
    # A client that ends within a second of a drop (CI: 3 of 8061 errors never came).
    frames: list[str | bytes] = [b"\x00" * 2048] * 3
    told: list[m.Error] = []

    async def send(message: Any) -> None:
        told.append(message)

    inbox = Inbox(ScriptedSocket(frames), send, Limits(max_bytes=1024))  # type: ignore[arg-type]
    inbox.start()
    assert isinstance(await inbox.get(), Closed)
    assert [dropped(e.model_dump()) for e in told] == [1]  # the first at once, two wait
    await inbox.close()
    assert [dropped(e.model_dump()) for e in told] == [1, 2]
