"""Scenarios at the server's limits: sessions at once, beyond its capacity, idle clients."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidStatus

from tests.server.scenarios import Outcome, close_code, timed
from tests.server.target import Target, open_session, typed_turn


@timed("sessions at once", "{sessions} sessions opened at once, {talking} of them talking")
async def at_once(out: Outcome, target: Target, *, sessions: int, talking: int) -> None:
    """Every session the server admits, opened in the same instant (issue 23: the server died
    with SIGSEGV 0.7 s later, while their prompts were read)."""
    opened = await asyncio.gather(
        *(open_session(target.url, f"crowd-{i}") for i in range(sessions)), return_exceptions=True
    )
    live = [r[0] for r in opened if not isinstance(r, BaseException)]
    try:
        out.figures["ready"] = len(live)
        failed = [r for r in opened if isinstance(r, BaseException)]
        if failed:
            out.problems.append(f"{len(failed)} sessions did not open: {failed[0]!r}")
        await asyncio.sleep(3)  # their prompts are read now
        turns = await asyncio.gather(
            *(typed_turn(ws, "What do you recommend today?") for ws in live[:talking]),
            return_exceptions=True,
        )
        ok = [t for t in turns if not isinstance(t, BaseException) and t.ended]
        out.figures["answered"] = f"{len(ok)}/{talking}"
        slowest = max((t.first_audio_s or 0 for t in ok), default=None)
        out.figures["slowest first audio s"] = slowest and round(slowest, 1)
        if len(ok) != talking:
            out.problems.append(f"{talking - len(ok)} of the crowd got no answer: {turns}")
    finally:
        await asyncio.gather(*(ws.close() for ws in live), return_exceptions=True)


async def _refused(url: str, i: int) -> dict[str, Any]:
    async with connect(url, open_timeout=60) as ws:
        await ws.send(json.dumps({"type": "start", "character": "jin", "player_id": f"late-{i}"}))
        msg: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), 60))
        msg["close"] = await close_code(ws)
        return msg


@timed(
    "over capacity",
    "capacity {capacity}: {extra} more sessions, connections past {max_connections}",
)
async def over_capacity(
    out: Outcome, target: Target, *, capacity: int, extra: int, max_connections: int
) -> None:
    """Sessions past the capacity are refused at once (``server_busy``, when to retry, close
    1013); connections past the maximum get HTTP 503; those admitted are unaffected."""
    held = [
        ws
        for ws, _ in await asyncio.gather(
            *(open_session(target.url, f"seat-{i}") for i in range(capacity))
        )
    ]
    unstarted: list[ClientConnection] = []
    try:
        refusals = await asyncio.gather(*(_refused(target.url, i) for i in range(extra)))
        busy = [r for r in refusals if r.get("code") == "server_busy" and r.get("fatal")]
        out.figures["refused busy"] = len(busy)
        out.figures["retry after s"] = sorted({r.get("retry_after_s") for r in busy})
        out.figures["close codes"] = sorted({r["close"] for r in refusals})
        if len(busy) != extra or {r["close"] for r in refusals} != {1013}:
            out.problems.append(f"sessions past the capacity: {refusals[:2]}")
        if not all(r.get("retry_after_s") for r in busy):
            out.problems.append("a refusal without retry_after_s")
        for _ in range(max_connections - capacity):
            unstarted.append(await connect(target.url, open_timeout=60))
        try:
            extra_ws = await connect(target.url, open_timeout=60)
        except InvalidStatus as exc:
            out.figures["past max connections"] = exc.response.status_code
            if exc.response.status_code != 503:
                out.problems.append(f"past the connections: HTTP {exc.response.status_code}")
        else:
            await extra_ws.close()
            out.problems.append(f"connection {max_connections + 1} was accepted")
        health = await target.health() or {}
        out.figures["health connections"] = health.get("connections")
        turn = await typed_turn(held[0], "What do you recommend today?")
        out.figures["admitted still answered"] = turn.ended
        if not turn.ended:
            out.problems.append("an admitted session went unanswered")
    finally:
        await asyncio.gather(*(ws.close() for ws in held + unstarted), return_exceptions=True)


@timed("idle timeouts", "no start within {start_s:g} s; no message for {idle_s:g} s")
async def idle(out: Outcome, target: Target, *, start_s: float, idle_s: float) -> None:
    """An unstarted connection and a started session that go quiet are each told why
    (``idle_timeout``) and closed on time; what the session was told is kept."""
    t0 = time.monotonic()
    async with connect(target.url, open_timeout=60) as ws:
        msg = json.loads(await asyncio.wait_for(ws.recv(), start_s + 30))
        code = await close_code(ws)
    out.figures["unstarted closed after s"] = round(time.monotonic() - t0, 1)
    if msg.get("code") != "idle_timeout" or not msg.get("fatal"):
        out.problems.append(f"an unstarted connection got {msg} (close {code})")
    player = f"idler-{time.time():.0f}"
    ws, _ = await open_session(target.url, player)
    await ws.send(
        json.dumps({"type": "event", "text": "the player hid a silver key under the mat"})
    )
    t0 = time.monotonic()
    got: dict[str, Any] = {}
    while got.get("type") != "error":
        got = json.loads(await asyncio.wait_for(ws.recv(), idle_s + 30))
    code = await close_code(ws)
    waited = time.monotonic() - t0
    out.figures["session closed after s"] = round(waited, 1)
    out.figures["close code"] = code
    if got.get("code") != "idle_timeout" or waited > idle_s + 2:
        out.problems.append(f"an idle session got {got} after {waited:.1f} s")
    _, facts = target.remembered("jin", player)
    out.figures["kept"] = "silver key" in facts
    if "silver key" not in facts:
        out.problems.append("what the idle session was told is lost")
