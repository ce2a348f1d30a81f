"""Phoneme timings -> viseme tracks."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from npc.events import Viseme
from npc.providers.base import PhonemeTiming
from npc.visemes import PHONEME_VISEMES, viseme_track
from tests.visemes.coverage import assert_covers


def timings(*pairs: tuple[str, int]) -> list[PhonemeTiming]:
    return [PhonemeTiming(p, n) for p, n in pairs]


def shapes(track: tuple[Viseme, ...]) -> list[tuple[str, float]]:
    return [(v.viseme, v.duration_ms) for v in track]


def test_samples_become_milliseconds() -> None:
    track = viseme_track(timings(("^", 100), ("b", 200), ("a", 300), (".", 400)), 1000)
    assert track == (
        Viseme("sil", 0.0, 100.0),
        Viseme("PP", 100.0, 200.0),
        Viseme("aa", 300.0, 300.0),
        Viseme("sil", 600.0, 400.0),
    )


def test_stress_goes_to_the_following_vowel_and_length_to_the_preceding() -> None:
    track = viseme_track(timings(("b", 100), ("ˈ", 50), ("ɑ", 100), ("ː", 70)), 1000)
    assert shapes(track) == [("PP", 100.0), ("aa", 220.0)]


def test_word_spaces_are_shared_by_both_words() -> None:
    track = viseme_track(timings(("t", 100), (" ", 60), ("f", 100)), 1000)
    assert shapes(track) == [("DD", 130.0), ("FF", 130.0)]


def test_h_takes_the_shape_of_its_vowel() -> None:
    track = viseme_track(timings(("^", 10), ("h", 40), ("ə", 50)), 1000)
    assert shapes(track) == [("sil", 10.0), ("E", 90.0)]


def test_piper_spells_affricates_as_two_phonemes() -> None:
    track = viseme_track(timings(("t", 30), ("ʃ", 70), ("o", 100)), 1000)
    assert shapes(track) == [("CH", 100.0), ("oh", 100.0)]


def test_equal_neighbours_merge_and_empty_phonemes_vanish() -> None:
    track = viseme_track(timings(("b", 100), ("k", 0), ("m", 100), ("p", 50)), 1000)
    assert shapes(track) == [("PP", 250.0)]


def test_leading_modifiers_join_the_first_shape_and_trailing_ones_the_last() -> None:
    track = viseme_track(timings(("ˈ", 40), (" ", 10), ("a", 50), ("ˈ", 30)), 1000)
    assert shapes(track) == [("aa", 130.0)]


def test_only_modifiers_is_silence() -> None:
    assert shapes(viseme_track(timings(("ˈ", 40), ("ː", 60)), 1000)) == [("sil", 100.0)]


def test_no_time_no_visemes() -> None:
    assert viseme_track([], 22050) == ()
    assert viseme_track(timings(("a", 0)), 22050) == ()


def test_a_given_duration_stretches_the_track() -> None:
    track = viseme_track(timings(("b", 100), ("a", 300)), 1000, duration_ms=800.0)
    assert shapes(track) == [("PP", 200.0), ("aa", 600.0)]
    assert shapes(viseme_track([], 1000, duration_ms=50.0)) == [("sil", 50.0)]


def test_bad_sample_rate() -> None:
    with pytest.raises(ValueError, match="sample_rate"):
        viseme_track([], 0)


SYMBOLS = [*PHONEME_VISEMES, "ˈ", "ˌ", "ː", " ", "h", "ʔ", "\u0329", ".", ",", "^", "$", "☃"]
phoneme_timings = st.lists(
    st.builds(
        PhonemeTiming,
        st.sampled_from(SYMBOLS) | st.text(max_size=3),
        st.integers(min_value=0, max_value=50_000),
    ),
    max_size=80,
)
sample_rates = st.sampled_from([8000, 16000, 22050, 24000, 44100, 48000])


@given(phoneme_timings, sample_rates)
def test_covers_the_chunk_exactly(items: list[PhonemeTiming], rate: int) -> None:
    total = sum(t.samples for t in items)
    track = viseme_track(items, rate)
    if total == 0:
        assert track == ()
    else:
        assert_covers(track, total / rate * 1000)


@given(phoneme_timings, sample_rates, st.integers(min_value=1, max_value=10_000_000))
def test_covers_a_resampled_chunk_exactly(
    items: list[PhonemeTiming], rate: int, out_samples: int
) -> None:
    duration_ms = out_samples / 48000 * 1000
    assert_covers(viseme_track(items, rate, duration_ms=duration_ms), duration_ms)
