"""The speech sets of the listening bench: who says the lines, and in what room.

Voices: the recorded people in ``../shared/audio`` (their own lines; skipped when absent),
the bundled piper voice (the server's own, the easiest case) and espeak-ng speakers of
different accents and speeds (Debian's ``espeak-ng``). Conditions, made with Debian's
``sox``: clean, room noise (brown noise at ~15 dB SNR), reverb, and 20 dB quieter. The pause
sets say each line marked with ``|`` with a comma there, and set that pause to 200-700 ms.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import wave
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from ruamel.yaml import YAML

from npc.audio import Audio, resample

SR = 16_000
ROOT = Path(__file__).resolve().parent.parent
LINES = ROOT / "bench" / "data" / "listen" / "lines.yaml"
# The recorded people: ../shared/audio beside the checkout, or NPC_SHARED_AUDIO.
SHARED_AUDIO = Path(os.environ.get("NPC_SHARED_AUDIO", ROOT.parent / "shared" / "audio"))
PAUSE_MARK = " | "
PAUSES_MS = (200, 300, 400, 500, 600, 700)

# espeak-ng speakers: voice+variant and words a minute (175 is espeak's default pace).
ESPEAK = {
    "espeak-us": ("en-us+m3", 160),
    "espeak-rp": ("en-gb-x-rp+f2", 140),
    "espeak-fast": ("en-gb-scotland+m5", 200),
}
CONDITIONS = ("clean", "noise", "reverb", "quiet")
# Recorded people: file, channel, what is said, split.
RECORDED = (
    (
        "jfk.flac",
        None,
        "And so my fellow Americans, ask not what your country can do for you, "
        "ask what you can do for your country.",
        "dev",
    ),
    (
        "stereo_diarization.wav",
        0,
        "He began a confused complaint against the wizard, "
        "who had vanished behind the curtain on the left.",
        "dev",
    ),
    ("stereo_diarization.wav", 1, "The horizon seems extremely distant.", "test"),
)


@dataclass(frozen=True, slots=True)
class Line:
    """A player line; ``text`` may hold one pause mark."""

    text: str
    words: tuple[str, ...]  # the sheet's words in it
    split: str

    @property
    def said(self) -> str:
        return self.text.replace(PAUSE_MARK, " ")

    @property
    def parts(self) -> tuple[str, ...]:
        return tuple(p.strip() for p in self.text.split(PAUSE_MARK))


@dataclass(frozen=True, slots=True)
class Clip:
    """One line as audio; ``span``: seconds to its first and past its last audible 10 ms,
    found before any noise or reverb was added."""

    line: Line
    audio: Audio
    span: tuple[float, float]


def clip(line: Line, audio: Audio) -> Clip:
    return Clip(line, audio, audible_span(audio))


@dataclass(frozen=True, slots=True)
class SpeechSet:
    name: str
    clips: tuple[Clip, ...]


def load_lines(split: str, path: Path = LINES) -> list[Line]:
    """The bench's lines of one split ("dev" or "test")."""
    data = YAML(typ="safe").load(path.read_text())
    return [Line(d["text"], tuple(d["words"]), split) for d in data[split]]


def need(tool: str) -> None:
    """Stop with how to install a missing Debian tool."""
    if shutil.which(tool) is None:
        raise SystemExit(f"{tool} is missing; install it: apt-get install -y {tool}")


def read_wav(path: Path) -> Audio:
    with wave.open(str(path)) as w:
        rate, channels = w.getframerate(), w.getnchannels()
        pcm = np.frombuffer(w.readframes(w.getnframes()), np.int16)
    audio = pcm.reshape(-1, channels).mean(axis=1).astype(np.float32) / 32768
    return resample(audio, rate)


def write_wav(path: Path, audio: Audio) -> None:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SR)
        w.writeframes((np.clip(audio, -1, 1) * 32767).astype("<i2").tobytes())


