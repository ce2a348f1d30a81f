"""The action hints: which lines ask for something, and what ``rank`` offers the model
(over a bag-of-words embedder double: lines sharing words are close)."""

from __future__ import annotations

from pathlib import Path

import pytest

from npc.actions.intent import (
    NO_ACTION,
    IntentHints,
    again,
    asks_about,
    asks_fact,
    asks_for_code,
    asks_name,
    asks_where,
    both,
    follows_on,
    identifies,
    leads,
    opened_by,
    points_back,
    refers,
    relays,
    requests,
    sends_regards,
    settles,
    summons,
    wants,
)
from npc.character.loader import load_sheet
from npc.providers.fakes import HashingEmbedder

NURSE = """\
id: nurse
name: Ada
role: a triage nurse
scene:
  objects: [water cup, wheelchair]
actions:
  - name: give
    description: Give the patient an object.
    parameters:
      item: {type: object, values: [water cup, wheelchair]}
    examples:
      - {player: can I have some water?, args: {item: water cup}, say: Here.}
  - name: call
    description: Call a doctor to the desk.
    examples:
      - {player: get me a doctor, args: {}, say: Right away.}
"""


@pytest.fixture(scope="module")
def hints(tmp_path_factory: pytest.TempPathFactory) -> IntentHints:
    path = Path(tmp_path_factory.mktemp("sheet")) / "nurse.yaml"
    path.write_text(NURSE)
    return IntentHints.build(load_sheet(path).sheet, HashingEmbedder())


@pytest.mark.parametrize(
    ("line", "asks_for", "about"),
    [
        ("Could you get me a doctor?", True, False),
        ("can I have some water please", True, False),
        ("bring me the wheelchair", True, False),
        ("I need a wheelchair", True, False),
        ("how quickly is a very urgent patient seen?", False, True),
        ("Ada, where is the cafe?", False, True),
        ("is the doctor in today?", False, True),
        ("the wait is long", False, False),
        ("Lock the hold doors.", True, False),
        ("Fire in the galley! Sound the alarm!", True, False),
        ("Ada, hand over the cup.", True, False),
        ("I'll take one.", True, False),
        ("Wait, what was that?", False, True),
        ("the alarm will sound soon", False, False),
        # requests put as questions or wishes
        ("Do you have a floor plan I could take?", True, False),
        ("Can we head up to the bridge?", True, False),
        ("Any chance of a blanket?", True, False),
        ("I was hoping you could bring me a coffee.", True, False),
        ("If you could page the nurse, that would help.", True, False),
        ("Mind scanning crate D-2 for me?", True, False),
        ("Got a carrier bag?", True, False),
        ("I could use a drink.", True, False),
        ("Let's go to the lab.", True, False),
        # ... and lines that only look like them
        ("Could we talk about the fire?", False, True),
        ("Can we ski at night on a Tuesday?", False, True),  # whether it is allowed
        ("If you don't mind me asking, what happened to your hand?", False, True),
        ("Do you have kids?", False, True),
        ("Stop the train here so I can get off.", False, False),
        ("I think you could be right.", False, False),
        ("Is there a chance of snow?", False, True),
        # asks where or how the player may do something: to be told
        ("Where can I get a coffee?", False, True),
        ("Ada, how can we get to the village?", False, True),
        ("Where can I sit? Bring me a chair.", True, False),
        ("We'll take the one with the window, so.", True, False),
        ("Go on, be honest. Do you bake it here?", False, True),
        ("I'll have to think about it.", False, False),
        # needs, spares, a turn to hold, a pick (fourth blind pair)
        ("My kid's gonna need skis too, the little short ones.", True, False),
        ("Honestly I left my poles at home, so if you've got a pair spare...", True, False),
        ("The radio, the crank one. Let me hold it.", True, False),
        ("I'll go with the grown-up skis, the carvers.", True, False),
        ("You're gonna need a bigger boat.", False, False),
        ("I'll go with you to the gate.", False, False),
        ("I'm gonna need a room.", True, False),
        ("We'll need a table for six.", True, False),
        ("Let me try the red helmet on.", True, False),
        ("I'll go for the black helmet.", True, False),
        # ... not a need to do something or of time, a turn to think, a walk, company
        ("I'll need to think about it.", False, False),
        ("I'm gonna need a minute to think.", False, False),
        ("If you've got a moment, tell me about the old mine.", False, False),
        ("Let me try again.", False, False),
        ("Let me have a think.", False, False),
        ("I'll go for a walk.", False, False),
        ("I'll go with the others to the gate.", False, False),
        ("My shoulder's killing me. Got anything for the pain?", True, False),
        ("I'm posted up in the tops, I'll want a long gun.", True, False),
        ("We'd want to leave before dark.", False, False),
        ("You got something for burns?", True, False),
        ("I got something for you.", False, False),
        # whether something was or may be, not a request
        ("Could we have met before?", False, True),
        ("Can we go swimming in the lake?", False, True),
        # a reproach put as a question, not a request
        ("Why won't you give me a second stim?", False, True),
        ("How could you sell me a cracked lamp?", False, True),
        ("Won't you give me a second stim?", True, False),
        # asking leave to hold or borrow a thing (not to wait, or to sit)
        ("Mind if I borrow a towel?", True, False),
        ("Can I hold the lantern for you?", True, False),
        ("Can I hold on a second?", False, True),
        ("Mind if I sit here?", False, True),
    ],
)
def test_requests_and_questions(line: str, asks_for: bool, about: bool) -> None:
    assert requests(line) is asks_for
    assert asks_about(line) is about


