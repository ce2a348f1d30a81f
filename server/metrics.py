"""Prometheus metrics of the server (served at /metrics)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry()
SESSIONS = Gauge("npc_sessions", "Open sessions", registry=REGISTRY)
TURNS = Counter("npc_turns_total", "Character turns", ["interrupted"], registry=REGISTRY)
ERRORS = Counter("npc_errors_total", "Errors sent to clients", ["code"], registry=REGISTRY)
_BUCKETS = (0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0)
VOICE_TO_VOICE = Histogram(
    "npc_voice_to_voice_seconds",
    "End of the player's speech to the first reply audio",
    buckets=_BUCKETS,
    registry=REGISTRY,
)
FIRST_AUDIO = Histogram(
    "npc_first_audio_seconds",
    "Start of a reply to its first audio",
    buckets=_BUCKETS,
    registry=REGISTRY,
)


def turn_ended(interrupted: bool, timings_ms: dict[str, float]) -> None:
    """Record one finished turn of any session."""
    TURNS.labels("yes" if interrupted else "no").inc()
    if "voice_to_voice" in timings_ms:
        VOICE_TO_VOICE.observe(timings_ms["voice_to_voice"] / 1000)
    if "first_audio" in timings_ms:
        FIRST_AUDIO.observe(timings_ms["first_audio"] / 1000)
