"""Which actions a player line most likely asks for, by similarity to the sheet's examples.

A small model picks the right action far more often when the prompt says which ones fit
("Likely: fetch"); the hint costs one embedding (a few ms) and the model still decides.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from npc.character.sheet import CharacterSheet
from npc.providers.base import Embedder

NO_ACTION = "none"
BOOST = 0.1
# Lines that ask for nothing; they keep plain questions and greetings away from actions.
TALK = (
    "hello there",
    "how are you?",
    "what is this place?",
    "tell me about yourself",
    "why is that?",
    "what do you think about it?",
    "thanks",
    "who are you?",
)


@dataclass
class IntentHints:
    """Nearest-example action hints for one character."""

    labels: list[str]
    vectors: NDArray[np.float32]
    embedder: Embedder

    @classmethod
    def build(cls, sheet: CharacterSheet, embedder: Embedder) -> IntentHints:
        labels: list[str] = []
        texts: list[str] = []
        for action in sheet.actions:
            for text in [action.description] + [e.player for e in action.examples]:
                labels.append(action.name)
                texts.append(text)
        for text in [*TALK, *(e.player for e in sheet.examples)]:
            labels.append(NO_ACTION)
            texts.append(text)
        return cls(labels, embedder.embed(texts), embedder)

    def rank(
        self, line: str, top: int = 2, margin: float = 0.08, boost: Iterable[str] = ()
    ) -> list[str]:
        """Up to ``top`` labels whose best example is within ``margin`` of the best match.

        ``boost`` names actions that fit something the line mentions (an object in the
        scene that the action takes): "bring me the ladle" is a fetch when there is a ladle.
        """
        if not line.strip() or not self.labels:
            return []
        scores = self.vectors @ self.embedder.embed([line])[0]
        best: dict[str, float] = {}
        for label, score in zip(self.labels, scores.tolist(), strict=True):
            best[label] = max(best.get(label, -1.0), score)
        for label in boost:
            if label in best:
                best[label] += BOOST
        ranked = sorted(best.items(), key=lambda kv: -kv[1])
        first = ranked[0][1]
        return [label for label, score in ranked[:top] if score >= first - margin]
