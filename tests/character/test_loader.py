from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from npc.character.loader import load_characters, load_sheet
from npc.errors import SheetError
from tests.conftest import CHARACTERS

GOOD = """\
id: cook
name: Cook
role: a cook
scene:
  objects: [axe, pan]
  locations: [kitchen]
actions:
  - name: fetch
    description: get a thing
    parameters:
      item: {type: object, values: [axe]}
"""


def write(tmp_path: Path, text: str, name: str = "c.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(SheetError) as info:
        load_sheet(path)
    return [str(p) for p in info.value.problems]


def test_example_characters_load() -> None:
    sheets = load_characters(CHARACTERS)
    assert {"jin", "nova", "triage_nurse", "belligerent_patient"} <= set(sheets)
    jin = sheets["jin"]
    assert jin.sheet.action("fetch") is not None
    assert all(p.is_file() for p in jin.knowledge_files())
    assert len(jin.knowledge_files()) >= 3


def test_whole_numbers_in_example_and_test_calls_stay_whole() -> None:
    # Read as floats, Nova's examples showed the model "depth": 5.0 for a whole number.
    nova = load_characters(CHARACTERS)["nova"].sheet
    scan = nova.action("run_scan")
    assert scan is not None
    assert [e.args["depth"] for e in scan.examples] == [5, 1]
    assert all(isinstance(e.args["depth"], int) for e in scan.examples)
    expected = [c for t in nova.tests for c in t.actions if c.name == "run_scan"]
    assert expected and all(isinstance(c.args["depth"], int) for c in expected)
    assert expected[0].label() == "run_scan(target=laptop, depth=1)"


def test_good_sheet(tmp_path: Path) -> None:
    loaded = load_sheet(write(tmp_path, GOOD))
    assert loaded.sheet.scene.objects == ["axe", "pan"]


def test_unknown_field_names_line_column_and_expected_fields(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD + "voice:\n  piper: en_US-joe-medium\n  speed: 2\n")
    [msg] = problems(path)
    assert msg == f"{path}:14:3: voice.speed: unknown field; expected one of: piper, rate"


def test_a_comma_in_an_unquoted_value_is_named_as_the_likely_cause(tmp_path: Path) -> None:
    # (a comma in a block value, "get a thing, quickly", is fine)
    text = GOOD.replace("description: get a thing", "description: get a thing, quickly")
    path = write(
        tmp_path,
        text.replace(
            "{type: object, values: [axe]}", "{type: object, description: the thing, any size}"
        ),
    )
    msgs = problems(path)
    assert msgs == [
        f"{path}:11:52: actions[0].parameters.item.any size: unknown field; expected one of: "
        "description, required, type, values; a comma ends an unquoted value in {...}: "
        "quote the value before it"
    ]


def test_wrong_type(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        GOOD.replace(
            "description: get a thing", "description: get a thing\n    needs_reply: maybe"
        ),
    )
    [msg] = problems(path)
    assert msg.startswith(f"{path}:10:18: actions[0].needs_reply: input should be a valid boolean")


def test_missing_field(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("name: Cook\n", ""))
    [msg] = problems(path)
    assert msg == f"{path}:1:1: name: missing; this field is required"


def test_duplicate_action_and_enum_outside_scene(tmp_path: Path) -> None:
    text = GOOD.replace("values: [axe]", "values: [axe, sword]") + (
        "  - name: fetch\n    description: again\n"
    )
    msgs = problems(write(tmp_path, text))
    assert any(
        ":11:42: actions[0].parameters.item.values[1]: 'sword' is not an object of "
        "the scene; expected one of: axe, pan" in m
        for m in msgs
    )
    assert any(":12:11: actions[1].name: duplicate action 'fetch'" in m for m in msgs)


def test_missing_knowledge_file_and_unknown_voice(tmp_path: Path) -> None:
    text = GOOD + "knowledge:\n  files: [lore.md]\nvoice:\n  piper: robot-voice\n"
    msgs = problems(write(tmp_path, text))
    assert any(":13:11: knowledge.files[0]: 'lore.md' does not exist" in m for m in msgs)
    assert any(":15:10: voice.piper: unknown voice 'robot-voice'" in m for m in msgs)


def test_unknown_parameter_type(tmp_path: Path) -> None:
    msgs = problems(write(tmp_path, GOOD.replace("type: object", "type: thing")))
    assert any("actions[0].parameters.item: unknown type 'thing'" in m for m in msgs)


def test_number_range_must_be_ordered(tmp_path: Path) -> None:
    text = GOOD.replace("{type: object, values: [axe]}", "{type: number, minimum: 5, maximum: 1}")
    [msg] = problems(write(tmp_path, text))
    assert msg.endswith(
        "actions[0].parameters.item: minimum 5.0 is above maximum 1.0; expected minimum <= maximum"
    )


def test_yaml_syntax_and_duplicate_keys(tmp_path: Path) -> None:
    [msg] = problems(write(tmp_path, "id: a\nname: b\nname: c\n"))
    assert msg.endswith(":3:1: invalid YAML: duplicate key; each key may appear once in a mapping")
    [msg] = problems(write(tmp_path, "id: a\n  name: [b\n"))
    assert ":2:7: invalid YAML" in msg


def test_not_a_mapping_and_not_utf8(tmp_path: Path) -> None:
    [msg] = problems(write(tmp_path, "- a\n"))
    assert msg.endswith("1:1: expected a mapping of fields at the top level")
    binary = tmp_path / "b.yaml"
    binary.write_bytes(b"\xff\xfe\x00id")
    [msg] = problems(binary)
    assert "not UTF-8 text" in msg


def test_duplicate_ids_across_files(tmp_path: Path) -> None:
    write(tmp_path, GOOD, "a.yaml")
    write(tmp_path, GOOD, "b.yaml")
    with pytest.raises(SheetError) as info:
        load_characters(tmp_path)
    assert "id 'cook' is already used by" in str(info.value)


def test_example_args_are_checked_against_the_action(tmp_path: Path) -> None:
    text = GOOD + "    examples:\n      - {player: hi, args: {item: sword}, say: no}\n"
    [msg] = problems(write(tmp_path, text))
    assert (
        ":13:22: actions[0].examples[0].args: fetch.item = 'sword' is not in the scene now" in msg
    )


def test_parameter_called_name_is_reserved(tmp_path: Path) -> None:
    text = GOOD.replace("item: {type: object", "name: {type: object")
    msgs = problems(write(tmp_path, text))
    assert any("actions[0].parameters.name: 'name' is reserved" in m for m in msgs)


def test_text_is_a_parameter_type_and_string_its_other_name(tmp_path: Path) -> None:
    for name in ("text", "string"):
        text = GOOD.replace("{type: object, values: [axe]}", f"{{type: {name}, max_length: 20}}")
        assert load_sheet(write(tmp_path, text)).sheet.actions[0].parameters["item"]


def test_entity_values_may_be_objects_or_characters(tmp_path: Path) -> None:
    text = GOOD.replace("locations: [kitchen]", "locations: [kitchen]\n  characters: [Vell]")
    ok = text.replace("{type: object, values: [axe]}", "{type: entity, values: [axe, Vell]}")
    assert load_sheet(write(tmp_path, ok))
    bad = text.replace("{type: object, values: [axe]}", "{type: entity, values: [kitchen]}")
    [msg] = problems(write(tmp_path, bad))
    assert msg.endswith(
        "'kitchen' is not an object or a character of the scene; expected one of: axe, pan, Vell"
    )


def test_an_example_emotion_must_be_allowed(tmp_path: Path) -> None:
    text = GOOD + (
        "emotions: {allowed: [neutral, happy]}\n"
        "examples:\n  - {player: hi, say: Hello., emotion: furious}\n"
    )
    [msg] = problems(write(tmp_path, text))
    assert msg.endswith(
        "examples[0].emotion: 'furious' is not among the allowed emotions; "
        "expected one of: neutral, happy"
    )


def test_a_wrong_choice_is_named_as_such(tmp_path: Path) -> None:
    text = GOOD.replace("{type: object, values: [axe]}", "{type: choice, values: [axe, pan]}")
    text += "    examples:\n      - {player: hi, args: {item: sword}, say: no}\n"
    [msg] = problems(write(tmp_path, text))
    assert msg.endswith("fetch.item = 'sword' is not one of its choices; expected one of: axe, pan")


def test_secrets_as_strings_or_mappings(tmp_path: Path) -> None:
    text = GOOD + (
        "secrets:\n  - The rebel captain is Aldric.\n"
        "  - {fact: The key is under the anvil., tell_when: the player shows the seal}\n"
    )
    sheet = load_sheet(write(tmp_path, text)).sheet
    assert [s.fact for s in sheet.secrets] == [
        "The rebel captain is Aldric.",
        "The key is under the anvil.",
    ]
    assert sheet.secrets[1].tell_when == "the player shows the seal"


def test_tests_expect_calls_the_character_can_make(tmp_path: Path) -> None:
    text = GOOD + (
        "tests:\n"
        "  - {player: get the axe, actions: [{name: fetch, args: {item: axe}}]}\n"
        "  - {player: get the sword, actions: [{name: fetch, args: {item: sword}}]}\n"
        "  - turns:\n"
        "      - {player: hi, actions: []}\n"
        "      - {player: dance, actions: [{name: dance}]}\n"
    )
    msgs = problems(write(tmp_path, text))
    assert len(msgs) == 2
    assert "tests[1].actions[0]: fetch.item = 'sword' is not in the scene now" in msgs[0]
    assert "tests[2].turns[1].actions[0]: unknown action 'dance'" in msgs[1]


def test_a_test_needs_a_line_and_not_both_shapes(tmp_path: Path) -> None:
    msgs = problems(write(tmp_path, GOOD + "tests:\n  - {kind: lore}\n"))
    assert "a test needs a player line, events or turns" in msgs[0]
    text = GOOD + "tests:\n  - {player: hi, turns: [{player: hello}]}\n"
    assert "either turns or a single line" in problems(write(tmp_path, text))[0]
