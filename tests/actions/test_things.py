"""Things asked for by need: the index of what the actions choose from, and what a line
means (over the real embedder, and a bag-of-words double for the bar and the lead)."""

from __future__ import annotations

from pathlib import Path

import pytest

from npc.actions.space import Scene
from npc.actions.things import Meant, ThingIndex
from npc.character.loader import load_sheet
from npc.character.sheet import CharacterSheet
from npc.providers.base import Embedder
from npc.providers.fakes import HashingEmbedder

HUT = """\
id: hut
name: Vreni
role: a mountain hut warden
scene:
  objects: [crampons, headtorch, helmet, sleeping bag liner, barometer]
  locations: [attic dorm, winter room]
  characters: [Toni]
actions:
  - name: lend_gear
    description: Lend a guest something from the hut's loan shelf.
    parameters:
      item: {type: object, values: [crampons, headtorch, helmet, sleeping bag liner]}
  - name: serve_food
    description: Have a dish brought out from the kitchen.
    parameters:
      dish:
        type: choice
        values: [goulash soup, Kaiserschmarrn, packed lunch]
        description: "goulash soup: beef and paprika soup with bread; Kaiserschmarrn: torn
          sweet pancake with plum sauce; packed lunch: bread, cheese and an apple wrapped to
          take on the route"
  - name: point_at
    description: Point at something or someone.
    parameters:
      target: {type: entity}
  - name: show_to
    description: Take a guest to a room.
    parameters:
      room: {type: location}
"""


@pytest.fixture(scope="module")
def hut(tmp_path_factory: pytest.TempPathFactory) -> CharacterSheet:
    path = Path(tmp_path_factory.mktemp("sheet")) / "hut.yaml"
    path.write_text(HUT)
    return load_sheet(path).sheet


@pytest.fixture(scope="module")
def things(hut: CharacterSheet, embedder: Embedder) -> ThingIndex:
    return ThingIndex(hut, embedder.embed)


def test_each_thing_is_offered_once_with_the_actions_that_take_it(hut: CharacterSheet) -> None:
    found = ThingIndex(hut, HashingEmbedder().embed)._candidates(Scene.of(hut))
    assert found["helmet"] == ("object", "helmet", ["lend_gear", "point_at"])
    assert found["barometer"] == ("object", "barometer", ["point_at"])  # an entity's objects
    assert found["goulash soup"][:2] == ("dish", "goulash soup: beef and paprika soup with bread")
    assert found["winter room"] == ("place", "winter room", ["show_to"])
    assert "Toni" not in found  # people are fetched and pointed at by name or role


@pytest.mark.parametrize(
    ("line", "value"),
    [
        (
            "I forgot the thin sheet sack you're meant to sleep in. Got a spare?",
            "sleeping bag liner",
        ),
        # by what the choice's description says it is
        ("Something hot and brothy would be perfect, with a hunk of bread.", "goulash soup"),
        ("Could you wrap me something to eat on the summit tomorrow?", "packed lunch"),
        ("I've been dreaming about that sweet shredded pancake.", "Kaiserschmarrn"),
        # nothing asked for, or nothing clearly nearest
        ("Lovely sunset tonight.", None),
        ("Have you a light I could wear?", None),  # (the helmet leads, too weakly)
    ],
)
def test_a_line_means_the_thing_clearly_nearest(
    hut: CharacterSheet, things: ThingIndex, embedder: Embedder, line: str, value: str | None
) -> None:
    meant = things.meant(embedder.embed([line])[0], Scene.of(hut))
    assert (meant.value if meant else None) == value


def test_only_what_the_scene_holds_now_is_meant(things: ThingIndex, embedder: Embedder) -> None:
    liner = embedder.embed(["I forgot the thin sheet sack you're meant to sleep in."])[0]
    assert things.meant(liner, Scene(("helmet",), ("winter room",))) is None
    # a choice's values are not the scene's: always there
    soup = embedder.embed(["Something hot and brothy would be perfect, with a hunk of bread."])[0]
    assert things.meant(soup, Scene()) == Meant("goulash soup", "dish", ("serve_food",))
    # a thing the game brought in is met (and embedded) when first offered: point_at takes
    # any of the scene's objects
    scene = Scene(("helmet", "sleeping bag liner", "first aid kit"), ("winter room",))
    bandage = embedder.embed(["Do you have a med kit? My hand is bleeding."])[0]
    assert things.meant(bandage, scene) == Meant("first aid kit", "object", ("point_at",))


def test_the_nearest_thing_must_lead_the_next_one(hut: CharacterSheet) -> None:
    double = HashingEmbedder()  # lines sharing words are near
    things = ThingIndex(hut, double.embed)
    # "attic room" shares a word with "attic dorm" and one with "winter room": no lead
    assert things.meant(double.embed(["attic room"])[0], Scene.of(hut)) is None
    assert things.meant(double.embed(["attic dorm"])[0], Scene.of(hut)) == Meant(
        "attic dorm", "place", ("show_to",)
    )
