"""The voice pipeline against an OpenAI-compatible endpoint, beside the local model.

    .venv/bin/python bench/endpoint.py                      # starts llama-cpp-python's server
    .venv/bin/python bench/endpoint.py --endpoint http://10.0.0.5:8000 --model qwen2.5-7b
    .venv/bin/python bench/endpoint.py --turns 10 --limit 48 --threads 2

Without ``--endpoint`` it serves the bundled model with llama-cpp-python's own server
(``python -m llama_cpp.server``, the dev extra) on a free loopback port, so both paths run
the same model on the same CPU and only the path differs. For each path, back to back:

1. voice to voice and time to first action: ``bench/latency.py``'s spoken commands, one
   session, against ``npc serve`` on the local model, then on ``NPC_LLM__ENDPOINT`` (each
   after one warm-up turn that is not counted);
2. action accuracy: ``bench/actions.py``'s labelled commands through the mind;
3. prompt prefix kept: one text conversation of ``bench/latency.py``'s commands; for each
   turn, the share of its prompt (the messages as sent, in characters) that repeats the
   previous turn's from the start. Servers with prefix caching (vLLM, SGLang, OpenAI) reuse
   only that part; where the server reports it, the cached tokens are printed too.

Prints p50/p95. The machine is shared and noisy: compare the two paths of one run only.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT), str(HERE)]

import actions  # noqa: E402  (bench/actions.py)
import latency  # noqa: E402  (bench/latency.py)

from npc.actions.reply import SAY_FIRST  # noqa: E402
from npc.assets import resolve  # noqa: E402
from npc.config import Settings, load_settings  # noqa: E402
from npc.mind.mind import Mind  # noqa: E402
from npc.providers.base import GenerationRequest  # noqa: E402
from npc.runtime import Runtime  # noqa: E402


@contextlib.contextmanager
def llama_cpp_server(threads: int) -> Iterator[str]:
    """llama-cpp-python's OpenAI-compatible server with the bundled model."""
    settings = load_settings()
    model = resolve("llm", None, settings.cache_dir)
    port = latency.free_port()
    cmd = [sys.executable, "-m", "llama_cpp.server", "--model", str(model.path)]
    cmd += ["--host", "127.0.0.1", "--port", str(port), "--n_ctx", str(settings.llm.context)]
    cmd += ["--n_threads", str(threads), "--n_threads_batch", str(threads)]
    log = tempfile.NamedTemporaryFile(  # noqa: SIM115 (open for the server's whole life)
        prefix="llama-server-", suffix=".log", delete=False
    )
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 600
        while True:
            try:
                urllib.request.urlopen(url + "/v1/models", timeout=2)
                break
            except OSError:
                if proc.poll() is not None or time.time() > deadline:
                    why = f"the llama-cpp-python server did not start; see {log.name}"
                    raise SystemExit(why) from None
                time.sleep(0.5)
        print(f"llama-cpp-python server on {url} ({threads} threads), log {log.name}")
        yield url
    finally:
        proc.terminate()
        proc.wait(30)
        log.close()


