"""One queue for all model work in the process, served most urgent first.

Two cores cannot run two models at full speed at once: a reply's prompt read slows the speech
recognition of another player's last words, which is what that player is waiting for. So every
unit of model work (a batch of LLM tokens, one ASR call, one sentence of speech) passes through
one ``Scheduler``: units run one at a time, and when several wait, the most urgent goes next
(``npc.providers.base.Urgency``: what a player is waiting for, then the earliest deadline).

A unit is never cut short; the work that asks keeps its units small (the LLM engine reads
prompts in batches sized by their urgency), so urgent work waits at most about one unit.

``Job`` is the control handle a session gives with each piece of work (the provider reads
``cancelled`` and ``urgency`` between steps).
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TypeVar

from npc.providers.base import ComputeGate, Level, Urgency

T = TypeVar("T")


UrgencyOf = Urgency | Callable[[], Urgency]


@dataclass
class _Waiter:
    urgency: UrgencyOf
    order: int
    ready: threading.Event = field(default_factory=threading.Event)

    def key(self) -> tuple[Urgency, int]:
        urgency = self.urgency() if callable(self.urgency) else self.urgency
        return urgency.current(time.monotonic()), self.order


@dataclass
class SchedulerStats:
    """What the scheduler has run (for /metrics and benchmarks)."""

    units: dict[Level, int] = field(default_factory=lambda: dict.fromkeys(Level, 0))
    busy_s: dict[Level, float] = field(default_factory=lambda: dict.fromkeys(Level, 0.0))
    waited_s: dict[Level, float] = field(default_factory=lambda: dict.fromkeys(Level, 0.0))


class Scheduler:
    """Runs one unit of model work at a time, the most urgent waiting one first."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._lock = threading.Lock()
        self._waiters: list[_Waiter] = []
        self._busy = False
        self._order = itertools.count()
        self._clock = clock
        self.stats = SchedulerStats()
        self._recent: deque[tuple[float, float]] = deque(maxlen=4096)  # (start, end) of units

    @contextmanager
    def hold(self, urgency: UrgencyOf) -> Iterator[None]:
        """Run the body as one unit of work, once nothing more urgent waits. ``urgency`` may
        be a function, asked again whenever the next unit is picked (work that grows more
        urgent while it waits)."""
        asked = self._clock()
        self._acquire(urgency)
        start = self._clock()
        try:
            yield
        finally:
            end = self._clock()
            self._release()
            self._recent.append((start, end))
            level = (urgency() if callable(urgency) else urgency).level
            self.stats.units[level] += 1
            self.stats.busy_s[level] += end - start
            self.stats.waited_s[level] += start - asked

    def run(self, urgency: Urgency, work: Callable[[], T]) -> T:
        """``work()`` as one unit (call from a worker thread)."""
        with self.hold(urgency):
            return work()

    def load(self, window_s: float = 10.0) -> float:
        """Share of the last ``window_s`` seconds that some unit was running."""
        since = self._clock() - window_s
        busy = sum(end - max(start, since) for start, end in list(self._recent) if end > since)
        return min(1.0, busy / window_s)

    def waiting(self) -> Urgency | None:
        with self._lock:
            return min(w.key() for w in self._waiters)[0] if self._waiters else None

    @property
    def queued(self) -> int:
        """Units waiting now."""
        with self._lock:
            return len(self._waiters)

    def _acquire(self, urgency: UrgencyOf) -> None:
        with self._lock:
            if not self._busy:
                self._busy = True
                return
            waiter = _Waiter(urgency, next(self._order))
            self._waiters.append(waiter)
        waiter.ready.wait()

    def _release(self) -> None:
        with self._lock:
            if self._waiters:
                # A few threads wait at most (one per model call in flight): a scan is cheap,
                # and it asks each waiter how urgent it is now.
                best = min(self._waiters, key=_Waiter.key)
                self._waiters.remove(best)
                best.ready.set()  # handed over: the gate stays busy
            else:
                self._busy = False


class Unscheduled:
    """A gate that makes no one wait: providers used on their own (tools, simulations, tests)."""

    @contextmanager
    def hold(self, urgency: UrgencyOf) -> Iterator[None]:
        yield

    def waiting(self) -> Urgency | None:
        return None


class Job:
    """The control handle of one piece of work: cancel it, or change how urgent it is."""

    def __init__(self, level: Level, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._urgency = Urgency(level, clock())
        self._cancelled = threading.Event()
        self.figures: dict[str, float] = {}

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    @property
    def urgency(self) -> Urgency:
        return self._urgency

    def cancel(self) -> None:
        self._cancelled.set()

    def wait_cancelled(self, timeout: float | None = None) -> bool:
        return self._cancelled.wait(timeout)

    def become(self, level: Level, deadline: float | None = None) -> None:
        """Change the work's urgency (``deadline`` None: now)."""
        self._urgency = Urgency(level, self._clock() if deadline is None else deadline)


_END = object()


def gated(
    items: Iterator[T],
    gate: ComputeGate,
    urgency: Callable[[], Urgency],
    cancelled: Callable[[], bool] = lambda: False,
) -> Iterator[T]:
    """``items`` with each step (one ``next``) run as a unit of work at ``urgency()``; no
    step starts once ``cancelled()`` (the consumer may have stopped reading long before)."""
    while not cancelled():
        with gate.hold(urgency()):
            item = _END if cancelled() else next(items, _END)
        if item is _END:
            return
        yield item  # type: ignore[misc]
