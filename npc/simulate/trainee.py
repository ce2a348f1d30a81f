"""A person in the loop, by voice or by text, through the same server path as a game.

The simulated participant is a character of an npc server started in this process (its sheet
is the participant's with the scenario and the run's variation folded in, as in a simulated
run); the person's side is a game client (``npc.client.NpcClient``) on loopback. It sends
typed lines, or audio: from a microphone (any command that writes 16 kHz mono PCM16 to its
standard output, ``arecord`` by default) or from WAV files standing in for it, one per turn.
The server's final transcript of the person's speech is their line; the character's reply
(text, emotion, actions, speech) is the other. Both sides' audio is kept for the run folder,
and the character's speech can be played (any command that reads PCM16 on its input).
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import shlex
import tempfile
import wave
from collections import deque
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from ruamel.yaml import YAML

from npc.client import NpcClient, Speech
from npc.protocol import messages as m
from npc.runtime import Runtime
from npc.simulate.conversation import cast_sheet
from npc.simulate.errors import SimulationError
from npc.simulate.guard import Said
from npc.simulate.loading import LoadedScenario
from npc.simulate.records import ActionTaken, RunPlan
from npc.simulate.sides import Line, LineSource

MIC_COMMAND = "arecord -q -t raw -f S16_LE -r 16000 -c 1"
PLAY_COMMAND = "aplay -q -t raw -f S16_LE -c 1 -r {rate}"
MIC_RATE = 16_000
CHUNK_MS = 20
TRAILING_SILENCE_S = 1.2  # after a WAV, so the server's end-of-turn detection hears the end
TURN_TIMEOUT_S = 600.0


@dataclass
class Heard:
    """What the person said in one turn, and its audio (PCM16, for the run folder)."""

    text: str
    pcm: bytes = b""
    sample_rate: int = 0


class Link:
    """The game client of a run with a person, and the server's messages to it in order.

    A message read ahead to learn which turn the character answers is put back for the
    side that reads the answer.
    """

    def __init__(self, client: NpcClient) -> None:
        self.client = client
        self._held: deque[Any] = deque()

    async def receive(self) -> Any:
        """The next message; a fatal error ends the run."""
        if self._held:
            msg = self._held.popleft()
        else:
            msg = await asyncio.wait_for(self.client.receive(), TURN_TIMEOUT_S)
        _raise_fatal(msg)
        return msg

    def put_back(self, msg: Any) -> None:
        self._held.appendleft(msg)


class TraineeInput(Protocol):
    """Where the person's turns come from; each sends itself through ``link.client``."""

    audio: bool  # whether turns are spoken (the server transcribes them)

    async def turn(self, link: Link, prompt: str) -> Heard | None:
        """Send one turn and return what the server heard; None when the person leaves."""
        ...


class TypedInput:
    """Typed lines, sent as a game sends text."""

    audio = False

    def __init__(self, lines: LineSource) -> None:
        self.lines = lines

    async def turn(self, link: Link, prompt: str) -> Heard | None:
        text = await self.lines.read_line(prompt)
        if text is None:
            return None
        await link.client.say(text)
        started = await _until(link, m.TurnStarted)
        return Heard(started.text)


class WavInput:
    """WAV files standing in for the microphone, one per turn, streamed at speaking pace;
    the person leaves after the last one."""

    audio = True

    def __init__(self, files: Sequence[Path], *, realtime: bool = True) -> None:
        self.files = list(files)
        self.realtime = realtime

    async def turn(self, link: Link, prompt: str) -> Heard | None:
        if not self.files:
            return None
        pcm, rate = read_wav(self.files.pop(0))
        silence = bytes(int(rate * TRAILING_SILENCE_S) * 2)
        sending = asyncio.create_task(
            link.client.stream_audio(pcm + silence, rate, chunk_ms=CHUNK_MS, realtime=self.realtime)
        )
        try:
            text = await answered_transcript(link)
        finally:
            await sending
        return Heard(text, pcm, rate)


class MicInput:
    """A microphone: ``command`` writes 16 kHz mono PCM16 to its standard output while the
    person speaks; the server decides when the turn ends, as it does for a game."""

    audio = True

    def __init__(self, command: str = MIC_COMMAND, show: Callable[[str], None] = print) -> None:
        self.command = command
        self.show = show

    async def turn(self, link: Link, prompt: str) -> Heard | None:
        self.show(f"{prompt} (speak now)")
        proc = await asyncio.create_subprocess_exec(
            *shlex.split(self.command), stdout=asyncio.subprocess.PIPE
        )
        assert proc.stdout is not None
        captured = bytearray()
        step = MIC_RATE * CHUNK_MS // 1000 * 2

        async def send() -> None:
            assert proc.stdout is not None
            while chunk := await proc.stdout.read(step):
                captured.extend(chunk)
                await link.client.audio(chunk)

        sending = asyncio.create_task(send())
        try:
            text = await answered_transcript(link)
        finally:
            # Half duplex: stop listening before the character speaks (no echo of its voice).
            with contextlib.suppress(ProcessLookupError):
                proc.terminate()
            await proc.wait()
            sending.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sending
        if proc.returncode not in (0, -15, 143) and not captured:
            raise SimulationError(f"the microphone command failed: {self.command!r}")
        return Heard(text, bytes(captured), MIC_RATE)


