"""What the prompt holds, and which of it the character must never say."""

from __future__ import annotations

from pathlib import Path

import pytest

from npc.actions.reply import ReplyFormat
from npc.actions.space import ActionSpace, Scene
from npc.character.loader import load_sheet
from npc.character.prompt import (
    STANDING_CHARS,
    apart,
    describes,
    instructions,
    mentions,
    named,
    names_action,
    orders,
    picked,
    standing_knowledge,
    system_prompt,
    unsaid,
)

ROOT = Path(__file__).resolve().parents[2]


def test_unsaid_is_the_prompts_instructions_without_what_the_character_may_say() -> None:
    sheet = load_sheet(ROOT / "bench/data/quality/dev/forge_keeper.yaml").sheet
    fmt = ReplyFormat(ActionSpace.build(sheet), tuple(sheet.emotions.allowed))
    prompt = system_prompt(sheet, fmt)
    pieces = unsaid(sheet, fmt)
    text = "\n".join(pieces)
    assert all(piece.strip() in prompt for piece in pieces)  # all of it is in the prompt
    assert f"stay in character as {sheet.name}" in text  # the framing
    assert "never say their words back to them" in text  # the rules
    assert "a question gets an answer, not an action" in text  # how to act
    assert '"emotion" is one of' in text  # the reply format
    refusal = sheet.guardrails.refusal
    assert refusal and refusal in instructions(sheet, fmt) and refusal not in text
    assert sheet.backstory and sheet.backstory.strip()[:40] not in text  # persona is said freely
    for sig in fmt.space.signatures():  # scene entries the character names
        assert sig not in text
    for action in sheet.actions:  # but what an action does is not said for it
        assert action.description in pieces
        for param in action.parameters.values():  # nor what a parameter is for
            assert not param.description or param.description in pieces
    assert any(p.description for a in sheet.actions for p in a.parameters.values())


def _sheet(tmp_path: Path, facts: list[str], lore: str | None) -> Path:
    lines = ["id: smith", "name: Brenna", "role: the village smith", "knowledge:"]
    lines.append("  facts: [" + ", ".join(f'"{f}"' for f in facts) + "]")
    if lore is not None:
        (tmp_path / "lore.md").write_text(lore)
        lines.append("  files: [lore.md]")
    path = tmp_path / "smith.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_short_lore_is_in_every_prompt(tmp_path: Path) -> None:
    lore = "# The village\n\n## Mill\nThe mill grinds on Mondays.\n"
    loaded = load_sheet(_sheet(tmp_path, ["Brenna is forty", "Coal comes by barge."], lore))
    known = standing_knowledge(loaded)
    assert known == [
        "Brenna is forty. Coal comes by barge.",
        "The village: Mill: The mill grinds on Mondays.",
    ]
    fmt = ReplyFormat(ActionSpace.build(loaded.sheet), tuple(loaded.sheet.emotions.allowed))
    prompt = system_prompt(loaded.sheet, fmt, known)
    assert "What you know: Brenna is forty. Coal comes by barge. The village: Mill:" in prompt


def test_long_lore_is_left_to_retrieval_but_short_facts_stay(tmp_path: Path) -> None:
    long_file = "The mill grinds on Mondays. " * (STANDING_CHARS // 20)
    loaded = load_sheet(_sheet(tmp_path, ["Brenna is forty"], long_file))
    assert standing_knowledge(loaded) == ["Brenna is forty."]
    many = [f"Fact number {i} about the forge and the village." for i in range(40)]
    assert standing_knowledge(load_sheet(_sheet(tmp_path, many, None))) == []


@pytest.mark.parametrize(
    ("text", "name", "names"),
    [
        ("a bowl of ramen", "ramen bowl", True),
        ("some water", "water cup", True),
        ("some of that coffee of yours", "your compartment", False),
        ("is this your compartment?", "your compartment", True),
        ("what's that over there?", "there and back", False),
        # a short proper name names its entry; a short common word does not
        ("Could you get Pim down here?", "engineer Pim", True),
        ("I'll take one.", "Gallery One", False),
        ("ask Mr Lee", "Mr Hale", False),
        ("a big pot", "pot of tea", False),
        ("Can I have a bag?", "carrier bag", True),
        ("a cup of tea", "green tea", True),
        ("the one in front", "Gallery One", False),
        ("wifi voucher, cheers", "Wi-Fi voucher", True),
        ("a wi-fi voucher", "Wi-Fi voucher", True),
        ("Two full-day passes, please.", "full day", True),
        ("four of whatever the three-day thing is", "three day", True),
        ("Any first-aid hut near the lift?", "first aid hut", True),
        # a part of a hyphenated word names an entry only with the rest of it
        ("I went red-faced.", "red helmet", False),
        ("Do I need an x-ray?", "Ray", False),
        ("Is it half-price today?", "price sheet", False),
    ],
)
def test_a_common_word_alone_names_no_entry(text: str, name: str, names: bool) -> None:
    assert named(text, name) is names


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("bring it to table 1", ["table 1"]),
        ("which table is free?", ["table 1", "table 2"]),
        ("What's in Gallery One?", ["Gallery One"]),
        ("the galleries", ["Gallery One", "Gallery Two"]),
        ("ask Pim about the gallery", ["Gallery One", "Gallery Two", "engineer Pim"]),
    ],
)
def test_an_entry_named_whole_leaves_out_those_sharing_a_word(text: str, found: list[str]) -> None:
    scene = Scene(
        ("pocket watch",), ("table 1", "table 2", "Gallery One", "Gallery Two"), ("engineer Pim",)
    )
    assert [name for name, _ in mentions(text, scene)] == found


