"""The batch machinery on a scripted model: resuming, output layout, audio, plans and seeds."""

from __future__ import annotations

import json
import re
import wave
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from npc.config import Settings
from npc.providers.base import GenerationRequest
from npc.simulate.batch import Batch, BatchOptions, LocalExecutor, Outcome, plan_runs
from npc.simulate.errors import SimulationError
from npc.simulate.loading import LoadedScenario, load_scenario
from npc.simulate.records import RunPlan
from npc.simulate.seeding import SeededModel
from npc.simulate.store import RunStore
from npc.simulate.worker import SimulationWorker
from tests.simulate.conftest import CHARACTERS, ROOT, SHORT, write_scenario
from tests.simulate.fakes import FakeRuntime, ScriptedLLM


class Crash(Exception):
    """Stands for the process dying between two runs."""


class CrashAfter:
    """An executor that dies after ``n`` finished runs."""

    def __init__(self, inner: LocalExecutor, n: int) -> None:
        self.inner, self.n = inner, n

    def run(self, plans: list[RunPlan], progress: object) -> Iterator[Outcome]:
        for i, outcome in enumerate(self.inner.run(plans, progress)):  # type: ignore[arg-type]
            yield outcome
            if i + 1 == self.n:
                raise Crash


def batch(
    loaded: LoadedScenario, out: Path, settings: Settings, runs: int, executor: object = None
) -> Batch:
    options = BatchOptions(runs=runs, judge=False)
    store = RunStore(out, loaded, options.identity())
    worker = SimulationWorker(FakeRuntime(settings, ScriptedLLM()), loaded, judge=False)  # type: ignore[arg-type]
    return Batch(loaded, store, options, executor or LocalExecutor(worker))  # type: ignore[arg-type]


def test_resume_after_a_crash_keeps_finished_runs_and_adds_the_rest(
    tmp_path: Path, short_scenario: Path, sim_settings: Settings
) -> None:
    loaded = load_scenario(short_scenario, CHARACTERS)
    out = tmp_path / "out"
    first = batch(loaded, out, sim_settings, 3)
    first.executor = CrashAfter(first.executor, 1)  # type: ignore[arg-type]
    with pytest.raises(Crash):
        first.run()
    assert first.store.done() == {"0001"}
    summary = json.loads((out / "summary.json").read_text())
    assert (summary["finished"], summary["planned"]) == (1, 3)  # written even on a crash
    before = (out / "runs/0001/transcript.jsonl").read_bytes()
    (out / "runs/.tmp-0002-999").mkdir()  # a run cut short while being written

    second = batch(loaded, out, sim_settings, 3)
    result = second.run()
    assert (result.ran, result.skipped) == (["0002", "0003"], ["0001"])
    assert sorted(p.name for p in (out / "runs").iterdir()) == ["0001", "0002", "0003"]
    assert (out / "runs/0001/transcript.jsonl").read_bytes() == before
    manifest = json.loads((out / "manifest.json").read_text())
    assert [p["run_id"] for p in manifest["planned"]] == ["0001", "0002", "0003"]
    assert result.summary["finished"] == 3

    again = batch(loaded, out, sim_settings, 4).run()  # a larger batch only adds runs
    assert (again.ran, len(again.skipped)) == (["0004"], 3)


def test_run_folder_layout_and_transcript_lines(
    tmp_path: Path, short_scenario: Path, sim_settings: Settings
) -> None:
    loaded = load_scenario(short_scenario, CHARACTERS)
    result = batch(loaded, tmp_path, sim_settings, 1).run()
    run = tmp_path / "runs/0001"
    assert sorted(p.name for p in run.iterdir()) == [
        "emotion.svg",
        "report.html",
        "report.md",
        "result.json",
        "transcript.jsonl",
    ]
    lines = [json.loads(x) for x in (run / "transcript.jsonl").read_text().splitlines()]
    assert [(x["turn"], x["speaker"], x["source"]) for x in lines] == [
        (1, "patient", "script"),
        (2, "nurse", "model"),
        (3, "patient", "model"),
    ]
    assert set(lines[1]) >= {"run_id", "turn", "speaker", "text", "emotion", "actions", "timings"}
    assert lines[1]["text"] == "I hear you. Let me check your ankle."
    assert result.summary["items"]["said_something"]["pass_rate"] == 1.0
    assert result.summary["items"]["three_turns"]["passed"] == 1
    assert "<svg" in (run / "report.html").read_text()
    assert "<svg" in (tmp_path / "report.html").read_text()
    report = (tmp_path / "report.md").read_text()
    assert re.search(r"\| The nurse said something\. \| regex( \(advisory\))? \| 100% \|", report)
    assert "](runs/0001/report.md)" in report  # the batch links to its runs
    assert {"pass_rates.svg", "emotion.svg"} <= {p.name for p in tmp_path.iterdir()}


