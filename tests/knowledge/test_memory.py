"""Player memory: recall, durability across processes and crashes, bounds, retries."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from npc.errors import KnowledgeError
from npc.knowledge.config import KnowledgeSettings
from npc.knowledge.journal import Journal
from npc.knowledge.memory import MemoryHooks, PlayerMemory
from npc.providers.base import Embedder
from tests.conftest import ROOT

DAY = 86_400.0


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


def memory(
    path: Path,
    embedder: Embedder,
    clock: Clock | None = None,
    hooks: MemoryHooks | None = None,
    **config: int,
) -> PlayerMemory:
    return PlayerMemory(
        Journal(path), embedder, "jin", "kai", KnowledgeSettings(**config), hooks=hooks,
        clock=clock or Clock(),
    )  # fmt: skip


def test_record_and_recall_by_relevance_recency_and_importance(
    tmp_path: Path, embedder: Embedder
) -> None:
    clock = Clock()
    mem = memory(tmp_path / "m.db", embedder, clock)
    facts = mem.record_turn("Hi, I'm Kai from Osaka.", "Sit, friend.")
    assert [f.text for f in facts] == ["The player's name is Kai.", "The player is from Osaka."]
    clock.now += 7 * DAY
    mem.add_event("the player looted the store")
    clock.now += 3600
    mem.record_turn("I like your miso ramen", "Miso from Hokkaido.", actions=[{"name": "serve"}])
    assert mem.recall("what's my name?", k=1)[0].text == "The player's name is Kai."
    top = mem.recall("do you remember what I did to your store?", k=1)[0]
    assert (top.text, top.kind) == ("The player looted the store.", "event")
    assert mem.recall("what food do I like?", k=1)[0].text == "The player likes my miso ramen."
    turns = mem.recent_turns(5)
    assert [t.user_text for t in turns] == ["Hi, I'm Kai from Osaka.", "I like your miso ramen"]
    assert turns[1].actions == ({"name": "serve"},)


def test_a_new_name_replaces_the_old_and_forget_erases(tmp_path: Path, embedder: Embedder) -> None:
    mem = memory(tmp_path / "m.db", embedder)
    mem.record_turn("My name is Kai.", "Hello Kai.")
    mem.record_turn("Actually, call me Ren.", "Ren it is.")
    names = [m.text for m in mem.facts() if "name" in m.text]
    assert names == ["The player's name is Ren."]
    mem.forget()
    assert mem.facts() == [] and mem.recent_turns() == [] and mem.recall("name") == []


def test_memory_survives_a_new_process(tmp_path: Path, embedder: Embedder) -> None:
    db = tmp_path / "m.db"
    mem = memory(db, embedder)
    mem.record_turn("I'm Kai. I looted your store.", "You what?")
    child = _child(db, "print([m.text for m in mem.recall('who robbed me?', k=1)])")
    out = subprocess.run(child, capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert "The player said they looted my store." in out.stdout


def test_recorded_turns_survive_a_crash(tmp_path: Path) -> None:
    db = tmp_path / "m.db"
    loop = """
    i = 0
    while True:
        mem.record_turn(f"turn {i}", f"reply {i}")
        print(f"recorded {i}", flush=True)
        i += 1
    """
    proc = subprocess.Popen(_child(db, loop), stdout=subprocess.PIPE, text=True, cwd=ROOT)
    assert proc.stdout is not None
    recorded = -1
    for line in proc.stdout:
        recorded = int(line.split()[1])
        if recorded >= 5:
            break
    os.kill(proc.pid, signal.SIGKILL)  # mid-conversation, maybe mid-write
    proc.wait()
    with sqlite3.connect(db) as con:
        assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        saved = [r[0] for r in con.execute("SELECT user_text FROM turns ORDER BY id")]
    assert saved[: recorded + 1] == [f"turn {i}" for i in range(recorded + 1)]


def test_turns_are_summarised_not_dropped_and_stay_bounded(
    tmp_path: Path, embedder: Embedder
) -> None:
    seen: list[list[str]] = []

    def summarise(lines: list[str]) -> str:
        seen.append(lines)
        return " / ".join(line for line in lines if not line.startswith("Me:"))

    mem = memory(
        tmp_path / "m.db",
        embedder,
        hooks=MemoryHooks(summarise=summarise),
        memory_turns=4,
        memory_summaries=3,
    )
    for i in range(30):
        mem.record_turn(f"I ordered bowl {i}.", f"Bowl {i} coming.")
    assert len(mem.recent_turns(100)) <= 4
    summaries = [m for m in mem.facts() if m.kind == "summary"]
    assert 1 <= len(summaries) <= 3
    assert seen[0][0] == "Player: I ordered bowl 0."  # the oldest turns go first
    assert "bowl 0" in " ".join(m.text for m in summaries)  # merged, still there


def test_summariser_failure_falls_back_to_extractive(tmp_path: Path, embedder: Embedder) -> None:
    def broken(lines: list[str]) -> str:
        raise RuntimeError("model is busy")

    mem = memory(tmp_path / "m.db", embedder, hooks=MemoryHooks(summarise=broken), memory_turns=2)
    for i in range(3):
        mem.record_turn(f"Tell me about the harbour number {i}.", "It is wet.")
    summaries = [m.text for m in mem.facts() if m.kind == "summary"]
    assert summaries and "harbour number 0" in summaries[0]


def test_fact_hook_adds_to_the_rules(tmp_path: Path, embedder: Embedder) -> None:
    from npc.knowledge.extract import Fact

    hooks = MemoryHooks(extract=lambda user, reply: [Fact("The player seems nervous.", 3.0)])
    mem = memory(tmp_path / "m.db", embedder, hooks=hooks)
    facts = mem.record_turn("My name is Kai.", "Hi.")
    assert [f.text for f in facts] == ["The player's name is Kai.", "The player seems nervous."]


def test_a_failing_write_is_retried_then_raised(tmp_path: Path, embedder: Embedder) -> None:
    db = tmp_path / "m.db"
    journal = Journal(db, attempts=3, backoff_s=0.05, busy_timeout_s=0.05)
    mem = PlayerMemory(journal, embedder, "jin", "kai", KnowledgeSettings())
    blocker = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    blocker.execute("BEGIN EXCLUSIVE")
    with pytest.raises(KnowledgeError, match="could not save a turn") as caught:
        mem.record_turn("hello", "hi")
    assert caught.value.retryable
    threading.Timer(0.1, lambda: blocker.execute("COMMIT")).start()  # the lock goes away
    mem.record_turn("hello again", "hi again")  # succeeds on a retry
    assert [t.user_text for t in mem.recent_turns()] == ["hello again"]


def test_corrupt_memory_database_is_reported(tmp_path: Path) -> None:
    db = tmp_path / "m.db"
    db.write_bytes(os.urandom(10_000))
    with pytest.raises(KnowledgeError, match="move it"):
        Journal(db)


def _child(db: Path, body: str) -> list[str]:
    code = textwrap.dedent(
        f"""
        from pathlib import Path
        from npc.config import load_settings
        from npc.knowledge.config import KnowledgeSettings
        from npc.knowledge.journal import Journal
        from npc.knowledge.memory import PlayerMemory
        from npc.providers.registry import registry
        settings = load_settings(data_dir=Path({str(db.parent)!r}))
        embedder = registry().create("embedder", "onnx", settings)
        mem = PlayerMemory(Journal(Path({str(db)!r})), embedder, "jin", "kai", KnowledgeSettings())
        """
    ) + textwrap.dedent(body)
    return [sys.executable, "-c", code]
