"""The read-ahead follows the newest partial and stops when told, with a recording mind."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence

from npc.conversation.read_ahead import ReadAhead
from npc.conversation.scheduler import Job
from npc.mind.recall import Note
from npc.providers.base import Level


class RecordingMind:
    """Each read blocks until its job is cancelled (as a long prompt would)."""

    def __init__(self) -> None:
        self.reads: list[tuple[str, Job]] = []
        self.warms: list[Job] = []
        self.started = threading.Semaphore(0)

    def notes(self, partial: str) -> list[Note]:
        return []

    def prefill(self, partial: str, notes: Sequence[Note], control: Job) -> None:
        self.reads.append((partial, control))
        self.started.release()
        control.wait_cancelled(5)

    def warm(self, control: Job) -> None:
        self.warms.append(control)
        self.started.release()


async def started(mind: RecordingMind) -> None:
    assert await asyncio.to_thread(mind.started.acquire, True, 5)


async def test_a_newer_partial_stops_the_read_of_the_older_one_at_once() -> None:
    mind = RecordingMind()
    ahead = ReadAhead(mind)  # type: ignore[arg-type]
    ahead.follow("Bring me")
    await started(mind)
    ahead.follow("Bring me some green tea")
    await started(mind)  # the older read gave way at once, not after its whole prompt
    assert [text for text, _ in mind.reads] == ["Bring me", "Bring me some green tea"]
    older, newer = (job for _, job in mind.reads)
    assert older.cancelled and not newer.cancelled
    assert newer.urgency.level is Level.READ_AHEAD
    ahead.stop()  # the player stopped: the reply needs the model
    assert newer.cancelled
    await ahead.close()


async def test_a_warm_up_waits_for_the_read_in_progress_and_a_partial_drops_it() -> None:
    mind = RecordingMind()
    ahead = ReadAhead(mind)  # type: ignore[arg-type]
    ahead.follow("Hello")
    await started(mind)
    ahead.warm()  # asked while a read runs: it waits
    ahead.follow("Hello there")  # the player speaks on: the warm-up is dropped
    await started(mind)
    ahead.stop()
    await asyncio.sleep(0.1)
    assert mind.warms == []
    ahead.warm()
    await started(mind)
    assert [job.urgency.level for job in mind.warms] == [Level.WARM]
    await ahead.close()
    assert ahead.closed and not ahead.busy
