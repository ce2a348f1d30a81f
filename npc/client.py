"""A Python client for ``npc serve``: what a game does, in a few calls.

    async with NpcClient.connect("ws://127.0.0.1:8765", Start(character="jin")) as c:
        await c.say("grab me a bowl of ramen")
        async for msg in c.turn():       # until this turn's turn_end
            ...                          # Transcript, ReplyTextMsg, Speech, ActionMsg, ...

Binary audio is paired with its ``audio`` header: the client yields ``Speech`` objects that
carry both the header and the PCM16.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

from npc.errors import ProtocolError
from npc.protocol import messages as m
from npc.protocol.codec import decode_server, encode


class SessionRefused(ProtocolError):
    """The server would not open the session (``error`` says why: ``server_busy``, ...)."""

    def __init__(self, error: m.Error) -> None:
        super().__init__(f"the server refused the session: {error.code}: {error.message}")
        self.error = error

    @property
    def retry_after_s(self) -> float | None:
        return self.error.retry_after_s


@dataclass(frozen=True)
class Speech:
    """An ``audio`` message with its PCM16 samples."""

    header: m.AudioOut
    pcm: bytes

    @property
    def turn_id(self) -> int:
        return self.header.turn_id


class NpcClient:
    """One session with a character."""

    def __init__(self, ws: ClientConnection, ready: m.Ready) -> None:
        self.ws = ws
        self.ready = ready
        self._pending: asyncio.Queue[Any] = asyncio.Queue()

    @classmethod
    def connect(
        cls, url: str, start: m.Start, *, token: str | None = None, timeout: float = 120
    ) -> _Connecting:
        return _Connecting(url, start, token, timeout)

    # -- sending ---------------------------------------------------------------------

    async def send(self, message: m._Message) -> None:
        await self.ws.send(encode(message))

    async def say(self, text: str) -> None:
        await self.send(m.Text(text=text))

    async def audio(self, pcm: bytes) -> None:
        await self.ws.send(pcm)

    async def stream_audio(
        self, pcm: bytes, sample_rate: int, *, chunk_ms: int = 20, realtime: bool = True
    ) -> None:
        """Send PCM16 in ``chunk_ms`` frames, paced like a live microphone when ``realtime``."""
        step = sample_rate * chunk_ms // 1000 * 2
        loop = asyncio.get_running_loop()
        start = loop.time()
        for i, offset in enumerate(range(0, len(pcm), step)):
            await self.ws.send(pcm[offset : offset + step])
            if realtime:
                await asyncio.sleep(max(0.0, start + (i + 1) * chunk_ms / 1000 - loop.time()))

    async def interrupt(self, played_ms: float | None = None) -> None:
        await self.send(m.Interrupt(played_ms=played_ms))

    async def end(self) -> None:
        await self.send(m.End())

    # -- receiving -------------------------------------------------------------------

    async def receive(self) -> Any:
        """The next message (a ``Speech`` for audio)."""
        frame = await self.ws.recv()
        if isinstance(frame, bytes):
            raise ProtocolError("binary frame without an audio header")
        msg = decode_server(frame)
        if isinstance(msg, m.AudioOut):
            if msg.data is not None:
                return Speech(msg, base64.b64decode(msg.data))
            if msg.bytes:
                pcm = await self.ws.recv()
                if not isinstance(pcm, bytes):
                    raise ProtocolError("expected the binary audio after an audio header")
                return Speech(msg, pcm)
            return Speech(msg, b"")
        return msg

    async def messages(self) -> AsyncIterator[Any]:
        while True:
            yield await self.receive()

    async def turn(
        self, *, stop: Sequence[type] = (m.TurnEnd,), timeout: float = 120
    ) -> AsyncIterator[Any]:
        """Messages until (and including) the next of ``stop`` (a turn's end by default)."""
        while True:
            msg = await asyncio.wait_for(self.receive(), timeout)
            yield msg
            if isinstance(msg, tuple(stop)):
                return

    async def close(self) -> None:
        await self.ws.close()


class _Connecting:
    """``async with NpcClient.connect(...) as client``; or ``await`` it."""

    def __init__(self, url: str, start: m.Start, token: str | None, timeout: float) -> None:
        self.url, self.start, self.token, self.timeout = url, start, token, timeout
        self.client: NpcClient | None = None

    def __await__(self) -> Any:
        return self._open().__await__()

    async def _open(self) -> NpcClient:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else None
        ws = await connect(self.url, additional_headers=headers, max_size=16 << 20)
        await ws.send(encode(self.start))
        first = decode_server(await asyncio.wait_for(ws.recv(), self.timeout))  # type: ignore[arg-type]
        if isinstance(first, m.Error):
            await ws.close()
            raise SessionRefused(first)
        if not isinstance(first, m.Ready):
            await ws.close()
            raise ProtocolError(f"expected `ready`, got {first.type!r}")
        self.client = NpcClient(ws, first)
        return self.client

    async def __aenter__(self) -> NpcClient:
        return await self._open()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.client is not None:
            await self.client.close()
