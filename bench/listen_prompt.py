"""What the character's words cost Whisper: time per call with prompts of several lengths.

    .venv/bin/python -m bench.listen_prompt                    # dev lines, piper + espeak-us
    .venv/bin/python -m bench.listen_prompt --split test --words 0 20 40 80

Each line of the listening bench (bench/listen_speech.py) is transcribed whole with Jin's
vocabulary cut at each length in turn (0: no prompt), the lengths interleaved clip by clip
so that the machine's load falls on all of them alike. Printed per length: the prompt's
tokens, time per call p50 / mean / p95, calls that fell back to Whisper's 30 s window (the
fitted window's result looped), WER and the sheet's words heard right.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass, field

import numpy as np

from bench.listen import heard, jin_prompt, word_errors
from bench.listen_speech import ESPEAK, Speakers, build_sets, need


@dataclass
class Tally:
    seconds: list[float] = field(default_factory=list)
    fallbacks: int = 0
    errors: int = 0
    words: int = 0
    terms_right: int = 0
    terms: int = 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("dev", "test"), default="dev")
    parser.add_argument("--voices", nargs="+", default=["piper", "espeak-us"])
    parser.add_argument("--words", type=int, nargs="+", default=[0, 20, 40, 80])
    args = parser.parse_args()
    need("sox")
    if any(v in ESPEAK for v in args.voices):
        need("espeak-ng")

    from npc.assets import resolve
    from npc.config import load_settings
    from plugins.faster_whisper_asr import WhisperRecognizer

    settings = load_settings()
    whisper = WhisperRecognizer(resolve("asr", None, settings.cache_dir).path, threads=2)
    fitted = whisper._transcribe_fitted
    fell_back: list[bool] = []

    def counting(*a: object, **k: object) -> object:
        out = fitted(*a, **k)  # type: ignore[arg-type]
        fell_back.append(out is None)
        return out

    whisper._transcribe_fitted = counting  # type: ignore[assignment,method-assign]
    prompts = {n: (jin_prompt(n) if n else None) for n in args.words}
    tally = {n: Tally() for n in args.words}
    speakers = Speakers(settings.cache_dir)
    try:
        for speech in build_sets(speakers, args.split, args.voices, ["clean"], False):
            for clip in speech.clips:
                for n, prompt in prompts.items():
                    fell_back.clear()
                    t = time.perf_counter()
                    text = whisper.transcribe(clip.audio, language="en", prompt=prompt).text
                    score = tally[n]
                    score.seconds.append(time.perf_counter() - t)
                    score.fallbacks += any(fell_back)
                    errors, words = word_errors(clip.line.said, text)
                    score.errors, score.words = score.errors + errors, score.words + words
                    score.terms_right += sum(heard(w, text) for w in clip.line.words)
                    score.terms += len(clip.line.words)
            print(f"{speech.name}: done", flush=True)
    finally:
        speakers.close()
    tokenizer = whisper._model.hf_tokenizer
    print(f"\nsplit {args.split}, voices {' '.join(args.voices)}, clean, whole clips")
    print(
        "| prompt words | tokens | ms per call p50 / mean / p95 | 30 s fallbacks | WER "
        "| sheet words right |\n|---|---|---|---|---|---|"
    )
    for n, score in tally.items():
        ms = np.array(score.seconds) * 1000
        tokens = len(tokenizer.encode(" " + prompts[n]).ids) if prompts[n] else 0
        print(
            f"| {n} | {tokens} | {np.percentile(ms, 50):.0f} / {ms.mean():.0f} / "
            f"{np.percentile(ms, 95):.0f} | {score.fallbacks}/{len(ms)} "
            f"| {score.errors / max(score.words, 1):.1%} "
            f"| {score.terms_right}/{score.terms} |"
        )


if __name__ == "__main__":
    main()
