"""Player memory: recall, durability across processes and crashes, bounds, retries.

Every test of the journal runs on SQLite and on a real PostgreSQL server (``journal_at``).
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import psycopg
import pytest

from npc.errors import KnowledgeError
from npc.knowledge.config import KnowledgeSettings
from npc.knowledge.journal import Journal, SqliteJournal, open_journal
from npc.knowledge.memory import MemoryHooks, PlayerMemory, Turn
from npc.knowledge.postgres import PostgresJournal
from npc.providers.base import Embedder
from tests.conftest import ROOT
from tests.knowledge.services import free_port, postgres_server

DAY = 86_400.0


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


def memory(
    where: str,
    embedder: Embedder,
    clock: Clock | None = None,
    hooks: MemoryHooks | None = None,
    **config: int,
) -> PlayerMemory:
    return PlayerMemory(
        open_journal(where), embedder, "jin", "kai", KnowledgeSettings(**config), hooks=hooks,
        clock=clock or Clock(),
    )  # fmt: skip


def saved_turns(where: str) -> list[str]:
    """What the database holds, read past npc (and checked for corruption where it can be)."""
    if where.startswith("postgresql://"):
        with psycopg.connect(where) as con:
            return [r[0] for r in con.execute("SELECT user_text FROM turns ORDER BY id")]
    with sqlite3.connect(where) as con:
        assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        return [r[0] for r in con.execute("SELECT user_text FROM turns ORDER BY id")]


def test_record_and_recall_by_relevance_recency_and_importance(
    journal_at: str, embedder: Embedder
) -> None:
    clock = Clock()
    mem = memory(journal_at, embedder, clock)
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


def test_a_new_name_replaces_the_old_and_forget_erases(journal_at: str, embedder: Embedder) -> None:
    mem = memory(journal_at, embedder)
    mem.record_turn("My name is Kai.", "Hello Kai.")
    mem.record_turn("Actually, call me Ren.", "Ren it is.")
    names = [m.text for m in mem.facts() if "name" in m.text]
    assert names == ["The player's name is Ren."]
    mem.forget()
    assert mem.facts() == [] and mem.recent_turns() == [] and mem.recall("name") == []


def test_memory_survives_a_new_process(journal_at: str, embedder: Embedder) -> None:
    mem = memory(journal_at, embedder)
    mem.record_turn("I'm Kai. I looted your store.", "You what?")
    child = _child(journal_at, "print([m.text for m in mem.recall('who robbed me?', k=1)])")
    out = subprocess.run(child, capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert "The player said they looted my store." in out.stdout


def test_recorded_turns_survive_a_crash(journal_at: str) -> None:
    loop = """
    i = 0
    while True:
        mem.record_turn(f"turn {i}", f"reply {i}")
        print(f"recorded {i}", flush=True)
        i += 1
    """
    proc = subprocess.Popen(_child(journal_at, loop), stdout=subprocess.PIPE, text=True, cwd=ROOT)
    assert proc.stdout is not None
    recorded = -1
    for line in proc.stdout:
        recorded = int(line.split()[1])
        if recorded >= 5:
            break
    os.kill(proc.pid, signal.SIGKILL)  # mid-conversation, maybe mid-write
    proc.wait()
    saved = saved_turns(journal_at)
    assert saved[: recorded + 1] == [f"turn {i}" for i in range(recorded + 1)]


def test_turns_are_summarised_not_dropped_and_stay_bounded(
    journal_at: str, embedder: Embedder
) -> None:
    seen: list[list[str]] = []

    def summarise(lines: list[str]) -> str:
        seen.append(lines)
        return " / ".join(line for line in lines if not line.startswith("Me:"))

    mem = memory(
        journal_at,
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


def test_summariser_failure_falls_back_to_extractive(journal_at: str, embedder: Embedder) -> None:
    def broken(lines: list[str]) -> str:
        raise RuntimeError("model is busy")

    mem = memory(journal_at, embedder, hooks=MemoryHooks(summarise=broken), memory_turns=2)
    for i in range(3):
        mem.record_turn(f"Tell me about the harbour number {i}.", "It is wet.")
    summaries = [m.text for m in mem.facts() if m.kind == "summary"]
    assert summaries and "harbour number 0" in summaries[0]


def test_fact_hook_adds_to_the_rules(journal_at: str, embedder: Embedder) -> None:
    from npc.knowledge.extract import Fact

    hooks = MemoryHooks(extract=lambda user, reply: [Fact("The player seems nervous.", 3.0)])
    mem = memory(journal_at, embedder, hooks=hooks)
    facts = mem.record_turn("My name is Kai.", "Hi.")
    assert [f.text for f in facts] == ["The player's name is Kai.", "The player seems nervous."]


def test_a_failing_write_is_retried_then_raised(journal_at: str, embedder: Embedder) -> None:
    retry = {"attempts": 3, "backoff_s": 0.05, "busy_timeout_s": 0.05}
    if journal_at.startswith("postgresql://"):
        journal: Journal = PostgresJournal(journal_at, **retry)
        pg = psycopg.connect(journal_at)  # another server holding the table
        pg.execute("LOCK TABLE turns IN ACCESS EXCLUSIVE MODE")
        release = pg.commit
    else:
        journal = SqliteJournal(Path(journal_at), **retry)
        lite = sqlite3.connect(journal_at, isolation_level=None, check_same_thread=False)
        lite.execute("BEGIN EXCLUSIVE")
        release = lambda: lite.execute("COMMIT")  # noqa: E731
    mem = PlayerMemory(journal, embedder, "jin", "kai", KnowledgeSettings())
    with pytest.raises(KnowledgeError, match="could not save a turn") as caught:
        mem.record_turn("hello", "hi")
    assert caught.value.retryable
    threading.Timer(0.1, release).start()  # the lock goes away
    mem.record_turn("hello again", "hi again")  # succeeds on a retry
    assert [t.user_text for t in mem.recent_turns()] == ["hello again"]


def test_a_summary_of_turns_another_server_summarised_is_dropped(journal_at: str) -> None:
    first, second = open_journal(journal_at), open_journal(journal_at)  # two servers
    key = ("jin", "kai")
    for i in range(3):
        turn = Turn(f"turn {i}", "ok", created=float(i))
        first.record(key, turn, None, [], None)
    ids = [row[0] for row in first.turn_rows(key, first=2)]
    first.replace_with_summary(key, "turns 0 and 1", None, 1.0, ids, [])
    second.replace_with_summary(key, "turns 0 and 1, again", None, 1.0, ids, [])
    assert [r[3] for r in second.memory_rows(key, kind="summary")] == ["turns 0 and 1"]
    assert [r[2] for r in second.turn_rows(key)] == ["turn 2"]


def test_corrupt_memory_database_is_reported(tmp_path: Path) -> None:
    db = tmp_path / "m.db"
    db.write_bytes(os.urandom(10_000))
    with pytest.raises(KnowledgeError, match="move it"):
        SqliteJournal(db)


def test_an_unreachable_database_is_a_clear_retryable_error() -> None:
    url = f"postgresql://npc:secret@127.0.0.1:{free_port()}/npc"
    with pytest.raises(KnowledgeError, match="check that PostgreSQL is running") as caught:
        PostgresJournal(url, attempts=2, backoff_s=0.01)
    assert caught.value.retryable
    assert "secret" not in caught.value.message and "npc@127.0.0.1" in caught.value.message


def test_a_dropped_connection_is_opened_again(embedder: Embedder) -> None:
    where = postgres_server().new_database()
    mem = memory(where, embedder)
    mem.record_turn("I'm Kai.", "Hello Kai.")
    database = where.rsplit("/", 1)[1]
    with psycopg.connect(postgres_server().url("postgres"), autocommit=True) as admin:
        killed = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
            (database,),
        ).fetchall()
    assert killed  # npc's connection was cut (as by a database restart)
    mem.record_turn("I'm from Osaka.", "A long way.")
    assert saved_turns(where) == ["I'm Kai.", "I'm from Osaka."]


def test_an_unknown_database_url_is_refused() -> None:
    with pytest.raises(KnowledgeError, match="expected a postgresql:// URL"):
        open_journal("mysql://npc@127.0.0.1/npc")


def _child(where: str, body: str) -> list[str]:
    code = textwrap.dedent(
        f"""
        from npc.config import load_settings
        from npc.knowledge.config import KnowledgeSettings
        from npc.knowledge.journal import open_journal
        from npc.knowledge.memory import PlayerMemory
        from npc.providers.registry import registry
        settings = load_settings()
        embedder = registry().create("embedder", "onnx", settings)
        mem = PlayerMemory(open_journal({where!r}), embedder, "jin", "kai", KnowledgeSettings())
        """
    ) + textwrap.dedent(body)
    return [sys.executable, "-c", code]
