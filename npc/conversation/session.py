"""One conversation between a player and a character, over one connection: the async shell.

The session feeds the turn policy (``turn_policy``) with what the listener hears, what the
client sends and how the reply goes, and carries out the commands it returns: start, confirm,
drop, interrupt or retract a reply (``reply``), read ahead (``read_ahead``), and send wire
messages. It decides nothing itself. Bad messages get an ``error`` and the session goes on;
only a broken connection ends it, and the conversation is saved either way.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from npc.actions.space import Scene
from npc.character.prompt import scene_text
from npc.conversation import turn_policy as tp
from npc.conversation.read_ahead import ReadAhead
from npc.conversation.reply import ReplyTurn
from npc.conversation.wire import Out, messages_for
from npc.errors import NpcError, ProtocolError
from npc.events import (
    ActionCall,
    Event,
    FinalTranscript,
    Heard,
    ReplyText,
    SpeechAudio,
    SpeechStarted,
    SpeechStopped,
)
from npc.mind.mind import Mind, Recall, TurnResult
from npc.mind.recall import KnowledgeRecall
from npc.protocol import messages as m
from npc.protocol.codec import audio_bytes
from npc.runtime import Runtime
from npc.threads import to_thread
from npc.voice.listener import Listener
from npc.voice.speaker import Speaker
from npc.voice.vocabulary import SheetWords, Vocabulary

log = logging.getLogger(__name__)
Send = Callable[[Out], Awaitable[None]]
RECENT_TURNS = 6  # earlier exchanges put back into the dialogue when a player returns
# Game events and action results wait for the character's next turn and go into its prompt:
# 3000 of them made a 45,369-token prompt for a 4,096-token model (issue 23). Past these an
# event is refused, and the client told.
MAX_PENDING = 8
MAX_PENDING_CHARS = 1500
# The scene is in every prompt; the rest of the context holds the character's instructions,
# the dialogue, the player's turn and the reply.
SCENE_SHARE = 0.25
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
        clock: Callable[[], float] = time.monotonic,
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
        self.memory = runtime.knowledge.memory(start.character, start.player_id)
        if recall is None:
            recall = KnowledgeRecall(runtime.knowledge, start.character, start.player_id)
        self.mind = Mind(
            self.loaded,
            runtime.llm,
            runtime.settings.llm,
            recall=recall,
            cache_key=f"{start.character}:{self.id}",
            intents=runtime.intents(self.loaded),
            answer_llm=runtime.answer_llm,
        )
        for turn in self.memory.recent_turns(RECENT_TURNS):
            calls = [a for a in turn.actions if isinstance(a, dict)]
            self.mind.remember(
                turn.user_text,
                turn.reply_text,
                [{"name": c.get("name"), **c.get("args", {})} for c in calls],
            )
        self._listener: Listener | None = None  # before the scene: a scene updates its words
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
        llm = runtime.settings.llm
        # Reading the prompt ahead only pays where the model keeps what it read.
        can_read_ahead = runtime.llm.llm_capabilities.prefill
        self.policy = tp.TurnPolicy(
            tp.PolicyConfig(
                reply_on_pause=llm.reply_on_pause,
                read_ahead=llm.prefill_partial and can_read_ahead,
            )
        )
        self.read_ahead = ReadAhead(self.mind)
        self._audio: asyncio.Queue[Any] = asyncio.Queue(maxsize=256)
        self._listen_task: asyncio.Task[None] | None = None
        self._reply: ReplyTurn | None = None
        self._reply_task: asyncio.Task[None] | None = None
        self._speech_stopped: dict[int, tuple[float, float]] = {}
        self._sheet_words: SheetWords | None = None  # read when the player first speaks
        self._last_final = (0, "")  # the latest final transcript: turn id, words
        self._rejoined: set[int] = set()  # turns rejoined before their final came
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
        self.read_ahead.warm()

    async def run(self, inbox: AsyncIterator[Any]) -> None:
        """Handle messages until ``end`` or the inbox ends; always leaves memory saved."""
        try:
            async for message in inbox:
                if not await self.handle(message):
                    break
        finally:
            await self.close()

    async def close(self) -> None:
        """Stop all of the session's work; a reply the player heard part of is remembered."""
        if self.closed:
            return
        self.closed = True
        # Everything stops at once, before any waiting: the model work of a closed session
        # must end within a step (issue 23), whatever order it is then waited for in.
        self.read_ahead.halt()
        if self._listen_task is not None:
            self._listen_task.cancel()
        if self._reply is not None:
            self._reply.stop()
        reply = self._reply
        if reply is not None:
            if reply.confirmed:
                await self._interrupt(tp.InterruptReply(reply.turn_id))
            else:
                await self._drop(tp.DropReply(reply.turn_id))
        await self.read_ahead.close()
        if self._listen_task is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._listen_task

    @property
    def replying(self) -> bool:
        """A reply is being written or spoken (the client is waiting on the session)."""
        return self._reply is not None

    # -- client messages ------------------------------------------------------------

    async def handle(self, message: Any) -> bool:
        """Handle one message; False when the session should end."""
        try:
            if isinstance(message, ProtocolError):
                raise message
            if isinstance(message, m.End):
                return False
            handler = _MESSAGES.get(type(message))
            if handler is None:
                raise ProtocolError(f"{type(message).__name__} is not a client message")
            await handler(self, message)
        except NpcError as exc:
            await self.error(exc.code, exc.message)
        return True

    async def _on_bytes(self, pcm: bytes) -> None:
        await self._take_audio(pcm)

    async def _on_audio(self, msg: m.AudioChunk) -> None:
        await self._take_audio(audio_bytes(msg))

    async def _on_text(self, msg: m.Text) -> None:
        await self._feed(tp.Typed(msg.text))

    async def _on_end_turn(self, msg: m.EndTurn) -> None:
        if self._listener is None:
            raise ProtocolError("end_turn before any audio was sent")
        self._listener.end_turn()

    async def _on_interrupt(self, msg: m.Interrupt) -> None:
        await self._feed(tp.InterruptIn(msg.played_ms))

    async def _on_scene(self, msg: m.SceneUpdate) -> None:
        self._update_scene(msg)

    async def _on_event(self, msg: m.GameEvent) -> None:
        self._room_for(len(msg.text), "game event")
        self.mind.add_event(msg.text)
        await to_thread(self.memory.add_event, msg.text)
        await self._feed(tp.GameEventIn(msg.text, msg.react))

    async def _on_action_result(self, msg: m.ActionResult) -> None:
        self._room_for(len(msg.detail) + 60, "action result")  # + the action, as the mind says it
        self.mind.add_action_result(msg.action_id, msg.ok, msg.detail)

    def _room_for(self, chars: int, what: str) -> None:
        pending = self.mind.pending
        if len(pending) < MAX_PENDING and sum(map(len, pending)) + chars <= MAX_PENDING_CHARS:
            return
        raise ProtocolError(
            f"{len(pending)} game events and action results already wait for the character's "
            f"next turn (at most {MAX_PENDING}, {MAX_PENDING_CHARS} characters in all); this "
            f"{what} was dropped: send fewer, or let the character react (react: true)"
        )

    async def _on_start(self, msg: m.Start) -> None:
        raise ProtocolError("the session has already started; send `end` to close it")

    def _update_scene(self, scene: m.SceneState) -> None:
        now = self.mind.scene
        new = Scene(
            tuple(scene.objects) if scene.objects is not None else now.objects,
            tuple(scene.locations) if scene.locations is not None else now.locations,
            tuple(scene.characters) if scene.characters is not None else now.characters,
        )
        llm = self.runtime.llm
        limit = int(getattr(llm, "context_size", 4096) * SCENE_SHARE)
        tokens = llm.count_tokens(scene_text(new))
        if tokens > limit:
            raise ProtocolError(
                f"the scene would take {tokens} tokens of every prompt; at most {limit} fit "
                "(a quarter of the model's context): send fewer or shorter names"
            )
        self.mind.set_scene(new)
        if self._listener is not None:
            vocabulary = self._sheet_vocabulary()
            self._listener.listen_for(self._vocabulary_prompt(vocabulary), vocabulary.terms)

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
        vocabulary = self._sheet_vocabulary()
        self._listener = Listener(
            self.runtime.asr,
            self.runtime.vad,
            language=self.loaded.sheet.language,
            end_of_turn_ms=settings.end_of_turn_ms,
            max_turn_seconds=settings.max_turn_seconds,
            push_to_talk=self.start.push_to_talk,
            sample_rate=self.start.audio.sample_rate,
            new_turn_id=self.policy.new_turn,
            gate=self.runtime.scheduler,
            speculate_ms=settings.pause_ms,
            partial_interval_ms=settings.partial_ms,
            prompt=self._vocabulary_prompt(vocabulary),
            vocabulary=vocabulary.terms,
            correct_vocabulary=settings.correct_vocabulary,
        )
        self._listen_task = asyncio.create_task(self._listen(self._listener))

    def _vocabulary_prompt(self, vocabulary: Vocabulary) -> str:
        """The character's words in the scene now, for the recogniser (docs/benchmarks.md,
        "Listening": the sheet's words heard right far more often, each call a little slower).
        Transcripts are corrected towards all of ``vocabulary.terms``; the prompt holds only
        the first ``asr.vocabulary_words``."""
        words = self.runtime.settings.asr.vocabulary_words
        return vocabulary.prompt(words) if words else ""

    def _sheet_vocabulary(self) -> Vocabulary:
        if self._sheet_words is None:
            self._sheet_words = SheetWords.of(self.loaded)  # the sheet and knowledge, ~10 ms
        return self._sheet_words.vocabulary(self.mind.scene)

    async def _frames(self) -> AsyncIterator[bytes]:
        while (frame := await self._audio.get()) is not _END:
            yield frame

    async def _listen(self, listener: Listener) -> None:
        try:
            async for event in listener.run(self._frames()):
                if isinstance(event, SpeechStopped):
                    self._speech_stopped[event.turn_id] = (
                        self.clock(),
                        event.decided_s - event.at_s,
                    )
                await self._feed_heard(event)
        except NpcError as exc:
            await self.error(exc.code, f"listening stopped: {exc.message}")
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a bug must not take the connection down silently
            log.exception("listener failed")
            await self.error("internal_error", f"listening stopped: {exc}")

    async def _feed_heard(self, event: Heard) -> None:
        """Feed the policy what the listener heard. A turn that rejoins the one before hears
        its audio again, so its transcripts carry the earlier words; until the policy reads
        ``SpeechStarted.rejoins`` itself, the earlier turn is kept from it here: a retracted
        reply's words are not kept to put in front of the next turn's, and a final that
        comes after the player went on is sent, not answered or kept."""
        if isinstance(event, FinalTranscript):
            if event.turn_id in self._rejoined:
                self._rejoined.discard(event.turn_id)
                await self._transcript(tp.SendTranscript(event.turn_id, event.text, final=True))
                return
            self._last_final = (event.turn_id, event.text.strip())
        await self._feed(event)
        if isinstance(event, SpeechStarted) and event.rejoins is not None:
            turn, words = self._last_final
            kept = self.policy.unfinished
            if turn == event.rejoins:  # its final came: the policy has it
                if words and kept.endswith(words):
                    self.policy.unfinished = kept[: -len(words)].rstrip()
            else:
                self._rejoined.add(event.rejoins)

    # -- the policy's commands ------------------------------------------------------

    async def _feed(self, event: tp.PolicyEvent) -> None:
        for command in self.policy.on(event, self.clock()):
            await _COMMANDS[type(command)](self, command)

    async def _start_reply(self, cmd: tp.StartReply) -> None:
        reply = ReplyTurn(
            cmd.turn_id,
            self.mind,
            self.speaker,
            self._emit,
            cmd.text,
            clock=self.clock,
            gate=self.runtime.scheduler,
            tentative=cmd.tentative,
        )
        self._reply = reply
        self._reply_task = asyncio.create_task(self._run_reply(reply))

    async def _confirm(self, cmd: tp.ConfirmReply) -> None:
        if self._reply is not None and self._reply.turn_id == cmd.turn_id:
            self._reply.confirm()

    async def _drop(self, cmd: tp.DropReply) -> None:
        reply = await self._stop_reply(cmd.turn_id)
        if reply is not None:
            self.mind.retract(reply.turn_id, reply.result)

    async def _interrupt(self, cmd: tp.InterruptReply) -> None:
        reply = await self._stop_reply(cmd.turn_id)
        if reply is None:
            return
        spoken = reply.spoken_text(cmd.played_ms)
        self.mind.interrupted(reply.turn_id, spoken, reply.result)
        await self._record(reply.player_text, reply.result, spoken)
        await self._send_stopped(reply, spoken)

    async def _retract(self, cmd: tp.RetractReply) -> None:
        reply = await self._stop_reply(cmd.turn_id)
        if reply is None:
            return
        self.mind.retract(reply.turn_id, reply.result)
        await self._send_stopped(reply, "")

    async def _send_stopped(self, reply: ReplyTurn, spoken: str) -> None:
        if not self.closed:
            await self._send(m.Interrupted(turn_id=reply.turn_id, spoken_text=spoken))
        await self._end_turn(reply, interrupted=True)

    async def _speech_started(self, cmd: tp.SendSpeechStarted) -> None:
        await self._send(m.SpeechStartedMsg(turn_id=cmd.turn_id))

    async def _transcript(self, cmd: tp.SendTranscript) -> None:
        await self._send(m.Transcript(turn_id=cmd.turn_id, text=cmd.text, final=cmd.final))

    async def _turn_started(self, cmd: tp.SendTurnStarted) -> None:
        await self._send(m.TurnStarted(turn_id=cmd.turn_id, source=cmd.source, text=cmd.text))

    async def _read_ahead(self, cmd: tp.ReadAhead) -> None:
        self.read_ahead.follow(cmd.text)

    async def _stop_read_ahead(self, cmd: tp.StopReadAhead) -> None:
        self.read_ahead.stop()

    async def _warm(self, cmd: tp.Warm) -> None:
        self.read_ahead.warm()

    # -- the reply ------------------------------------------------------------------

    async def _run_reply(self, reply: ReplyTurn) -> None:
        try:
            await reply.run()
        except asyncio.CancelledError:
            raise
        except NpcError as exc:  # a provider failed (the voice mid-reply): the turn still ends
            log.warning("reply of turn %d failed: %s", reply.turn_id, exc.message)
            await self.error(exc.code, exc.message, reply.turn_id)
        except Exception as exc:
            log.exception("reply failed")
            await self.error("internal_error", f"the reply failed: {exc}", reply.turn_id)
        if self._reply is reply:
            self._reply = None
            await self._record(reply.player_text, reply.result, reply.result.kept_say)
            await self._end_turn(reply, interrupted=False)
            await self._feed(tp.ReplyDone(reply.turn_id))

    async def _stop_reply(self, turn_id: int) -> ReplyTurn | None:
        """Stop the reply of ``turn_id`` and wait until its task has ended."""
        reply, task = self._reply, self._reply_task
        if reply is None or task is None or reply.turn_id != turn_id:
            return None
        self._reply = None
        reply.stop()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
        return reply

    async def _emit(self, event: Event) -> None:
        reply = self._reply
        if reply is not None and reply.turn_id == event.turn_id:
            if isinstance(event, SpeechAudio) or (
                isinstance(event, ReplyText) and self.speaker is None
            ):
                await self._feed(tp.ReplyHeard(event.turn_id))
                self._answered()
            elif isinstance(event, ActionCall):
                await self._feed(tp.ReplyActed(event.turn_id))
                self._answered()
        for message in messages_for(event, self.start.outputs):
            await self._send(message)

    def _answered(self) -> None:
        """The player has heard (or seen) the character answer: their next words are a new
        turn, however soon they come."""
        if self._listener is not None:
            self._listener.replied()

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
            await to_thread(self.memory.record_turn, player, said, actions, result.events)
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

    async def error(
        self, code: str, message: str, turn_id: int = 0, *, fatal: bool = False
    ) -> None:
        if not self.closed:
            await self._send(m.Error(turn_id=turn_id, code=code, message=message, fatal=fatal))


_MESSAGES: dict[type, Callable[[Session, Any], Awaitable[None]]] = {
    bytes: Session._on_bytes,
    m.AudioChunk: Session._on_audio,
    m.Text: Session._on_text,
    m.EndTurn: Session._on_end_turn,
    m.Interrupt: Session._on_interrupt,
    m.SceneUpdate: Session._on_scene,
    m.GameEvent: Session._on_event,
    m.ActionResult: Session._on_action_result,
    m.Start: Session._on_start,
}

_COMMANDS: dict[type, Callable[[Session, Any], Awaitable[None]]] = {
    tp.StartReply: Session._start_reply,
    tp.ConfirmReply: Session._confirm,
    tp.DropReply: Session._drop,
    tp.InterruptReply: Session._interrupt,
    tp.RetractReply: Session._retract,
    tp.SendSpeechStarted: Session._speech_started,
    tp.SendTranscript: Session._transcript,
    tp.SendTurnStarted: Session._turn_started,
    tp.ReadAhead: Session._read_ahead,
    tp.StopReadAhead: Session._stop_read_ahead,
    tp.Warm: Session._warm,
}
