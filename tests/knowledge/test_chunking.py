from __future__ import annotations

from npc.knowledge.chunking import chunk_text, fact_chunks

DOC = """\
# Title

## First
Line one of the first section
continues here.

Second paragraph.

## Second
### Deeper
Deep text.
"""


def test_sections_paragraphs_and_line_spans() -> None:
    chunks = chunk_text(DOC, "k/doc.md", tags=["doc"])
    assert [(c.heading, c.line_start, c.line_end) for c in chunks] == [
        ("Title > First", 4, 7),
        ("Title > Second > Deeper", 11, 11),
    ]
    assert chunks[0].text == "Line one of the first section\ncontinues here.\n\nSecond paragraph."
    assert all(c.source == "k/doc.md" and c.tags == ("doc",) and c.kind == "file" for c in chunks)
    assert chunks[1].embedding_text() == "Title > Second > Deeper\nDeep text."


def test_size_bound_splits_paragraphs_then_sentences_then_words() -> None:
    paragraphs = "\n\n".join(f"Paragraph {i} has a few words in it." for i in range(10))
    long_sentence = " ".join(["lorem"] * 300) + "."
    text = f"# T\n{paragraphs}\n\n{long_sentence}\n"
    chunks = chunk_text(text, "t.md", max_chars=120)
    assert all(len(c.text) <= 120 for c in chunks)
    joined = " ".join(" ".join(c.text.split()) for c in chunks)
    assert joined.count("lorem") == 300 and joined.count("Paragraph") == 10
    assert [c.line_start for c in chunks] == sorted(c.line_start for c in chunks)


def test_long_paragraph_keeps_line_numbers() -> None:
    lines = [f"Sentence number {i} is here." for i in range(40)]
    chunks = chunk_text("\n".join(lines), "t.txt", max_chars=200)
    assert len(chunks) > 1
    for c in chunks:
        first = int(c.text.split()[2])
        assert c.line_start == first + 1


def test_plain_text_front_matter_tags_and_empty_file() -> None:
    text = "---\ntags: [lore, secret]\n---\nNo headings at all.\n\nTwo paragraphs.\n"
    chunks = chunk_text(text, "n.txt", tags=["n"])
    assert len(chunks) == 1 and chunks[0].heading == ""
    assert chunks[0].tags == ("n", "lore", "secret")
    assert chunks[0].line_start == 4 and chunks[0].line_end == 6
    assert chunk_text("", "e.md") == [] and chunk_text("# Only a title\n", "e.md") == []


def test_facts_are_chunks_with_their_sheet_line() -> None:
    sheet = "id: x\nknowledge:\n  facts:\n    - Opens at 6 pm.\n    - Closes at 4 am.\n"
    chunks = fact_chunks(["Opens at 6 pm.", "Closes at 4 am."], "x.yaml#facts", sheet)
    assert [(c.text, c.line_start, c.kind, c.heading) for c in chunks] == [
        ("Opens at 6 pm.", 4, "fact", "facts"),
        ("Closes at 4 am.", 5, "fact", "facts"),
    ]
