"""Hints from the player's words: what a line names, the likely actions, whether it must act."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from npc.actions.space import ActionSpace, Scene
from npc.actions.things import Meant
from npc.character.loader import LoadedSheet, load_sheet
from npc.character.vocabulary import sheet_words
from npc.mind.hints import HintFinder, Hints
from npc.mind.mind import Exchange, call_key
from npc.runtime import Runtime
from tests.mind.fakes import ScriptedIntents


def finder(runtime: Runtime, character: str, intents: ScriptedIntents) -> HintFinder:
    sheet = runtime.character(character).sheet
    scene = Scene.of(sheet)
    return HintFinder(scene, ActionSpace.build(sheet, scene), intents)  # type: ignore[arg-type]


def test_hints_cover_what_they_hold() -> None:
    wide = Hints((("ladle", "object"), ("knife", "object")), ("fetch", "none"))
    assert wide.covers(Hints((("ladle", "object"),), ("fetch",)))
    assert not wide.covers(Hints((("ladle", "object"),), ("cook",)))
    assert not Hints().covers(wide)


@pytest.mark.parametrize(
    ("likely", "line", "must"),
    [
        (("fetch",), "bring me the ladle", True),
        (("fetch", "cook"), "could you make me a ramen?", True),
        (("fetch", "none"), "bring me the ladle", False),  # no action is likely too
        (("fetch",), "the ladle is nice", False),  # not a request
        ((), "bring me the ladle", False),  # no action likely
    ],
)
def test_a_plain_request_tied_to_actions_must_act(
    likely: tuple[str, ...], line: str, must: bool
) -> None:
    assert Hints(likely=likely).must_act(line) is must


@pytest.mark.parametrize(
    ("named", "must"),
    [
        ((("ship's bell", "object"),), True),  # an order for what the line names
        ((), False),  # "give me a minute": no thing of the scene named
    ],
)
def test_an_everyday_order_must_act_when_it_names_something(
    named: tuple[tuple[str, str], ...], must: bool
) -> None:
    hints = Hints(named, ("ring_bell",))
    assert hints.must_act("Two hours into the watch, give the ship's bell its due.") is must


def test_asked_again_is_the_action_before_unless_the_line_names_another(
    runtime: Runtime,
) -> None:
    intents = ScriptedIntents({})
    found = finder(runtime, "nova", intents)
    scan = call_key("run_scan", {"target": "laptop", "depth": 1})
    last = Exchange("Scan the laptop.", "", 1, "Scan the laptop.", calls=(scan,))
    timeline = [  # (line, the routing's boost, asked)
        ("Same again, but make it thorough.", ["run_scan"], True),
        ("And the server rack.", ["run_scan"], True),  # run_scan takes it too
        ("And the USB key.", ["hand_over"], True),  # only hand_over takes it
        ("One more, depth three.", ["run_scan"], True),
        ("One more thing: where's the server room?", ["move_to"], False),  # a question
        ("Thanks, that's great.", [], False),
    ]
    for line, boost, asked in timeline:
        found.find(line, last)
        assert intents.seen[-1] == (line, boost, asked), line
    found.find("Same again.", Exchange("Hi.", "", 2, "Hi."))  # nothing done: nothing to repeat
    assert intents.seen[-1] == ("Same again.", [], False)


@pytest.mark.parametrize(
    "line",
    [
        "My arm is bleeding, get your boss over here!",
        "This wheelchair's wobbly. Send for someone, would you?",  # a thing named too
    ],
)
def test_fetching_someone_unnamed_offers_the_actions_that_take_a_person(
    runtime: Runtime, line: str
) -> None:
    intents = ScriptedIntents({})
    found = finder(runtime, "triage_nurse", intents)
    found.find(line)
    assert [boost for _, boost, _ in intents.seen] == [["call"]]  # not give(wheelchair)


@pytest.mark.parametrize(
    ("ranked", "likely"),
    [
        (["run_scan"], ("run_scan", "draw_diagram")),  # both requests' actions allowed
        (["run_scan", "none"], ("run_scan", "none")),  # the ranking leaves it open: as ranked
    ],
)
def test_two_requests_in_one_line_offer_both_actions(
    runtime: Runtime, ranked: list[str], likely: tuple[str, ...]
) -> None:
    line = "Run a scan on the laptop, and draw a diagram of it while you're at it."
    intents = ScriptedIntents({line: ranked})
    found = finder(runtime, "nova", intents)
    assert found.find(line).likely == likely


@pytest.mark.parametrize(
    ("line", "likely"),
    [
        ("Could you lend me your car?", ("hand_over", "none")),  # not in the scene: not forced
        ("Could you pass me that?", ("hand_over",)),  # points at something: as ranked
        ("Could you run a quick scan?", ("run_scan",)),  # names the action itself: as ranked
    ],
)
def test_a_request_naming_nothing_an_action_takes_is_not_forced(
    runtime: Runtime, line: str, likely: tuple[str, ...]
) -> None:
    intents = ScriptedIntents({line: [likely[0]]})
    found = finder(runtime, "nova", intents)
    assert found.find(line).likely == likely


@pytest.mark.parametrize("pays", [("hand_over",), ()])
def test_settling_up_is_the_action_that_takes_the_money(
    runtime: Runtime, pays: tuple[str, ...]
) -> None:
    intents = ScriptedIntents({}, pays=pays)
    found = finder(runtime, "nova", intents)
    line = "Thanks. Right, what do I owe you?"
    hints = found.find(line)
    if pays:  # put as a question, but the till's action, and it must be taken
        assert (hints.likely, hints.must_act(line), intents.seen) == (pays, True, [])
    else:  # no action takes money: the ranking decides, as for any question
        assert (hints.likely, intents.seen) == (("none",), [(line, [], False)])
    assert found.find("How much is the scanner?").likely == ("none",)  # a price, not paying


MEDIC = """\
id: medic
name: Dara
role: the medic of a space station
scene:
  objects: [field kit, trauma kit, med bay door, ward hatch]
  locations: [quarantine ward, lab]
  characters: [player, Ensign Pike, Chief Rook]
