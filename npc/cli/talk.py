"""``npc talk``: play the game's side of one turn and print the event stream with timings."""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
import wave
from collections.abc import AsyncIterator
from pathlib import Path

import numpy as np
import typer
from rich.markup import escape

from npc.cli.app import app, console, errors
from npc.client import NpcClient, Speech
from npc.config import load_settings
from npc.protocol import messages as m


@app.command()
def talk(
    character: str = typer.Argument(..., help="Character id, e.g. jin."),
    text: str = typer.Option(None, "--text", help="Type this line."),
    wav: Path = typer.Option(None, "--wav", help="Speak this audio file (streamed live)."),  # noqa: B008
    url: str = typer.Option(
        None,
        help="A running server, e.g. ws://127.0.0.1:8765 (default: start one in this process).",
    ),
    out: Path = typer.Option(None, help="Write the reply's speech to this WAV file."),  # noqa: B008
    fast: bool = typer.Option(False, help="Send audio as fast as possible, not in real time."),
) -> None:
    """Say one line to a character (typed or spoken) and print what comes back."""
    if (text is None) == (wav is None):
        raise typer.BadParameter("give exactly one of --text or --wav")
    asyncio.run(_talk(character, text, wav, url, out, not fast))


async def _talk(
    character: str,
    text: str | None,
    wav: Path | None,
    url: str | None,
    out: Path | None,
    realtime: bool,
) -> None:
    async with _server(url) as address:
        start = m.Start(character=character, player_id="cli")
        client: NpcClient | None = None
        try:
            async with NpcClient.connect(address, start) as client:
                speech = await _one_turn(client, text, wav, realtime)
        except OSError as e:
            if client is not None:
                raise
            # A traceback for "nothing listens there" told a user nothing.
            why = os.strerror(e.errno) if e.errno else str(e)
            errors.print(
                f"no npc server at {escape(address)} ({escape(why)}): start one with "
                "`./npcw serve`, or leave out --url to start one in this process"
            )
            raise typer.Exit(1) from None
    if out is not None and speech:
        write_wav(out, b"".join(s.pcm for s in speech), speech[0].header.sample_rate)
        console.print(f"wrote {out}")


async def _one_turn(
    client: NpcClient, text: str | None, wav: Path | None, realtime: bool
) -> list[Speech]:
    console.print(
        f"[dim]session {client.ready.session_id} with {client.ready.character.name}[/dim]"
    )
    t0 = time.perf_counter()
    if text is not None:
        await client.say(text)
    else:
        assert wav is not None
        pcm, rate = read_audio(wav)
        silence = bytes(int(rate * 1.0) * 2)  # let the end of turn be heard
        await client.stream_audio(pcm + silence, rate, realtime=realtime)
        console.print(f"[dim]{_ms(t0)} sent {len(pcm) / 2 / rate:.1f} s of audio[/dim]")
    speech = await _print_turn(client, t0)
    await client.end()
    return speech


async def _print_turn(client: NpcClient, t0: float) -> list[Speech]:
    speech: list[Speech] = []
    async for msg in client.turn(stop=(m.TurnEnd,)):
        when = f"[dim]{_ms(t0)}[/dim]"
        if isinstance(msg, Speech):
            speech.append(msg)
            vis = " ".join(v.viseme for v in (msg.header.visemes or [])[:12])
            console.print(
                f"{when} audio #{msg.header.index} {msg.header.duration_ms:.0f} ms "
                f"{msg.header.text!r} visemes: {vis} ..."
            )
        elif isinstance(msg, m.ReplyTextMsg):
            continue
        elif isinstance(msg, m.TurnEnd):
            timings = ", ".join(f"{k} {v:.0f}" for k, v in msg.timings.items())
            console.print(f"{when} turn_end (ms: {timings})")
        else:
            console.print(
                f"{when} {msg.type}: "
                + msg.model_dump_json(exclude={"type", "turn_id"}, exclude_none=True)
            )
    return speech


def _ms(t0: float) -> str:
    return f"{(time.perf_counter() - t0) * 1000:7.0f} ms"


@contextlib.asynccontextmanager
async def _server(url: str | None) -> AsyncIterator[str]:
    if url is not None:
        yield url
        return
    from npc.runtime import Runtime
    from server.app import NpcServer

    settings = load_settings()
    settings = settings.model_copy(
        update={"server": settings.server.model_copy(update={"host": "127.0.0.1", "port": 0})}
    )
    runtime = Runtime(settings)
    console.print("[dim]loading models...[/dim]")
    await asyncio.to_thread(runtime.warm)
    ws = await NpcServer(runtime).start()
    port = next(iter(ws.sockets)).getsockname()[1]
    try:
        yield f"ws://127.0.0.1:{port}"
    finally:
        ws.close()
        await ws.wait_closed()


def read_audio(path: Path) -> tuple[bytes, int]:
    """Mono PCM16 and its rate from a WAV file (other formats through faster-whisper's decoder)."""
    if path.suffix.lower() == ".wav":
        with wave.open(str(path), "rb") as w:
            if w.getsampwidth() == 2:
                data = np.frombuffer(w.readframes(w.getnframes()), np.int16)
                if w.getnchannels() > 1:
                    data = data.reshape(-1, w.getnchannels()).mean(axis=1).astype(np.int16)
                return data.tobytes(), w.getframerate()
    from faster_whisper import decode_audio

    audio = decode_audio(str(path), sampling_rate=16000)
    return (np.clip(audio, -1, 1) * 32767).astype(np.int16).tobytes(), 16000


def write_wav(path: Path, pcm: bytes, sample_rate: int) -> None:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(sample_rate)
        w.writeframes(pcm)
