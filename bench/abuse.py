"""Hostile clients and failing parts against ``npc serve``, full size (issue 23).

    .venv/bin/python bench/abuse.py                       # every scenario, server in process
    .venv/bin/python bench/abuse.py --only fuzz storm     # some of them
    .venv/bin/python bench/abuse.py --source /tmp/old     # against npc serve from another tree
    .venv/bin/python bench/abuse.py --threads 8 --source /tmp/old   # the engine alone

The scenarios and the checks after each are the test suite's (``tests/server/``,
``tests/server/test_abuse.py`` runs them at CI size): after each, the server alive, /health
ok, no traceback logged, RSS within a bound of its start, a returning player answered at
normal speed and their memory intact. Prints the table.

``--source DIR`` starts ``npc serve`` from the source tree DIR in a child process (how
issue 23's crash and starvation are reproduced on the code before the fix: ``git archive
17a0ce3 | tar -x -C /tmp/old``) and runs the scenarios that need only its URL.
The old code crashes in a storm before its starvation shows; with its eviction off (the
crash's other half: ``sed -i 's/slots: int = 4,/slots: int = 64,/'
/tmp/old/plugins/llama_cpp_llm.py``), ``--only storm-60`` shows the issue's starvation: the
next player's first audio 53.8 s, against 3.2 s from this tree run the same way
(``NPC_SERVER__CAPACITY=32``: the capacity measured at start on two cores is 1, and a storm
session still closing would refuse the next player).
``--threads N`` runs, in a child process from DIR, N threads each warming new conversations
on the LLM for ``--seconds`` (issue 23: a SIGSEGV within 10 s with 8) and prints how the
process ended.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.server import inside, limits, scenarios  # noqa: E402
from tests.server.scenarios import Outcome  # noqa: E402
from tests.server.target import (  # noqa: E402
    Checks,
    Target,
    check_after,
    in_process,
    served,
    take_baseline,
)

RSS_BOUND_MB = 400.0
Scenario = Callable[[Target, Any], Awaitable[Outcome]]


def plan(speech: bytes, limit: int, hard: int) -> dict[str, Scenario]:
    """Every scenario at full size, by name; ``runtime`` is None against a child process."""
    return {
        "fuzz": lambda t, rt: scenarios.fuzz(t, messages=50_000, sessions=200, at_once=16),
        "before-start": lambda t, rt: scenarios.before_start_frames(t, connections=50, frames=20),
        "audio": lambda t, rt: scenarios.audio(t, speech=speech, odd=200, seconds=60),
        "oversized": lambda t, rt: scenarios.oversized(t, limit=limit, hard=hard),
        "flood-text": lambda t, rt: scenarios.flood(t, count=3000, kind="text"),
        "flood-event": lambda t, rt: scenarios.flood(t, count=3000, kind="event"),
        "scene": lambda t, rt: scenarios.big_scene(t, lists=3),
        "at-once": lambda t, rt: limits.at_once(t, sessions=32, talking=32),
        "disconnects": lambda t, rt: scenarios.disconnects(t, count=300, at_once=16),
        "storm": lambda t, rt: scenarios.storm(t, sessions=200, within_s=2.0),
        # the issue's own storm: 60 sessions opened and reset within a second (45 s after)
        "storm-60": lambda t, rt: scenarios.storm(t, sessions=60, within_s=1.0),
        "slow-reader": lambda t, rt: scenarios.slow_reader(t, pause_s=30),
        "capacity": capacity,
        "idle": idle,
        "killed-provider": lambda t, rt: inside.killed_provider(rt),
        "shutdown": lambda t, rt: inside.shutdown(rt, sessions=16),
    }


IN_PROCESS_ONLY = {"capacity", "idle", "killed-provider", "shutdown"}


async def capacity(t: Target, runtime: Any) -> Outcome:
    async with in_process(runtime, capacity=4, max_connections=16) as small:
        return await limits.over_capacity(small, capacity=4, extra=20, max_connections=16)


async def idle(t: Target, runtime: Any) -> Outcome:
    async with in_process(runtime, start_timeout_s=1.0, idle_timeout_s=2.0) as quick:
        return await limits.idle(quick, start_s=1.0, idle_s=2.0)


async def run(target: Target, runtime: Any, chosen: dict[str, Scenario]) -> list[Any]:
    rows: list[tuple[Outcome, Checks | None]] = []
    watch = inside.WorkWatch(target.inside) if target.inside is not None else None
    base = await take_baseline(target, RSS_BOUND_MB)
    print(f"baseline: first audio {base.turn_s:.1f} s, RSS {base.rss_mb:.0f} MB", flush=True)
    for name, scenario in chosen.items():
        since = time.monotonic()
        out = await scenario(target, runtime)
        if watch is not None and name in ("disconnects", "storm", "storm-60"):
            out.figures.update(inside.summary(watch.stopped_after(since)))
        checks = await check_after(target, base) if name != "shutdown" else None
        rows.append((out, checks))
        problems = out.problems + (checks.problems if checks else [])
        print(f"{name}: {out.figures} {problems or 'ok'}", flush=True)
    return rows


@contextlib.asynccontextmanager
async def here() -> AsyncIterator[tuple[Target, Any]]:
    from npc.config import load_settings
    from npc.runtime import Runtime

    data = Path(tempfile.mkdtemp(prefix="npc-abuse-"))
    settings = load_settings(data_dir=data)
    runtime = Runtime(settings)
    runtime.warm()
    async with in_process(runtime, capacity=32, max_sessions=32) as target:
        yield target, runtime


def speech_clip() -> bytes:
    import numpy as np
    import soxr

    from npc.config import load_settings
    from npc.providers.registry import registry

    voice = registry().create("tts", "piper", load_settings())
    pcm = b"".join(s.pcm for s in voice.synthesize("Grab me a bowl of ramen, please."))
    x = soxr.resample(np.frombuffer(pcm, np.int16).astype(np.float32), voice.sample_rate, 16000)
    return bytes(np.clip(x, -32768, 32767).astype(np.int16).tobytes())


THREADS = """
import sys, threading, time
from npc.config import load_settings
from npc.runtime import Runtime
from npc.providers.base import ChatMessage, GenerationRequest
llm = Runtime(load_settings()).llm
n, seconds = int(sys.argv[1]), float(sys.argv[2])
done, stop = [0], time.monotonic() + seconds
def warm(i):
    k = 0
    while time.monotonic() < stop:
        k += 1
        text = f"Warm-up {i}.{k}: " + "noodles " * (5 + i)
        llm.prefill(GenerationRequest((ChatMessage("user", text),), cache_key=f"t{i}-{k}"))
        done[0] += 1
