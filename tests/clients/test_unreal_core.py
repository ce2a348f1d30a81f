"""The Unreal plugin's engine-free core (clients/unreal), built with CMake and run.

Debian's cmake and g++ build the core with the engine's constraints (no exceptions, no
RTTI, warnings as errors), its unit tests, and a live test that talks to a real server
through websocketpp (Debian's libwebsocketpp-dev over libasio-dev) the way the plugin talks
through Unreal's WebSockets module: a typed turn whose audio plays in order through the
jitter buffer, visemes on the playback clock, the action reported back, a polite end.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.clients.support import LiveServer, free_port, require_file, require_tool

pytestmark = pytest.mark.slow

UNREAL = Path(__file__).resolve().parents[2] / "clients" / "unreal"
CORE = UNREAL / "NpcClient" / "Source" / "NpcClient" / "Core"
BUILD_PACKAGES = ["cmake", "g++", "make"]
LIVE_PACKAGES = ["libwebsocketpp-dev", "libasio-dev"]
CONVERSATION_S = 600  # one typed turn played in real time on a busy 2-core machine


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    require_tool("cmake", BUILD_PACKAGES)
    require_tool("g++", BUILD_PACKAGES)
    require_file("/usr/include/websocketpp/client.hpp", LIVE_PACKAGES)
    require_file("/usr/include/asio.hpp", LIVE_PACKAGES)
    out = tmp_path_factory.mktemp("unreal-core")
    for command in (
        ["cmake", "-S", str(UNREAL), "-B", str(out), "-DCMAKE_BUILD_TYPE=Release"],
        ["cmake", "--build", str(out), "--parallel", "2"],
    ):
        done = subprocess.run(command, capture_output=True, text=True, timeout=900, check=False)
        assert done.returncode == 0, f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}"
    return out


def test_core_has_no_engine_reference() -> None:
    engine = re.compile(
        r"#include\s+\"(CoreMinimal|Engine|Components|Sound|IWebSocket)|\b(UCLASS|TArray|FString)\b"
    )
    sources = list(CORE.rglob("*.h")) + list(CORE.rglob("*.cpp"))
    assert sources
    for source in sources:
        assert not engine.search(source.read_text()), f"{source.name} uses the engine"


def test_core_unit_tests(build: Path) -> None:
    done = subprocess.run(
        [str(build / "npc_core_tests")], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    summary = done.stdout.strip().splitlines()[-1]
    passed = int(summary.split()[0])
    assert passed >= 20 and summary.endswith(" 0 failed"), summary


def test_core_converses_with_a_live_server(build: Path, live_server: LiveServer) -> None:
    closed_port = f"ws://127.0.0.1:{free_port()}/"
    done = subprocess.run(
        [str(build / "npc_live_test"), live_server.ws_url, closed_port],
        capture_output=True,
        text=True,
        timeout=CONVERSATION_S,
        check=False,
    )
    steps: dict[str, Any] = {}
    for line in done.stdout.splitlines():
        report = json.loads(line)
        steps.setdefault(report["step"], report)
    assert "check_failed" not in steps, done.stdout + done.stderr
    assert done.returncode == 0, done.stdout + done.stderr

    attempts = steps["nobody_there"]["attempts"]
    assert [a["retry_in_s"] for a in attempts[:2]] == [0.5, 1.0], "backoff from the first wait"
    assert all("cannot connect" in a["reason"] for a in attempts)

    turn = steps["turn"]
    assert turn["turn_id"] == 1, "turn_started gives the typed line's turn id"
    assert turn["chunks"] >= 1 and turn["chunks_played"] == turn["chunks"]
    assert turn["received_in_order"] and turn["played_in_order"]
    assert turn["audio_ms"] > 300
    assert turn["speaking_blocks"] > 0 and turn["visemes_shown"] >= 2
    assert turn["jaw_open_peak"] > 0.1, "the visemes moved the MetaHuman jaw"
    # A plain request: its action reaches the game before the first audio chunk, in time
    # to animate (llm.reply_layout act_on_request).
    assert turn["action"] == "fetch" and not turn["action_after_audio"]

    result = steps["action_result"]
    assert result["reported"] is True and result["reported_twice"] is False
    assert len(result["errors"]) == 1 and "a-never-sent" in result["errors"][0]
    assert steps["closed"]["server_close_code"] == 1000
