"""One reply of the character: the mind's events out at once, phrases spoken as they come.

Generation and synthesis overlap: the first phrase goes to the voice while the model is
still writing the rest, and actions leave the moment they are decided. ``stop()`` ends both
at once (barge-in); ``spoken_text`` then tells what the player actually heard.

A reply may start before the player's turn is known to be over (``tentative``, on a pause):
it reads its prompt and writes, but sends nothing until ``confirm()``; if the player goes on,
it is stopped unheard.

How urgent its model work is follows what the player is waiting for (``Job.become``): a
tentative reply waits behind everyone who is waiting; once confirmed, the reply's first
phrase is the most urgent work there is; after that, its next phrase is due when the audio
sent so far runs out.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Awaitable, Callable
from dataclasses import InitVar, dataclass, field

from npc.conversation.scheduler import Job, Unscheduled, gated
from npc.events import Event, Phrase, SpeechAudio
from npc.mind.mind import Mind, TurnResult
from npc.mind.recall import Note
from npc.providers.base import ComputeGate, Level, Urgency
from npc.threads import iterate_in_thread
from npc.voice.speaker import Speaker

Emit = Callable[[Event], Awaitable[None]]
# Speech left to play below which the next phrase ends after a few words rather than at
# the end of its sentence (a long sentence takes longer to write than 3 words take to say).
HURRY_S = 0.8


@dataclass
class _Played:
    """A chunk of speech sent to the client, with when it will be playing (wall clock)."""

    text: str
    start: float
    end: float


@dataclass
class ReplyTurn:
    """A reply in progress; ``run`` drives it, ``stop`` ends it."""

    turn_id: int
    mind: Mind
    speaker: Speaker | None  # None: text only
    emit: Emit
    player_text: str
    notes: list[Note] | None = None
    clock: Callable[[], float] = time.monotonic
    gate: ComputeGate = field(default_factory=Unscheduled)
    result: TurnResult = field(default_factory=TurnResult)
    played: list[_Played] = field(default_factory=list)
    started: float = 0.0
    tentative: InitVar[bool] = False  # the turn may not be over: wait for ``confirm()``
    job: Job = field(init=False)
    voicing: int = field(default=0, init=False)  # phrases given to the voice, not yet spoken
    _confirmed: asyncio.Event = field(default_factory=asyncio.Event, init=False, repr=False)
    _phrased: bool = field(default=False, init=False)
    # What the client gets, in order, once the turn is confirmed (writing and speaking go on
    # before that: a confirmed reply then starts with its first audio ready).
    _outbox: asyncio.Queue[Event | None] = field(
        default_factory=asyncio.Queue, init=False, repr=False
    )

    def __post_init__(self, tentative: bool) -> None:
        self.job = Job(Level.TENTATIVE if tentative else Level.RESPOND, self.clock)
        if not tentative:
            self._confirmed.set()

    @property
    def confirmed(self) -> bool:
        return self._confirmed.is_set()

    def confirm(self) -> None:
        """The player's turn is over: send what was held, and hurry."""
        if self.confirmed:
            return
        self._confirmed.set()
        if not self._phrased:
            self.job.become(Level.RESPOND)
        else:
            self._follow_audio()

    def stop(self) -> None:
        """Stop writing and speaking (the caller cancels the task running ``run``)."""
        self.job.cancel()

    async def run(self) -> TurnResult:
        self.started = self.clock()
        phrases: asyncio.Queue[Phrase | None] = asyncio.Queue()
        voice = asyncio.create_task(self._speak(phrases))
        deliver = asyncio.create_task(self._deliver())
        try:
            async for event in self.mind.respond(
                self.turn_id,
                self.player_text,
                notes=self.notes,
                control=self.job,
                result=self.result,
                hurry=self.hurry,
            ):
                if self.job.cancelled:
                    break
                if isinstance(event, Phrase):
                    self.voicing += 1
                    phrases.put_nowait(event)
                    if not self._phrased:
                        # The voice's first phrase is what the player waits for now; the
                        # model's next words are due when that audio runs out.
                        self._phrased = True
                        self._follow_audio()
                else:
                    self._outbox.put_nowait(event)
            phrases.put_nowait(None)
            await voice
            self._outbox.put_nowait(None)
            await deliver  # a reply never ends before its turn does
        finally:
            for task in (voice, deliver):
                # A task that failed while the reply was being stopped (the client gone
                # mid-send) has nothing more to say: its error is read here, not logged.
                task.add_done_callback(_read_error)
                if not task.done():
                    task.cancel()
        return self.result

    def _follow_audio(self) -> None:
        if not self.confirmed:
            return  # stays tentative: behind everyone who is waiting
        end = self.played[-1].end if self.played else self.clock()
        self.job.become(Level.SPEAK, end)

    async def _deliver(self) -> None:
        await self._confirmed.wait()
        while (event := await self._outbox.get()) is not None:
            if self.job.cancelled:
                return
            await self.emit(event)
            if isinstance(event, SpeechAudio):
                self._mark_played(event)
                self._follow_audio()

    async def _speak(self, phrases: asyncio.Queue[Phrase | None]) -> None:
        index = 0
        while (phrase := await phrases.get()) is not None:
            if self.speaker is not None:
                index = await self._say(self.speaker, phrase, index)
            self.voicing -= 1
            if self.job.cancelled:
                return

    def hurry(self) -> bool:
        """Whether the player is about to hear silence: the speech sent so far ends within
        ``HURRY_S`` and no phrase is on its way."""
        if not self.played or self.voicing:
            return False
        return self.played[-1].end - self.clock() < HURRY_S

    def _voice_urgency(self) -> Urgency:
        if not self.confirmed:
            return Urgency(Level.TENTATIVE, self.started)
        if not self.played:
            return Urgency(Level.RESPOND, self.started)
        return Urgency(Level.SPEAK, self.played[-1].end)

    async def _say(self, speaker: Speaker, phrase: Phrase, index: int) -> int:
        """Speak one phrase; returns the index of the next chunk."""
        speak = functools.partial(speaker.speak, self.turn_id, index, phrase.text, self.job)
        async for chunk in iterate_in_thread(
            lambda: gated(speak(), self.gate, self._voice_urgency, lambda: self.job.cancelled)
        ):
            if self.job.cancelled:
                break
            index = chunk.index + 1
            self._outbox.put_nowait(chunk)
        return index

    def _mark_played(self, chunk: SpeechAudio) -> None:
        now = self.clock()
        if "first_audio" not in self.result.timings:
            self.result.timings["first_audio"] = (now - self.started) * 1000
        start = max(now, self.played[-1].end if self.played else now)
        self.played.append(_Played(chunk.text, start, start + chunk.duration_ms / 1000))

    def spoken_text(self, played_ms: float | None = None) -> str:
        """What the player heard: chunks that had started playing (words of a cut chunk)."""
        if not self.played:
            return ""
        now = self.clock() if played_ms is None else self.played[0].start + played_ms / 1000
        words: list[str] = []
        for chunk in self.played:
            if now >= chunk.end:
                words += chunk.text.split()
            elif now > chunk.start:
                share = (now - chunk.start) / (chunk.end - chunk.start)
                parts = chunk.text.split()
                words += parts[: round(len(parts) * share)]
        return " ".join(words)


def _read_error(task: asyncio.Task[None]) -> None:
    if not task.cancelled():
        task.exception()
