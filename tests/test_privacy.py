"""Nothing leaves the machine: a whole spoken session writes no dependency's telemetry store.

onnxruntime 1.32 (the embedder, Silero VAD and piper run on it) writes a device id and an
event database under ~/.cache/Microsoft/DeveloperTools/.onnxruntime on every run, queued for
upload, unless told not to; ``import npc`` tells it not to. The session runs in a fresh
process with a home of its own (CI unset: some libraries stay quiet under CI on their own).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from npc.config import Settings
from tests.conftest import ROOT

pytestmark = pytest.mark.slow


def test_a_spoken_session_writes_no_telemetry_store(settings: Settings, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "XDG_CACHE_HOME")}
    for name in ("ORT_DISABLE_TELEMETRY", "ORT_TELEMETRY_DISABLED", "DO_NOT_TRACK"):
        env.pop(name, None)  # what npc sets itself, not what the test's own process inherited
    env.update(
        HOME=str(home),
        NPC_CACHE_DIR=str(settings.cache_dir),  # the joined models, not joined again
        NPC_DATA_DIR=str(tmp_path / "data"),
        NPC_CHARACTERS_DIR=str(ROOT / "characters"),
    )
    done = subprocess.run(
        [sys.executable, "-m", "npc", "talk", "jin", "--text", "Grab me a bowl of ramen."],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    written = sorted(str(p.relative_to(home)) for p in home.rglob("*") if p.is_file())
    assert not [p for p in written if "Microsoft" in p or "onnxruntime" in p], written
