"""One conversation between a player and a character, over one connection.

The session owns the turn: it feeds microphone audio to the listener, starts a reply when
the player's turn ends (or a line is typed), stops the reply when the player barges in, and
turns internal events into wire messages. Bad messages get an ``error`` reply and the
session goes on; only a broken connection ends it, and the conversation is saved either way.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
import threading
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from npc.actions.space import Scene
from npc.errors import NpcError, ProtocolError
from npc.events import (
    ActionCall,
    Emotion,
    ErrorEvent,
    Event,
    FinalTranscript,
    PartialTranscript,
    ReplyText,
    SpeechAudio,
    SpeechPaused,
    SpeechResumed,
    SpeechStarted,
    SpeechStopped,
)
from npc.mind.mind import Mind, Recall, TurnResult
from npc.mind.recall import KnowledgeRecall
from npc.protocol import messages as m
from npc.protocol.codec import audio_bytes
from npc.reply_turn import ReplyTurn
from npc.runtime import Runtime
from npc.threads import Hold
from npc.visemes.frames import viseme_weights
from npc.voice.listener import Listener
from npc.voice.speaker import Speaker

log = logging.getLogger(__name__)
Send = Callable[[m._ServerMessage | bytes], Awaitable[None]]
RECENT_TURNS = 6  # earlier exchanges put back into the dialogue when a player returns
CONTINUE_WINDOW_S = 2.0  # speech this soon after a silent reply began continues the turn
_END = object()


class Session:
    """Drive with ``run(inbox)``: decoded client messages (or bytes, or ProtocolErrors)."""

    def __init__(
        self,
        runtime: Runtime,
        start: m.Start,
        send: Send,
        *,
        recall: Recall | None = None,
        clock: Callable[[], float] = time.perf_counter,
        on_turn_end: Callable[[bool, dict[str, float]], None] | None = None,
    ) -> None:
        """``on_turn_end(interrupted, timings_ms)`` is told of every finished turn (metrics)."""
        self.runtime = runtime
        self.start = start
        self._send = send
        self.clock = clock
        self.on_turn_end = on_turn_end
        self.id = uuid.uuid4().hex[:12]
        self.loaded = runtime.character(start.character)
        knowledge = runtime.knowledge
        self.memory = knowledge.memory(start.character, start.player_id)
        if recall is None:
            recall = KnowledgeRecall(knowledge, start.character, start.player_id)
        self.mind = Mind(
            self.loaded,
            runtime.llm,
            runtime.settings.llm,
            recall=recall,
            cache_key=f"{start.character}:{self.id}",
            intents=runtime.intents(self.loaded),
        )
        for turn in self.memory.recent_turns(RECENT_TURNS):
            calls = [a for a in turn.actions if isinstance(a, dict)]
            self.mind.remember(
                turn.user_text,
                turn.reply_text,
                [{"name": c.get("name"), **c.get("args", {})} for c in calls],
            )
        if start.scene is not None:
            self._update_scene(start.scene)
        out = start.outputs
        self.speaker = (
            Speaker(
                runtime.voice(self.loaded),
                rate=self.loaded.sheet.voice.rate,
                output_rate=out.sample_rate,
            )
            if out.audio or out.visemes
            else None
        )
        self._audio: asyncio.Queue[Any] = asyncio.Queue(maxsize=256)
        self._listener: Listener | None = None
        self._listen_task: asyncio.Task[None] | None = None
        self._reply: ReplyTurn | None = None
        self._reply_task: asyncio.Task[None] | None = None
        self._prefill: asyncio.Task[None] | None = None
        self._prefill_cancel = threading.Event()
        self._prefill_read = threading.Event()  # stops the read of one partial's prompt
        self._partial = ""  # the newest partial transcript, for the prefill to follow
        self._asr_busy = Hold()  # held while speech recognition runs; the prefill waits
        self._unfinished = ""  # the player's words of a turn they went on with
        self._next_turn = 1
        self._speech_stopped: dict[int, tuple[float, float]] = {}
        self.closed = False

    # -- lifecycle ------------------------------------------------------------------

    async def open(self) -> None:
        sheet = self.loaded.sheet
        rate = self.start.outputs.sample_rate or getattr(
            self.speaker and self.speaker.synth, "sample_rate", 22050
        )
        await self._send(
            m.Ready(
                session_id=self.id,
                character=m.CharacterInfo(
                    id=sheet.id,
                    name=sheet.name,
                    role=sheet.role,
                    emotions=list(sheet.emotions.allowed),
                    actions=[a.name for a in sheet.actions],
                ),
                audio_sample_rate=rate,
            )
        )
        self._prefill = asyncio.create_task(self._warm())

    async def _warm(self) -> None:
        try:
            cancel = self._prefill_cancel = threading.Event()
            await asyncio.to_thread(self.mind.warm, cancel, self._asr_busy)
        except NpcError as exc:  # only a missed speed-up
            log.warning("warm-up failed: %s", exc.message)
        finally:
            self._prefill = None

    async def run(self, inbox: AsyncIterator[Any]) -> None:
        """Handle messages until ``end`` or the inbox ends; always leaves memory saved."""
        try:
            async for message in inbox:
                if not await self.handle(message):
                    break
        finally:
            await self.close()

    async def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        await self._stop_reply(None, notify=False)
        if self._listen_task is not None:
            self._listen_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._listen_task

    # -- messages -------------------------------------------------------------------

    async def handle(self, message: Any) -> bool:
        """Handle one message; False when the session should end."""
        try:
            return await self._dispatch(message)
        except NpcError as exc:
            await self.error(exc.code, exc.message)
            return True

    async def _dispatch(self, msg: Any) -> bool:
        if isinstance(msg, ProtocolError):
            raise msg
        if isinstance(msg, bytes):
            await self._take_audio(msg)
        elif isinstance(msg, m.AudioChunk):
            await self._take_audio(audio_bytes(msg))
        elif isinstance(msg, m.Text):
            turn = self._new_turn()
            await self._send(m.TurnStarted(turn_id=turn, source="text", text=msg.text))
            await self._start_reply(turn, msg.text)
        elif isinstance(msg, m.EndTurn):
            if self._listener is None:
                raise ProtocolError("end_turn before any audio was sent")
            self._listener.end_turn()
        elif isinstance(msg, m.Interrupt):
            await self._stop_reply(msg.played_ms)
        elif isinstance(msg, m.SceneUpdate):
            self._update_scene(msg)
        elif isinstance(msg, m.GameEvent):
            self.mind.add_event(msg.text)
            await asyncio.to_thread(self.memory.add_event, msg.text)
            if msg.react and self._reply is None:
                turn = self._new_turn()
                await self._send(m.TurnStarted(turn_id=turn, source="event", text=msg.text))
                await self._start_reply(turn, "")
        elif isinstance(msg, m.ActionResult):
            self.mind.add_action_result(msg.action_id, msg.ok, msg.detail)
        elif isinstance(msg, m.End):
            return False
        elif isinstance(msg, m.Start):
            raise ProtocolError("the session has already started; send `end` to close it")
        return True

    def _update_scene(self, scene: m.SceneState) -> None:
        now = self.mind.scene
        self.mind.set_scene(
            Scene(
                tuple(scene.objects) if scene.objects is not None else now.objects,
                tuple(scene.locations) if scene.locations is not None else now.locations,
                tuple(scene.characters) if scene.characters is not None else now.characters,
            )
        )

    def _new_turn(self) -> int:
        if self._listener is not None:
            turn = self._listener.next_turn_id
            self._listener.next_turn_id += 1
            return turn
        turn = self._next_turn
        self._next_turn += 1
        return turn

    # -- listening ------------------------------------------------------------------

    async def _take_audio(self, pcm: bytes) -> None:
        if len(pcm) % 2:
            raise ProtocolError(
                f"audio frame of {len(pcm)} bytes is not whole PCM16 samples "
                "(an even number of bytes); frame dropped"
            )
        if self._listener is None:
            self._start_listening()
        if self._audio.full():
            raise ProtocolError("audio is arriving faster than real time; frame dropped")
        self._audio.put_nowait(pcm)

    def _start_listening(self) -> None:
        settings = self.runtime.settings.asr
        self._listener = Listener(
            self.runtime.asr,
            self.runtime.vad,
            language=self.loaded.sheet.language,
            end_of_turn_ms=settings.end_of_turn_ms,
            max_turn_seconds=settings.max_turn_seconds,
            push_to_talk=self.start.push_to_talk,
            sample_rate=self.start.audio.sample_rate,
            first_turn_id=self._next_turn,
            busy=self._asr_busy,
            speculate_ms=settings.pause_ms,
            partial_interval_ms=settings.partial_ms,
        )
        self._listen_task = asyncio.create_task(self._listen(self._listener))

    async def _frames(self) -> AsyncIterator[bytes]:
        while (frame := await self._audio.get()) is not _END:
            yield frame

    async def _listen(self, listener: Listener) -> None:
        try:
            async for event in listener.run(self._frames()):
                await self._on_heard(event)
        except NpcError as exc:
            await self.error(exc.code, f"listening stopped: {exc.message}")
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a bug must not take the connection down silently
            log.exception("listener failed")
            await self.error("internal_error", f"listening stopped: {exc}")

    async def _on_heard(self, event: Event) -> None:
        if isinstance(event, SpeechStarted):
            await self._stop_reply(None, retract=self._not_finished())  # barge-in
            await self._send(m.SpeechStartedMsg(turn_id=event.turn_id))
        elif isinstance(event, PartialTranscript):
            await self._send(m.Transcript(turn_id=event.turn_id, text=event.text, final=False))
            self._partial = event.text
            self._prefill_read.set()  # the rest of the older words' prompt would be wasted
            prefill = self.runtime.settings.llm.prefill_partial
            if prefill and self._reply is None and self._prefill is None:
                self._prefill = asyncio.create_task(self._prefill_partials())
        elif isinstance(event, SpeechPaused):
            # The player may be done: start the reply on what they said; it sends nothing
            # until the end of turn is decided, and is dropped if they go on.
            if self.runtime.settings.llm.reply_on_pause and self._reply is None:
                await self._start_reply(event.turn_id, self._with_unfinished(event.text), True)
        elif isinstance(event, SpeechResumed):
            if self._tentative(event.turn_id) is not None:
                await self._stop_reply(None)
        elif isinstance(event, SpeechStopped):
            self._speech_stopped[event.turn_id] = (self.clock(), event.decided_s - event.at_s)
            self._partial = ""
            self._stop_prefill()  # the final transcript is next; the reply needs the model
        elif isinstance(event, FinalTranscript):
            await self._send(m.Transcript(turn_id=event.turn_id, text=event.text, final=True))
            text = self._with_unfinished(event.text)
            self._unfinished = ""
            reply = self._tentative(event.turn_id)
            if reply is not None:
                if reply.player_text == text:
                    reply.confirm()
                    return
                await self._stop_reply(None)  # begun on words that turned out otherwise
            if text:
                await self._start_reply(event.turn_id, text)

    def _with_unfinished(self, text: str) -> str:
        return " ".join(t for t in (self._unfinished, text.strip()) if t)

    def _tentative(self, turn_id: int) -> ReplyTurn | None:
        """The reply begun on this turn's pause, while it still waits for the turn's end."""
        reply = self._reply
        if reply is not None and not reply.confirmed and reply.turn_id == turn_id:
            return reply
        return None

    def _not_finished(self) -> bool:
        """Whether the player, speaking again, is finishing their last turn rather than
        interrupting: the reply has said nothing and done nothing yet, and began moments
        ago (people pause at commas longer than the end-of-turn wait)."""
        reply = self._reply
        return (
            reply is not None
            and not reply.played
            and not reply.result.actions
            and self.clock() - reply.started < CONTINUE_WINDOW_S
        )

    async def _prefill_partials(self) -> None:
        """While the player still speaks, evaluate the prompt up to their words, following
        the newest partial transcript: model time that would otherwise follow the end of
        their turn. It pauses while speech recognition runs and stops when they stop."""
        stop = self._prefill_cancel = threading.Event()
        done = ""
        try:
            while not stop.is_set() and self._partial and self._partial != done:
                done = self._partial
                read = self._prefill_read = threading.Event()
                notes = await asyncio.to_thread(self.mind.notes, done)
                if not stop.is_set() and not read.is_set():
                    await asyncio.to_thread(self.mind.prefill, done, notes, read, self._asr_busy)
        except NpcError as exc:  # only a missed speed-up
            log.warning("prefill failed: %s", exc.message)
        finally:
            self._prefill = None

    def _stop_prefill(self) -> None:
        self._prefill_cancel.set()
        self._prefill_read.set()

    # -- replying -------------------------------------------------------------------

    async def _start_reply(self, turn_id: int, text: str, tentative: bool = False) -> None:
        """``tentative``: the player's turn may not be over; see ``ReplyTurn``."""
        self._stop_prefill()  # the reply needs the model now
        await self._stop_reply(None)
        reply = ReplyTurn(
            turn_id,
            self.mind,
            self.speaker,
            self._emit,
            text,
            clock=self.clock,
            tentative=tentative,
        )
        self._reply = reply
        self._reply_task = asyncio.create_task(self._run_reply(reply))

    async def _run_reply(self, reply: ReplyTurn) -> None:
        try:
            await reply.run()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.exception("reply failed")
            await self.error("internal_error", f"the reply failed: {exc}", reply.turn_id)
        if self._reply is reply:
            self._reply = None
            await self._record(reply.player_text, reply.result, reply.result.say)
            await self._end_turn(reply, interrupted=False)
            if self._prefill is None and self._reply is None and not self.closed:
                self._prefill = asyncio.create_task(self._warm())

    async def _end_turn(self, reply: ReplyTurn, *, interrupted: bool) -> None:
        timings = self._timings(reply)
        log.info(
            "session %s turn %d%s: %s",
            self.id,
            reply.turn_id,
            " (interrupted)" if interrupted else "",
            json.dumps(
                {
                    "timings_ms": timings,
                    "actions": [a.name for a in reply.result.actions],
                    "emotion": reply.result.emotion,
                    "prompt_tokens": reply.result.prompt_tokens,
                }
            ),
        )
        if self.on_turn_end is not None:
            self.on_turn_end(interrupted, timings)
        if not self.closed:
            await self._send(
                m.TurnEnd(turn_id=reply.turn_id, interrupted=interrupted, timings=timings)
            )

    async def _record(self, player: str, result: TurnResult, said: str) -> None:
        """Save the turn to the player's memory; a failure is reported, never silent."""
        actions = [{"name": a.name, "args": a.args} for a in result.actions]
        try:
            await asyncio.to_thread(self.memory.record_turn, player, said, actions, result.events)
        except NpcError as exc:
            log.error("memory write failed: %s", exc.message)
            await self.error(exc.code, f"could not save the conversation: {exc.message}")

    def _timings(self, reply: ReplyTurn) -> dict[str, float]:
        t = {k: round(v, 1) for k, v in reply.result.timings.items()}
        stopped = self._speech_stopped.pop(reply.turn_id, None)
        if stopped is not None:
            stop_wall, end_of_speech_s = stopped
            t["end_of_speech"] = round(end_of_speech_s * 1000, 1)
            # Negative when the reply began on a pause, before the end of turn was decided.
            transcript = (reply.started - stop_wall) * 1000
            t["transcript"] = round(max(0.0, transcript), 1)
            if "first_audio" in t:
                t["voice_to_voice"] = round(t["end_of_speech"] + transcript + t["first_audio"], 1)
        return t

    async def _stop_reply(
        self, played_ms: float | None, *, notify: bool = True, retract: bool = False
    ) -> None:
        """Stop the reply in progress. ``retract``: the player was not finished; the turn is
        forgotten and its words join the player's next ones. A reply still waiting for the
        end of its turn is dropped unseen: the client never heard of it."""
        reply, task = self._reply, self._reply_task
        if reply is None or task is None:
            return
        self._reply = None
        reply.cancel.set()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
        if not reply.confirmed:
            self.mind.retract(reply.turn_id, reply.result)
            return
        spoken = reply.spoken_text(played_ms)
        if retract:
            self.mind.retract(reply.turn_id, reply.result)
            self._unfinished = reply.player_text
        else:
            self.mind.interrupted(reply.turn_id, spoken, reply.result)
            await self._record(reply.player_text, reply.result, spoken)
        if notify and not self.closed:
            await self._send(m.Interrupted(turn_id=reply.turn_id, spoken_text=spoken))
            await self._end_turn(reply, interrupted=True)

    async def _emit(self, event: Event) -> None:
        out = self.start.outputs
        if isinstance(event, ReplyText):
            if out.text:
                await self._send(m.ReplyTextMsg(turn_id=event.turn_id, text=event.text))
        elif isinstance(event, Emotion):
            await self._send(
                m.EmotionMsg(
                    turn_id=event.turn_id,
                    emotion=event.emotion,
                    intensity=round(event.intensity, 2),
                )
            )
        elif isinstance(event, ActionCall):
            await self._send(
                m.ActionMsg(
                    turn_id=event.turn_id,
                    action_id=event.action_id,
                    name=event.name,
                    args=event.args,
                )
            )
        elif isinstance(event, ErrorEvent):
            await self.error(event.code, event.message, event.turn_id)
        elif isinstance(event, SpeechAudio):
            await self._send_audio(event)

    async def _send_audio(self, chunk: SpeechAudio) -> None:
        out = self.start.outputs
        binary = out.audio and out.audio_format == "binary"
        await self._send(
            m.AudioOut(
                turn_id=chunk.turn_id,
                index=chunk.index,
                text=chunk.text,
                sample_rate=chunk.sample_rate,
                duration_ms=round(chunk.duration_ms, 2),
                bytes=len(chunk.pcm) if out.audio else 0,
                visemes=[
                    m.VisemeMsg(
                        viseme=v.viseme,
                        start_ms=round(v.start_ms, 2),
                        duration_ms=round(v.duration_ms, 2),
                    )
                    for v in chunk.visemes
                ]
                if out.visemes
                else None,
                frames=[
                    {k: round(w, 3) for k, w in f.items()}
                    for f in viseme_weights(chunk.visemes, out.viseme_fps)
                ]
                if out.viseme_fps
                else None,
                data=base64.b64encode(chunk.pcm).decode() if out.audio and not binary else None,
            )
        )
        if binary:
            await self._send(chunk.pcm)

    async def error(
        self, code: str, message: str, turn_id: int = 0, *, fatal: bool = False
    ) -> None:
        if not self.closed:
            await self._send(m.Error(turn_id=turn_id, code=code, message=message, fatal=fatal))
