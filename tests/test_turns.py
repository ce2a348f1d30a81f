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


REJOIN = TurnConfig(rejoin_ms=1000)


@pytest.mark.parametrize(
    ("name", "gap_s", "config", "rejoins"),
    [
        ("a comma pause goes on from the turn before", 0.4, REJOIN, True),
        ("a pause as long as allowed", 0.95, REJOIN, True),
        ("a longer pause starts afresh", 1.3, REJOIN, False),
        ("rejoining off", 0.4, TurnConfig(), False),
    ],
)
def test_rejoining(name: str, gap_s: float, config: TurnConfig, rejoins: bool) -> None:
    probs = windows(1, 0) + windows(1, 0.9) + windows(gap_s, 0) + windows(0.5, 0.9)
    first, ended, second, *_ = run(probs + windows(1, 0), config)
    assert isinstance(first, TurnBegan) and isinstance(second, TurnBegan), name
    assert isinstance(ended, TurnFinished) and ended.reason == "silence", name
    assert second.rejoins is rejoins, name
    if rejoins:  # heard from the start of the turn it goes on from
        assert second.audio_from_s == first.audio_from_s, name
    else:  # pre-roll, never reaching back into the turn before
        assert second.audio_from_s >= ended.at_s, name


def test_a_turn_the_character_answered_is_not_rejoined() -> None:
    detector = TurnDetector(REJOIN)
    for i, p in enumerate(windows(1, 0.9) + windows(0.4, 0)):
        detector.push(p, (i + 1) * W)
    assert detector.rejoin_from_s == 0.0
    detector.keep_apart()
    assert detector.rejoin_from_s is None
    out = [d for i, p in enumerate(windows(0.5, 0.9)) for d in detector.push(p, 1.4 + (i + 1) * W)]
    assert isinstance(out[0], TurnBegan) and not out[0].rejoins


def test_only_a_turn_ended_by_silence_is_rejoined() -> None:
    detector = TurnDetector(REJOIN)
    for i, p in enumerate(windows(1, 0.9)):
        detector.push(p, (i + 1) * W)
    detector.end_turn()  # the player said it was over
    assert detector.rejoin_from_s is None
    out = [d for i, p in enumerate(windows(0.5, 0.9)) for d in detector.push(p, 1.2 + (i + 1) * W)]
    assert isinstance(out[0], TurnBegan) and not out[0].rejoins


def test_a_long_turn_is_not_rejoined() -> None:
    """Rejoining must leave the joined turn room to go on: at most half the longest turn."""
    config = TurnConfig(rejoin_ms=1000, max_turn_s=4, preroll_ms=0)
    probs = windows(2.5, 0.9) + windows(0.4, 0) + windows(0.5, 0.9)
    decisions = run(probs, config)
    assert [d.rejoins for d in decisions if isinstance(d, TurnBegan)] == [False, False]


HOLD = TurnConfig(end_of_turn_ms=250, vad_lag_ms=64, unfinished_hold_ms=1000)


def pause_with_words(unfinished: bool | None, at_s: float) -> TurnFinished:
    """1 s of speech, then silence; the words of the pause come ``at_s`` into it."""
    detector = TurnDetector(HOLD)
    pushed = windows(1, 0.9) + windows(2, 0.0)
    for i, p in enumerate(pushed):
        out = detector.push(p, (i + 1) * W)
        silence = (i + 1) * W - 1.0
        if unfinished is not None and abs(silence - at_s) < W / 2:
            out += detector.words_heard(unfinished)
        if out and isinstance(out[-1], TurnFinished):
            return out[-1]
    raise AssertionError("the turn never ended")


@pytest.mark.parametrize(
    ("name", "unfinished", "words_at_s", "waited_s"),
    [
        ("complete words before the end-of-turn silence", False, 0.1, 0.25 - 0.064),
        ("complete words after it: ends when they come", False, 0.5, 0.5),
        ("unfinished words hold the turn", True, 0.1, 1.0 - 0.064),
        ("no words at all: at most the hold", None, 0.0, 1.0 - 0.064),
    ],
)
def test_waiting_for_the_words(
    name: str, unfinished: bool | None, words_at_s: float, waited_s: float
) -> None:
    finished = pause_with_words(unfinished, words_at_s)
    assert finished.reason == "silence", name
    assert finished.at_s == pytest.approx(1.0, abs=W), name
    assert finished.decided_s - finished.at_s == pytest.approx(waited_s, abs=W), name


def test_words_of_a_pause_the_player_went_on_from_are_forgotten() -> None:
    detector = TurnDetector(HOLD)
    probs = windows(1, 0.9) + windows(0.1, 0.0)
    for i, p in enumerate(probs):
        detector.push(p, (i + 1) * W)
    assert detector.words_heard(False) == []  # 0.1 s: not yet the end
    out = []
    for i, p in enumerate(windows(0.5, 0.9) + windows(0.5, 0.0)):
        out += detector.push(p, 1.1 + (i + 1) * W)
    assert out == []  # the new pause's words are not known: it waits for them


def test_config_is_checked() -> None:
    with pytest.raises(ValueError):
        TurnConfig(start_threshold=0.3, stop_threshold=0.5)
    with pytest.raises(ValueError):
        TurnConfig(end_of_turn_ms=250, unfinished_hold_ms=100)


configs = st.builds(
    TurnConfig,
    end_of_turn_ms=st.sampled_from([50, 100, 250, 600]),
    max_turn_s=st.sampled_from([1.0, 3.0, 30.0]),
    push_to_talk=st.booleans(),
    rejoin_ms=st.sampled_from([0.0, 300.0, 1000.0]),
    unfinished_hold_ms=st.sampled_from([0.0, 800.0]),
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
    last: tuple[TurnBegan, TurnFinished] | None = None
    for d in decisions:
        if isinstance(d, TurnBegan):
            assert open_turn is None  # strict alternation
            assert d.audio_from_s <= d.at_s <= d.decided_s
            if d.rejoins:  # soon after a turn ended by silence, heard from its start
                assert last is not None and last[1].reason == "silence"
                assert d.at_s - last[1].at_s <= config.rejoin_ms / 1000 + 1e-9
                assert d.audio_from_s == last[0].audio_from_s
            else:  # never reaching back into the turn before
                assert last is None or last[1].at_s - 1e-9 <= d.audio_from_s
            open_turn = d
        else:
            assert open_turn is not None
            assert open_turn.at_s <= d.at_s <= d.decided_s
            assert d.at_s - open_turn.audio_from_s <= config.max_turn_s + 1e-6  # bounded
            if d.reason == "silence":
                assert not config.push_to_talk
                hold = max(config.unfinished_hold_ms - config.vad_lag_ms, 0) / 1000
                assert d.decided_s - d.at_s <= max(detector.silence_needed_s, hold) + W + 1e-9
            last, open_turn = (open_turn, d), None
    assert open_turn is None
    speech = sum(1 for p in probs if p >= config.stop_threshold) * W
    if speech * 1000 < config.min_speech_ms - 1e-6:
        assert decisions == []  # clicks never make a turn


@given(probs=st.lists(st.floats(0, 0.49), max_size=300), config=configs)
def test_no_turn_below_the_start_threshold(probs: list[float], config: TurnConfig) -> None:
    assert run(probs, config) == []
