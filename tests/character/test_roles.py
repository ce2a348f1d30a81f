from pathlib import Path

import pytest

from npc.character.loader import load_sheet
from npc.character.roles import lore_text, named_by_role, roles

CREW = ["Wren Calloway", "Old Fergus", "Tobiah Marsh", "Corin", "Ruth Adeyemi", "Tobin", "Ray"]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Wren Calloway is the bosun.", {"bosun": "Wren Calloway"}),
        # a list of people and roles: each role its own person's, not the next one's
        (
            "Wren Calloway is the bosun, Old Fergus the master gunner, Tobiah Marsh the helmsman.",
            {"bosun": "Wren Calloway", "gunner": "Old Fergus", "helmsman": "Tobiah Marsh"},
        ),
        ("The team principal is Ruth Adeyemi.", {"principal": "Ruth Adeyemi"}),
        ("Kestrel runs car 27; the team principal is Ruth Adeyemi.", {"principal": "Ruth Adeyemi"}),
        ("She bullies her apprentice Corin into shape.", {"apprentice": "Corin"}),
        ("Her raven, Ray, steals shiny things.", {"raven": "Ray"}),
        ("Corin, fifteen, is Maren's apprentice.", {"apprentice": "Corin"}),
        ("Ray is the mechanic who keeps the pinsetters going.", {"mechanic": "Ray"}),
        ("He works with a quiet boy called Tobin.", {"boy": "Tobin"}),
        # a role for a time: the role's word, not the time's
        ("Ray is the duty manager today, a bald man.", {"manager": "Ray"}),
        # no role: words about the person, or a time
        ("She spent the morning with Corin.", {}),
        ("Ray is the one to ask.", {}),
        ("Tobiah Marsh was the first aboard.", {}),
        ("Old Fergus the master gunner lost an eye.", {}),  # where would the role end?
        # one role word for two people tells neither
        ("Ray is the mechanic. Tobin is the mechanic too.", {}),
    ],
)
def test_roles_are_read_from_what_the_lore_says(text: str, found: dict[str, str]) -> None:
    assert roles(text, CREW) == found


BY_ROLE = {"bosun": "Wren Calloway", "gunner": "Old Fergus", "principal": "Ruth Adeyemi"}


@pytest.mark.parametrize(
    ("line", "people"),
    [
        ("Point out the gunner for me, I'm new aboard.", ["Old Fergus"]),
        ("Which one's the team principal?", ["Ruth Adeyemi"]),
        (
            "Have your bosun stand the first dog watch, and the gunner the next.",
            ["Wren Calloway", "Old Fergus"],
        ),
        ("Where are the gunners?", ["Old Fergus"]),
        # the player's own role, or no role at all
        ("I'm the new gunner.", []),
        ("Bosun is a funny word.", []),
        ("Fire the guns!", []),
    ],
)
def test_a_line_names_people_by_their_roles(line: str, people: list[str]) -> None:
    assert named_by_role(line, BY_ROLE) == people


def test_roles_come_from_the_sheet_and_its_knowledge_files(tmp_path: Path) -> None:
    (tmp_path / "crew.md").write_text("# Crew\n\nOld Fergus the master gunner, who lost an eye.\n")
    (tmp_path / "ship.yaml").write_text(
        """\
id: ship
name: Ledger
role: the quartermaster of a pirate ship
backstory: Ledger keeps the stores; Wren Calloway is the bosun.
knowledge:
  files: [crew.md]
scene:
  characters: [Wren Calloway, Old Fergus]
"""
    )
    loaded = load_sheet(tmp_path / "ship.yaml")
    assert "lost an eye" in lore_text(loaded)
    assert roles(lore_text(loaded), loaded.sheet.scene.characters) == {
        "bosun": "Wren Calloway",
        "gunner": "Old Fergus",
    }
