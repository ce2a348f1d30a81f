"""The browser playground (server/static/), end to end in real headless Chromium.

Chromium is Debian's (/usr/bin/chromium, installed with apt when missing), driven by
playwright's Python API; the page talks to a live server with the real models. The page
exposes counters on ``window.npcStats``; the tests read them and the DOM.
"""

from __future__ import annotations

import gc
import time
import wave
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from npc.assets import resolve
from npc.character.loader import load_characters
from npc.config import Settings
from tests.clients.support import LiveServer, require_python_module, require_tool

pytestmark = pytest.mark.slow

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
]
READY_S = 90
TURN_S = 240  # a whole reply on a busy 2-core machine; usually much less
SPOKEN_LINE = "What kind of ramen do you have today?"
# Long enough to stop the microphone in the middle of it.
LONG_LINE = (
    "I have been walking all day through the rain in the lower city, and before I sit down "
    "I would like to hear about every kind of noodle soup you make here."
)
CHARACTERS = Path(__file__).resolve().parents[2] / "characters"


@pytest.fixture(scope="module")
def playwright() -> Iterator[Any]:
    require_tool(CHROMIUM, ["chromium"])
    sync_api = require_python_module("playwright.sync_api", "pip install playwright")
    with sync_api.sync_playwright() as p:
        yield p
    gc.collect()  # see tests/clients/conftest.py


class Page:
    """A playground tab with the page's errors collected, and the helpers the tests share."""

    def __init__(self, playwright: Any, server: LiveServer, extra_args: list[str]) -> None:
        self.browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS + extra_args
        )
        self.page = self.browser.new_page()
        self.page_errors: list[str] = []
        self.page.on("pageerror", lambda exc: self.page_errors.append(str(exc)))
        self.page.goto(server.http_url)

    def stats(self, expression: str) -> Any:
        return self.page.evaluate(f"window.npcStats.{expression}")

    def wait(self, condition: str, timeout_s: float) -> None:
        """Wait until a JS condition over ``s`` (window.npcStats) holds; on a timeout, say
        what the page had counted by then (the flaky waits below need it to be diagnosed)."""
        from playwright.sync_api import TimeoutError as PageTimeout

        try:
            self.page.wait_for_function(
                f"(() => {{ const s = window.npcStats; return {condition}; }})()",
                timeout=timeout_s * 1000,
                polling=50,
            )
        except PageTimeout:
            seen = self.page.evaluate("JSON.stringify(window.npcStats)")
            log = self.page.inner_text("#log")[-600:]
            raise AssertionError(
                f"{condition} not true after {timeout_s:g} s; stats {seen}; log ...{log}"
            ) from None

    def connect(self, character: str = "jin") -> None:
        self.page.fill("#character", character)
        self.page.click("#connect")
        self.wait("s.state === 'ready'", READY_S)

    def say(self, text: str) -> None:
        self.page.fill("#text", text)
        self.page.press("#text", "Enter")

    def close(self) -> None:
        self.browser.close()


@pytest.fixture
def tab(playwright: Any, live_server: LiveServer) -> Iterator[Page]:
    page = Page(playwright, live_server, [])
    try:
        yield page
        assert page.page_errors == [], "uncaught errors in the page"
    finally:
        page.close()


def test_typed_turn_is_spoken_with_moving_mouth_and_an_action(tab: Page) -> None:
    tab.connect()
    tab.say("grab me a bowl of ramen")

    tab.wait("s.playing", TURN_S)
    shapes, visemes = set(), set()
    deadline = time.monotonic() + 1.5
    while time.monotonic() < deadline and tab.stats("playing"):
        shapes.add(tab.page.get_attribute("#mouth", "d"))
        visemes.add(tab.page.get_attribute("#mouth", "data-viseme"))
        time.sleep(0.04)
    assert len(shapes) >= 3, f"the mouth barely moved while audio played: {shapes}"
    assert len(visemes - {"sil"}) >= 2, f"visemes shown: {visemes}"

    tab.wait("s.turnEnds >= 1 && !s.playing", TURN_S)
    assert tab.stats("chunksPlayed") == tab.stats("chunksScheduled") >= 1
    assert tab.stats("audioMsPlayed") > 500
    assert tab.stats("visemeChanges") >= 2

    fetch = [a for a in tab.stats("actions") if a["name"] == "fetch"]
    assert fetch, f"no fetch action: {tab.stats('actions')}"
    item = tab.page.locator(f'#actions li[data-action-id="{fetch[0]["action_id"]}"]')
    assert "fetch" in item.inner_text()
    item.locator(".action-ok").click()
    assert "done" in (item.get_attribute("class") or "")
    assert tab.stats("actionResultsSent") == 1

    timings = tab.page.inner_text("#timings")
    assert "first_audio" in timings and "reply_done" in timings
    assert tab.page.inner_text("#errors").strip() == "none"
    assert tab.stats("replyText").strip()

    # Who said what: the typed line is the player's turn 1 (turn_started), the reply Jin's.
    you = tab.page.locator("#log li.player").first
    assert you.locator(".speaker").inner_text() == "You"
    assert you.get_attribute("data-turn-id") == "1"
    jin = tab.page.locator('#log li.character[data-turn-id="1"]')
    assert jin.locator(".speaker").inner_text() == "Jin"
    assert jin.locator(".words").inner_text().strip() == tab.stats("replyText").strip()
    emotion = tab.stats("lastEmotion")
    assert emotion and tab.page.inner_text("#emotion").startswith(emotion["name"])