@pytest.mark.parametrize(
    ("line", "about"),
    [
        # Asks how a thing of the scene is: told, though an action takes the thing.
        ("Is the wheelchair the one with the brakes?", True),
        ("Are passengers allowed on the car decks?", True),
        ("Ada, is the water cup clean?", True),
        ("That one's enormous. Is that the wheelchair?", True),  # the last sentence asks
        ("Do these water cups get washed?", True),
        ("Did the wheelchair come back?", True),
        # Asks whether there is one, or for one: a request.
        ("Is there a wheelchair?", False),
        ("Are there any water cups left?", False),
        ("Do you have a wheelchair?", False),
        ("Do you still sell water cups?", False),
        ("Do you happen to have a wheelchair?", False),
        ("Is it possible to get a wheelchair?", False),
        ("Are you able to fetch the wheelchair?", False),
        ("Is that the wheelchair? It looks new!", True),  # an exclamation after it
        ("Is the wheelchair free? We'll grab that.", False),  # a request after it
        ("A water cup?", False),
    ],
)
def test_a_yes_no_question_naming_a_thing(line: str, about: bool) -> None:
    assert asks_about(line, names_something=True) is about


@pytest.mark.parametrize(
    ("line", "pays"),
    [
        ("That's me done. What do I owe you?", True),
        ("How much do we owe you?", True),
        ("How much is that altogether?", True),
        ("What does that come to?", True),
        ("Can I pay now?", True),
        ("The bill, please.", True),
        ("Ring me up, love, I'm in a hurry.", True),
        ("Put it on my tab.", True),
        ("Keep the change.", True),
        ("Do you take cards?", False),
        ("What made you come to Skellam?", False),
        ("What's all in the box?", False),
        ("How much is a sourdough loaf?", False),
        ("I paid for breakfast online but never got the voucher.", False),
        ("Who owes you money?", False),
        ("Ring the bell for me.", False),
        # Paying later, someone else, a visit or respects; a price before buying.
        ("I'll pay you back tomorrow, I promise.", False),
        ("I'll pay him a visit.", False),
        ("I'd like to pay my respects to the captain.", False),
        ("How much would two loaves and a cake be altogether?", False),
        ("What's the total so far? I'm still shopping.", False),
        ("What's the damage to the wall?", False),
        ("How much do we owe the guild?", False),
        ("Ring me up when the parts arrive.", False),
        ("Let me pay... no, wait, I forgot my purse.", False),
        ("Bill, please.", True),
        ("Can I get the bill?", True),
        ("I'm ready to pay.", True),
        ("Can I pay by card?", True),
        ("Alright, run it all through, here's my card.", True),
        ("Here's my chits. Are we square?", True),
        ("Here's my card if you ever need a plumber.", False),
        ("Run it through the scanner first.", False),
        ("Here's my cash for tomorrow's bread, keep it back for me.", False),
        ("Run it through on my card.", True),
        ("Are we square, then?", True),
        # a sword, a business card, coins found, how close, a room for the night
        ("Run them through, men!", False),
        ("Here's my card, I'm with the city watch.", False),
        ("Here are the coins I found in the cave.", False),
        ("Are we even close to the town?", False),
        ("Are we settled in for the night?", False),
    ],
)
def test_lines_that_settle_up(line: str, pays: bool) -> None:
    assert settles(line) is pays


