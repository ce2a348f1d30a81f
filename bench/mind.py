"""The mind's speed with the real model: cached prompt prefix vs none.

    .venv/bin/python bench/mind.py                  # 30 turns cached, 10 turns uncached
    .venv/bin/python bench/mind.py --turns 40 --uncached 0

A conversation with Jin over a cycle of commands (the dialogue grows as in a real session).
"cached" is how sessions run: the character's stable prefix comes from its saved state and
each turn evaluates only what is new. "uncached" gives every turn a fresh context and no
saved state, so the whole prompt is evaluated. Prints p50/p95 of time to first token, to
the first complete phrase, to the action decision (the reply's end when it has no action),
prompt tokens evaluated, and generation speed in tokens/s.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from npc.config import load_settings  # noqa: E402
from npc.events import ActionCall  # noqa: E402
from npc.mind.mind import Mind, TurnResult  # noqa: E402
from npc.runtime import Runtime  # noqa: E402
from plugins.llama_cpp_llm import LlamaCppModel  # noqa: E402

COMMANDS = [
    "grab me a bowl of ramen",
    "how's it going?",
    "what's in your tonkotsu broth?",
    "can you pass the soy sauce?",
    "who wants to buy your shop?",
    "make me a miso ramen",
    "where is the storage room?",
    "tell me about Mika",
    "one shoyu at table 2 please",
    "what time do you close?",
]


async def turn(mind: Mind, i: int, text: str, llm: LlamaCppModel) -> dict[str, float]:
    result = TurnResult()
    action_at = None
    start = time.perf_counter()
    async for event in mind.respond(i, text, result=result):
        if isinstance(event, ActionCall) and action_at is None:
            action_at = (time.perf_counter() - start) * 1000
    t = dict(result.timings)
    stats = llm.last_stats
    t["decision"] = t["reply_done"] if action_at is None else action_at
    t["prompt_tokens_evaluated"] = stats.prompt_tokens - stats.cached_tokens
    if stats.generate_s > 0:
        t["tokens_per_s"] = stats.generated_tokens / stats.generate_s
    return t


async def run(runtime: Runtime, turns: int, cached: bool) -> dict[str, list[float]]:
    loaded = runtime.character("jin")
    base: LlamaCppModel = runtime.llm
    llm = base
    out: dict[str, list[float]] = {}
    mind = Mind(
        loaded,
        llm,
        runtime.settings.llm,
        cache_key="bench-mind",
        intents=runtime.intents(loaded),
        recall=None,
    )
    for i in range(turns):
        if not cached:  # a fresh context, no saved prefix: the whole prompt every turn
            llm = LlamaCppModel(
                base.path, threads=runtime.settings.llm.threads, slots=1, state_dir=None
            )
            mind.llm = llm
        t = await turn(mind, i + 1, COMMANDS[i % len(COMMANDS)], llm)
        for k, v in t.items():
            out.setdefault(k, []).append(v)
    return out


def report(name: str, values: dict[str, list[float]]) -> None:
    print(f"\n== {name} ({len(values.get('reply_done', []))} turns) ==")
    for key in (
        "first_token",
        "first_phrase",
        "decision",
        "reply_done",
        "prompt_tokens_evaluated",
        "tokens_per_s",
    ):
        v = values.get(key, [])
        if v:
            unit = "" if key in ("prompt_tokens_evaluated", "tokens_per_s") else " ms"
            print(
                f"{key:26} p50 {np.percentile(v, 50):8.1f}{unit}   "
                f"p95 {np.percentile(v, 95):8.1f}{unit}"
            )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--turns", type=int, default=30)
    ap.add_argument("--uncached", type=int, default=10)
    args = ap.parse_args()
    runtime = Runtime(load_settings())
    runtime.warm()
    report("cached prefix", asyncio.run(run(runtime, args.turns, True)))
    if args.uncached:
        report("no cached prefix", asyncio.run(run(runtime, args.uncached, False)))


if __name__ == "__main__":
    main()