@pytest.mark.parametrize(
    ("text", "found"),
    [
        # a word names what it is the head of, not what it only qualifies
        ("Just the cheapest cabin you have, please.", ["your cabin"]),
        ("Have you a map of the decks?", ["car deck 3", "outer deck"]),
        # an entry named whole takes its words; a head alone names its own entry
        ("I locked my key in the cabin.", ["cabin key"]),
        ("Another key, please.", ["cabin key"]),
        # a choice value sharing only a word with an entry named whole is left out
        ("a piece of that lardy cake", ["lardy cake"]),
        ("a cake for Friday", ["lardy cake", "carrot cake"]),
    ],
)
def test_a_word_names_the_entries_it_is_the_head_of(text: str, found: list[str]) -> None:
    names = ["cabin key", "deck plan", "your cabin", "car deck 3", "outer deck", "lardy cake"]
    assert picked(text, [*names, "carrot cake"]) == found


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("The red one on the top shelf, can I try that on?", ["red helmet"]),
        ("I'll take the rye.", ["rye loaf"]),
        # a short word several entries hold tells none apart; a common one names nothing
        ("Where'd you learn to ski like that?", []),
        ("A hot one, please.", []),
        ("Got a gas mask?", ["gas mask"]),
        ("I smell gas.", []),  # a word said for itself
        ("The sun is out.", []),
    ],
)
def test_a_short_word_telling_one_entry_from_the_rest_names_it(text: str, found: list[str]) -> None:
    names = ["red helmet", "black helmet", "rye loaf", "ski wax", "ski patroller", "hot dog"]
    names += ["gas mask", "sun hat"]
    assert picked(text, names) == found


@pytest.mark.parametrize(
    ("text", "action", "names"),
    [
        ("I'd love a cabin with a window.", "book_cabin", True),
        ("Booking's under Murphy, two adults and a dog.", "check_booking", True),
        ("I locked my key in the cabin.", "book_cabin", False),  # the cabin key's word
        ("I'd love a piece of that lardy cake.", "order_cake", False),
        ("a cake for Friday", "order_cake", True),
        ("what's the time?", "ring_up", False),  # no noun: "up" names nothing
        ("bring me the ladle", "fetch", False),
        ("Come over here, would you?", "hand_over", False),  # "over" acts on nothing
        ("Calm down and sit.", "sit_down", False),
        ("Follow me to the door.", "schedule_follow_up", False),  # its verb, not its thing
    ],
)
def test_a_line_names_what_an_actions_own_name_acts_on(text: str, action: str, names: bool) -> None:
    entries = ["cabin key", "your cabin", "lardy cake"]
    assert names_action(text, action, picked(text, entries)) is names


POST = "Take a letter or small parcel and put it in the mail sack for a town."
SEAT = "Write a rider's seat into the flight ledger for the next flight to a town."


@pytest.mark.parametrize(
    ("text", "description", "says"),
    [
        ("Could you get this letter up to the abbey?", POST, True),
        ("Two parcels for Highmere.", POST, True),  # a plural of its word
        ("Could you get this letter up to the abbey?", SEAT, False),
        ("Two seats to Saltreach.", SEAT, True),
        ("What's in the flight ledger?", SEAT, False),  # a scene entry's word, named
        ("Give it to the traveller over there.", POST, False),  # words every action has
        ("Put it on the bill.", POST, False),  # "put" and "it": too short to tell
    ],
)
def test_a_line_says_the_telling_words_of_an_actions_description(
    text: str, description: str, says: bool
) -> None:
    assert describes(text, description, picked(text, ["flight ledger", "mail satchel"])) is says


