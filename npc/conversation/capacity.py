"""How many players this machine can talk with at once: measured when the server starts.

One typical turn is run through the loaded models, each part timed on its own with nothing
else running: recognising the player's line (a final and the partials before it), reading the
reply's new prompt tail and writing a reply, and speaking it. A player who talks all the time
asks for about one turn every ``TALK_CYCLE_S``; the capacity is how many such players keep the
models busy ``TARGET_BUSY`` of the time, counting that replies written together cost less than
one after another (``BATCH_SHARE``: the measured cost of a reply's tokens when several replies
write in one batch, docs/benchmarks.md). Beyond it, new sessions are refused at once
(``server_busy``), so the players already talking keep their latency.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from npc.character.loader import LoadedSheet
from npc.mind.mind import Mind
from npc.providers.base import ChatMessage, GenerationRequest, SynthesizedSpeech
from npc.runtime import Runtime

log = logging.getLogger(__name__)

TALK_CYCLE_S = 6.0  # a player talking without pause: ~2 s of speech, the reply, the next line
TARGET_BUSY = 0.75  # leave room for bursts: a queue that is always full never drains
PARTIALS = 3  # partial transcripts of a line before its final (at ASR's pace, not more)
REPLY_TOKENS = 40
PROMPT_TAIL = "Can you tell me what goes into the broth, and how long it has to simmer?"
SPOKEN = "One bowl of tonkotsu, coming right up. The broth simmers for twelve hours."
BATCH_SHARE = 0.5  # share of a reply's writing time it costs when it writes beside others


@dataclass(frozen=True)
class Capacity:
    sessions: int
    turn_s: float  # model time of one turn on its own
    parts: dict[str, float]  # seconds per part: asr, prompt, write, speak

    def describe(self) -> str:
        parts = ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in self.parts.items())
        return f"{self.sessions} sessions (one turn: {self.turn_s:.2f} s of model time: {parts})"


def measure(runtime: Runtime, loaded: LoadedSheet | None = None, limit: int = 256) -> Capacity:
    """Time one turn's model work and turn it into a number of sessions (at most ``limit``)."""
    loaded = loaded or next(iter(runtime.characters.values()))
    voice = runtime.voice(loaded)
    start = time.perf_counter()
    speech = list(voice.synthesize(SPOKEN))
    speak_s = time.perf_counter() - start
    audio = _as_16k(speech)
    start = time.perf_counter()
    runtime.asr.transcribe(audio, language=loaded.sheet.language)
    asr_s = (time.perf_counter() - start) * (1 + PARTIALS * 0.6)  # partials are shorter
    mind = Mind(loaded, runtime.llm, runtime.settings.llm, cache_key="capacity")
    base = mind.request("", [])
    runtime.llm.prefill(base)  # the persona is read once per character, not per turn
    messages = (*base.messages[:-1], ChatMessage("user", PROMPT_TAIL))
    request = GenerationRequest(
        messages, max_tokens=REPLY_TOKENS, temperature=0, cache_key="capacity", stable_messages=1
    )
    start = time.perf_counter()
    pieces = runtime.llm.stream(request)
    next(pieces, None)
    prompt_s = time.perf_counter() - start
    written = 1 + sum(1 for _ in pieces)
    write_s = (time.perf_counter() - start - prompt_s) * REPLY_TOKENS / max(1, written)
    parts = {"asr": asr_s, "prompt": prompt_s, "write": write_s, "speak": speak_s}
    turn_s = sum(parts.values())
    shared_s = turn_s - write_s * (1 - BATCH_SHARE)  # what each more player adds
    sessions = 1 + math.floor(max(0.0, TARGET_BUSY * TALK_CYCLE_S - turn_s) / shared_s)
    capacity = Capacity(max(1, min(limit, sessions)), turn_s, parts)
    log.info("capacity: %s", capacity.describe())
    return capacity


def _as_16k(speech: Sequence[SynthesizedSpeech]) -> NDArray[np.float32]:
    import soxr

    pcm = b"".join(s.pcm for s in speech)
    rate = speech[0].sample_rate if speech else 16_000
    samples = np.frombuffer(pcm, np.int16).astype(np.float32) / 32768
    out: NDArray[np.float32] = soxr.resample(samples, rate, 16_000).astype(np.float32)
    return out
