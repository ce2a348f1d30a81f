"""Voice-to-voice latency of ``npc serve`` with the default models.

    .venv/bin/python bench/latency.py                     # 1, 2, 4 and 8 concurrent sessions
    .venv/bin/python bench/latency.py --sessions 1 --turns 30

Starts ``npc serve`` in a subprocess on a free loopback port, then for each concurrency
level opens that many sessions with Jin; each streams spoken commands (piper speech at
16 kHz, 20 ms frames, in real time) followed by silence, and measures:

- voice to voice: the last speech sample sent -> the first byte of reply audio received;
- time to first action: the last speech sample sent -> the first `action` message;
- action after the first chunk: the first `action` message against the moment the reply's
  first audio chunk ends (received, then played at once): negative means the game had the
  action while the character was still saying its first words; with the share of acting
  turns where it was so;
- silence within the reply: how long a client playing each audio chunk as soon as it
  arrives (after the one before) would fall silent between the first and the last;
- the server's own per-stage timings from `turn_end` (end of speech, transcript, first
  token, first audio).

Prints p50 and p95 of each. The machine is shared and noisy: compare figures from one run;
``--layout say_first say_act_say`` runs a server per reply layout (``llm.reply_layout``), back
to back.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import soxr

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from npc.client import NpcClient, SessionRefused, Speech  # noqa: E402
from npc.config import load_settings  # noqa: E402
from npc.protocol import messages as m  # noqa: E402
from npc.providers.registry import registry  # noqa: E402

COMMANDS = [
    "Grab me a bowl of ramen.",
    "How is it going today?",
    "Can you pass the soy sauce?",
    "Make me a miso ramen.",
    "Who wants to buy your shop?",
    "Come over to the front door.",
    "What is in the tonkotsu broth?",
    "Where is the storage room?",
    "Bring me some green tea.",
    "Thanks, that was delicious.",
    "What time do you close tonight?",
    "Hand me the chopsticks, please.",
    "Is the spicy tantanmen very hot?",
    "Go over to the counter.",
    "Who is the man in the grey suit?",
    "Which one is table 2?",
    "How much is a bowl of shoyu?",
    "Cook me a bowl of tonkotsu.",
    "Do you make the noodles yourself?",
    "See you tomorrow, Jin.",
]
SR = 16000
CHUNK_MS = 20


def speech() -> list[bytes]:
    """Each command spoken by the bundled voice, as 16 kHz PCM16."""
    voice = registry().create("tts", "piper", load_settings())
    out = []
    for text in COMMANDS:
        pcm = b"".join(s.pcm for s in voice.synthesize(text))
        x = np.frombuffer(pcm, np.int16).astype(np.float32)
        y = soxr.resample(x, voice.sample_rate, SR)
        out.append(np.clip(y, -32768, 32767).astype(np.int16).tobytes())
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def server(
    port: int, log: Path | None = None, capacity: int | None = None, layout: str | None = None
) -> Iterator[str]:
    env = {**os.environ, "NPC_SERVER__PORT": str(port), "NPC_SERVER__MAX_SESSIONS": "64"}
    if layout is not None:
        env["NPC_LLM__REPLY_LAYOUT"] = layout
    if capacity is not None:  # else the server measures its own
        env["NPC_SERVER__CAPACITY"] = str(capacity)
    out = open(log, "wb") if log else subprocess.DEVNULL  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "-m", "npc", "serve"],
        cwd=ROOT,
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.time() + 600
        while time.time() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2)
                break
            except OSError:
                if proc.poll() is not None:
                    raise SystemExit("npc serve exited; run it by hand to see why") from None
                time.sleep(1)
        yield f"ws://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(30)


async def one_session(
    url: str, clips: list[bytes], turns: int, offset: int, results: dict[str, list[float]]
) -> None:
    # A new player each run: a returning one would bring back earlier runs' dialogue.
    player = f"bench-{RUN}-{offset}"
    try:
        c = await NpcClient.connect(url, m.Start(character="jin", player_id=player))
    except SessionRefused as refused:
        results["refused"].append(refused.retry_after_s or 0.0)
        return
    results["admitted"].append(1.0)
    try:
        for i in range(turns):
            pcm = clips[(offset + i) % len(clips)]
            # Read replies while still sending: the reply starts during the trailing silence.
            receiver = asyncio.create_task(receive_turn(c, results))
            spoken_end = await send(c, pcm)
            first_audio, first_action, first_chunk_end = await receiver
            if first_audio is not None:
                results["voice to voice"].append((first_audio - spoken_end) * 1000)
            if first_action is not None:
                results["to first action"].append((first_action - spoken_end) * 1000)
                if first_chunk_end is not None:
                    late = (first_action - first_chunk_end) * 1000
                    results["action after first chunk"].append(late)
                    results["in time"].append(float(late <= 0))
    finally:
        await c.close()


async def receive_turn(
    c: NpcClient, results: dict[str, list[float]]
) -> tuple[float | None, float | None, float | None]:
    """When the turn's first audio and first action arrived and when the first audio chunk
    ended, played as it arrived; records the server's timings."""
    first_audio = first_action = first_chunk_end = None
    playing_until = 0.0  # when the audio received so far ends, played back to back
    gaps = 0.0
    spoken: list[str] = []  # the reply as it was cut for speech
    actions: list[str] = []
    async for msg in c.messages():
        now = time.perf_counter()
        if isinstance(msg, Speech):
            if first_audio is None:
                first_audio = playing_until = now
                first_chunk_end = now + msg.header.duration_ms / 1000
            gaps += max(0.0, now - playing_until)
            playing_until = max(now, playing_until) + msg.header.duration_ms / 1000
            spoken.append(msg.header.text)
        elif isinstance(msg, m.ActionMsg):
            first_action = first_action or now
            actions.append(f"{msg.name}({', '.join(f'{v}' for v in msg.args.values())})")
        elif isinstance(msg, m.TurnEnd):
            for k, v in msg.timings.items():
                results[f"server {k}"].append(v)
            if VERBOSE:
                print(f"  turn {msg.turn_id}: interrupted={msg.interrupted} {msg.timings}")
                print(f"    said: {' | '.join(spoken)}   actions: {', '.join(actions) or '-'}")
            if not msg.interrupted:  # an interrupted turn was the player going on speaking
                if first_audio is not None:
                    results["silence within the reply"].append(gaps * 1000)
                break
        elif isinstance(msg, m.Error | m.Transcript) and VERBOSE:
            print(f"  {msg.type} {msg.model_dump(exclude={'type'})}")
    return first_audio, first_action, first_chunk_end


