"""Listening bench: streamed final transcripts against whole-clip Whisper, on varied speech.

    .venv/bin/python -m bench.listen                      # dev split, every set (~10 min)
    .venv/bin/python -m bench.listen --split test         # the held-out lines: report only
    .venv/bin/python -m bench.listen --voices piper espeak-us --conditions clean
    .venv/bin/python -m bench.listen --vocabulary         # Jin's words given to Whisper
    .venv/bin/python -m bench.listen --rejoin-ms 0        # turns never rejoined (before)
    .venv/bin/python -m bench.listen --pace 1 --hold-ms 1000   # the end waits for the words
    .venv/bin/python -m bench.listen --pace 1             # fed in real time (slow)
    .venv/bin/python -m bench.listen --vocabulary --save dev.json   # keep the texts

The listener runs with its vocabulary correction off; the run ends with the table of
``bench.listen_correct``: the same finals (and whole-clip transcripts) corrected against
Jin's words (``--prompt-words`` of them, as the listener would), before and after.

Each set (a voice in a room, see bench/listen_speech.py) is one player's stream: 0.5 s of
silence, then each line followed by 1.5 s of silence, as 20 ms PCM16 frames through today's
``npc.voice.listener.Listener`` with the real Silero VAD and Whisper. ``--pace 0`` (the
default) feeds frames as fast as the listener takes them (its times are stream time); the
end -> final latency is only printed with ``--pace 1`` or more (fed faster, the ASR calls
of later lines pile up in front of a final).

A turn that rejoins the one before (``SpeechStarted.rejoins``: the player went on within
``--rejoin-ms`` of their last words) is heard with it: its final stands for both.

Printed per set: the WER of the streamed final transcripts (a line cut into several turns
gets its turns' finals joined) and of Whisper on each whole clip (same model, same
settings, same run); the sheet's words heard right in each; lines cut into two turns or
more ("split"), lines heard whole by rejoining, turns holding two lines ("merged") and lines
that got no turn; the silence
the listener waited after each line's speech (stream time) and end of speech -> final
transcript (wall clock, from when the frame holding the end of speech was handed over).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import threading
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from bench.listen_speech import (
    CONDITIONS,
    ESPEAK,
    ROOT,
    SR,
    Clip,
    Speakers,
    SpeechSet,
    build_sets,
    need,
)
from npc.audio import float32_to_pcm16
from npc.events import Event, FinalTranscript, SpeechStarted, SpeechStopped
from npc.providers.base import Capabilities, SpeechRecognizer, Transcript
from npc.voice.listener import REJOIN_MS, Listener
from npc.voice.vocabulary import MAX_PROMPT_WORDS

FRAME = SR // 50  # 20 ms
LEAD_S, GAP_S = 0.5, 1.5
NUMBERS = dict(
    enumerate(
        ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]
    )
)
NUMBERS = {str(k): v for k, v in NUMBERS.items()}


def words(text: str) -> list[str]:
    """Lower-case words, digits spelled out ("table 2" == "table two"), hyphens split."""
    return [NUMBERS.get(w, w) for w in re.sub(r"[^a-z0-9' ]+", " ", text.lower()).split()]


def word_errors(reference: str, hypothesis: str) -> tuple[int, int]:
    """(edit distance in words, reference length)."""
    ref, hyp = words(reference), words(hypothesis)
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (r != h))
    return row[-1], len(ref)


def heard(term: str, text: str) -> bool:
    """``term``'s words appear in ``text`` in order, side by side."""
    want, got = " ".join(words(term)), " ".join(words(text))
    return f" {want} " in f" {got} "


@dataclass(slots=True)
class Call:
    """One ASR call as the listener made it."""

    samples: int
    text: str
    seconds: float
    audio: NDArray[np.float32]


class RecordingRecognizer:
    """Wraps a recogniser: records every call, and gives every call the same prompt."""

    def __init__(self, inner: SpeechRecognizer, prompt: str | None) -> None:
        self.inner, self.prompt = inner, prompt
        self.capabilities: Capabilities = inner.capabilities
        self.calls: list[Call] = []
        self._lock = threading.Lock()

    def transcribe(
        self, audio: NDArray[np.float32], *, language: str | None = None, prompt: str | None = None
    ) -> Transcript:
        t = time.perf_counter()
        out = self.inner.transcribe(audio, language=language, prompt=self.prompt)
        with self._lock:
            self.calls.append(Call(audio.size, out.text, time.perf_counter() - t, audio.copy()))
        return out


