"""The Unity package's engine-free core (clients/unity/Runtime/Core), compiled with Mono.

Debian's mono compiles the core with a console harness (clients/unity/Tests~/CoreHarness)
that talks to a live server: a typed turn with audio, visemes and an action, an action
result, and a server restart in the middle of the conversation.
"""

from __future__ import annotations

import json
import queue
import re
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from npc.runtime import Runtime
from tests.clients.support import LiveServer, require_tool

pytestmark = pytest.mark.slow

UNITY = Path(__file__).resolve().parents[2] / "clients" / "unity"
CORE = UNITY / "Runtime" / "Core"
ENGINE_LAYER = UNITY / "Runtime" / "Unity"
SAMPLE = UNITY / "Samples~" / "BasicConversation"
HARNESS = UNITY / "Tests~" / "CoreHarness"
STANDINS = Path(__file__).parent / "unity_standins"
MONO_PACKAGES = ["mono-mcs", "mono-runtime"]
CONVERSATION_S = 900  # three turns on a busy 2-core machine, with room to spare
RESTART_GAP_S = 1.5


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory) -> Path:
    require_tool("mcs", MONO_PACKAGES)
    require_tool("mono", MONO_PACKAGES)
    exe = tmp_path_factory.mktemp("unity-core") / "CoreHarness.exe"
    sources = sorted(CORE.glob("*.cs")) + sorted(HARNESS.glob("*.cs"))
    command = ["mcs", "-warn:4", "-warnaserror+", f"-out:{exe}", "-r:System.Core.dll"]
    done = subprocess.run(
        [*command, *map(str, sources)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, f"mcs failed:\n{done.stdout}\n{done.stderr}"
    return exe


def test_core_has_no_engine_reference() -> None:
    for source in CORE.glob("*.cs"):
        text = source.read_text()
        assert not re.search(r"\busing\s+Unity", text), f"{source.name} uses a Unity namespace"


def test_every_package_asset_has_a_meta_file() -> None:
    """Unity ignores files without a .meta in a package installed from git."""
    assets = [UNITY / "package.json", UNITY / "README.md", *(UNITY / "Runtime").rglob("*")]
    missing = [
        str(p.relative_to(UNITY))
        for p in assets
        if p.suffix != ".meta" and not p.with_name(p.name + ".meta").exists()
    ]
    assert missing == [], "open the package in Unity to create their .meta files"


def test_the_sample_scene_points_at_the_package_scripts() -> None:
    """The hand-written scene finds its scripts by the GUIDs in their .meta files."""
    guids = {
        _guid(meta): meta.name
        for meta in [*(UNITY / "Runtime").rglob("*.cs.meta"), *SAMPLE.glob("*.cs.meta")]
    }
    scene = (SAMPLE / "BasicConversation.unity").read_text()
    used = re.findall(r"m_Script: \{fileID: 11500000, guid: ([0-9a-f]{32}), type: 3\}", scene)
    scripts = sorted(guids[g] for g in used)
    assert scripts == ["NpcCharacter.cs.meta", "NpcConversationPanel.cs.meta"]
    assert [p.name for p in SAMPLE.iterdir() if not p.name.endswith(".meta")] and all(
        p.with_name(p.name + ".meta").exists()
        for p in SAMPLE.iterdir()
        if not p.name.endswith(".meta")
    )


def _guid(meta: Path) -> str:
    found = re.search(r"guid: ([0-9a-f]{32})", meta.read_text())
    assert found, f"{meta.name} has no guid"
    return found.group(1)


def test_engine_layer_compiles_against_unity_standins(tmp_path: Path) -> None:
    """Type-checks Runtime/Unity and the sample against our reading of Unity's API."""
    require_tool("mcs", MONO_PACKAGES)
    sources = [
        str(source)
        for folder in (CORE, ENGINE_LAYER, SAMPLE, STANDINS)
        for source in sorted(folder.glob("*.cs"))
    ]
    out = f"-out:{tmp_path / 'unity.dll'}"
    done = subprocess.run(
        ["mcs", "-warn:4", "-warnaserror+", "-target:library", out, "-r:System.Core.dll", *sources],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, f"mcs failed:\n{done.stdout}\n{done.stderr}"


def test_core_offline_checks(harness: Path) -> None:
    done = subprocess.run(
        ["mono", str(harness), "checks"], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout.splitlines()[-1]) == {"step": "checks_passed"}


def test_core_converses_and_survives_a_server_restart(
    harness: Path, live_server: LiveServer
) -> None:
    steps = run_live_harness(harness, live_server)

    turn = steps["turn"]
    assert turn["audio_chunks"] >= 1 and turn["audio_ms"] > 300
    assert turn["sample_rate"] == 48000, "the server resamples to the rate the client asked for"
    assert turn["visemes"] > 0 and turn["viseme_blocks"] > 0, "visemes follow the playback"
    assert "fetch" in turn["actions"], turn

    result = steps["action_result"]
    assert result == {
        "step": "action_result",
        "sent": True,
        "sent_twice": False,
        "unknown_sent": False,
    }

    lost = steps["disconnected"]
    assert lost["had_session"] is True and lost["will_reconnect"] is True
    reconnected = steps["reconnected"]
    assert reconnected["new_session"] is True
    assert reconnected["failed_attempts"], "the server was down for a while: attempts must fail"
    assert all("cannot connect" in why for why in reconnected["failed_attempts"])
    after = steps["turn_after_restart"]
    assert after["audio_chunks"] >= 1 and after["visemes"] > 0 and after["reply"].strip()
    assert steps["errors"]["errors"] == []


def test_core_waits_for_the_game_after_an_idle_close(harness: Path, runtime: Runtime) -> None:
    """After idle_timeout the client must not reconnect on a timer (every 5 minutes, forever)."""
    server = LiveServer(runtime, idle_timeout_s=1.5)
    server.start()
    try:
        done = subprocess.run(
            ["mono", str(harness), "idle", server.ws_url],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    finally:
        server.close()
    steps = {json.loads(line)["step"]: json.loads(line) for line in done.stdout.splitlines()}
    assert done.returncode == 0, done.stdout + done.stderr
    assert steps["dormant"]["dormant"] is True and steps["dormant"]["will_reconnect"] is False
    assert "idle_timeout" in steps["dormant"]["reason"]
    assert steps["quiet"]["events"] == [], "it reconnected by itself"
    woke = steps["woke"]
    assert woke["sent_at_once"] is False, "the line waits for the new session"
    assert woke["turn_text"] == "hello again" and woke["source"] == "text"


def run_live_harness(harness: Path, live_server: LiveServer) -> dict[str, Any]:
    """Run the live scenario, restarting the server when it asks; its reports by step."""
    proc = subprocess.Popen(
        ["mono", str(harness), "live", live_server.ws_url],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: queue.Queue[str | None] = queue.Queue()
    threading.Thread(target=_pump, args=(proc.stdout, lines), daemon=True).start()
    steps: dict[str, Any] = {}
    deadline = time.monotonic() + CONVERSATION_S
    try:
        while "done" not in steps and "failed" not in steps:
            line = lines.get(timeout=max(1.0, deadline - time.monotonic()))
            if line is None:
                break
            report = json.loads(line)
            steps[report["step"]] = report
            if report["step"] == "restart_now":
                live_server.stop()
                time.sleep(RESTART_GAP_S)  # the client's first attempts find no server
                live_server.start()
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    stderr = proc.stderr.read() if proc.stderr else ""
    assert "failed" not in steps, f"{steps['failed']}\nstderr: {stderr}"
    assert proc.returncode == 0, f"harness exited with {proc.returncode}: {steps}\n{stderr}"
    return steps


def _pump(stream: Any, lines: queue.Queue[str | None]) -> None:
    for line in stream:
        if line.strip():
            lines.put(line)
    lines.put(None)
