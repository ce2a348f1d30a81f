"""One reply of the character: the mind's events out at once, phrases spoken as they come.

Generation and synthesis overlap: the first phrase goes to the voice while the model is
still writing the rest, and actions leave the moment they are decided. ``cancel`` stops
both at once (barge-in); ``spoken_text`` then tells what the player actually heard.

A reply may start before the player's turn is known to be over (on a pause, from the
transcript so far): it then reads its prompt in steps that ``cancel`` can stop and
sends nothing until ``confirm()``; if the player goes on instead, it is cancelled unheard.
"""

from __future__ import annotations

import asyncio
import functools
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import InitVar, dataclass, field

from npc.events import Event, Phrase, SpeechAudio
from npc.mind.mind import Mind, TurnResult
from npc.mind.recall import Note
from npc.threads import Hold, iterate_in_thread
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
    """A reply in progress; ``run`` drives it, ``cancel`` stops it."""

    turn_id: int
    mind: Mind
    speaker: Speaker | None  # None: text only
    emit: Emit
    player_text: str
    notes: list[Note] | None = None
    clock: Callable[[], float] = time.perf_counter
    result: TurnResult = field(default_factory=TurnResult)
    cancel: threading.Event = field(default_factory=threading.Event)
    hold: Hold = field(default_factory=Hold)  # the voice pauses the model for the first audio
    played: list[_Played] = field(default_factory=list)
    started: float = 0.0
    tentative: InitVar[bool] = False  # the turn may not be over: wait for ``confirm()``
    sure: threading.Event = field(default_factory=threading.Event)  # set by ``confirm()``
    voicing: int = field(default=0, init=False)  # phrases given to the voice, not yet spoken
    _confirmed: asyncio.Event = field(default_factory=asyncio.Event, init=False, repr=False)

    def __post_init__(self, tentative: bool) -> None:
        if not tentative:
            self.confirm()

    @property
    def confirmed(self) -> bool:
        return self.sure.is_set()

    def confirm(self) -> None:
        self.sure.set()
        self._confirmed.set()

    async def run(self) -> TurnResult:
        self.started = self.clock()
        phrases: asyncio.Queue[Phrase | None] = asyncio.Queue()
        voice = asyncio.create_task(self._speak(phrases))
        try:
            async for event in self.mind.respond(
                self.turn_id,
                self.player_text,
                notes=self.notes,
                cancel=self.cancel,
                result=self.result,
                hold=self.hold,
                sure=self.sure,
                hurry=self.hurry,
            ):
                if self.cancel.is_set():
                    break
                if isinstance(event, Phrase):
                    self.voicing += 1
                    phrases.put_nowait(event)
                else:
                    await self._send(event)
            phrases.put_nowait(None)
            await voice
            await self._confirmed.wait()  # a reply never ends before its turn does
        finally:
            if not voice.done():
                voice.cancel()
        return self.result

    async def _send(self, event: Event) -> None:
        await self._confirmed.wait()
        await self.emit(event)

    async def _speak(self, phrases: asyncio.Queue[Phrase | None]) -> None:
        index = 0
        while (phrase := await phrases.get()) is not None:
            if self.speaker is not None:
                index = await self._say(self.speaker, phrase, index)
            self.voicing -= 1
            if self.cancel.is_set():
                return

    def hurry(self) -> bool:
        """Whether the player is about to hear silence: the speech sent so far ends within
        ``HURRY_S`` and no phrase is on its way."""
        if not self.played or self.voicing:
            return False
        return self.played[-1].end - self.clock() < HURRY_S

    async def _say(self, speaker: Speaker, phrase: Phrase, index: int) -> int:
        """Speak one phrase; returns the index of the next chunk."""
        holding = not self.played  # the reply's first audio: the model waits until it is out
        if holding:
            self.hold.hold()
        try:
            speak = functools.partial(speaker.speak, self.turn_id, index, phrase.text)
            async for chunk in iterate_in_thread(speak):
                if self.cancel.is_set():
                    break
                index = chunk.index + 1
                await self._send(chunk)
                self._mark_played(chunk)
                if holding:
                    self.hold.release()
                    holding = False
        finally:
            if holding:
                self.hold.release()
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
