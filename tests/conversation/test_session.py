"""The session shell over test doubles: the policy's commands carried out on a real event
loop, with the wire messages a client would get. No models (tests/server has those)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from npc.conversation.session import Session
from npc.protocol import messages as m
from npc.providers.base import Level
from npc.providers.fakes import ScriptedModel, ScriptedRecognizer, ToneSynthesizer, say
from tests.conversation.conftest import SR, MakeRuntime, Wire, open_session, quiet, tone

FRAME = SR // 50 * 2  # 20 ms of PCM16


async def until(check: Callable[[], Any], timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := check():
            return result
        await asyncio.sleep(0.01)
    raise AssertionError("timed out waiting")


async def speak(session: Session, pcm: bytes, pace_s: float = 0.0) -> None:
    """Send ``pcm`` in 20 ms frames, ``pace_s`` apart (0.02: real time)."""
    for i in range(0, len(pcm), FRAME):
        await session.handle(pcm[i : i + FRAME])
        await asyncio.sleep(pace_s)


def turn_ends(wire: Wire) -> list[m.TurnEnd]:
    return wire.of(m.TurnEnd)


async def test_a_typed_line_is_announced_answered_and_remembered(
    make_runtime: MakeRuntime,
) -> None:
    runtime = make_runtime(ScriptedModel(lambda r: say("One bowl, coming right up.", "happy")))
    session, wire = await open_session(runtime, player_id="kai")
    await session.handle(m.Text(text="Grab me a bowl of ramen."))
    end = (await until(lambda: turn_ends(wire)))[0]
    kinds = wire.types()
    assert kinds[:2] == ["ready", "turn_started"] and kinds[-1] == "turn_end"
    assert wire.of(m.TurnStarted)[0] == m.TurnStarted(
        turn_id=1, source="text", text="Grab me a bowl of ramen."
    )
    assert "audio" in kinds and "<binary>" in kinds and "emotion" in kinds
    assert end.turn_id == 1 and not end.interrupted and "first_audio" in end.timings
    await session.close()
    memory = runtime.knowledge.memory("jin", "kai")
    [turn] = memory.recent_turns(1)
    assert turn.user_text == "Grab me a bowl of ramen."
    assert turn.reply_text == "One bowl, coming right up."


async def test_a_spoken_turn_is_heard_transcribed_and_answered(make_runtime: MakeRuntime) -> None:
    runtime = make_runtime(asr=ScriptedRecognizer(lambda audio: "Grab me a bowl of ramen."))
    session, wire = await open_session(runtime)
    await speak(session, quiet(0.3) + tone(1.0) + quiet(1.0))
    end = (await until(lambda: turn_ends(wire)))[0]
    assert wire.of(m.SpeechStartedMsg)[0].turn_id == 1
    finals = [t for t in wire.of(m.Transcript) if t.final]
    assert [t.text for t in finals] == ["Grab me a bowl of ramen."]
    assert end.turn_id == 1 and "voice_to_voice" in end.timings
    await session.close()


async def test_the_player_speaking_over_a_heard_reply_interrupts_it(
    make_runtime: MakeRuntime,
) -> None:
    model = ScriptedModel(
        lambda r: say("Long ago, in the mountains, there lived a ramen master. " * 3),
        piece_s=0.03,
    )
    session, wire = await open_session(make_runtime(model), player_id="barge")
    await session.handle(m.Text(text="Tell me a story."))
    await until(lambda: wire.of(m.AudioOut))  # the player hears it
    await speak(session, tone(0.6))
    await until(lambda: wire.of(m.SpeechStartedMsg))
    kinds = wire.types()
    assert kinds.index("interrupted") < kinds.index("turn_end") < kinds.index("speech_started")
    assert turn_ends(wire)[0].interrupted
    spoken = wire.of(m.Interrupted)[0].spoken_text
    await session.close()
    [turn] = session.runtime.knowledge.memory("jin", "barge").recent_turns(1)
    assert turn.reply_text == spoken  # memory keeps what was heard, not what was written


async def test_speech_right_after_a_silent_reply_continues_the_player_s_turn(
    make_runtime: MakeRuntime,
) -> None:
    def heard(audio: np.ndarray) -> str:
        if audio.size > 2.0 * SR:  # both parts, heard again as one turn (the listener rejoins)
            return "Give me a horseshoe, would you?"
        return "Give me a horseshoe," if audio.size > 1.1 * SR else "would you?"

    model = ScriptedModel(lambda r: say("Here you go, friend."), piece_s=0.3)
    session, wire = await open_session(make_runtime(model, asr=ScriptedRecognizer(heard)))
    await speak(session, quiet(0.3) + tone(1.2) + quiet(0.5))
    await until(lambda: [t for t in wire.of(m.Transcript) if t.final])
    await until(lambda: model.requests)  # the reply to "Give me a horseshoe," has begun
    await speak(session, tone(0.6) + quiet(1.0))
    await until(lambda: [e for e in turn_ends(wire) if not e.interrupted], timeout=30)
    first = wire.of(m.Interrupted)[0]
    assert first.turn_id == 1 and first.spoken_text == ""
    last_prompt = model.requests[-1].messages[-1].content
    assert "Give me a horseshoe, would you?" in last_prompt
    await session.close()


async def test_an_event_that_asks_for_a_reaction_opens_a_turn(make_runtime: MakeRuntime) -> None:
    model = ScriptedModel(lambda r: say("Hey! Stop right there!", "angry"))
    session, wire = await open_session(make_runtime(model))
    await session.handle(m.GameEvent(text="A thief grabs the tip jar.", react=True))
    await until(lambda: turn_ends(wire))
    started = wire.of(m.TurnStarted)[0]
    assert (started.source, started.text) == ("event", "A thief grabs the tip jar.")
    assert "A thief grabs the tip jar." in model.requests[0].messages[-1].content
    await session.close()


async def test_closing_the_session_stops_its_model_work_within_100_ms(
    make_runtime: MakeRuntime,
) -> None:
    model = ScriptedModel(lambda r: say("word " * 400), piece_s=0.01)
    session, wire = await open_session(make_runtime(model), player_id="gone")
    await session.handle(m.Text(text="Talk for a long time."))
    await until(lambda: wire.of(m.ReplyTextMsg))
    closed = time.monotonic()
    await session.close()
    await until(lambda: model.ended)
    assert model.ended[-1] - closed < 0.1
    # What the player heard before they vanished is remembered.
    assert session.runtime.knowledge.memory("jin", "gone").recent_turns(1)


async def test_a_voice_that_dies_mid_reply_is_reported_and_the_session_goes_on(
    make_runtime: MakeRuntime,
) -> None:
    voice = ToneSynthesizer(fail_after=1)
    model = ScriptedModel(lambda r: say("First sentence. Second sentence. Third one."))
    session, wire = await open_session(make_runtime(model, tts=voice), player_id="hoarse")
    await session.handle(m.Text(text="Tell me a story."))
    [end] = await until(lambda: turn_ends(wire))
    [error] = wire.of(m.Error)
    assert (error.code, error.turn_id, error.fatal) == ("provider_error", end.turn_id, False)
    assert "voice died" in error.message
    voice.fail_after = None  # the voice is back: the next turn is answered
    await session.handle(m.Text(text="Go on."))
    second = (await until(lambda: turn_ends(wire)[1:]))[0]
    assert not second.interrupted and len(wire.of(m.Error)) == 1
    await session.close()


async def test_partials_are_read_ahead_at_the_lowest_urgency_and_the_reply_at_the_highest(
    make_runtime: MakeRuntime,
) -> None:
    model = ScriptedModel(prefill_s=0.05)
    asr = ScriptedRecognizer(
        lambda audio: "Bring me some green tea" if audio.size > SR else "Bring"
    )
    session, wire = await open_session(make_runtime(model, asr=asr))
    await speak(session, quiet(0.3) + tone(2.0) + quiet(1.0), pace_s=0.02)
    await until(lambda: turn_ends(wire))
    levels = [u.level for u in model.urgencies]
    assert Level.READ_AHEAD in levels  # a partial was read ahead while the player spoke
    assert Level.TENTATIVE in levels or Level.RESPOND in levels
    await session.close()


async def test_a_bad_message_gets_an_error_and_the_session_goes_on(
    make_runtime: MakeRuntime,
) -> None:
    session, wire = await open_session(make_runtime())
    assert await session.handle(b"\x00\x01\x02")  # odd-length audio
    assert await session.handle(m.EndTurn())  # end_turn before any audio
    assert await session.handle(m.Start(character="jin"))  # a second start
    codes = [e.code for e in wire.of(m.Error)]
    assert codes == ["bad_message"] * 3
    await session.handle(m.Text(text="still there?"))
    await until(lambda: turn_ends(wire))
    assert not await session.handle(m.End())
    await session.close()


async def test_game_events_waiting_for_the_next_turn_are_bounded(
    make_runtime: MakeRuntime,
) -> None:
    """Issue 23: 3000 events all went into the next prompt (45,369 tokens in a 4,096
    context) and every turn after failed. Past the bound an event is refused, named."""
    model = ScriptedModel()
    session, wire = await open_session(make_runtime(model))
    for i in range(40):
        await session.handle(m.GameEvent(text=f"event {i}: a crow lands on the sign " * 12))
    errors = wire.of(m.Error)
    assert errors and {e.code for e in errors} == {"bad_message"}
    assert "wait for the character's next turn" in errors[0].message
    assert "at most" in errors[0].message
    await session.handle(m.Text(text="What was that?"))
    await until(lambda: turn_ends(wire))
    prompt = model.requests[-1].messages[-1].content
    assert prompt.count("[Game event: ") == 40 - len(errors) and len(prompt) < 2500
    await session.close()


async def test_a_scene_too_big_for_the_model_s_context_is_refused(
    make_runtime: MakeRuntime,
) -> None:
    """Issue 23: 200 objects of 80 characters (the schema allows it) made every prompt too
    long for the model. Such a scene is refused, naming the limit; the old one stays."""
    session, wire = await open_session(make_runtime())
    before = session.mind.scene
    names = [
        f"{i:03d} lantern of the old harbour market stall, number seven"[:80] for i in range(200)
    ]
    await session.handle(m.SceneUpdate(objects=names, locations=names, characters=names))
    [error] = wire.of(m.Error)
    assert error.code == "bad_message" and "tokens" in error.message and "at most" in error.message
    assert session.mind.scene == before
    await session.handle(m.SceneUpdate(objects=names[:20]))
    assert len(session.mind.scene.objects) == 20 and len(wire.of(m.Error)) == 1
    await session.close()


async def test_a_session_may_start_with_a_scene(make_runtime: MakeRuntime) -> None:
    """The scene in `start` is taken before the session listens (it once raised
    AttributeError and closed every session that sent one, the trainee's among them)."""
    model = ScriptedModel()
    scene = m.SceneState(objects=["lantern"], characters=["Mika"])
    session, wire = await open_session(make_runtime(model), scene=scene)
    assert session.mind.scene.objects == ("lantern",)
    await session.handle(m.Text(text="What is that?"))
    await until(lambda: turn_ends(wire))
    await session.close()