@pytest.mark.parametrize(
    ("line", "names", "repeats"),
    [
        ("Same again for my husband.", False, True),
        ("Another one. The little guy wants his own.", False, True),
        ("Actually, make it two.", False, True),
        ("Can he try a three instead?", False, True),
        ("And the little one's a size two.", False, True),  # goes on, with a number
        ("And the salve.", True, True),  # goes on, naming a thing
        ("And then what happened?", False, False),
        ("One more thing: where's the loo?", False, False),
        ("Another question. Why the gryphons?", False, False),
        ("That was lovely.", False, False),
        ("Never mind, I'll walk instead.", False, False),
        ("Make it quick, would you?", False, False),
        ("And no one told me!", False, False),
        ("Another thing. Is Gus in?", False, False),
        ("One more for my friend.", False, True),
        ("And another one for Saltreach while you're at it.", True, True),
        ("I'll have the same.", False, True),
        ("Just one more minute, I'm still deciding.", False, False),
        ("Another guard saw me.", False, False),
        ("Another one? No, I'm good.", False, False),
        ("Not the same again, something different.", False, False),
        ("Can we make it one o'clock instead?", False, False),
        ("And you owe me one.", False, False),
        ("And what's in the stew?", True, False),
        ("And the room was cold last night.", True, False),
    ],
)
def test_lines_asking_for_the_request_before_again(line: str, names: bool, repeats: bool) -> None:
    assert again(line, names) is repeats


@pytest.mark.parametrize(
    ("line", "taken"),
    [
        ("Show me where you keep the saddles.", True),
        ("Could you take us to the ledge?", True),
        ("Walk me round, would you?", True),
        ("Where's the way out of here?", True),
        ("Show me the saddles.", False),
        ("Take me seriously.", False),
        ("Bring me a pie.", False),
        ("Right, I've seen enough. Where's the way out of here?", True),
        ("I know the way out, thanks.", False),
        ("On the way to the inn I saw a wolf.", False),
        ("Don't take me to the captain!", False),
        ("He'll take us to the gate tomorrow.", False),
        ("Bring us over two ales.", False),
        # in a clause of its own
        ("My friend sliced her hand, can you take us to first aid?", True),
        ("I need to sit down, let's head over to the bench for boots.", True),
        ("When you've got a second, could you go back to where Tove works?", True),
        ("Well, he'll take us to the gate.", False),
        ("Let's get the boots on first.", False),
        ("Fine, let's go to bed.", False),
        ("Let's move to the next topic.", False),
        ("Let's go back to what you said earlier.", False),
        # come along, meet or follow, to a place (not a time, a compromise or a reading)
        ("Come with me to the quarantine ward.", True),
        ("Meet me over at the second biobed.", True),
        ("Could you walk with me to the dock?", True),
        ("Meet me by the lighthouse.", True),
        ("Follow me.", True),
        ("Come with me on this one, it's a good deal.", False),
        ("Meet me halfway on the price.", False),
        ("Meet me in the middle.", False),
        ("Meet me at dawn.", False),
        ("Meet me at 8.", False),
        ("Follow me on the map here.", False),
    ],
)
def test_lines_asking_to_be_taken_somewhere(line: str, taken: bool) -> None:
    assert leads(line) is taken


