"""Split knowledge text into chunks: by headings, then paragraphs, within a size bound.

Each chunk keeps where it came from (source, 1-based line span, heading path) so a hit can
be traced back to the lore. Markdown headings (``#`` .. ``######``) start sections; blank
lines separate paragraphs; paragraphs of one section are packed together up to
``max_chars``; a longer paragraph is split at sentence ends (and a longer sentence at word
boundaries). An optional front-matter block ``---`` / ``tags: a, b`` / ``---`` tags a file.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
TAGS_LINE = re.compile(r"^tags\s*:\s*\[?(.*?)\]?\s*$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Chunk:
    """A piece of lore small enough to embed, and where it came from."""

    text: str
    source: str  # path relative to the characters folder, or "<sheet>#facts"
    line_start: int
    line_end: int
    heading: str = ""  # heading path, "Title > Section"
    tags: tuple[str, ...] = ()
    kind: str = "file"  # "file" or "fact"

    def embedding_text(self) -> str:
        """What the embedder sees: the heading path gives a short section its topic."""
        return f"{self.heading}\n{self.text}" if self.heading else self.text


@dataclass(frozen=True, slots=True)
class _Paragraph:
    start: int  # 1-based line numbers
    lines: tuple[str, ...]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    @property
    def end(self) -> int:
        return self.start + len(self.lines) - 1


def chunk_text(
    text: str, source: str, *, max_chars: int = 700, tags: Sequence[str] = ()
) -> list[Chunk]:
    """Chunks of one markdown or plain-text document."""
    lines = text.splitlines()
    body_start, front_tags = _front_matter(lines)
    all_tags = tuple(dict.fromkeys([*tags, *front_tags]))
    chunks: list[Chunk] = []
    for heading, paragraphs in _sections(lines, body_start):
        for start, end, body in _pack(paragraphs, max_chars):
            chunks.append(Chunk(body, source, start, end, heading, all_tags))
    return chunks


def fact_chunks(facts: Sequence[str], source: str, sheet_text: str = "") -> list[Chunk]:
    """One chunk per inline fact of a sheet; the line is the fact's line in the sheet, if found."""
    lines = sheet_text.splitlines()
    chunks = []
    for fact in facts:
        line = next((i + 1 for i, text in enumerate(lines) if fact in text), 0)
        chunks.append(Chunk(fact, source, line, line, "facts", ("facts",), "fact"))
    return chunks


def _front_matter(lines: list[str]) -> tuple[int, list[str]]:
    """Index of the first body line and the tags of a leading ``---`` block, if any."""
    if not lines or lines[0].strip() != "---":
        return 0, []
    for i in range(1, len(lines)):
        if lines[i].strip() == "---":
            tags: list[str] = []
            for line in lines[1:i]:
                m = TAGS_LINE.match(line.strip())
                if m:
                    tags += [t.strip(" '\"") for t in m.group(1).split(",") if t.strip(" '\"")]
            return i + 1, tags
    return 0, []  # no closing line: not front matter


def _sections(lines: list[str], start: int) -> Iterator[tuple[str, list[_Paragraph]]]:
    """(heading path, paragraphs) for each section, in order."""
    stack: list[tuple[int, str]] = []
    paragraphs: list[_Paragraph] = []
    current: list[str] = []
    current_start = 0

    def close_paragraph() -> None:
        nonlocal current
        if current:
            paragraphs.append(_Paragraph(current_start, tuple(current)))
            current = []

    for i in range(start, len(lines)):
        line = lines[i].rstrip()
        heading = HEADING.match(line)
        if heading:
            close_paragraph()
            if paragraphs:
                yield _path(stack), paragraphs
                paragraphs = []
            level = len(heading.group(1))
            stack = [(lvl, title) for lvl, title in stack if lvl < level]
            stack.append((level, heading.group(2)))
        elif not line.strip():
            close_paragraph()
        else:
            if not current:
                current_start = i + 1
            current.append(line)
    close_paragraph()
    if paragraphs:
        yield _path(stack), paragraphs


def _path(stack: list[tuple[int, str]]) -> str:
    return " > ".join(title for _, title in stack)


def _pack(paragraphs: list[_Paragraph], max_chars: int) -> Iterator[tuple[int, int, str]]:
    """Greedily join paragraphs (split first when too long) into pieces of <= max_chars."""
    pieces = [piece for p in paragraphs for piece in _split(p, max_chars)]
    start, end, parts = 0, 0, []  # type: tuple[int, int, list[str]]
    for p_start, p_end, text in pieces:
        if parts and sum(len(t) + 2 for t in parts) + len(text) > max_chars:
            yield start, end, "\n\n".join(parts)
            parts = []
        if not parts:
            start = p_start
        parts.append(text)
        end = p_end
    if parts:
        yield start, end, "\n\n".join(parts)


def _split(paragraph: _Paragraph, max_chars: int) -> Iterator[tuple[int, int, str]]:
    """A paragraph as (start line, end line, text) pieces of at most ``max_chars``."""
    text = paragraph.text
    if len(text) <= max_chars:
        yield paragraph.start, paragraph.end, text
        return
    offsets = [0] + [m.end() for m in SENTENCE_END.finditer(text)] + [len(text)]
    sentences = [(a, b) for a, b in itertools.pairwise(offsets) if b > a]
    piece_start, piece_end = sentences[0][0], sentences[0][0]
    for a, b in _bounded(text, sentences, max_chars):
        if b - piece_start > max_chars and piece_end > piece_start:
            yield _located(paragraph, text, piece_start, piece_end)
            piece_start = a
        piece_end = b
    if piece_end > piece_start:
        yield _located(paragraph, text, piece_start, piece_end)


def _bounded(text: str, spans: list[tuple[int, int]], max_chars: int) -> Iterator[tuple[int, int]]:
    """The spans, with any longer than ``max_chars`` cut at the last space before the bound."""
    for a, b in spans:
        while b - a > max_chars:
            cut = text.rfind(" ", a + 1, a + max_chars)
            cut = cut if cut > a else a + max_chars
            yield a, cut
            a = cut
        yield a, b


def _located(paragraph: _Paragraph, text: str, a: int, b: int) -> tuple[int, int, str]:
    start = paragraph.start + text.count("\n", 0, a)
    end = paragraph.start + text.count("\n", 0, max(a, b - 1))
    return start, end, text[a:b].strip()