class Speakers:
    """Says text with the voices above; piper is loaded on first use."""

    def __init__(self, cache_dir: object) -> None:
        self._cache_dir = cache_dir
        self._piper: object | None = None
        self._tmp = Path(tempfile.mkdtemp(prefix="npc-listen-"))

    def close(self) -> None:
        shutil.rmtree(self._tmp, ignore_errors=True)

    def say(self, voice: str, text: str) -> Audio:
        if voice == "piper":
            return self._say_piper(text)
        name, wpm = ESPEAK[voice]
        out = self._tmp / "espeak.wav"
        subprocess.run(
            ["espeak-ng", "-v", name, "-s", str(wpm), "-w", str(out), text], check=True, timeout=60
        )
        return read_wav(out)

    def _say_piper(self, text: str) -> Audio:
        from piper import PiperVoice
        from piper.config import SynthesisConfig

        from npc.assets import resolve

        if self._piper is None:
            path = resolve("tts", None, self._cache_dir).path  # type: ignore[arg-type]
            self._piper = PiperVoice.load(str(path))
        voice: PiperVoice = self._piper  # type: ignore[assignment]
        steady = SynthesisConfig(noise_scale=0.0, noise_w_scale=0.0)
        chunks = list(voice.synthesize(text, syn_config=steady))
        pcm = np.frombuffer(b"".join(c.audio_int16_bytes for c in chunks), np.int16)
        return resample(pcm.astype(np.float32) / 32768, chunks[0].sample_rate)

    def condition(self, audio: Audio, condition: str) -> Audio:
        """``audio`` in a room: sox adds the noise or reverb, or lowers the level."""
        if condition == "clean":
            return audio
        src, out = self._tmp / "in.wav", self._tmp / "out.wav"
        write_wav(src, audio)
        if condition == "noise":
            noise = self._tmp / "noise.wav"
            seconds = f"{audio.size / SR:.3f}"
            # -R: sox's repeatable mode, the same noise every run (Whisper tiny's words
            # under noise change with the noise itself: one set's WER moved 34% -> 52%).
            subprocess.run(
                ["sox", "-R", "-n", "-r", str(SR), "-c", "1", "-b", "16", str(noise), "synth",
                 seconds, "brownnoise"],
                check=True, timeout=60,
            )  # fmt: skip
            speech_rms = _rms(audio)
            room = read_wav(noise)[: audio.size]
            room = room * (speech_rms / max(_rms(room), 1e-9) / 10 ** (15 / 20))
            return (audio + np.pad(room, (0, audio.size - room.size))).astype(np.float32)
        effect = {"reverb": ["reverb", "50", "50", "80"], "quiet": ["gain", "-20"]}[condition]
        subprocess.run(["sox", str(src), str(out), *effect], check=True, timeout=60)
        return read_wav(out)[: audio.size + SR]  # reverb adds a tail


def _rms(audio: Audio) -> float:
    loud = audio[np.abs(audio) > 1e-4]
    return float(np.sqrt(np.mean(loud**2))) if loud.size else 0.0


def _with_pause(speakers: Speakers, voice: str, line: Line, index: int) -> Clip:
    """The line said whole, with a comma at the mark (a pause with the voice's continuation
    prosody, not the falling end of a sentence), that pause then set to 200-700 ms."""
    first, second = line.parts
    audio = speakers.say(voice, f"{first.rstrip(',')}, {second}")
    start, end = _longest_gap(audio)
    pause_ms = PAUSES_MS[index % len(PAUSES_MS)]
    gap = np.zeros(int(pause_ms / 1000 * SR), np.float32)
    return clip(line, np.concatenate([audio[:start], gap, audio[end:]]).astype(np.float32))


def _longest_gap(audio: Audio) -> tuple[int, int]:
    """Samples [start, end) of the longest quiet stretch between the first and last sound."""
    loud = _loud(audio)
    if loud.size < 2:
        raise ValueError("a pause line came out silent")
    steps = np.diff(loud)
    i = int(np.argmax(steps))
    return int((loud[i] + 1) * 160), int(loud[i + 1] * 160)


def _loud(audio: Audio, threshold: float = 0.003) -> np.ndarray:
    frames = audio[: audio.size // 160 * 160].reshape(-1, 160)
    return np.flatnonzero(np.sqrt((frames**2).mean(axis=1)) > threshold)


def _audible_end(audio: Audio) -> int:
    loud = _loud(audio)
    return int((loud[-1] + 1) * 160) if loud.size else audio.size


def _audible_start(audio: Audio) -> int:
    loud = _loud(audio)
    return int(loud[0] * 160) if loud.size else 0


def audible_span(audio: Audio) -> tuple[float, float]:
    """Seconds from the start of ``audio`` to its first and past its last audible 10 ms."""
    return _audible_start(audio) / SR, _audible_end(audio) / SR


def recorded(split: str) -> list[Clip]:
    """The recorded people's lines of ``split``; empty when ../shared/audio is absent."""
    if not SHARED_AUDIO.is_dir():
        return []
    from faster_whisper import decode_audio

    clips = []
    for name, channel, text, where in RECORDED:
        path = SHARED_AUDIO / name
        if where != split or not path.is_file():
            continue
        if channel is None:
            audio = decode_audio(str(path))
        else:
            audio = decode_audio(str(path), split_stereo=True)[channel]
        clips.append(clip(Line(text, (), split), np.asarray(audio, np.float32)))
    return clips


def build_sets(
    speakers: Speakers, split: str, voices: list[str], conditions: list[str], pauses: bool
) -> Iterator[SpeechSet]:
    """Every (voice, condition) set of ``split``, then the pause sets (clean and noisy)."""
    lines = load_lines(split)
    for voice in voices:
        if voice == "real":
            base = recorded(split)
        else:
            base = [clip(line, speakers.say(voice, line.said)) for line in lines]
        if not base:
            continue
        for condition in conditions:
            clips = tuple(replace(c, audio=speakers.condition(c.audio, condition)) for c in base)
            yield SpeechSet(f"{voice}/{condition}", clips)
    if not pauses:
        return
    paused = [line for line in lines if PAUSE_MARK in line.text]
    for voice in voices:
        if voice == "real":
            continue
        clips = tuple(_with_pause(speakers, voice, line, i) for i, line in enumerate(paused))
        yield SpeechSet(f"{voice}/pause", clips)