@pytest.mark.parametrize(
    ("line", "fetched"),
    [
        ("My edges are shot, can you get your ski tech over here?", True),
        ("Get your mechanic over here, my radio's busted.", True),
        ("Then get him over, mine keeps flickering.", True),
        ("Would you mind radioing the guy who runs the chairlift?", True),
        ("Send for the doctor!", True),
        ("Write me some JavaScript for a login page.", False),
        ("The radio, the crank one, not yours.", False),
        ("Let's get it over with.", False),
        ("Bring the bumpers up, please.", False),
        ("Is your mechanic over there?", False),
        ("Did you call for help?", False),
        ("Get your manager out here.", True),
        ("Quick, call for the guards!", True),
        ("Give him a shout for me.", True),
        # the radio or a page, a need, the player's own doing, one's body or coat, someone
        # sent away or grabbed, things
        ("Fix the radio for me.", False),
        ("Turn the page for me.", False),
        ("This recipe calls for three eggs.", False),
        ("I'll whistle for my dog.", False),
        ("Get your hands up!", False),
        ("Get your coat back on.", False),
        ("Get him out of here!", False),
        ("Grab the man in the red coat over there.", False),
        ("Bring them up to my room.", False),
        ("I'll get him back for this.", False),
        # the guards called, someone asked to come, a buzz (not a shot, a price, a threat)
        ("Call security, this patient's getting violent!", True),
        ("Ask the life support guy to come look at the air scrubbers in here.", True),
        ("Can you buzz your orderly? I need a hand lifting this guy.", True),
        ("Ask the doctor to come down here.", True),
        ("Call the shot.", False),
        ("Ask the price to come down.", False),
        ("I'll call the guards on you!", False),
        ("Buzz off.", False),
        # someone of a trade, by the trade
        ("Somebody get a vet, my dog's just collapsed in the car park!", True),
        ("Call a doctor!", True),
        ("Kit's cut his hand open, it's bleeding all over! Get help!", True),
        ("Go and fetch some help.", True),
        ("Can you get help with the crates?", False),
        ("Get the vet's number for me.", False),
        ("Get the doctor said I could go.", False),
    ],
)
def test_lines_asking_for_someone_to_be_fetched(line: str, fetched: bool) -> None:
    assert summons(line) is fetched


def test_the_actions_that_take_the_players_money(tmp_path: Path) -> None:
    sheet = tmp_path / "grocer.yaml"
    sheet.write_text(
        NURSE.replace("id: nurse", "id: grocer")
        + """  - name: ring_up
    description: Ring up the customer's shopping.
  - name: sell_ticket
    description: Sell a ferry ticket and collect the fare.
  - name: wrap
    description: Wrap what they bought in paper; they pay at the counter.
  - name: reward
    description: Give the player money for the job.
  - name: pour
    description: Pour a drink and add it to the player's bill.
  - name: mind_bag
    description: Keep the player's bag behind the counter till they come back.
  - name: stable_horse
    description: Settle the player's horse in the stable.
  - name: charge_battery
    description: Plug the lamp in to charge.
  - name: sell_pass
    description: Print lift passes; they are paid for at the till with the rest.
  - name: take_payment
    description: Add up everything on the bill and take the customer's card or cash.
  - name: settle_up
    description: Count the chits the player hands over for what they bought.
  - name: pay
    description: Pay the player their wages for the job.
  - name: deal_card
    description: Take a card from the deck and turn it over.
"""
    )
    built = IntentHints.build(load_sheet(sheet).sheet, HashingEmbedder())
    # By name or description, those named so first; speaking of paying, giving money or
    # charging a lamp is not it, nor a pass "paid for at the till", paying the player's
    # wages or taking a card from the deck.
    assert built.pays == ("ring_up", "take_payment", "settle_up", "sell_ticket")


def test_a_request_is_offered_its_action(hints: IntentHints) -> None:
    assert hints.rank("get me a doctor")[0] == "call"
    assert hints.rank("can I have some water?")[0] == "give"


def test_a_question_about_something_always_keeps_no_action(hints: IntentHints) -> None:
    # Its words are closest to an action's description ("Give the patient an object"):
    # the action may stay offered, but answering is always among the hints.
    line = "what object do you give the patient?"
    assert hints.rank(line)[0] == "give"
    assert NO_ACTION in hints.rank(line)
    assert NO_ACTION in hints.rank("who is the doctor?")


def test_a_request_for_something_in_the_scene_is_not_offered_to_talk(
    hints: IntentHints,
) -> None:
    # The line names the wheelchair, which "give" takes: asked for it, the model must act.
    line = "I can't walk, can I get a wheelchair?"
    assert "give" in hints.rank(line, boost=["give"])
    assert NO_ACTION not in hints.rank(line, boost=["give"])
    # Another action offered beside it goes: the line named what this one takes.
    line = "give the patient a doctor"
    assert hints.rank(line) == ["give", "call"]
    assert hints.rank(line, margin=0.5, boost=["give"]) == ["give"]  # however close "call" is
    # Without a scene entry the action takes, or asked to tell about it, talk stays open.
    assert NO_ACTION in hints.rank("I can't walk, can I get a rest?")
    assert NO_ACTION in hints.rank("could you tell me about the wheelchair?", boost=["give"])


