"""End to end over a real websocket with the real models."""

from __future__ import annotations

import asyncio
import json
import urllib.request

import pytest
from websockets.asyncio.client import connect

from npc.client import NpcClient, Speech
from npc.config import ServerSettings
from npc.errors import ConfigError
from npc.protocol import messages as m
from npc.runtime import Runtime
from server.app import NpcServer
from tests.conftest import jin_audio


async def collect(client: NpcClient) -> list[object]:
    return [msg async for msg in client.turn(timeout=300)]


def of(kind: type, msgs: list[object]) -> list:  # type: ignore[type-arg]
    return [x for x in msgs if isinstance(x, kind)]


def check_speech(speech: list[Speech]) -> None:
    assert speech, "no audio"
    for s in speech:
        h = s.header
        assert len(s.pcm) == h.bytes and h.bytes > 0
        assert h.duration_ms == pytest.approx(len(s.pcm) / 2 / h.sample_rate * 1000, abs=0.01)
        assert h.visemes and h.visemes[0].start_ms == 0
        end = h.visemes[-1].start_ms + h.visemes[-1].duration_ms
        assert end == pytest.approx(h.duration_ms, abs=0.05)


async def test_typed_turn_gets_speech_visemes_emotion_and_a_fetch(url: str) -> None:
    async with NpcClient.connect(url, m.Start(character="jin")) as c:
        assert c.ready.character.name == "Jin"
        await c.say("grab me a bowl of ramen")
        msgs = await collect(c)
    check_speech(of(Speech, msgs))
    assert of(m.ReplyTextMsg, msgs)
    [emotion] = of(m.EmotionMsg, msgs)
    assert emotion.emotion in ("neutral", "happy", "sad", "angry", "surprised", "afraid")
    actions = of(m.ActionMsg, msgs)
    assert [(a.name, a.args) for a in actions] == [("fetch", {"item": "ramen bowl"})]
    end = msgs[-1]
    assert isinstance(end, m.TurnEnd) and not end.interrupted
    assert {"first_token", "first_audio"} <= set(end.timings)
    assert all(getattr(x, "turn_id", 1) == 1 for x in msgs)


async def test_spoken_turn(url: str, runtime: Runtime) -> None:
    pcm = jin_audio(runtime, "Grab me a bowl of ramen.") + bytes(16000 * 2)
    # A player of its own: with the typed test's same order in the default player's memory,
    # the reply did not fetch again (issue 18, noted).
    async with NpcClient.connect(url, m.Start(character="jin", player_id="spoken-turn")) as c:
        await c.stream_audio(pcm, 16000)
        msgs = await collect(c)
    assert of(m.SpeechStartedMsg, msgs)
    final = [t for t in of(m.Transcript, msgs) if t.final]
    assert final and "ramen" in final[0].text.lower()
    check_speech(of(Speech, msgs))
    assert ("fetch", {"item": "ramen bowl"}) in [(a.name, a.args) for a in of(m.ActionMsg, msgs)]
    timings = msgs[-1].timings  # type: ignore[attr-defined]
    assert {"end_of_speech", "transcript", "voice_to_voice"} <= set(timings)


async def test_base64_audio_out_and_per_frame_visemes(url: str) -> None:
    start = m.Start(
        character="jin", outputs=m.Outputs(audio_format="base64", viseme_fps=30, sample_rate=16000)
    )
    async with NpcClient.connect(url, start) as c:
        await c.say("Say hello.")
        msgs = await collect(c)
    speech = of(Speech, msgs)
    check_speech(speech)
    h = speech[0].header
    assert h.sample_rate == 16000 and h.data is not None
    assert h.frames and all(sum(f.values()) == pytest.approx(1, abs=0.01) for f in h.frames)


