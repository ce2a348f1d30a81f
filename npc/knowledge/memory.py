"""Player memory per (character, player): recent turns verbatim, facts, events and summaries.

Stored in the journal (SQLite, or PostgreSQL shared by several servers): ``record_turn``
commits the turn and the facts drawn from it in one transaction before it returns, so a
recorded turn survives a crash.
We keep memory out of chromadb because each write must be one durable transaction and a
player's memory is small (bounded by summarising), so it is ranked exactly in numpy.

Recall ranks by relevance + recency + importance, as in Generative Agents (Park et al. 2023),
each in [0, 1]: cosine similarity to the query, ``0.5 ** (age / half_life)`` of the creation
time (not the last access, so recall stays read-only on the hot path), and importance / 10.
When verbatim turns exceed ``memory_turns`` the oldest half is summarised into one summary
memory (``summarise`` hook, else ``extractive_summary``); too many summaries are merged alike.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from npc.knowledge.config import KnowledgeSettings
from npc.knowledge.extract import (
    Fact,
    FactExtractor,
    Summariser,
    event_fact,
    extractive_summary,
    rule_facts,
)
from npc.knowledge.journal import TURN_IMPORTANCE, Journal, Vector, vector_of
from npc.providers.base import Embedder

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Turn:
    """One exchange, as recorded."""

    user_text: str
    reply_text: str
    actions: tuple[Any, ...] = ()
    events: tuple[str, ...] = ()
    created: float = 0.0

    def lines(self, name: str = "Me") -> list[str]:
        out = [f"Player: {self.user_text}"] if self.user_text else []
        reply = self.reply_text
        if self.actions:
            reply += f" [actions: {', '.join(map(_action_text, self.actions))}]"
        return out + ([f"{name}: {reply.strip()}"] if reply.strip() else [])


@dataclass(frozen=True, slots=True)
class Memory:
    """A recalled memory and why it ranked where it did."""

    text: str
    kind: str  # "fact", "event", "summary" or "turn"
    importance: float
    created: float
    score: float = 0.0
    relevance: float = 0.0  # scaled over the candidates: the best one is always 1
    recency: float = 0.0
    similarity: float = 0.0  # the query's cosine with it, comparable across queries


@dataclass
class MemoryHooks:
    """Model calls the session may plug in; None means the rule-based fallback alone.

    ``summarise(lines) -> str`` condenses old turns; ``extract(user_text, reply_text)``
    returns facts to store beside the rule-based ones. Changing a field affects every
    ``PlayerMemory`` that shares this object.
    """

    summarise: Summariser | None = None
    extract: FactExtractor | None = None


@dataclass(frozen=True, slots=True)
class Weights:
    """How recall weighs relevance, recency and importance (each scaled to [0, 1])."""

    relevance: float = 1.0
    recency: float = 0.5  # below the others: what was said last week still matters
    importance: float = 1.0


class PlayerMemory:
    """What one character remembers of one player. Safe to share between threads."""

    def __init__(
        self,
        journal: Journal,
        embedder: Embedder,
        character_id: str,
        player_id: str,
        config: KnowledgeSettings,
        *,
        hooks: MemoryHooks | None = None,
        clock: Callable[[], float] = time.time,
        weights: Weights = Weights(),
    ) -> None:
        self.character_id = character_id
        self.player_id = player_id
        self._journal = journal
        self._embedder = embedder
        self._config = config
        self.hooks = hooks or MemoryHooks()
        self._clock = clock
        self._weights = weights
        self._lock = threading.Lock()

    @property
    def _key(self) -> tuple[str, str]:
        return self.character_id, self.player_id

    def record_turn(
        self,
        user_text: str,
        reply_text: str,
        actions: Sequence[Any] = (),
        events: Sequence[str] = (),
    ) -> list[Fact]:
        """Save a finished turn and what it taught; durable when this returns.

        Returns the facts stored. Raises KnowledgeError when the write fails after retries.
        """
        turn = Turn(user_text, reply_text, tuple(actions), tuple(events), self._clock())
        facts = self._facts(user_text, reply_text) + [event_fact(e) for e in events if e.strip()]
        texts = ["\n".join(turn.lines())] + [f.text for f in facts]
        vectors = self._vectors(texts)
        with self._lock:
            self._journal.record(
                self._key,
                turn,
                vectors[0] if vectors is not None else None,
                facts,
                list(vectors[1:]) if vectors is not None else None,
            )
            self._compact()
        return facts

    def add_event(self, text: str, importance: float = 9.0) -> None:
        """Remember a game event about the player ("the player looted the store")."""
        fact = event_fact(text, importance)
        vectors = self._vectors([fact.text])
        with self._lock:
            self._journal.add_facts(
                self._key, [fact], list(vectors) if vectors is not None else None, self._clock()
            )

    def recent_turns(self, n: int = 6) -> list[Turn]:
        """The last ``n`` turns, oldest first."""
        return [_turn(row) for row in self._journal.turn_rows(self._key, last=n)]

    def facts(self) -> list[Memory]:
        """Every fact, event and summary, oldest first."""
        return [m for m, _ in self._memories(include_turns=False)]

    def recall(self, query: str, k: int = 5, *, kinds: Sequence[str] | None = None) -> list[Memory]:
        """The ``k`` memories that best fit ``query`` by relevance, recency and importance.

        ``kinds`` narrows to some of "fact", "event", "summary" and "turn".
        """
        rows = self._memories(include_turns=True)
        if kinds is not None:
            rows = [r for r in rows if r[0].kind in kinds]
        if not rows or k <= 0:
            return []
        now = self._clock()
        relevance, similarity = self._relevance(
            query, [v for _, v in rows], [m.text for m, _ in rows]
        )
        half_life = self._config.recency_half_life_h * 3600.0
        w = self._weights
        scored = []
        for (m, _), rel, sim in zip(rows, relevance, similarity, strict=True):
            recency = 0.5 ** (max(now - m.created, 0.0) / half_life)
            score = w.relevance * rel + w.recency * recency + w.importance * m.importance / 10.0
            scored.append(Memory(m.text, m.kind, m.importance, m.created, score, rel, recency, sim))
        scored.sort(key=lambda m: -m.score)
        return scored[:k]

    def _memories(self, *, include_turns: bool) -> list[tuple[Memory, Vector | None]]:
        out = [
            (Memory(text, kind, importance, created), vector_of(blob))
            for _, created, kind, text, importance, blob in self._journal.memory_rows(self._key)
        ]
        if include_turns:
            for row in self._journal.turn_rows(self._key):
                turn = _turn(row)
                text = "\n".join(turn.lines())
                out.append((Memory(text, "turn", TURN_IMPORTANCE, turn.created), vector_of(row[6])))
        return out

    def forget(self) -> None:
        """Erase everything this character remembers of this player."""
        with self._lock:
            self._journal.forget(self._key)

    def _facts(self, user_text: str, reply_text: str) -> list[Fact]:
        facts = rule_facts(user_text, reply_text)
        extract = self.hooks.extract
        if extract is not None:
            try:
                facts += extract(user_text, reply_text)
            except Exception:  # a failing model hook must not cost the turn
                log.warning("fact extractor failed; kept the rule-based facts", exc_info=True)
        return list({f.text: f for f in facts}.values())

    def _vectors(self, texts: list[str]) -> NDArray[np.float32] | None:
        try:
            return self._embedder.embed(texts)
        except Exception:  # the turn is still saved; recall embeds it later
            log.warning("embedding memories failed; saving them without vectors", exc_info=True)
            return None

    def _relevance(
        self, query: str, vectors: list[NDArray[np.float32] | None], texts: list[str]
    ) -> tuple[list[float], list[float]]:
        """Relevance scaled over the candidates, and the raw cosines."""
        if not query.strip():
            return [0.0] * len(texts), [0.0] * len(texts)
        missing = [i for i, v in enumerate(vectors) if v is None]
        if missing:
            filled = self._embedder.embed([texts[i] for i in missing])
            for i, v in zip(missing, filled, strict=True):
                vectors[i] = v
        matrix = np.stack([v for v in vectors if v is not None])
        cosine = matrix @ self._embedder.embed([query])[0]
        # Min-max over the candidates, as in Generative Agents: cosines of this model sit in a
        # narrow band, which importance and recency would otherwise swamp.
        raw = [float(x) for x in cosine]
        low, high = float(cosine.min()), float(cosine.max())
        if high - low < 1e-6:
            return [max(high, 0.0)] * len(texts), raw
        return [float(x) for x in (cosine - low) / (high - low)], raw

    def _compact(self) -> None:
        """Summarise the oldest turns (and merge old summaries) past the configured bounds."""
        limit = self._config.memory_turns
        if self._journal.count_turns(self._key) > limit:
            rows = self._journal.turn_rows(self._key, first=limit // 2)
            turns = [_turn(r) for r in rows]
            lines = [line for t in turns for line in t.lines()]
            created = max(t.created for t in turns)
            self._store_summary(lines, created, turn_ids=[r[0] for r in rows], summary_ids=[])
        summaries = self._journal.memory_rows(self._key, kind="summary")
        if len(summaries) > self._config.memory_summaries:
            old = summaries[: len(summaries) // 2]
            self._store_summary(
                [r[3] for r in old],
                max(r[1] for r in old),
                turn_ids=[],
                summary_ids=[r[0] for r in old],
            )

    def _store_summary(
        self, lines: list[str], created: float, *, turn_ids: list[int], summary_ids: list[int]
    ) -> None:
        text = ""
        summarise = self.hooks.summarise
        if summarise is not None:
            try:
                text = summarise(lines).strip()
            except Exception:  # a failing model hook falls back, it does not lose turns
                log.warning("summariser failed; used the extractive summary", exc_info=True)
        text = text or extractive_summary(lines)
        vectors = self._vectors([text])
        self._journal.replace_with_summary(
            self._key,
            text,
            vectors[0] if vectors is not None else None,
            created,
            turn_ids,
            summary_ids,
        )


def _turn(row: Sequence[Any]) -> Turn:
    _, created, user_text, reply_text, actions, events, _ = row
    return Turn(
        user_text, reply_text, tuple(json.loads(actions)), tuple(json.loads(events)), created
    )


def _action_text(action: Any) -> str:
    if isinstance(action, str):
        return action
    return json.dumps(action, sort_keys=True, default=str)