def test_asking_whether_the_character_has_a_thing_of_the_scene_is_a_request(
    hints: IntentHints,
) -> None:
    # "Do you have...?" naming a scene entry that give takes: give, offered alone (the
    # model may still only answer: the line does not plainly ask, so nothing forces it).
    assert hints.rank("do you have a wheelchair?", boost=["give"]) == ["give"]
    assert hints.rank("have you got a water cup?", boost=["give"]) == ["give"]
    # Naming nothing an action takes, the same question is talk.
    assert hints.rank("do you have kids?") == [NO_ACTION]


def test_a_line_asking_to_be_told_something_keeps_no_action(hints: IntentHints) -> None:
    assert NO_ACTION not in hints.rank("get me a doctor")
    assert NO_ACTION in hints.rank("tell me how you get a doctor")
    assert NO_ACTION in hints.rank("write me a poem about a doctor")


def test_nothing_to_rank() -> None:
    empty = IntentHints([], HashingEmbedder().embed([]), HashingEmbedder())
    assert empty.rank("get me a doctor") == []


def test_a_line_asking_for_nothing_is_offered_an_action_only_near_its_example(
    hints: IntentHints,
) -> None:
    # Far from every action's examples, only talk is offered (the grammar allows no action).
    assert hints.rank("who is the doctor on tonight?") == [NO_ACTION]
    assert hints.rank("evening Ada, the doctor was here") == [NO_ACTION]
    # A question about a scene entry stays a question; a remark naming one may be acted on.
    assert hints.rank("how heavy is the wheelchair?", boost=["give"]) == [NO_ACTION]
    assert "give" in hints.rank("and the wheelchair", boost=["give"])
    # Nearly an action's example, the line keeps that action.
    assert hints.rank("I have some water")[0] == "give"


HERBALIST = """\
id: herbalist
name: Nessa
role: a swamp herbalist
scene:
  objects: [salve, lantern]
  characters: [Pock]
actions:
  - name: brew
    description: Brew a remedy in the cauldron.
    parameters:
      remedy: {type: text}
  - name: hand_over
    description: Give the visitor an item.
    parameters:
      item: {type: object}
  - name: gesture
    description: Make a gesture.
    parameters:
      kind: {type: choice, values: [cackle, shake_head, shoo]}
"""


@pytest.fixture(scope="module")
def herbalist(tmp_path_factory: pytest.TempPathFactory) -> IntentHints:
    path = Path(tmp_path_factory.mktemp("sheet")) / "herbalist.yaml"
    path.write_text(HERBALIST)
    return IntentHints.build(load_sheet(path).sheet, HashingEmbedder())


def test_the_sheets_own_verbs_open_a_request(herbalist: IntentHints) -> None:
    # Action names and descriptions' first words; choice values when said as verbs.
    verbs = herbalist.verbs
    assert verbs is not None
    assert {"brew", "hand", "give", "gesture", "make"} <= verbs.plain
    assert verbs.choices == {"cackle", "shoo"}  # "shake_head" is no word said
    assert herbalist.requests("Shoo that bird away from me!")
    assert herbalist.requests("Oh no. Brew me something for it.")
    assert not requests("Shoo that bird away from me!")  # not a verb everyone's sheet has
    assert not herbalist.requests("I'll brew some tea at home")  # not opening a sentence
    assert not herbalist.requests("The brew smells awful.")
    assert not herbalist.requests("Cackle cackle, she goes.")  # a value, not said as a verb
    assert herbalist.requests("Shoo!")
    assert not herbalist.requests("Shoo?")
    assert herbalist.requests("Okay, brew me something for it.")  # a lead-in before the verb
    assert not herbalist.requests("Right.")
    # A clause after a comma opened by a verb asks too; a choice value alone there does not.
    assert herbalist.requests("She's coughing badly, brew her something.")
    assert herbalist.requests("My hands are full; hand me the lantern.")
    assert not herbalist.requests("She's coughing badly, brewing won't help.")
    assert not herbalist.requests("Ah well, shoo.")


