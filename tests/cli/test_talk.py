"""``npc talk`` and ``npc chat`` as a user runs them (each a new process with the real models)."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

from npc.runtime import Runtime
from tests.conftest import ROOT


def run(
    args: list[str], stdin: str = "", data: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """``data``: a data folder of its own, so no earlier conversation of the default player
    (kept in memory and put back in the prompt) steers the reply."""
    env = {**os.environ, **({"NPC_DATA_DIR": str(data)} if data else {})}
    return subprocess.run(
        [sys.executable, "-m", "npc", *args],
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=900,
        env=env,
    )


def test_talk_prints_the_event_stream(runtime: Runtime, tmp_path: Path) -> None:
    # runtime: the model caches are warm
    out = run(["talk", "jin", "--text", "grab me a bowl of ramen"], data=tmp_path)
    assert out.returncode == 0, out.stderr[-2000:]
    text = out.stdout.replace("\n", " ")
    assert "audio #0" in text and "visemes:" in text
    assert "action:" in text and "fetch" in text
    assert "turn_end" in text and "first_audio" in text


def test_talk_to_no_server_says_so_without_a_traceback() -> None:
    with socket.socket() as s:  # a port nothing listens on once closed
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = run(["talk", "jin", "--text", "hello", "--url", f"ws://127.0.0.1:{port}"])
    assert out.returncode == 1, out.stderr[-2000:]
    assert f"no npc server at ws://127.0.0.1:{port}" in out.stderr
    assert "./npcw serve" in out.stderr and "Traceback" not in out.stderr


def test_talk_needs_text_or_wav() -> None:
    out = run(["talk", "jin"])
    assert out.returncode == 2 and "give exactly one of --text or --wav" in out.stderr


def test_chat_with_game_side_commands(runtime: Runtime, tmp_path: Path) -> None:
    script = (
        "\n".join(
            [
                "grab me a bowl of ramen",
                "/result a9.9 ok",
                "/scene objects=axe,lantern",
                "/event the player drew a knife",
                "/quit",
            ]
        )
        + "\n"
    )
    out = run(["chat", "jin"], stdin=script, data=tmp_path)
    assert out.returncode == 0, out.stderr[-2000:]
    # Which action the model takes is the model's (fetch on some CPUs, serve on others,
    # CI 2026-12-02); that the first reply's action is printed with its id is the CLI's.
    assert re.search(r"action a1\.1: (fetch|serve)\(", out.stdout), out.stdout
    assert "no action with id 'a9.9'" in out.stdout
    assert "lantern" in out.stdout
    assert out.stdout.count("emotion:") == 2
