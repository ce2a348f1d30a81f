from __future__ import annotations

import json

from npc.actions.reply import ACT_FIRST, ACT_SAY, SAY_ACT_SAY, ReplyFormat, opening
from npc.actions.space import ActionSpace, Scene
from npc.character.loader import load_sheet
from npc.character.sheet import Action
from tests.conftest import CHARACTERS


def jin_format(**kw: object) -> ReplyFormat:
    sheet = load_sheet(CHARACTERS / "jin.yaml").sheet
    return ReplyFormat(ActionSpace.build(sheet), tuple(sheet.emotions.allowed), **kw)  # type: ignore[arg-type]


def test_grammar_enumerates_the_current_scene() -> None:
    g = jin_format().grammar()
    assert g.startswith("root ::= first-tail")
    assert '"\\"ramen bowl\\""' in g and '"\\"table 2\\""' in g
    assert "{0,2}" in g  # up to three actions


def test_scene_change_changes_the_grammar() -> None:
    fmt = jin_format()
    moved = ReplyFormat(ActionSpace(fmt.space.actions, Scene(objects=("axe",))), fmt.emotions)
    g = moved.grammar()
    assert '"\\"axe\\""' in g and "ramen bowl" not in g
    assert "act-serve" not in g  # no location left to serve to


def test_render_and_prefix_agree() -> None:
    for order in (None, ACT_FIRST):
        fmt = jin_format() if order is None else jin_format(order=order)
        text = fmt.render("Hi.", "happy", 2, [{"name": "fetch", "item": "knife"}])
        assert text.startswith(fmt.assistant_prefix)
        assert json.loads(text)["actions"] == [{"name": "fetch", "item": "knife"}]


def test_json_schema_matches_the_actions() -> None:
    schema = jin_format().json_schema()
    calls = schema["properties"]["actions"]["items"]["anyOf"]
    fetch = next(c for c in calls if c["properties"]["name"]["const"] == "fetch")
    assert "ramen bowl" in fetch["properties"]["item"]["enum"]
    assert schema["required"] == ["say", "emotion", "intensity", "actions"]


def test_speech_cannot_hold_the_marks_of_code() -> None:
    speech = next(line for line in jin_format().grammar().splitlines() if line.startswith("speech"))
    for mark in "{}<>|`#_*=()":
        assert mark in speech.split("[^", 1)[1].rsplit("]", 1)[0]  # in the negated class


def test_banned_openings_are_a_trie_of_rules() -> None:
    g = jin_format().grammar(["bring*", "i", "what"])
    rules = dict(line.split(" ::= ", 1) for line in g.splitlines())
    first = rules["first-tail"]
    assert "[Bb]" in first and "[Ii]" in first and "[Ww]" in first
    # A stem: past its last letter there is no way on, only around.
    brin = next(v for v in rules.values() if "()Gg]" in v)
    assert "[Gg]" not in brin
    # A whole word, once written out, has no end and no space after it: a letter goes on
    # only from a one-letter word ("It's", not "I"); a longer one only as a contraction
    # ("What's", never a letter glued on: "Whatjin").
    i = next(v for k, v in rules.items() if k.startswith("ban-") and v.startswith("[abc"))
    what = next(v for k, v in rules.items() if k.startswith("ban-") and v.startswith("[']"))
    for rule in (i, what):
        assert rule.count('"\\""') == 1 and " " not in rule.split("]")[0]
    assert len([k for k in rules if k.startswith("ban-")]) == len("brin") + len("i") + len("what")


def test_a_whole_word_with_its_contraction_banned_too_may_only_end() -> None:
    g = jin_format().grammar(["can", "can'*"])
    rules = dict(line.split(" ::= ", 1) for line in g.splitlines())
    # "c", "ca", "can": written out, "can" has no way on (no letter, its contraction banned).
    assert rules["ban-3"] == '"\\""'


def test_a_reply_that_must_refuse_opens_with_a_refusal_not_banned() -> None:
    def rules(fmt: ReplyFormat, banned: list[str]) -> dict[str, str]:
        return dict(line.split(" ::= ", 1) for line in fmt.grammar(banned).splitlines())

    first = rules(jin_format(refuse=True), ["row"])["first-tail"]
    assert first.startswith('( "No" | "Sorry" | "I can\'t" |') and "[ ,.!]" in first
    assert not any(k.startswith("ban-") for k in rules(jin_format(refuse=True), ["row"]))
    # a refusal whose first word a guard stopped is not offered; all stopped: bans as ever
    assert '"No"' not in rules(jin_format(refuse=True), ["no*"])["first-tail"]
    assert '"Not"' not in rules(jin_format(refuse=True), ["no*"])["first-tail"]
    every = ["no*", "sorry", "i*", "can't"]
    assert "ban-1" in rules(jin_format(refuse=True), every)
    # the speech after the actions opens so too
    later = rules(jin_format(order=ACT_SAY, refuse=True), [])
    assert later["say-tail"].startswith('( "No" |')


