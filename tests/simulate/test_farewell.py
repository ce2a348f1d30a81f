"""A conversation both sides closed: which lines sign off, and how a run ends on them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from npc.config import Settings
from npc.simulate.batch import Batch, BatchOptions, LocalExecutor
from npc.simulate.farewell import FAREWELL, closed, signs_off
from npc.simulate.guard import Said
from npc.simulate.loading import load_scenario
from npc.simulate.store import RunStore
from npc.simulate.worker import SimulationWorker
from tests.simulate.conftest import CHARACTERS, SHORT, write_scenario
from tests.simulate.fakes import FakeRuntime, ScriptedLLM


@pytest.mark.parametrize(
    ("line", "closes"),
    [
        ("Thank you so much!", True),
        (
            "You're welcome! I'm glad we could talk. If you have any other questions, "
            "feel free to ask.",
            True,
        ),
        ("Thanks. Goodbye.", True),
        ("Have a great day, and take care.", True),
        ("You\u2019re welcome.", True),
        (
            "I appreciate it, Priya. I look forward to working with you and finding a "
            "solution that works for us both.",
            True,
        ),
        ("Don't hesitate to reach out if you need anything else.", True),
        ("I appreciate your time; I look forward to working with you.", True),
        # Something more than a courtesy: the conversation goes on.
        ("Thank you. Is there anything else I can help with?", False),
        ("Thanks, but the price is still too high for us.", False),
        (
            "Thank you. Now, the outages cost us two full days of invoicing during tax "
            "season, and nobody called us back.",
            False,
        ),
        ("I hear you. Let me check your ankle.", False),
        ("Thanks. Let me check your ankle first.", False),
        ("", False),
    ],
)
def test_a_line_signs_off_when_every_sentence_is_a_courtesy(line: str, closes: bool) -> None:
    assert signs_off(line) is closes


def test_a_conversation_is_closed_when_both_sides_last_lines_sign_off() -> None:
    open_ = Said(1, "patient", "My ankle hurts!")
    thanks = Said(2, "nurse", "Thank you for waiting.")
    welcome = Said(3, "patient", "You're welcome.")
    assert closed([open_, thanks, welcome])
    assert not closed([open_, thanks])  # one side only
    assert not closed([thanks, Said(3, "nurse", "Goodbye.")])  # the same side twice
    assert not closed([welcome])


FAREWELLS = ["Thank you so much for your help.", "You're welcome. Take care."]
GOAL = """\
stop:
  - {id: calmed, type: goal, goal: The patient calmed down., speaker: patient, after_turn: 5}
"""


def run_once(tmp_path: Path, settings: Settings, judge: bool) -> dict[str, object]:
    text = SHORT.replace("turns: 3", "turns: 8").replace("seed: 5", "seed: 5\n" + GOAL)
    loaded = load_scenario(write_scenario(tmp_path, text), CHARACTERS)
    options = BatchOptions(runs=1, judge=judge)
    llm = ScriptedLLM(FAREWELLS)
    worker = SimulationWorker(FakeRuntime(settings, llm), loaded, judge=judge)  # type: ignore[arg-type]
    store = RunStore(tmp_path / "out", loaded, options.identity())
    Batch(loaded, store, options, LocalExecutor(worker)).run()
    result: dict[str, object] = json.loads((tmp_path / "out/runs/0001/result.json").read_text())
    return result


def test_a_run_both_sides_closed_ends_there_without_a_goal(
    tmp_path: Path, sim_settings: Settings
) -> None:
    result = run_once(tmp_path, sim_settings, judge=False)
    # Turn 2 the nurse thanks, turn 3 the patient answers in kind: over, 5 turns early.
    assert (result["stopped_by"], result["stop_turn"], result["goal_reached"]) == (
        FAREWELL,
        3,
        False,
    )


def test_a_closed_run_asks_its_goal_once_more_before_it_ends(
    tmp_path: Path, sim_settings: Settings
) -> None:
    # The goal stop is not due before turn 5; the farewell at turn 3 asks it now (the
    # scripted judge says the goal was reached).
    result = run_once(tmp_path, sim_settings, judge=True)
    assert (result["stopped_by"], result["stop_turn"], result["goal_reached"]) == (
        "calmed",
        3,
        True,
    )
    assert [(c["stop"], c["turn"]) for c in result["goal_checks"]] == [("calmed", 3)]  # type: ignore[union-attr,index]
