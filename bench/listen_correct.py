"""The correction pass on the listening bench's finals: the sheet's words and WER, before/after.

    .venv/bin/python -m bench.listen --vocabulary --save dev.json   # prints this table too
    .venv/bin/python -m bench.listen_correct dev.json               # the same lines, again
    .venv/bin/python -m bench.listen_correct dev.json --words 40 -v # prompt-sized vocabulary

``bench.listen`` ends with this table for the run it made; this module scores a saved run
again without the recogniser (to tune ``npc.voice.correct`` on dev without a second ASR
pass). The vocabulary is Jin's (characters/jin.yaml), cut at ``--words`` like Whisper's
prompt. Each final (and each whole-clip transcript) is corrected as the listener would
correct it. Printed per voice: the sheet's words heard right, WER, and the corrections made:
"fixed" (the entry is in the line said), "false" (the heard words were in the line said:
right words made wrong), "other" (one wrong word for another); then the time per call.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bench.listen import heard, word_errors
from bench.listen_speech import ROOT
from npc.voice.correct import VocabularyCorrector
from npc.voice.vocabulary import MAX_PROMPT_WORDS, Vocabulary

Saved = dict[str, object]


@dataclass(slots=True)
class Tally:
    """One group of lines, one transcript kind (streamed finals or whole clips)."""

    words: int = 0
    right: int = 0
    right_corrected: int = 0
    errors: int = 0
    errors_corrected: int = 0
    length: int = 0
    fixed: int = 0
    false: int = 0
    other: int = 0
    examples: list[str] = field(default_factory=list)


def jin_corrector(max_words: int = MAX_PROMPT_WORDS) -> VocabularyCorrector:
    """The corrector the live listener builds for Jin from a prompt of ``max_words``."""
    from npc.character.loader import load_sheet

    prompt = Vocabulary.of(load_sheet(ROOT / "characters" / "jin.yaml")).prompt(max_words)
    return VocabularyCorrector(Vocabulary.from_prompt(prompt).terms)


def tally(lines: Iterable[Saved], kind: str, corrector: VocabularyCorrector) -> Tally:
    """Score ``kind`` ("streamed": each turn's final corrected alone; "whole") before/after."""
    out = Tally()
    for line in lines:
        said, terms = str(line["said"]), [str(w) for w in line["words"]]  # type: ignore[attr-defined]
        texts = [str(t) for t in line["finals"]] if kind == "streamed" else [str(line["whole"])]  # type: ignore[attr-defined]
        plain = " ".join(texts).strip()
        fixed_texts = []
        for text in texts:
            corrected, changes = corrector.changes(text)
            fixed_texts.append(corrected)
            for change in changes:
                if heard(change.heard, said):
                    out.false += 1
                    out.examples.append(f"false: {said!r}: {change.heard!r} -> {change.entry!r}")
                elif heard(change.entry, said):
                    out.fixed += 1
                else:
                    out.other += 1
                    out.examples.append(f"other: {said!r}: {change.heard!r} -> {change.entry!r}")
        corrected = " ".join(fixed_texts).strip()
        out.words += len(terms)
        out.right += sum(heard(w, plain) for w in terms)
        out.right_corrected += sum(heard(w, corrected) for w in terms)
        errors, length = word_errors(said, plain)
        out.errors += errors
        out.length += length
        out.errors_corrected += word_errors(said, corrected)[0]
    return out


def group(line: Saved) -> str:
    voice = str(line["set"]).split("/")[0]
    return "piper" if voice == "piper" else "people" if voice == "real" else "espeak-ng"


def table(saved: list[Saved], corrector: VocabularyCorrector, verbose: bool = False) -> None:
    """Print the before/after table for the saved lines, then the time per call."""
    groups: dict[str, list[Saved]] = {"all voices": saved}
    for line in saved:
        groups.setdefault(group(line), []).append(line)
    print(
        "| voices | transcript | sheet's words right | corrected | WER | corrected "
        "| corrections: fixed / false / other |"
    )
    print("|---|---|---|---|---|---|---|")
    for name, lines in groups.items():
        for kind in ("streamed", "whole"):
            t = tally(lines, kind, corrector)
            print(
                f"| {name} | {kind} | {_share(t.right, t.words)} | "
                f"{_share(t.right_corrected, t.words)} | {t.errors / max(t.length, 1):.1%} | "
                f"{t.errors_corrected / max(t.length, 1):.1%} | {t.fixed} / {t.false} / {t.other} |"
            )
            if verbose and name == "all voices":
                for example in sorted(set(t.examples)):
                    print(f"    {example}")
    finals = [str(f) for line in saved for f in line["finals"]]  # type: ignore[attr-defined]
    print(timing(corrector, finals))


def timing(corrector: VocabularyCorrector, texts: list[str], rounds: int = 5) -> str:
    """Time per ``correct`` call over ``texts`` (p50 / p95 / max, microseconds)."""
    spent = []
    for _ in range(rounds):
        for text in texts:
            t = time.perf_counter()
            corrector.correct(text)
            spent.append((time.perf_counter() - t) * 1e6)
    build = time.perf_counter()
    VocabularyCorrector(corrector.entries)
    built = (time.perf_counter() - build) * 1e3
    p50, p95 = np.percentile(spent, [50, 95])
    return (
        f"correction: {len(spent)} calls, p50 {p50:.0f} us / p95 {p95:.0f} us / max "
        f"{max(spent):.0f} us per transcript; building the corrector {built:.1f} ms"
    )


def _share(right: int, total: int) -> str:
    return f"{right}/{total} ({right / total:.0%})" if total else "-"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("saved", type=Path, help="written by bench.listen --save")
    parser.add_argument("--words", type=int, default=MAX_PROMPT_WORDS, help="of Jin's, at most")
    parser.add_argument("-v", "--verbose", action="store_true", help="list false/other changes")
    args = parser.parse_args()
    saved = json.loads(args.saved.read_text(encoding="utf-8"))
    table(saved, jin_corrector(args.words), args.verbose)


if __name__ == "__main__":
    main()
