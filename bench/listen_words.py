"""Makes npc/voice/common_words.txt, the words the vocabulary correction never changes.

    .venv/bin/python -m bench.listen_words      # needs Debian's wamerican (/usr/share/dict)

The first 20,000 whole-word tokens of Whisper's English tokenizer (GPT-2's byte-pair
vocabulary, MIT licence, OpenAI; token order is merge order, roughly word frequency),
lower-cased, kept where SCOWL's American English list (Debian's ``wamerican``) has the word:
the tokenizer gives the frequency, SCOWL drops its word pieces ("tant", "nood").
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from bench.listen_speech import ROOT

TOKENS = 20_000
DICTIONARY = Path("/usr/share/dict/american-english")
OUT = ROOT / "npc" / "voice" / "common_words.txt"
HEADER = """\
# Common English words: npc/voice/correct.py never changes a run made only of these into
# the character's vocabulary. Made by bench/listen_words.py: the first 20,000 whole-word
# tokens of Whisper's English tokenizer (GPT-2's byte-pair vocabulary, MIT licence, OpenAI),
# lower-cased, kept where SCOWL's American English list has the word.
# SCOWL: Copyright 2000-2011 by Kevin Atkinson. Permission to use, copy, modify, distribute
# and sell these word lists, the associated scripts, the output created from the scripts,
# and its documentation for any purpose is hereby granted without fee, provided that the
# above copyright notice appears in all copies and that both that copyright notice and this
# permission notice appear in supporting documentation. Kevin Atkinson makes no
# representations about the suitability of this array for any purpose. It is provided
# "as is" without express or implied warranty.
"""


def main() -> None:
    from npc.assets import resolve
    from npc.config import load_settings

    model = resolve("asr", None, load_settings().cache_dir).path
    vocab = json.loads((model / "tokenizer.json").read_text(encoding="utf-8"))["model"]["vocab"]
    tokens = [t[1:] for t, _ in sorted(vocab.items(), key=lambda kv: kv[1]) if t[:1] == "Ġ"]
    ranked = [t.lower() for t in tokens if re.fullmatch(r"[A-Za-z]+", t)][:TOKENS]
    lines = DICTIONARY.read_text(encoding="utf-8").splitlines()
    words = {w.lower() for w in lines if re.fullmatch(r"[A-Za-z]+", w)}
    common = sorted(set(ranked) & words | {"a", "i"})
    OUT.write_text(HEADER + "\n".join(common) + "\n", encoding="utf-8")
    print(f"{len(common)} words -> {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
