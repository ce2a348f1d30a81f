"""What a sheet asks to ingest: its knowledge files, its inline facts and its packs' files.

A file is read whole and checked before chunking: too big, unreadable or not UTF-8 text
(binary) raises ``SourceError`` with the reason, so ingest can report it by name and go on.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from npc.character.loader import PACKS_DIR, LoadedSheet
from npc.knowledge.chunking import Chunk, chunk_text, fact_chunks

FACTS_SUFFIX = "#facts"


class SourceError(Exception):
    """A knowledge file that cannot be ingested; the message says why."""


@dataclass(frozen=True, slots=True)
class Source:
    """One unit of ingest: a knowledge file, or the inline facts of a sheet."""

    name: str  # relative to the characters folder (posix), "<sheet>#facts" for facts
    path: Path
    facts: tuple[str, ...] = ()

    @property
    def is_facts(self) -> bool:
        return self.name.endswith(FACTS_SUFFIX)


@dataclass(frozen=True, slots=True)
class Loaded:
    """A source's text, its digest, and its chunks."""

    source: Source
    sha256: str
    chunks: list[Chunk] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class SheetSources:
    """The sources of one sheet: its own, and each pack's."""

    own: list[Source]
    packs: dict[str, list[Source]]


def relative_name(path: Path, root: Path, fallback: Path) -> str:
    """``path`` relative to ``root`` (else to ``fallback``), with forward slashes."""
    full = path.resolve() if not path.is_symlink() else path.absolute()
    for base in (root, fallback):
        try:
            return full.relative_to(base.resolve()).as_posix()
        except ValueError:
            continue
    return full.as_posix()


def sheet_sources(loaded: LoadedSheet, root: Path) -> SheetSources:
    """Every source ``loaded`` names, packs apart (a pack is shared by several characters)."""
    base = loaded.base_dir
    pack_dirs = {p: (base / PACKS_DIR / p) for p in loaded.sheet.knowledge.packs}
    own: list[Source] = []
    packs: dict[str, list[Source]] = {p: [] for p in pack_dirs}
    facts = loaded.sheet.knowledge.facts
    if facts:
        own.append(
            Source(relative_name(loaded.path, root, base) + FACTS_SUFFIX, loaded.path, tuple(facts))
        )
    for path in loaded.knowledge_files():
        source = Source(relative_name(path, root, base), path)
        pack = next((p for p, d in pack_dirs.items() if path.is_relative_to(d)), None)
        (packs[pack] if pack is not None else own).append(source)
    return SheetSources(_unique(own), {p: _unique(s) for p, s in packs.items()})


def _unique(sources: list[Source]) -> list[Source]:
    return list({s.name: s for s in sources}.values())


def load_source(source: Source, *, max_bytes: int, chunk_chars: int) -> Loaded:
    """Read, check and chunk one source; raises SourceError saying what is wrong."""
    if source.is_facts:
        text = "\n".join(source.facts)
        sheet_text = _read(source.path, max_bytes)
        return Loaded(source, _digest(text), fact_chunks(source.facts, source.name, sheet_text))
    text = _read(source.path, max_bytes)
    tags = (source.path.stem,)
    return Loaded(
        source, _digest(text), chunk_text(text, source.name, max_chars=chunk_chars, tags=tags)
    )


def _read(path: Path, max_bytes: int) -> str:
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise SourceError(
                f"is {size / 1e6:.1f} MB, above the {max_bytes / 1e6:.1f} MB limit "
                "(knowledge.max_file_bytes); split it into smaller files"
            )
        data = path.read_bytes()
    except OSError as exc:
        raise SourceError(f"cannot be read: {exc.strerror or exc}") from exc
    if b"\0" in data[:8192]:
        raise SourceError("looks binary (it has NUL bytes); expected UTF-8 markdown or text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceError(f"is not UTF-8 text (byte {exc.start}); save it as UTF-8") from exc


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