@pytest.mark.parametrize(
    ("line", "names_something", "asks"),
    [
        ("I can't hear a thing, chuck me a headset.", True, True),
        ("I'm sixteen, sell me some cigarettes.", False, False),  # names nothing it has
        ("Send her!", False, True),
        ("Put in sixty-five litres.", False, True),
        ("Nobody in or out, lock it down.", False, True),
        ("It's pouring, get the wets on her!", True, True),  # "wets" names a choice
        ("It's pouring, get the wets on her!", False, False),
        ("Fit the snow chains for the next stint.", False, False),  # nothing the sheet has
        ("Kill the lights?", True, False),  # a question
        ("Ring the bell twice.", True, True),
        ("Well, toss it, I suppose.", False, True),
        ("The light's gone out.", False, False),
    ],
)
def test_everyday_orders_ask_for_an_action(line: str, names_something: bool, asks: bool) -> None:
    assert requests(line, names_something=names_something) is asks


def test_an_action_without_examples_is_known_by_its_name_and_choices(
    herbalist: IntentHints,
) -> None:
    # No example says "shoo"; the choice's spoken form does, and the line is a request.
    assert herbalist.rank("Shoo that bird away from me!")[0] == "gesture"
    assert herbalist.rank("hand over the lantern")[0] == "hand_over"
    # Made-up forms never count for a line that asks for nothing: talk stays talk.
    assert herbalist.rank("a fine brew you have there") == [NO_ACTION]


def test_a_request_naming_what_an_action_takes_keeps_that_action(
    herbalist: IntentHints,
) -> None:
    # Nearest talk ("thanks"), but a request for the salve, which hand_over takes.
    line = "thanks, I would love the salve"
    assert herbalist.rank(line)[0] == NO_ACTION
    assert herbalist.rank(line, boost=["hand_over"]) == ["hand_over"]


def test_a_request_naming_what_only_one_action_takes_is_that_action(
    herbalist: IntentHints,
) -> None:
    # Its words are nearest brew, but it asks for the lantern, which hand_over takes.
    line = "could you brew me the lantern"
    assert herbalist.rank(line)[0] == "brew"
    assert herbalist.rank(line, boost=["hand_over"]) == ["hand_over"]
    # Opened by an action's own verb, the ranking stays.
    assert opened_by("Brew it. By the lantern, please.", ["brew", "hand_over"]) == ["brew"]
    assert "brew" in herbalist.rank("Brew it. By the lantern, please.", boost=["hand_over"])


@pytest.mark.parametrize(
    ("raw", "boost", "question", "close"),
    [
        # on the sheet's own examples "none" is near the action: talk stays offered
        ({"run_scan": 0.53, NO_ACTION: 0.46}, [], False, True),
        ({"run_scan": 0.70, NO_ACTION: 0.46}, [], False, False),
        # a boost counts as in the ranking, and so does a question's lean
        ({"run_scan": 0.43, NO_ACTION: 0.46}, ["run_scan"], False, True),
        ({"run_scan": 0.50, NO_ACTION: 0.46}, ["run_scan"], False, False),
        ({"run_scan": 0.60, NO_ACTION: 0.46}, [], True, True),
        # nothing to compare
        ({NO_ACTION: 0.46}, [], False, False),
        ({"run_scan": 0.5}, [], False, False),
    ],
)
def test_made_up_forms_do_not_push_talk_out(
    raw: dict[str, float], boost: list[str], question: bool, close: bool
) -> None:
    assert IntentHints._talk_close(raw, boost, question, margin=0.08) is close


@pytest.mark.parametrize(
    ("line", "points", "goes_on"),
    [
        ("Take me there, please.", True, False),
        ("Lead the way then.", True, False),
        ("I'll take it.", True, False),
        ("Could you bring that one over?", True, False),
        ("I'll take one", True, False),
        ("We'll take the one with the window.", True, False),
        ("Can I have one of those, please?", True, False),
        ("And a newspaper.", False, True),
        ("Also some bread, please.", False, True),
        ("Oh, and the receipt.", False, True),
        # no request, or nothing pointed back at
        ("Is there an inn nearby?", False, False),
        ("What's over there?", False, False),
        ("Could you tell me if it's open?", False, False),
        ("Bring me the ladle.", False, False),
        ("One shoyu at table 1, please.", False, False),
        ("Sandra said it was fine.", False, False),
    ],
)
def test_lines_that_point_back_or_go_on(line: str, points: bool, goes_on: bool) -> None:
    assert (points_back(line), follows_on(line)) == (points, goes_on)


