"""What N conversations writing at once cost the llama.cpp engine, against one at a time.

    .venv/bin/python bench/engine.py                  # 1, 2, 4 and 8 conversations
    .venv/bin/python bench/engine.py --conversations 4 --tokens 60

Each conversation is Jin answering a different line (its real prompt, greedy, the reply
grammar), its persona already read. For each N, the N replies are first written one after
another, then all at once (N threads, one engine): the wall time of each, the tokens written
per second, and how many of the engine's steps carried several conversations. Prints p50/p95
of the time to each reply's first token and the speed-up of writing together. The machine is
shared and noisy: only figures from one run compare.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from npc.config import load_settings  # noqa: E402
from npc.conversation.scheduler import Job  # noqa: E402
from npc.mind.mind import Mind  # noqa: E402
from npc.providers.base import Level  # noqa: E402
from npc.runtime import Runtime  # noqa: E402

LINES = [
    "Grab me a bowl of ramen.",
    "What is in the tonkotsu broth?",
    "Who wants to buy your shop?",
    "Bring me some green tea.",
    "Is the spicy tantanmen very hot?",
    "Where is the storage room?",
    "How much is a bowl of shoyu?",
    "Do you make the noodles yourself?",
]


def write(runtime: Runtime, minds: list[Mind], which: list[int], tokens: int) -> dict[str, float]:
    """Write the replies of ``which`` at once; per reply: first token and end (seconds)."""
    out: dict[str, float] = {}
    start = time.perf_counter()
    shared = []

    def one(i: int) -> None:
        mind = minds[i]
        request = mind.request(LINES[i % len(LINES)], [])
        request = dataclasses.replace(request, max_tokens=tokens, temperature=0.0)
        job = Job(Level.RESPOND)
        first = None
        for _ in runtime.llm.stream(request, job):
            if first is None:
                first = time.perf_counter() - start
                job.become(Level.SPEAK, time.monotonic() + 0.5)
        out[f"first{i}"] = first or 0.0
        out[f"end{i}"] = time.perf_counter() - start
        out[f"tokens{i}"] = job.figures.get("generated_tokens", 0)
        shared.append(job.figures.get("shared_steps", 0))

    threads = [threading.Thread(target=one, args=(i,)) for i in which]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out["wall"] = time.perf_counter() - start
    out["shared_steps"] = float(sum(shared))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--conversations", type=int, nargs="*", default=[1, 2, 4, 8])
    ap.add_argument("--tokens", type=int, default=48, help="tokens per reply")
    args = ap.parse_args()
    settings = load_settings(characters_dir=ROOT / "characters")
    slots = max(args.conversations) + 1
    settings = settings.model_copy(update={"llm": settings.llm.model_copy(update={"slots": slots})})
    runtime = Runtime(settings)
    loaded = runtime.character("jin")
    print(f"{'N':>3} {'alone s':>8} {'together s':>10} {'speed-up':>8} {'tok/s':>7} "
          f"{'first p50':>9} {'first p95':>9} {'shared':>6}")  # fmt: skip
    for n in args.conversations:
        minds = [
            Mind(loaded, runtime.llm, settings.llm, cache_key=f"engine-bench-{n}-{i}")
            for i in range(n)
        ]
        for mind in minds:  # persona and line read, as a turn's read-ahead leaves them
            runtime.llm.prefill(mind.request(LINES[minds.index(mind) % len(LINES)], []))
        alone = sum(write(runtime, minds, [i], args.tokens)["wall"] for i in range(n))
        for mind in minds:
            runtime.llm.prefill(mind.request(LINES[minds.index(mind) % len(LINES)], []))
        together = write(runtime, minds, list(range(n)), args.tokens)
        firsts = [together[f"first{i}"] * 1000 for i in range(n)]
        written = sum(together[f"tokens{i}"] for i in range(n))
        print(
            f"{n:3d} {alone:8.2f} {together['wall']:10.2f} {alone / together['wall']:8.2f} "
            f"{written / together['wall']:7.1f} {statistics.median(firsts):9.0f} "
            f"{float(np.percentile(firsts, 95)):9.0f} {together['shared_steps']:6.0f}"
        )
    runtime.close()


if __name__ == "__main__":
    main()
