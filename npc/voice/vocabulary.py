"""The words a character's listener should expect, for the speech recogniser.

Whisper tiny.en does not know a character's world: "tonkotsu" comes out as "ton of katsu",
"shoyu" as "sure you", "Mika" as "me get". Given those words as the text said before the
turn (Whisper's prompt, which is also what faster-whisper's ``hotwords`` become), it
writes them far more often: on bench/listen.py's held-out lines, in the streamed finals,
41% -> 62% of the sheet's words right with piper's voice, 21% -> 34% with espeak-ng's;
each call gets slower (docs/benchmarks.md, "Listening").

The words come from the sheet (the character's name, its action choices, the scene's
objects, places and people) and from its knowledge: names written with capitals inside
sentences ("Mr. Sato", "Red Lanterns") and single words given in brackets ("(mayu)").
Section headings were tried and left out: most are plain words ("History", "Payment").
A scene update changes the scene's part only: ``SheetWords.of(sheet)`` reads the
knowledge once, ``.vocabulary(scene)`` is cheap.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from npc.actions.space import Scene
from npc.character.loader import LoadedSheet
from npc.character.sheet import ChoiceParam, SceneParam

MAX_PROMPT_WORDS = 80  # Whisper reads at most ~220 prompt tokens; a long prompt slows it too
# Words left out even where they look like names: they are in every game's vocabulary.
PLAIN = frozenset(["player", "the", "a", "an", "i", "you", "he", "she", "it", "we", "they"])
_NAME = re.compile(r"\b(?:(?:Mr|Mrs|Ms|Dr)\.\s)?[A-Z][\w-]*(?:\s+[A-Z][\w-]*)*")
_BRACKETED = re.compile(r"\(([a-z][\w-]{1,20})\)")
_SENTENCE_START = re.compile(r"(?:^|[.!?:]\s+|\n\s*[-*]?\s*)$")


@dataclass(frozen=True, slots=True)
class SheetWords:
    """A character's words that do not depend on the scene, in order of importance."""

    name: str
    choices: tuple[str, ...]  # action choice values: menu items, gestures
    knowledge: tuple[str, ...]

    @classmethod
    def of(cls, loaded: LoadedSheet) -> SheetWords:
        """Read the sheet and its knowledge files (once per character)."""
        sheet = loaded.sheet
        choices: list[str] = []
        for action in sheet.actions:
            for param in action.parameters.values():
                if isinstance(param, ChoiceParam | SceneParam) and param.values:
                    choices.extend(v.replace("_", " ") for v in param.values)
        texts = [*sheet.knowledge.facts, sheet.backstory]
        texts += [path.read_text(encoding="utf-8") for path in loaded.knowledge_files()]
        return cls(sheet.name, _unique(choices), _unique(knowledge_terms(texts)))

    def vocabulary(self, scene: Scene) -> Vocabulary:
        """These words and the scene's, most important first, each once."""
        terms = [self.name, *self.choices, *scene.objects, *scene.locations, *scene.characters]
        return Vocabulary(_unique([*terms, *self.knowledge]))


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """Words to listen for, most important first."""

    terms: tuple[str, ...]

    @classmethod
    def of(cls, loaded: LoadedSheet, scene: Scene | None = None) -> Vocabulary:
        """The sheet's words in ``scene`` (the sheet's own scene when None)."""
        return SheetWords.of(loaded).vocabulary(scene or Scene.of(loaded.sheet))

    @classmethod
    def from_prompt(cls, prompt: str | None) -> Vocabulary:
        """The terms of a prompt made by ``prompt()`` (the words the recogniser was given)."""
        text = (prompt or "").strip().removesuffix(".")
        return cls(tuple(t.strip() for t in text.split(", ") if t.strip()))

    def prompt(self, max_words: int = MAX_PROMPT_WORDS) -> str:
        """The terms as Whisper's prompt: a comma-separated list, cut at ``max_words``.

        A plain list beat a sentence and a "Glossary:" list on the bench (WER 9.5% against
        15.6% and 14.3%, piper's voice): Whisper copies the prompt's style, and a list
        has none to copy.
        """
        kept: list[str] = []
        count = 0
        for term in self.terms:
            count += len(term.split())
            if count > max_words:
                break
            kept.append(term)
        return ", ".join(kept) + "." if kept else ""


def knowledge_terms(texts: Iterable[str]) -> list[str]:
    """Names and bracketed terms in ``texts`` (markdown or plain; headings are skipped)."""
    found: list[str] = []
    for text in texts:
        for line in text.splitlines():
            if not line.startswith("#"):
                found.extend(_names(line))
        found.extend(m.group(1) for m in _BRACKETED.finditer(text))
    return found


def _names(line: str) -> Iterable[str]:
    for match in _NAME.finditer(line):
        name = match.group(0).strip()
        if _SENTENCE_START.search(line[: match.start()]):
            # Its first word is capitalised for opening the sentence: "The Red Lanterns",
            # "Old Tetsuo", "Ask Jin"; a one-word opener is no name at all.
            name = name.partition(" ")[2]
        if name:
            yield name


def _unique(terms: Iterable[str]) -> tuple[str, ...]:
    seen: set[str] = set()
    out = []
    for term in terms:
        key = term.strip().lower()
        if key and key not in seen and key not in PLAIN:
            seen.add(key)
            out.append(term.strip())
    return tuple(out)