def test_a_line_going_on_from_a_request_is_ranked_as_one(hints: IntentHints) -> None:
    line = "and the wheelchair."
    assert hints.rank(line, boost=["give"]) != ["give"]  # alone: not a request
    assert hints.rank(line, boost=["give"], asked=True) == ["give"]


@pytest.mark.parametrize(
    ("line", "sheet", "code"),
    [
        ("Write me a Python script that counts lift tickets.", "", True),
        ("Write me a SQL query that keeps track of bowling scores.", "", True),
        ("Could you write some code for my website?", "", True),
        ("Write me a letter to my mother.", "", False),
        ("Give me the code to the safe.", "", False),
        ("What's the code for the door?", "", False),  # asks to be told, not to write
        ("Write a bash script that deletes every file.", "", True),
        ("Write me a script that counts gold coins.", "", True),
        # coffee, a blow, a play, a programme, a door code
        ("Make me a cup of java.", "", False),
        ("Give me a quick bash on the head.", "", False),
        ("Write me a script for the play.", "", False),
        ("Show me the program for tonight's show.", "", False),
        ("Write the code on the door.", "", False),
        ("Write a script for the terminal.", "run_script: type a script into the terminal", False),
        # harmful software is code too
        ("write me some malware", "", True),
        ("Can you build me a keylogger for my boss's laptop?", "", True),
        ("Make the virus spread faster.", "scan_patient: scan someone for the virus", False),
    ],
)
def test_lines_asking_for_code(line: str, sheet: str, code: bool) -> None:
    assert asks_for_code(line, sheet) is code


@pytest.mark.parametrize(
    ("line", "sheet", "regards"),
    [
        ("Ta-ra, love. Give Shep a pat for me.", "", True),
        ("Thanks, Wren. Give Sorrel a scratch from me.", "", True),
        ("Give him a big hug from me.", "", True),
        ("Send my regards to the captain.", "", True),
        ("Say hello to Kit for me.", "", True),
        # things asked for, and a kindness the character's own action does
        ("Give me a hand with this crate.", "", False),
        ("Give the dog a bone.", "", False),
        ("Give me a pat of butter.", "", False),
        ("Send a wave of troops over the wall.", "", False),
        ("Give the dog a pat.", "pat_animal: pat an animal of the yard", False),
    ],
)
def test_a_kindness_passed_on_asks_for_nothing(line: str, sheet: str, regards: bool) -> None:
    assert sends_regards(line, sheet) is regards


@pytest.mark.parametrize(
    ("line", "fact"),
    [
        ("How much is a sourdough loaf?", True),
        ("How often do you ring the bell when it's foggy?", True),
        ("Oh, when does the shop close tonight?", True),
        ("Why does that mangy cat get paid? How come?", True),
        ("How much for two croissants? I'll take them.", False),  # then asks
        ("When you're ready, pour me a drink.", False),  # not a question
        ("How about a coffee?", False),  # offers
        ("What's in crate D-2?", False),  # may be looked up
        ("Where's the rum cask?", False),  # may be pointed at
    ],
)
def test_questions_of_fact(line: str, fact: bool) -> None:
    assert asks_fact(line) is fact


@pytest.mark.parametrize(
    ("line", "points"),
    [
        ("Could you ask him to shift it?", True),
        ("The light that charges off the sun, I'll have that.", True),
        ("Could you lend me your car?", False),
        ("Can you call me a helicopter out of this dump?", False),
        ("I'll have those.", True),
        ("I'll take this.", True),
        ("I'll have both.", True),
        ("I'm going to need a drink after this.", False),
        ("What's a gas mask go for these days?", False),
    ],
)
def test_lines_that_name_something_by_pointing_at_it(line: str, points: bool) -> None:
    assert refers(line) is points


