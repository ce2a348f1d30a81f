"""Notes for the mind from the character's lore and its memory of the player."""

from __future__ import annotations

from typing import Any

MAX_NOTE_CHARS = 240
# Only clearly relevant lore goes into a turn: each note costs ~50 tokens of prompt
# evaluation (~0.6 s on 2 cores) after the player stops speaking. Short facts pass lower.
FIRST_BAR, SECOND_BAR, FACT_BAR = 0.5, 0.6, 0.4


def _bar(hit: Any, rank: int) -> float:
    if hit.heading == "facts":
        return FACT_BAR
    return FIRST_BAR if rank == 0 else SECOND_BAR


def _short(text: str, limit: int = MAX_NOTE_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3].rsplit(" ", 1)[0] + "..."


class KnowledgeRecall:
    """Implements the mind's ``Recall`` over ``npc.knowledge.Knowledge``.

    Notes are few and short: every token after the cached prefix costs time at the end of
    the player's turn.
    """

    def __init__(
        self,
        knowledge: Any,
        character_id: str,
        player_id: str | None,
        *,
        k: int = 2,
        memories: int = 1,
    ) -> None:
        """``player_id`` None: lore only, no memory (simulated conversations)."""
        self.knowledge = knowledge
        self.character_id = character_id
        self.memory = knowledge.memory(character_id, player_id) if player_id else None
        self.k = k
        self.k_memories = memories

    def notes(self, query: str) -> list[str]:
        hits = self.knowledge.retrieve(self.character_id, query, k=self.k)
        out = [_short(h.text) for i, h in enumerate(hits) if h.score >= _bar(h, i)]
        if self.memory is None:
            return out
        for m in self.memory.recall(query, k=self.k_memories, kinds=("summary", "turn")):
            if m.relevance > 0.45:
                out.append("Earlier: " + _short(m.text.replace("\n", " ")))
        return out

    def memories(self) -> list[str]:
        if self.memory is None:
            return []
        facts = self.memory.facts()
        facts.sort(key=lambda m: -m.importance)
        return [_short(m.text, 160) for m in facts[:8]]
