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
