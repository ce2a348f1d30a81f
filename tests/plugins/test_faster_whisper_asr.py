"""Whisper tiny.en through faster-whisper, with the fitted encoder window and without."""

from __future__ import annotations

import subprocess
import wave
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from npc.audio import Audio, resample
from npc.character.loader import load_sheet
from npc.config import Settings
from npc.providers.base import SpeechRecognizer
from npc.voice.vocabulary import Vocabulary
from plugins.faster_whisper_asr import (
    WhisperRecognizer,
    _collapse_repeats,
    _one_word_twice,
    _without_echo,
)
from tests.clients.support import require_tool
from tests.conftest import CHARACTERS
from tests.voice.conftest import (
    load_whisper,
    shared_audio,
    silence,
    synthesize,
    word_error_rate,
    words,
)

pytestmark = pytest.mark.slow
JFK = (
    "And so my fellow Americans, ask not what your country can do for you, "
    "ask what you can do for your country."
)


@pytest.fixture(scope="module")
def asr(settings: Settings) -> WhisperRecognizer:
    return load_whisper(settings)


@pytest.fixture
def full_window(asr: WhisperRecognizer):  # type: ignore[no-untyped-def]
    asr.fit_window = False
    yield asr
    asr.fit_window = True


def test_is_a_speech_recognizer(asr: WhisperRecognizer) -> None:
    assert isinstance(asr, SpeechRecognizer)
    assert asr.capabilities.languages == ("en",)


@pytest.mark.parametrize("fit", [True, False])
def test_transcribes_recorded_speech(asr: WhisperRecognizer, fit: bool) -> None:
    asr.fit_window = fit
    try:
        result = asr.transcribe(shared_audio("jfk.flac"), language="en")
    finally:
        asr.fit_window = True
    assert word_error_rate(JFK, result.text) <= 0.1
    assert result.language == "en" and result.no_speech_prob < 0.5


def test_short_recorded_speech(asr: WhisperRecognizer) -> None:
    right = shared_audio("stereo_diarization.wav", channel=1)
    text = asr.transcribe(right, language="en").text
    assert word_error_rate("The horizon seems extremely distant.", text) <= 0.2


@pytest.mark.parametrize("fit", [True, False])
def test_silence_and_noise_give_no_words(asr: WhisperRecognizer, fit: bool) -> None:
    asr.fit_window = fit
    noise = np.random.default_rng(0).normal(0, 0.1, 32_000).astype(np.float32)
    try:
        for audio in (silence(1.0), noise, np.zeros(0, np.float32)):
            assert asr.transcribe(audio, language="en").text == ""
    finally:
        asr.fit_window = True


def test_english_only_model_ignores_another_language(asr: WhisperRecognizer) -> None:
    result = asr.transcribe(shared_audio("stereo_diarization.wav", channel=1), language="fr")
    assert result.language == "en"


def test_prompt_is_accepted(asr: WhisperRecognizer) -> None:
    audio = shared_audio("stereo_diarization.wav", channel=0)
    text = asr.transcribe(audio, language="en", prompt="The wizard of Oz.").text
    assert "wizard" in text.lower()


def test_threads_may_share_it(asr: WhisperRecognizer) -> None:
    audio = shared_audio("stereo_diarization.wav", channel=1)
    with ThreadPoolExecutor(3) as pool:
        texts = list(pool.map(lambda _: asr.transcribe(audio, language="en").text, range(3)))
    assert len(set(texts)) == 1


def test_registry_builds_it(settings: Settings) -> None:
    from npc.providers.registry import registry

    built = registry().create("asr", "faster_whisper", settings)
    assert isinstance(built, WhisperRecognizer)


@pytest.mark.parametrize(
    ("said", "kept"),
    [
        ("Where's the storage room? Where's the storage room?", "Where's the storage room?"),
        ("who wants to buy who wants to buy who", "who wants to buy"),
        ("Can you pass this? Can you pass this", "Can you pass this?"),
        ("Bring me some tea. Bring me some tea. Bring me", "Bring me some tea."),
        ("Where's the room? Where's the room? Where", "Where's the room?"),
        ("Grab me a bowl of ramen", "Grab me a bowl of ramen"),
        ("no no", "no no"),
        ("I said the the thing", "I said the the thing"),
    ],
)
def test_a_second_take_of_the_opening_is_cut(said: str, kept: str) -> None:
    # The fitted window often makes Whisper say a short clip twice.
    assert _without_echo(said) == kept


@pytest.mark.parametrize(
    ("text", "twice"),
    [("Please please", True), ("Yes. Yes.", True), ("Well... Well...", True),
     ("Yes.", False), ("no, not now", False), ("", False)],
)  # fmt: skip
def test_one_word_said_twice(text: str, twice: bool) -> None:
    assert _one_word_twice(text) is twice


def test_a_one_word_turn_is_heard_once(asr: WhisperRecognizer, settings: Settings) -> None:
    # The fitted window heard each of these twice ("Yes. Yes."); now redone with 30 s.
    for text, audio in zip(
        ["Yes.", "Please.", "Thanks."],
        synthesize(settings, ["Yes.", "Please.", "Thanks."]),
        strict=True,
    ):
        said = asr.transcribe(np.concatenate([silence(0.3), audio]), language="en").text
        assert words(said) == words(text)


def espeak(text: str, voice: str, wpm: int, folder: Path) -> Audio:
    """``text`` said by Debian's espeak-ng (not the server's piper voice), 16 kHz."""
    out = folder / "espeak.wav"
    subprocess.run(
        ["espeak-ng", "-v", voice, "-s", str(wpm), "-w", str(out), text], check=True, timeout=60
    )
    with wave.open(str(out)) as w:
        rate = w.getframerate()
        pcm = np.frombuffer(w.readframes(w.getnframes()), np.int16)
    return resample(pcm.astype(np.float32) / 32768, rate)


@pytest.mark.parametrize(
    ("text", "voice", "wpm", "menu_word"),
    [
        ("One tonkotsu at table two, please.", "en-us+m3", 160, "tonkotsu"),
        ("Well, I think I'll have the shoyu.", "en-gb-x-rp+f2", 140, "shoyu"),
    ],
)
def test_the_sheets_vocabulary_hears_a_menu_word(
    asr: WhisperRecognizer, tmp_path: Path, text: str, voice: str, wpm: int, menu_word: str
) -> None:
    require_tool("espeak-ng", ["espeak-ng"])
    audio = espeak(text, voice, wpm, tmp_path)
    prompt = Vocabulary.of(load_sheet(CHARACTERS / "jin.yaml")).prompt()
    plain = asr.transcribe(audio, language="en").text
    told = asr.transcribe(audio, language="en", prompt=prompt).text
    assert menu_word not in words(plain)  # "ton-carts", "joy": Whisper alone mishears it
    assert menu_word in words(told)


@pytest.mark.parametrize(
    ("said", "kept"),
    [
        ("Give me a ton of cards, w-w-w-w-w-w-w-w-w-w-w-w", "Give me a ton of cards, w-w"),
        ("no no no no no no", "no no"),
        ("Ramen, ramen for two.", "Ramen, ramen for two."),
    ],
)
def test_a_loop_of_the_30_s_window_is_said_once(said: str, kept: str) -> None:
    assert _collapse_repeats(said) == kept
