from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from npc import schemas
from tests.conftest import CHARACTERS, ROOT


def npc(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "npc", *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def test_validate_examples_pass() -> None:
    out = npc("validate", str(CHARACTERS))
    assert out.returncode == 0, out.stderr
    assert "sheet(s) OK" in out.stdout


def test_validate_broken_sheet_prints_location_and_exits_nonzero(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: bad\nname: Bad\nrole: r\nvoice:\n  piper: nobody\n")
    out = npc("validate", str(bad))
    assert out.returncode == 1
    assert out.stderr.strip() == (
        f"{bad}:5:10: voice.piper: unknown voice 'nobody'; expected a bundled voice "
        "(en_US-joe-medium) or a path to a piper .onnx file"
    )
    assert "Traceback" not in out.stderr


def test_schema_files_are_fresh() -> None:
    assert schemas.stale(ROOT) == [], "run: npc schema"


def test_schema_check_command(tmp_path: Path) -> None:
    out = npc("schema", "--check", "--root", str(tmp_path))
    assert out.returncode == 1 and "characters/schema.json is stale" in out.stderr
    assert npc("schema", "--root", str(tmp_path)).returncode == 0
    assert npc("schema", "--check", "--root", str(tmp_path)).returncode == 0


def test_validate_checks_scenarios_beside_sheets() -> None:
    out = npc("validate", str(ROOT / "scenarios"), str(CHARACTERS))
    assert out.returncode == 0, out.stderr
    assert "sheet(s) and 2 scenario(s) OK" in out.stdout


def test_validate_reports_scenario_problems_at_their_lines(tmp_path: Path) -> None:
    text = (ROOT / "scenarios" / "triage.yaml").read_text()
    bad = tmp_path / "triage.yaml"
    bad.write_text(
        text.replace("by: patient", "by: doctor").replace("{action: take_vitals}", "{action: fly}")
    )
    out = npc("validate", str(bad), "--characters", str(CHARACTERS))
    assert out.returncode == 1
    lines = out.stderr.strip().splitlines()
    assert any(
        line.startswith(f"{bad}:") and "opening.by: no participant 'doctor'" in line
        for line in lines
    )
    assert any("rubric[4].check.any_of[0].action: no action 'fly'" in line for line in lines)
    assert not any("sheet" in line and "unknown field" in line for line in lines)  # not a sheet
    assert "Traceback" not in out.stderr
