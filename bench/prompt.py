"""Raw llama.cpp speed of the configured model: reading a turn's prompt tail, and generating.

    .venv/bin/python bench/prompt.py                # 10 rounds
    .venv/bin/python bench/prompt.py --rounds 20 --context 2000

Each round reads an 8-token and a 52-token tail (the sizes a turn reads after the final
transcript when nothing or everything changed) after ``--context`` tokens already in the
cache, then generates 20 tokens one at a time. Prints the llama.cpp build's CPU features
and p50/p95 of each. Compare builds (the AVX2 and the AVX-512 one, see ``npcw``) with runs
taken minutes apart at most: the machine's speed drifts by 2-3x within an hour.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import llama_cpp
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from npc.config import load_settings  # noqa: E402
from npc.runtime import Runtime  # noqa: E402
from plugins.llama_cpp_llm import LlamaCppModel  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--context", type=int, default=1500, help="tokens already in the cache")
    args = ap.parse_args()

    print(llama_cpp.llama_print_system_info().decode().strip())
    llm = Runtime(load_settings()).llm
    if not isinstance(llm, LlamaCppModel):
        sys.exit("bench/prompt.py measures the llama.cpp provider; NPC_LLM__ENDPOINT is set")
    slot = llm._slot("bench-prompt")
    context = llm.tokenize("The noodle stall opens at six. " * 400)[: args.context]
    llm._evaluate(slot, context)
    times: dict[str, list[float]] = {"read 8 tokens": [], "read 52 tokens": [], "one token": []}
    for r in range(args.rounds):
        for n in (8, 52):
            opening = "Short" if n == 8 else "Long"  # differs at once: all n tokens are read
            tail = llm.tokenize(f" {opening} round {r}: ramen with extra pork, please." * 9)[:n]
            start = time.perf_counter()
            llm._evaluate(slot, context + tail)
            times[f"read {n} tokens"].append((time.perf_counter() - start) * 1000)
        for i in range(20):
            start = time.perf_counter()
            llm._decode(slot, [1000 + i])
            times["one token"].append((time.perf_counter() - start) * 1000)
    print(f"{'measure':<16}{'p50 ms':>9}{'p95 ms':>9}")
    for name, values in times.items():
        p50, p95 = np.percentile(values, [50, 95])
        print(f"{name:<16}{p50:>9.0f}{p95:>9.0f}")


if __name__ == "__main__":
    main()
