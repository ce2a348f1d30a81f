"""Listening in the live path, over a real websocket with the real models: a player who
pauses at a comma is heard and answered once, and the character's own words are heard."""

from __future__ import annotations

import asyncio

import numpy as np

from npc.audio import float32_to_pcm16
from npc.client import NpcClient, Speech
from npc.config import Settings
from npc.protocol import messages as m
from npc.runtime import Runtime
from tests.voice.conftest import synthesize

SR = 16_000


def spoken(settings: Settings, text: str) -> bytes:
    """``text`` in the bundled piper voice without sampling noise (the same audio every
    run), as 16 kHz PCM16."""
    return float32_to_pcm16(synthesize(settings, [text])[0])


def with_pause(pcm: bytes, pause_s: float) -> bytes:
    """``pcm`` (16 kHz PCM16) with its longest quiet stretch inside the speech (piper's comma
    pause) set to ``pause_s``."""
    audio = np.frombuffer(pcm, np.int16).astype(np.float32) / 32768
    frames = audio[: audio.size // 160 * 160].reshape(-1, 160)
    loud = np.flatnonzero(np.sqrt((frames**2).mean(axis=1)) > 0.003)
    i = int(np.argmax(np.diff(loud)))
    start, end = (loud[i] + 1) * 160, loud[i + 1] * 160
    assert (end - start) / SR > 0.1, "no pause found in the line"
    gap = np.zeros(int(pause_s * SR), np.int16).tobytes()
    return pcm[: start * 2] + gap + pcm[end * 2 :]


async def answered(c: NpcClient, pcm: bytes) -> list[object]:
    """Stream ``pcm`` in real time while reading, until a turn ends not interrupted."""
    sending = asyncio.create_task(c.stream_audio(pcm, SR))
    msgs: list[object] = []
    async with asyncio.timeout(300):
        async for msg in c.messages():
            msgs.append(msg)
            if isinstance(msg, m.TurnEnd) and not msg.interrupted:
                break
    await sending
    return msgs


def finals(msgs: list[object]) -> list[m.Transcript]:
    return [x for x in msgs if isinstance(x, m.Transcript) and x.final]


def plain_whisper(runtime: Runtime, pcm: bytes) -> str:
    audio = np.frombuffer(pcm, np.int16).astype(np.float32) / 32768
    return runtime.asr.transcribe(audio, language="en").text.lower()


async def test_a_comma_pause_is_one_turn_answered_once(url: str, settings: Settings) -> None:
    line = spoken(settings, "Grab me a bowl of ramen, please.")
    pcm = with_pause(line, 0.3) + bytes(2 * SR * 2)
    start = m.Start(character="jin", player_id="comma-pause")
    async with NpcClient.connect(url, start) as c:
        msgs = await answered(c, pcm)
    end = msgs[-1]
    assert isinstance(end, m.TurnEnd)
    turn = end.turn_id
    # The answered turn's final transcript carries both parts, once.
    [heard] = [t.text.lower() for t in finals(msgs) if t.turn_id == turn]
    assert heard.count("ramen") == 1 and heard.count("please") == 1, heard
    # A turn before it (the part before the comma) ended unheard: no audio, no action.
    replying = (Speech, m.ReplyTextMsg, m.EmotionMsg, m.ActionMsg)
    assert {x.turn_id for x in msgs if isinstance(x, replying)} == {turn}
    earlier = [x for x in msgs if isinstance(x, m.TurnEnd) and x.turn_id != turn]
    assert all(x.interrupted for x in earlier)
    assert all(x.spoken_text == "" for x in msgs if isinstance(x, m.Interrupted))
    actions = [(a.name, a.args) for a in msgs if isinstance(a, m.ActionMsg)]
    assert actions == [("fetch", {"item": "ramen bowl"})]


async def test_the_menu_is_heard_where_plain_whisper_mishears_it(
    url: str, runtime: Runtime, settings: Settings
) -> None:
    line = spoken(settings, "One shoyu ramen and a green tea.")
    assert "shoyu" not in plain_whisper(runtime, line), "plain Whisper hears it: pick a harder word"
    async with NpcClient.connect(url, m.Start(character="jin", player_id="menu")) as c:
        msgs = await answered(c, line + bytes(SR * 2))
    assert "shoyu" in finals(msgs)[-1].text.lower()


async def test_a_scene_update_adds_its_words(
    url: str, runtime: Runtime, settings: Settings
) -> None:
    line = spoken(settings, "Could you pass me the takoyaki?")
    assert "takoyaki" not in plain_whisper(runtime, line), "plain Whisper hears it"
    jin = runtime.character("jin").sheet.scene
    async with NpcClient.connect(url, m.Start(character="jin", player_id="scene")) as c:
        await c.stream_audio(bytes(SR), SR)  # the player's microphone is on: listening began
        await c.send(m.SceneUpdate(objects=[*jin.objects, "takoyaki"]))
        msgs = await answered(c, line + bytes(SR * 2))
    assert "takoyaki" in finals(msgs)[-1].text.lower()