async def send(c: NpcClient, pcm: bytes) -> float:
    """Stream speech then 1.5 s of silence in real time; returns when the speech ended."""
    step = SR * CHUNK_MS // 1000 * 2
    silence = bytes(int(SR * 1.5) * 2)
    audio = pcm + silence
    start = time.perf_counter()
    speech_end = 0.0
    for i, off in enumerate(range(0, len(audio), step)):
        await c.ws.send(audio[off : off + step])
        if off + step >= len(pcm) and not speech_end:
            speech_end = time.perf_counter()
        await asyncio.sleep(max(0.0, start + (i + 1) * CHUNK_MS / 1000 - time.perf_counter()))
    return speech_end


VERBOSE = False
RUN = f"{time.time():.0f}"


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


async def run(url: str, clips: list[bytes], sessions: int, turns: int) -> dict[str, list[float]]:
    results: dict[str, list[float]] = defaultdict(list)
    await asyncio.gather(*(one_session(url, clips, turns, i, results) for i in range(sessions)))
    return results


def report(sessions: int, results: dict[str, list[float]]) -> None:
    admitted, refused = len(results.get("admitted", [])), len(results.get("refused", []))
    print(f"\n== {sessions} concurrent session(s): {admitted} admitted, {refused} refused ==")
    print(f"{'measure':32} {'n':>4} {'p50 ms':>9} {'p95 ms':>9} {'mean':>9}")
    server = sorted(k for k in results if k.startswith("server"))
    order = [
        "voice to voice",
        "to first action",
        "action after first chunk",
        "silence within the reply",
        *server,
    ]
    for key in order:
        v = results.get(key, [])
        if v:
            print(
                f"{key:32} {len(v):4d} {pct(v, 50):9.0f} {pct(v, 95):9.0f} "
                f"{statistics.fmean(v):9.0f}"
            )
    if results.get("in time"):
        hits = results["in time"]
        print(f"actions before the first chunk ended: {sum(hits):.0f}/{len(hits)}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sessions", type=int, nargs="*", default=[1, 2, 4, 8])
    ap.add_argument("--turns", type=int, default=0, help="turns per session (default: 20/n)")
    ap.add_argument("--url", help="an already running server instead of starting one")
    ap.add_argument("--server-log", type=Path, help="write the server's log (turn logs) here")
    ap.add_argument("-v", "--verbose", action="store_true", help="print every turn")
    ap.add_argument(
        "--capacity", type=int, help="the server's capacity (default: it measures its own)"
    )
    ap.add_argument(
        "--layout",
        nargs="*",
        choices=["say_first", "say_act_say", "act_on_request"],
        default=[],
        help="reply layouts to compare, a server each (default: the settings')",
    )
    args = ap.parse_args()
    global VERBOSE, RUN
    VERBOSE = args.verbose
    clips = speech()
    for layout in args.layout or [None]:
        RUN = f"{time.time():.0f}"  # new players for each server: none comes back
        if layout is not None:
            print(f"\n#### reply layout {layout}")
        with contextlib.ExitStack() as stack:
            url = args.url or stack.enter_context(
                server(free_port(), args.server_log, args.capacity, layout)
            )
            for n in args.sessions:
                turns = args.turns or max(2, 20 // n)
                report(n, asyncio.run(run(url, clips, n, turns)))


if __name__ == "__main__":
    main()
