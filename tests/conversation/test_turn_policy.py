"""The turn policy, as scripted timelines in virtual time: no models, no sleeps."""
# ruff: noqa: E501  (timeline tables read best one step a line)

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from npc.conversation.turn_policy import (
    Command,
    ConfirmReply,
    DropReply,
    GameEventIn,
    InterruptIn,
    InterruptReply,
    PolicyConfig,
    PolicyEvent,
    ReadAhead,
    ReplyActed,
    ReplyDone,
    ReplyHeard,
    RetractReply,
    SendSpeechStarted,
    SendTranscript,
    SendTurnStarted,
    StartReply,
    StopReadAhead,
    TurnPolicy,
    Typed,
    Warm,
)
from npc.events import (
    FinalTranscript,
    PartialTranscript,
    SpeechPaused,
    SpeechResumed,
    SpeechStarted,
    SpeechStopped,
)

Timeline = list[tuple[float, PolicyEvent, list[Command]]]


def play(timeline: Timeline, policy: TurnPolicy | None = None) -> TurnPolicy:
    """Feed each event at its time and check the commands it gives, step by step."""
    policy = policy or TurnPolicy()
    for now, event, expected in timeline:
        assert policy.on(event, now) == expected, f"at t={now}: {event}"
    return policy


def started(turn: int, at: float = 0.0) -> SpeechStarted:
    return SpeechStarted(turn, at)


def stopped(turn: int) -> SpeechStopped:
    return SpeechStopped(turn, 0.0, 0.0)


def final(turn: int, text: str) -> FinalTranscript:
    return FinalTranscript(turn, text, 1.0)


# -- a spoken turn ------------------------------------------------------------------------


def test_a_reply_begun_on_the_pause_is_confirmed_by_the_same_final_words() -> None:
    play(
        [
            (0.0, started(1), [SendSpeechStarted(1)]),
            (0.4, PartialTranscript(1, "Grab me"), [SendTranscript(1, "Grab me", False), ReadAhead("Grab me")]),
            (0.8, PartialTranscript(1, "Grab me a bowl"), [SendTranscript(1, "Grab me a bowl", False), ReadAhead("Grab me a bowl")]),
            (1.1, SpeechPaused(1, "Grab me a bowl."), [StopReadAhead(), StartReply(1, "Grab me a bowl.", tentative=True)]),
            (1.3, stopped(1), []),
            (1.3, final(1, "Grab me a bowl."), [SendTranscript(1, "Grab me a bowl.", True), ConfirmReply(1)]),
            (1.6, ReplyHeard(1), []),
            (3.0, ReplyDone(1), [Warm()]),
        ]
    )  # fmt: skip


def test_a_reply_begun_on_the_pause_is_dropped_unheard_when_the_player_goes_on() -> None:
    play(
        [
            (0.0, started(1), [SendSpeechStarted(1)]),
            (1.0, SpeechPaused(1, "Thanks,"), [StartReply(1, "Thanks,", tentative=True)]),
            (1.2, SpeechResumed(1), [DropReply(1)]),
            (1.5, PartialTranscript(1, "Thanks, that was"), [SendTranscript(1, "Thanks, that was", False), ReadAhead("Thanks, that was")]),
            (2.0, SpeechPaused(1, "Thanks, that was delicious."), [StopReadAhead(), StartReply(1, "Thanks, that was delicious.", tentative=True)]),
            (2.2, stopped(1), []),
            (2.2, final(1, "Thanks, that was delicious."), [SendTranscript(1, "Thanks, that was delicious.", True), ConfirmReply(1)]),
        ]
    )  # fmt: skip


def test_final_words_other_than_the_pause_s_start_a_new_reply() -> None:
    play(
        [
            (0.0, started(1), [SendSpeechStarted(1)]),
            (1.0, SpeechPaused(1, "close to now"), [StartReply(1, "close to now", tentative=True)]),
            (1.2, stopped(1), []),
            (1.3, final(1, "Close tonight?"), [SendTranscript(1, "Close tonight?", True), DropReply(1), StartReply(1, "Close tonight?")]),
        ]
    )  # fmt: skip


def test_an_empty_final_transcript_starts_nothing() -> None:
    play(
        [
            (0.0, started(1), [SendSpeechStarted(1)]),
            (0.5, stopped(1), []),
            (0.6, final(1, ""), [SendTranscript(1, "", True)]),
        ]
    )


# -- barge-in, continue, interrupt ------------------------------------------------------------


def spoken_reply(policy: TurnPolicy, turn: int, text: str, at: float) -> None:
    """A confirmed reply to a spoken turn, started at ``at``."""
    play(
        [
            (at, started(turn), [SendSpeechStarted(turn)]),
            (at + 0.5, stopped(turn), []),
            (at + 0.5, final(turn, text), [SendTranscript(turn, text, True), StartReply(turn, text)]),
        ],
        policy,
    )  # fmt: skip


