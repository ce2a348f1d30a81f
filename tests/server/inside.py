"""What only a server in this process can show: when a closed session's model work really
stopped, providers that die mid-reply, and a shutdown under load."""

from __future__ import annotations

import asyncio
import contextlib
import json
import statistics
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

from npc.errors import ProviderError
from npc.providers.base import Control, GenerationRequest, SynthesizedSpeech
from npc.runtime import Runtime
from server.app import NpcServer
from tests.server.scenarios import LONG_LINE, Outcome, timed
from tests.server.target import Target, in_process, open_session, typed_turn

# A closed session's model work ends within STOP_BOUND_S of its close (issue 23: on a quiet
# machine p95 16 ms, max 27 ms). The CI machine is shared: once a 1-token step that began
# before the close ran on 159 ms after it. What the bound guards is the defect's shape: a step
# left to run to its end (786 ms), or new work begun after the close, which START_GRACE_S
# (the abort watcher's poll plus scheduling) catches whatever the machine's load.
STOP_BOUND_S = 0.25
START_GRACE_S = 0.1


class WorkWatch:
    """For each session of ``server``: when its close began, and when its model work last
    ran: an LLM engine step holding its tokens ended, or its voice finished a sentence.
    Typed turns only: speech recognition is not watched."""

    def __init__(self, server: NpcServer) -> None:
        self.closed_at: dict[str, float] = {}
        self.last_work: dict[str, float] = {}
        self.last_unit: dict[str, tuple[str, float]] = {}  # what ran last: kind, seconds
        self.begun_after: dict[str, tuple[str, float]] = {}  # work begun after the close
        self._keys: dict[str, str] = {}  # LLM cache key -> session id
        engine = server.runtime.llm._engine
        decode = engine._decode

        def watched_decode(plan: list[tuple[Any, list[int]]]) -> None:
            sids = [self._keys.get(work.request.cache_key) for work, _ in plan]
            began = time.monotonic()
            try:
                decode(plan)
            finally:
                unit = f"engine step of {sum(len(t) for _, t in plan)} tokens"
                for sid in filter(None, sids):
                    self.ran(sid, unit, began)

        engine._decode = watched_decode
        opened = server._open

        async def open_and_watch(*args: Any) -> Any:
            session = await opened(*args)
            if session is not None:
                self._attach(session)
            return session

        server._open = open_and_watch  # type: ignore[method-assign]

    def _attach(self, session: Any) -> None:
        sid = session.id
        self._keys[session.mind.cache_key] = sid
        close = session.close

        async def close_and_note() -> None:
            self.closed_at.setdefault(sid, time.monotonic())
            await close()

        session.close = close_and_note
        if session.speaker is not None:
            session.speaker.synth = _TimedVoice(session.speaker.synth, self, sid)

    def ran(self, sid: str, unit: str, began: float) -> None:
        now = time.monotonic()
        self.last_work[sid] = now
        self.last_unit[sid] = (unit, now - began)
        closed = self.closed_at.get(sid)
        if closed is not None and began - closed > START_GRACE_S:
            self.begun_after.setdefault(sid, (unit, began - closed))

    def begun_late(self, since: float) -> list[str]:
        """The first work begun more than ``START_GRACE_S`` after its close, for each session
        closed after ``since`` that had any."""
        return [
            f"{unit} begun {after * 1000:.0f} ms after close"
            for sid, (unit, after) in self.begun_after.items()
            if self.closed_at[sid] >= since
        ]

    def late(self, since: float, bound: float) -> list[str]:
        """What ran last, and how long it took, for each session closed after ``since``
        whose work ended more than ``bound`` seconds after its close."""
        out = []
        for sid, closed in self.closed_at.items():
            after = self.last_work.get(sid, 0.0) - closed
            if closed >= since and after > bound:
                unit, took = self.last_unit[sid]
                out.append(f"{after * 1000:.0f} ms: {unit} taking {took * 1000:.0f} ms")
        return out

    def stopped_after(self, since: float) -> list[float]:
        """For each session closed after ``since``: seconds from its close to the end of its
        last model work (0 when none ran after the close)."""
        return [
            max(0.0, self.last_work.get(sid, 0.0) - closed)
            for sid, closed in self.closed_at.items()
            if closed >= since
        ]


class _TimedVoice:
    def __init__(self, voice: Any, watch: WorkWatch, sid: str) -> None:
        self._voice, self._watch, self._sid = voice, watch, sid

    def __getattr__(self, name: str) -> Any:
        return getattr(self._voice, name)

    def synthesize(
        self, text: str, *, rate: float = 1.0, control: Control | None = None
    ) -> Iterator[SynthesizedSpeech]:
        began = time.monotonic()
        for speech in self._voice.synthesize(text, rate=rate, control=control):
            self._watch.ran(self._sid, f"voice, {len(text)} chars", began)
            yield speech
            began = time.monotonic()


def summary(latencies: list[float]) -> dict[str, Any]:
    if not latencies:
        return {"closed": 0}
    ms = sorted(x * 1000 for x in latencies)
    return {
        "closed": len(ms),
        "work stopped p50 ms": round(statistics.median(ms)),
        "p95 ms": round(ms[int(0.95 * (len(ms) - 1))]),
        "max ms": round(ms[-1]),
        f"over {STOP_BOUND_S * 1000:g} ms": sum(x > STOP_BOUND_S * 1000 for x in ms),
    }


# -- providers that die ---------------------------------------------------------------------------