threads = [threading.Thread(target=warm, args=(i,)) for i in range(n)]
for t in threads: t.start()
for t in threads: t.join()
print(f"{done[0]} prefills in {seconds:g} s, no crash", flush=True)
"""


def threads(source: Path, n: int, seconds: float) -> None:
    start = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-X", "faulthandler", "-c", THREADS, str(n), str(seconds)],
        cwd=source,
        env={**os.environ, "PYTHONPATH": str(source)},
        capture_output=True,
        text=True,
        check=False,
    )
    took = time.monotonic() - start
    print(f"{n} threads warming new conversations, source {source}:")
    print(f"  exit code {done.returncode} after {took:.1f} s (-11: SIGSEGV)")
    print("  " + (done.stdout.strip() or done.stderr.strip()[-1500:]))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--only", nargs="*", help="scenarios to run (default: all)")
    parser.add_argument("--source", type=Path, help="run npc serve from this source tree")
    parser.add_argument("--threads", type=int, help="only the engine: threads warming at once")
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    if args.threads:
        threads(args.source or ROOT, args.threads, args.seconds)
        return
    from server.app import HARD_FRAME_LIMIT

    chosen = plan(speech_clip(), 1 << 20, HARD_FRAME_LIMIT)
    if args.only:
        chosen = {k: v for k, v in chosen.items() if k in args.only}
    if args.source is not None:
        chosen = {k: v for k, v in chosen.items() if k not in IN_PROCESS_ONLY}
    rows = asyncio.run(_main(args.source, chosen))
    where = f"npc serve from {args.source}" if args.source else "server in process"
    print(scenarios.table(rows, f"issue 23: hostile clients, full size ({where})"))
    print("command: .venv/bin/python bench/abuse.py " + " ".join(sys.argv[1:]))


async def _main(source: Path | None, chosen: dict[str, Scenario]) -> list[Any]:
    if source is None:
        async with here() as (target, runtime):
            return await run(target, runtime, chosen)
    data = Path(tempfile.mkdtemp(prefix="npc-abuse-")) / "data"
    with served(source.resolve(), data) as target:
        try:
            return await run(target, None, chosen)
        finally:
            proc = target.process  # type: ignore[attr-defined]
            print(f"npc serve: {'running' if proc.poll() is None else f'exited {proc.returncode}'}")
            print(f"its log: {target.log_path}")  # type: ignore[attr-defined]


if __name__ == "__main__":
    main()
