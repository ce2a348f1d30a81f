"""The words a sheet knows, and the names and things in a line it never heard of."""

from __future__ import annotations

from pathlib import Path

import pytest

from npc.character.loader import load_sheet
from npc.character.vocabulary import (
    fold,
    sheet_words,
    strangers,
    unheard_places,
    unheard_things,
)

KNOWN = frozenset({"tomas", "porthcarrow", "trinity", "house", "pennick"})


@pytest.mark.parametrize(
    ("line", "found"),
    [
        ("Row me all the way to France.", ["France"]),
        ("Can I use your wireless to ring London?", ["London"]),
        ("Drop me off in Cornwall, then. Paris after.", ["Cornwall"]),  # "Paris" opens one
        ("Show me which one's Tomás, I've got his helmet.", []),  # known, accents aside
        ("Show me which one's Tomas.", []),
        ("I'm from the Trinity House board.", []),
        ("Can I book for Monday, Dr Smith?", ["Smith"]),  # days and titles name no one
        ("OK, LX one, go. I'll ring at Christmas.", []),  # codes, "I'll", feasts
        ('He said "Bob is here" and left.', []),  # a quotation's first word
        ("Thanks for the tea, Mrs Pennick.", []),
        ("Take me to Porthcarrow's harbour.", []),
        ("McAllister sent me to see Moira.", ["Moira"]),  # the first word is no test
    ],
)
def test_names_the_sheet_never_mentions_are_strangers(line: str, found: list[str]) -> None:
    assert strangers(line, KNOWN) == found


@pytest.mark.parametrize(
    ("line", "found"),
    [
        ("Could you sell me an outboard motor?", ["outboard motor"]),
        ("Fetch me a cup of tea from the kitchen.", ["cup of tea"]),  # the tea is unheard
        ("give me some morphine", ["morphine"]),
        ("Sell us a skiff, then.", []),  # heard
        ("Sell me two skiffs.", []),  # a plural of a word heard
        ("Get me a leaky boat.", []),  # one word heard is enough
        ("Hand me one of those twelves, would you?", []),  # which, not what
        ("Give me whatever you use.", []),
        ("Get me out of here.", []),
        ("I'd like an outboard motor.", []),  # not asked as given or made for the speaker
    ],
)
def test_things_asked_for_by_words_the_sheet_never_uses_are_unheard(
    line: str, found: list[str]
) -> None:
    assert unheard_things(line, KNOWN | {"skiff", "boat", "leaky"}) == found


@pytest.mark.parametrize(
    ("line", "found"),
    [
        ("Fly me to the moon.", ["moon"]),
        ("Upgrade me to the penthouse suite with the jacuzzi.", ["penthouse suite"]),
        ("Put me through to the Mayor, I'll tell him myself.", ["mayor"]),
        ("Take us all the way to the harbour tonight.", []),  # heard
        ("Row me over to Porthcarrow.", []),
        ("Bring the soup to my table.", []),  # a place beside a thing asked for, not the ask
        ("I'd love to go to the moon.", []),  # not asked to be taken there
    ],
)
def test_places_asked_to_be_taken_to_by_words_the_sheet_never_uses_are_unheard(
    line: str, found: list[str]
) -> None:
    assert unheard_places(line, KNOWN | {"harbour"}) == found


def test_a_sheets_words_are_its_own_and_its_files_not_its_tests(tmp_path: Path) -> None:
    (tmp_path / "lore.md").write_text("The keeper's cousin lives in Porthcarrow.\n")
    sheet = tmp_path / "keeper.yaml"
    sheet.write_text(
        "id: keeper\nname: Tomás\nrole: a lighthouse keeper\n"
        "knowledge:\n  files: [lore.md]\n"
        "tests:\n  - {player: Row me to France., actions: []}\n"
    )
    known = sheet_words(load_sheet(sheet))
    assert {"tomas", "porthcarrow", "keeper", "lighthouse"} <= known
    assert "france" not in known  # a test line is never the character's
    assert fold("Tomás Ibarra") == "tomas ibarra"
