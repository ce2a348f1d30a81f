"""End of turn: Smart Turn's cost, and an end-of-turn rule simulated on every pause.

    .venv/bin/python -m bench.listen_turn                 # dev split: tune here
    .venv/bin/python -m bench.listen_turn --split test    # report only

Each line of the listening bench's clean and pause sets (bench/listen_speech.py) runs
through the Silero VAD and ``npc.turns.TurnDetector`` (which never ends the turn here), so
every pause the listener would see is found with its length. At each pause, 64 ms into the
silence (where the listener transcribes the turn so far today), Smart Turn scores the
turn's audio so far and Whisper transcribes it. Then each rule decides, for every pause,
whether that much silence would have ended the turn:

* false cut-offs: lines ended at a pause inside them (the pause sets put 200-700 ms of
  silence mid-sentence; the clean sets have the speakers' own comma pauses);
* silence waited on complete turns: from the last audible 10 ms of the line to the
  decision, p50/p95; a decision cannot come before the signals are computed (64 ms of
  silence plus the measured Smart Turn and Whisper time of that pause, run one after the
  other on this machine).

Printed: Smart Turn's time per call p50/p95, then a table per set and rule.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from bench.listen_speech import ESPEAK, SR, Clip, Speakers, build_sets, need
from npc.turns import Phase, TurnConfig, TurnDetector
from npc.voice.end_of_turn import EndOfTurnRule

EVAL_MS = 64.0  # where the listener speculates today (asr.pause_ms)
LEAD_S, TAIL_S = 0.5, 2.0
VAD_LAG_MS = TurnConfig().vad_lag_ms


@dataclass(frozen=True, slots=True)
class Pause:
    """A pause the VAD heard inside a turn, and what was known 64 ms into it."""

    last: bool  # the end of the line (no more speech follows)
    vad_silence_s: float  # how long the VAD heard silence (inf for the last)
    after_audible_s: float  # VAD's end of speech - the line's last audible sound (last only)
    probability: float
    text: str
    compute_s: float  # Smart Turn + Whisper, one after the other


@dataclass(frozen=True, slots=True)
class Baseline:
    """Today's rule: a fixed silence."""

    ms: float = 250.0

    def silence_needed_ms(self, complete_probability: float | None, partial: str | None) -> float:
        return self.ms