@dataclass(slots=True)
class Turn:
    """A turn as heard: one the listener made, with those it rejoined folded in."""

    turn_id: int
    start_s: float
    rejoins: int | None = None
    joined: int = 1  # listener turns it stands for
    stop_s: float = -1.0
    decided_s: float = -1.0
    final: str | None = None
    final_wall: float = 0.0
    final_audio_s: float = 0.0


@dataclass(slots=True)
class LineResult:
    clip: Clip
    start_s: float  # stream time of the line's first and last audible 10 ms
    end_s: float
    whole: str
    streamed: str = ""
    rejoined: str = ""  # a line cut into turns, its turns' audio transcribed at once
    turns: list[Turn] = field(default_factory=list)
    end_wall: float = 0.0  # when the frame holding the end of speech was handed over


def layout(clips: tuple[Clip, ...]) -> tuple[NDArray[np.float32], list[tuple[float, float]]]:
    """The set as one stream, and each line's audible span in stream seconds."""
    parts, spans, offset = [np.zeros(int(LEAD_S * SR), np.float32)], [], LEAD_S
    for clip in clips:
        start, end = clip.span
        spans.append((offset + start, offset + end))
        parts += [clip.audio, np.zeros(int(GAP_S * SR), np.float32)]
        offset += clip.audio.size / SR + GAP_S
    return np.concatenate(parts), spans


async def stream(
    listener: Listener, audio: NDArray[np.float32], ends: list[float], pace: float
) -> tuple[list[Turn], dict[float, float]]:
    """Feed ``audio`` in 20 ms frames; the turns heard and when each end of speech was fed."""
    fed: dict[float, float] = {}
    pending = sorted(ends)

    async def frames() -> AsyncIterator[bytes]:
        start = time.perf_counter()
        for i in range(0, audio.size, FRAME):
            if pace > 0:
                await asyncio.sleep(max(0.0, start + i / SR / pace - time.perf_counter()))
            while pending and pending[0] * SR < i + FRAME:
                fed[pending.pop(0)] = time.perf_counter()
            yield float32_to_pcm16(audio[i : i + FRAME])

    turns: dict[int, Turn] = {}
    async for event in listener.run(frames()):
        on_event(turns, event)
    return joined(sorted(turns.values(), key=lambda t: t.turn_id)), fed


def joined(turns: list[Turn]) -> list[Turn]:
    """Each turn that rejoins the one before takes its place, from where that one began."""
    out: list[Turn] = []
    for turn in turns:
        if turn.rejoins is not None and out and out[-1].turn_id == turn.rejoins:
            before = out.pop()
            turn.start_s, turn.joined = before.start_s, before.joined + 1
        out.append(turn)
    return out


def on_event(turns: dict[int, Turn], event: Event) -> None:
    if isinstance(event, SpeechStarted):
        turns[event.turn_id] = Turn(event.turn_id, event.at_s, event.rejoins)
    elif isinstance(event, SpeechStopped):
        turn = turns[event.turn_id]
        turn.stop_s, turn.decided_s = event.at_s, event.decided_s
    elif isinstance(event, FinalTranscript):
        turn = turns[event.turn_id]
        turn.final, turn.final_audio_s = event.text, event.audio_s
        turn.final_wall = time.perf_counter()


def assign(results: list[LineResult], turns: list[Turn]) -> list[Turn]:
    """Give each turn to the lines its speech overlaps; returns the turns of no line."""
    stray = []
    for turn in turns:
        owners = [r for r in results if turn.start_s < r.end_s and turn.stop_s > r.start_s - 0.05]
        for r in owners:
            r.turns.append(turn)
        if not owners:
            stray.append(turn)
    for r in results:
        r.streamed = " ".join(t.final or "" for t in r.turns).strip()
    return stray


@dataclass(slots=True)
class SetScore:
    name: str
    lines: int
    whole_wer: float
    streamed_wer: float
    whole_terms: tuple[int, int]
    streamed_terms: tuple[int, int]
    split: int
    rejoined: int  # lines heard whole because a turn rejoined the one before
    merged: int
    missed: int
    stray: int
    waited_ms: list[float]
    final_ms: list[float]
    one_turn_wer: tuple[float, float]  # (whole, streamed) on the lines heard as one turn
    short_finals: int  # finals transcribed from less audio than their turn holds
    rejoined_wer: float
    asr_ms: list[float] = field(default_factory=list)  # each ASR call the listener made