async def test_interrupt_stops_the_reply_and_keeps_what_was_said(
    url: str, runtime: Runtime
) -> None:
    start = m.Start(character="nova", player_id="interrupt-test")
    async with NpcClient.connect(url, start) as c:
        await c.say("Explain in detail how GPUs, VRAM and tensor cores work.")
        async for msg in c.messages():
            if isinstance(msg, m.ReplyTextMsg):  # generation is under way: stop it
                await c.interrupt(played_ms=0)
                break
        rest = await collect(c)
        interrupted = of(m.Interrupted, rest)
        assert interrupted and interrupted[0].turn_id == 1
        after = rest[rest.index(interrupted[0]) :]
        assert not of(Speech, after)  # nothing more of that turn is spoken
        end = rest[-1]
        assert isinstance(end, m.TurnEnd) and end.interrupted
        # Memory keeps only what was heard.
        memory = runtime.knowledge.memory("nova", "interrupt-test")
        assert memory.recent_turns(1)[0].reply_text == interrupted[0].spoken_text
        # The conversation goes on.
        await c.say("Thanks.")
        assert isinstance((await collect(c))[-1], m.TurnEnd)


async def expect_error(ws: object, frame: str | bytes, code: str, text: str = "") -> None:
    await ws.send(frame)  # type: ignore[attr-defined]
    while True:
        msg = json.loads(await asyncio.wait_for(ws.recv(), 60))  # type: ignore[attr-defined]
        if msg["type"] == "error":
            assert msg["code"] == code, msg
            assert text in msg["message"]
            assert msg["fatal"] is False
            return


async def test_bad_input_gets_errors_and_the_session_goes_on(url: str) -> None:
    async with connect(url) as ws:
        await expect_error(ws, b"\x00\x01", "bad_message", "the first message must be `start`")
        await expect_error(
            ws,
            '{"type": "start", "character": "nobody"}',
            "bad_message",
            "unknown character 'nobody'; available: ",
        )
        await ws.send(m.Start(character="jin").model_dump_json())
        assert json.loads(await ws.recv())["type"] == "ready"
        await expect_error(ws, "{not json", "bad_message", "malformed JSON")
        await expect_error(ws, '{"type": "dance"}', "bad_message", "unknown message type 'dance'")
        await expect_error(ws, '{"type": "text"}', "bad_message", "text: Field required")
        await expect_error(ws, b"\x00\x01\x02", "bad_message", "not whole PCM16 samples")
        await expect_error(ws, b"\x00" * (2 << 20), "bad_message", "over the limit")
        await expect_error(
            ws,
            '{"type": "action_result", "action_id": "a9.9", "ok": true}',
            "invalid_action",
            "no action with id 'a9.9'",
        )
        await expect_error(ws, '{"type": "audio", "data": "***"}', "bad_message", "base64")
        await expect_error(
            ws, '{"type": "start", "character": "jin"}', "bad_message", "already started"
        )
        await ws.send('{"type": "scene", "objects": ["axe", "ramen bowl"]}')
        await ws.send('{"type": "text", "text": "grab me the axe"}')
        kinds = []
        while "turn_end" not in kinds:
            raw = await asyncio.wait_for(ws.recv(), 300)
            if isinstance(raw, str):
                msg = json.loads(raw)
                kinds.append(msg["type"])
                if msg["type"] == "action":
                    assert msg["args"].get("item") in (None, "axe", "ramen bowl")


async def test_flood_is_rate_limited_not_fatal(url: str) -> None:
    async with NpcClient.connect(url, m.Start(character="jin")) as c:
        # Every message counts when it arrives; those over the rate, or beyond what may wait
        # for the session, are dropped with an error that says how many (at most one such
        # error a second per reason); the rest are answered one by one.
        for _ in range(1500):
            await c.ws.send('{"type": "nonsense"}')
        answered = dropped = 0
        while True:
            try:
                msg = await asyncio.wait_for(c.receive(), 5)
            except TimeoutError:
                break
            if isinstance(msg, m.Error):
                assert not msg.fatal
                if "dropped" in msg.message:
                    count = msg.message.rsplit("; ", 1)[1].split()[0]
                    dropped += 1 if count == "a" else int(count)
                else:
                    assert "nonsense" in msg.message, msg.message
                    answered += 1
        assert dropped > 0 and answered >= 64 and answered + dropped <= 1500
        await c.ws.send('{"type": "event", "text": "it rains"}')


