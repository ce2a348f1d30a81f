"""The server a hostile scenario runs against, a client's view of a turn, and the checks after.

A ``Target`` is a running ``npc serve``: in this process (``in_process``, sharing a loaded
runtime, so a test can also look inside), or a child process started from any source tree
(``served``: how ``bench/abuse.py`` reproduces issue 23 on old code). After each scenario
``check_after`` asks: is the server alive, is /health ok, was a traceback logged, how big is
the process now, does a returning player get a normal turn at normal speed, and is what that
player told the character still remembered.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

KEEPER = "abuse-keeper"  # the player whose memory every check looks at
KEEPER_INTRO = "My name is Kai and I'm from the docks."
CHECK_LINES = (
    "What do you recommend today?",
    "Is the shop busy tonight?",
    "What goes into the broth?",
    "Do you have any tea?",
)
# A normal turn after a scenario: first audio within this many times the first check's, plus
# SLACK_S (the machine is shared: the same turn varies by a second or two between runs).
SLOWER = 3.0
SLACK_S = 3.0
# Keeper turns before the timed first check, so that it re-reads as many earlier exchanges
# as every later check does (a returning player gets their last few back in the prompt).
# With the intro only, the first check read a sixth of that, and a check after a scenario
# (6 exchanges re-read, ~430 tokens, 4-6 s on 2 cores) came near its bound for that reason.
SETTLE_LINES = (
    "How long have you run this shop?",
    "Is the broth made fresh every day?",
    "Who comes in at this hour?",
    "What's the best thing on the menu?",
    "Do you ever close early?",
)


def rss_mb(pid: int) -> float:
    """Resident memory of a process (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def http_get(url: str, timeout: float = 10) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- a client's view ----------------------------------------------------------------------


async def open_session(
    url: str,
    player: str,
    character: str = "jin",
    connection: dict[str, Any] | None = None,
    **start: Any,
) -> tuple[ClientConnection, dict[str, Any]]:
    """A connection with a started session; the ``ready`` message. ``connection``: more
    arguments for ``websockets.connect``."""
    ws = await connect(url, max_size=None, open_timeout=60, **(connection or {}))
    await ws.send(
        json.dumps({"type": "start", "character": character, "player_id": player, **start})
    )
    while True:
        raw = await asyncio.wait_for(ws.recv(), 120)
        if isinstance(raw, str):
            msg = json.loads(raw)
            if msg["type"] == "ready":
                return ws, msg
            if msg["type"] == "error":
                await ws.close()
                raise AssertionError(f"start refused: {msg}")


@dataclass
class Turn:
    """One typed turn as the client saw it."""

    first_audio_s: float | None = None
    total_s: float = 0.0
    turn_id: int = 0
    ended: bool = False  # turn_end came, not interrupted
    errors: list[dict[str, Any]] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)  # the server's, from turn_end


async def typed_turn(ws: ClientConnection, text: str, timeout: float = 600) -> Turn:
    """Say ``text`` and read until its ``turn_end``; raises TimeoutError past ``timeout``."""
    turn = Turn()
    start = time.monotonic()
    await ws.send(json.dumps({"type": "text", "text": text}))
    async with asyncio.timeout(timeout):
        while True:
            raw = await ws.recv()
            if isinstance(raw, bytes):
                if turn.first_audio_s is None:
                    turn.first_audio_s = time.monotonic() - start
                continue
            msg = json.loads(raw)
            turn.kinds.append(msg["type"])
            if msg["type"] == "turn_started" and msg.get("text") == text:
                turn.turn_id = msg["turn_id"]
            elif msg["type"] == "error" and not is_sentinel(msg):
                turn.errors.append(msg)
            elif msg["type"] == "turn_end" and (
                msg["turn_id"] == turn.turn_id
                or (not turn.turn_id and not msg["interrupted"])  # servers before turn_started
            ):
                turn.ended = not msg["interrupted"]
                turn.timings = msg.get("timings", {})
                break
    turn.total_s = time.monotonic() - start
    return turn