def test_a_folder_of_another_scenario_is_refused(
    tmp_path: Path, short_scenario: Path, sim_settings: Settings
) -> None:
    loaded = load_scenario(short_scenario, CHARACTERS)
    batch(loaded, tmp_path / "out", sim_settings, 1).run()
    changed = write_scenario(tmp_path, SHORT.replace("seed: 5", "seed: 6"), "other.yaml")
    with pytest.raises(SimulationError, match="another version of the scenario"):
        batch(load_scenario(changed, CHARACTERS), tmp_path / "out", sim_settings, 1)


def test_audio_renders_every_line_with_visemes(
    tmp_path: Path, short_scenario: Path, sim_settings: Settings
) -> None:
    from tests.plugins.conftest import load_piper

    loaded = load_scenario(short_scenario, CHARACTERS)
    options = BatchOptions(runs=1, audio=True, judge=False)
    runtime = FakeRuntime(sim_settings, ScriptedLLM(), load_piper(sim_settings))
    worker = SimulationWorker(runtime, loaded, audio=True, judge=False)  # type: ignore[arg-type]
    store = RunStore(tmp_path, loaded, options.identity())
    Batch(loaded, store, options, LocalExecutor(worker)).run()
    audio = tmp_path / "runs/0001/audio"
    assert sorted(p.name for p in audio.iterdir()) == [
        "001-patient.visemes.json",
        "001-patient.wav",
        "002-nurse.visemes.json",
        "002-nurse.wav",
        "003-patient.visemes.json",
        "003-patient.wav",
    ]
    with wave.open(str(audio / "002-nurse.wav")) as w:
        seconds = w.getnframes() / w.getframerate()
    track = json.loads((audio / "002-nurse.visemes.json").read_text())
    last = track["visemes"][-1]
    assert last["start_ms"] + last["duration_ms"] == pytest.approx(seconds * 1000, abs=1)


def test_plans_cycle_variations_with_distinct_seeds() -> None:
    loaded = load_scenario(ROOT / "scenarios/triage.yaml", CHARACTERS)
    plans = plan_runs(loaded, BatchOptions(runs=4, max_turns=6))
    assert [p.variation for p in plans] == ["belligerent", "anxious", "calm", "belligerent"]
    assert [p.seed for p in plans] == [100, 101, 102, 103] and plans[0].max_turns == 6
    only = plan_runs(loaded, BatchOptions(runs=2, variation="calm"))
    assert {p.variation for p in only} == {"calm"} and only[0].max_turns == 10
    with pytest.raises(SimulationError, match="no variation 'sleepy'"):
        plan_runs(loaded, BatchOptions(variation="sleepy"))


def test_each_generation_of_a_run_gets_its_own_seed() -> None:
    class Provider(ScriptedLLM):
        def __init__(self) -> None:
            super().__init__()
            self.seen: list[int | None] = []

        def stream(self, request: GenerationRequest, control: Any = None) -> Iterator[str]:
            self.seen.append(request.seed)
            yield from super().stream(request, control)

    provider = Provider()
    request = GenerationRequest(messages=(), assistant_prefix='{"say": "')
    for seed in (1, 2):
        model = SeededModel(provider, seed)  # type: ignore[arg-type]
        list(model.stream(request))
        list(model.stream(request))
    assert provider.seen == [1001, 1002, 2001, 2002]


GOAL = """\
stop:
  - {id: calmed, type: goal, goal: The patient calmed down., speaker: patient, after_turn: 3}
"""
JUDGED = """\
  - id: kind
    text: The nurse was kind.
    check: {type: judge, speaker: nurse}
"""


def test_goal_checks_and_judged_items_keep_their_evidence(
    tmp_path: Path, sim_settings: Settings
) -> None:
    text = SHORT.replace("seed: 5", "seed: 5\n" + GOAL).replace("rubric:\n", "rubric:\n" + JUDGED)
    loaded = load_scenario(write_scenario(tmp_path, text), CHARACTERS)
    options = BatchOptions(runs=1)
    worker = SimulationWorker(FakeRuntime(sim_settings, ScriptedLLM()), loaded)  # type: ignore[arg-type]
    store = RunStore(tmp_path / "out", loaded, options.identity())
    Batch(loaded, store, options, LocalExecutor(worker)).run()
    run = tmp_path / "out/runs/0001"
    result = json.loads((run / "result.json").read_text())
    assert (result["stopped_by"], result["stop_turn"], result["goal_reached"]) == (
        "calmed",
        3,
        True,
    )
    [check] = result["goal_checks"]
    assert (check["turn"], check["passed"]) == (3, True)
    # The patient's turn 3 said the nurse's line again; its echoed sentence was left out.
    assert check["evidence"] == [{"turn": 3, "speaker": "patient", "quote": "I hear you."}]
    kind = next(s for s in result["scores"] if s["id"] == "kind")
    assert kind["passed"] is True and kind["evidence"][0]["turn"] == 2  # a line of the nurse
    report = (run / "report.md").read_text()
    assert "## Goal checks" in report and "turn 3: calmed reached" in report
    assert '| turn 2 (nurse): "I hear you. Let me check your ankle." |' in report
    summary = json.loads((tmp_path / "out/summary.json").read_text())
    assert summary["stopped_by_condition"] == {"runs": 1, "rate": 1.0}
    assert summary["roles"]["model_lines"] == 2
