"""Hostile clients against a running server: each scenario returns what it saw and what
went wrong. They need only the server's URL (``Target``), so the same code runs in the test
suite, in ``bench/abuse.py`` at full size, and against an old ``npc serve`` to reproduce a bug.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import random
import socket
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.server.hostile import Owed, before_start, session_frames
from tests.server.target import (
    Checks,
    Target,
    answered,
    dropped,
    is_sentinel,
    open_session,
    typed_turn,
)

LONG_LINE = (
    "Tell me the whole story of your shop, from the first day, in as much detail as you can."
)
CLIENT_CODES = {"bad_message", "invalid_action", "bad_audio"}  # errors a bad frame may earn


@dataclass
class Outcome:
    """One scenario's row of the table."""

    name: str
    size: str
    figures: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0


def timed(name: str, size: str) -> Callable[..., Any]:
    """Run a scenario ``async def f(outcome, ...)`` and fill in its duration."""

    def wrap(f: Callable[..., Awaitable[None]]) -> Callable[..., Awaitable[Outcome]]:
        async def run(*args: Any, **kwargs: Any) -> Outcome:
            out = Outcome(name, size.format(**kwargs))
            start = time.monotonic()
            try:
                await f(out, *args, **kwargs)
            except Exception as exc:  # the table shows it; the test fails on it
                out.problems.append(f"the scenario itself failed: {exc!r}")
            out.seconds = time.monotonic() - start
            return out

        return run

    return wrap


async def close_code(
    ws: ClientConnection, timeout: float = 30, seen: list[dict[str, Any]] | None = None
) -> int | None:
    """The close code once the server closes; the text messages read meanwhile go to ``seen``."""
    with contextlib.suppress(ConnectionClosed, TimeoutError):
        async with asyncio.timeout(timeout):
            while True:
                if isinstance(raw := await ws.recv(), str) and seen is not None:
                    seen.append(json.loads(raw))
    return ws.close_code


async def read_for(ws: ClientConnection, seconds: float) -> list[dict[str, Any]]:
    """The text messages that come within ``seconds``."""
    seen: list[dict[str, Any]] = []
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            while True:
                if isinstance(raw := await ws.recv(), str):
                    seen.append(json.loads(raw))
    return seen


# -- fuzzing --------------------------------------------------------------------------------


async def _fuzz_one(url: str, seed: int, count: int, rate: float, turn: bool) -> Counter[str]:
    """One session of hostile frames; every frame owed an error gets one."""
    tally: Counter[str] = Counter()
    ws = await connect(url, max_size=None, open_timeout=60)
    try:
        for item in before_start(seed, 2):
            await ws.send(item.frame)
            tally["owed"] += 1
        await ws.send(
            json.dumps({"type": "start", "character": "jin", "player_id": f"fuzz-{seed}"})
        )
        frames = list(session_frames(seed, count))
        tally["frames"] += len(frames) + 2
        start = time.monotonic()
        for i, item in enumerate(frames):
            await ws.send(item.frame)
            tally["owed"] += item.owed is Owed.ERROR
            tally["either"] += item.owed is Owed.EITHER
            await asyncio.sleep(max(0.0, start + (i + 1) / rate - time.monotonic()))
        refused: list[dict[str, Any]] = []  # the sentinels' own refusals
        seen = await answered(ws, f"fuzz-end-{seed}", refused=refused)
        late: list[dict[str, Any]] = []  # what came after: a notice of earlier drops is
        if turn:  # sent up to a second after them, a resent sentinel's refusal later still
            result = await typed_turn(ws, "What do you recommend today?")
            tally["turns asked"] += 1
            late += [e for e in result.errors if _drop_notice(e) or is_sentinel(e)]
            wrong = [e for e in result.errors if e not in late]
            tally["turns answered"] += result.ended and not wrong
            tally["turn errors"] += len(wrong)
            if wrong:
                tally[f"turn error: {wrong[0]['message'][:120]}"] += 1
        await ws.send('{"type": "end"}')
        tally[f"closed {await close_code(ws, seen=late)}"] += 1
        for msg in late:
            (refused if msg["type"] == "error" and is_sentinel(msg) else seen).append(msg)
        tally["sentinels"] += len(refused)
        for msg in seen:
            tally[f"got {msg['type']}"] += 1
            if msg["type"] != "error":
                continue
            tally[f"code {msg['code']}"] += 1
            tally["answered"] += dropped(msg) or 1
            if msg["fatal"] or msg["code"] not in CLIENT_CODES:
                tally["bad errors"] += 1
                tally[f"bad error: {msg['code']}: {msg['message'][:120]}"] += 1
    finally:
        await ws.close()
    return tally


