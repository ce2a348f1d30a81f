"""A simulated side takes back a broken line and asks again, saying what was wrong."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from npc.config import Settings
from npc.providers.base import GenerationRequest, LLMCapabilities
from npc.simulate.batch import BatchOptions, plan_runs
from npc.simulate.loading import load_scenario
from npc.simulate.worker import SimulationWorker
from tests.simulate.conftest import CHARACTERS, write_scenario
from tests.simulate.fakes import FakeRuntime, ScriptedLLM

OPENING = "My ankle is killing me and I've waited three hours!"


def run(tmp_path, settings: Settings, lines: list[str], retries: int):  # type: ignore[no-untyped-def]
    loaded = load_scenario(write_scenario(tmp_path), CHARACTERS)
    llm = ScriptedLLM(lines)
    worker = SimulationWorker(FakeRuntime(settings, llm), loaded, judge=False, retries=retries)  # type: ignore[arg-type]
    plan = plan_runs(loaded, BatchOptions(runs=1, max_turns=2))[0]
    return worker.run(plan).record, llm


def test_a_copied_line_is_taken_back_and_asked_for_again(tmp_path, sim_settings: Settings) -> None:  # type: ignore[no-untyped-def]
    record, llm = run(
        tmp_path, sim_settings, [OPENING, "I can see that hurts. Let me check it."], 2
    )
    nurse = record.utterances[1]
    assert nurse.text == "I can see that hurts. Let me check it."
    assert nurse.flaws == ()
    [taken_back] = nurse.rejected
    assert taken_back.text == OPENING
    assert taken_back.flaws[0].startswith("inversion (from turn 1)")
    retry = llm.requests[-1].messages[-1].content  # the second try's prompt says why
    assert "not as Dale" in retry and "Stay Sam Okafor, the nurse" in retry
    assert llm.requests[0].seed != llm.requests[1].seed  # and samples differently


def test_without_retries_the_broken_line_stays_marked(tmp_path, sim_settings: Settings) -> None:  # type: ignore[no-untyped-def]
    record, _ = run(tmp_path, sim_settings, [OPENING], 0)
    nurse = record.utterances[1]
    assert nurse.text == OPENING and nurse.rejected == ()
    assert nurse.flaws and nurse.flaws[0].startswith("inversion")


def test_a_line_still_broken_stays_out_of_its_speakers_prompt(
    tmp_path, sim_settings: Settings
) -> None:  # type: ignore[no-untyped-def]
    nurse, patient = "Let me check your blood pressure first.", "Fine, but hurry up."
    loaded = load_scenario(write_scenario(tmp_path), CHARACTERS)
    llm = ScriptedLLM([nurse, patient])  # turns 2, 4, 6: the nurse says the same line
    worker = SimulationWorker(FakeRuntime(sim_settings, llm), loaded, judge=False, retries=0)  # type: ignore[arg-type]
    record = worker.run(plan_runs(loaded, BatchOptions(runs=1, max_turns=6))[0]).record
    assert record.utterances[3].flaws[0].startswith("self_repeat (from turn 2)")
    turn_6 = llm.requests[-1].messages  # the nurse's prompt for turn 6
    said = [m.content for m in turn_6 if m.role == "assistant" and nurse in m.content]
    assert len(said) == 1  # turn 2's line; turn 4's repeat is left out


def test_a_last_line_broken_in_one_sentence_is_said_without_it(
    tmp_path, sim_settings: Settings
) -> None:  # type: ignore[no-untyped-def]
    copied = f"{OPENING} Let me check your ankle now."
    record, _ = run(tmp_path, sim_settings, [copied], 1)  # the retry copies again
    nurse = record.utterances[1]
    assert nurse.text == "Let me check your ankle now." and nurse.flaws == ()
    first, last = nurse.rejected
    assert first.text == last.text == copied
    assert last.flaws[-1] == "said without those sentences"
    assert first.flaws[0].startswith("inversion (from turn 1)")


class GrammarScriptedLLM(ScriptedLLM):
    """A scripted model that says it takes grammars, so the speech guard asks again, and
    streams its lines word by word, as a model does."""

    llm_capabilities = LLMCapabilities(grammar=True)

    def stream(self, request: GenerationRequest, control: Any = None) -> Iterator[str]:
        for piece in super().stream(request, control):
            yield from re.findall(r"\S+\s*", piece)


def test_a_line_the_speech_guard_stops_is_asked_again_not_cut_to_its_first_words(
    tmp_path, sim_settings: Settings
) -> None:  # type: ignore[no-untyped-def]
    check = "Your blood pressure looks high today, so stay seated."
    fresh = "Your pulse is racing. Breathe slowly with me."
    loaded = load_scenario(write_scenario(tmp_path), CHARACTERS)
    # turn 2 nurse, turn 3 patient, turn 4 nurse: the same line again, then another
    llm = GrammarScriptedLLM([check, "Fine, but hurry up.", check, fresh])
    worker = SimulationWorker(FakeRuntime(sim_settings, llm), loaded, judge=False, retries=0)  # type: ignore[arg-type]
    record = worker.run(plan_runs(loaded, BatchOptions(runs=1, max_turns=4))[0]).record
    # With a live session's two-word first phrase, "Let me" was out before the repeat was
    # seen, and it stood as the whole line.
    assert record.utterances[3].text == fresh
