"""Visemes from the real voice: the right mouth shapes at the right times."""

from __future__ import annotations

import pytest

from npc.providers.base import SynthesizedSpeech
from npc.visemes import viseme_for, viseme_track
from plugins.piper_tts import PiperSynthesizer
from tests.visemes.coverage import assert_covers

pytestmark = pytest.mark.slow


def speak_one(piper: PiperSynthesizer, text: str) -> SynthesizedSpeech:
    (speech,) = piper.synthesize(text)
    return speech


def visemes_at_phonemes(speech: SynthesizedSpeech, phonemes: set[str]) -> list[str]:
    """The viseme shown at the middle of each phoneme in ``phonemes``."""
    track = viseme_track(speech.phonemes, speech.sample_rate)
    found = []
    done = 0
    for timing in speech.phonemes:
        middle_ms = (done + timing.samples / 2) / speech.sample_rate * 1000
        done += timing.samples
        if timing.phoneme in phonemes:
            found += [
                v.viseme for v in track if v.start_ms <= middle_ms < v.start_ms + v.duration_ms
            ]
    return found


@pytest.mark.parametrize(
    ("text", "phonemes", "viseme", "at_least"),
    [
        ("Bob may buy maple pie.", {"b", "m", "p"}, "PP", 7),
        ("Five vivid fish.", {"f", "v"}, "FF", 5),
        ("Think this.", {"θ", "ð"}, "TH", 2),
        ("She chose.", {"ʃ", "t"}, "CH", 2),
    ],
)
def test_shapes_at_their_phonemes(
    piper: PiperSynthesizer, text: str, phonemes: set[str], viseme: str, at_least: int
) -> None:
    speech = speak_one(piper, text)
    shown = visemes_at_phonemes(speech, phonemes)
    assert len(shown) >= at_least, [t.phoneme for t in speech.phonemes]
    assert set(shown) == {viseme}, shown


def test_tracks_cover_the_audio_exactly(piper: PiperSynthesizer) -> None:
    text = "Hello there, traveller! Do you want some ramen? It is the best in town."
    for speech in piper.synthesize(text):
        assert_covers(
            viseme_track(speech.phonemes, speech.sample_rate),
            len(speech.pcm) / 2 / speech.sample_rate * 1000,
        )


def test_every_phoneme_piper_emits_for_a_pangram_is_known(piper: PiperSynthesizer) -> None:
    text = "The quick brown fox jumps over the lazy dog; a jay, a zebra and a whale sing."
    (speech,) = piper.synthesize(text)
    unknown = {t.phoneme for t in speech.phonemes if viseme_for(t.phoneme) == "sil"} - set(
        "^$_.,;:!? ˈˌːh"
    )
    assert not unknown