def pauses(clip: Clip, vad: object, turn: object, asr: object, times: list[float]) -> list[Pause]:
    """Every pause of ``clip`` (played after LEAD_S of silence, followed by TAIL_S)."""
    audio = np.concatenate(
        [np.zeros(int(LEAD_S * SR), np.float32), clip.audio, np.zeros(int(TAIL_S * SR), np.float32)]
    )
    stream = vad.new_stream()  # type: ignore[attr-defined]
    probs = stream.speech_probabilities(audio[: audio.size // 512 * 512])
    detector = TurnDetector(TurnConfig(end_of_turn_ms=60_000))
    found: list[tuple[float, float, float]] = []  # (audio_from, speech_end, resumed at)
    start = speech_end = None
    for i, p in enumerate(probs):
        before = detector.phase
        detector.push(float(p), (i + 1) * 512 / SR)
        if detector.phase is Phase.SPEAKING and start is None:
            start = detector.audio_from_s
        if before is Phase.SPEAKING and detector.phase is Phase.PAUSED:
            speech_end = detector.speech_end_s
        elif before is Phase.PAUSED and detector.phase is Phase.SPEAKING and speech_end:
            found.append((start or 0.0, speech_end, detector.speech_end_s - 512 / SR))
            speech_end = None
    if speech_end is None or start is None:
        return []
    found.append((start, speech_end, math.inf))
    audible_end = LEAD_S + clip.span[1]
    out = []
    for audio_from, end, resumed in found:
        if resumed - end < EVAL_MS / 1000:
            continue  # the listener never gets to look at this one
        heard = audio[int(audio_from * SR) : int((end + EVAL_MS / 1000) * SR)]
        t = time.perf_counter()
        probability = turn.complete_probability(heard)  # type: ignore[attr-defined]
        times.append(time.perf_counter() - t)
        text = asr.transcribe(heard, language="en").text  # type: ignore[attr-defined]
        last = math.isinf(resumed)
        out.append(
            Pause(last, resumed - end, end - audible_end if last else 0.0, probability, text,
                  time.perf_counter() - t)
        )  # fmt: skip
    return out


def word_ends(split: str, turn: object, asr: object, model_path: Path) -> list[list[Pause]]:
    """The recorded people, as if they had paused after every word: 200-700 ms of silence
    after each word inside the sentence, the turn's end after the last one. (The TTS voices
    are no test of Smart Turn: it was trained on people, and scores them near chance.)"""
    from faster_whisper import WhisperModel

    from bench.listen_speech import PAUSES_MS, recorded

    whisper = WhisperModel(str(model_path), device="cpu", compute_type="int8", cpu_threads=2)
    lines = []
    for clip in recorded(split):
        segments, _ = whisper.transcribe(clip.audio, language="en", word_timestamps=True)
        ends = [w.end for s in segments for w in (s.words or [])]
        line = []
        for i, end in enumerate(ends):
            last = i == len(ends) - 1
            heard = np.concatenate(
                [clip.audio[: int(end * SR)], np.zeros(int(EVAL_MS / 1000 * SR), np.float32)]
            )
            t = time.perf_counter()
            probability = turn.complete_probability(heard)  # type: ignore[attr-defined]
            text = asr.transcribe(heard, language="en").text  # type: ignore[attr-defined]
            silence = math.inf if last else PAUSES_MS[i % len(PAUSES_MS)] / 1000
            line.append(Pause(last, silence, VAD_LAG_MS / 1000, probability, text,
                              time.perf_counter() - t))  # fmt: skip
        lines += [[p] for p in line]  # each word end is a trial of its own
    return lines


def simulate(
    lines: list[list[Pause]], rule: object, instant: bool = False
) -> tuple[int, int, list[float]]:
    """(lines cut before their end, lines, silence waited in ms on the complete ones).

    Until a pause's signals are computed (64 ms of silence plus their measured time, or
    at 64 ms when ``instant``), the rule knows neither and needs its unknown-signal
    silence; a rule that uses no signal never waits for them.
    """
    cut, waited = 0, []
    for line in lines:
        ended_early = False
        for pause in line:
            decided = _decision_s(rule, pause, instant)
            if pause.last:
                waited.append((pause.after_audible_s + decided) * 1000)
            elif pause.vad_silence_s >= decided:
                ended_early = True
                break
        cut += ended_early
    return cut, len(lines), waited


def _decision_s(rule: object, pause: Pause, instant: bool) -> float:
    """Seconds of VAD silence after which ``rule`` ends the turn at ``pause``."""
    needed = rule.silence_needed_ms  # type: ignore[attr-defined]
    blind = _vad_s(needed(None, None))
    if isinstance(rule, Baseline):
        return blind
    known_at = EVAL_MS / 1000 + (0.0 if instant else pause.compute_s)
    if known_at > blind:
        return blind  # the turn ended before the signals came
    return max(_vad_s(needed(pause.probability, pause.text)), known_at)


def _vad_s(ms: float) -> float:
    """VAD silence that stands for ``ms`` of silence (the VAD hears it ~64 ms late)."""
    return max(ms - VAD_LAG_MS, 512 / SR * 1000) / 1000


class _Without:
    """A rule told nothing of one signal: the audio model's or the transcript's."""

    def __init__(self, rule: EndOfTurnRule, signal: str) -> None:
        self.rule, self.signal = rule, signal

    def silence_needed_ms(self, complete_probability: float | None, partial: str | None) -> float:
        if self.signal == "audio" and partial is not None:
            return self.rule.silence_needed_ms(0.99, partial)  # as if it always sounded done
        if self.signal == "text" and complete_probability is not None:
            return self.rule.silence_needed_ms(complete_probability, "")
        return self.rule.silence_needed_ms(complete_probability, partial)


def rules(rule: EndOfTurnRule) -> dict[str, object]:
    return {
        "today (250 ms)": Baseline(250),
        "silence 800 ms": Baseline(800),
        "rule": rule,
        "rule without Smart Turn": _Without(rule, "audio"),
        "rule without the transcript": _Without(rule, "text"),
    }


def collect(args: argparse.Namespace) -> tuple[dict[str, list[list[Pause]]], list[float]]:
    """Every pause of every line of the clean and pause sets, with its signals."""
    from npc.assets import resolve
    from npc.config import load_settings
    from plugins.faster_whisper_asr import WhisperRecognizer
    from plugins.silero_vad import SileroVad
    from plugins.smart_turn import SmartTurn

    need("sox")
    need("espeak-ng")
    settings = load_settings()
    model_path = resolve("asr", None, settings.cache_dir).path
    asr = WhisperRecognizer(model_path, threads=2)
    vad, turn = SileroVad.load(), SmartTurn()
    speakers = Speakers(settings.cache_dir)
    times: list[float] = []
    found: dict[str, list[list[Pause]]] = {}
    try:
        if "real" in args.voices:
            found["real/word ends"] = word_ends(args.split, turn, asr, model_path)
            print("real/word ends: done", flush=True)
        for speech in build_sets(speakers, args.split, args.voices, ["clean"], True):
            lines = [pauses(c, vad, turn, asr, times) for c in speech.clips]
            found[speech.name] = [line for line in lines if line]
            if args.verbose:
                for clip, line in zip(speech.clips, lines, strict=True):
                    shown = [(round(p.vad_silence_s, 2), round(p.probability, 2), p.text)
                             for p in line]  # fmt: skip
                    print(f"  {speech.name} {clip.line.said!r}: {shown}")
            print(f"{speech.name}: {len(lines)} lines", flush=True)
    finally:
        speakers.close()
    return found, times


def tune(found: dict[str, list[list[Pause]]]) -> None:
    """The rules that cut <= 5% of the pause sets' lines, least silence waited first."""
    paused = [line for name, v in found.items() if name.endswith("/pause") for line in v]
    everything = [line for v in found.values() for line in v]
    tried = []
    for quick, base, hold, above, below in itertools.product(
        (64, 100, 150, 200), (250, 400, 600, 800), (800, 1000, 1500),
        (0.5, 0.7, 0.9, 1.0), (0.0, 0.1, 0.3),
    ):  # fmt: skip
        if quick <= base <= hold and below <= above:
            rule = EndOfTurnRule(quick, base, hold, above, below)
            cut, total, _ = simulate(paused, rule, instant=True)
            _, _, waited = simulate(everything, rule, instant=True)
            tried.append((cut / total, float(np.percentile(waited, 50)), rule))
    tried.sort(key=lambda t: (t[0] > 0.05, t[1]))
    for share, p50, rule in tried[:10]:
        print(f"pause sets cut {share:.0%}, waited p50 {p50:.0f} ms (signals instant): {rule}")


def table(found: dict[str, list[list[Pause]]], rule: EndOfTurnRule) -> None:
    groups = dict(found)
    groups["all pause sets"] = [x for k, v in found.items() if k.endswith("/pause") for x in v]
    groups["all sets"] = [x for v in found.values() for x in v]
    print(
        "| set | rule | signals as computed here: lines cut early | silence waited p50 / p95 ms "
        "| signals instant: lines cut early | silence waited |\n|---|---|---|---|---|---|"
    )
    for name, lines in groups.items():
        for rule_name, each in rules(rule).items():
            cut, total, waited = simulate(lines, each)
            fast_cut, _, fast = simulate(lines, each, instant=True)
            print(
                f"| {name} | {rule_name} | {cut}/{total} | {_pcts(waited)} "
                f"| {fast_cut}/{total} | {_pcts(fast)} |"
            )


def _pcts(values: list[float]) -> str:
    if not values:
        return "-"
    return f"{np.percentile(values, 50):.0f} / {np.percentile(values, 95):.0f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("dev", "test"), default="dev")
    parser.add_argument("--voices", nargs="+", default=["real", "piper", *ESPEAK])
    parser.add_argument("--save", type=Path, help="write the pauses found to this JSON file")
    parser.add_argument("--load", type=Path, help="read pauses saved before instead")
    parser.add_argument("--tune", action="store_true", help="search the rule's settings")
    parser.add_argument(
        "--rule",
        type=lambda v: EndOfTurnRule(*(float(x) for x in v.split(","))),
        default=EndOfTurnRule(),
        help="quick_ms,base_ms,hold_ms,complete_above,unfinished_below (default: npc's)",
    )
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    if args.load:
        saved = json.loads(args.load.read_text())
        found = {k: [[Pause(**p) for p in line] for line in v] for k, v in saved["sets"].items()}
        times = saved["smart_turn_s"]
    else:
        found, times = collect(args)
    if args.save:
        sets = {k: [[asdict(p) for p in line] for line in v] for k, v in found.items()}
        args.save.write_text(json.dumps({"sets": sets, "smart_turn_s": times}))
    ms = np.array(times) * 1000
    print(
        f"\nsplit {args.split}; Smart Turn per call: p50 {np.percentile(ms, 50):.0f} ms, "
        f"p95 {np.percentile(ms, 95):.0f} ms ({ms.size} calls, 1 thread)"
    )
    if args.tune:
        tune(found)
    print(f"rule: {args.rule}")
    table(found, args.rule)


if __name__ == "__main__":
    main()
