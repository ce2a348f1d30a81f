"""The websocket server: one Session per connection, plus /health, /metrics and static files.

Thin glue: frames are decoded by ``npc.protocol.codec`` and handed to the session; the
session's messages are encoded and sent. Limits live here: message size, message rate,
sessions, idle time, and the token a non-local bind requires.
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import json
import logging
import mimetypes
import time
from collections.abc import AsyncIterator
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
from npc.errors import ConfigError, NpcError, ProtocolError
from npc.protocol import messages as m
from npc.protocol.codec import decode_client, encode
from npc.runtime import Runtime
from npc.session import Session
from server import metrics

log = logging.getLogger("npc.server")
HARD_FRAME_LIMIT = 16 << 20  # beyond this the connection closes; below, a frame is refused
RATE_PER_S, BURST = 200.0, 400.0
STATIC = Path(__file__).parent / "static"


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
        self.started = time.time()

    async def start(self) -> Server:
        return await serve(
            self._connection,
            self.settings.host,
            self.settings.port,
            process_request=self._http,
            max_size=HARD_FRAME_LIMIT,
            ping_interval=20,
            ping_timeout=20,
        )

    # -- plain HTTP on the same port ---------------------------------------------------

    def _http(self, connection: ServerConnection, request: Request) -> Response | None:
        url = urlsplit(request.path)
        if url.path == "/health":
            body = (
                f'{{"status":"ok","sessions":{len(self.sessions)},'
                f'"uptime_s":{time.time() - self.started:.0f}}}'
            )
            return _response(HTTPStatus.OK, body.encode(), "application/json")
        if url.path == "/characters":
            if self.settings.token and not self._authorised(request, url.query):
                return _response(HTTPStatus.UNAUTHORIZED, b"missing or wrong token\n", "text/plain")
            listing = [
                {"id": c.sheet.id, "name": c.sheet.name, "role": c.sheet.role}
                for c in self.runtime.characters.values()
            ]
            return _response(HTTPStatus.OK, json.dumps(listing).encode(), "application/json")
        if url.path == "/metrics":
            return _response(HTTPStatus.OK, generate_latest(metrics.REGISTRY), CONTENT_TYPE_LATEST)
        if request.headers.get("Upgrade", "").lower() != "websocket":
            return self._static(url.path)
        if self.settings.token and not self._authorised(request, url.query):
            return _response(HTTPStatus.UNAUTHORIZED, b"missing or wrong token\n", "text/plain")
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

        session = await self._open(ws, send)
        if session is None:
            return
        self.sessions.add(session)
        metrics.SESSIONS.inc()
        try:
            await session.run(self._inbox(ws, send))
        except ConnectionClosed:
            pass
        finally:
            await session.close()
            self.sessions.discard(session)
            metrics.SESSIONS.dec()
            log.info("session %s closed", session.id)

    async def _open(self, ws: ServerConnection, send: Any) -> Session | None:
        """Wait for a valid ``start``; refuse with a reason otherwise."""
        while True:
            try:
                frame = await asyncio.wait_for(ws.recv(), self.settings.idle_timeout_s)
            except (TimeoutError, ConnectionClosed):
                return None
            try:
                start = decode_client(frame)
                if not isinstance(start, m.Start):
                    raise ProtocolError("the first message must be `start`")
                if len(self.sessions) >= self.settings.max_sessions:
                    await send(
                        m.Error(
                            code="server_busy",
                            fatal=True,
                            message=(
                                f"the server has {len(self.sessions)} sessions, its maximum; "
                                "try later"
                            ),
                        )
                    )
                    await ws.close()
                    return None
                session = Session(self.runtime, start, send, on_turn_end=metrics.turn_ended)
                await session.open()
                log.info("session %s: %s with %s", session.id, start.player_id, start.character)
                return session
            except NpcError as exc:  # bad start: say why, let the client try again
                metrics.ERRORS.labels(exc.code).inc()
                await send(m.Error(code=exc.code, message=exc.message))

    async def _inbox(self, ws: ServerConnection, send: Any) -> AsyncIterator[Any]:
        """Decoded messages; bad ones become ProtocolErrors for the session to answer."""
        tokens, last = BURST, time.monotonic()
        limit = self.settings.max_message_bytes
        while True:
            try:
                frame = await asyncio.wait_for(ws.recv(), self.settings.idle_timeout_s)
            except TimeoutError:
                await send(
                    m.Error(
                        code="idle_timeout",
                        fatal=True,
                        message=(f"no message for {self.settings.idle_timeout_s:g} s; closing"),
                    )
                )
                await ws.close()
                return
            now = time.monotonic()
            tokens = min(BURST, tokens + (now - last) * RATE_PER_S)
            last = now
            if tokens < 1:
                metrics.ERRORS.labels("rate_limited").inc()
                yield ProtocolError(f"more than {RATE_PER_S:g} messages per second; dropped")
                continue
            tokens -= 1
            if len(frame) > limit:
                metrics.ERRORS.labels("too_large").inc()
                yield ProtocolError(
                    f"message of {len(frame)} bytes is over the limit of {limit}; "
                    "dropped (send audio in chunks of 20-100 ms)"
                )
                continue
            try:
                yield decode_client(frame)
            except ProtocolError as exc:
                metrics.ERRORS.labels(exc.code).inc()
                yield exc


def _response(status: HTTPStatus, body: bytes, content_type: str) -> Response:
    headers = Headers(
        [
            ("Content-Type", content_type),
            ("Content-Length", str(len(body))),
            ("Cache-Control", "no-store"),
        ]
    )
    return Response(status.value, status.phrase, headers, body)