actions:
  - name: scan_patient
    description: Run the med scanner over someone.
    parameters:
      patient: {type: character}
  - name: issue_kit
    description: Hand out a medical kit from the stores.
    parameters:
      kit: {type: object, values: [field kit, trauma kit]}
  - name: seal_door
    description: Seal one of the med bay's doors.
    parameters:
      door: {type: object, values: [med bay door, ward hatch]}
  - name: set_quarantine
    description: Set the station's quarantine level.
    parameters:
      level: {type: number, minimum: 0, maximum: 4, integer: true, description: "0 none, 1 advisory,
        2 masks and scans, 3 deck lockdown, 4 full station lockdown"}
  - name: page_crew
    description: Page a crew member over the comm to come to the med bay.
    parameters:
      crew_member: {type: character}
  - name: walk_to
    description: Walk to a place.
    parameters:
      place: {type: location}
  - name: point_at
    description: Point at something or someone nearby.
    parameters:
      target: {type: entity}
  - name: give_stim
    description: Inject someone with a stim.
    parameters:
      recipient: {type: character}
"""


@pytest.fixture(scope="module")
def medic(tmp_path_factory: pytest.TempPathFactory) -> LoadedSheet:
    path = Path(tmp_path_factory.mktemp("sheet")) / "medic.yaml"
    path.write_text(MEDIC)
    return load_sheet(path)


def medic_finder(loaded: LoadedSheet, intents: ScriptedIntents, **lore: Any) -> HintFinder:
    """The finder for ``loaded``; ``lore``: its ``roles`` or ``looks``, as the mind reads
    them from the lore."""
    scene = Scene.of(loaded.sheet)
    return HintFinder(scene, ActionSpace.build(loaded.sheet, scene), intents, **lore)  # type: ignore[arg-type]


def sheet_finder(tmp_path: Path, sheet: str, intents: ScriptedIntents, **lore: Any) -> HintFinder:
    """The finder for a sheet given as YAML text."""
    path = tmp_path / "sheet.yaml"
    path.write_text(sheet)
    return medic_finder(load_sheet(path), intents, **lore)


def boost_of(tmp_path: Path, sheet: str, line: str) -> list[str]:
    """The actions the finder for ``sheet`` (YAML text) boosts for ``line``, as the ranking
    is asked."""
    intents = ScriptedIntents({})
    sheet_finder(tmp_path, sheet, intents).find(line)
    return intents.seen[-1][1]


@pytest.mark.parametrize(
    ("line", "ranked", "likely", "least"),
    [
        # one request per clause, each opened by its action's verb, naming its action's own
        # thing or what only that action takes: both calls, in the order asked
        (
            "Seal the ward hatch and bump the quarantine up to level 3.",
            ["set_quarantine"],
            ("seal_door", "set_quarantine"),
            2,
        ),
        (
            "Scan me for spores, then get me a field kit.",
            ["issue_kit"],
            ("scan_patient", "issue_kit"),
            2,
        ),
        # a clause that tells or asks is no request; a clause two actions fit decides nothing
        ("I got thrown across the lab. Scan everything.", ["scan_patient"], ("scan_patient",), 1),
        ("Scan me, and what level is the quarantine at?", ["scan_patient"], ("scan_patient",), 1),
        ("Scan me and get Pike over here.", ["scan_patient"], ("scan_patient",), 1),
        ("Fire in the lab! Seal the ward hatch.", ["seal_door"], ("seal_door",), 1),
        ("For the ward, a trauma kit.", ["issue_kit"], ("issue_kit",), 1),
        # the ranking leaves talk open, or puts neither first: as ranked
        ("Seal the ward hatch and scan me.", ["seal_door", "none"], ("seal_door", "none"), 1),
        ("Seal the ward hatch and scan me.", ["walk_to"], ("walk_to",), 1),
    ],
)
def test_a_request_per_clause_asks_for_each_action(
    medic: LoadedSheet, line: str, ranked: list[str], likely: tuple[str, ...], least: int
) -> None:
    hints = medic_finder(medic, ScriptedIntents({line: ranked})).find(line)
    assert (hints.likely, hints.least) == (likely, least)


GARDEN = """\
id: keeper
name: Wren
role: the keeper of a station's garden and its stage
scene:
  objects: [torch, trowel]
  locations: [stage]
  characters: [player, Marcus Bell]
actions:
  - name: harvest
    description: Harvest a crop.
    parameters:
      crop: {type: choice, values: [chard, lettuce]}
      kilograms: {type: number, minimum: 1, maximum: 20}
  - name: plant
    description: Plant trays of a crop.
    parameters:
      crop: {type: choice, values: [chard, lettuce]}
      kilograms: {type: number, minimum: 1, maximum: 20}
  - name: hand_over
    description: Hand an object to the player.
    parameters:
      item: {type: object}
  - name: point_at
    description: Point at something nearby.
    parameters:
      target: {type: entity}
  - name: call_cue
    description: Call a lighting cue.
    parameters:
      cue: {type: number, minimum: 1, maximum: 300, integer: true}
  - name: call_to_stage
    description: Call an actor to the stage.
    parameters:
      who: {type: character}
"""


@pytest.mark.parametrize(
    ("line", "ranked", "likely"),
    [
        # a clause's verb that two actions share: the one taking what the clause names
        (
            "Hand me the torch and call Marcus to the stage.",
            ["hand_over"],
            ("hand_over", "call_to_stage"),
        ),
        # asked to be handed what two actions take: the one that hands it over
        (
            "Call Marcus to the stage and give me the trowel.",
            ["call_to_stage"],
            ("call_to_stage", "hand_over"),
        ),
        # opened by an action's verb, though another takes its thing and counts in its unit
        (
            "Harvest two kilos of chard, then call Marcus to the stage.",
            ["harvest"],
            ("harvest", "call_to_stage"),
        ),
        # still undecided: the clause names nothing either action takes
        ("Hand me the torch and call it.", ["hand_over"], ("hand_over",)),
    ],
)
def test_a_clause_two_actions_fit_asks_for_the_one_it_names(
    tmp_path: Path, line: str, ranked: list[str], likely: tuple[str, ...]
) -> None:
    hints = sheet_finder(tmp_path, GARDEN, ScriptedIntents({line: ranked})).find(line)
    assert (hints.likely, hints.least) == (likely, len(likely))


@pytest.mark.parametrize(
    ("line", "boost"),
    [
        # fetching someone unnamed: the action that brings people, of those that take one
        ("Ask the life support guy to come look at the scrubbers.", ["page_crew"]),
        ("Call security, this patient's getting violent!", ["page_crew"]),
        # going somewhere, named: a request for the action that takes the place
        ("Come with me to the quarantine ward.", ["walk_to"]),
    ],
)
def test_fetching_or_going_is_a_request(medic: LoadedSheet, line: str, boost: list[str]) -> None:
    intents = ScriptedIntents({})
    medic_finder(medic, intents).find(line)
    assert intents.seen == [(line, boost, True)]


@pytest.mark.parametrize(
    ("line", "named"),
    [
        ("Set the quarantine to deck lockdown.", ["deck lockdown"]),
        ("Put the whole station on full lockdown.", ["full station lockdown"]),
        ("Ease it off to just an advisory.", ["advisory"]),
        # a word of a label alone names none ("station"), nor does a plain label ("none")
        ("You're just the station computer with a face, admit it.", []),
        ("None of your business.", []),
    ],
)
def test_a_number_is_named_by_its_label(medic: LoadedSheet, line: str, named: list[str]) -> None:
    labels = {"advisory", "masks and scans", "deck lockdown", "full station lockdown", "none"}
    found = medic_finder(medic, ScriptedIntents({})).named(line)
    assert [n for n in found if n in labels] == named


def test_a_kindness_passed_on_is_no_request(medic: LoadedSheet) -> None:
    line = "Thanks, Doc. Give Pike a hug from me."
    intents = ScriptedIntents({line: ["page_crew"]})
    hints = medic_finder(medic, intents).find(line)
    assert (hints.likely, hints.must_act(line), intents.seen) == (("none",), False, [])


@pytest.mark.parametrize(
    ("line", "ranked", "likely", "must"),
    [
        # an amount said of the action's number that none of its values is: not done
        ("Bump the quarantine up to level nine.", ["set_quarantine"], ("none",), False),
        ("Seal the ward hatch and set the quarantine to 12.", ["seal_door"], ("none",), False),
        # in range, or a number of something else
        ("Set the quarantine to level three.", ["set_quarantine"], ("set_quarantine",), True),
        ("Set the quarantine to 3 for 48 hours.", ["set_quarantine"], ("set_quarantine",), True),
    ],
)
def test_an_amount_out_of_the_actions_range_asks_for_none(
    medic: LoadedSheet, line: str, ranked: list[str], likely: tuple[str, ...], must: bool
) -> None:
    hints = medic_finder(medic, ScriptedIntents({line: ranked})).find(line)
    assert (hints.likely, hints.must_act(line)) == (likely, must)
    assert hints.unable is not must  # what cannot be done may not be answered as done


@pytest.mark.parametrize(
    ("line", "ranked", "unable"),
    [
        ("Could you sell me an outboard motor?", ["issue_kit", "none"], True),
        ("Walk me over to the Embassy.", ["walk_to"], True),
        # asked for nothing an action could have done, or for something one does
        ("Tell me about the Embassy.", ["none"], False),
        ("Walk me over to the lab.", ["walk_to"], False),
        ("Thanks, Doc. Give Pike a hug from me.", ["page_crew"], False),
    ],
)
def test_a_line_is_unable_when_what_it_asks_for_is_nothing_an_action_can_do(
    medic: LoadedSheet, line: str, ranked: list[str], unable: bool
) -> None:
    finder = medic_finder(medic, ScriptedIntents({line: ranked}), known=sheet_words(medic))
    assert finder.find(line).unable is unable


@pytest.mark.parametrize(
    ("line", "ranked", "likely", "must"),
    [
        # which one is meant: shown by pointing (words beside it), whatever the ranking
        ("Which one's the trauma kit?", ["none"], ("point_at",), True),
        ("Which of these fellows is Pike?", ["scan_patient"], ("point_at",), True),
        # where a thing or person of the scene is: shown or told, unless more is asked
        ("Where's the trauma kit? I can't see it.", ["none"], ("point_at", "none"), False),
        ("Where's Pike? Scan him for spores.", ["scan_patient"], ("scan_patient",), True),
        # where a place is, which deck something is on: as ranked
        ("Where's the lab?", ["none"], ("none",), False),
        ("Which deck is the lab on?", ["none"], ("none",), False),
    ],
)
def test_asking_which_one_is_meant_asks_for_pointing(
    medic: LoadedSheet, line: str, ranked: list[str], likely: tuple[str, ...], must: bool
) -> None:
    hints = medic_finder(medic, ScriptedIntents({line: ranked})).find(line)
    assert (hints.likely, hints.must_act(line)) == (likely, must)


@pytest.mark.parametrize(
    ("line", "ranked", "likely"),
    [
        # a light verb lends the request to the noun or participle after it: the action
        # whose own verb that is, first; the light verb's own action (give_stim) dropped
        ("Give Pike the head-to-toe scan, he took a fall.", ["give_stim"], ("scan_patient",)),
        ("Get the ward hatch sealed before it spreads.", ["walk_to"], ("seal_door", "walk_to")),
        ("Have the lab door shut, please.", ["none"], ("none",)),  # no action's verb
        # not a light verb's request: an auxiliary's question, a thing the scene has
        ("Do you give scans to visitors?", ["none"], ("none",)),
        ("Give me the trauma kit.", ["issue_kit"], ("issue_kit",)),
    ],
)
def test_a_light_verb_lends_the_request_to_the_noun_after_it(
    medic: LoadedSheet, line: str, ranked: list[str], likely: tuple[str, ...]
) -> None:
    assert medic_finder(medic, ScriptedIntents({line: ranked})).find(line).likely == likely


@pytest.mark.parametrize(
    ("line", "boost"),
    [
        # handed over: of the actions that take the kit, the one that hands things out
        ("Pass me the trauma kit.", ["issue_kit"]),
        ("Could you fetch us a field kit?", ["issue_kit"]),
        # not asked to be handed: every action that takes it stays in the running
        ("Where's the trauma kit?", ["issue_kit", "point_at"]),
    ],
)
def test_a_thing_asked_to_be_handed_over_boosts_the_action_that_hands_it(
    medic: LoadedSheet, line: str, boost: list[str]
) -> None:
    intents = ScriptedIntents({})
    medic_finder(medic, intents).find(line)
    assert intents.seen[0][1] == boost


PIT = """\
id: pit
name: Cal
role: a crew chief
scene:
  objects: [wheel gun]
  characters: [Lena, Olly]
actions:
  - name: radio_driver
    description: Talk to the driver over the team radio.
    parameters:
      message: {type: text}
  - name: call_over
    description: Shout for someone to come to the pit box.
    parameters:
      who: {type: character}
"""


@pytest.mark.parametrize(
    ("line", "boost", "asked"),
    [
        # words passed on: the action that says them, not the one that takes the person
        ("Tell Lena to box this lap.", ["radio_driver"], True),
        ("Let Lena know the rain's coming.", ["radio_driver"], True),
        # told to the player, or the person called over: not passed on
        ("Tell me about Lena.", ["call_over"], False),
        ("Get Olly over here.", ["call_over"], False),  # asked: for the ranking to see
    ],
)
def test_words_to_pass_on_boost_the_action_that_says_them(
    tmp_path: Path, line: str, boost: list[str], asked: bool
) -> None:
    path = tmp_path / "pit.yaml"
    path.write_text(PIT)
    loaded = load_sheet(path)
    intents = ScriptedIntents({})
    medic_finder(loaded, intents).find(line)
    assert intents.seen[0][1:] == (boost, asked)


LISTS_HERALD = """\
id: herald
name: Odo
role: a herald
scene:
  characters: [Sir Piers, Wat]
actions:
  - name: proclaim
    description: Cry a proclamation aloud to the stands.
    parameters:
      text: {type: text}
  - name: summon
    description: Send the page running to bring someone.
    parameters:
      who: {type: character}
"""


@pytest.mark.parametrize(
    "line",
    [
        "Cry it out, herald: Sir Piers withdraws from the lists.",
        "Let the stands know the melee's put off until tomorrow.",
    ],
)
def test_a_proclamation_is_words_passed_on(tmp_path: Path, line: str) -> None:
    intents = ScriptedIntents({})
    sheet_finder(tmp_path, LISTS_HERALD, intents).find(line)
    assert intents.seen[0][1:] == (["proclaim"], True)


GARAGE = """\
id: garage
name: Ada
role: a rally mechanic
scene:
  objects: [jack, spare wheel]
  characters: [Tom]
actions:
  - name: fit_tyres
    description: Fit a set of tyres to the car.
    parameters:
      tyre: {type: choice, values: [gravel, tarmac, snow]}
  - name: add_fuel
    description: Put fuel in the car.
    parameters:
      litres: {type: number, minimum: 1, maximum: 80, integer: true}
  - name: hand_part
    description: Hand the player a spare part.
    parameters:
      part: {type: choice, values: [brake pad, spark plug, oil filter]}
      count: {type: number, minimum: 1, maximum: 8, integer: true}
  - name: rent_car
    description: Rent out the service car.
    parameters:
      car: {type: choice, values: [van, hatchback]}
      hours: {type: number, minimum: 1, maximum: 12, integer: true}
"""


@pytest.mark.parametrize(
    ("line", "ranked", "likely", "least"),
    [
        # a line of nothing but orders, a thing or an amount each: one call per clause
        ("Gravels and thirty litres, Ada!", ["fit_tyres"], ("fit_tyres", "add_fuel"), 2),
        ("Forty litres and snows.", ["fit_tyres"], ("add_fuel", "fit_tyres"), 2),
        # two of one list: the same action twice
        ("Two brake pads and a box of spark plugs.", ["hand_part"], ("hand_part",), 2),
        # an amount beside a verb's request is its argument; a thing and an amount of one
        # call fill two parameters
        ("Put me down for the van, six hours.", ["rent_car"], ("rent_car",), 1),
        ("The van for two hours, please.", ["rent_car"], ("rent_car",), 1),
        # "for ..." says whom an order is for
        ("For Tom, a spark plug.", ["hand_part"], ("hand_part",), 1),
    ],
)
def test_a_line_of_orders_asks_for_each(
    tmp_path: Path, line: str, ranked: list[str], likely: tuple[str, ...], least: int
) -> None:
    hints = sheet_finder(tmp_path, GARAGE, ScriptedIntents({line: ranked})).find(line)
    assert (hints.likely, hints.least, hints.must_act(line)) == (likely, least, True)


STORES = """\
id: stores
name: Ife
role: the medic minding the kit stores
scene:
  objects: [field kit, trauma kit, burn kit]
actions:
  - name: issue_med_kit
    description: Hand out medical kits from the stores.
    parameters:
      kit: {type: choice, values: [field, trauma, burn]}
      count: {type: number, minimum: 1, maximum: 6, integer: true}
"""


@pytest.mark.parametrize(
    ("line", "least"),
    [
        # the scene's "burn kit" and "trauma kit" are the values "burn" and "trauma"
        ("Two burn packs and a trauma kit, please.", 2),
        ("Two burn kits and a field kit.", 2),
        ("A trauma kit, please.", 1),
        ("Two burn kits, please.", 1),
    ],
)
def test_things_told_by_entries_holding_a_value_are_that_value(
    tmp_path: Path, line: str, least: int
) -> None:
    intents = ScriptedIntents({line: ["issue_med_kit"]})
    assert sheet_finder(tmp_path, STORES, intents).find(line).least == least


@pytest.mark.parametrize(
    "line",
    ["Gravels are fun on the forest stage.", "Spark plugs? Mine are fine.", "Tom likes snows."],
)
def test_a_thing_named_in_a_sentence_about_it_is_not_an_order(tmp_path: Path, line: str) -> None:
    intents = ScriptedIntents({})
    hints = sheet_finder(tmp_path, GARAGE, intents).find(line)
    assert intents.seen[0][2] is False
    assert not hints.must_act(line)


@pytest.mark.parametrize(
    ("line", "boost"),
    [
        # an amount in what an action counts in: that action's, whatever else the line says
        ("Splash and dash, just eight litres.", ["add_fuel"]),
        ("And 35 litres.", ["add_fuel"]),
        ("Something with four seats, for five hours?", ["rent_car"]),
        ("The van, an hour, no more.", ["rent_car"]),
        # a number counting something else, or the unit without an amount
        ("Five of us are rallying tomorrow.", []),
        ("The tank takes litres, not gallons.", []),
    ],
)
def test_an_amount_in_an_actions_unit_boosts_it(
    tmp_path: Path, line: str, boost: list[str]
) -> None:
    assert boost_of(tmp_path, GARAGE, line) == boost


SMITHY = """\
id: smithy
name: Bryn
role: a village smith
scene:
  objects: [horseshoe, axe]
actions:
  - name: forge_item
    description: Start forging something new at the anvil.
    parameters:
      item: {type: text}
    examples:
      - {player: can you make me a new hinge for my gate?, args: {item: gate hinge}, say: Tomorrow.}
  - name: gesture
    description: Make a gesture.
  - name: hand_over
    description: Give an object to the player.
    parameters:
      item: {type: object}
    examples:
      - {player: pass me the axe, args: {item: axe}, say: Here.}
  - name: sharpen
    description: Sharpen a blade on the wheel.
    examples:
      - {player: could you put an edge on this for me?, say: Sure.}
      - {player: pass me the whetstone when you're done, say: Soon.}
"""


@pytest.mark.parametrize(
    ("line", "boost"),
    [
        # asked as one action's example asks: "make me ..." is forge_item's, not gesture's
        ("Make me a small knife, would you?", ["forge_item"]),
        ("Could you make us a weathervane?", ["forge_item"]),
        # a frame two actions' examples ask with tells neither; "let me" frames nothing
        ("Pass me something sharp.", ["hand_over"]),  # (the action that hands it over)
        ("Let me think about a knife.", []),
        ("Make a rude sign at him.", []),
    ],
)
def test_a_line_asked_as_an_actions_example_asks_boosts_it(
    tmp_path: Path, line: str, boost: list[str]
) -> None:
    assert boost_of(tmp_path, SMITHY, line) == boost


CLINIC = """\
id: clinic
name: Beth
role: a vet nurse
scene:
  locations: [kennel ward]
  characters: [Biscuit, Dr. Aziz]
actions:
  - name: check_in
    description: Check a pet in for its appointment.
    parameters:
      pet: {type: character, values: [Biscuit]}
  - name: dispense
    description: Bag up a medicine for the owner.
    parameters:
      medicine: {type: choice, values: [Drontal wormer, ear drops]}
  - name: page_staff
    description: Call a vet to the front desk.
    parameters:
      who: {type: character, values: [Dr. Aziz]}
  - name: write_note
    description: Write a short note on the pet's record for the vet.
    parameters:
      note: {type: text}
"""


@pytest.mark.parametrize(
    ("line", "boost"),
    [
        # a thing for a person: the actions that take the thing
        ("Can I grab a wormer for Biscuit while I'm here?", ["dispense"]),
        ("Dr. Aziz said he's due a wormer, can I get one?", ["dispense"]),
        # the person's own action opens the line: that one; the person fetched: all stay
        ("Check Biscuit in, he's due a wormer.", ["check_in"]),
        ("Could you grab Dr. Aziz for me? It's about the wormer.", ["dispense", "page_staff"]),
        # a person and a place: no thing to be for
        ("Can I see Biscuit in the kennel ward?", ["check_in"]),
    ],
)
def test_a_thing_named_for_a_person_boosts_the_actions_that_take_the_thing(
    tmp_path: Path, line: str, boost: list[str]
) -> None:
    assert boost_of(tmp_path, CLINIC, line) == boost


def test_words_for_the_vet_go_to_the_action_that_writes_them_down(tmp_path: Path) -> None:
    path = tmp_path / "clinic.yaml"
    path.write_text(CLINIC)
    intents = ScriptedIntents({})
    medic_finder(load_sheet(path), intents).find("Tell the vet he's been off his food.")
    assert intents.seen[0][1:] == (["write_note"], True)


@pytest.mark.parametrize(
    ("line", "ranked", "likely"),
    [
        # a name the sheet never mentions is none of the things an action chooses from
        ("Walk me over to the Embassy.", ["walk_to"], ("none",)),
        ("Page Doctor Okafor down here.", ["page_crew", "none"], ("none",)),
        # an action that chooses from no list may still be asked for
        ("Commander Zhao says lockdown, level 4.", ["set_quarantine"], ("set_quarantine",)),
        # the line names the scene's own place or person: as ranked
        ("Walk me over to the lab, Kai.", ["walk_to"], ("walk_to",)),
        ("Scan Ensign Pike, Zhao's orders.", ["scan_patient"], ("scan_patient",)),
        ("Take me to Dara's lab.", ["walk_to"], ("walk_to",)),  # her own name
        # so is a thing asked for by words the sheet never uses
        ("Could you sell me an outboard motor?", ["issue_kit", "none"], ("none",)),
        ("Give us some morphine, doc.", ["issue_kit", "page_crew"], ("none",)),
        # and a place asked to be taken to by words the sheet never uses
        ("Walk me to the moon.", ["walk_to", "none"], ("none",)),
        ("Take us straight to the penthouse suite.", ["walk_to"], ("none",)),
        ("Walk me to the lab, then.", ["walk_to"], ("walk_to",)),
        # a thing it knows by another of its words, or no thing at all: as ranked
        ("Give me a kit, quick.", ["issue_kit"], ("issue_kit",)),
        ("Get me out of here.", ["walk_to", "none"], ("walk_to", "none")),
    ],
)
def test_a_name_or_thing_the_character_never_heard_is_nothing_to_act_on(
    medic: LoadedSheet, line: str, ranked: list[str], likely: tuple[str, ...]
) -> None:
    scene = Scene.of(medic.sheet)
    found = HintFinder(
        scene,
        ActionSpace.build(medic.sheet, scene),
        ScriptedIntents({line: ranked}),  # type: ignore[arg-type]
        known=sheet_words(medic),
    )
    assert found.find(line).likely == likely


@pytest.mark.parametrize(
    ("line", "ranked", "likely"),
    [
        ("How many trauma kits are left?", ["issue_kit", "none"], ("none",)),
        ("Why is the ward hatch sealed? When does it open?", ["seal_door"], ("none",)),
        ("When can I have a trauma kit? Can I have one now?", ["issue_kit"], ("issue_kit",)),
    ],
)
def test_a_question_of_fact_takes_no_action(
    medic: LoadedSheet, line: str, ranked: list[str], likely: tuple[str, ...]
) -> None:
    found = medic_finder(medic, ScriptedIntents({line: ranked})).find(line)
    assert found.likely == likely


SHIP = """\
id: ship
name: Ledger
role: the quartermaster of a pirate ship
scene:
  locations: [galley, cat basket]
  characters: [Wren Calloway, Old Fergus, Grimalkin]
actions:
  - name: point_at
    description: Point at someone nearby.
    parameters:
      target: {type: character}
  - name: walk_to
    description: Walk to a place on the ship.
    parameters:
      place: {type: location}
"""
SHIP_ROLES = {"bosun": "Wren Calloway", "gunner": "Old Fergus", "cat": "Grimalkin"}


@pytest.mark.parametrize(
    ("line", "people"),
    [
        ("Point out the gunner for me, I'm new aboard.", ["Old Fergus"]),
        ("Which one's your bosun?", ["Wren Calloway"]),
        # a role's word inside a thing named is no one ("the cat basket"); the player's own
        ("Take me to the cat basket.", []),
        ("I'm the new gunner.", []),
    ],
)
def test_people_named_by_their_roles_are_named(
    tmp_path: Path, line: str, people: list[str]
) -> None:
    path = tmp_path / "ship.yaml"
    path.write_text(SHIP)
    sheet = load_sheet(path).sheet
    scene = Scene.of(sheet)
    intents = ScriptedIntents({})
    found = HintFinder(scene, ActionSpace.build(sheet, scene), intents, roles=SHIP_ROLES)  # type: ignore[arg-type]
    hints = found.find(line)
    assert [n for n in found.named(line) if n in people] == people
    assert [name for name, kind in hints.named if kind == "character"] == people
    # without the roles, nobody
    bare = HintFinder(scene, ActionSpace.build(sheet, scene), intents)  # type: ignore[arg-type]
    assert not [name for name, kind in bare.find(line).named if kind == "character"]


LISTS = """\
id: herald
name: Odo
role: the herald of a tourney
scene:
  objects: [lance rack]
  characters: [Sir Brannoc, Kestrel Knight]
actions:
  - name: point_out
    description: Point out someone or something.
    parameters:
      target: {type: character}
"""
LISTS_LOOKS = {"Sir Brannoc": {"boar": 1.0, "black": 1.0}, "Kestrel Knight": {"grey": 1.0}}


@pytest.mark.parametrize(
    ("line", "people"),
    [
        # by looks, and not the Kestrel Knight that "knight" alone would name
        ("Point out the knight with the boar on his shield.", ["Sir Brannoc"]),
        ("Who's the fellow in grey?", ["Kestrel Knight"]),
    ],
)
def test_people_pointed_out_by_their_looks_are_named(
    tmp_path: Path, line: str, people: list[str]
) -> None:
    found = sheet_finder(tmp_path, LISTS, ScriptedIntents({}), looks=LISTS_LOOKS)
    assert [name for name, kind in found.find(line).named if kind == "character"] == people
    assert [n for n in found.named(line) if n in found.scene.characters] == people


def test_a_person_named_whole_is_not_looked_for(tmp_path: Path) -> None:
    found = sheet_finder(tmp_path, LISTS, ScriptedIntents({}), looks=LISTS_LOOKS)
    line = "Is the Kestrel Knight the one with the boar?"
    assert found.named(line) == ["Kestrel Knight"]
    assert ("Sir Brannoc", "character") not in found.find(line).named


def test_a_thing_pointed_out_by_its_looks_is_in_the_scene_line(tmp_path: Path) -> None:
    looked = {**LISTS_LOOKS, "lance rack": {"oak": 1.0}}
    found = sheet_finder(tmp_path, LISTS, ScriptedIntents({}), looks=looked)
    assert ("lance rack", "object") in found.find("Point at that big oak thing.").named
    assert "lance rack" in found.named("Point at that big oak thing.")
    assert "lance rack" not in found.named("Point at the oak tree.")


LISTS_STAFF = """\
id: herald
name: Odo
role: a herald
scene:
  objects: [lance rack]
  characters: [Sir Piers, Brother Anselm]
actions:
  - name: point_out
    description: Point out a person or a thing on the field.
    parameters:
      target: {type: entity}
  - name: summon
    description: Send the page running to bring someone to the stand.
    parameters:
      who: {type: character}
"""


@pytest.mark.parametrize(
    ("line", "boost", "asked"),
    [
        # fetched by the role the lore gives him, though the line names a thing and another
        # person: the action that brings someone
        (
            "Sir Piers took a lance in the ribs, he's coughing blood! Get the physician!",
            ["summon"],
            True,
        ),
        # a word no one's role: nobody fetched
        ("Sir Piers broke a lance. Get the lance rack.", ["point_out"], False),
    ],
)
def test_someone_fetched_by_their_role(
    tmp_path: Path, line: str, boost: list[str], asked: bool
) -> None:
    intents = ScriptedIntents({})
    sheet_finder(tmp_path, LISTS_STAFF, intents, roles={"physician": "Brother Anselm"}).find(line)
    assert intents.seen[0][1:] == (boost, asked)


GREENHOUSE = """\
id: greenhouse
name: Wren
role: a gardener
scene:
  objects: [seed tray, growth log]
  characters: [Kit, Chief Okoro]
actions:
  - name: flush_tank
    description: Drain and refill one of the nutrient tanks.
    parameters:
      tank:
        type: choice
        values: [A, B, C]
        description: "A: leafy greens; B: tomatoes; C: root crops, potatoes"
  - name: plant
    description: Sow seed trays with a crop.
    parameters:
      crop: {type: choice, values: [potatoes, lettuce]}
  - name: call_crew
    description: Call a crew member over the intercom.
    parameters:
      who: {type: character}
  - name: hand_over
    description: Pass the player a tool or a thing from the bay.
    parameters:
      item: {type: object}
"""


@pytest.mark.parametrize(
    ("line", "named"),
    [
        # the article is no tank
        ("The pump's rattling like a loose bolt. Get Chief Okoro down here.", ["Chief Okoro"]),
        ("A tray fell on Kit.", ["seed tray", "Kit"]),
        # a label is
        ("Flush tank A, it's cloudy.", ["A"]),
        ("Is it B or C that feeds them?", ["B", "C"]),
        ("Drain A.", ["A"]),
    ],
)
def test_a_one_letter_value_is_named_as_a_label_not_an_article(
    tmp_path: Path, line: str, named: list[str]
) -> None:
    finder = sheet_finder(tmp_path, GREENHOUSE, ScriptedIntents({}))
    assert finder.named(line) == named


@pytest.mark.parametrize(
    ("line", "boost"),
    [
        # the action whose own verb opens the request, of those the line's things fit
        ("Flush the root tank, the potatoes have got rot.", ["flush_tank"]),
        ("Could you flush the tank? The potatoes are rotting.", ["flush_tank"]),
        # not opened by a verb of the sheet's: the actions taking what it names
        ("Did someone flush it? The potatoes are rotting.", ["plant"]),
    ],
)
def test_the_action_whose_verb_opens_the_request_is_boosted(
    tmp_path: Path, line: str, boost: list[str]
) -> None:
    assert boost_of(tmp_path, GREENHOUSE, line) == boost


@pytest.mark.parametrize(
    ("line", "ranked", "first"),
    [
        ("Get the crew down here, the pump's rattling!", ["plant"], "call_crew"),  # "crew"
        ("Get Kit over here.", ["call_crew"], "call_crew"),  # hand_over's "over" is no thing
    ],
)
def test_a_light_verb_before_the_thing_an_action_is_named_for_asks_for_it(
    tmp_path: Path, line: str, ranked: list[str], first: str
) -> None:
    finder = sheet_finder(tmp_path, GREENHOUSE, ScriptedIntents({line: ranked}))
    assert finder.find(line).likely[0] == first


@pytest.mark.parametrize(
    ("line", "boost"),
    [
        # asked to be passed something, whatever it is called: the action that hands it
        ("Pass me those red-handled clippers.", ["hand_over"]),
        ("Give me whatever you use for that.", ["hand_over"]),
        ("Give her a proper welcome.", []),  # handing nothing
    ],
)
def test_asked_to_be_passed_something_boosts_the_action_that_hands_it(
    tmp_path: Path, line: str, boost: list[str]
) -> None:
    assert boost_of(tmp_path, GREENHOUSE, line) == boost


HUT = """\
id: hut
name: Vreni
role: a mountain hut warden
scene:
  objects: [tiled stove]
  locations: [attic dorm, winter room]
actions:
  - name: assign_bunk
    description: Give guests bunks for the night in a sleeping room.
    parameters:
      room: {type: location}
      bunks: {type: number, minimum: 1, maximum: 20, description: "how many, one per sleeper"}
  - name: set_stove
    description: Open or close the stove's damper.
    parameters:
      level: {type: number, minimum: 0, maximum: 5}
"""


@pytest.mark.parametrize(
    ("line", "boost"),
    [
        # a party's size: the actions that count people
        ("Stick the three of us in the unheated bit out the back.", ["assign_bunk"]),
        ("We're a dozen from the Alpine Club.", ["assign_bunk"]),
        # a number of something else
        ("Stick three logs in, it's freezing.", []),
    ],
)
def test_a_partys_size_is_for_the_actions_that_count_people(
    tmp_path: Path, line: str, boost: list[str]
) -> None:
    assert boost_of(tmp_path, HUT, line) == boost


def test_a_party_too_big_for_the_actions_range_asks_for_none(tmp_path: Path) -> None:
    line = "We're a school trip, forty of us. Bunks for everyone, please."
    intents = ScriptedIntents({line: ["assign_bunk"]})
    hints = sheet_finder(tmp_path, HUT, intents).find(line)
    assert (hints.likely, hints.unable) == (("none",), True)


LOAN = """\
id: loan
name: Vreni
role: a mountain hut warden
scene:
  objects: [headtorch, sleeping bag liner, radio]
  characters: [Toni]
actions:
  - name: lend_gear
    description: Lend a guest something from the hut's loan shelf.
    parameters:
      item: {type: object, values: [headtorch, sleeping bag liner]}
  - name: call_hut_rest
    description: Ring the bell for quiet in the whole hut.
  - name: summon
    description: Call someone over.
    parameters:
      who: {type: character}
"""
LINER = Meant("sleeping bag liner", "object", ("lend_gear",))


@pytest.mark.parametrize(
    ("line", "ranked", "adopted"),
    [
        # asked for by need, and the ranking alone would not act: the thing's action is
        # boosted and the line asked for something, with the thing pointed out
        ("I forgot the thin sheet sack. Got a spare?", ["none"], True),
        ("Could I have the thin sheet sack?", ["none", "call_hut_rest"], True),
        ("Could I have the thin sheet sack?", ["lend_gear", "call_hut_rest"], True),
        # the ranking acts otherwise: another action's own words ("Ring for quiet") win,
        # though "none" is close behind
        ("Got a spare? Ring for quiet too.", ["call_hut_rest"], False),
        ("Got a spare? Ring for quiet too.", ["call_hut_rest", "none"], False),
        # not asked for: "the thin sheet sack was lovely" asks for nothing
        ("The thin sheet sack was lovely.", ["none"], False),
    ],
)
def test_a_thing_asked_for_by_need_is_the_one_the_embedder_finds(
    tmp_path: Path, line: str, ranked: list[str], adopted: bool
) -> None:
    intents = ScriptedIntents({line: ranked}, meanings={line: LINER})
    hints = sheet_finder(tmp_path, LOAN, intents).find(line)
    _, boost, asked = intents.seen[-1]
    assert (boost, asked) == ((["lend_gear"], True) if adopted else ([], False))
    assert (("sleeping bag liner", "object") in hints.named) is adopted


def test_a_thing_asked_for_by_need_is_not_looked_for_when_the_line_names_one(
    tmp_path: Path,
) -> None:
    # The headtorch is named: its action is boosted by name, not the liner by need; and a
    # line fetching someone ("Get Toni over here") is about the person, not a thing.
    for line in ("Could I borrow the headtorch for my sleep?", "Get Toni over here, please."):
        intents = ScriptedIntents({line: ["none"]}, meanings={line: LINER})
        hints = sheet_finder(tmp_path, LOAN, intents).find(line)
        assert ("sleeping bag liner", "object") not in hints.named
        assert len(intents.seen) == 1  # the ranking is asked once, with the usual boost


def test_a_thing_asked_for_by_need_is_looked_for_in_the_scene_now(tmp_path: Path) -> None:
    line = "I forgot the thin sheet sack. Got a spare?"
    intents = ScriptedIntents({line: ["none"]}, meanings={line: LINER})
    found = replace(sheet_finder(tmp_path, LOAN, intents), scene=Scene(("headtorch", "radio")))
    assert found.find(line).named == ()
    assert intents.seen[-1][1] == []
