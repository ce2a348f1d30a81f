"""Phoneme timings -> a viseme track that covers its audio chunk exactly."""

from __future__ import annotations

from collections.abc import Sequence

from npc.events import Viseme
from npc.providers.base import PhonemeTiming
from npc.visemes.table import AFFRICATES, SILENCE, symbol_kind, viseme_for


def viseme_track(
    timings: Sequence[PhonemeTiming], sample_rate: int, *, duration_ms: float | None = None
) -> tuple[Viseme, ...]:
    """The visemes of one chunk, from its phoneme timings (counted at ``sample_rate``).

    The track starts at 0, each viseme starts where the previous one ends, and the last ends
    at ``duration_ms`` (default: the timings' total, ``samples / sample_rate * 1000``, the
    same arithmetic as ``SpeechAudio.duration_ms``). Pass ``duration_ms`` when the audio was
    resampled: the timings are stretched to it. Equal neighbours are merged; modifiers
    (stress, length, word spaces) lend their time to their neighbours. Empty for a chunk of
    no duration; a single ``sil`` when the timings carry no time.
    """
    if sample_rate <= 0:
        raise ValueError(f"sample_rate must be positive, got {sample_rate}")
    segments = _merge(_fold(_join_affricates(timings)))
    total = sum(n for _, n in segments)
    if duration_ms is None:
        duration_ms = total / sample_rate * 1000
    if not duration_ms > 0:
        return ()
    if total == 0:
        return (Viseme(SILENCE, 0.0, duration_ms),)
    bounds = [0.0]
    done = 0
    for _, n in segments[:-1]:
        done += n
        bounds.append(duration_ms * done / total)
    bounds.append(duration_ms)  # exact, whatever the rounding above
    return tuple(
        Viseme(viseme, bounds[i], bounds[i + 1] - bounds[i])
        for i, (viseme, _) in enumerate(segments)
    )


def _join_affricates(timings: Sequence[PhonemeTiming]) -> list[tuple[str, int]]:
    """Piper spells "ch" as ``t`` + ``ʃ``; the mouth makes one shape for both."""
    out: list[tuple[str, int]] = []
    for t in timings:
        samples = max(0, t.samples)
        if out and out[-1][0] + t.phoneme in AFFRICATES:
            out[-1] = (out[-1][0] + t.phoneme, out[-1][1] + samples)
        else:
            out.append((t.phoneme, samples))
    return out


def _fold(phonemes: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """Visemes with their samples, once modifiers have given their time to neighbours."""
    out: list[tuple[str, int]] = []
    pending = 0  # samples owed to the next shape
    for phoneme, samples in phonemes:
        kind = symbol_kind(phoneme)
        if kind == "shape":
            out.append((viseme_for(phoneme), samples + pending))
            pending = 0
        elif kind == "suffix" and out:
            out[-1] = (out[-1][0], out[-1][1] + samples)
        elif kind == "boundary" and out:
            half = samples // 2
            out[-1] = (out[-1][0], out[-1][1] + half)
            pending += samples - half
        else:  # a prefix, or a modifier with nothing before it
            pending += samples
    if pending:
        if out:
            out[-1] = (out[-1][0], out[-1][1] + pending)
        else:
            out.append((SILENCE, pending))
    return out


def _merge(segments: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """Drop empty segments, then join neighbours with the same viseme."""
    out: list[tuple[str, int]] = []
    for viseme, samples in segments:
        if samples == 0:
            continue
        if out and out[-1][0] == viseme:
            out[-1] = (viseme, out[-1][1] + samples)
        else:
            out.append((viseme, samples))
    return out
