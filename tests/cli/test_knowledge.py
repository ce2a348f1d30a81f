from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import CHARACTERS, ROOT


def npc(*args: str, data: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NPC_DATA_DIR": str(data), "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "npc", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )


def test_ingest_then_ask(tmp_path: Path) -> None:
    out = npc("ingest", str(CHARACTERS / "jin.yaml"), str(CHARACTERS / "nova.yaml"), data=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "jin" in out.stdout and "nova" in out.stdout and "+19" in out.stdout

    again = npc("ingest", str(CHARACTERS / "jin.yaml"), data=tmp_path)
    assert again.returncode == 0, again.stderr
    row = next(line for line in again.stdout.splitlines() if "jin" in line)
    assert row.split("│")[2:4] == [" 0        ", " 4       "]  # 0 ingested, 4 skipped

    ask = npc("ask", "jin", "who wants to buy the shop?", data=tmp_path)
    assert ask.returncode == 0, ask.stderr
    first = ask.stdout.splitlines()[0]
    assert first.startswith("1. ") and "knowledge/jin/stall.md:9-12" in first
    assert "Mr. Sato" in ask.stdout


def test_ingest_reports_failed_files_and_exits_1(tmp_path: Path) -> None:
    chars = tmp_path / "chars"
    (chars / "knowledge").mkdir(parents=True)
    (chars / "knowledge" / "good.md").write_text("# Good\nThe well is deep.\n")
    (chars / "knowledge" / "bad.md").write_bytes(b"\x00\x01binary")
    (chars / "x.yaml").write_text("id: xx\nname: X\nrole: r\nknowledge:\n  files: [knowledge]\n")
    out = npc("ingest", str(chars), data=tmp_path / "data")
    assert out.returncode == 1
    assert "knowledge/bad.md" in out.stderr and "binary" in out.stderr
    assert "Traceback" not in out.stderr


def test_ask_unknown_character_is_a_clear_error(tmp_path: Path) -> None:
    out = npc("ask", "nobody", "hello?", data=tmp_path)
    assert out.returncode == 2
    assert "npc ingest" in out.stderr and "Traceback" not in out.stderr
