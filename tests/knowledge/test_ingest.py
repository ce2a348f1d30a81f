from __future__ import annotations

import os
from pathlib import Path

import pytest

from npc.character.loader import load_sheet
from npc.config import Settings
from npc.errors import KnowledgeError
from npc.knowledge.config import KnowledgeSettings
from npc.knowledge.ingest import IngestProgress
from npc.knowledge.store import KnowledgeStore
from npc.providers.base import Embedder
from tests.knowledge.conftest import write_character

FILES = {
    "a.md": "# A\n\n## Apples\nApples grow in the orchard behind the mill.\n",
    "b.md": "# B\n\n## Boats\nBoats leave the harbour at dawn.\n",
    "c.txt": "Copper wire is sold at the market on Sundays.\n",
}


def store_at(
    tmp_path: Path, settings: Settings, embedder: Embedder, **config: int
) -> KnowledgeStore:
    return KnowledgeStore(
        settings, embedder, path=tmp_path / "chroma", config=KnowledgeSettings(**config)
    )


def test_incremental_ingest_skips_replaces_and_removes(
    tmp_path: Path, settings: Settings, embedder: Embedder
) -> None:
    sheet = write_character(tmp_path / "chars", FILES, facts=("The mill is old.",))
    store = store_at(tmp_path, settings, embedder)
    events: list[IngestProgress] = []
    first = store.ingest(load_sheet(sheet), events.append)
    assert sorted(first.ingested) == [
        "knowledge/a.md", "knowledge/b.md", "knowledge/c.txt", "tester.yaml#facts",
    ]  # fmt: skip
    assert [e.done for e in events] == [1, 2, 3, 4] and {e.total for e in events} == {4}

    second = store.ingest(load_sheet(sheet))
    assert second.ingested == [] and len(second.skipped) == 4 and second.chunks_added == 0

    knowledge = sheet.parent / "knowledge"
    (knowledge / "a.md").write_text("# A\n\n## Apples\nApples are now pears, grown by Ferdinand.\n")
    (knowledge / "b.md").unlink()
    third = store.ingest(load_sheet(sheet))
    assert third.ingested == ["knowledge/a.md"]
    assert third.removed == ["knowledge/b.md"]
    assert third.chunks_removed == 2  # the old a.md chunk and b.md's

    sources = {m["source"] for m in store.chroma.rows("npc-char-tester", 384).metadatas}
    assert sources == {"knowledge/a.md", "knowledge/c.txt", "tester.yaml#facts"}
    top = store.retrieve("tester", "Ferdinand", k=1)
    assert top and "pears" in top[0].text
    assert not store.retrieve(
        "tester", "boats leave the harbour", k=3, where={"source": "knowledge/b.md"}
    )

    fresh = store_at(tmp_path, settings, embedder)  # a new store object reads what was stored
    assert fresh.ingest(load_sheet(sheet)).ingested == []


def test_bad_files_are_reported_by_name_and_the_rest_is_ingested(
    tmp_path: Path, settings: Settings, embedder: Embedder
) -> None:
    sheet = write_character(tmp_path / "chars", FILES)
    knowledge = sheet.parent / "knowledge"
    (knowledge / "binary.md").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    (knowledge / "latin1.txt").write_bytes("caf\xe9".encode("latin-1"))
    (knowledge / "huge.md").write_text("# Huge\n" + "All work and no play. " * 1000)
    (knowledge / "gone.md").symlink_to(tmp_path / "nowhere.md")  # unreadable even for root
    if os.geteuid() != 0:
        (knowledge / "secret.md").write_text("# Secret\nHidden.\n")
        (knowledge / "secret.md").chmod(0)
    store = store_at(tmp_path, settings, embedder, max_file_bytes=10_000)
    report = store.ingest(load_sheet(sheet))
    failed = dict(report.failed)
    assert "binary" in failed["knowledge/binary.md"]
    assert "UTF-8" in failed["knowledge/latin1.txt"]
    assert "limit" in failed["knowledge/huge.md"]
    assert "cannot be read" in failed["knowledge/gone.md"]
    if os.geteuid() != 0:
        assert "cannot be read" in failed["knowledge/secret.md"]
    assert sorted(report.ingested) == ["knowledge/a.md", "knowledge/b.md", "knowledge/c.txt"]
    assert store.retrieve("tester", "where do apples grow?", k=1)[0].source == "knowledge/a.md"


def test_packs_are_shared_collections(
    tmp_path: Path, settings: Settings, embedder: Embedder
) -> None:
    chars = tmp_path / "chars"
    pack = chars / "packs" / "city"
    pack.mkdir(parents=True)
    (pack / "city.md").write_text("# City\n\n## Mayor\nThe mayor of the city is Ottoline Brass.\n")
    sheets = []
    for cid in ("one", "two"):
        sheet = write_character(chars, {f"{cid}.md": f"# {cid}\nI am {cid}.\n"}, cid=cid)
        sheet.write_text(sheet.read_text() + "  packs: [city]\n")
        sheets.append(sheet)
    store = store_at(tmp_path, settings, embedder)
    first = store.ingest(load_sheet(sheets[0]))
    assert "packs/city/city.md" in first.ingested
    second = store.ingest(load_sheet(sheets[1]))
    assert "packs/city/city.md" in second.skipped  # ingested once for both
    for cid in ("one", "two"):
        assert store.retrieve(cid, "who is the mayor?", k=1)[0].source == "packs/city/city.md"
    (pack / "city.md").write_text("# City\n\n## Mayor\nThe mayor of the city is Quentin Vale.\n")
    store.ingest(load_sheet(sheets[0]))
    assert "Quentin" in store.retrieve("two", "who is the mayor?", k=1)[0].text  # shared change


def test_corrupt_store_is_a_clear_error_not_a_reset(
    tmp_path: Path, settings: Settings, embedder: Embedder
) -> None:
    folder = tmp_path / "chroma"
    folder.mkdir()
    garbage = os.urandom(50_000)
    (folder / "chroma.sqlite3").write_bytes(garbage)
    with pytest.raises(KnowledgeError, match="move the folder aside"):
        KnowledgeStore(settings, embedder, path=folder)
    assert (folder / "chroma.sqlite3").read_bytes() == garbage


def test_unknown_character_says_to_ingest(
    tmp_path: Path, settings: Settings, embedder: Embedder
) -> None:
    store = store_at(tmp_path, settings, embedder)
    with pytest.raises(KnowledgeError, match="npc ingest"):
        store.retrieve("nobody", "hello")