@contextlib.contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    """``values`` in os.environ for the ``npc serve`` that latency.server starts."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def voice(path: str, env: dict[str, str], clips: list[bytes], turns: int) -> dict[str, list[float]]:
    """One session of spoken commands against a fresh ``npc serve``."""
    print(f"\n-- {path} --")
    with environment(env), latency.server(latency.free_port()) as url:
        # One turn first, not counted: the local server reads each character's stable prompt
        # before it accepts anyone, an endpoint on its first request.
        warm_up: dict[str, list[float]] = defaultdict(list)
        asyncio.run(latency.one_session(url, clips, 1, len(clips) - 1, warm_up))
        results = asyncio.run(latency.run(url, clips, 1, turns))
    latency.report(1, results)
    return results


async def accuracy(runtime: Runtime, cases: list[dict[str, Any]]) -> tuple[int, int, list[float]]:
    """(schema-valid, correct, time to the action decision in ms) over ``cases``."""
    valid = correct = 0
    decided: list[float] = []
    for i, case in enumerate(cases):
        ok_schema, ok, result, _, first_action = await actions.one(runtime, case, SAY_FIRST, i)
        valid += ok_schema
        correct += ok
        decided.append(first_action or result.timings.get("reply_done", float("nan")))
    return valid, correct, decided


class RecordingModel:
    """The model under test, keeping each request it was given."""

    def __init__(self, llm: Any) -> None:
        self.llm = llm
        self.llm_capabilities = llm.llm_capabilities
        self.context_size = getattr(llm, "context_size", 4096)
        self.requests: list[GenerationRequest] = []

    def stream(self, request: GenerationRequest) -> Iterator[str]:
        self.requests.append(request)
        return iter(self.llm.stream(request))

    def prefill(self, request: GenerationRequest) -> None:
        self.llm.prefill(request)

    def count_tokens(self, text: str) -> int:
        return int(self.llm.count_tokens(text))


async def prefix_kept(runtime: Runtime, turns: int) -> tuple[list[float], list[int]]:
    """Per turn after the first: the share of the prompt repeating the previous one's start,
    and the cached tokens the server reported (empty when it reports none)."""
    loaded = runtime.character("jin")
    model = RecordingModel(runtime.llm)
    mind = Mind(loaded, model, runtime.settings.llm, cache_key="bench-endpoint")
    cached: list[int] = []
    for i in range(turns):
        async for _ in mind.respond(i + 1, latency.COMMANDS[i % len(latency.COMMANDS)]):
            pass
        stats = getattr(runtime.llm, "last_stats", None)
        if stats is not None and stats.cached_tokens:
            cached.append(stats.cached_tokens)
    texts = ["".join(m.role + m.content for m in r.messages) for r in model.requests]
    shares = [_common(a, b) / len(b) for a, b in itertools.pairwise(texts) if b]
    return shares, cached


def _common(a: str, b: str) -> int:
    """How many characters ``a`` and ``b`` share from the start."""
    n = min(len(a), len(b))
    return next((i for i in range(n) if a[i] != b[i]), n)


def with_endpoint(settings: Settings, url: str, model: str) -> Settings:
    llm = settings.llm.model_copy(update={"endpoint": url, "endpoint_model": model})
    return settings.model_copy(update={"llm": llm})


def pct(values: list[float], q: float) -> float:
    return float(np.nanpercentile(values, q)) if values else float("nan")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--endpoint", help="an OpenAI-compatible server (default: start one)")
    ap.add_argument("--model", default="default", help="the endpoint's model name")
    ap.add_argument("--threads", type=int, default=2, help="LLM threads for both local paths")
    ap.add_argument("--turns", type=int, default=6, help="spoken turns per path")
    ap.add_argument("--limit", type=int, default=12, help="labelled commands per path")
    ap.add_argument("--conversation", type=int, default=10, help="turns for the prefix measure")
    args = ap.parse_args()
    threads = {"NPC_LLM__THREADS": str(args.threads)}
    cases = actions.load_cases(ROOT / "bench" / "data" / "actions.yaml")[: args.limit]
    clips = latency.speech()
    with contextlib.ExitStack() as stack:
        url = args.endpoint or stack.enter_context(llama_cpp_server(args.threads))
        remote = {**threads, "NPC_LLM__ENDPOINT": url, "NPC_LLM__ENDPOINT_MODEL": args.model}
        paths = {"local": threads, "endpoint": remote}
        spoken = {path: voice(path, env, clips, args.turns) for path, env in paths.items()}

        settings = load_settings()
        local = settings.model_copy(
            update={"llm": settings.llm.model_copy(update={"threads": args.threads})}
        )
        remote_settings = with_endpoint(local, url, args.model)
        runtimes = {"local": Runtime(local), "endpoint": Runtime(remote_settings)}
        scores = {}
        for path, runtime in runtimes.items():
            runtime.warm()
            scores[path] = asyncio.run(accuracy(runtime, cases))
        shares, cached = asyncio.run(prefix_kept(runtimes["endpoint"], args.conversation))

    print(f"\n== local model vs endpoint ({url}, model {args.model}) ==")
    print(f"{'measure':34} {'local p50/p95':>16} {'endpoint p50/p95':>18}")
    for key in ("voice to voice", "to first action", "server first_token"):
        row = [spoken[p].get(key, []) for p in paths]
        cells = [f"{pct(v, 50):7.0f} /{pct(v, 95):6.0f}" for v in row]
        print(f"{key + ' (ms)':34} {cells[0]:>16} {cells[1]:>18}")
    n = len(cases)
    for label, index in (("schema-valid replies", 0), ("correct action and args", 1)):
        cells = [f"{scores[p][index]}/{n}" for p in paths]
        print(f"{label:34} {cells[0]:>16} {cells[1]:>18}")
    cells = [f"{pct(scores[p][2], 50):7.0f} /{pct(scores[p][2], 95):6.0f}" for p in paths]
    print(f"{'action decided (ms)':34} {cells[0]:>16} {cells[1]:>18}")
    print(
        f"\nprompt kept from the previous turn ({len(shares)} turns of one conversation): "
        f"min {min(shares, default=float('nan')):.0%}, p50 {pct(shares, 50):.0%}, "
        f"last {shares[-1] if shares else float('nan'):.0%}"
    )
    print(f"  per turn: {' '.join(f'{s:.0%}' for s in shares)}")
    print(f"  cached tokens reported by the server: {cached or 'none reported'}")
    print(f"command: {' '.join([Path(sys.executable).name, *sys.argv])}")


if __name__ == "__main__":
    main()