async def _until(link: Link, kind: type[Any]) -> Any:
    while True:
        msg = await link.receive()
        if isinstance(msg, kind):
            return msg


ANSWER = (m.ReplyTextMsg, m.EmotionMsg, m.ActionMsg, Speech)


async def answered_transcript(link: Link) -> str:
    """The person's spoken line: the final transcript of the turn the character answers.

    A pause mid-line can end a turn with a final transcript of its own; when the person goes
    on, the next turn's final transcript holds those words and the rest, and a reply begun
    on the first is withdrawn (``interrupted``, nothing said). Taking the first final heard
    only the first part (CI 2026-12-01). The message that shows the answer is put back for
    the answering side.
    """
    finals: dict[int, str] = {}
    withdrawn: list[str] = []
    while True:
        msg = await link.receive()
        if isinstance(msg, m.Transcript):
            if msg.final and msg.text.strip():
                finals[msg.turn_id] = msg.text.strip()
            continue
        answers = isinstance(msg, ANSWER) or (isinstance(msg, m.TurnEnd) and not msg.interrupted)
        if msg.turn_id in finals and answers:
            link.put_back(msg)
            return _joined([*withdrawn, finals[msg.turn_id]])
        if isinstance(msg, m.TurnEnd) and msg.turn_id in finals:
            withdrawn.append(finals.pop(msg.turn_id))


def _joined(parts: Sequence[str]) -> str:
    """The words of the answered turn, with those of withdrawn turns it does not repeat."""
    text = parts[-1]
    for part in reversed(parts[:-1]):
        if part.lower() not in text.lower():
            text = f"{part} {text}"
    return text


def _raise_fatal(msg: Any) -> None:
    if isinstance(msg, m.Error) and msg.fatal:
        raise SimulationError(f"the server ended the session: {msg.code}: {msg.message}")


def read_wav(path: Path) -> tuple[bytes, int]:
    """Mono PCM16 and its rate from a WAV file (other formats through faster-whisper)."""
    if path.suffix.lower() == ".wav":
        with wave.open(str(path), "rb") as w:
            if w.getsampwidth() == 2 and w.getnchannels() == 1:
                return w.readframes(w.getnframes()), w.getframerate()
    import numpy as np
    from faster_whisper import decode_audio

    audio = decode_audio(str(path), sampling_rate=MIC_RATE)
    return (np.clip(audio, -1, 1) * 32767).astype(np.int16).tobytes(), MIC_RATE


def wav_bytes(pcm: bytes, sample_rate: int) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(sample_rate)
        out.writeframes(pcm)
    return buf.getvalue()


class Player:
    """Plays the character's speech through ``command`` (PCM16 on its standard input)."""

    def __init__(self, command: str = PLAY_COMMAND) -> None:
        self.command = command

    async def play(self, pcm: bytes, sample_rate: int) -> None:
        args = shlex.split(self.command.format(rate=sample_rate))
        proc = await asyncio.create_subprocess_exec(*args, stdin=asyncio.subprocess.PIPE)
        await proc.communicate(pcm)


@dataclass
class KeptAudio:
    """Both sides' speech in a run, as files of its folder (``audio/NNN-role.wav``)."""

    files: dict[str, bytes] = field(default_factory=dict)


class TraineeSide:
    """The person, as a game client of the server."""

    def __init__(
        self, name: str, role: str, link: Link, source: TraineeInput, kept: KeptAudio
    ) -> None:
        self.name = name
        self.role = role
        self.link = link
        self.source = source
        self.kept = kept

    async def speak(
        self, turn: int, heard: str | None, script: str | None, earlier: Sequence[Said]
    ) -> Line:
        hint = f" (suggested opening: {script})" if heard is None and script else ""
        how = "speak" if self.source.audio else "type a line"
        said = await self.source.turn(self.link, f"[turn {turn}] you are {self.name}{hint}; {how}:")
        if said is None:
            return Line("", source="human", ended=True)
        if said.pcm:
            self.kept.files[f"audio/{turn:03d}-{self.role}.wav"] = wav_bytes(
                said.pcm, said.sample_rate
            )
        return Line(said.text, source="human")

    def observe(self, event: str) -> None:
        """The person sees the character's actions as the server reports them."""