def test_barge_in_interrupts_a_reply_the_player_has_heard() -> None:
    policy = TurnPolicy()
    spoken_reply(policy, 1, "Tell me about the shop.", 0.0)
    play(
        [
            (0.9, ReplyHeard(1), []),
            (1.5, started(2), [InterruptReply(1), SendSpeechStarted(2)]),
            (2.5, stopped(2), []),
            (2.5, final(2, "Never mind."), [SendTranscript(2, "Never mind.", True), StartReply(2, "Never mind.")]),
        ],
        policy,
    )  # fmt: skip


def test_barge_in_interrupts_a_reply_that_acted_even_before_it_was_heard() -> None:
    policy = TurnPolicy()
    spoken_reply(policy, 1, "Grab me a bowl.", 0.0)
    play(
        [(0.7, ReplyActed(1), []), (0.8, started(2), [InterruptReply(1), SendSpeechStarted(2)])],
        policy,
    )


def test_speech_soon_after_a_silent_reply_continues_the_turn() -> None:
    policy = TurnPolicy()
    spoken_reply(policy, 1, "Give me a horseshoe,", 0.0)
    play(
        [
            (0.9, started(2), [RetractReply(1), SendSpeechStarted(2)]),
            (1.4, PartialTranscript(2, "would you"), [SendTranscript(2, "would you", False), ReadAhead("Give me a horseshoe, would you")]),
            (1.6, stopped(2), [StopReadAhead()]),
            (1.6, final(2, "would you?"), [SendTranscript(2, "would you?", True), StartReply(2, "Give me a horseshoe, would you?")]),
        ],
        policy,
    )  # fmt: skip
    assert policy.unfinished == ""


def test_speech_long_after_a_silent_reply_began_is_a_barge_in() -> None:
    policy = TurnPolicy()
    spoken_reply(policy, 1, "Tell me a long story.", 0.0)
    play([(0.5 + CONTINUE + 0.1, started(2), [InterruptReply(1), SendSpeechStarted(2)])], policy)


CONTINUE = PolicyConfig().continue_window_s


def test_the_client_interrupt_stops_a_heard_reply_with_what_was_played() -> None:
    policy = TurnPolicy()
    spoken_reply(policy, 1, "Tell me about the shop.", 0.0)
    play(
        [
            (0.9, ReplyHeard(1), []),
            (1.5, InterruptIn(640.0), [InterruptReply(1, 640.0), Warm()]),
            (1.6, ReplyDone(1), []),  # the stopped reply's late end changes nothing
            (1.7, InterruptIn(None), []),  # nothing left to stop
        ],
        policy,
    )


def test_a_final_transcript_that_arrives_once_the_player_speaks_again_joins_their_next_turn() -> (
    None
):
    play(
        [
            (0.0, started(1), [SendSpeechStarted(1)]),
            (1.0, stopped(1), []),
            (1.1, started(2), [SendSpeechStarted(2)]),
            (1.2, final(1, "Give me a horseshoe,"), [SendTranscript(1, "Give me a horseshoe,", True)]),
            (1.8, stopped(2), []),
            (1.9, final(2, "would you?"), [SendTranscript(2, "would you?", True), StartReply(2, "Give me a horseshoe, would you?")]),
        ]
    )  # fmt: skip


# -- push-to-talk ---------------------------------------------------------------------------


def test_push_to_talk_confirms_the_pause_reply_only_at_the_release() -> None:
    # With push-to-talk the listener reports pauses but ends the turn only on end_turn.
    play(
        [
            (0.0, started(1), [SendSpeechStarted(1)]),
            (1.0, SpeechPaused(1, "Hello"), [StartReply(1, "Hello", tentative=True)]),
            (3.0, SpeechResumed(1), [DropReply(1)]),
            (4.0, SpeechPaused(1, "Hello there, Jin."), [StartReply(1, "Hello there, Jin.", tentative=True)]),
            (6.0, stopped(1), []),
            (6.1, final(1, "Hello there, Jin."), [SendTranscript(1, "Hello there, Jin.", True), ConfirmReply(1)]),
        ]
    )  # fmt: skip


# -- typed lines and events ---------------------------------------------------------------------


def test_a_typed_line_opens_a_turn_and_announces_it() -> None:
    play(
        [
            (0.0, Typed("hello"), [SendTurnStarted(1, "text", "hello"), StartReply(1, "hello")]),
            (0.5, ReplyHeard(1), []),
            (1.0, Typed("one more"), [InterruptReply(1), SendTurnStarted(2, "text", "one more"), StartReply(2, "one more")]),
            (2.0, ReplyDone(2), [Warm()]),
        ]
    )  # fmt: skip


def test_a_line_typed_while_the_player_speaks_gets_its_own_turn_and_numbering_stays_single() -> (
    None
):
    play(
        [
            (0.0, started(1), [SendSpeechStarted(1)]),
            (0.5, Typed("wait"), [SendTurnStarted(2, "text", "wait"), StartReply(2, "wait")]),
            (1.0, SpeechPaused(1, "Hello"), []),  # a reply is in progress: no reply on the pause
            (1.2, stopped(1), []),
            (1.2, final(1, "Hello"), [SendTranscript(1, "Hello", True), InterruptReply(2), StartReply(1, "Hello")]),
            (1.5, started(3), [RetractReply(1), SendSpeechStarted(3)]),
        ]
    )  # fmt: skip


