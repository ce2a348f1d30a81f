"""The turn-taking state machine: tables of probability sequences, and properties."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from npc.turns import Decision, TurnBegan, TurnConfig, TurnDetector, TurnFinished

W = 0.032  # one window


def run(probs: list[float], config: TurnConfig | None = None) -> list[Decision]:
    detector = TurnDetector(config)
    return [d for i, p in enumerate(probs) for d in detector.push(p, (i + 1) * W)]


def windows(seconds: float, p: float) -> list[float]:
    return [p] * round(seconds / W)


def kinds(decisions: list[Decision]) -> list[str]:
    return [type(d).__name__ for d in decisions]


@pytest.mark.parametrize(
    ("name", "probs", "expected"),
    [
        ("silence", windows(2, 0.0), []),
        ("a click", windows(1, 0) + windows(0.1, 0.9) + windows(1, 0), []),
        ("a cough just short", windows(1, 0) + windows(0.16, 0.9) + windows(1, 0), []),
        ("a word", windows(1, 0) + windows(0.4, 0.9) + windows(1, 0), ["B", "F"]),
        ("in-between stays idle", windows(1, 0) + windows(2, 0.45) + windows(1, 0), []),
        ("a short pause", windows(0.5, 0.9) + windows(0.15, 0.1) + windows(0.5, 0.9), ["B"]),
        ("two turns", (windows(0.5, 0.9) + windows(0.5, 0)) * 2, ["B", "F", "B", "F"]),
        ("weak speech holds a turn", windows(0.5, 0.9) + windows(1, 0.4), ["B"]),
    ],
)
def test_table(name: str, probs: list[float], expected: list[str]) -> None:
    assert [k[4] for k in kinds(run(probs))] == expected, name


def test_start_is_where_speech_began_with_preroll() -> None:
    began = run(windows(1.0, 0) + windows(0.5, 0.9))[0]
    assert isinstance(began, TurnBegan)
    assert began.at_s == pytest.approx(1.0, abs=W)
    assert began.audio_from_s == pytest.approx(0.7, abs=W)
    assert began.decided_s == pytest.approx(1.2, abs=W)


def test_end_of_turn_timing() -> None:
    config = TurnConfig(end_of_turn_ms=250, vad_lag_ms=64)
    decisions = run(windows(0.5, 0.9) + windows(1, 0.0), config)
    finished = decisions[-1]
    assert isinstance(finished, TurnFinished) and finished.reason == "silence"
    assert finished.at_s == pytest.approx(0.5, abs=W)
    assert 0.25 - 0.064 <= finished.decided_s - finished.at_s <= 0.25 - 0.064 + W


def test_configurable_end_of_turn() -> None:
    probs = windows(0.5, 0.9) + windows(0.6, 0.0) + windows(0.5, 0.9)
    assert kinds(run(probs, TurnConfig(end_of_turn_ms=800))) == ["TurnBegan"]
    assert len(run(probs, TurnConfig(end_of_turn_ms=250))) == 3


def test_push_to_talk_only_ends_on_request() -> None:
    detector = TurnDetector(TurnConfig(push_to_talk=True))
    probs = windows(0.5, 0.9) + windows(3, 0.0)
    out = [d for i, p in enumerate(probs) for d in detector.push(p, (i + 1) * W)]
    assert kinds(out) == ["TurnBegan"]
    finished = detector.end_turn()
    assert kinds(finished) == ["TurnFinished"]
    assert isinstance(finished[0], TurnFinished) and finished[0].reason == "end_turn"
    assert finished[0].at_s == pytest.approx(0.5, abs=W)
    assert detector.end_turn() == []


def test_end_turn_confirms_an_onset() -> None:
    detector = TurnDetector()
    detector.push(0.9, W)
    assert kinds(detector.end_turn()) == ["TurnBegan", "TurnFinished"]


def test_finish_closes_an_open_turn() -> None:
    detector = TurnDetector()
    for i in range(20):
        detector.push(0.9, (i + 1) * W)
    (finished,) = detector.finish()
    assert isinstance(finished, TurnFinished) and finished.reason == "end_of_stream"


def test_max_length_cuts_at_the_latest_pause() -> None:
    config = TurnConfig(max_turn_s=4, preroll_ms=0)
    probs = windows(2.5, 0.9) + windows(0.1, 0.1) + windows(5, 0.9)
    decisions = run(probs, config)
    assert kinds(decisions)[:3] == ["TurnBegan", "TurnFinished", "TurnBegan"]
    cut = decisions[1]
    assert isinstance(cut, TurnFinished) and cut.reason == "max_length"
    assert cut.at_s == pytest.approx(2.5, abs=W)
    assert decisions[2].at_s == cut.at_s  # the next turn starts at the cut, no overlap


def test_max_length_without_a_pause_cuts_hard() -> None:
    decisions = run(windows(10, 0.9), TurnConfig(max_turn_s=3))
    finished = [d for d in decisions if isinstance(d, TurnFinished)]
    assert len(finished) == 3
    assert all(f.reason == "max_length" for f in finished)


def test_config_is_checked() -> None:
    with pytest.raises(ValueError):
        TurnConfig(start_threshold=0.3, stop_threshold=0.5)


configs = st.builds(
    TurnConfig,
    end_of_turn_ms=st.sampled_from([50, 100, 250, 600]),
    max_turn_s=st.sampled_from([1.0, 3.0, 30.0]),
    push_to_talk=st.booleans(),
)
probabilities = st.lists(st.floats(0, 1), max_size=400) | st.lists(
    st.sampled_from([0.0, 0.2, 0.4, 0.6, 0.95]), max_size=400
)


@settings(max_examples=300, deadline=None)
@given(probs=probabilities, config=configs)
def test_properties(probs: list[float], config: TurnConfig) -> None:
    detector = TurnDetector(config)
    decisions = [d for i, p in enumerate(probs) for d in detector.push(p, (i + 1) * W)]
    decisions += detector.finish()
    open_turn: TurnBegan | None = None
    last_end = 0.0
    for d in decisions:
        if isinstance(d, TurnBegan):
            assert open_turn is None  # strict alternation
            assert last_end - 1e-9 <= d.audio_from_s <= d.at_s <= d.decided_s
            open_turn = d
        else:
            assert open_turn is not None
            assert open_turn.at_s <= d.at_s <= d.decided_s
            assert d.at_s - open_turn.audio_from_s <= config.max_turn_s + 1e-6  # bounded
            if d.reason == "silence":
                assert not config.push_to_talk
                assert d.decided_s - d.at_s <= detector.silence_needed_s + W + 1e-9
            last_end, open_turn = d.at_s, None
    assert open_turn is None
    speech = sum(1 for p in probs if p >= config.stop_threshold) * W
    if speech * 1000 < config.min_speech_ms - 1e-6:
        assert decisions == []  # clicks never make a turn


@given(probs=st.lists(st.floats(0, 0.49), max_size=300), config=configs)
def test_no_turn_below_the_start_threshold(probs: list[float], config: TurnConfig) -> None:
    assert run(probs, config) == []