class ServedSide:
    """The simulated participant, answering through the server (a game's character)."""

    def __init__(
        self,
        name: str,
        role: str,
        link: Link,
        kept: KeptAudio,
        *,
        show: Callable[[str], None] = print,
        player: Player | None = None,
    ) -> None:
        self.name = name
        self.role = role
        self.link = link
        self.kept = kept
        self.show = show
        self.player = player

    async def speak(
        self, turn: int, heard: str | None, script: str | None, earlier: Sequence[Said]
    ) -> Line:
        if heard is None:  # the character opens: a game event it reacts to
            text = "You speak first: start the conversation."
            if script:
                text += f' Open with: "{script}"'
            await self.link.client.send(m.GameEvent(text=text[:500], react=True))
        return await self._reply(turn)

    async def _reply(self, turn: int) -> Line:
        said: list[str] = []
        emotion, intensity = "", 0.35
        actions: list[ActionTaken] = []
        pcm = bytearray()
        rate = 0
        errors: list[str] = []
        while True:
            msg = await self.link.receive()
            if isinstance(msg, m.ReplyTextMsg):
                said.append(msg.text)
            elif isinstance(msg, m.EmotionMsg):
                emotion, intensity = msg.emotion, msg.intensity
            elif isinstance(msg, m.ActionMsg):
                actions.append(ActionTaken(msg.name, dict(msg.args)))
                self.show(f"[game] {self.name} does {msg.name}({_args(msg.args)})")
                await self.link.client.send(m.ActionResult(action_id=msg.action_id, ok=True))
            elif isinstance(msg, Speech):
                pcm += msg.pcm
                rate = msg.header.sample_rate
                if self.player is not None and msg.pcm:
                    await self.player.play(msg.pcm, rate)
            elif isinstance(msg, m.Error):
                errors.append(f"{msg.code}: {msg.message}")
            elif isinstance(msg, m.TurnEnd):
                timings = {k: round(v, 1) for k, v in msg.timings.items()}
                break
        if pcm:
            self.kept.files[f"audio/{turn:03d}-{self.role}.wav"] = wav_bytes(bytes(pcm), rate)
        text = "".join(said).strip()
        return Line(text, emotion, intensity, tuple(actions), timings, "model", tuple(errors))

    def observe(self, event: str) -> None:
        """The person has no actions to show the character."""


def _args(args: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in args.items())


def cast_files(loaded: LoadedScenario, role: str, folder: Path) -> dict[str | None, str]:
    """Write the participant's sheet for every variation (the scenario folded in) into
    ``folder``, where a server finds them; returns each variation's character id."""
    yaml = YAML()
    ids: dict[str | None, str] = {}
    for variation in [None, *loaded.scenario.variations]:
        cast = cast_sheet(loaded, role, variation)
        sheet_id = f"sim_{loaded.scenario.id}_{variation or 'base'}_{role}"
        data = cast.sheet.model_dump(mode="json", exclude_none=True)
        data["id"] = sheet_id
        knowledge = data.get("knowledge", {})
        base = cast.base_dir
        knowledge["files"] = [str((base / f).resolve()) for f in knowledge.get("files", [])]
        voice = data.get("voice", {})
        piper = voice.get("piper")
        if piper and (base / piper).exists():
            voice["piper"] = str((base / piper).resolve())
        with open(folder / f"{sheet_id}.yaml", "w", encoding="utf-8") as f:
            yaml.dump(data, f)
        ids[variation] = sheet_id
    return ids


class TraineeServer:
    """An npc server on loopback, in this process, serving the scenario's simulated side."""

    def __init__(self, runtime: Runtime, loaded: LoadedScenario, human: str) -> None:
        self.runtime = runtime
        self.loaded = loaded
        self.human = human
        self.role = loaded.scenario.partner(human)
        self._tmp = tempfile.TemporaryDirectory(prefix="npc-trainee-")
        folder = Path(self._tmp.name)
        self.ids = cast_files(loaded, self.role, folder)
        settings = runtime.settings
        self.served = runtime.derive(
            settings.model_copy(
                update={
                    "characters_dir": folder,
                    "server": settings.server.model_copy(
                        update={"host": "127.0.0.1", "port": 0, "token": None}
                    ),
                }
            )
        )

    @contextlib.asynccontextmanager
    async def session(self, plan: RunPlan, audio: bool) -> AsyncIterator[tuple[Link, str]]:
        """A started server and a client session with this run's character."""
        from server.app import NpcServer

        character = self.ids[plan.variation]
        loaded = self.served.character(character)
        await asyncio.to_thread(self.served.knowledge.ingest, loaded)
        ws = await NpcServer(self.served).start()
        port = next(iter(ws.sockets)).getsockname()[1]
        setting = self.loaded.scenario.setting
        scene = m.SceneState(objects=setting.objects, locations=setting.locations)
        start = m.Start(
            character=character,
            player_id=f"trainee-{plan.run_id}",
            player_name=self.loaded.name(self.human),
            scene=scene,
            outputs=m.Outputs(audio=audio, visemes=False),
        )
        try:
            async with NpcClient.connect(f"ws://127.0.0.1:{port}", start) as client:
                yield Link(client), character
                await client.end()
        finally:
            ws.close()
            await ws.wait_closed()

    def close(self) -> None:
        self._tmp.cleanup()
