from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from npc.mind.phrases import PhraseSplitter


def split(text: str, step: int = 1) -> list[str]:
    s = PhraseSplitter()
    out: list[str] = []
    for i in range(0, len(text), step):
        out += s.feed(text[i : i + step])
    rest = s.flush()
    return out + ([rest] if rest else [])


def test_sentences_and_an_early_first_phrase() -> None:
    text = "Well now, my good friend, sit down. Mr. Sato wants the shop for 3.5 million! No way"
    assert split(text) == [
        "Well now,",
        "my good friend, sit down.",
        "Mr. Sato wants the shop for 3.5 million!",
        "No way",
    ]


def test_a_one_word_opening_waits_for_more_words() -> None:
    assert split("Hi, friend. Sit.") == ["Hi, friend.", "Sit."]


def test_a_long_first_clause_is_cut_after_a_handful_of_words() -> None:
    text = "I will bring you a bowl of the house special tonight. Sit."
    assert split(text) == ["I will", "bring you a bowl of the house special tonight.", "Sit."]
    assert split("Tell me what you want to eat. Now.")[0] == "Tell me"


def test_the_first_phrase_does_not_end_on_a_little_word() -> None:
    assert split("Go to the counter and wait.")[0] == "Go to the counter"
    assert split("I'll get you a bowl of ramen.")[0] == "I'll get"
    assert split("Welcome to the Neon Noodle.")[0] == "Welcome to the Neon"


def test_later_phrases_are_cut_early_only_in_a_hurry() -> None:
    text = "Sure. The broth simmers for twelve hours with pork bones and garlic. Enjoy."
    assert split(text)[1] == "The broth simmers for twelve hours with pork bones and garlic."
    hurried = PhraseSplitter(hurry=lambda: True)
    out = [p for ch in text for p in hurried.feed(ch)]
    assert out[:3] == ["Sure.", "The broth simmers", "for twelve hours"]


def test_no_cut_without_marks_when_turned_off() -> None:
    s = PhraseSplitter(first_max_words=0)
    assert s.feed("one two three four five six seven ") == []


@given(st.text(alphabet="abc ,.!?", max_size=80), st.integers(min_value=1, max_value=7))
def test_nothing_is_lost_or_reordered(text: str, step: int) -> None:
    assert " ".join(split(text, step)).split() == text.split()
