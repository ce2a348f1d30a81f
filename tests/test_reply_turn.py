"""ReplyTurn with scripted test doubles for the mind and the voice."""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

from npc.events import Event, Phrase, ReplyText, SpeechAudio
from npc.mind.mind import TurnResult
from npc.reply_turn import ReplyTurn
from npc.threads import Hold


class ScriptedMind:
    """Yields two phrases; records whether the model would have been held after each."""

    def __init__(self) -> None:
        self.held_after: list[bool] = []

    async def respond(
        self, turn_id: int, player: str, *, hold: Hold, **_: Any
    ) -> AsyncIterator[Event]:
        for text in ("Coming right up,", "one bowl of ramen."):
            yield ReplyText(turn_id, text)
            yield Phrase(turn_id, 0, text)
            await asyncio.sleep(0.05)
            self.held_after.append(hold.held)


class ScriptedSpeaker:
    """One 100 ms chunk per phrase, after a pause that stands for synthesis."""

    def __init__(self, hold_seen: list[bool], turn: list[ReplyTurn]) -> None:
        self.hold_seen = hold_seen
        self.turn = turn

    def speak(self, turn_id: int, index: int, text: str) -> Iterator[SpeechAudio]:
        self.hold_seen.append(self.turn[0].hold.held)
        yield SpeechAudio(turn_id, index, b"\0\0" * 1600, 16000, text, [])


async def test_the_model_is_held_while_the_first_phrase_is_synthesized() -> None:
    sent: list[Event] = []

    async def emit(event: Event) -> None:
        sent.append(event)

    mind = ScriptedMind()
    seen: list[bool] = []
    box: list[ReplyTurn] = []
    turn = ReplyTurn(1, mind, ScriptedSpeaker(seen, box), emit, "ramen please")  # type: ignore[arg-type]
    box.append(turn)
    result = await turn.run()
    assert isinstance(result, TurnResult)
    audio = [e for e in sent if isinstance(e, SpeechAudio)]
    assert [a.index for a in audio] == [0, 1]
    assert seen == [True, False]  # held for the first phrase only
    assert not turn.hold.held
    assert "first_audio" in result.timings


def tentative_turn() -> tuple[ReplyTurn, list[Event]]:
    """A reply begun on a pause, and what it sends."""
    sent: list[Event] = []

    async def emit(event: Event) -> None:
        sent.append(event)

    box: list[ReplyTurn] = []
    mind: Any = ScriptedMind()
    turn = ReplyTurn(1, mind, ScriptedSpeaker([], box), emit, "ramen", tentative=True)  # type: ignore[arg-type]
    box.append(turn)
    return turn, sent


async def test_a_tentative_reply_sends_nothing_until_confirmed() -> None:
    turn, sent = tentative_turn()
    assert not turn.sure.is_set()
    task = asyncio.create_task(turn.run())
    await asyncio.sleep(0.3)  # the scripted reply is written by now
    assert sent == [] and not task.done()
    turn.confirm()
    result = await task
    assert [type(e) for e in sent].count(SpeechAudio) == 2
    assert isinstance(sent[0], ReplyText) and turn.sure.is_set()
    assert result.timings["first_audio"] >= 300  # counted from the start, sent at the confirmation


async def test_a_tentative_reply_cancelled_unconfirmed_sent_nothing() -> None:
    turn, sent = tentative_turn()
    task = asyncio.create_task(turn.run())
    await asyncio.sleep(0.2)
    turn.cancel.set()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    assert sent == [] and turn.spoken_text() == ""


class HurryMind:
    """Says one phrase, then asks ``hurry`` while it is on its way and once it is spoken."""

    def __init__(self) -> None:
        self.seen: list[bool] = []

    async def respond(
        self, turn_id: int, player: str, *, hurry: Callable[[], bool], **_: Any
    ) -> AsyncIterator[Event]:
        self.seen.append(hurry())  # nothing sent yet: no speech to run out of
        yield Phrase(turn_id, 0, "Coming right up,")
        self.seen.append(hurry())  # on its way to the voice
        await asyncio.sleep(0.2)
        self.seen.append(hurry())  # spoken: as long as it lasts, from now


class TimedSpeaker:
    """One chunk of ``seconds`` per phrase, at once."""

    def __init__(self, seconds: float) -> None:
        self.samples = int(16000 * seconds)

    def speak(self, turn_id: int, index: int, text: str) -> Iterator[SpeechAudio]:
        yield SpeechAudio(turn_id, index, b"\0\0" * self.samples, 16000, text, [])


async def test_hurry_when_the_speech_sent_is_about_to_run_out() -> None:
    async def emit(event: Event) -> None:
        pass

    for seconds, last in ((0.1, True), (3.0, False)):
        mind = HurryMind()
        turn = ReplyTurn(1, mind, TimedSpeaker(seconds), emit, "ramen")  # type: ignore[arg-type]
        await turn.run()
        assert mind.seen == [False, False, last]
