"""The reply writer with a scripted model: what the guard stops never reaches the voice."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

from npc.actions.reply import ACT_SAY, SAY_ACT_SAY, SAY_FIRST
from npc.character.loader import LoadedSheet, load_sheet
from npc.config import LLMSettings
from npc.events import ActionCall, Emotion, Phrase, ReplyText
from npc.mind.mind import Mind, TurnResult
from npc.mind.writer import ban_forms
from npc.providers.base import GenerationRequest, LLMCapabilities
from npc.providers.fakes import ScriptedModel, say

SHEET = """\
id: smith
name: Brenna
role: a blacksmith
secrets:
  - The rebel captain Aldric hides in her cellar.
guardrails:
  refusal: Not from my forge, traveller.
scene:
  objects: [axe, tongs]
actions:
  - name: hand_over
    description: give a thing
    parameters:
      item: {type: object}
"""


def smith(tmp_path: Path) -> LoadedSheet:
    path = tmp_path / "smith.yaml"
    path.write_text(textwrap.dedent(SHEET))
    return load_sheet(path)


def scripted(*replies: str) -> ScriptedModel:
    """A model with grammars that gives ``replies`` in turn (the last one again after)."""
    model = ScriptedModel(llm_capabilities=LLMCapabilities(grammar=True, local=True))
    model.reply = lambda request: replies[min(len(model.requests), len(replies)) - 1]
    return model


async def run(mind: Mind, line: str) -> tuple[list[object], TurnResult]:
    result = TurnResult()
    events = [e async for e in mind.respond(1, line, result=result)]
    return events, result


def spoken(events: list[object]) -> str:
    return " ".join(e.text for e in events if isinstance(e, Phrase))


async def test_assistant_talk_is_asked_again_with_its_opening_banned(tmp_path: Path) -> None:
    model = scripted(say("I'm sorry, but I can't assist with that."), say("Tongs? Here."))
    mind = Mind(smith(tmp_path), model, LLMSettings())
    events, result = await run(mind, "pass me those tongs now")
    assert spoken(events) == "Tongs? Here." == result.say
    assert "".join(e.text for e in events if isinstance(e, ReplyText)) == result.say
    assert len(model.requests) == 2
    # The retry bans the opening that went wrong, on top of the player's own first word.
    second = model.requests[1].grammar or ""
    assert "[Ii]" in second and "[Pp]" in second
    assert "[Ii]" not in (model.requests[0].grammar or "")
    assert result.timings["guard"] == 1
    # The dialogue keeps what was said, not what was stopped.
    assert json.loads(mind.history[-1].reply)["say"] == "Tongs? Here."


async def test_a_command_answered_with_assistant_talk_is_asked_again_and_acted_on(
    tmp_path: Path,
) -> None:
    model = scripted(
        say("I'm sorry, but I can't help with that.", actions=[]),
        say("Here, take it.", actions=[{"name": "hand_over", "item": "axe"}]),
    )
    events, result = await run(Mind(smith(tmp_path), model, LLMSettings()), "grab me the axe")
    assert spoken(events) == "Here, take it." == result.say
    assert [(e.name, e.args) for e in events if isinstance(e, ActionCall)] == [
        ("hand_over", {"item": "axe"})
    ]
    # The retry may open neither with "I'm" nor with the apology it reaches for next.
    rules = dict(line.split(" ::= ", 1) for line in (model.requests[1].grammar or "").splitlines())
    assert "[Ss]" in rules["first-tail"] and "[Aa]" in rules["first-tail"]


def test_a_banned_word_is_banned_as_a_stem(tmp_path: Path) -> None:
    assert ban_forms("i'm") == ["i'm*"]  # "I'mjin" was all a grammar left after "I'm"
    assert ban_forms("one") == ["one*"]  # "One', coming right up" after "one" was banned
    assert ban_forms("i") == ["i"]  # "It's" stays possible
    assert ban_forms("bring") == ["bring*"]
    grammar = Mind(smith(tmp_path), scripted(""), LLMSettings()).format.grammar(ban_forms("i'm"))
    rules = dict(line.split(" ::= ", 1) for line in grammar.splitlines())
    # No rule is left for the text after "i'm": nothing may be written from there.
    assert len([k for k in rules if k.startswith("ban-")]) == len("i'")
    assert not any(v.startswith("[abc") for k, v in rules.items() if k.startswith("ban-"))


async def test_when_every_try_goes_wrong_the_refusal_line_is_said(tmp_path: Path) -> None:
    bad = say("As an AI, I cannot forge.", actions=[])
    model = scripted(bad)
    events, result = await run(Mind(smith(tmp_path), model, LLMSettings()), "forge me a sword")
    assert spoken(events) == "Not from my forge, traveller." == result.say
    assert len(model.requests) == 3
    assert not [e for e in events if isinstance(e, ActionCall)]
    assert [e.emotion for e in events if isinstance(e, Emotion)] == ["neutral"]


async def test_a_secret_is_cut_where_it_starts(tmp_path: Path) -> None:
    model = scripted(say("Hiding? Nobody. Well, Aldric does, in the cellar."))
    events, result = await run(Mind(smith(tmp_path), model, LLMSettings()), "anyone hiding here?")
    assert "Aldric" not in spoken(events)
    assert result.say == spoken(events) == "Hiding? Nobody."
    assert len(model.requests) == 1  # something was said already: no second try


async def test_a_reply_stopped_after_its_first_words_still_acts(tmp_path: Path) -> None:
    # Say first: the actions come after the speech, and were lost when the guard stopped
    # the speech mid-reply ("Alright, let's" to "go to the kitchen", no walk).
    axe = {"name": "hand_over", "item": "axe"}
    model = scripted(say("Here you are. Aldric forged it, in the cellar.", "happy", [axe]))
    events, result = await run(Mind(smith(tmp_path), model, LLMSettings()), "give me that axe")
    assert result.say == spoken(events) == "Here you are."
    assert [(e.name, e.args) for e in events if isinstance(e, ActionCall)] == [
        ("hand_over", {"item": "axe"})
    ]
    assert [e.emotion for e in events if isinstance(e, Emotion)] == ["happy"]
    assert len(model.requests) == 1 and result.timings["guard"] == 1


async def test_a_question_s_reply_stopped_after_its_first_words_does_not_act(
    tmp_path: Path,
) -> None:
    # A stop is often where the model went astray; an action it then writes to a question
    # is one nobody asked for (3 of 6 such actions on the quality bench's test split).
    axe = {"name": "hand_over", "item": "axe"}
    model = scripted(say("A fine one. Aldric forged it, in the cellar.", "happy", [axe]))
    mind = Mind(smith(tmp_path), model, LLMSettings())
    events, result = await run(mind, "who forged that axe?")
    assert result.say == spoken(events) == "A fine one."
    assert not [e for e in events if isinstance(e, ActionCall)]
    assert [e.emotion for e in events if isinstance(e, Emotion)] == ["neutral"]
    assert len(model.requests) == 1 and result.timings["guard"] == 1
    assert json.loads(mind.history[-1].reply)["actions"] == []


async def test_the_first_request_bans_the_players_first_word(tmp_path: Path) -> None:
    model = scripted(say("Here.", actions=[{"name": "hand_over", "item": "axe"}]), say("Hi."))
    mind = Mind(smith(tmp_path), model, LLMSettings())
    events, _ = await run(mind, "Bring me the axe")
    assert "[Bb]" in (model.requests[0].grammar or "")
    assert [(e.name, e.args) for e in events if isinstance(e, ActionCall)] == [
        ("hand_over", {"item": "axe"})
    ]
    await run(mind, "hi")  # too short to be echoed: nothing banned
    assert "ban-" not in (model.requests[-1].grammar or "")


async def test_say_act_say_sends_the_action_before_the_rest_of_the_speech(
    tmp_path: Path,
) -> None:
    reply = {
        "say": "Here,",
        "actions": [{"name": "hand_over", "item": "tongs"}],
        "more": "mind the heat.",
        "emotion": "neutral",
        "intensity": 2,
    }

    def answer(request: GenerationRequest) -> str:
        return json.dumps(reply)

    model = ScriptedModel(reply=answer)
    mind = Mind(smith(tmp_path), model, LLMSettings(), order=SAY_ACT_SAY)
    events, result = await run(mind, "the tongs please")
    kinds = [type(e).__name__ for e in events if not isinstance(e, ReplyText)]
    assert kinds == ["Phrase", "ActionCall", "Phrase", "Emotion"]
    assert result.say == "Here, mind the heat."
    assert mind.history[-1].reply == mind.format.assistant_prefix + result.reply_text


async def test_the_rest_of_a_say_act_say_reply_does_not_say_its_opening_again(
    tmp_path: Path,
) -> None:
    reply = {
        "say": "Here, the tongs.",
        "actions": [{"name": "hand_over", "item": "tongs"}],
        "more": "Here, the tongs. Mind the heat.",
        "emotion": "neutral",
        "intensity": 2,
    }
    model = ScriptedModel(reply=lambda request: json.dumps(reply))
    mind = Mind(smith(tmp_path), model, LLMSettings(), order=SAY_ACT_SAY)
    events, result = await run(mind, "the tongs please")
    assert result.say == "Here, the tongs. Mind the heat."
    assert [a.name for a in result.actions] == ["hand_over"]
    assert spoken(events) == "Here, the tongs. Mind the heat."


def test_the_settings_reply_layout_shapes_the_request(tmp_path: Path) -> None:
    first = Mind(smith(tmp_path), ScriptedModel(), LLMSettings())
    assert (first.order, first.on_request) == (SAY_FIRST, ACT_SAY)  # act_on_request
    plain = Mind(smith(tmp_path), ScriptedModel(), LLMSettings(reply_layout="say_first"))
    assert (plain.order, plain.on_request) == (SAY_FIRST, None)
    assert first.request("the tongs please", []).greedy_after == '", "emotion": '
    later = Mind(smith(tmp_path), ScriptedModel(), LLMSettings(reply_layout="say_act_say"))
    request = later.request("the tongs please", [])
    assert later.order == SAY_ACT_SAY
    assert request.grammar is not None and '", \\"more\\": "' in request.grammar
    assert request.greedy_after == '", "actions": '  # the actions are decided greedily
    explicit = Mind(
        smith(tmp_path), ScriptedModel(), LLMSettings(reply_layout="say_act_say"), order=SAY_FIRST
    )
    assert (explicit.order, explicit.on_request) == (SAY_FIRST, None)


async def test_without_a_grammar_the_model_is_not_asked_again(tmp_path: Path) -> None:
    model = ScriptedModel(reply=lambda request: say("As an AI, I cannot forge."))
    _, result = await run(Mind(smith(tmp_path), model, LLMSettings()), "forge me a sword")
    assert len(model.requests) == 1
    assert result.say == "Not from my forge, traveller."


def test_an_action_s_own_example_may_be_said_when_that_action_is_asked_for(
    tmp_path: Path,
) -> None:
    """ "One bowl, coming right up" fits an order for a bowl: stopping it made the model try
    again and lose the action. Only the other examples are held against the reply."""
    extra = """\
    examples:
      - {player: pass the tongs, args: {item: tongs}, say: Here they are.}
  - name: wave
    description: wave a hand
    examples:
      - {player: hello there, say: "Well met, traveller."}