@pytest.mark.parametrize(
    ("text", "names", "order"),
    [
        ("Two croissants, cheers.", ["croissant"], True),
        ("wifi voucher, cheers", ["Wi-Fi voucher"], True),
        ("Half a dozen of the sausage rolls for me, thanks.", ["sausage roll"], True),
        ("Three pastries.", ["pastry"], True),
        ("And a couple of those sausage rolls.", ["sausage roll"], True),
        ("Mediums next, quick.", ["medium"], True),
        ("35 croissants.", ["croissant"], True),
        ("Those croissants look burnt.", ["croissant"], False),
        ("Two croissants, Hattie.", ["croissant"], True),  # the one spoken to, after a comma
        ("Please, croissants.", ["croissant"], True),  # (not when it is the thing itself)
        ("Softs and thirty litres, chief!", ["soft"], True),  # litres: what things come in
        ("Two tins of oil and a coil of rope.", ["lamp oil", "rope"], True),
        ("A sack of salt, please.", ["salt bag"], True),
        ("A sack of potatoes fell off the cart.", ["salt bag"], False),  # says nothing named
        ("Two tins of oil fell off the cart.", ["lamp oil"], False),  # words beside the thing
        ("The rye?", ["rye loaf"], False),  # a question
        ("Lovely croissants you have.", ["croissant"], False),  # words beside the thing
        ("thanks, cheers", [], False),  # names nothing
        ("thanks, cheers", ["croissant"], False),  # says nothing it named
        # the order's close is no other words beside the things
        (
            "Masking tape and a roller, then I'm done with the list.",
            ["masking tape", "roller"],
            True,
        ),
        ("Two croissants, that's all.", ["croissant"], True),
        ("Two croissants, that's all you've got?", ["croissant"], False),
    ],
)
def test_a_line_of_nothing_but_named_things_orders_them(
    text: str, names: list[str], order: bool
) -> None:
    assert orders(text, names) is order


def test_an_order_may_count_in_what_an_action_counts_in() -> None:
    assert orders("Softs and thirty litres, chief!", ["soft"], units=["litres"])
    assert orders("Fifty litres and hards, Cal.", ["hard"], units=["litres"])
    assert not orders("Thirty litres of rain fell.", ["soft"], units=["litres"])
    # an amount alone, in what an action counts in
    assert orders("Thirty litres.", [], units=["litres"])
    assert not orders("Thirty litres?", [], units=["litres"])
    assert not orders("Thirty litres.", [])


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Hand me one of those twelves, would you?", ["12-pound ball"]),
        ("One of the eights, maybe?", ["8-pound ball"]),
        ("The 15s are too heavy.", ["15-pound ball"]),
        ("Two hot dogs, please.", ["hot dog"]),  # a count names nothing
        ("Tens of thousands came.", []),
        ("The twos, please.", ["table 2"]),
        # a saying, a decade, an age
        ("We came in twos and threes.", []),
        ("Give us high twelves!", []),
        ("Back in the 20s we had real bread.", []),
        ("My kids are in their 20s.", []),
    ],
)
def test_a_number_said_as_a_plural_names_the_thing_it_is_on(text: str, found: list[str]) -> None:
    names = ["8-pound ball", "12-pound ball", "15-pound ball", "table 2", "hot dog", "lane 20"]
    assert picked(text, names) == found


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("A snowboard, and the black helmet to go with it.", ["black helmet", "snowboard"]),
        ("My kid needs skis.", ["carving skis"]),  # one word for two entries: one thing
        ("Pitcher of root beer and four cups please.", ["pitcher of root beer", "plastic cup"]),
        ("Hand me the goggles, please.", ["goggles"]),  # "hand" is a verb: one thing
        ("Hand over the goggles and the hand warmers.", ["goggles", "hand warmers"]),
        ("The eights and the twelves, please.", ["8-pound ball", "12-pound ball"]),
    ],
)
def test_things_named_each_by_words_of_their_own(text: str, found: list[str]) -> None:
    names = [
        "black helmet",
        "snowboard",
        "carving skis",
        "junior skis",
        "pitcher of beer",
        "pitcher of root beer",
        "plastic cup",
        "goggles",
        "hand warmers",
        "8-pound ball",
        "12-pound ball",
    ]
    assert apart(text, names) == found


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Ring the morgue, would you?", ["morgue"]),  # a verb, not the "key ring"
        ("Grab the key ring. Then ring her up.", ["key ring"]),
        ("Now light the lamp, and please ring us.", ["lamp"]),
        ("Where's the ring?", ["key ring"]),  # said as a thing, it is one
        ("Recall the knights!", ["recall"]),  # a value named whole stays named
        ("The lamp, then the light.", ["lamp", "oil light"]),
    ],
)
def test_a_clauses_opening_verb_names_no_entry_by_a_word_of_it(text: str, found: list[str]) -> None:
    assert picked(text, ["key ring", "morgue", "lamp", "oil light", "recall"]) == found