def test_the_face_has_an_expression_for_every_emotion_of_every_character(tab: Page) -> None:
    emotions = sorted(
        {e for c in load_characters(CHARACTERS).values() for e in c.sheet.emotions.allowed}
    )
    missing = tab.page.evaluate(
        """async (names) => {
            const face = await import('/js/face.js');
            return names.filter((n) => face.expressionFor(n) === null);
        }""",
        emotions,
    )
    assert missing == [], f"emotions the face would show as neutral: {missing}"


def test_a_turn_typed_after_reconnecting_gets_lines_of_its_own(tab: Page) -> None:
    """Turn ids restart at 1 in a new session; the old session's lines must stay as they were."""
    tab.connect()
    tab.say("Do you have green tea?")
    tab.wait("s.turnEnds >= 1", TURN_S)
    first = tab.page.locator('#log li.character[data-turn-id="1"]')
    first_reply = first.inner_text()

    tab.page.click("#disconnect")
    tab.connect()
    tab.say("What is the soup of the day?")
    tab.wait("s.turnEnds >= 2", TURN_S)

    replies = tab.page.locator("#log li.character")
    assert replies.count() == 2, replies.all_inner_texts()
    assert replies.nth(0).inner_text() == first_reply, "the old session's reply was appended to"
    assert replies.nth(1).get_attribute("data-turn-id") == "1"
    players = tab.page.locator("#log li.player .words").all_inner_texts()
    assert [p.strip() for p in players] == [
        "Do you have green tea?",
        "What is the soup of the day?",
    ]


@pytest.mark.xfail(
    reason=(
        "flaky (CI 2026-12-01): passed in one full run, timed out once in the next waiting "
        "60 s for playback to start; not yet diagnosed"
    ),
    strict=False,
)
def test_interrupt_stops_playback_at_once(tab: Page) -> None:
    tab.connect()
    tab.say("Tell me the long story of how you opened this ramen shop, from the beginning.")
    tab.wait("s.playing", TURN_S)
    ended_before = tab.stats("turnEnds")
    played_before = tab.stats("chunksPlayed")

    tab.page.click("#interrupt")
    assert tab.stats("playing") is False
    assert tab.stats("interruptsSent") == 1
    assert tab.stats("lastInterruptPlayedMs") >= 0

    if ended_before == 0:  # the reply was still being generated: the server confirms the stop
        tab.wait("s.interruptedTurns >= 1 && s.lastTimings && s.lastTimings.interrupted", 60)
    time.sleep(1.0)
    assert tab.stats("playing") is False
    assert tab.stats("chunksPlayed") == played_before, "audio went on playing after Interrupt"


