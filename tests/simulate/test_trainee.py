"""A trainee speaking through the server, a WAV file standing in for the microphone; and the
character's sheet written for the server with the scenario folded in."""

from __future__ import annotations

import json
import wave
from pathlib import Path

import numpy as np
import pytest
import soxr
from typer.testing import CliRunner

import npc.cli.simulate as cli_simulate
from npc.character.loader import load_sheet
from npc.cli import chat, knowledge, models, serve, sheets, talk  # noqa: F401  (as npc's main)
from npc.cli.app import app
from npc.runtime import Runtime
from npc.simulate.loading import load_scenario
from npc.simulate.trainee import cast_files
from tests.simulate.conftest import CHARACTERS, ROOT

NURSE_LINE = "I can see your ankle really hurts. Let me take your blood pressure."


def test_the_served_sheet_is_the_cast_sheet_and_loads(tmp_path: Path) -> None:
    loaded = load_scenario(ROOT / "scenarios/triage.yaml", CHARACTERS)
    ids = cast_files(loaded, "patient", tmp_path)
    assert set(ids) == {None, "belligerent", "anxious", "calm"}
    calm = load_sheet(tmp_path / f"{ids['calm']}.yaml").sheet
    assert calm.id == "sim_triage_calm_patient" and calm.emotions.default == "sad"
    assert "polite" in calm.personality and "You are the patient" in calm.backstory
    assert calm.example_lines[0].startswith("Sorry to bother you")


def speech_wav(runtime: Runtime, text: str, path: Path) -> Path:
    """``text`` in the bundled voice, as a 16 kHz WAV (what a microphone would record)."""
    voice = runtime.voice(runtime.character("jin"))
    pcm = b"".join(s.pcm for s in voice.synthesize(text))
    samples = np.frombuffer(pcm, np.int16).astype(np.float32)
    out = np.clip(soxr.resample(samples, voice.sample_rate, 16000), -32768, 32767)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(out.astype(np.int16).tobytes())
    return path


@pytest.mark.slow
@pytest.mark.xfail(
    reason=(
        "open (issue 24): on CI 2026-12-01 the WAV's line was heard but the scored items "
        "missed 'blood pressure'; not yet diagnosed"
    ),
    strict=False,
)
def test_a_trainee_speaks_a_wav_through_the_server_and_is_scored(
    monkeypatch: pytest.MonkeyPatch, sim_runtime: Runtime, short_scenario: Path, tmp_path: Path
) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.setattr(cli_simulate, "make_runtime", lambda settings: sim_runtime)
    wav = speech_wav(sim_runtime, NURSE_LINE, tmp_path / "nurse.wav")
    out = tmp_path / "spoken"
    args = ["simulate", str(short_scenario), "--human", "nurse", "--wav", str(wav)]
    result = CliRunner().invoke(app, [*args, "--out", str(out), "--no-judge"])
    assert result.exit_code == 0, result.output
    run = out / "runs/0001"
    utterances = [json.loads(x) for x in (run / "transcript.jsonl").read_text().splitlines()]
    assert [(u["speaker"], u["source"]) for u in utterances] == [
        ("patient", "model"),
        ("nurse", "human"),
        ("patient", "model"),
    ]
    heard = utterances[1]["text"].lower()
    assert "ankle" in heard and "blood pressure" in heard  # the server's transcript
    audio = sorted(p.name for p in (run / "audio").iterdir())
    assert audio == ["001-patient.wav", "002-nurse.wav", "003-patient.wav"]
    result_json = json.loads((run / "result.json").read_text())
    said = next(s for s in result_json["scores"] if s["id"] == "said_something")
    assert said["passed"] is True and said["evidence"][0]["turn"] == 2  # the trainee's line
    report = (run / "report.md").read_text()
    assert "## Your lines" in report and "decided: said_something pass" in report