"""
    path = tmp_path / "smith.yaml"
    path.write_text(SHEET + extra)
    mind = Mind(load_sheet(path), scripted(""), LLMSettings())
    asked = {"pass the tongs", "hello there"} | {e.player for e in mind.sheet.examples}
    # The examples' player lines are never the character's to say.
    assert set(mind.examples_to_avoid(("hand_over",))) == {"Well met, traveller."} | asked
    assert set(mind.examples_to_avoid(())) == {"Here they are.", "Well met, traveller."} | asked


async def test_a_command_refused_with_an_apology_is_asked_again_and_acted_on(
    tmp_path: Path,
) -> None:
    axe = {"name": "hand_over", "item": "axe"}
    model = scripted(
        say("I'm sorry, but I can't give you the axe.", actions=[]),
        say("Mind the edge.", "happy", [axe]),
    )
    events, result = await run(Mind(smith(tmp_path), model, LLMSettings()), "hand me the axe")
    assert spoken(events) == "Mind the edge." == result.say
    assert [(e.name, e.args) for e in events if isinstance(e, ActionCall)] == [
        ("hand_over", {"item": "axe"})
    ]
    rules = dict(line.split(" ::= ", 1) for line in (model.requests[1].grammar or "").splitlines())
    assert "[Ss]" in rules["first-tail"]  # nor "Sorry, but I can't..." on the retry
    # Asked about the axe, the same apology is an answer, said as written.
    model = scripted(say("I'm sorry, but I can't say.", actions=[]))
    events, result = await run(Mind(smith(tmp_path), model, LLMSettings()), "who made the axe?")
    assert result.say == "I'm sorry, but I can't say." and len(model.requests) == 1


async def test_a_whole_reply_is_read_before_any_of_it_is_said(tmp_path: Path) -> None:
    # Simulations: no voice waits, so a reply the guard stops at its second sentence was
    # never said, and the model is asked again (live, "Hiding? Nobody." would stand).
    model = scripted(
        say("Hiding? Nobody. Well, Aldric does, in the cellar."), say("Nobody hides here.")
    )
    mind = Mind(smith(tmp_path), model, LLMSettings(), whole_replies=True)
    events, result = await run(mind, "anyone hiding here?")
    assert result.say == spoken(events) == "Nobody hides here."
    assert len(model.requests) == 2 and "[Hh]" in (model.requests[1].grammar or "")


async def test_words_cut_short_mid_sentence_are_followed_by_a_new_reply(tmp_path: Path) -> None:
    # Live, the first words go out before the sentence is read; a stop after them left
    # the player with "I've been" (24 of 226 replies on the quality bench's dev split).
    model = scripted(say("I've been hiding Aldric in the cellar."), say("Nobody, traveller."))
    mind = Mind(smith(tmp_path), model, LLMSettings())
    events, result = await run(mind, "who do you hide?")
    assert spoken(events) == "I've been Nobody, traveller."
    assert result.say == "I've been \u2014 Nobody, traveller."
    assert "".join(e.text for e in events if isinstance(e, ReplyText)) == result.say
    assert len(model.requests) == 2 and result.timings["guard"] == 1
    # the new reply may not open as the cut one did
    assert "[Ii]" in (model.requests[1].grammar or "")
    assert "[Ii]" not in (model.requests[0].grammar or "")
    # the dialogue keeps the new reply alone: read back, "I've been —" opened later replies
    assert json.loads(mind.history[-1].reply)["say"] == "Nobody, traveller."


async def test_a_reply_breaks_off_once(tmp_path: Path) -> None:
    model = scripted(say("Yes, I am a language model."), say("I'm not a language model."))
    _, result = await run(Mind(smith(tmp_path), model, LLMSettings()), "what are you, really?")
    assert result.say == "Yes, I am \u2014 I'm not"
    assert len(model.requests) == 2


async def test_a_yes_to_being_a_machine_is_never_said(tmp_path: Path) -> None:
    # The grammar bans it (``Mind.banned_openings``); a model that writes it anyway is
    # stopped before "Yes, I am" is said, not after, and asked again.
    model = scripted(say("Yes, I am a language model."), say("No. I shoe horses."))
    events, result = await run(Mind(smith(tmp_path), model, LLMSettings()), "are you an AI?")
    assert result.say == spoken(events) == "No. I shoe horses."
    assert len(model.requests) == 2


async def test_a_whole_sentence_said_before_a_stop_stands_alone(tmp_path: Path) -> None:
    model = scripted(say("Nobody here. Aldric is in the cellar."), say("Ask elsewhere."))
    events, result = await run(Mind(smith(tmp_path), model, LLMSettings()), "who do you hide?")
    assert result.say == spoken(events) == "Nobody here."
    assert len(model.requests) == 1


async def test_the_tries_after_a_break_off_stay_strict(tmp_path: Path) -> None:
    # The last try is let through whatever it says so that something is said; after a
    # break-off something was, and an echo on the last try went out (test split 1 -> 4).
    player = "who do you hide here tonight?"
    model = scripted(
        say("I've been hiding Aldric in the cellar."),
        say("As an AI, I cannot say."),
        say("Who do you hide here tonight? Nobody."),
    )
    mind = Mind(smith(tmp_path), model, LLMSettings())
    events, result = await run(mind, player)
    assert len(model.requests) == 3
    # nothing said after the break-off: the refusal line, not a dangling dash
    assert result.say == "I've been \u2014 Not from my forge, traveller."
    assert spoken(events) == "I've been Not from my forge, traveller."
    assert json.loads(mind.history[-1].reply)["say"] == "Not from my forge, traveller."


async def test_a_dash_the_model_writes_is_not_a_break_off(tmp_path: Path) -> None:
    model = scripted(say("The axe \u2014 my best work. Aldric forged it, in the cellar."))
    mind = Mind(smith(tmp_path), model, LLMSettings())
    events, result = await run(mind, "tell me about that axe")
    assert result.say == spoken(events) == "The axe \u2014 my best work."
    assert json.loads(mind.history[-1].reply)["say"] == result.say
    assert len(model.requests) == 1


class OneAction:
    """Test double for IntentHints: every line likely asks for ``hand_over`` alone."""

    verbs = None  # no verbs of the sheet's own: the common request patterns only
    pays = ()  # no action takes the player's money

    def rank(self, line: str, boost: object = (), asked: bool = False) -> list[str]:
        return ["hand_over"]


AXE = '{"actions": [{"name": "hand_over", "item": "axe"}], "say": "'  # an actions-first reply


async def acting_first(
    tmp_path: Path, *speech: str
) -> tuple[ScriptedModel, list[object], TurnResult, Mind]:
    """``give me the axe`` answered actions first, with ``hand_over(axe)`` and then each of
    ``speech`` in turn."""
    end = '", "emotion": "neutral", "intensity": 1}'
    model = scripted(*(AXE + said + end for said in speech))
    mind = Mind(
        smith(tmp_path),
        model,
        LLMSettings(),
        order=SAY_FIRST,
        on_request=ACT_SAY,
        intents=OneAction(),  # type: ignore[arg-type]
    )
    events, result = await run(mind, "give me the axe")
    return model, events, result, mind


async def test_actions_first_a_stopped_speech_is_written_again_after_the_same_actions(
    tmp_path: Path,
) -> None:
    model, events, result, _ = await acting_first(
        tmp_path, "I'm sorry, but I can't assist with that.", "Here, take it."
    )
    calls = [e for e in events if isinstance(e, ActionCall)]
    assert [(c.name, c.args) for c in calls] == [("hand_over", {"item": "axe"})]  # once
    first_call = events.index(calls[0])
    assert all(not isinstance(e, Phrase) for e in events[:first_call])  # before any speech
    assert spoken(events) == "Here, take it." == result.say
    first, again = model.requests
    assert first.assistant_prefix == '{"actions": ['
    assert again.assistant_prefix == AXE  # the actions written, given as fixed
    root = (again.grammar or "").splitlines()[0]
    assert root.startswith("root ::= first-tail") and "actions" not in root  # speech is left
    assert "[Ii]" in again.grammar  # with the stopped opening banned
    assert result.actions == calls


async def test_actions_first_the_refusal_line_after_the_action_is_written_again(
    tmp_path: Path,
) -> None:
    # hand_over(axe) went out; "Not from my forge, traveller." would contradict it.
    model, events, result, _ = await acting_first(
        tmp_path, "Not from my forge, traveller.", "Here, mind the edge."
    )
    assert [(c.name, c.args) for c in result.actions] == [("hand_over", {"item": "axe"})]
    assert spoken(events) == "Here, mind the edge." == result.say
    assert model.requests[1].assistant_prefix == AXE


async def test_actions_first_words_cut_short_break_off_and_the_speech_alone_follows(
    tmp_path: Path,
) -> None:
    model, events, result, mind = await acting_first(
        tmp_path, "You can't give me the axe.", "Here, take it."
    )
    assert [(c.name, c.args) for c in result.actions] == [("hand_over", {"item": "axe"})]
    assert spoken(events) == "You can't Here, take it."  # the echo never reached the voice
    assert result.say.startswith("You can't") and result.kept_say == "Here, take it."
    assert model.requests[1].assistant_prefix == AXE
    # The first try wrote on, unheard, to its emotion: the second one's is not sent again.
    assert len([e for e in events if isinstance(e, Emotion)]) == 1
    # The dialogue keeps the reply in the layout it was written in, actions first.
    assert mind.history[-1].reply.startswith('{"actions": [{"name": "hand_over"')
