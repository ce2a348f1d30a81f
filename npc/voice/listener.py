"""The listening stage of one session: microphone audio in, turn and transcript events out.

Drive it with ``Listener.run(frames)``, an async iterator of client frames (PCM16 bytes at
``sample_rate``, or int16/float arrays), which yields:

* ``SpeechStarted`` when the VAD has heard ``min_speech_ms`` of speech (the player may be
  barging in); with ``rejoins`` set when it began within ``rejoin_ms`` of the end of the
  previous turn: that turn's audio is heard again with this one, so this turn's
  transcripts carry both parts (a turn cut at a comma is heard whole);
* ``PartialTranscript`` while the player speaks (the turn so far, transcribed in a worker
  thread; at most one ASR call is in flight, so partials are skipped when ASR is behind);
* ``SpeechPaused`` once the player has been quiet for ``speculate_ms`` and the turn so far
  is transcribed: the final transcript if they stay quiet (a reply may start on it);
  ``SpeechResumed`` if they then speak again;
* ``SpeechStopped`` at the end of the turn: ``end_of_turn_ms`` of silence (with
  ``unfinished_hold_ms``, not before the words of the pause are transcribed, and
  ``unfinished_hold_ms`` when they read unfinished: "Meet me at the"), ``end_turn()``,
  ``max_turn_seconds`` reached (the turn is cut and the rest becomes the next turn), or the
  end of the frames;
* ``FinalTranscript`` with the whole turn's text, usually soon after. An empty text means the
  VAD heard something voice-like but Whisper found no words: ignore such a turn.

Every transcript (partial, pause, final) has the character's words put back by sound
(``npc.voice.correct``: "tumkatu" -> "tonkotsu") when ``correct_vocabulary`` is on: the
vocabulary given, or else the words of the prompt.

Times are stream time (seconds of audio received), so tests and simulations may feed audio as
fast as they like. A turn's ``FinalTranscript`` may arrive after the next ``SpeechStarted``.

Why the final is fast: once the player has been quiet for ``speculate_ms``, the turn so far is
transcribed at once; if they stay quiet until the end of turn is decided, that transcript is
the final (it covers the whole utterance), so ASR runs during the end-of-turn wait instead of
after it.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import deque
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from npc.audio import Audio, AudioBuffer, ClientAudio
from npc.events import (
    FinalTranscript,
    Heard,
    PartialTranscript,
    SpeechPaused,
    SpeechResumed,
    SpeechStarted,
    SpeechStopped,
)
from npc.providers.base import (
    ASR_SAMPLE_RATE,
    ComputeGate,
    Level,
    SpeechRecognizer,
    Transcript,
    Urgency,
    VoiceActivityDetector,
)
from npc.threads import to_thread
from npc.turns import Decision, Phase, TurnBegan, TurnConfig, TurnDetector, TurnFinished
from npc.voice.correct import VocabularyCorrector
from npc.voice.end_of_turn import reads_unfinished
from npc.voice.vocabulary import Vocabulary

Frame = bytes | bytearray | memoryview | NDArray[np.generic]
SR = ASR_SAMPLE_RATE
IDLE_KEEP_S = 2.0  # audio kept outside a turn: pre-roll plus the longest possible onset
# A turn beginning this soon after the last one's speech ended goes on from it: people pause
# 200-700 ms mid-sentence (docs/benchmarks.md, "Listening").
REJOIN_MS = 1000.0


@dataclass(slots=True)
class _Job:
    """One ASR call: samples [start, end) of a turn."""

    turn_id: int
    end: int
    audio: Audio
    final: bool
    speculative: bool = False  # the turn so far, at a pause: may be the final transcript


@dataclass(slots=True)
class _Result:
    turn_id: int
    end: int
    text: str
    audio_s: float


@dataclass(slots=True)
class _OpenTurn:
    turn_id: int
    audio_from: int
    speech_from: int
    asked_until: int  # end of the latest ASR call started for this turn
    paused: bool = False  # SpeechPaused was sent and the player has not spoken since


class _Done:
    pass


class Listener:
    """Turns one player's audio stream into turn and transcript events (see the module doc)."""

    def __init__(
        self,
        asr: SpeechRecognizer,
        vad: VoiceActivityDetector,
        *,
        language: str | None = None,
        end_of_turn_ms: float = 250,
        max_turn_seconds: float = 30.0,
        partial_interval_ms: float = 300,
        push_to_talk: bool = False,
        sample_rate: int = SR,
        prompt: str | None = None,
        vocabulary: Sequence[str] | None = None,
        correct_vocabulary: bool = True,
        speculate_ms: float = 64,
        no_speech_threshold: float = 0.8,
        max_pending_finals: int = 2,
        rejoin_ms: float = REJOIN_MS,
        unfinished_hold_ms: float = 0.0,
        new_turn_id: Callable[[], int] | None = None,
        turn_config: TurnConfig | None = None,
        gate: ComputeGate | None = None,
    ) -> None:
        """``vad`` may be shared: a detector with ``new_stream()`` gives this listener its own.

        ``turn_config`` overrides the turn-taking thresholds; the keyword arguments still
        set end of turn, turn length, push-to-talk, rejoining (``rejoin_ms``; 0: never) and
        waiting for the words (``unfinished_hold_ms``; 0: silence alone ends a turn).
        ``new_turn_id()`` numbers each turn (the session's one counter; default 1, 2, 3...).
        ``vocabulary``: the words transcripts are corrected towards (None: the prompt's
        terms); ``correct_vocabulary=False`` leaves transcripts as Whisper wrote them.
        Each ASR call is one unit of work on ``gate``: the words a player may be waiting on
        (their turn's end, or their pause) go before everything else, partial transcripts
        after replies in progress.
        """
        base = turn_config or TurnConfig()
        self.config = TurnConfig(
            start_threshold=base.start_threshold,
            stop_threshold=base.stop_threshold,
            min_speech_ms=base.min_speech_ms,
            onset_gap_ms=base.onset_gap_ms,
            preroll_ms=base.preroll_ms,
            end_of_turn_ms=end_of_turn_ms,
            vad_lag_ms=base.vad_lag_ms,
            max_turn_s=max_turn_seconds,
            push_to_talk=push_to_talk,
            window_s=vad.window_samples / SR,
            rejoin_ms=rejoin_ms,
            unfinished_hold_ms=unfinished_hold_ms,
        )
        self._asr, self._language = asr, language
        self._correcting = correct_vocabulary
        self._corrector: VocabularyCorrector | None = None
        self.listen_for(prompt, vocabulary)
        new_stream = getattr(vad, "new_stream", None)
        self._vad: VoiceActivityDetector = new_stream() if callable(new_stream) else vad
        self._vad.reset()
        self._window = vad.window_samples
        self._client = ClientAudio(sample_rate)
        self._detector = TurnDetector(self.config)
        self._buffer = AudioBuffer()
        self._pending = np.zeros(0, np.float32)  # received, not yet a whole VAD window
        self._vad_pos = 0  # stream samples seen by the VAD
        self._partial_samples = int(partial_interval_ms / 1000 * SR)
        self._speculate_samples = int(speculate_ms / 1000 * SR)
        self._no_speech_threshold = no_speech_threshold
        self._max_pending = max(1, max_pending_finals)
        self._turn: _OpenTurn | None = None
        self._previous: int | None = None  # the last turn's id, once it has ended
        self._finals: deque[tuple[_Job, int]] = deque()  # the job and the end it must cover
        self._in_flight: _Job | None = None
        self._task: asyncio.Task[None] | None = None
        self._latest: _Result | None = None
        self._last_partial = ""
        self._out: asyncio.Queue[Heard | BaseException | _Done] = asyncio.Queue()
        self._progress = asyncio.Event()
        self._gate = gate
        self._new_turn_id = new_turn_id or itertools.count(1).__next__

    @property
    def stream_s(self) -> float:
        """Seconds of (16 kHz) audio the VAD has heard."""
        return self._vad_pos / SR

    @property
    def buffered_s(self) -> float:
        """Seconds of audio held for the current turn and pre-roll (bounded by the turn cap)."""
        return (self._buffer.end - self._buffer.start) / SR

    @property
    def prompt(self) -> str | None:
        """Text Whisper hears as said before each turn: the words to listen for."""
        return self._prompt

    @prompt.setter
    def prompt(self, prompt: str | None) -> None:
        """Takes effect from the next ASR call (a scene update changes it mid-session)."""
        self.listen_for(prompt, self._vocabulary)

    @property
    def vocabulary(self) -> tuple[str, ...]:
        """The words transcripts are corrected towards (none when correction is off)."""
        return self._corrector.terms if self._corrector is not None else ()

    @vocabulary.setter
    def vocabulary(self, terms: Sequence[str] | None) -> None:
        """Takes effect from the next transcript; None: the prompt's terms."""
        self.listen_for(self._prompt, terms)

    def listen_for(self, prompt: str | None, terms: Sequence[str] | None) -> None:
        """The prompt and the vocabulary at once (a scene update): one corrector is built."""
        self._prompt = prompt or None
        self._vocabulary = tuple(terms) if terms is not None else None
        self._update_corrector()

    def _update_corrector(self) -> None:
        terms = self._vocabulary
        if terms is None:
            terms = Vocabulary.from_prompt(self._prompt).terms
        on = self._correcting and bool(terms)
        self._corrector = VocabularyCorrector(terms) if on else None

    @property
    def busy(self) -> bool:
        """An ASR call is in flight or a final transcript is still owed."""
        return self._in_flight is not None or bool(self._finals)

    async def run(self, frames: AsyncIterator[Frame]) -> AsyncIterator[Heard]:
        """Listen to ``frames`` until they end, yielding events.

        Bad audio raises AudioFormatError, a failing ASR call ProviderError.
        """
        feeder = asyncio.create_task(self._feed(frames))
        try:
            while True:
                item = await self._out.get()
                if isinstance(item, _Done):
                    break
                if isinstance(item, BaseException):
                    raise item
                yield item
            await feeder
        finally:
            feeder.cancel()
            if self._task is not None:
                self._task.cancel()

    def end_turn(self) -> None:
        """End the current turn now (push-to-talk released, or the client decided)."""
        self._apply(self._detector.end_turn())
        self._schedule()

    def replied(self) -> None:
        """The character has answered (been heard, or acted): whatever the player says next
        is a new turn, not the last one going on."""
        self._detector.keep_apart()

    async def _feed(self, frames: AsyncIterator[Frame]) -> None:
        try:
            async for frame in frames:
                self._take(self._client.convert(frame))
                await asyncio.sleep(0)  # let ASR results out even when frames come in a burst
                while len(self._finals) >= self._max_pending:
                    await self._wait_progress()  # ASR is behind: stop reading, bound memory
            self._take(self._client.flush())
            self._apply(self._detector.finish())
            self._schedule()
            while self.busy:
                await self._wait_progress()
            self._out.put_nowait(_Done())
        except asyncio.CancelledError:
            raise
        except BaseException as exc:  # handed to the consumer of run()
            self._out.put_nowait(exc)

    async def _wait_progress(self) -> None:
        self._progress.clear()
        await self._progress.wait()

    def _take(self, audio: Audio) -> None:
        if not audio.size:
            return
        self._buffer.append(audio)
        pending = np.concatenate([self._pending, audio]) if self._pending.size else audio
        whole = pending.size - pending.size % self._window
        for i in range(0, whole, self._window):
            probability = self._vad.speech_probability(pending[i : i + self._window])
            self._vad_pos += self._window
            self._apply(self._detector.push(probability, self._vad_pos / SR))
            turn = self._turn
            if turn is not None and turn.paused and self._detector.phase is Phase.SPEAKING:
                turn.paused = False
                self._out.put_nowait(SpeechResumed(turn.turn_id))
        self._pending = pending[whole:].copy()
        self._buffer.drop_before(self._keep_from())
        self._schedule()

    def _keep_from(self) -> int:
        """The oldest sample still needed: the open turn's, or pre-roll and onset, or the
        ended turn a new one may still rejoin."""
        if self._turn is not None:
            return self._turn.audio_from
        keep = self._vad_pos - int(IDLE_KEEP_S * SR)
        rejoin_from = self._detector.rejoin_from_s
        return keep if rejoin_from is None else min(keep, _sample(rejoin_from))

    def _apply(self, decisions: list[Decision]) -> None:
        for decision in decisions:
            if isinstance(decision, TurnBegan):
                self._begin(decision)
            else:
                self._finish(decision)

    def _begin(self, began: TurnBegan) -> None:
        turn_id = self._new_turn_id()
        start = _sample(began.audio_from_s)
        self._turn = _OpenTurn(turn_id, start, _sample(began.at_s), start)
        self._last_partial = ""
        rejoins = self._previous if began.rejoins else None
        self._out.put_nowait(SpeechStarted(turn_id, began.at_s, rejoins))

    def _finish(self, finished: TurnFinished) -> None:
        turn = self._turn
        if turn is None:
            return
        self._turn, self._previous = None, turn.turn_id
        self._out.put_nowait(SpeechStopped(turn.turn_id, finished.at_s, finished.decided_s))
        end = _sample(finished.at_s)
        if finished.reason != "max_length":  # keep the trailing sounds the VAD calls silence
            end = min(end + self._speculate_samples, _sample(finished.decided_s))
        audio = self._buffer.slice(turn.audio_from, end)
        self._finals.append((_Job(turn.turn_id, end, audio, final=True), end))

    def _schedule(self) -> None:
        """Settle finals that a transcript already covers, then start the most useful ASR call."""
        while self._finals:
            job, needed = self._finals[0]
            latest = self._latest
            if latest is None or latest.turn_id != job.turn_id or latest.end < needed:
                break
            self._finals.popleft()
            self._emit_final(job.turn_id, latest.text, latest.audio_s)
        if self._in_flight is not None:
            return
        if self._finals:
            self._start(self._finals[0][0])
        else:
            partial = self._next_partial()
            if partial is not None:
                self._start(partial)

    def _next_partial(self) -> _Job | None:
        turn, detector = self._turn, self._detector
        if turn is None:
            return None
        now = self._vad_pos
        paused = detector.phase is Phase.PAUSED
        if paused:  # speculate: this may be the final transcript
            target = _sample(detector.speech_end_s) + self._speculate_samples
            due = now >= target and turn.asked_until < target
        else:
            due = now - max(turn.asked_until, turn.speech_from) >= self._partial_samples
        if not due or turn.asked_until >= now:
            return None
        turn.asked_until = now
        # The words of a pause are transcribed up to the same point however the frames
        # arrived (in one burst or in real time): the same audio, the same transcript.
        end = target if paused else now
        audio = self._buffer.slice(turn.audio_from, end)
        return _Job(turn.turn_id, end, audio, final=False, speculative=paused)

    def _start(self, job: _Job) -> None:
        self._in_flight = job
        self._task = asyncio.create_task(self._transcribe(job))

    async def _transcribe(self, job: _Job) -> None:
        # A final, or the words of a pause (the reply starts on them), is what the player
        # may be waiting for; a partial only feeds the read-ahead.
        level = Level.RESPOND if job.final or job.speculative else Level.LISTEN
        urgency = Urgency.now(level)

        def transcribe() -> Transcript:
            audio, language, prompt = job.audio, self._language, self._prompt
            if self._gate is None:
                return self._asr.transcribe(audio, language=language, prompt=prompt)
            with self._gate.hold(urgency):
                return self._asr.transcribe(audio, language=language, prompt=prompt)

        try:
            transcript = await to_thread(transcribe)
        except asyncio.CancelledError:
            raise
        except BaseException as exc:
            self._out.put_nowait(exc)
            return
        finally:
            self._in_flight = None
            self._progress.set()
        self._done(job, self._clean(transcript))
        self._schedule()

    def _done(self, job: _Job, text: str) -> None:
        audio_s = job.audio.size / SR
        if job.final:
            if self._finals and self._finals[0][0] is job:
                self._finals.popleft()
            self._emit_final(job.turn_id, text, audio_s)
            return
        self._latest = _Result(job.turn_id, job.end, text, audio_s)
        turn = self._turn
        if turn is None or turn.turn_id != job.turn_id:
            return
        if text and text != self._last_partial:
            self._last_partial = text
            self._out.put_nowait(PartialTranscript(job.turn_id, text))
        detector = self._detector
        if (
            job.speculative
            and detector.phase is Phase.PAUSED
            and _sample(detector.speech_end_s) <= job.end  # still the pause it transcribed
        ):
            if text:
                turn.paused = True
                self._out.put_nowait(SpeechPaused(job.turn_id, text))
            self._apply(detector.words_heard(reads_unfinished(text)))

    def _emit_final(self, turn_id: int, text: str, audio_s: float) -> None:
        self._out.put_nowait(FinalTranscript(turn_id, text, audio_s))
        self._progress.set()

    def _clean(self, transcript: Transcript) -> str:
        if transcript.no_speech_prob >= self._no_speech_threshold:
            return ""
        text = transcript.text.strip()
        corrector = self._corrector
        return corrector.correct(text) if corrector is not None else text


def _sample(seconds: float) -> int:
    return round(seconds * SR)
