"""Session: how the prompt read ahead follows the player's partial transcripts."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from typing import Any

from npc.events import PartialTranscript
from npc.mind.recall import Note
from npc.protocol import messages as m
from npc.runtime import Runtime
from npc.session import Session
from npc.threads import Hold


class RecordedPrefill:
    """Stands in for ``Mind.prefill``: each read blocks until its cancel is set."""

    def __init__(self) -> None:
        self.reads: list[tuple[str, threading.Event]] = []
        self.started = threading.Semaphore(0)

    def __call__(
        self, partial: str, notes: Sequence[Note], cancel: threading.Event, hold: Hold
    ) -> None:
        self.reads.append((partial, cancel))
        self.started.release()
        cancel.wait(5)


async def started(prefill: RecordedPrefill) -> None:
    assert await asyncio.to_thread(prefill.started.acquire, True, 5)


async def test_a_newer_partial_stops_the_read_of_the_older_one(runtime: Runtime) -> None:
    sent: list[Any] = []

    async def send(msg: Any) -> None:
        sent.append(msg)

    session = Session(runtime, m.Start(character="jin", player_id="prefill-test"), send)
    prefill = RecordedPrefill()
    session.mind.prefill = prefill  # type: ignore[method-assign]
    session.mind.notes = lambda player: []  # type: ignore[method-assign]

    await session._on_heard(PartialTranscript(1, "Bring me"))
    await started(prefill)
    await session._on_heard(PartialTranscript(1, "Bring me some green tea"))
    await started(prefill)  # the older read gave way at once, not after its whole prompt
    assert [text for text, _ in prefill.reads] == ["Bring me", "Bring me some green tea"]
    assert prefill.reads[0][1].is_set() and not prefill.reads[1][1].is_set()

    session._stop_prefill()  # the player stopped: the reply needs the model
    assert prefill.reads[1][1].is_set()
    await session.close()