def test_say_act_say_splits_the_speech_around_the_actions() -> None:
    fmt = jin_format(order=SAY_ACT_SAY)
    text = fmt.render(
        "One bowl, coming right up.", "happy", 2, [{"name": "fetch", "item": "knife"}]
    )
    reply = json.loads(text)
    assert list(reply) == ["say", "actions", "more", "emotion", "intensity"]
    assert (reply["say"], reply["more"]) == ("One bowl, coming right up.", "")
    assert fmt.assistant_prefix == '{"say": "'
    assert "more" in fmt.json_schema()["required"]
    assert opening("Here you go.") == ("Here you go.", "")
    assert opening("Tonkotsu for table two right away") == ("Tonkotsu for table", "two right away")
    assert opening("One bowl, coming right up, friend. Mind the heat.") == (
        "One bowl, coming right up, friend.",
        "Mind the heat.",
    )
    assert opening("Miso, good choice on a cold night, my friend.") == (
        "Miso, good choice on a cold night,",
        "my friend.",
    )


def test_must_act_drops_the_empty_action_list() -> None:
    def actions_rule(fmt: ReplyFormat) -> str:
        return next(ln for ln in fmt.grammar().splitlines() if ln.startswith("actions ::="))

    free, bound = actions_rule(jin_format()), actions_rule(jin_format(must_act=True))
    assert free.endswith(')? "]"') and not bound.endswith(')? "]"')
    assert bound == 'actions ::= "[" action ( ", " action ){0,2} "]"'
    tail = next(
        ln
        for ln in jin_format(order=ACT_FIRST, must_act=True).grammar().splitlines()
        if ln.startswith("first-tail")
    )
    assert tail == 'first-tail ::= action ( ", " action ){0,2} "]"'
    # A line asking for two things of one action: at least two calls.
    two = actions_rule(jin_format(must_act=True, least=2))
    assert two == 'actions ::= "[" action ( ", " action ){1,2} "]"'
    assert actions_rule(jin_format(least=2)).endswith(')? "]"')  # only with must_act


def test_actions_then_speech_keeps_the_speechs_banned_openings() -> None:
    fmt = jin_format(order=ACT_SAY, must_act=True)
    assert fmt.assistant_prefix == '{"actions": ['
    plain = fmt.grammar().splitlines()
    assert (
        plain[0] == 'root ::= first-tail ", \\"say\\": " speech ", \\"emotion\\": " emotion '
        '", \\"intensity\\": " intensity "}"'
    )
    banned = fmt.grammar(["bring"]).splitlines()
    assert banned[0].startswith('root ::= first-tail ", \\"say\\": " "\\"" say-tail ')
    tail = next(ln for ln in banned if ln.startswith("say-tail ::="))
    assert "[Bb]" in tail  # the trie of the banned word starts there


def test_a_number_named_by_its_label_is_that_number() -> None:
    sheet = load_sheet(CHARACTERS / "jin.yaml").sheet
    level = {
        "type": "number",
        "minimum": 0,
        "maximum": 4,
        "integer": True,
        "description": "0 none, 1 advisory, 2 masks, 3 deck lockdown, 4 full station lockdown",
    }
    action = Action.model_validate(
        {"name": "set_level", "description": "Set the level.", "parameters": {"level": level}}
    )
    space = ActionSpace((action,), Scene.of(sheet))

    def rule(prefer: frozenset[str], bottom: bool = False) -> str:
        fmt = ReplyFormat(space, ("neutral",), prefer=prefer, bottom=bottom)
        return next(ln for ln in fmt.grammar().splitlines() if ln.startswith("v-set"))

    assert rule(frozenset({"deck lockdown"})).endswith('::= "3"')
    every = '::= ( "0" | "1" | "2" | "3" | "4" )'
    assert rule(frozenset()).endswith(every)
    assert rule(frozenset({"advisory", "deck lockdown"})).endswith(every)  # two: the model's
    # the very bottom asked ("kill the lights"): 0, unless a label was named
    assert rule(frozenset(), bottom=True).endswith('::= "0"')
    assert rule(frozenset({"advisory"}), bottom=True).endswith('::= "1"')
