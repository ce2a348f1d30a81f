"""Speech synthesis latency: time to first audio, real-time factor and peak memory.

    python bench/tts.py                       # 20 runs, the voice's own rate (22,050 Hz)
    python bench/tts.py --runs 50 --output-rate 48000 --threads 2

Time to first audio is from ``Speaker.speak`` to its first ``SpeechAudio`` (synthesis,
resampling and visemes) for a short sentence; the real-time factor is synthesis time over
audio time for a paragraph. Peak RSS is the whole process, voice loaded.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
from pathlib import Path

# This checkout's npc first, not an installed one (a worktree runs its own code).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SHORT = "Welcome back, traveller."
PARAGRAPH = (
    "The old mill by the river has been grinding flour for a hundred years. "
    "Every morning the miller opens the gates, and the wheel begins to turn. "
    "If you bring me three sacks of grain, I will trade you a loaf of bread and a map."
)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--output-rate", type=int, default=None)
    parser.add_argument("--threads", type=int, default=None, help="OMP_NUM_THREADS for onnxruntime")
    args = parser.parse_args()
    if args.threads:
        os.environ["OMP_NUM_THREADS"] = str(args.threads)

    from npc.config import load_settings
    from npc.providers.registry import registry
    from npc.voice.speaker import Speaker

    started = time.perf_counter()
    synth = registry().create("tts", "piper", load_settings())
    load_s = time.perf_counter() - started
    speaker = Speaker(synth, output_rate=args.output_rate)
    list(speaker.speak(0, 0, SHORT))  # warm-up: first-run allocations and espeak start-up

    first_ms: list[float] = []
    for run in range(args.runs):
        started = time.perf_counter()
        stream = speaker.speak(run, 0, SHORT)
        next(stream)
        first_ms.append((time.perf_counter() - started) * 1000)
        stream.close()

    rtfs: list[float] = []
    for run in range(max(3, args.runs // 5)):
        started = time.perf_counter()
        audio_ms = sum(e.duration_ms for e in speaker.speak(run, 0, PARAGRAPH))
        rtfs.append((time.perf_counter() - started) * 1000 / audio_ms)

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
    rate = args.output_rate or synth.capabilities.sample_rate
    print(f"piper en_US-joe-medium, output {rate} Hz, {args.runs} runs, {os.cpu_count()} CPUs")
    print(f"load                  {load_s * 1000:8.0f} ms")
    print(
        f"time to first audio   p50 {percentile(first_ms, 0.5):6.0f} ms   "
        f"p95 {percentile(first_ms, 0.95):6.0f} ms   ({SHORT!r})"
    )
    print(
        f"real-time factor      {statistics.median(rtfs):8.3f}   (median, {len(PARAGRAPH)} chars)"
    )
    print(f"peak RSS              {peak_mb:8.0f} MB")


if __name__ == "__main__":
    main()
