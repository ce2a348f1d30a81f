"""When the player's turn starts and ends, from voice-activity probabilities alone. No I/O.

``TurnDetector.push(probability, end_s)`` takes the VAD's speech probability for each window
and the stream time at the window's end, and returns ``Decision``s:

* ``TurnBegan`` once there has been ``min_speech_ms`` of speech (clicks and coughs never
  get there); ``at_s`` is where the speech began, ``audio_from_s`` where the turn's audio
  should start (``preroll_ms`` earlier, so soft onsets are not lost).
* ``TurnFinished`` after ``end_of_turn_ms`` of silence (counted from where the sound stopped,
  which the VAD reports ``vad_lag_ms`` late; never in push-to-talk mode), on
  ``end_turn()``, at the end of the stream, or when the turn's audio reaches
  ``max_turn_s``: then the turn is cut at the latest pause in its second half (or right
  there if there was none), and a new turn begins at the cut if the player is still talking.

Waiting for the words (``unfinished_hold_ms`` > 0): the end of a pause also waits until
its words are known (``words_heard``, from the transcript of the turn so far, which the
final transcript waits for anyway), and needs ``unfinished_hold_ms`` of silence when they
read unfinished ("Meet me at the"); at most that long when they never come.

Rejoining: a turn whose speech begins within ``rejoin_ms`` of the end of the previous one's
(ended by silence) is the player going on after a pause longer than the end-of-turn wait
("Grab me a bowl of ramen, ... please."). Its audio starts where the previous turn's did
(``TurnBegan.rejoins``), so what is transcribed from it holds both parts. ``keep_apart()``
(the character has answered) makes the next turn start afresh.

Hysteresis: a turn starts on probabilities >= ``start_threshold``; once started, anything
>= ``stop_threshold`` is still speech, and after a pause speech must again reach
``start_threshold`` to count.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Literal

WINDOW_S = 512 / 16_000

FinishReason = Literal["silence", "end_turn", "max_length", "end_of_stream"]


@dataclass(frozen=True, slots=True)
class TurnConfig:
    """How eagerly turns start and end; times in ms unless the name says otherwise."""

    start_threshold: float = 0.5
    stop_threshold: float = 0.35
    min_speech_ms: float = 200.0
    onset_gap_ms: float = 100.0  # silence that abandons a not-yet-confirmed start
    preroll_ms: float = 300.0
    end_of_turn_ms: float = 250.0
    # Silero's probability falls 1-2 windows after the sound stops (30-60 ms measured on
    # piper and recorded speech), so the silence it reports began about this much earlier.
    vad_lag_ms: float = 64.0
    max_turn_s: float = 30.0
    push_to_talk: bool = False
    window_s: float = WINDOW_S
    # People pause mid-sentence for 200-700 ms (longer than end_of_turn_ms); a gap this
    # short between turns joins them. 0: never (docs/benchmarks.md, "Listening").
    rejoin_ms: float = 0.0
    unfinished_hold_ms: float = 0.0  # 0: silence alone ends a turn (see the module doc)

    def __post_init__(self) -> None:
        if not 0 <= self.stop_threshold <= self.start_threshold <= 1:
            raise ValueError("need 0 <= stop_threshold <= start_threshold <= 1")
        if self.max_turn_s * 1000 <= self.preroll_ms + self.min_speech_ms:
            raise ValueError("max_turn_s must be longer than preroll_ms + min_speech_ms")
        if 0 < self.unfinished_hold_ms < self.end_of_turn_ms:
            raise ValueError("unfinished_hold_ms must be 0 or at least end_of_turn_ms")


@dataclass(frozen=True, slots=True)
class TurnBegan:
    at_s: float  # where speech began
    audio_from_s: float  # where the turn's audio begins (pre-roll, or the rejoined turn's)
    decided_s: float
    rejoins: bool = False  # the audio begins with the previous turn's: it goes on from there


@dataclass(frozen=True, slots=True)
class TurnFinished:
    at_s: float  # where the turn's speech (and audio) ends
    decided_s: float
    reason: FinishReason


Decision = TurnBegan | TurnFinished


class Phase(Enum):
    IDLE = "idle"
    ONSET = "onset"  # speech heard, not yet long enough to be a turn
    SPEAKING = "speaking"
    PAUSED = "paused"  # in a turn, below stop_threshold since ``speech_end_s``


class TurnDetector:
    """The turn-taking state machine of one audio stream."""

    def __init__(self, config: TurnConfig | None = None) -> None:
        self.config = config or TurnConfig()
        self.phase = Phase.IDLE
        self.now_s = 0.0
        self.turn_start_s = 0.0  # where the current turn's (or onset's) speech began
        self.audio_from_s = 0.0  # where the current turn's audio begins
        self.speech_end_s = 0.0  # end of the last speech window
        self._onset_speech_s = 0.0
        self._floor_s = 0.0  # audio before this belongs to an earlier turn
        self._pause_s: float | None = None  # latest cut point in the turn's second half
        # The previous turn's (audio start, end of speech) while a new turn may rejoin it.
        self._joinable: tuple[float, float] | None = None
        self._unfinished: bool | None = None  # how this pause's words read (None: not known)

    @property
    def in_turn(self) -> bool:
        return self.phase in (Phase.SPEAKING, Phase.PAUSED)

    @property
    def silence_needed_s(self) -> float:
        """VAD silence that ends a turn: ``end_of_turn_ms`` less the VAD's lag."""
        cfg = self.config
        return max(cfg.end_of_turn_ms - cfg.vad_lag_ms, cfg.window_s * 1000) / 1000

    @property
    def rejoin_from_s(self) -> float | None:
        """Where a turn beginning now would start its audio by rejoining the previous one;
        None when none would (audio before it can be let go)."""
        joinable = self._joinable
        if joinable is None or self.in_turn:
            return None
        since = self.turn_start_s if self.phase is Phase.ONSET else self.now_s
        return joinable[0] if self._may_rejoin(since) else None

    def keep_apart(self) -> None:
        """The next turn starts afresh, however soon (the character has answered)."""
        self._joinable = None

    @property
    def pause_needs_s(self) -> float:
        """VAD silence that ends the turn at this pause, from what is known of its words."""
        cfg = self.config
        if cfg.unfinished_hold_ms <= 0 or self._unfinished is False:
            return self.silence_needed_s
        return max(cfg.unfinished_hold_ms - cfg.vad_lag_ms, cfg.window_s * 1000) / 1000

    def words_heard(self, unfinished: bool) -> list[Decision]:
        """The words of the turn up to this pause are known, and read ``unfinished`` or not;
        ends the turn now if the silence so far is enough."""
        if self.phase is not Phase.PAUSED:
            return []
        self._unfinished = unfinished
        return self._end_on_silence()

    @property
    def silence_s(self) -> float:
        """How long the current turn has been silent (0 while speaking or outside a turn)."""
        return self.now_s - self.speech_end_s if self.phase is Phase.PAUSED else 0.0

    def push(self, probability: float, end_s: float) -> list[Decision]:
        """Feed the probability of the window ending at stream time ``end_s``."""
        cfg = self.config
        start_s, self.now_s = end_s - cfg.window_s, end_s
        out: list[Decision] = []
        if self.phase is Phase.IDLE and probability >= cfg.start_threshold:
            self.phase, self.turn_start_s = Phase.ONSET, start_s
            self._onset_speech_s, self.speech_end_s = 0.0, start_s
        if self.phase is Phase.ONSET:
            self._onset(probability, end_s, out)
        elif self.phase is Phase.SPEAKING:
            if probability >= cfg.stop_threshold:
                self.speech_end_s = end_s
            else:
                self.phase = Phase.PAUSED
                self._mark_pause(start_s)
        elif self.phase is Phase.PAUSED:
            if probability >= cfg.start_threshold:
                self.phase, self.speech_end_s = Phase.SPEAKING, end_s
                self._unfinished = None  # the next pause's words are not known yet
            else:
                out.extend(self._end_on_silence())
        if self.in_turn and end_s - self.audio_from_s >= cfg.max_turn_s - 1e-6:
            out.extend(self._cut())
        return out

    def end_turn(self) -> list[Decision]:
        """The player (or client) says the turn is over; confirms a turn still in its onset."""
        if self.phase is Phase.IDLE:
            return []
        out: list[Decision] = []
        if self.phase is Phase.ONSET:
            out.append(self._begin())
        end = self.speech_end_s if self.phase is Phase.PAUSED else self.now_s
        out.append(self._finish(end, "end_turn"))
        return out

    def finish(self) -> list[Decision]:
        """The stream ended: close a turn in progress (an unconfirmed onset is dropped)."""
        if not self.in_turn:
            self.phase = Phase.IDLE
            return []
        end = self.speech_end_s if self.phase is Phase.PAUSED else self.now_s
        return [self._finish(end, "end_of_stream")]

    def _end_on_silence(self) -> list[Decision]:
        if self.config.push_to_talk or self.silence_s < self.pause_needs_s - 1e-9:
            return []
        return [self._finish(self.speech_end_s, "silence")]

    def _onset(self, probability: float, end_s: float, out: list[Decision]) -> None:
        cfg = self.config
        if probability >= cfg.stop_threshold:
            self._onset_speech_s += cfg.window_s
            self.speech_end_s = end_s
            if self._onset_speech_s * 1000 >= cfg.min_speech_ms - 1e-6:
                out.append(self._begin())
        elif (end_s - self.speech_end_s) * 1000 >= cfg.onset_gap_ms - 1e-6:
            self.phase = Phase.IDLE  # a click or a cough

    def _begin(self) -> TurnBegan:
        cfg = self.config
        self.phase = Phase.SPEAKING
        self.audio_from_s = max(self._floor_s, self.turn_start_s - cfg.preroll_ms / 1000, 0.0)
        self._pause_s, self._unfinished = None, None
        rejoins = self._joinable is not None and self._may_rejoin(self.turn_start_s)
        if rejoins and self._joinable is not None:
            self.audio_from_s = self._joinable[0]
        self._joinable = None
        return TurnBegan(self.turn_start_s, self.audio_from_s, self.now_s, rejoins)

    def _may_rejoin(self, speech_from_s: float) -> bool:
        """Speech from ``speech_from_s`` is soon enough after the joinable turn, and the
        two together leave room to go on (at most half the longest turn so far)."""
        if self._joinable is None:
            return False
        audio_from, end = self._joinable
        cfg = self.config
        return (
            speech_from_s - end <= cfg.rejoin_ms / 1000 + 1e-9
            and self.now_s - audio_from <= cfg.max_turn_s / 2
        )

    def _finish(self, at_s: float, reason: FinishReason) -> TurnFinished:
        self.phase = Phase.IDLE
        self._floor_s = at_s
        # Only a turn ended by the silence rule may be rejoined: the player (end_turn) and
        # the length cap (max_length) end a turn for good.
        joinable = reason == "silence" and self.config.rejoin_ms > 0
        self._joinable = (self.audio_from_s, at_s) if joinable else None
        return TurnFinished(at_s, self.now_s, reason)

    def _mark_pause(self, start_s: float) -> None:
        if start_s - self.audio_from_s >= self.config.max_turn_s / 2:
            self._pause_s = start_s

    def _cut(self) -> list[Decision]:
        """The turn is as long as allowed: end it at the latest pause, or here."""
        if self.phase is Phase.PAUSED:
            return [self._finish(self.speech_end_s, "max_length")]
        cut = self._pause_s if self._pause_s is not None else self.now_s
        finished = self._finish(cut, "max_length")
        # The player is still talking: what follows the cut is the next turn, with no
        # pre-roll, so no word is transcribed twice.
        self.turn_start_s = self.audio_from_s = cut
        self.phase, self._pause_s = Phase.SPEAKING, None
        return [finished, TurnBegan(cut, cut, self.now_s)]