def test_errors_and_a_lost_connection_are_shown_and_survived(
    tab: Page, live_server: LiveServer
) -> None:
    tab.page.fill("#character", "nobody")
    tab.page.click("#connect")
    tab.wait("s.state === 'refused'", READY_S)
    assert "unknown character 'nobody'" in tab.page.inner_text("#status")
    assert "unknown character 'nobody'" in tab.page.inner_text("#errors")

    tab.connect("jin")
    first_session = tab.stats("sessionId")
    tab.page.fill("#scene-objects", "a" * 100)
    tab.page.click("#send-scene")
    tab.wait("s.errors.length >= 2", 30)
    assert "at most 80 characters" in tab.page.inner_text("#errors")
    assert tab.stats("state") == "ready", "a non-fatal error must not end the session"
    assert tab.stats("scenesRefused") == 1
    scene_lines = tab.page.locator("#log li.system").all_inner_texts()
    assert any("scene refused" in line for line in scene_lines), scene_lines
    assert not any("scene sent" in line or "updated" in line for line in scene_lines), scene_lines
    tab.page.fill("#scene-objects", "teapot, ladle")
    tab.page.click("#send-scene")
    time.sleep(1.0)  # a refusal would be back within milliseconds
    assert tab.stats("scenesRefused") == 1 and tab.stats("scenesSent") == 2
    assert "scene sent" in tab.page.locator("#log li.system").last.inner_text()
    tab.page.fill("#scene-objects", "")  # each new session starts with the scene fields

    live_server.stop()
    try:
        tab.wait("s.lostConnections >= 1", 30)
        status = tab.page.locator("#status")
        for _ in range(3):  # while it retries, the page keeps saying plainly what is wrong
            assert "Connection lost" in status.inner_text()
            assert "lost" in (status.get_attribute("class") or "")
            assert tab.stats("state") in ("lost", "connecting")
            time.sleep(0.7)
    finally:
        live_server.start()
    tab.wait("s.state === 'ready' && s.sessions === 2", 60)
    assert tab.stats("sessionId") != first_session
    assert "Connected to Jin" in tab.page.inner_text("#status")


@pytest.fixture(scope="module")
def speak(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A line in piper's voice as a WAV file, 16-bit mono, with silence around it."""
    from piper import PiperVoice

    voice = PiperVoice.load(resolve("tts", None, settings.cache_dir).path)
    folder = tmp_path_factory.mktemp("speech")

    def wav(line: str, name: str) -> Path:
        rate = voice.config.sample_rate
        speech = b"".join(chunk.audio_int16_bytes for chunk in voice.synthesize(line))
        path = folder / f"{name}.wav"
        with wave.open(str(path), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(rate)
            w.writeframes(bytes(rate * 2) + speech + bytes(rate * 2 * 4))
        return path

    return wav


@pytest.fixture(scope="module")
def spoken_wav(speak: Any) -> Path:
    path: Path = speak(SPOKEN_LINE, "line")
    return path


def fake_microphone(wav: Path) -> list[str]:
    return [
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={wav}%noloop",
    ]


def test_spoken_turn_from_the_fake_microphone(
    playwright: Any, live_server: LiveServer, spoken_wav: Path
) -> None:
    tab = Page(playwright, live_server, fake_microphone(spoken_wav))
    try:
        tab.connect()
        tab.page.click("#mic")
        tab.wait("s.finalTranscripts >= 1", TURN_S)
        heard = tab.stats("lastFinalTranscript").lower()
        assert "ramen" in heard or "kind" in heard, heard
        assert tab.stats("framesSent") > 50
        player_lines = tab.page.locator("#log li.player").all_inner_texts()
        assert any("today" in line.lower() or "kind" in line.lower() for line in player_lines)
        assert all(line.startswith("You") for line in player_lines), player_lines
        assert tab.page_errors == []
    finally:
        tab.close()


@pytest.mark.xfail(
    reason=(
        "flaky (CI 2026-12-01, 21:19 run): no partial transcript came in 240 s from the fake "
        "microphone (passed in the run before and twice here after); the page's stats are "
        "now printed when a wait times out"
    ),
    strict=False,
)
def test_stopping_the_microphone_mid_speech_ends_the_turn(
    playwright: Any, live_server: LiveServer, speak: Any
) -> None:
    """Without end_turn the server waits for more audio and the line never resolves."""
    tab = Page(playwright, live_server, fake_microphone(speak(LONG_LINE, "long")))
    try:
        tab.connect()
        tab.page.click("#mic")
        tab.wait("s.partialTranscripts >= 1", TURN_S)
        assert tab.stats("finalTranscripts") == 0, "the line ended before the test could stop it"
        tab.page.click("#mic")  # stop, mid-sentence
        assert tab.stats("endTurnsSent") == 1
        tab.wait("s.finalTranscripts >= 1", 60)
        line = tab.page.locator("#log li.player").last
        assert "partial" not in (line.get_attribute("class") or "")
        assert line.locator(".words").inner_text().strip() == tab.stats("lastFinalTranscript")
        assert tab.page_errors == []
    finally:
        tab.close()
