"""Real models and speech for the listening tests, loaded once per test session.

The loaders are plain functions as well as fixtures, so tests/plugins can share the same
instances (import them from here).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from npc.assets import resolve
from npc.audio import Audio, float32_to_pcm16, resample
from npc.config import Settings
from npc.events import Event
from npc.voice.listener import Listener
from plugins.faster_whisper_asr import WhisperRecognizer
from plugins.silero_vad import SileroVad

SHARED_AUDIO = Path(__file__).resolve().parents[2] / ".." / "shared" / "audio"
SR = 16_000
CHUNK_MS = 20

# No commas: piper pauses ~300 ms at a comma, which rightly ends a turn at end_of_turn_ms=250.
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

_whisper: WhisperRecognizer | None = None
_vad: SileroVad | None = None
_speech: list[Audio] | None = None


def load_whisper(settings: Settings) -> WhisperRecognizer:
    """The bundled Whisper tiny.en, once per session."""
    global _whisper
    if _whisper is None:
        _whisper = WhisperRecognizer(resolve("asr", None, settings.cache_dir).path, threads=2)
    return _whisper


def load_vad() -> SileroVad:
    """The Silero VAD session, once per session (use ``new_stream()`` per stream)."""
    global _vad
    if _vad is None:
        _vad = SileroVad.load()
    return _vad


def synthesize(settings: Settings, texts: Iterable[str]) -> list[Audio]:
    """Each text spoken by the bundled piper voice (without sampling noise), 16 kHz float32."""
    from piper import PiperVoice
    from piper.config import SynthesisConfig

    voice = PiperVoice.load(str(resolve("tts", None, settings.cache_dir).path))
    # No sampling noise: the same audio every run, so timings are reproducible.
    steady = SynthesisConfig(noise_scale=0.0, noise_w_scale=0.0)
    out = []
    for text in texts:
        chunks = list(voice.synthesize(text, syn_config=steady))
        pcm = np.frombuffer(b"".join(c.audio_int16_bytes for c in chunks), np.int16)
        out.append(resample(pcm.astype(np.float32) / 32768, chunks[0].sample_rate))
    return out


def shared_audio(name: str, *, channel: int | None = None) -> Audio:
    """A recording from /work/shared/audio as 16 kHz mono; skips the test if it is absent."""
    from faster_whisper import decode_audio

    path = SHARED_AUDIO / name
    if not path.is_file():
        pytest.skip(f"{path} is not here")
    if channel is None:
        return np.asarray(decode_audio(str(path)), np.float32)
    return np.asarray(decode_audio(str(path), split_stereo=True)[channel], np.float32)


def speech_end(audio: Audio, threshold: float = 0.003) -> float:
    """Seconds to the end of the last 10 ms frame louder than ``threshold`` (RMS)."""
    frames = audio[: audio.size // 160 * 160].reshape(-1, 160)
    loud = np.flatnonzero(np.sqrt((frames**2).mean(axis=1)) > threshold)
    return float((loud[-1] + 1) * 160 / SR) if loud.size else 0.0


def silence(seconds: float) -> Audio:
    return np.zeros(int(seconds * SR), np.float32)


def pcm_chunks(audio: Audio, chunk_ms: int = CHUNK_MS, rate: int = SR) -> Iterator[bytes]:
    """``audio`` (16 kHz) as PCM16 frames of ``chunk_ms`` at ``rate``, like a client sends."""
    pcm = float32_to_pcm16(resample(audio, SR, rate) if rate != SR else audio)
    step = rate * chunk_ms // 1000 * 2
    for i in range(0, len(pcm), step):
        yield pcm[i : i + step]


async def frames_of(chunks: Iterable[bytes], *, pace_s: float = 0.0) -> AsyncIterator[bytes]:
    """The chunks as an async stream; ``pace_s`` > 0 sleeps that long between them."""
    import asyncio

    for chunk in chunks:
        if pace_s:
            await asyncio.sleep(pace_s)
        yield chunk


async def listen(listener: Listener, chunks: Iterable[bytes], pace_s: float = 0.0) -> list[Event]:
    return [e async for e in listener.run(frames_of(chunks, pace_s=pace_s))]


def words(text: str) -> list[str]:
    return re.sub(r"[^a-z0-9' ]+", " ", text.lower()).split()


def word_error_rate(reference: str, hypothesis: str) -> float:
    """Word-level Levenshtein distance over the reference's length."""
    ref, hyp = words(reference), words(hypothesis)
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (r != h))
    return row[-1] / max(len(ref), 1)


@dataclass(frozen=True)
class Utterance:
    text: str
    audio: Audio


@pytest.fixture(scope="session")
def whisper(settings: Settings) -> WhisperRecognizer:
    return load_whisper(settings)


@pytest.fixture(scope="session")
def silero() -> SileroVad:
    return load_vad()


@pytest.fixture(scope="session")
def sentences(settings: Settings) -> list[Utterance]:
    """The 20 test sentences spoken by piper."""
    global _speech
    if _speech is None:
        _speech = synthesize(settings, SENTENCES)
    return [Utterance(t, a) for t, a in zip(SENTENCES, _speech, strict=True)]
