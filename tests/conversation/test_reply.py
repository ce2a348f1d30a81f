"""ReplyTurn with scripted test doubles for the mind and the voice."""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

from npc.conversation.reply import ReplyTurn
from npc.conversation.scheduler import Job
from npc.events import ActionCall, Event, Phrase, ReplyText, SpeechAudio
from npc.mind.mind import TurnResult
from npc.providers.base import Control, Level, Urgency
from npc.providers.fakes import RecordingGate


class ScriptedMind:
    """Yields two phrases; records the urgency of the reply's model work after each."""

    def __init__(self) -> None:
        self.levels: list[Level] = []

    async def respond(
        self, turn_id: int, player: str, *, control: Job, **_: Any
    ) -> AsyncIterator[Event]:
        self.levels.append(control.urgency.level)
        for text in ("Coming right up,", "one bowl of ramen."):
            yield ReplyText(turn_id, text)
            yield Phrase(turn_id, 0, text)
            await asyncio.sleep(0.05)
            self.levels.append(control.urgency.level)


class ScriptedSpeaker:
    """One 100 ms chunk per phrase; records the urgency each phrase was synthesized at."""

    def __init__(self, gate: RecordingGate) -> None:
        self.gate = gate
        self.urgencies: list[Urgency] = []

    def speak(
        self, turn_id: int, index: int, text: str, control: Control | None = None
    ) -> Iterator[SpeechAudio]:
        self.urgencies.append(self.gate.units[-1])  # runs inside the unit it was given
        yield SpeechAudio(turn_id, index, b"\0\0" * 1600, 16000, text, ())


def reply_turn(
    tentative: bool = False,
) -> tuple[ReplyTurn, list[Event], ScriptedMind, ScriptedSpeaker]:
    sent: list[Event] = []

    async def emit(event: Event) -> None:
        sent.append(event)

    mind, gate = ScriptedMind(), RecordingGate()
    speaker = ScriptedSpeaker(gate)
    turn = ReplyTurn(
        1,
        mind,
        speaker,
        emit,
        "ramen please",
        gate=gate,
        tentative=tentative,  # type: ignore[arg-type]
    )
    return turn, sent, mind, speaker


async def test_the_first_phrase_is_most_urgent_then_the_rest_is_due_as_its_audio_runs_out() -> None:
    turn, sent, mind, speaker = reply_turn()
    result = await turn.run()
    assert isinstance(result, TurnResult)
    audio = [e for e in sent if isinstance(e, SpeechAudio)]
    assert [a.index for a in audio] == [0, 1]
    # The model writes at RESPOND until its first phrase goes to the voice, then at SPEAK.
    assert mind.levels == [Level.RESPOND, Level.SPEAK, Level.SPEAK]
    # The voice: the first phrase at RESPOND, the next due when the first chunk's audio ends.
    first, second = speaker.urgencies
    assert first.level is Level.RESPOND
    assert second == Urgency(Level.SPEAK, turn.played[0].end)
    assert "first_audio" in result.timings


async def test_a_tentative_reply_writes_and_speaks_but_sends_nothing_until_confirmed() -> None:
    turn, sent, mind, speaker = reply_turn(tentative=True)
    assert not turn.confirmed and turn.job.urgency.level is Level.TENTATIVE
    task = asyncio.create_task(turn.run())
    await asyncio.sleep(0.3)  # the scripted reply is written and spoken by now
    assert sent == [] and not task.done()
    assert mind.levels == [Level.TENTATIVE] * 3  # behind everyone who is waiting
    assert [u.level for u in speaker.urgencies] == [Level.TENTATIVE] * 2
    turn.confirm()
    result = await task
    assert [type(e) for e in sent].count(SpeechAudio) == 2
    assert isinstance(sent[0], ReplyText) and turn.confirmed
    assert result.timings["first_audio"] >= 300  # counted from the start, sent at the confirmation


async def test_a_tentative_reply_confirmed_before_it_writes_becomes_the_most_urgent() -> None:
    turn, _, _, _ = reply_turn(tentative=True)
    turn.confirm()
    assert turn.job.urgency.level is Level.RESPOND


async def test_a_tentative_reply_stopped_unconfirmed_sent_nothing() -> None:
    turn, sent, _, _ = reply_turn(tentative=True)
    task = asyncio.create_task(turn.run())
    await asyncio.sleep(0.2)
    turn.stop()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    assert sent == [] and turn.spoken_text() == "" and turn.job.cancelled


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

    def speak(
        self, turn_id: int, index: int, text: str, control: Control | None = None
    ) -> Iterator[SpeechAudio]:
        yield SpeechAudio(turn_id, index, b"\0\0" * self.samples, 16000, text, ())


async def test_hurry_when_the_speech_sent_is_about_to_run_out() -> None:
    async def emit(event: Event) -> None:
        pass

    for seconds, last in ((0.1, True), (3.0, False)):
        mind = HurryMind()
        turn = ReplyTurn(1, mind, TimedSpeaker(seconds), emit, "ramen")  # type: ignore[arg-type]
        await turn.run()
        assert mind.seen == [False, False, last]


class ActingMind:
    """Writes as the say_act_say layout does: first words, an action, the rest."""

    async def respond(self, turn_id: int, player: str, **_: Any) -> AsyncIterator[Event]:
        yield Phrase(turn_id, 0, "One bowl,")
        await asyncio.sleep(0.02)  # the model writing the action
        yield ActionCall(turn_id, "a1", "fetch", {"item": "ramen bowl"})
        await asyncio.sleep(0.02)
        yield Phrase(turn_id, 1, "coming right up.")


async def test_an_action_written_after_the_first_words_is_sent_before_the_rest_is_heard() -> None:
    sent: list[Event] = []

    async def emit(event: Event) -> None:
        sent.append(event)

    gate = RecordingGate()
    turn = ReplyTurn(1, ActingMind(), ScriptedSpeaker(gate), emit, "a bowl please", gate=gate)
    await turn.run()
    kinds = [type(e).__name__ for e in sent if isinstance(e, ActionCall | SpeechAudio)]
    # The action is not held back behind the speech: the game has it before the second
    # phrase's audio (in time to animate while the first words play).
    assert kinds.index("ActionCall") < [i for i, k in enumerate(kinds) if k == "SpeechAudio"][1]
    assert kinds.count("SpeechAudio") == 2
