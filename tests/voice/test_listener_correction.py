"""The listener puts the character's words back into what it hears (unit tests of the stage
with test doubles: a scripted recogniser and a loudness VAD; the real models are in
test_listener.py and on the listening bench)."""

from __future__ import annotations

import numpy as np

from npc.events import FinalTranscript, PartialTranscript, SpeechPaused
from npc.providers.fakes import EnergyVad, ScriptedRecognizer
from npc.voice.listener import Listener
from tests.voice.conftest import SR, listen, pcm_chunks, silence

HEARD = "One tumkatu and a Micah special, please."
MENU_PROMPT = "Jin, tonkotsu, shoyu, Mika."


def turn() -> np.ndarray:
    """1.2 s of loud tone between silences: one turn for the loudness VAD."""
    t = np.arange(int(1.2 * SR)) / SR
    return np.concatenate([silence(0.3), 0.3 * np.sin(2 * np.pi * 220 * t), silence(0.8)])


async def texts(listener: Listener, pace_s: float = 0.0) -> dict[str, list[str]]:
    events = await listen(listener, pcm_chunks(turn().astype(np.float32)), pace_s=pace_s)
    kinds = {"final": FinalTranscript, "partial": PartialTranscript, "paused": SpeechPaused}
    return {k: [e.text for e in events if isinstance(e, kind)] for k, kind in kinds.items()}


async def test_every_transcript_is_corrected_towards_the_prompt_words() -> None:
    listener = Listener(ScriptedRecognizer(lambda audio: HEARD), EnergyVad(), prompt=MENU_PROMPT)
    assert listener.vocabulary == ("Jin", "tonkotsu", "shoyu", "Mika")
    heard = await texts(listener, pace_s=0.02)  # in real time: the pause is transcribed
    assert heard["final"] == ["One tonkotsu and a Mika special, please."]
    # The reply may start on the pause's words and is confirmed when the final says the same.
    assert heard["paused"] == heard["final"]
    assert set(heard["partial"]) == set(heard["final"])


async def test_correction_can_be_off_or_given_its_own_vocabulary() -> None:
    asr = ScriptedRecognizer(lambda audio: HEARD)
    off = Listener(asr, EnergyVad(), prompt=MENU_PROMPT, correct_vocabulary=False)
    assert off.vocabulary == ()
    assert (await texts(off))["final"] == [HEARD]
    own = Listener(asr, EnergyVad(), vocabulary=["Mika"])
    assert (await texts(own))["final"] == ["One tumkatu and a Mika special, please."]


async def test_a_scene_update_changes_the_words() -> None:
    listener = Listener(ScriptedRecognizer(lambda audio: HEARD), EnergyVad())
    assert listener.vocabulary == ()  # no prompt, no words: nothing is corrected
    listener.prompt = MENU_PROMPT
    assert "tonkotsu" in listener.vocabulary
    listener.prompt = "Jin, shoyu."
    assert (await texts(listener))["final"] == [HEARD]


async def test_a_scene_update_sets_the_prompt_and_the_words_at_once() -> None:
    listener = Listener(ScriptedRecognizer(lambda audio: HEARD), EnergyVad())
    listener.listen_for("Jin, shoyu.", ["tonkotsu", "Mika"])  # words beyond the prompt's
    assert listener.prompt == "Jin, shoyu."
    assert listener.vocabulary == ("tonkotsu", "Mika")
    assert (await texts(listener))["final"] == ["One tonkotsu and a Mika special, please."]
    listener.listen_for("", None)  # no prompt, the prompt's words: none
    assert listener.prompt is None and listener.vocabulary == ()
