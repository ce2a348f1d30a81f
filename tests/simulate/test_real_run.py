"""Short runs on the real model through the CLI: a 2 x 3-turn batch, and a trainee typing
through a server (as a game would).

Kept small (short replies, three turns): on two shared cores each reply takes seconds.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import npc.cli.simulate as cli_simulate
from npc.cli import chat, knowledge, models, serve, sheets, talk  # noqa: F401  (as npc's main)
from npc.cli.app import app
from npc.runtime import Runtime
from tests.simulate.conftest import ROOT

pytestmark = pytest.mark.slow


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, sim_runtime: Runtime) -> CliRunner:
    monkeypatch.chdir(ROOT)
    monkeypatch.setattr(cli_simulate, "make_runtime", lambda settings: sim_runtime)
    # The runs' records name the model that really plays: the shared runtime's 0.5B.
    monkeypatch.setenv("NPC_MODELS__LLM", "qwen2.5-coder-0.5b-instruct-q4_k_m")
    return CliRunner()


def test_two_short_runs_write_transcripts_reports_and_summary(
    cli: CliRunner, short_scenario: Path, tmp_path: Path
) -> None:
    out = tmp_path / "batch"
    args = ["simulate", str(short_scenario), "--runs", "2", "--out", str(out), "--no-judge"]
    result = cli.invoke(app, args)
    assert result.exit_code == 0, result.output
    for run_id in ("0001", "0002"):
        lines = (out / "runs" / run_id / "transcript.jsonl").read_text().splitlines()
        utterances = [json.loads(x) for x in lines]
        assert [u["speaker"] for u in utterances] == ["patient", "nurse", "patient"]
        assert all(u["text"] for u in utterances[1:])  # the model said something each turn
        assert utterances[1]["timings"]["reply_done"] > 0
        assert (out / "runs" / run_id / "report.md").is_file()
    summary = json.loads((out / "summary.json").read_text())
    assert summary["finished"] == 2 and summary["turns"]["mean"] == 3
    assert summary["items"]["three_turns"]["pass_rate"] == 1.0
    assert set(summary["emotion_over_time"]) == {"nurse", "patient"}
    assert "<svg" in (out / "report.html").read_text()

    again = cli.invoke(app, args)  # everything is done: nothing runs again
    assert again.exit_code == 0, again.output
    assert "ran 0, skipped 2 already done" in " ".join(again.output.split())


def test_a_trainee_types_the_nurse(cli: CliRunner, short_scenario: Path, tmp_path: Path) -> None:
    out = tmp_path / "human"
    typed = "I can see that ankle hurts. Let me take a look at it now.\n"
    args = ["simulate", str(short_scenario), "--human", "nurse", "--out", str(out), "--no-judge"]
    result = cli.invoke(app, args, input=typed)
    assert result.exit_code == 0, result.output
    assert "you are Sam Okafor" in result.output  # the prompt for the trainee's line
    assert "Dale Porter>" in result.output  # the simulated patient's reply, shown live
    lines = (out / "runs/0001/transcript.jsonl").read_text().splitlines()
    utterances = [json.loads(x) for x in lines]
    # The served patient opens in its own words (a game event asks it to), then answers.
    assert [(u["speaker"], u["source"]) for u in utterances] == [
        ("patient", "model"),
        ("nurse", "human"),
        ("patient", "model"),
    ]
    assert utterances[0]["text"] and utterances[2]["text"]
    assert utterances[1]["text"] == typed.strip()
    report = (out / "runs/0001/report.md").read_text()
    assert "## Your lines" in report and f'turn 2: "{typed.strip()}"' in report


def test_the_trainee_can_leave(cli: CliRunner, short_scenario: Path, tmp_path: Path) -> None:
    out = tmp_path / "left"
    args = ["simulate", str(short_scenario), "--human", "nurse", "--out", str(out), "--no-judge"]
    result = cli.invoke(app, args, input="/quit\n")
    assert result.exit_code == 0, result.output
    record = json.loads((out / "runs/0001/result.json").read_text())
    assert (record["stopped_by"], record["turns"]) == ("nurse_left", 1)
