"""Simulation throughput: runs per hour and turns per minute, in process vs Ray.

    python bench/simulate.py                                 # 2 runs x 4 turns, both ways
    python bench/simulate.py --threads 1 --ray-workers 2     # on 2 cores: 2 actors x 1 thread
    python bench/simulate.py --runs 200 --turns 2 --threads 1 --ray-workers 2 --skip local

Runs the same batch (same scenario, plans and seeds) twice: in this process on one
``Runtime``, then on a local Ray cluster started here (``--ray-address`` to use another).
The judge is off unless ``--judge``: this measures conversations, not scoring. Ray's wall
time includes starting its actors and loading their models; turns per worker-busy second
leaves that out. Figures on a shared 2-core machine are noisy.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

# This checkout's npc first, not an installed one (a worktree runs its own code).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from npc.config import Settings, load_settings
from npc.runtime import Runtime
from npc.simulate.batch import Batch, BatchOptions, LocalExecutor, plan_runs
from npc.simulate.conversation import simulated_side
from npc.simulate.loading import LoadedScenario, load_scenario
from npc.simulate.records import RunRecord
from npc.simulate.store import RunStore
from npc.simulate.worker import SimulationWorker

ROOT = Path(__file__).resolve().parent.parent


def measure(name: str, batch: Batch) -> dict[str, float]:
    start = time.perf_counter()
    records: list[RunRecord] = []
    result = batch.run(on_commit=records.append)
    wall = time.perf_counter() - start
    turns = sum(r.turns for r in records)
    busy = sum(r.duration_s for r in records)
    runs = len(result.ran)
    line = {
        "runs": runs,
        "turns": turns,
        "wall_s": wall,
        "runs_per_hour": runs / wall * 3600,
        "turns_per_minute": turns / wall * 60,
        "turns_per_busy_minute": turns / busy * 60 if busy else 0.0,
    }
    print(
        f"{name:<12} {runs} runs, {turns} turns in {wall:6.1f} s: "
        f"{line['runs_per_hour']:6.1f} runs/h, {line['turns_per_minute']:.2f} turns/min "
        f"(per worker-busy minute: {line['turns_per_busy_minute']:.2f})",
        flush=True,
    )
    return line


def warm_prompts(runtime: Runtime, loaded: LoadedScenario, options: BatchOptions) -> None:
    """Evaluate each (participant, variation) system prompt once, outside the timing.

    Both ways then load them from the same disk cache, as a long-running deployment would.
    """
    start = time.perf_counter()
    for plan in plan_runs(loaded, options)[: max(1, len(loaded.scenario.variations))]:
        for name in loaded.scenario.participants:
            side = simulated_side(loaded, name, plan, runtime.llm, runtime.settings.llm)
            side.mind.prefill("", [])
    print(f"model and prompt caches ready in {time.perf_counter() - start:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", type=Path, default=ROOT / "scenarios" / "triage.yaml")
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--turns", type=int, default=4)
    parser.add_argument("--max-reply-tokens", type=int, default=60)
    parser.add_argument("--threads", type=int, default=2, help="llama.cpp threads per model")
    parser.add_argument("--ray-workers", type=int, default=None)
    parser.add_argument("--ray-address", default=None, help="default: a local cluster")
    parser.add_argument("--judge", action="store_true")
    parser.add_argument("--model", default=None, help="LLM (default: the settings')")
    parser.add_argument("--retries", type=int, default=2)
    parser.add_argument("--out", type=Path, default=None, help="keep the runs here (resumable)")
    parser.add_argument("--skip", choices=["local", "ray"], default=None)
    args = parser.parse_args()

    overrides: dict[str, object] = {}
    if args.model:
        overrides["models"] = {"llm": args.model}
    settings: Settings = load_settings(
        characters_dir=ROOT / "characters",
        llm={"max_reply_tokens": args.max_reply_tokens, "threads": args.threads},
        **overrides,
    )
    loaded = load_scenario(args.scenario, settings.characters_dir)
    options = BatchOptions(
        runs=args.runs,
        max_turns=args.turns,
        judge=args.judge,
        retries=args.retries,
        model=settings.models.llm,
    )
    print(
        f"scenario {loaded.scenario.id}: {args.runs} runs x {args.turns} turns, "
        f"{args.max_reply_tokens} reply tokens, {args.threads} threads per model"
    )
    runtime = Runtime(settings)
    warm_prompts(runtime, loaded, options)
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.out or Path(tmp)
        if args.skip != "local":
            worker = SimulationWorker(runtime, loaded, judge=args.judge, retries=args.retries)
            store = RunStore(folder / "local", loaded, options.identity())
            measure("in-process", Batch(loaded, store, options, LocalExecutor(worker)))
        if args.skip != "ray":
            from npc.simulate.ray_pool import RayExecutor

            start = time.perf_counter()
            executor = RayExecutor(
                loaded,
                settings,
                address=args.ray_address,
                workers=args.ray_workers,
                judge=args.judge,
                retries=args.retries,
            )
            executor.connect()
            print(f"ray cluster ready in {time.perf_counter() - start:.1f} s")
            store = RunStore(folder / "ray", loaded, options.identity())
            try:
                measure("ray", Batch(loaded, store, options, executor))
            finally:
                executor.close()


if __name__ == "__main__":
    main()