async def test_client_vanishing_mid_turn_leaves_the_server_healthy(
    url: str, server: NpcServer
) -> None:
    ws = await connect(url)
    await ws.send(m.Start(character="jin").model_dump_json())
    await ws.recv()
    await ws.send('{"type": "text", "text": "tell me about your broth"}')
    await asyncio.sleep(0.5)
    ws.transport.abort()  # no close handshake
    for _ in range(100):
        if not server.sessions:
            break
        await asyncio.sleep(0.1)
    assert not server.sessions
    async with NpcClient.connect(url, m.Start(character="jin")) as c:
        await c.say("hello")
        assert isinstance((await collect(c))[-1], m.TurnEnd)


def http_get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


async def test_health_and_metrics(server: NpcServer) -> None:
    base = f"http://127.0.0.1:{server.port}"  # type: ignore[attr-defined]
    status, body = await asyncio.to_thread(http_get, base + "/health")
    assert status == 200 and json.loads(body)["status"] == "ok"
    status, body = await asyncio.to_thread(http_get, base + "/metrics")
    assert status == 200 and b"npc_sessions" in body and b"npc_turns_total" in body
    status, _ = await asyncio.to_thread(http_get, base + "/no/such/file")
    assert status == 404


def test_public_bind_needs_a_token(runtime: Runtime) -> None:
    with pytest.raises(ConfigError, match="needs a token"):
        NpcServer(runtime, ServerSettings(host="0.0.0.0"))
    NpcServer(runtime, ServerSettings(host="0.0.0.0", token="s3cret"))


async def test_token_is_checked(runtime: Runtime) -> None:
    srv = NpcServer(runtime, ServerSettings(port=0, token="s3cret"))
    ws = await srv.start()
    port = next(iter(ws.sockets)).getsockname()[1]
    try:
        with pytest.raises(Exception, match="401"):
            await connect(f"ws://127.0.0.1:{port}")
        async with connect(f"ws://127.0.0.1:{port}/?token=s3cret") as ok:
            await ok.send(m.Start(character="jin").model_dump_json())
            assert json.loads(await ok.recv())["type"] == "ready"
        c = await NpcClient.connect(
            f"ws://127.0.0.1:{port}", m.Start(character="jin"), token="s3cret"
        )
        await c.close()
    finally:
        ws.close()
        await ws.wait_closed()


async def test_memory_survives_a_new_session(url: str, runtime: Runtime) -> None:
    start = m.Start(character="jin", player_id="kai-memory-test")
    async with NpcClient.connect(url, start) as c:
        await c.say("My name is Kai and I'm from the docks.")
        await collect(c)
        await c.send(m.GameEvent(text="the player looted the storage room"))
    memory = runtime.knowledge.memory("jin", "kai-memory-test")
    for _ in range(50):  # the event is saved as the server reads it
        if any("looted" in f.text for f in memory.facts()):
            break
        await asyncio.sleep(0.1)
    facts = " ".join(f.text for f in memory.facts())
    assert "Kai" in facts and "looted" in facts
    assert memory.recent_turns(1)[0].user_text.startswith("My name is Kai")
    # A new connection (as after a restart) starts from what was remembered.
    async with NpcClient.connect(url, start) as c:
        await c.say("Do you remember me?")
        await collect(c)
    assert len(memory.recent_turns(5)) == 2


async def test_starts_that_arrive_together_are_admitted_up_to_the_capacity(
    runtime: Runtime,
) -> None:
    """Each start holds its place while its session opens: six starts at once on a server
    of capacity 2 once opened six sessions (each found room before any was added)."""
    srv = NpcServer(runtime, runtime.settings.server.model_copy(update={"port": 0, "capacity": 2}))
    ws_server = await srv.start()
    port = next(iter(ws_server.sockets)).getsockname()[1]

    async def start(i: int) -> str:
        async with connect(f"ws://127.0.0.1:{port}") as ws:
            await ws.send(json.dumps({"type": "start", "character": "jin", "player_id": f"p{i}"}))
            first = json.loads(await asyncio.wait_for(ws.recv(), 120))
            if first["type"] == "ready":
                await asyncio.sleep(3.0)  # hold the place while the others try
            return str(first.get("code") or first["type"])

    try:
        got = await asyncio.gather(*(start(i) for i in range(6)))
    finally:  # not srv.stop(): it closes the runtime, and this one is the test session's
        ws_server.close()
        await ws_server.wait_closed()
    assert sorted(got) == ["ready", "ready"] + ["server_busy"] * 4
