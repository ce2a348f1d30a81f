"""Helpers to build small characters (the real embedder is the root conftest's)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tests.knowledge.services import postgres_server


def write_character(
    folder: Path, files: dict[str, str], *, cid: str = "tester", facts: tuple[str, ...] = ()
) -> Path:
    """A minimal sheet at ``folder/<cid>.yaml`` whose knowledge is ``folder/knowledge``."""
    knowledge = folder / "knowledge"
    knowledge.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (knowledge / name).write_text(textwrap.dedent(text))
    lines = [f"id: {cid}", "name: Tester", "role: a test character", "knowledge:"]
    lines += ["  files: [knowledge]"]
    if facts:
        lines += ["  facts:"] + [f"    - {f}" for f in facts]
    sheet = folder / f"{cid}.yaml"
    sheet.write_text("\n".join(lines) + "\n")
    return sheet


@pytest.fixture(params=["sqlite", "postgres"])
def journal_at(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where a test's player memory lives: a new SQLite file, or a new database on a real
    PostgreSQL server (``open_journal`` of it again is another server sharing it)."""
    if request.param == "sqlite":
        return str(tmp_path / "memory.sqlite3")
    return postgres_server().new_database()