@pytest.mark.parametrize(
    ("line", "joined"),
    [
        ("A snowboard, and the black helmet to go with it.", True),
        ("Three dogs and two pretzels.", True),
        ("The red or the black helmet, I can't decide.", False),
        ("Swap the red helmet for the black one, and quick.", False),
        ("The black helmet, not the red.", False),
        ("The black helmet.", False),
        # one asked, the other spoken of
        ("Give me the black helmet, the red helmet is too small.", False),
        ("I'll take the snowboard, my poles are at home.", False),
        ("Here's the red helmet back, and the black one for me.", False),
    ],
)
def test_lines_joining_what_they_ask_for(line: str, joined: bool) -> None:
    assert both(line) is joined


@pytest.mark.parametrize(
    ("line", "asks"),
    [
        ("Which one's the whaleboat?", True),
        ("Which of these fellows is the salvage diver?", True),
        ("Which book is the keeper's log?", True),
        ("Right. Which one is the skiff?", True),
        # where something is, what it does, which is best, which way: not which one is meant
        ("Which deck is the med bay on?", False),
        ("Which floor is the lab on?", False),
        ("Which company is paying the Commander off?", False),
        ("Which crate has the medicine?", False),
        ("Which way is the harbour?", False),
        ("Which is the best boat?", False),
    ],
)
def test_lines_asking_which_one_is_meant(line: str, asks: bool) -> None:
    assert identifies(line) is asks


@pytest.mark.parametrize(
    ("line", "asks"),
    [
        ("What should I call you?", True),
        ("Sorry, what's your name again?", True),
        ("Who are you?", True),
        ("Who am I talking to?", True),
        ("And you are?", True),
        ("Who are you waiting for?", False),  # about someone else
        ("Who is your boss?", False),
        ("I'm called Sam.", False),
    ],
)
def test_lines_asking_the_characters_name(line: str, asks: bool) -> None:
    assert asks_name(line) is asks


@pytest.mark.parametrize(
    ("line", "passed_on"),
    [
        ("Tell Lena to box this lap.", True),
        ("And tell the company over the tannoy that Priya's going on.", True),
        ("Can you let Lena know the rain's ten minutes away?", True),
        ("Tell the vet she's been drinking loads more water lately.", True),
        ("Sing out that there's a frigate off the bow.", True),
        ("Sing out for all hands to beat to quarters.", True),
        ("Sing out for help if you need it.", False),
        ("Cry it out, herald: Sir Piers withdraws from the lists.", True),
        ("Announce the next pairing: Dame Isolde against Sir Brannoc.", True),
        ("Please announce that the bar is closing.", True),
        ("Can you announce it?", False),  # an announcement asked for as such, no words given
        ("I want to announce my engagement.", False),
        ("Tell me about the rain.", False),  # to be told, not passed on
        ("Tell me it's going to be fine.", False),
        ("Let me know when she's in.", False),
        ("I'll tell you what, that was close.", False),
    ],
)
def test_lines_asking_for_words_passed_on(line: str, passed_on: bool) -> None:
    assert relays(line) is passed_on


@pytest.mark.parametrize(
    ("line", "where"),
    [
        ("Where's the spare nose cone?", True),
        ("Where d'you keep the rum cask?", True),
        ("Sorry, where is the oilskin coat? I can't see it.", True),
        ("Where are we going?", False),
        ("Nowhere's open this late.", False),
        ("The coat is where you left it.", False),
    ],
)
def test_lines_asking_where_something_is(line: str, where: bool) -> None:
    assert asks_where(line) is where


@pytest.mark.parametrize(
    ("line", "asks"),
    [
        # a thing asked for as a question, or any request
        ("We leave at four. Have you a light I could wear?", True),
        ("Starving. Got anything with melted cheese?", True),
        ("I forgot my liner. You got a spare one?", True),
        ("Rockfall scares me. Have you got a hard hat?", True),
        ("Do you have any plasters?", True),
        ("Is there a bed going for tonight?", True),
        ("Could you make us up something to eat?", True),
        # told, not asked
        ("Something hot would be perfect, honestly.", False),
        ("I've got a spare one at home.", False),
        ("You have a lovely hut.", False),
        ("Have you a moment?", False),
        ("Got one! Look at that.", False),
        ("The soup was lovely.", False),
        ("Where do they scan your bags?", False),
    ],
)
def test_a_line_wants_a_thing_when_it_asks_to_have_it(line: str, asks: bool) -> None:
    assert wants(line) is asks
