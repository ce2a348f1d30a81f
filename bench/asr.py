"""Listening latency: end of speech -> final transcript, with audio fed at real-time pace.

    . .venv/bin/activate && python -m bench.asr                 # 20 sentences, ~75 s
    python -m bench.asr --sentences 8 --full-window              # Whisper's usual 30 s window
    python -m bench.asr --voice espeak-us                        # another speaker (espeak-ng)

Sentences are spoken by the bundled piper voice (no sampling noise; the server's own voice,
the easiest case), or by an espeak-ng speaker of bench/listen_speech.py, each followed by one
second of silence, and streamed as 20 ms PCM16 frames at 16 kHz, paced by the wall clock
like a microphone. Printed:

* end of speech -> SpeechStopped and -> FinalTranscript, p50/p95, wall clock; the end of
  speech is the end of the last audible 10 ms (RMS > 0.003) of each sentence, taken when the
  frame holding it was handed to the listener;
* the ASR real-time factor (Whisper time / audio time, each sentence transcribed alone);
* the word error rate over all sentences, and the peak RSS of the process.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import resource
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import numpy as np

# This checkout's npc first, not an installed one (a worktree runs its own code).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from npc.assets import resolve
from npc.audio import Audio, float32_to_pcm16, resample
from npc.config import load_settings
from npc.events import FinalTranscript, SpeechStopped
from npc.voice.listener import Listener
from plugins.faster_whisper_asr import WhisperRecognizer
from plugins.silero_vad import SileroVad

SR = 16_000
FRAME = 320  # 20 ms
SENTENCES = (
    "Good morning could you tell me where the blacksmith lives?",
    "I need a new sword before the tournament starts tomorrow.",
    "The bridge to the northern village collapsed last winter.",
    "How much would you charge for a loaf of bread?",
    "My brother went into the forest and never came back.",
    "Have you seen a tall man wearing a red cloak?",
    "The captain of the guard is looking for volunteers.",
    "Please keep your voice down because the children are sleeping.",
    "I found this old map hidden under the floor of the tavern.",
    "Where can I buy a horse that is strong enough for the mountains?",
    "The king has not been seen in public for many weeks.",
    "Can you help me carry these boxes to the harbor?",
    "We should leave before the sun goes down.",
    "The merchant told me the road to the east is dangerous.",
    "I would like a room for the night if you have one.",
    "Do you know anyone who can read this strange letter?",
    "The river flooded the fields and ruined the harvest.",
    "Tell the baker that I will pay him next week.",
    "There are wolves in the hills so be careful on your way home.",
    "Thank you for your help and I will remember your kindness.",
)


def speak(texts: tuple[str, ...], cache_dir: object) -> list[Audio]:
    from piper import PiperVoice
    from piper.config import SynthesisConfig

    voice = PiperVoice.load(str(resolve("tts", None, cache_dir).path))  # type: ignore[arg-type]
    steady = SynthesisConfig(noise_scale=0.0, noise_w_scale=0.0)
    out = []
    for text in texts:
        chunks = list(voice.synthesize(text, syn_config=steady))
        pcm = np.frombuffer(b"".join(c.audio_int16_bytes for c in chunks), np.int16)
        out.append(resample(pcm.astype(np.float32) / 32768, chunks[0].sample_rate))
    return out


def audible_end(audio: Audio) -> int:
    frames = audio[: audio.size // 160 * 160].reshape(-1, 160)
    loud = np.flatnonzero(np.sqrt((frames**2).mean(axis=1)) > 0.003)
    return int((loud[-1] + 1) * 160) if loud.size else 0


def wer(reference: str, hypothesis: str) -> float:
    ref, hyp = (re.sub(r"[^a-z0-9' ]+", " ", t.lower()).split() for t in (reference, hypothesis))
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (r != h))
    return row[-1] / max(len(ref), 1)


def pct(values: list[float], q: float) -> str:
    return f"{np.percentile(values, q) * 1000:6.0f} ms" if values else "   n/a"


async def stream(listener: Listener, audio: Audio, ends: list[int]) -> dict[str, list[float]]:
    """Feed ``audio`` in real time; wall-clock delays from each end of speech."""
    fed: dict[int, float] = {}  # end sample -> wall time its frame was handed over
    pending = sorted(ends)

    async def frames() -> AsyncIterator[bytes]:
        start = time.perf_counter()
        for i in range(0, audio.size, FRAME):
            await asyncio.sleep(max(0.0, start + i / SR - time.perf_counter()))
            while pending and pending[0] < i + FRAME:
                fed[pending.pop(0)] = time.perf_counter()
            yield float32_to_pcm16(audio[i : i + FRAME])

    stops, finals, texts = [], [], []
    order = sorted(ends)
    async for event in listener.run(frames()):
        now = time.perf_counter()
        turn = event.turn_id - 1
        if turn >= len(order) or order[turn] not in fed:
            continue
        if isinstance(event, SpeechStopped):
            stops.append(now - fed[order[turn]])
        elif isinstance(event, FinalTranscript):
            finals.append(now - fed[order[turn]])
            texts.append(event.text)
    return {"stopped": stops, "final": finals, "texts": texts}  # type: ignore[dict-item]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=len(SENTENCES))
    parser.add_argument("--end-of-turn-ms", type=int, default=250)
    parser.add_argument("--full-window", action="store_true", help="no fitted encoder window")
    parser.add_argument("--voice", default="piper", help="piper or espeak-us/-rp/-fast")
    args = parser.parse_args()
    settings = load_settings()
    texts = SENTENCES[: args.sentences]
    t0 = time.perf_counter()
    asr = WhisperRecognizer(
        resolve("asr", None, settings.cache_dir).path,
        threads=settings.asr.threads,
        fit_window=not args.full_window,
    )
    vad = SileroVad.load()
    print(f"models loaded in {time.perf_counter() - t0:.2f} s; asr threads={settings.asr.threads}")
    if args.voice == "piper":
        clips = speak(texts, settings.cache_dir)
    else:
        from bench.listen_speech import Speakers, need

        need("espeak-ng")
        speakers = Speakers(settings.cache_dir)
        clips = [speakers.say(args.voice, t) for t in texts]
        speakers.close()

    asr_s = 0.0
    for clip in clips:
        t = time.perf_counter()
        asr.transcribe(clip, language="en")
        asr_s += time.perf_counter() - t
    audio_s = sum(c.size for c in clips) / SR

    parts, ends, offset = [np.zeros(SR // 2, np.float32)], [], SR // 2
    for clip in clips:
        ends.append(offset + audible_end(clip))
        parts += [clip, np.zeros(SR, np.float32)]
        offset += clip.size + SR
    listener = Listener(asr, vad, language="en", end_of_turn_ms=args.end_of_turn_ms)
    result = asyncio.run(stream(listener, np.concatenate(parts), ends))

    said = " ".join(result["texts"])  # type: ignore[arg-type]
    print(f"turns: {len(result['final'])} of {len(texts)} sentences (fed in real time)")
    print(
        f"end of speech -> SpeechStopped     p50 {pct(result['stopped'], 50)}"
        f"   p95 {pct(result['stopped'], 95)}"
    )
    print(
        f"end of speech -> FinalTranscript   p50 {pct(result['final'], 50)}"
        f"   p95 {pct(result['final'], 95)}"
    )
    print(
        f"ASR real-time factor: {asr_s / audio_s:.3f} ({asr_s / len(clips) * 1000:.0f} ms a clip,"
        f" {'full 30 s' if args.full_window else 'fitted'} window)"
    )
    print(f"WER: {wer(' '.join(texts), said):.3f}")
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
