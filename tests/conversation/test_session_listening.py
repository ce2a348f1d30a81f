"""The session's listening wiring over test doubles: a turn that rejoins the one before is
answered once with the words of both, a heard reply keeps turns apart, and the recogniser is
told the character's words in the scene now. (tests/server has these with the real models.)"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from npc.protocol import messages as m
from npc.providers.base import Capabilities, Transcript
from npc.providers.fakes import ScriptedModel, ScriptedRecognizer, say
from tests.conversation.conftest import SR, MakeRuntime, open_session, quiet, tone
from tests.conversation.test_session import speak, turn_ends, until


def horseshoe(audio: NDArray[np.float32]) -> str:
    """What the player said, by how much of it the audio holds: the first part (1.2 s), the
    second (0.6 s), or both heard together."""
    seconds = audio.size / SR
    if seconds > 2.2:
        return "Give me a horseshoe, would you?"
    return "Give me a horseshoe," if seconds > 1.1 else "would you?"


def player_line(model: ScriptedModel) -> str:
    """The player's words in the latest reply's prompt."""
    return model.requests[-1].messages[-1].content.rpartition("Player: ")[2]


async def test_a_rejoined_turn_is_answered_once_with_both_parts(
    make_runtime: MakeRuntime,
) -> None:
    model = ScriptedModel(lambda r: say("Here you go, friend."), piece_s=0.3)
    session, wire = await open_session(make_runtime(model, asr=ScriptedRecognizer(horseshoe)))
    await speak(session, quiet(0.3) + tone(1.2) + quiet(0.5))
    await until(lambda: [t for t in wire.of(m.Transcript) if t.final])
    await until(lambda: model.requests)  # the reply to "Give me a horseshoe," has begun
    await speak(session, tone(0.6) + quiet(1.0))
    end = await until(lambda: [e for e in turn_ends(wire) if not e.interrupted], timeout=30)
    assert wire.of(m.SpeechStartedMsg)[-1].turn_id == end[0].turn_id == 2
    assert wire.of(m.Interrupted)[0].turn_id == 1  # the reply to the first part, unheard
    finals = [t.text for t in wire.of(m.Transcript) if t.final]
    assert finals == ["Give me a horseshoe,", "Give me a horseshoe, would you?"]
    assert player_line(model) == "Give me a horseshoe, would you?"  # once, not twice
    await session.close()


async def test_a_rejoined_turn_whose_first_part_is_heard_late_is_answered_once(
    make_runtime: MakeRuntime,
) -> None:
    model = ScriptedModel(lambda r: say("Here you go, friend."))
    asr = ScriptedRecognizer(horseshoe, delay_s=0.3)  # behind: finals come after the speech
    session, wire = await open_session(make_runtime(model, asr=asr))
    await speak(session, quiet(0.3) + tone(1.2) + quiet(0.5) + tone(0.6) + quiet(1.0))
    await until(lambda: turn_ends(wire), timeout=30)
    await until(lambda: len([t for t in wire.of(m.Transcript) if t.final]) == 2)
    assert [(e.turn_id, e.interrupted) for e in turn_ends(wire)] == [(2, False)]
    assert len(model.requests) == 1 and player_line(model) == "Give me a horseshoe, would you?"
    await session.close()


async def test_after_a_heard_reply_the_next_turn_starts_afresh(
    make_runtime: MakeRuntime,
) -> None:
    model = ScriptedModel(lambda r: say("Long ago there lived a smith. " * 4), piece_s=0.05)
    session, wire = await open_session(make_runtime(model, asr=ScriptedRecognizer(horseshoe)))
    await speak(session, quiet(0.3) + tone(1.2) + quiet(0.5))
    await until(lambda: wire.of(m.AudioOut))  # the player hears the character
    await speak(session, tone(0.6) + quiet(1.0))
    await until(lambda: [e for e in turn_ends(wire) if not e.interrupted], timeout=30)
    assert wire.of(m.Interrupted)[0].turn_id == 1  # barge-in over what they heard
    assert player_line(model) == "would you?"
    await session.close()


@dataclass
class PromptRecordingRecognizer:
    """A recogniser double that records the prompt of each call."""

    capabilities: Capabilities = field(default_factory=Capabilities)
    prompts: list[str | None] = field(default_factory=list)

    def transcribe(
        self, audio: NDArray[np.float32], *, language: str | None = None, prompt: str | None = None
    ) -> Transcript:
        self.prompts.append(prompt)
        return Transcript("Could you pass me that?", language or "en", 0.0)


async def test_the_recogniser_is_told_the_character_s_words_in_the_scene(
    make_runtime: MakeRuntime,
) -> None:
    asr = PromptRecordingRecognizer()
    session, wire = await open_session(make_runtime(asr=asr))  # type: ignore[arg-type]
    await speak(session, quiet(0.3) + tone(1.0) + quiet(1.0))
    await until(lambda: turn_ends(wire))
    first = asr.prompts[-1] or ""
    assert first.startswith("Jin, tonkotsu, shoyu") and "takoyaki" not in first
    jin = session.loaded.sheet.scene
    await session.handle(m.SceneUpdate(objects=[*jin.objects, "takoyaki"]))
    await speak(session, tone(1.0) + quiet(1.0))
    await until(lambda: len(turn_ends(wire)) == 2)
    assert "takoyaki" in (asr.prompts[-1] or "")
    await session.close()


@dataclass
class MishearingRecognizer:
    """A recogniser double that hears the character's niece Mika as "Micah"."""

    capabilities: Capabilities = field(default_factory=Capabilities)

    def transcribe(
        self, audio: NDArray[np.float32], *, language: str | None = None, prompt: str | None = None
    ) -> Transcript:
        return Transcript("Is Micah working today?", language or "en", 0.0)


async def test_transcripts_are_corrected_towards_all_the_character_s_words(
    make_runtime: MakeRuntime,
) -> None:
    """The recogniser's prompt holds the first words only (here 3: "Jin, tonkotsu, shoyu");
    the correction uses every word of the character, Mika too, unless it is turned off."""
    heard: dict[bool, str] = {}
    for correct in (True, False):
        runtime = make_runtime(asr=MishearingRecognizer())  # type: ignore[arg-type]
        runtime.settings.asr.vocabulary_words = 3
        runtime.settings.asr.correct_vocabulary = correct
        session, wire = await open_session(runtime)
        await speak(session, quiet(0.3) + tone(1.0) + quiet(1.0))
        await until(lambda w=wire: turn_ends(w))  # type: ignore[misc]
        assert session._listener is not None and "Mika" not in session._listener._prompt
        heard[correct] = [t.text for t in wire.of(m.Transcript) if t.final][-1]
        await session.close()
    assert heard == {True: "Is Mika working today?", False: "Is Micah working today?"}
