"""Every line of a run spoken by its character's voice: a WAV and a JSON of its visemes.

Files are returned as bytes by name (relative to the run folder), so a Ray worker can send
them to the driver, which writes them with the rest of the run.
"""

from __future__ import annotations

import io
import json
import wave
from collections.abc import Sequence

from npc.character.loader import LoadedSheet
from npc.runtime import Runtime
from npc.simulate.records import Utterance
from npc.voice.speaker import Speaker


def render_audio(
    runtime: Runtime, sheets: dict[str, LoadedSheet], utterances: Sequence[Utterance]
) -> dict[str, bytes]:
    """``audio/NNN-speaker.wav`` and ``audio/NNN-speaker.visemes.json`` for each line."""
    files: dict[str, bytes] = {}
    for u in utterances:
        if not u.text.strip():
            continue
        loaded = sheets[u.speaker]
        speaker = Speaker(runtime.voice(loaded), rate=loaded.sheet.voice.rate)
        pcm = bytearray()
        visemes: list[dict[str, object]] = []
        offset_ms = 0.0
        rate = 0
        for chunk in speaker.speak(u.turn, 0, u.text):
            rate = chunk.sample_rate
            pcm += chunk.pcm
            for v in chunk.visemes:
                visemes.append(
                    {
                        "viseme": v.viseme,
                        "start_ms": round(offset_ms + v.start_ms, 2),
                        "duration_ms": round(v.duration_ms, 2),
                    }
                )
            offset_ms += chunk.duration_ms
        if not rate:
            continue
        stem = f"audio/{u.turn:03d}-{u.speaker}"
        files[f"{stem}.wav"] = _wav(bytes(pcm), rate)
        track = {
            "text": u.text,
            "sample_rate": rate,
            "duration_ms": round(offset_ms, 2),
            "visemes": visemes,
        }
        files[f"{stem}.visemes.json"] = (json.dumps(track, indent=1) + "\n").encode()
    return files


def _wav(pcm: bytes, sample_rate: int) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(sample_rate)
        out.writeframes(pcm)
    return buf.getvalue()
