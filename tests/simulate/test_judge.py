"""The judge on the real model: a tiny transcript, one constrained question."""

from __future__ import annotations

import pytest

from npc.runtime import Runtime
from npc.simulate.judge import Judge
from npc.simulate.records import Utterance

pytestmark = pytest.mark.slow


def test_the_judge_answers_in_the_required_shape_and_points_at_a_line(sim_runtime: Runtime) -> None:
    transcript = [
        Utterance("t", 1, "patient", "Dale", "My ankle hurts so much!", "angry", 1.0),
        Utterance("t", 2, "nurse", "Sam", "I'm sorry, I can see it really hurts.", "calm", 0.35),
    ]
    judge = Judge(sim_runtime.llm, cache_key="test-judge", max_tokens=48)
    verdict = judge.ask(transcript, "The nurse acknowledged the patient's pain.", speaker="nurse")
    assert verdict.passed in (True, False)  # never unreadable: the grammar allows only this
    assert verdict.reason and "unreadable" not in verdict.reason
    if verdict.passed:
        assert [e.turn for e in verdict.evidence] == [2]  # only the nurse's line may be named