class DyingModel:
    """The real LLM, except that while ``dying`` each reply stops after a few pieces with
    the error a provider raises when its model goes away."""

    def __init__(self, llm: Any, after: int = 3) -> None:
        self._llm, self._after = llm, after
        self.dying = True

    def __getattr__(self, name: str) -> Any:
        return getattr(self._llm, name)

    def stream(self, request: GenerationRequest, control: Control | None = None) -> Iterator[str]:
        for i, piece in enumerate(self._llm.stream(request, control)):
            if self.dying and i == self._after:
                raise ProviderError("the model process died (killed by the test)")
            yield piece


class DyingVoice:
    """The real voice, except that while ``dying`` it fails at its next sentence (a short
    reply may have only one)."""

    def __init__(self, voice: Any) -> None:
        self._voice = voice
        self._dying = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._voice, name)

    @property
    def dying(self) -> bool:
        return self._dying

    @dying.setter
    def dying(self, value: bool) -> None:
        self._dying = value

    def synthesize(
        self, text: str, *, rate: float = 1.0, control: Control | None = None
    ) -> Iterator[SynthesizedSpeech]:
        for speech in self._voice.synthesize(text, rate=rate, control=control):
            if self._dying:
                raise ProviderError("the voice process died (killed by the test)")
            yield speech


@contextlib.asynccontextmanager
async def dying_server(runtime: Runtime) -> AsyncIterator[tuple[Target, DyingModel, DyingVoice]]:
    """A server whose runtime shares the loaded models, wrapped to die on demand."""
    other = runtime.derive(runtime.settings)
    model = DyingModel(runtime.llm)
    spec = runtime.character("jin").sheet.voice.piper
    voice = DyingVoice(runtime.voice(runtime.character("jin")))
    other.__dict__["llm"] = model
    other._voices = {**runtime._voices, spec: voice}
    async with in_process(other) as target:
        yield target, model, voice


@timed("killed provider", "the LLM, then the voice, dying mid-reply")
async def killed_provider(out: Outcome, runtime: Runtime) -> None:
    """A provider failing mid-reply: the player is told (``provider_error``, not fatal), the
    turn ends, nothing is logged as a crash, and the session answers once it is back."""
    async with dying_server(runtime) as (target, model, voice):
        ws, _ = await open_session(target.url, "killed-provider")
        try:
            for name in ("llm", "voice"):
                model.dying, voice.dying = name == "llm", name == "voice"
                turn = await typed_turn(ws, LONG_LINE)
                codes = [e["code"] for e in turn.errors]
                out.figures[f"{name} died"] = f"{codes}, turn_end: {'turn_end' in turn.kinds}"
                if codes != ["provider_error"] or "turn_end" not in turn.kinds:
                    out.problems.append(f"{name} died: {turn.errors} {turn.kinds[-4:]}")
                if any(e["fatal"] for e in turn.errors):
                    out.problems.append(f"{name} died: a fatal error")
            model.dying = voice.dying = False
            turn = await typed_turn(ws, "What do you recommend today?")
            out.figures["then a turn"] = turn.ended and not turn.errors
            if not turn.ended or turn.errors:
                out.problems.append(f"after the providers came back: {turn.errors}")
        finally:
            await ws.close()
        found = target.tracebacks()
        out.figures["tracebacks"] = len(found)
        if found:
            out.problems.append(f"logged: {found[0][:300]}")


# -- shutdown -----------------------------------------------------------------------------------


@timed("shutdown under load", "{sessions} sessions mid-reply, then stop()")
async def shutdown(out: Outcome, runtime: Runtime, *, sessions: int) -> None:
    """``NpcServer.stop()`` with every session mid-reply ends within 5 s, stops the model's
    engine and saves each conversation (the line the player said, what they heard)."""
    own = runtime.derive(runtime.settings)
    own.__dict__.pop("llm", None)  # an engine of its own: stop() closes it
    engine = own.llm._engine
    srv = NpcServer(own, own.settings.server.model_copy(update={"port": 0}))
    ws_server = await srv.start()
    url = f"ws://127.0.0.1:{next(iter(ws_server.sockets)).getsockname()[1]}"
    players = [f"shutdown-{time.time():.0f}-{i}" for i in range(sessions)]
    clients = [ws for ws, _ in await asyncio.gather(*(open_session(url, p) for p in players))]
    try:
        await asyncio.gather(*(_until_speaking(ws) for ws in clients))
        load = srv.runtime.scheduler.queued
        start = time.monotonic()
        await srv.stop()
        took = time.monotonic() - start
    finally:
        await asyncio.gather(*(ws.close() for ws in clients), return_exceptions=True)
    out.figures = {"stop s": round(took, 2), "queued at stop": load}
    if took > 5.0:
        out.problems.append(f"stop() took {took:.1f} s")
    if engine._thread.is_alive():
        out.problems.append("the model's engine still runs")
    saved = 0
    for player in players:
        last = runtime.knowledge.memory("jin", player).recent_turns(1)
        saved += bool(last) and last[0].user_text == LONG_LINE
    out.figures["conversations saved"] = f"{saved}/{sessions}"
    if saved != sessions:
        out.problems.append(f"only {saved} of {sessions} conversations saved")


async def _until_speaking(ws: Any) -> None:
    await ws.send(json.dumps({"type": "text", "text": LONG_LINE}))
    async with asyncio.timeout(240):
        while isinstance(raw := await ws.recv(), str) and json.loads(raw)["type"] != "reply_text":
            pass
