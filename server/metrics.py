"""Prometheus metrics of the server (served at /metrics)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from npc.conversation.scheduler import Scheduler

REGISTRY = CollectorRegistry()
SESSIONS = Gauge("npc_sessions", "Open sessions", registry=REGISTRY)
CAPACITY = Gauge("npc_capacity_sessions", "Sessions served before refusing", registry=REGISTRY)
CONNECTIONS = Gauge("npc_connections", "Open connections, started or not", registry=REGISTRY)
LOAD = Gauge("npc_load", "Share of the last 10 s the models were busy", registry=REGISTRY)
QUEUED = Gauge("npc_queued_units", "Units of model work waiting now", registry=REGISTRY)
UNITS = Counter("npc_model_units_total", "Units of model work run", ["level"], registry=REGISTRY)
WAITED = Counter(
    "npc_model_wait_seconds_total", "Time units waited for the models", ["level"], registry=REGISTRY
)
TURNS = Counter("npc_turns_total", "Character turns", ["interrupted"], registry=REGISTRY)
ERRORS = Counter("npc_errors_total", "Errors sent to clients", ["code"], registry=REGISTRY)
REFUSED = Counter(
    "npc_refused_messages_total", "Client messages dropped unread", ["reason"], registry=REGISTRY
)
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


_seen: dict[str, tuple[float, float]] = {}


def observe_scheduler(scheduler: Scheduler) -> None:
    """Bring the scheduler's figures into the metrics (when /metrics is read)."""
    LOAD.set(scheduler.load())
    QUEUED.set(scheduler.queued)
    stats = scheduler.stats
    for level in stats.units:
        units, waited = float(stats.units[level]), stats.waited_s[level]
        before_units, before_waited = _seen.get(level.name, (0.0, 0.0))
        UNITS.labels(level.name.lower()).inc(units - before_units)
        WAITED.labels(level.name.lower()).inc(waited - before_waited)
        _seen[level.name] = (units, waited)


def turn_ended(interrupted: bool, timings_ms: dict[str, float]) -> None:
    """Record one finished turn of any session."""
    TURNS.labels("yes" if interrupted else "no").inc()
    if "voice_to_voice" in timings_ms:
        VOICE_TO_VOICE.observe(timings_ms["voice_to_voice"] / 1000)
    if "first_audio" in timings_ms:
        FIRST_AUDIO.observe(timings_ms["first_audio"] / 1000)
