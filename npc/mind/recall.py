"""Notes for the mind from the character's lore and its memory of the player."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from npc.knowledge.index import Hit
from npc.knowledge.keywords import terms
from npc.mind.echo import echoes
from npc.mind.phrases import ABBREVIATIONS

MAX_NOTE_CHARS = 160
MEMORY_NOTE_CHARS = 100  # a reminder of an earlier exchange, not a transcript of it
# Only clearly relevant lore goes into a turn: every token of a note is evaluated after the
# player stops speaking (~25 ms each on 2 cores). Short facts pass lower.
FIRST_BAR, SECOND_BAR, FACT_BAR = 0.5, 0.6, 0.4
# A hit below its bar still comes when it is the best by a clear lead: the bundled
# embedder scores "How many crew have caught it so far?" 0.37 against "Fourteen crew have
# rimefever and two have died of it." (the next hit 0.29), and without the note beside the
# question the small model answered "Nine." from another fact of the prompt. A file's chunk
# too: "How many runs does each pair get at one another?" 0.36 against the tourney rules
# ("Each pairing rides three courses"), the only hit.
LEADING_BAR, LEAD = 0.33, 0.05
# A question asking for nothing done gets its best hit lower still, when that leads clearly:
# the bundled embedder scores "when did you get here?" 0.18 against "Dale arrived at 9 am
# and it is now noon." (the next 0.07). An answer only in the standing lore at the top of
# the prompt failed 40% of dev lore tests, one beside the line 18% (the twenty-fifth stop).
ASKED_BAR, ASKED_LEAD = 0.15, 0.08
# An earlier exchange comes back only when it is about the same thing: the bundled embedder
# gives 0.4-0.65 for "the soy sauce again" against that exchange, 0.25-0.33 for small talk.
MEMORY_BAR = 0.36
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
# A list sentence: a short heading, a colon, then its items (``_items``).
LIST_HEADING_WORDS = 6
_APART = {"; ": r";\s+", ", ": r",\s+(?:and\s+)?"}
_DIGIT = re.compile(r"\d")


@dataclass(frozen=True, slots=True)
class Note:
    """A note for one turn; ``source`` names what it came from (a chunk of lore, an earlier
    exchange), since the wording follows the player's words and the source does not."""

    text: str
    source: str = ""


def _bar(hit: Hit, rank: int) -> float:
    if hit.heading == "facts":
        return FACT_BAR
    return FIRST_BAR if rank == 0 else SECOND_BAR


def _passes(hits: Sequence[Hit], rank: int, question: bool = False) -> bool:
    """Whether hit ``rank`` of ``hits`` (best first) is relevant enough to be a note;
    ``question``: the line asks something and for nothing done."""
    hit = hits[rank]
    if hit.score >= _bar(hit, rank):
        return True
    if rank:
        return False
    runner_up = hits[1].score if len(hits) > 1 else 0.0
    if question and hit.score >= ASKED_BAR and hit.score - runner_up >= ASKED_LEAD:
        return True
    return hit.score >= LEADING_BAR and hit.score - runner_up >= LEAD


def _short(text: str, limit: int = MAX_NOTE_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3].rsplit(" ", 1)[0] + "..."


def _sentences(text: str) -> list[str]:
    out: list[str] = []
    for piece in _SENTENCE.split(text):
        if out and out[-1].rsplit(" ", 1)[-1].lower().rstrip(".") in ABBREVIATIONS:
            out[-1] += " " + piece  # "Mr. Sato" is one sentence
        elif piece:
            out.append(piece)
    return out


def _items(sentence: str, wanted: set[str]) -> str:
    """A list sentence cut to its heading and the items that share the most words with the
    line: the 0.5B model read the wrong item off the whole list ("Add-ons at the desk:
    extra legroom £18, priority boarding £8, Puffin Lounge pass £22" gave "18 pounds" for a
    lounge pass). A list is a short heading, a colon, then items apart by semicolons, or by
    commas when each holds a number (a price list): in "Forecast: clear until noon,
    thunderstorms from 2" every part is the answer. Other sentences come back as they are."""
    head, colon, body = sentence.partition(": ")
    if not colon or len(head.split()) > LIST_HEADING_WORDS:
        return sentence
    stop = body[-1] if body[-1:] in ".!?" else ""
    apart = "; " if "; " in body else ", "
    items = [i.strip() for i in re.split(_APART[apart], body.rstrip(".!?")) if i.strip()]
    if apart == ", " and (len(items) < 3 or not all(_DIGIT.search(i) for i in items)):
        return sentence
    scores = [len(wanted & set(terms(i))) for i in items]
    best = max(scores, default=0)
    if not best or min(scores) == best:
        return sentence
    kept = [i for i, n in zip(items, scores, strict=True) if n == best]
    return head + colon + apart.join(kept) + stop


def focus(text: str, query: str, limit: int = MAX_NOTE_CHARS) -> str:
    """The sentences of ``text`` that share the most words with ``query``, in their own order,
    within ``limit`` characters: a chunk of lore is several facts and a turn needs one or two."""
    text = " ".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    sentences = _sentences(" ".join(text.split()))
    if not sentences:
        return ""
    wanted = set(terms(query))
    scores = [len(wanted & set(terms(x))) for x in sentences]
    order = sorted(range(len(sentences)), key=lambda i: (-scores[i], i))
    chosen = [order[0]]
    used = len(sentences[order[0]])
    for i in order[1:]:
        if used + 1 + len(sentences[i]) > limit:
            break
        chosen.append(i)
        used += 1 + len(sentences[i])
    return _short(" ".join(_items(sentences[i], wanted) for i in sorted(chosen)), limit)


def _echoed(turn: str) -> bool:
    """Whether a remembered turn ("Player: ...", then "Me: ...") was a reply that only
    repeated the player: the mind keeps those out of the prompt."""
    lines = turn.split("\n")
    if len(lines) < 2 or not lines[0].startswith("Player: ") or ": " not in lines[1]:
        return False
    reply = lines[1].split(": ", 1)[1].split(" [actions:")[0]
    return echoes(reply, lines[0].removeprefix("Player: "))


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

    def notes(
        self, query: str, in_dialogue: Sequence[str] = (), *, question: bool = False
    ) -> list[Note]:
        # A question's best hit is measured against the true runner-up, however low.
        floor = 0.0 if question else None
        hits = self.knowledge.retrieve(self.character_id, query, k=self.k, min_score=floor)
        out = [
            Note(focus(h.text, query), "lore: " + h.text)
            for i, h in enumerate(hits)
            if _passes(hits, i, question)
        ]
        if self.memory is None:
            return out
        # A turn still in the prompt's dialogue would only be read twice.
        shown = {f"Player: {line.strip()}" for line in in_dialogue}
        # One more than needed: a turn the mind keeps out of the prompt (an echo) is skipped.
        found = self.memory.recall(
            query, k=self.k_memories + len(shown) + 1, kinds=("summary", "turn")
        )
        fresh = [
            m
            for m in found
            if not (m.kind == "turn" and (m.text.split("\n")[0] in shown or _echoed(m.text)))
        ]
        for m in fresh[: self.k_memories]:
            if m.relevance > 0.45 and m.similarity >= MEMORY_BAR:
                text = "Earlier: " + focus(m.text, query, MEMORY_NOTE_CHARS)
                out.append(Note(text, "memory: " + m.text))
        return out

    def memories(self) -> list[str]:
        if self.memory is None:
            return []
        facts = self.memory.facts()
        facts.sort(key=lambda m: -m.importance)
        return [_short(m.text, 160) for m in facts[:8]]
