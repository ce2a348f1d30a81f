"""The sheet's words for the recogniser: gathered from the sheet, its knowledge and the scene."""

from __future__ import annotations

from pathlib import Path

import pytest

from npc.actions.space import Scene
from npc.character.loader import LoadedSheet, load_sheet
from npc.voice.vocabulary import SheetWords, Vocabulary, knowledge_terms

CHARACTERS = Path(__file__).resolve().parents[2] / "characters"


@pytest.fixture(scope="module")
def jin() -> LoadedSheet:
    return load_sheet(CHARACTERS / "jin.yaml")


def test_jin_menu_scene_names_and_lore(jin: LoadedSheet) -> None:
    terms = Vocabulary.of(jin).terms
    for word in ("Jin", "tonkotsu", "shoyu", "spicy tantanmen", "chopsticks", "storage room"):
        assert word in terms
    for name in ("Mika", "Haru", "Mr. Sato", "Red Lanterns", "Auntie Lin", "Hokkaido", "mayu"):
        assert name in terms  # from the knowledge files
    assert "cross arms" in terms  # an action choice, written as said
    assert "player" not in terms


def test_the_sheets_own_words_come_first(jin: LoadedSheet) -> None:
    terms = Vocabulary.of(jin).terms
    assert terms[0] == "Jin"
    assert terms.index("spicy tantanmen") < terms.index("chopsticks") < terms.index("Haru")


def test_each_word_once_whatever_its_case(jin: LoadedSheet) -> None:
    lowered = [t.lower() for t in Vocabulary.of(jin).terms]
    assert len(lowered) == len(set(lowered))


def test_a_scene_update_changes_the_scene_words_only(jin: LoadedSheet) -> None:
    words = SheetWords.of(jin)
    scene = Scene(objects=("paper lantern",), locations=("rooftop",), characters=("Tetsuo",))
    terms = words.vocabulary(scene).terms
    assert {"paper lantern", "rooftop", "Tetsuo", "tonkotsu", "Haru"} <= set(terms)
    assert "chopsticks" not in terms  # the sheet's default scene is replaced


def test_prompt_is_a_list_cut_at_whole_terms(jin: LoadedSheet) -> None:
    vocabulary = Vocabulary.of(jin)
    assert vocabulary.prompt(max_words=6) == "Jin, tonkotsu, shoyu, miso, spicy tantanmen."
    assert vocabulary.prompt(max_words=5) == "Jin, tonkotsu, shoyu, miso."  # no half a term
    assert len(vocabulary.prompt().split()) <= 80
    assert Vocabulary(()).prompt() == ""


def test_a_prompt_gives_back_its_terms(jin: LoadedSheet) -> None:
    """The listener corrects towards the words its recogniser was told."""
    vocabulary = Vocabulary.of(jin)
    told = Vocabulary.from_prompt(vocabulary.prompt(max_words=40))
    assert told.terms == vocabulary.terms[: len(told.terms)]
    assert "Kowloon-9" in told.terms and "Mr. Sato" not in told.terms  # cut at 40 words
    assert Vocabulary.from_prompt("").terms == Vocabulary.from_prompt(None).terms == ()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Their agent, a man called Mr. Sato, visits.", ["Mr. Sato"]),
        ("The house tonkotsu is rich.", []),  # one capital word opening a sentence
        ("The Red Lanterns run the district.", ["Red Lanterns"]),
        ("He buys scallions from Auntie Lin.", ["Auntie Lin"]),
        ("black garlic oil (mayu) on top", ["mayu"]),
        ("## The night market\nIt opens at ten.", []),  # headings are left out
        ("Ask Jin's niece.", ["Jin"]),
    ],
)
def test_knowledge_terms(text: str, expected: list[str]) -> None:
    assert knowledge_terms([text]) == expected