def test_a_typed_line_drops_a_reply_begun_on_a_pause() -> None:
    play(
        [
            (0.0, started(1), [SendSpeechStarted(1)]),
            (1.0, SpeechPaused(1, "Hi"), [StartReply(1, "Hi", tentative=True)]),
            (1.1, Typed("hello"), [DropReply(1), SendTurnStarted(2, "text", "hello"), StartReply(2, "hello")]),
        ]
    )  # fmt: skip


def test_an_event_that_asks_for_a_reaction_opens_a_turn_when_all_are_quiet() -> None:
    play(
        [
            (0.0, GameEventIn("the door creaks"), []),
            (1.0, GameEventIn("a thief runs in", react=True), [SendTurnStarted(1, "event", "a thief runs in"), StartReply(1, "")]),
            (1.2, GameEventIn("the thief shouts", react=True), []),  # answered with the next turn
            (3.0, ReplyDone(1), [Warm()]),
        ]
    )  # fmt: skip


def test_an_event_that_asks_for_a_reaction_waits_while_the_player_speaks() -> None:
    play(
        [
            (0.0, started(1), [SendSpeechStarted(1)]),
            (0.2, GameEventIn("a thief runs in", react=True), []),
            (0.8, stopped(1), []),
            (0.8, final(1, "Who is that?"), [SendTranscript(1, "Who is that?", True), StartReply(1, "Who is that?")]),
        ]
    )  # fmt: skip


# -- settings ---------------------------------------------------------------------------------


def test_without_reply_on_pause_or_read_ahead_only_the_final_starts_a_reply() -> None:
    policy = TurnPolicy(PolicyConfig(reply_on_pause=False, read_ahead=False))
    play(
        [
            (0.0, started(1), [SendSpeechStarted(1)]),
            (0.4, PartialTranscript(1, "Hi"), [SendTranscript(1, "Hi", False)]),
            (1.0, SpeechPaused(1, "Hi there."), []),
            (1.2, stopped(1), []),
            (1.2, final(1, "Hi there."), [SendTranscript(1, "Hi there.", True), StartReply(1, "Hi there.")]),
        ],
        policy,
    )  # fmt: skip


# -- properties ---------------------------------------------------------------------------------

EVENTS = st.one_of(
    st.builds(SpeechStarted, st.integers(1, 4), st.just(0.0)),
    st.builds(PartialTranscript, st.integers(1, 4), st.sampled_from(["a", "a b"])),
    st.builds(SpeechPaused, st.integers(1, 4), st.sampled_from(["", "a", "a b"])),
    st.builds(SpeechResumed, st.integers(1, 4)),
    st.builds(SpeechStopped, st.integers(1, 4), st.just(0.0), st.just(0.0)),
    st.builds(FinalTranscript, st.integers(1, 4), st.sampled_from(["", "a", "a b"]), st.just(1.0)),
    st.builds(Typed, st.sampled_from(["x", "y"])),
    st.builds(GameEventIn, st.just("e"), st.booleans()),
    st.builds(InterruptIn, st.none()),
    st.builds(ReplyHeard, st.integers(1, 6)),
    st.builds(ReplyActed, st.integers(1, 6)),
    st.builds(ReplyDone, st.integers(1, 6)),
)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 0.7), EVENTS), max_size=40))
def test_at_most_one_reply_runs_and_every_stop_names_the_running_one(
    steps: list[tuple[float, Any]],
) -> None:
    policy, now = TurnPolicy(), 0.0
    running: int | None = None
    confirmed = False
    for gap, event in steps:
        now += gap
        for command in policy.on(event, now):
            if isinstance(command, StartReply):
                assert running is None, "a reply started while another runs"
                running, confirmed = command.turn_id, not command.tentative
            elif isinstance(command, ConfirmReply):
                assert command.turn_id == running and not confirmed
                confirmed = True
            elif isinstance(command, DropReply):
                assert command.turn_id == running
                running = None
            elif isinstance(command, InterruptReply | RetractReply):
                assert command.turn_id == running and confirmed, "only heard-of replies stop loudly"
                running = None
        if isinstance(event, ReplyDone) and event.turn_id == running and confirmed:
            running = None
        assert (policy.reply.turn_id if policy.reply else None) == running


@pytest.mark.parametrize("turns", [3, 10])
def test_turn_ids_come_from_one_counter(turns: int) -> None:
    policy = TurnPolicy()
    ids = [policy.new_turn() for _ in range(turns)]
    ids += [c.turn_id for c in policy.on(Typed("hi"), 0.0) if isinstance(c, StartReply)]
    assert ids == list(range(1, turns + 2))