def score(name: str, results: list[LineResult], stray: list[Turn]) -> SetScore:
    def wer(attr: str, only: list[LineResult] | None = None) -> float:
        pairs = [word_errors(r.clip.line.said, getattr(r, attr)) for r in only or results]
        return sum(e for e, _ in pairs) / max(sum(n for _, n in pairs), 1)

    def terms(attr: str) -> tuple[int, int]:
        found = [heard(w, getattr(r, attr)) for r in results for w in r.clip.line.words]
        return sum(found), len(found)

    whole_turns = [r for r in results if len(r.turns) == 1]
    # A turn's audio starts up to 300 ms before its speech (pre-roll) and ends 64 ms after.
    short = sum(
        1
        for r in results
        for t in r.turns
        if t.final is not None and (t.stop_s - t.start_s) - (t.final_audio_s - 0.3) > 0.1
    )
    merged = {t.turn_id for r in results for t in r.turns if sum(t in o.turns for o in results) > 1}
    waited, finals = [], []
    for r in results:
        if r.turns and r.turns[-1].decided_s >= 0:
            last = r.turns[-1]
            waited.append((last.decided_s - r.end_s) * 1000)
            if last.final is not None and r.end_wall:
                finals.append((last.final_wall - r.end_wall) * 1000)
    return SetScore(
        name,
        len(results),
        wer("whole"),
        wer("streamed"),
        terms("whole"),
        terms("streamed"),
        sum(len(r.turns) > 1 for r in results),
        sum(len(r.turns) == 1 and r.turns[0].joined > 1 for r in results),
        len(merged),
        sum(not r.turns for r in results),
        len(stray),
        waited,
        finals,
        (wer("whole", whole_turns), wer("streamed", whole_turns)) if whole_turns else (0, 0),
        short,
        wer("rejoined"),
    )


def run_set(
    speech: SpeechSet,
    asr: RecordingRecognizer,
    vad: object,
    pace: float,
    verbose: bool,
    rejoin_ms: float = REJOIN_MS,
    hold_ms: float = 0.0,
    saved: list[dict[str, object]] | None = None,
) -> SetScore:
    audio, spans = layout(speech.clips)
    results = [
        LineResult(c, s, e, asr.inner.transcribe(c.audio, language="en", prompt=asr.prompt).text)
        for c, (s, e) in zip(speech.clips, spans, strict=True)
    ]
    asr.calls.clear()
    listener = Listener(
        asr,  # type: ignore[arg-type]
        vad,  # type: ignore[arg-type]
        language="en",
        rejoin_ms=rejoin_ms,
        unfinished_hold_ms=hold_ms,
        correct_vocabulary=False,  # corrected afterwards, so both columns come from one run
    )
    turns, fed = asyncio.run(stream(listener, audio, [e for _, e in spans], pace))
    for r in results:
        r.end_wall = fed.get(r.end_s, 0.0)
    stray = assign(results, turns)
    rejoin(results, audio, asr)
    if verbose:
        show(speech.name, results, stray)
    if saved is not None:
        saved.extend(saved_lines(speech.name, results))
    scored = score(speech.name, results, stray)
    scored.asr_ms = [c.seconds * 1000 for c in asr.calls]
    return scored


def rejoin(results: list[LineResult], audio: NDArray[np.float32], asr: RecordingRecognizer) -> None:
    """What a final would say if the turns of a line still split (not rejoined) were heard
    together: from the first one's pre-roll to the last one's end, transcribed at once."""
    for r in results:
        r.rejoined = r.streamed
        if len(r.turns) > 1:
            first, last = r.turns[0], r.turns[-1]
            heard = audio[int((first.start_s - 0.3) * SR) : int((last.stop_s + 0.064) * SR)]
            r.rejoined = asr.inner.transcribe(heard, language="en", prompt=asr.prompt).text


def saved_lines(name: str, results: list[LineResult]) -> list[dict[str, object]]:
    """Each line's texts as plain data, to score again without the recogniser."""
    return [
        {
            "set": name,
            "said": r.clip.line.said,
            "words": list(r.clip.line.words),
            "whole": r.whole,
            "streamed": r.streamed,
            "finals": [t.final or "" for t in r.turns],
        }
        for r in results
    ]


def show(name: str, results: list[LineResult], stray: list[Turn]) -> None:
    for r in results:
        mark = "" if words(r.whole) == words(r.streamed) else f"  <> rejoined {r.rejoined!r}"
        cuts = " / ".join(repr(t.final) for t in r.turns) if len(r.turns) > 1 else ""
        print(f"  {name}: {r.clip.line.said!r}\n    whole    {r.whole!r}")
        print(f"    streamed {r.streamed!r}{mark} {cuts}")
    for t in stray:
        print(f"  {name}: a turn of no line at {t.start_s:.2f}-{t.stop_s:.2f} s: {t.final!r}")


def ms(values: list[float], q: float) -> str:
    return f"{np.percentile(values, q):.0f}" if values else "-"


