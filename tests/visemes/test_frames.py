"""Viseme tracks -> per-frame blend weights."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from npc.events import Viseme
from npc.providers.base import PhonemeTiming
from npc.visemes import PHONEME_VISEMES, VISEMES, as_vector, viseme_track, viseme_weights

TRACK = (Viseme("sil", 0.0, 100.0), Viseme("PP", 100.0, 100.0), Viseme("aa", 200.0, 200.0))


def test_holds_then_cross_fades_around_each_change() -> None:
    frames = viseme_weights(TRACK, fps=100, fade_ms=40)  # a frame each 10 ms
    assert len(frames) == 40
    assert frames[0] == {"sil": 1.0}
    assert frames[8] == {"sil": 1.0}  # 80 ms: the fade starts 20 ms before the change
    assert frames[9] == pytest.approx({"sil": 0.75, "PP": 0.25})
    assert frames[10] == pytest.approx({"sil": 0.5, "PP": 0.5})  # at the change
    assert frames[11] == pytest.approx({"sil": 0.25, "PP": 0.75})
    assert frames[12] == {"PP": 1.0}
    assert frames[15] == {"PP": 1.0}
    assert frames[39] == {"aa": 1.0}


def test_a_short_viseme_still_reaches_full_weight() -> None:
    track = (Viseme("sil", 0.0, 100.0), Viseme("PP", 100.0, 20.0), Viseme("aa", 120.0, 100.0))
    frames = viseme_weights(track, fps=1000, fade_ms=80)
    assert frames[110] == {"PP": 1.0}


def test_no_fade_is_a_step() -> None:
    frames = viseme_weights(TRACK, fps=100, fade_ms=0)
    assert [max(f, key=lambda v: f[v]) for f in frames[9:11]] == ["sil", "PP"]
    assert all(len(f) == 1 for f in frames)


def test_vector_in_blendshape_order() -> None:
    vector = as_vector({"PP": 0.25, "aa": 0.75})
    assert len(vector) == 15
    assert vector[VISEMES.index("PP")] == 0.25
    assert sum(vector) == 1.0


def test_empty_and_bad_arguments() -> None:
    assert viseme_weights((), 60) == ()
    with pytest.raises(ValueError, match="fps"):
        viseme_weights(TRACK, 0)
    with pytest.raises(ValueError, match="fade_ms"):
        viseme_weights(TRACK, 60, fade_ms=-1)


tracks = st.lists(
    st.builds(
        PhonemeTiming,
        st.sampled_from([*sorted(PHONEME_VISEMES), "ˈ", " ", "."]),
        st.integers(min_value=0, max_value=20_000),
    ),
    min_size=1,
    max_size=40,
).map(lambda items: viseme_track(items, 22050))


@given(tracks, st.sampled_from([24.0, 30.0, 50.0, 60.0, 90.0]), st.floats(0, 120))
def test_weights_are_a_blend_that_sums_to_one(
    track: tuple[Viseme, ...], fps: float, fade_ms: float
) -> None:
    frames = viseme_weights(track, fps, fade_ms=fade_ms)
    if not track:
        assert frames == ()
        return
    end = track[-1].start_ms + track[-1].duration_ms
    assert len(frames) == max(1, math.ceil(end * fps / 1000))
    for weights in frames:
        assert set(weights) <= set(VISEMES)
        assert all(0.0 <= w <= 1.0 for w in weights.values())
        assert math.isclose(sum(weights.values()), 1.0, abs_tol=1e-12)
        assert len(weights) <= 2
