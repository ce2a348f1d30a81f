"""Scenario files: the shipped ones load; each mistake is reported at its line and column."""

from __future__ import annotations

from pathlib import Path

import pytest

from npc.errors import ScenarioError
from npc.schemas import render
from npc.simulate.loading import load_scenario, scenario_schema
from tests.simulate.conftest import CHARACTERS, ROOT, SHORT, write_scenario


def problems(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        load_scenario(write_scenario(tmp_path, text), CHARACTERS)
    return [str(p).replace(f"{tmp_path}/", "") for p in info.value.problems]


@pytest.mark.parametrize("name", ["triage", "sales"])
def test_shipped_scenarios_load(name: str) -> None:
    loaded = load_scenario(ROOT / "scenarios" / f"{name}.yaml", CHARACTERS)
    assert len(loaded.sheets) == 2
    assert loaded.scenario.variations and loaded.scenario.rubric


def test_schema_file_is_up_to_date() -> None:
    assert (ROOT / "scenarios" / "schema.json").read_text() == render(scenario_schema())


def test_missing_character_is_named_at_its_line(tmp_path: Path) -> None:
    text = SHORT.replace("character: belligerent_patient", "character: nobody_here")
    [msg] = problems(tmp_path, text)
    assert msg.startswith(
        "short.yaml:4:24: participants.patient.character: no character 'nobody_here'"
    )
    assert "triage_nurse" in msg  # the known ids are listed


def test_character_path_relative_to_the_scenario(tmp_path: Path) -> None:
    text = SHORT.replace("character: triage_nurse", "character: sheets/missing.yaml")
    [msg] = problems(tmp_path, text)
    assert msg.startswith("short.yaml:3:22: participants.nurse.character:")


def test_goal_for_a_participant_that_does_not_exist(tmp_path: Path) -> None:
    text = SHORT.replace("  nurse: [Acknowledge the pain.]", "  doctor: [Arrive.]")
    [msg] = problems(tmp_path, text)
    assert msg == (
        "short.yaml:8:3: goals.doctor: goals for 'doctor', who is not a participant; "
        "expected one of: nurse, patient"
    )


def test_zero_turns(tmp_path: Path) -> None:
    [msg] = problems(tmp_path, SHORT.replace("turns: 3", "turns: 0"))
    assert msg.startswith("short.yaml:12:8: turns: turns is 0; expected at least 1")


def test_unknown_field(tmp_path: Path) -> None:
    [msg] = problems(tmp_path, SHORT.replace("seed: 5", "seed: 5\nmood: grumpy"))
    assert msg.startswith("short.yaml:24:1: mood: unknown field; expected one of:")


def test_several_problems_at_once(tmp_path: Path) -> None:
    text = (
        SHORT.replace("by: patient", "by: doctor")
        .replace("speaker: nurse, must:", "speaker: clerk, must:")
        .replace('must: "\\\\w"', 'must: "(unclosed"')
    )
    msgs = problems(tmp_path, text)
    assert any(m.startswith("short.yaml:10:7: opening.by: no participant 'doctor'") for m in msgs)
    assert any("rubric[0].check.speaker: no participant 'clerk'" in m for m in msgs)
    assert any("rubric[0].check.must: invalid regular expression" in m for m in msgs)


def test_emotion_and_action_names_are_checked(tmp_path: Path) -> None:
    text = SHORT + (
        "stop:\n"
        "  - {type: action, action: fly, speaker: patient}\n"
        "variations:\n"
        "  loud: {participant: patient, goals: [Shout.]}\n"
    )
    text = text.replace(
        "check: {type: turns, max: 3}",
        "check: {type: emotion, speaker: patient, reaches: [ecstatic]}",
    )
    msgs = problems(tmp_path, text)
    assert any("rubric[2].check.reaches[0]: patient cannot show 'ecstatic'" in m for m in msgs)
    assert any("stop[0].action: no action 'fly'; expected one of: move_to" in m for m in msgs)


def test_exactly_two_participants(tmp_path: Path) -> None:
    text = SHORT.replace(
        "  patient: {character: belligerent_patient}\n",
        "  patient: {character: belligerent_patient}\n  chef: {character: jin}\n",
    )
    msgs = problems(tmp_path, text)
    assert any("participants: 3 participant(s); expected exactly two" in m for m in msgs)


def test_one_participant_helps_at_most(tmp_path: Path) -> None:
    text = SHORT.replace("{character: triage_nurse}", "{character: triage_nurse, helps: true}")
    text = text.replace(
        "{character: belligerent_patient}", "{character: belligerent_patient, helps: true}"
    )
    msgs = problems(tmp_path, text)
    assert any("participants: both participants have helps: true" in m for m in msgs)


def test_the_helping_side_reaches_the_guard() -> None:
    from npc.simulate.conversation import cast_of

    cast = cast_of(load_scenario(ROOT / "scenarios" / "triage.yaml", CHARACTERS))
    assert (cast["nurse"].helps, cast["patient"].helps) == (True, False)
