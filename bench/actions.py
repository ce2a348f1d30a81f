"""Action accuracy of the mind on a labelled set, with the real bundled model.

    .venv/bin/python bench/actions.py                       # the default layout, act_on_request
    .venv/bin/python bench/actions.py --order say_first     # all the speech, then the actions
    .venv/bin/python bench/actions.py --order act_first     # actions before speech
    .venv/bin/python bench/actions.py --order say_act_say   # first words, actions, the rest
    .venv/bin/python bench/actions.py --limit 10 -v
    .venv/bin/python bench/actions.py --ahead 1           # as in a session: prompt read ahead

Each line of bench/data/actions.yaml is said to its character in a fresh conversation; the
actions the mind emits are compared with the expected calls. Prints the share of replies
that were schema-valid (every emitted call passed validation), the share with exactly the
expected actions and arguments, and latency figures (first token, first phrase, action
decision) as p50/p95.

``--ahead N`` reads the prompt ahead as a session does while the player speaks: from the
line without its last N words (a partial transcript), then answers the whole line.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from npc.actions.reply import ACT_FIRST, ON_REQUEST, SAY_ACT_SAY, SAY_FIRST  # noqa: E402
from npc.config import load_settings  # noqa: E402
from npc.events import ActionCall, ErrorEvent  # noqa: E402
from npc.mind.mind import Mind, TurnResult  # noqa: E402
from npc.runtime import Runtime  # noqa: E402


def load_cases(path: Path) -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = YAML(typ="safe").load(path.read_text())
    return cases


def normal(calls: Any) -> list[tuple[str, tuple[tuple[str, Any], ...]]]:
    return [(c["name"], tuple(sorted((c.get("args") or {}).items()))) for c in calls]


async def one(
    runtime: Runtime,
    case: dict[str, Any],
    order: tuple[str, ...],
    i: int,
    on_request: tuple[str, ...] | None = None,
) -> tuple[bool, bool, TurnResult, list[ActionCall], float | None]:
    loaded = runtime.character(case["character"])
    mind = Mind(
        loaded,
        runtime.llm,
        runtime.settings.llm,
        order=order,
        on_request=on_request,
        cache_key="bench-actions",
        intents=runtime.intents(loaded) if HINTS else None,
    )
    words = case["say"].split()
    if AHEAD and len(words) > AHEAD:
        mind.prefill(" ".join(words[:-AHEAD]), [])
    result = TurnResult()
    calls: list[ActionCall] = []
    valid = True
    start = time.perf_counter()
    first_action = None
    async for event in mind.respond(i + 1, case["say"], result=result):
        if isinstance(event, ActionCall):
            calls.append(event)
            if first_action is None:
                first_action = (time.perf_counter() - start) * 1000
        elif isinstance(event, ErrorEvent):
            valid = False
    got = normal([{"name": c.name, "args": c.args} for c in calls])
    wanted = [normal(case["expect"])] + [normal(alt) for alt in case.get("any_of", [])]
    return valid, got in wanted, result, calls, first_action


HINTS = True
AHEAD = 0


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument(
        "--order",
        choices=["say_first", "act_first", "say_act_say", "act_on_request"],
        default="act_on_request",  # the settings' default (llm.reply_layout)
    )
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--cases", type=Path, default=ROOT / "bench" / "data" / "actions.yaml")
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument("--no-hints", action="store_true", help="no nearest-example action hints")
    ap.add_argument("--ahead", type=int, default=0, help="read ahead without the last N words")
    args = ap.parse_args()
    global HINTS, AHEAD
    HINTS = not args.no_hints
    AHEAD = args.ahead
    order = {
        "say_first": SAY_FIRST,
        "act_first": ACT_FIRST,
        "say_act_say": SAY_ACT_SAY,
        "act_on_request": SAY_FIRST,
    }[args.order]
    on_request = ON_REQUEST.get(args.order)
    cases = load_cases(args.cases)[: args.limit or None]
    runtime = Runtime(load_settings())
    runtime.warm()
    valid = correct = 0
    timings: dict[str, list[float]] = {
        "first_token": [],
        "first_phrase": [],
        "action": [],
        "reply_done": [],
    }
    early = acting = 0  # replies with an action; those whose action came before any speech
    for i, case in enumerate(cases):
        ok_schema, ok, result, calls, first_action = await one(runtime, case, order, i, on_request)
        valid += ok_schema
        correct += ok
        for key in ("first_token", "first_phrase", "reply_done"):
            if key in result.timings:
                timings[key].append(result.timings[key])
        if first_action is not None:
            acting += 1
            early += first_action < result.timings.get("first_phrase", float("inf"))
        timings["action"].append(
            first_action
            if first_action is not None
            else result.timings.get("reply_done", float("nan"))
        )
        if args.verbose or not ok:
            got = ", ".join(f"{c.name}{c.args}" for c in calls) or "-"
            mark = "ok  " if ok else "MISS"
            print(f"{mark} {case['character']:20} {case['say']!r:52} -> {got} | {result.say!r}")
    n = len(cases)
    print(f"\norder {args.order}: {n} commands")
    print(f"schema-valid replies:      {valid}/{n} = {valid / n:.1%}")
    print(f"correct action and args:   {correct}/{n} = {correct / n:.1%}")
    print(f"actions before the first phrase: {early}/{acting} replies that acted")
    for key, values in timings.items():
        print(f"{key:26} p50 {pct(values, 50):6.0f} ms  p95 {pct(values, 95):6.0f} ms")


if __name__ == "__main__":
    asyncio.run(main())