def _drop_notice(error: dict[str, Any]) -> bool:
    return error.get("code") == "bad_message" and bool(dropped(error))


@timed("fuzz", "{messages} seeded frames, {sessions} sessions")
async def fuzz(
    out: Outcome,
    target: Target,
    *,
    messages: int,
    sessions: int,
    at_once: int = 8,
    rate: float = 100.0,
    seed: int = 23,
) -> None:
    """Seeded hostile frames across many sessions, paced under the rate limit so each is
    handled: each wrong frame gets an error (none fatal), the sessions go on, some answer a
    normal turn after the garbage, and every error sent is counted."""
    before = target.counters()
    gate = asyncio.Semaphore(at_once)
    every = max(1, sessions // 5)

    async def one(i: int) -> Counter[str]:
        async with gate:
            return await _fuzz_one(
                target.url, seed * 1000 + i, messages // sessions, rate, i % every == 0
            )

    results = await asyncio.gather(*(one(i) for i in range(sessions)), return_exceptions=True)
    tally: Counter[str] = Counter()
    for r in results:
        if isinstance(r, BaseException):
            out.problems.append(f"a fuzz session failed: {r!r}")
        else:
            tally.update(r)
    out.figures = {
        "frames": tally["frames"],
        "errors": sum(v for k, v in tally.items() if k.startswith("code ")),
        "owed errors": tally["owed"],
        "answered": tally["answered"],
        "turns": f"{tally['turns answered']}/{tally['turns asked']}",
        "closed 1000": tally["closed 1000"],
    }
    if tally["answered"] < tally["owed"]:
        out.problems.append(f"{tally['owed'] - tally['answered']} wrong frames got no error")
    if tally["answered"] > tally["owed"] + tally["either"]:
        out.problems.append("valid frames were refused")
    out.problems += [
        f"{k} (x{v})" for k, v in tally.items() if k.startswith(("bad error:", "turn error:"))
    ]
    if tally["turns answered"] < tally["turns asked"]:
        out.problems.append("a session did not answer a normal turn after the garbage")
    if tally["closed 1000"] != sessions:
        out.problems.append(f"only {tally['closed 1000']} of {sessions} sessions ended with 1000")
    after = target.counters()
    if before and after:
        counted = after["npc_errors_total"] - before["npc_errors_total"]
        out.figures["errors counted"] = int(counted)
        # The sentinels' refusals are errors too (kept out of the received figure).
        if counted != out.figures["errors"] + tally["turn errors"] + tally["sentinels"]:
            out.problems.append(f"{out.figures['errors']} errors sent, {counted:g} counted")


@timed("before start", "{connections} connections x {frames} frames")
async def before_start_frames(
    out: Outcome, target: Target, *, connections: int, frames: int
) -> None:
    """Binary audio, other messages and garbage before ``start``: each refused with a reason,
    and the connection can still start a session."""
    got = owed = ready = 0

    async def one(i: int) -> None:
        nonlocal got, owed, ready
        async with await connect(target.url, max_size=None, open_timeout=60) as ws:
            for item in before_start(9000 + i, frames):
                await ws.send(item.frame)
                owed += 1
            seen = await answered(ws, f"early-{i}")
            got += sum(dropped(m) or 1 for m in seen if m["type"] == "error")
            ws_start = {"type": "start", "character": "jin", "player_id": f"early-{i}"}
            await ws.send(json.dumps(ws_start))
            while json.loads(await asyncio.wait_for(ws.recv(), 120))["type"] != "ready":
                pass
            ready += 1

    await asyncio.gather(*(one(i) for i in range(connections)))
    out.figures = {"frames": owed, "refused": got, "then ready": ready}
    if got != owed:
        out.problems.append(f"{owed} frames before start, {got} refusals")


# -- audio and size -----------------------------------------------------------------------------


@timed("audio", "{odd} odd frames, {seconds:g} s of speech in one burst")
async def audio(out: Outcome, target: Target, *, speech: bytes, odd: int, seconds: float) -> None:
    """Odd-length frames are refused one by one; speech sent far faster than real time is
    taken or refused as it comes, and the session answers a typed line after."""
    ws, _ = await open_session(target.url, "audio-abuser")
    try:
        rng = random.Random(5)
        for _ in range(odd):
            await ws.send(rng.randbytes(rng.randrange(1, 2000) | 1))
        await ws.send('{"type": "audio", "data": "QUJD"}')
        seen = await answered(ws, "odd-end")
        refused = sum(1 for m in seen if m["type"] == "error" and "PCM16" in m["message"])
        if refused != odd + 1:
            out.problems.append(f"{odd + 1} odd-length frames, {refused} refused")
        burst = (speech * (1 + int(seconds * 32000) // max(1, len(speech))))[: int(seconds * 32000)]
        frame = 640  # 20 ms at 16 kHz
        sent_at = time.monotonic()
        for i in range(0, len(burst), frame):
            await ws.send(burst[i : i + frame])
        send_s = time.monotonic() - sent_at
        seen = await answered(ws, "burst-end", timeout=300)
        errors = [m for m in seen if m["type"] == "error"]
        out.figures = {
            "burst frames": len(burst) // frame,
            "sent in s": round(send_s, 2),
            "refused": sum(dropped(m) or 1 for m in errors),
            "transcripts": sum(m["type"] == "transcript" for m in seen),
        }
        if any(m["code"] not in CLIENT_CODES or m["fatal"] for m in errors):
            out.problems.append(f"unexpected errors: {errors[:3]}")
        await ws.send(bytes(32000))  # a second of silence ends whatever was heard
        await asyncio.sleep(1.5)
        turn = await typed_turn(ws, "Say hello to me.")
        out.figures["then a turn"] = turn.ended
        if not turn.ended:
            out.problems.append(f"the turn after the burst: {turn.errors} {turn.kinds[-5:]}")
    finally:
        await ws.close()


@timed("oversized", "frames over {limit} bytes, one over {hard} bytes")
async def oversized(out: Outcome, target: Target, *, limit: int, hard: int) -> None:
    """Frames over the message limit are refused and the session goes on; one over the
    hard limit closes the connection (1009) and nothing else."""
    ws, _ = await open_session(target.url, "oversized")
    try:
        await ws.send(json.dumps({"type": "text", "text": "x" * limit}))
        await ws.send(bytes(limit + 2))
        start = time.monotonic()
        await ws.send(json.dumps({"type": "scene", "objects": ["o"] * (limit // 8)}))  # < limit
        seen = await answered(ws, "size-end")
        out.figures["1 MB frame answered in s"] = round(time.monotonic() - start, 2)
        seen += await read_for(ws, 1.5)  # the second refusal is told a second after the first
        errors = [m for m in seen if m["type"] == "error"]
        over = sum(dropped(m) for m in errors if "over the limit" in m["message"])
        invalid = [m for m in errors if "List should have at most 200 items" in m["message"]]
        out.figures.update({"over the limit": over, "invalid": len(invalid)})
        if over != 2 or len(invalid) != 1:
            out.problems.append(f"expected 2 'over the limit' and 1 invalid scene: {errors}")
        await ws.send(bytes(hard + 2))
        out.figures["hard limit close"] = await close_code(ws)
        if out.figures["hard limit close"] != 1009:
            out.problems.append(f"a frame over the hard limit closed with {ws.close_code}")
    finally:
        await ws.close()


# -- floods -----------------------------------------------------------------------------------


@timed("flood", "{count} {kind} messages at once on one session")
async def flood(out: Outcome, target: Target, *, count: int, kind: str) -> None:
    """Thousands of messages as fast as the socket takes them: the rate limit counts them as
    they arrive (refusals coalesced), nothing piles up unbounded, and the same session then
    answers a normal turn."""
    ws, _ = await open_session(target.url, f"flood-{kind}")
    try:
        # Events as long as the protocol allows: a few dozen of them fill the model's context.
        event = "A crow lands on the sign and caws; " * 14
        body = {
            "text": {"type": "text", "text": "hello"},
            "event": {"type": "event", "text": event[:500]},
        }[kind]
        frame = json.dumps(body)
        start = time.monotonic()
        for _ in range(count):
            await ws.send(frame)
        send_s = time.monotonic() - start
        seen = await answered(ws, "flood-end")
        caught_up = time.monotonic() - start
        seen += await read_for(ws, 1.5)  # refusals not yet told come a second later
        errors = [m for m in seen if m["type"] == "error"]
        refusals = Counter(m["message"].split(";")[0] for m in errors if dropped(m))
        taken = sum(m["type"] == "turn_started" for m in seen) if kind == "text" else None
        out.figures = {
            "sent per s": round(count / send_s),
            "refused": sum(dropped(m) for m in errors),
            "caught up s": round(caught_up, 1),
        }
        if taken is not None:
            out.figures["taken"] = taken
        # Events past the bound on those waiting for the next turn are refused by design.
        other = [m for m in errors if not dropped(m) and "next turn" not in m["message"]]
        if other:
            out.problems.append(f"{len(other)} other errors: {other[0]['message'][:150]}")
        if not refusals:
            out.problems.append("the rate limit never fired")
        turn = await typed_turn(ws, "What do you recommend today?")
        out.figures["then a turn"] = turn.ended and not turn.errors
        out.figures["its first audio s"] = turn.first_audio_s and round(turn.first_audio_s, 1)
        if not turn.ended or turn.errors:
            out.problems.append(f"the turn after the flood: {turn.errors[:1]} {turn.kinds[-4:]}")
    finally:
        await ws.close()


@timed("scene too big", "{lists} lists of 200 objects of 80 characters")
async def big_scene(out: Outcome, target: Target, *, lists: int) -> None:
    """A scene the schema allows but the model's context cannot hold is refused with
    ``bad_message`` naming the limit; the session keeps its scene and answers."""
    ws, _ = await open_session(target.url, "scene-abuser")
    try:
        names = [
            f"{i:03d} " + "lantern of the old harbour market stall number seven " * 2
            for i in range(200)
        ]
        scene: dict[str, Any] = {"type": "scene"}
        for key in ("objects", "locations", "characters")[:lists]:
            scene[key] = [n[:80] for n in names]
        await ws.send(json.dumps(scene))
        seen = await answered(ws, "scene-end")
        errors = [m for m in seen if m["type"] == "error"]
        out.figures["refused"] = [m["message"][:90] for m in errors]
        if len(errors) != 1 or errors[0]["code"] != "bad_message":
            out.problems.append(f"the scene was not refused: {errors}")
        turn = await typed_turn(ws, "What do you recommend today?")
        out.figures["then a turn"] = turn.ended and not turn.errors
        if not turn.ended or turn.errors:
            out.problems.append(f"the turn after the scene: {turn.errors[:1]}")
    finally:
        await ws.close()


# -- churn --------------------------------------------------------------------------------------


async def _cut_mid_reply(url: str, i: int, rng: random.Random) -> int:
    """A session whose client vanishes (no close handshake) while the reply is under way;
    returns 1 if the turn had started."""
    ws, _ = await open_session(url, f"vanish-{i}")
    await ws.send(json.dumps({"type": "text", "text": LONG_LINE}))
    started = 0
    wait_for = rng.choice(["turn_started", "reply_text", "audio"])
    async with asyncio.timeout(120):
        while True:
            raw = await ws.recv()
            kind = "audio" if isinstance(raw, bytes) else json.loads(raw)["type"]
            started |= kind == "turn_started"
            if kind == wait_for or kind == "turn_end":
                break
    await asyncio.sleep(rng.uniform(0, 0.5))
    ws.transport.abort()
    return started


@timed("abrupt disconnects", "{count} clients vanishing mid-reply, {at_once} at a time")
async def disconnects(out: Outcome, target: Target, *, count: int, at_once: int = 8) -> None:
    """Clients vanish mid-reply: their sessions close, each cut turn is counted, and the
    server holds no more sessions than before."""
    before = target.counters()
    sessions_before = (await target.health() or {}).get("sessions", 0)
    rng = random.Random(11)
    gate = asyncio.Semaphore(at_once)

    async def one(i: int) -> int:
        async with gate:
            return await _cut_mid_reply(target.url, i, rng)

    started = sum(await asyncio.gather(*(one(i) for i in range(count))))
    cut = time.monotonic()
    while time.monotonic() - cut < 30:
        if (await target.health() or {}).get("sessions", 0) <= sessions_before:
            break
        await asyncio.sleep(0.05)
    out.figures = {"turns cut": started, "all closed after s": round(time.monotonic() - cut, 2)}
    after = target.counters()
    if before and after:
        counted = after["npc_turns_total"] - before["npc_turns_total"]
        out.figures["turns counted"] = int(counted)
        if counted != started:
            out.problems.append(f"{started} turns cut, {counted:g} counted")
    left = (await target.health() or {}).get("sessions")
    if left is None or left > sessions_before:
        out.problems.append(f"{left} sessions still open")


@timed("connect/drop storm", "{sessions} sessions opened and reset within {within_s:g} s")
async def storm(out: Outcome, target: Target, *, sessions: int, within_s: float) -> None:
    """Sessions opened and reset at once: their work must end with them, so the next player
    is answered at normal speed (issue 23: 45 s instead of 2)."""

    async def one(i: int) -> None:
        await asyncio.sleep(within_s * i / sessions)
        try:
            ws = await connect(target.url, open_timeout=60)
            await ws.send(
                json.dumps({"type": "start", "character": "jin", "player_id": f"storm-{i}"})
            )
            if i % 2:
                await asyncio.wait_for(ws.recv(), 30)  # half of them after `ready`
            ws.transport.abort()
        except (OSError, TimeoutError, ConnectionClosed, InvalidStatus):
            pass  # refused or closed: the storm goes on

    start = time.monotonic()
    await asyncio.gather(*(one(i) for i in range(sessions)))
    out.figures["storm s"] = round(time.monotonic() - start, 2)
    ws, _ = await open_session(target.url, f"after-storm-{time.time():.0f}")
    try:
        turn = await typed_turn(ws, "What do you recommend today?")
    finally:
        await ws.close()
    out.figures["next player's first audio s"] = turn.first_audio_s and round(turn.first_audio_s, 1)
    if not turn.ended:
        out.problems.append(f"the next player was not answered: {turn.errors[:1]}")


@timed("slow reader", "a client that stops reading for {pause_s:g} s mid-reply")
async def slow_reader(out: Outcome, target: Target, *, pause_s: float) -> None:
    """A client that stops reading: others are answered meanwhile, and when it reads again
    it gets its whole turn."""
    # A small receive buffer and queue: the server's sends block soon after the client stops.
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", int(target.url.rsplit(":", 1)[1])))
    ws, _ = await open_session(
        target.url,
        "slow-reader",
        connection={"sock": sock, "max_queue": 1},
        outputs={"audio_format": "base64"},
    )
    try:
        await ws.send(json.dumps({"type": "text", "text": LONG_LINE}))
        await asyncio.sleep(pause_s / 3)
        other, _ = await open_session(target.url, "while-slow")
        try:
            turn = await typed_turn(other, "What do you recommend today?")
        finally:
            await other.close()
        out.figures["other's first audio s"] = turn.first_audio_s and round(turn.first_audio_s, 1)
        if not turn.ended:
            out.problems.append("another player was not answered while one read slowly")
        await asyncio.sleep(max(0.0, pause_s - turn.total_s - pause_s / 3))
        kinds: Counter[str] = Counter()
        async with asyncio.timeout(240):
            while True:
                msg = json.loads(await ws.recv())
                kinds[msg["type"]] += 1
                if msg["type"] == "turn_end":
                    break
        out.figures["slow reader got"] = dict(kinds)
        if not kinds["audio"] or kinds["error"]:
            out.problems.append(f"the slow reader's turn: {dict(kinds)}")
    finally:
        await ws.close()


def table(rows: list[tuple[Outcome, Checks | None]], title: str) -> str:
    """The scenarios and the checks after each, as a text table."""
    from rich.console import Console
    from rich.table import Table

    t = Table(title=title, show_lines=True)
    for column in (
        "scenario",
        "size",
        "what happened",
        "s",
        "alive",
        "health",
        "tracebacks",
        "RSS MB",
        "next turn s",
        "memory",
        "ok",
    ):
        t.add_column(column, overflow="fold")
    for out, c in rows:
        figures = ", ".join(f"{k}: {v}" for k, v in out.figures.items())
        problems = out.problems + (c.problems if c else [])
        after = (
            [
                str(c.alive),
                str(c.health),
                str(c.tracebacks),
                f"{c.rss_mb:.0f}",
                f"{c.turn_s:.1f}" if c.turn_s else "-",
                str(c.memory),
            ]
            if c
            else ["-"] * 6
        )
        t.add_row(
            out.name,
            out.size,
            figures,
            f"{out.seconds:.0f}",
            *after,
            "yes" if not problems else "NO: " + "; ".join(problems),
        )
    console = Console(width=200, record=True, file=io.StringIO())
    console.print(t)
    return console.export_text()