async def answered(
    ws: ClientConnection,
    tag: str,
    timeout: float = 300,
    resend_s: float = 5.0,
    sent: list[str] | None = None,
    refused: list[dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """Send a message the server refuses (a ``sentinel-`` type) and read until that refusal:
    every frame sent before it has then been handled. Returns the messages read before it.
    When nothing comes for ``resend_s`` another sentinel goes (after a burst the first may
    be refused unread), then the later ones are waited for briefly; ``sent`` gets each, and
    ``refused`` each sentinel's refusal read (a late one may come after this returns)."""
    sent = [] if sent is None else sent
    sent.append(f"sentinel-{tag}-0")
    await ws.send(json.dumps({"type": sent[0]}))
    seen: list[dict[str, Any]] = []
    older_answered = False
    async with asyncio.timeout(timeout):
        while True:
            try:
                raw = await asyncio.wait_for(ws.recv(), resend_s)
            except TimeoutError:  # nothing for a while: the sentinel was dropped
                if older_answered:
                    return seen  # the newest sentinel was dropped
                sent.append(f"sentinel-{tag}-{len(sent)}")
                await ws.send(json.dumps({"type": sent[-1]}))
                continue
            if isinstance(raw, bytes):
                continue
            msg = json.loads(raw)
            if not (msg["type"] == "error" and is_sentinel(msg)):
                seen.append(msg)
                continue
            if refused is not None:
                refused.append(msg)
            if repr(sent[-1]) in msg["message"]:
                return seen
            else:  # an older one: everything before it is handled; wait briefly for the rest
                older_answered, resend_s = True, 5.0


def is_sentinel(error: dict[str, Any]) -> bool:
    return "'sentinel-" in error.get("message", "")


_DROPPED = re.compile(r"(\d+) messages were dropped|a message was dropped")


def dropped(error: dict[str, Any]) -> int:
    """How many frames a coalesced refusal says were dropped (0: not such a refusal)."""
    found = _DROPPED.search(error.get("message", ""))
    if not found:
        return 0
    return int(found.group(1)) if found.group(1) else 1


# -- the server ---------------------------------------------------------------------------


@dataclass
class Target:
    """A running server, whatever runs it."""

    url: str  # ws://127.0.0.1:port
    pid: int
    alive: Callable[[], bool]
    tracebacks: Callable[[], list[str]]  # logged since the start
    # (the player's last line saved, every fact and summary) of (character, player)
    remembered: Callable[[str, str], tuple[str, str]]
    counters: Callable[[], dict[str, float]]  # npc_errors_total and npc_turns_total
    inside: Any = None  # the NpcServer, when it runs in this process

    @property
    def http(self) -> str:
        return "http" + self.url.removeprefix("ws")

    async def health(self) -> dict[str, Any] | None:
        """/health, or None when it does not answer 200 (read from a worker thread: the
        server may run on this very event loop)."""
        try:
            status, body = await asyncio.to_thread(http_get, self.http + "/health")
        except OSError:
            return None
        return json.loads(body) if status == 200 else None


class LogWatch(logging.Handler):
    """Every log record with a traceback or at ERROR, and exceptions that escaped a thread."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.found: list[str] = []
        self._hook = threading.excepthook

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info or record.levelno >= logging.ERROR:
            self.found.append(f"{record.name}: {record.getMessage()}\n{self.format(record)}")

    def _thread_failed(self, args: threading.ExceptHookArgs) -> None:
        self.found.append(f"thread {args.thread and args.thread.name}: {args.exc_value!r}")
        self._hook(args)

    @contextlib.contextmanager
    def watching(self) -> Iterator[LogWatch]:
        root = logging.getLogger()
        root.addHandler(self)
        threading.excepthook = self._thread_failed
        try:
            yield self
        finally:
            threading.excepthook = self._hook
            root.removeHandler(self)


def _metric_totals(samples: Iterator[tuple[str, float]]) -> dict[str, float]:
    totals = {"npc_errors_total": 0.0, "npc_turns_total": 0.0}
    for name, value in samples:
        if name in totals:
            totals[name] += value
    return totals


@contextlib.asynccontextmanager
async def in_process(runtime: Any, **settings: Any) -> AsyncIterator[Target]:
    """A server on a free loopback port sharing ``runtime``, with ``settings`` over its own."""
    from server import metrics
    from server.app import NpcServer

    srv = NpcServer(runtime, runtime.settings.server.model_copy(update={"port": 0, **settings}))
    ws = await srv.start()
    port = next(iter(ws.sockets)).getsockname()[1]

    def remembered(character: str, player: str) -> tuple[str, str]:
        memory = runtime.knowledge.memory(character, player)
        facts = " ".join(f.text for f in memory.facts())
        last = memory.recent_turns(1)
        return (last[0].user_text if last else ""), facts

    def counters() -> dict[str, float]:
        return _metric_totals(
            (s.name, s.value) for f in metrics.REGISTRY.collect() for s in f.samples
        )

    with LogWatch().watching() as logs:
        try:
            yield Target(
                url=f"ws://127.0.0.1:{port}",
                pid=os.getpid(),
                alive=lambda: ws.is_serving(),
                tracebacks=lambda: list(logs.found),
                remembered=remembered,
                counters=counters,
                inside=srv,
            )
        finally:
            ws.close()
            await ws.wait_closed()


@contextlib.contextmanager
def served(source: Path, data_dir: Path, env: dict[str, str] | None = None) -> Iterator[Target]:
    """``npc serve`` from the source tree ``source`` in a child process (its log beside
    ``data_dir``); for old code as well as this one."""
    port = free_port()
    log_path = data_dir.parent / f"{data_dir.name}-serve.log"
    full_env = {
        **os.environ,
        "PYTHONPATH": str(source),
        "NPC_DATA_DIR": str(data_dir),
        "NPC_SERVER__PORT": str(port),
        "PYTHONFAULTHANDLER": "1",  # a native crash leaves the threads' stacks in the log
        **(env or {}),
    }
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "npc", "serve"],
            cwd=source,
            env=full_env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 900
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"npc serve exited with {proc.returncode}; see {log_path}")
        try:
            http_get(url + "/health", timeout=2)
            break
        except OSError:
            time.sleep(1)

    def tracebacks() -> list[str]:
        text = log_path.read_text(errors="replace")
        return re.findall(r"^(?:Traceback|Fatal Python error).*$", text, re.MULTILINE)

    def remembered(character: str, player: str) -> tuple[str, str]:
        with contextlib.closing(sqlite3.connect(data_dir / "memory.sqlite3")) as db:
            key = (character, player)
            where = "WHERE character = ? AND player = ?"
            last = db.execute(f"SELECT user_text FROM turns {where} ORDER BY id DESC LIMIT 1", key)
            facts = db.execute(f"SELECT text FROM memories {where}", key)
            row = last.fetchone()
            return (row[0] if row else ""), " ".join(r[0] for r in facts)

    def counters() -> dict[str, float]:
        try:
            _, body = http_get(url + "/metrics")
        except OSError:
            return {}
        pairs = re.findall(r"^(npc_\w+?)(?:\{[^}]*\})? ([0-9.e+-]+)$", body.decode(), re.MULTILINE)
        return _metric_totals((name, float(value)) for name, value in pairs)

    target = Target(
        url=f"ws://127.0.0.1:{port}",
        pid=proc.pid,
        alive=lambda: proc.poll() is None,
        tracebacks=tracebacks,
        remembered=remembered,
        counters=counters,
    )
    target.process = proc  # type: ignore[attr-defined]
    target.log_path = log_path  # type: ignore[attr-defined]
    try:
        yield target
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)


# -- the checks after each scenario ---------------------------------------------------------


@dataclass
class Checks:
    """What ``check_after`` found; ``problems`` empty when all is well."""

    alive: bool = False
    health: bool = False
    tracebacks: int = 0
    rss_mb: float = 0.0
    turn_s: float | None = None  # first audio of a returning player's typed line
    memory: bool = False
    problems: list[str] = field(default_factory=list)


@dataclass
class Baseline:
    """Taken once before the scenarios: how a normal turn goes, what is remembered."""

    turn_s: float
    rss_mb: float
    rss_bound_mb: float  # growth allowed over ``rss_mb`` after any scenario
    tracebacks: int = 0
    checks: int = 0


async def keeper_turn(target: Target, line: str) -> Turn:
    ws, _ = await open_session(target.url, KEEPER)
    try:
        return await typed_turn(ws, line)
    finally:
        await ws.close()


async def take_baseline(target: Target, rss_bound_mb: float) -> Baseline:
    """The keeper tells the character their name and talks on until their dialogue is as
    long as it stays, then a timed normal turn."""
    from npc.conversation.session import RECENT_TURNS

    assert 1 + len(SETTLE_LINES) >= RECENT_TURNS, "the first check would re-read less"
    for line in (KEEPER_INTRO, *SETTLE_LINES):
        await keeper_turn(target, line)
    turn = await keeper_turn(target, CHECK_LINES[0])
    assert turn.ended and turn.first_audio_s is not None, turn
    last, facts = target.remembered("jin", KEEPER)
    assert last == CHECK_LINES[0] and "Kai" in facts, (last, facts)
    return Baseline(
        turn_s=turn.first_audio_s,
        rss_mb=rss_mb(target.pid),
        rss_bound_mb=rss_bound_mb,
        tracebacks=len(target.tracebacks()),
    )


async def check_after(target: Target, base: Baseline) -> Checks:
    """The server alive and healthy, nothing logged, memory bounded, a normal turn at normal
    speed, and the keeper's memory intact (their earlier turns and name, plus this turn)."""
    c = Checks()
    c.alive = target.alive()
    if not c.alive:
        c.problems.append("the server is not running")
        return c
    health = await target.health()
    c.health = health is not None and health.get("status") == "ok"
    if not c.health:
        c.problems.append(f"/health: {health}")
    found = target.tracebacks()
    c.tracebacks = len(found) - base.tracebacks
    if c.tracebacks:
        c.problems.append(f"{c.tracebacks} tracebacks logged; the first: {found[base.tracebacks]}")
    base.tracebacks = len(found)
    base.checks += 1
    line = CHECK_LINES[base.checks % len(CHECK_LINES)]
    saved = False
    try:
        turn = await keeper_turn(target, line)
    except (TimeoutError, OSError, AssertionError) as exc:
        c.problems.append(f"the normal turn failed: {exc!r}")
    else:
        c.turn_s = turn.first_audio_s
        bound = base.turn_s * SLOWER + SLACK_S
        if not turn.ended or turn.errors or c.turn_s is None:
            c.problems.append(f"the normal turn went wrong: errors {turn.errors}, {turn.kinds}")
        elif c.turn_s > bound:
            c.problems.append(
                f"the normal turn's first audio took {c.turn_s:.1f} s (> {bound:.1f});"
                f" the server's timings (ms): {turn.timings}"
            )
        saved = turn.ended
    last, facts = target.remembered("jin", KEEPER)
    c.memory = "Kai" in facts and (last == line or not saved)
    if not c.memory:
        c.problems.append(f"the keeper's memory: last line {last!r}, Kai known: {'Kai' in facts}")
    c.rss_mb = rss_mb(target.pid)
    if c.rss_mb > base.rss_mb + base.rss_bound_mb:
        c.problems.append(
            f"RSS {c.rss_mb:.0f} MB, over {base.rss_mb:.0f} + {base.rss_bound_mb:.0f} MB"
        )
    return c
