"""The websocket server: one Session per connection, plus /health, /metrics and static files.

Thin glue: each connection's frames are read and bounded by an ``Inbox``, decoded messages go
to the session, the session's messages are encoded and sent. Limits live here: connections,
sessions (the measured capacity: beyond it a new session is refused at once with
``server_busy`` and when to retry), message size and rate, idle time before and after
``start``, and the token a non-local bind requires (for /metrics too).
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import json
import logging
import mimetypes
import time
from concurrent.futures import ThreadPoolExecutor
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from npc.config import ServerSettings
from npc.conversation.session import Session
from npc.errors import ConfigError, NpcError, ProtocolError
from npc.protocol import messages as m
from npc.protocol.codec import encode
from npc.runtime import Runtime
from server import metrics
from server.inbox import Closed, IdleTimeout, Inbox, Limits

log = logging.getLogger("npc.server")
HARD_FRAME_LIMIT = 16 << 20  # beyond this the connection closes; below, a frame is refused
STATIC = Path(__file__).parent / "static"
STOP_S = 5.0  # the server stops within this, whatever the load
# A session's blocking calls wait in worker threads: its reply's tokens and speech, a read
# ahead, speech recognition, memory writes. asyncio's default pool (cores + 4 threads) was
# taken whole by four sessions' read-aheads waiting behind replies, and every other
# session's memory writes, and new sessions, waited minutes for a thread (issue 23).
THREADS_PER_SESSION = 8
TRY_AGAIN_LATER = 1013  # websocket close code for a refused session


def is_local(host: str) -> bool:
    if host in ("localhost", ""):
        return host == "localhost"
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class NpcServer:
    """Serves every character of a Runtime over websockets."""

    def __init__(self, runtime: Runtime, settings: ServerSettings | None = None) -> None:
        self.runtime = runtime
        self.settings = settings or runtime.settings.server
        if not is_local(self.settings.host) and not self.settings.token:
            raise ConfigError(
                f"refusing to listen on {self.settings.host}: binding beyond localhost needs a "
                "token (set NPC_SERVER__TOKEN or [server] token in npc.toml); clients send it "
                "as ?token=... or an 'Authorization: Bearer ...' header"
            )
        self.sessions: set[Session] = set()
        self._opening = 0  # sessions being opened, counted against the capacity
        self.connections = 0
        s = self.settings
        self.capacity = s.capacity or s.max_sessions
        self.started = time.time()
        self._server: Server | None = None
        self._stopping = False

    @property
    def capacity(self) -> int:
        """Sessions served at once (at most max_sessions); a new one beyond is refused."""
        return self._capacity

    @capacity.setter
    def capacity(self, sessions: int) -> None:
        self._capacity = max(1, min(sessions, self.settings.max_sessions))
        metrics.CAPACITY.set(self._capacity)

    async def start(self) -> Server:
        threads = THREADS_PER_SESSION * self.settings.max_sessions + 16
        asyncio.get_running_loop().set_default_executor(
            ThreadPoolExecutor(threads, thread_name_prefix="npc-session")
        )
        self._server = await serve(
            self._connection,
            self.settings.host,
            self.settings.port,
            process_request=self._http,
            max_size=HARD_FRAME_LIMIT,
            ping_interval=20,
            ping_timeout=20,
        )
        return self._server

    async def stop(self) -> None:
        """Stop within ``STOP_S``: sessions end with their conversations saved, models stop."""
        self._stopping = True
        deadline = time.monotonic() + STOP_S
        if self._server is not None:
            self._server.close(close_connections=False)
        closing = [asyncio.create_task(s.close()) for s in list(self.sessions)]
        if closing:
            await asyncio.wait(closing, timeout=max(0.1, deadline - time.monotonic() - 1.5))
        if self._server is not None:
            self._server.close()
            try:
                await asyncio.wait_for(
                    self._server.wait_closed(), max(0.1, deadline - time.monotonic() - 0.5)
                )
            except TimeoutError:
                log.warning("some connections did not close in time")
        await asyncio.to_thread(self.runtime.close)

    # -- plain HTTP on the same port ---------------------------------------------------

    def health(self) -> dict[str, Any]:
        scheduler = self.runtime.scheduler
        return {
            "status": "stopping" if self._stopping else "ok",
            "sessions": len(self.sessions),
            "capacity": self.capacity,
            "connections": self.connections,
            "load": round(scheduler.load(), 3),
            "queued": scheduler.queued,
            "uptime_s": round(time.time() - self.started),
        }

    def _http(self, connection: ServerConnection, request: Request) -> Response | None:
        url = urlsplit(request.path)
        if url.path == "/health":
            body = json.dumps(self.health()).encode()
            return _response(HTTPStatus.OK, body, "application/json")
        private = url.path in ("/characters", "/metrics") or _is_upgrade(request)
        if private and self.settings.token and not self._authorised(request, url.query):
            return _response(HTTPStatus.UNAUTHORIZED, b"missing or wrong token\n", "text/plain")
        if url.path == "/characters":
            listing = [
                {"id": c.sheet.id, "name": c.sheet.name, "role": c.sheet.role}
                for c in self.runtime.characters.values()
            ]
            return _response(HTTPStatus.OK, json.dumps(listing).encode(), "application/json")
        if url.path == "/metrics":
            metrics.observe_scheduler(self.runtime.scheduler)
            return _response(HTTPStatus.OK, generate_latest(metrics.REGISTRY), CONTENT_TYPE_LATEST)
        if not _is_upgrade(request):
            return self._static(url.path)
        if self._stopping or self.connections >= self.settings.max_connections:
            why = "stopping" if self._stopping else f"{self.connections} connections, the maximum"
            return _response(HTTPStatus.SERVICE_UNAVAILABLE, f"{why}\n".encode(), "text/plain")
        return None

    def _authorised(self, request: Request, query: str) -> bool:
        given = parse_qs(query).get("token", [""])[0]
        auth = request.headers.get("Authorization", "")
        if auth.lower().startswith("bearer "):
            given = auth[7:].strip()
        return hmac.compare_digest(given.encode(), (self.settings.token or "").encode())

    def _static(self, path: str) -> Response:
        rel = "index.html" if path in ("", "/") else path.lstrip("/")
        target = (STATIC / rel).resolve()
        if not target.is_relative_to(STATIC.resolve()) or not target.is_file():
            return _response(HTTPStatus.NOT_FOUND, b"not found\n", "text/plain")
        kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        return _response(HTTPStatus.OK, target.read_bytes(), kind)

    # -- websocket sessions --------------------------------------------------------------

    async def _connection(self, ws: ServerConnection) -> None:
        async def send(message: Any) -> None:
            await ws.send(message if isinstance(message, bytes) else encode(message))
            if isinstance(message, m.Error):  # counted once sent: a closed socket took none
                metrics.ERRORS.labels(message.code).inc()

        self.connections += 1
        metrics.CONNECTIONS.set(self.connections)
        s = self.settings
        limits = Limits(max_bytes=s.max_message_bytes, idle_s=s.idle_timeout_s)
        inbox = Inbox(ws, send, limits, on_refused=lambda why: metrics.REFUSED.labels(why).inc())
        inbox.start()
        session: Session | None = None
        try:
            session = await self._open(ws, inbox, send)
            if session is None:
                return
            inbox.waiting = lambda: session is not None and session.replying
            await session.run(self._messages(ws, inbox, send))
        except ConnectionClosed:
            pass
        finally:
            await inbox.close()
            if session is not None:
                # The place is free once the session's work is cancelled, which close() does
                # first: a burst of resets must not keep the next player out while the
                # cancelled work drains and the conversation is saved.
                closing = asyncio.create_task(session.close())
                await asyncio.sleep(0)
                self.sessions.discard(session)
                metrics.SESSIONS.set(len(self.sessions))
                await closing
                log.info("session %s closed", session.id)
            self.connections -= 1
            metrics.CONNECTIONS.set(self.connections)

    async def _open(self, ws: ServerConnection, inbox: Inbox, send: Any) -> Session | None:
        """Wait for a valid ``start``; refuse with a reason otherwise."""
        while True:
            try:
                frame = await inbox.get(self.settings.start_timeout_s)
            except IdleTimeout:
                await self._close_idle(ws, send, self.settings.start_timeout_s, "before `start`")
                return None
            if isinstance(frame, Closed):
                return None
            try:
                if isinstance(frame, ProtocolError):
                    raise frame
                if not isinstance(frame, m.Start):
                    raise ProtocolError("the first message must be `start`")
                if self._stopping or len(self.sessions) + self._opening >= self.capacity:
                    await self._refuse(ws, send)
                    return None
                # The place is held while the session opens (in a thread): starts that arrive
                # together would otherwise all find room.
                self._opening += 1
                try:
                    session = await asyncio.to_thread(
                        Session, self.runtime, frame, send, on_turn_end=metrics.turn_ended
                    )
                finally:
                    self._opening -= 1
                self.sessions.add(session)
                metrics.SESSIONS.set(len(self.sessions))
                await session.open()
                log.info("session %s: %s with %s", session.id, frame.player_id, frame.character)
                return session
            except NpcError as exc:  # bad start: say why, let the client try again
                await send(m.Error(code=exc.code, message=exc.message))

    async def _refuse(self, ws: ServerConnection, send: Any) -> None:
        retry = self.settings.busy_retry_s
        await send(
            m.Error(
                code="server_busy",
                fatal=True,
                retry_after_s=retry,
                message=(
                    f"the server is serving {len(self.sessions)} sessions, its capacity "
                    f"({self.capacity}); try again in {retry:g} s"
                ),
            )
        )
        await ws.close(TRY_AGAIN_LATER, "server busy")

    async def _messages(self, ws: ServerConnection, inbox: Inbox, send: Any) -> Any:
        try:
            async for message in inbox.messages():
                yield message
        except IdleTimeout:
            await self._close_idle(ws, send, self.settings.idle_timeout_s, "")

    async def _close_idle(self, ws: ServerConnection, send: Any, after_s: float, when: str) -> None:
        with_when = f" {when}" if when else ""
        await send(
            m.Error(
                code="idle_timeout",
                fatal=True,
                message=f"no message for {after_s:g} s{with_when}; closing",
            )
        )
        await ws.close()


def _is_upgrade(request: Request) -> bool:
    return request.headers.get("Upgrade", "").lower() == "websocket"


def _response(status: HTTPStatus, body: bytes, content_type: str) -> Response:
    headers = Headers(
        [
            ("Content-Type", content_type),
            ("Content-Length", str(len(body))),
            ("Cache-Control", "no-store"),
        ]
    )
    return Response(status.value, status.phrase, headers, body)
