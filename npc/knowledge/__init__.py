"""What characters know (their lore) and what they remember (each player).

The session uses one ``Knowledge`` per process, shared by every session::

    knowledge = Knowledge(settings, embedder)       # or Knowledge.from_settings(settings)
    knowledge.ingest(load_sheet(path), progress)    # incremental; returns an IngestReport
    knowledge.warm("jin")                           # at session start: load the index

    # every turn (p95 well under 20 ms at 10k chunks, query embedding included)
    hits = knowledge.retrieve("jin", "who wants to buy the shop?", k=3)
    for hit in hits:                                # Hit: text, source, line_start, line_end,
        ...                                         #      score, heading, dense, keyword

    memory = knowledge.memory("jin", player_id)     # PlayerMemory
    memory.recent_turns(6)                          # list[Turn], oldest first
    memory.recall("the store", k=5)                 # list[Memory], best first
    memory.record_turn(user_text, reply_text, actions, events)  # durable when it returns
    memory.add_event("the player looted the store")  # a game event, high importance
    knowledge.forget("jin", player_id)

    knowledge.hooks.summarise = llm_summary         # (lines) -> str; else extractive
    knowledge.hooks.extract = llm_facts             # (user, reply) -> list[Fact]; beside rules

Modules: ``chunking`` (files -> chunks), ``sources`` (what a sheet names, file checks),
``ingest`` (incremental sync of one collection), ``chroma`` (the chromadb client),
``index`` (in-memory fused dense + keyword search, ``Hit``), ``keywords``, ``filters``
(chromadb ``where`` syntax in memory), ``store`` (``KnowledgeStore``), ``extract`` (fact
rules, extractive summary), ``journal`` (memory's database; SQLite), ``postgres`` (the
same in PostgreSQL), ``memory`` (``PlayerMemory``), ``config`` (``KnowledgeSettings``),
``facade`` (``Knowledge``).

Every failure of the store or of memory is a ``KnowledgeError``; a corrupt store is
reported, never reset.
"""

from npc.knowledge.chunking import Chunk, chunk_text
from npc.knowledge.config import KnowledgeSettings, knowledge_settings
from npc.knowledge.extract import Fact, FactExtractor, Summariser, extractive_summary, rule_facts
from npc.knowledge.facade import Knowledge
from npc.knowledge.index import Hit
from npc.knowledge.ingest import IngestProgress, IngestReport, ProgressCallback
from npc.knowledge.memory import Memory, MemoryHooks, PlayerMemory, Turn, Weights
from npc.knowledge.store import KnowledgeStore

__all__ = [
    "Chunk",
    "Fact",
    "FactExtractor",
    "Hit",
    "IngestProgress",
    "IngestReport",
    "Knowledge",
    "KnowledgeSettings",
    "KnowledgeStore",
    "Memory",
    "MemoryHooks",
    "PlayerMemory",
    "ProgressCallback",
    "Summariser",
    "Turn",
    "Weights",
    "chunk_text",
    "extractive_summary",
    "knowledge_settings",
    "rule_facts",
]