def table(scores: list[SetScore], paced: bool) -> None:
    head = (
        "| set | lines | WER whole | WER streamed | ratio | WER splits rejoined "
        "| sheet words whole | streamed "
        "| split | rejoined | merged | no turn | stray | WER whole / streamed, lines in one turn "
        "| finals short of their turn | silence waited p50 ms | end -> final p50 / p95 ms "
        "| ASR calls, p50 ms |"
    )
    print(head)
    print("|" + "---|" * head.count(" | ") + "---|")
    for s in scores:
        ratio = s.streamed_wer / s.whole_wer if s.whole_wer else float("inf") * s.streamed_wer
        wt = f"{s.whole_terms[0]}/{s.whole_terms[1]}" if s.whole_terms[1] else "-"
        st = f"{s.streamed_terms[0]}/{s.streamed_terms[1]}" if s.streamed_terms[1] else "-"
        print(
            f"| {s.name} | {s.lines} | {s.whole_wer:.1%} | {s.streamed_wer:.1%} | "
            f"{'-' if np.isnan(ratio) else f'{ratio:.2f}'} | {s.rejoined_wer:.1%} | "
            f"{wt} | {st} | {s.split} | {s.rejoined} | "
            f"{s.merged} | {s.missed} | {s.stray} | "
            f"{s.one_turn_wer[0]:.1%} / {s.one_turn_wer[1]:.1%} | {s.short_finals} | "
            f"{ms(s.waited_ms, 50)} | "
            f"{f'{ms(s.final_ms, 50)} / {ms(s.final_ms, 95)}' if paced else '-'} | "
            f"{len(s.asr_ms)}, {ms(s.asr_ms, 50)} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("dev", "test"), default="dev")
    parser.add_argument("--voices", nargs="+", default=["real", "piper", *ESPEAK])
    parser.add_argument("--conditions", nargs="+", default=list(CONDITIONS))
    parser.add_argument("--no-pauses", action="store_true", help="leave out the pause sets")
    parser.add_argument("--pace", type=float, default=0.0, help="x real time; 0: fast")
    parser.add_argument("--vocabulary", action="store_true", help="give Whisper Jin's words")
    parser.add_argument(
        "--prompt-words", type=int, default=MAX_PROMPT_WORDS, help="of Jin's, at most"
    )
    parser.add_argument(
        "--rejoin-ms", type=float, default=REJOIN_MS, help="0: turns are never rejoined"
    )
    parser.add_argument(
        "--hold-ms",
        type=float,
        default=0.0,
        help="wait for the words of each pause, this long when they read unfinished",
    )
    parser.add_argument("--save", type=Path, help="write each line's texts here (JSON)")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    need("sox")
    if any(v in ESPEAK for v in args.voices):
        need("espeak-ng")

    from npc.assets import resolve
    from npc.config import load_settings
    from plugins.faster_whisper_asr import WhisperRecognizer
    from plugins.silero_vad import SileroVad

    settings = load_settings()
    whisper = WhisperRecognizer(resolve("asr", None, settings.cache_dir).path, threads=2)
    prompt = jin_prompt(args.prompt_words) if args.vocabulary else None
    asr = RecordingRecognizer(whisper, prompt)
    vad = SileroVad.load()
    speakers = Speakers(settings.cache_dir)
    scores = []
    saved: list[dict[str, object]] = []
    try:
        sets = build_sets(speakers, args.split, args.voices, args.conditions, not args.no_pauses)
        for speech in sets:
            t = time.perf_counter()
            scores.append(
                run_set(
                    speech, asr, vad, args.pace, args.verbose, args.rejoin_ms, args.hold_ms, saved
                )
            )
            if args.save:
                args.save.write_text(json.dumps(saved, indent=1), encoding="utf-8")
            print(f"{speech.name}: {time.perf_counter() - t:.0f} s", flush=True)
    finally:
        speakers.close()
    words = f"{args.prompt_words} words" if prompt else "none"
    print(
        f"\nsplit {args.split}, pace {args.pace or 'fast'}, vocabulary {words}, "
        f"rejoin {args.rejoin_ms:g} ms, hold on unfinished words {args.hold_ms:g} ms"
    )
    table(scores, args.pace >= 1)
    from bench.listen_correct import jin_corrector
    from bench.listen_correct import table as correction_table

    print(f"\nvocabulary correction against Jin's words ({args.prompt_words} words at most):")
    correction_table(saved, jin_corrector(args.prompt_words))


def jin_prompt(max_words: int = MAX_PROMPT_WORDS) -> str:
    from npc.character.loader import load_sheet
    from npc.voice.vocabulary import Vocabulary

    sheet = load_sheet(ROOT / "characters" / "jin.yaml")
    return Vocabulary.of(sheet).prompt(max_words)


if __name__ == "__main__":
    main()
