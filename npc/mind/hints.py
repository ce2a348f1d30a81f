"""Hints for a turn's prompt and grammar, from the player's words: the scene entries they
named, the likely actions (best first, "none" among them when the line may ask for none),
whether the line must act, and how many calls it asks for.

Pure: the same line, scene, actions and exchange before give the same hints, so every rule
here is tested with tables of lines (tests/mind/test_hints.py and the routing tables of
tests/mind/test_mind.py).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import UnionType
from typing import Protocol

from npc.actions.intent import (
    NO_ACTION,
    IntentHints,
    SheetVerbs,
    action_verbs,
    again,
    asks_about,
    asks_fact,
    asks_for_code,
    asks_where,
    both,
    identifies,
    leads,
    points_back,
    refers,
    relays,
    requests,
    sends_regards,
    settles,
    summons,
    wants,
)
from npc.actions.space import ActionSpace, Scene, number_labels
from npc.actions.things import Meant
from npc.character.looks import meanings, named_by_looks, named_by_meaning
from npc.character.prompt import (
    KINDS,
    PARTICLES,
    apart,
    describes,
    mentions,
    names_action,
    orders,
    picked,
    telling,
)
from npc.character.roles import named_by_role
from npc.character.sheet import Action, ChoiceParam, NumberParam, SceneParam, StringParam
from npc.character.vocabulary import strangers, unheard_places, unheard_things, words
from npc.mind.numbers import as_digits, corrected
from npc.mind.ranges import counts_people, out_of_range, party_size

# What an action that brings someone over says of itself: "Page a crew member over the
# station comm to come to the med bay", "Whistle someone over to the stall", "Call another
# member of staff".
_CALLS_OVER = re.compile(
    r"\b(?:call|calls|page|pages|summon|summons|fetch|fetches|send for|sends for|radio|radios|"
    r"whistle|whistles|beckon|beckons|wave|waves|hail|hails|shout for|"
    r"(?:get|gets|bring|brings) (?:someone|somebody|a person))\b|"
    r"\bto come\b|\bover here\b|\bover to\b"
)


@dataclass(frozen=True)
class Hints:
    """Pointers for the model in a turn's prompt, from the player's words."""

    named: tuple[tuple[str, str], ...] = ()  # (scene entry, its kind)
    likely: tuple[str, ...] = ()  # likely actions, best first
    verbs: SheetVerbs | None = None  # the sheet's own request verbs
    # The line asks for something though no request words say so: by what came before ("And
    # a pen."), or by going or fetching ("Come with me to the ward", "Call security!").
    asked: bool = False
    least: int = 1  # calls a line that must act asks for ("a snowboard and the black helmet")
    # The line asks for what no action can do: a thing or a name the character never heard
    # of, where an action would choose one of its own; an amount beyond an action's range.
    # (A sheet without actions is not unable: a poem may be recited.)
    unable: bool = False

    def covers(self, other: Hints) -> bool:
        return set(other.named) <= set(self.named) and set(other.likely) <= set(self.likely)

    def asks_for_action(self, player: str) -> bool:
        """Whether ``player``'s line asks for something to be done: the likely actions say
        so when there are any (no "none" among them), else the line is not a question."""
        if self.likely:
            return NO_ACTION not in self.likely
        return not asks_about(player, bool(self.named))

    def must_act(self, player: str) -> bool:
        """Whether the reply must take an action: the line plainly asks for something
        ("could you...", "give me..."; "give the bell its due" when it names a thing of the
        scene) and every likely action is one (no "none")."""
        if not self.likely or NO_ACTION in self.likely:
            return False
        return self.asked or requests(player, self.verbs, bool(self.named))


# Someone fetched by a word that may be a role: "Get the physician!", "fetch your bosun".
_FETCH_ROLE = re.compile(
    r"\b(?:get|fetch|grab|call|bring|summon|send for)(?: me| us)? (?:the|your|a|our) "
    r"([a-z][\w'-]*)\b(?! (?:of|for|to)\b)"
)

# A line asking for a thing to be handed to someone: "Pass me the gaffer tape.", "fetch me a
# water bottle", "toss us the keys" (the thing named; not "get me out of here").
_HAND_ME = re.compile(
    r"\b(?:pass|passing|hand|handing|give|giving|toss|chuck|throw|fetch|bring|lend)"
    r" (?:me|us|him|her|them)\b"
)
# Asked to be handed something, whatever the line calls it.
_PASS_ME = re.compile(
    r"\b(?:pass|hand|toss|chuck|throw) (?:me|us)\b|\bgive (?:me|us) (?:whatever|what) you\b"
)
# What an action that hands things over says of itself: "Hand an object or a prop to the
# player", "give", "Go and get an object and bring it to the player", "Lend riding gear".
_HANDS_OVER = re.compile(r"\b(?:hand|hands|give|gives|pass|passes|bring|brings|lend|lends)\b")

# What an action that passes words on says of itself: "Talk to the driver in the car over
# the team radio", "Make a call over the backstage tannoy", "announce", "Cry a proclamation
# aloud to the stands".
_SAYS_WORDS = re.compile(
    r"\b(?:radio|radios|tannoy|intercom|announce|announces|announcement|message|messages|tell|"
    r"tells|talk|talks|say|says|broadcast|broadcasts|bellow|bellows|shout|shouts|note|notes|"
    r"write|writes|jot|jots|proclaim|proclaims|proclamation|cry|cries)\b"
)

# What an action that shows which one is meant says of itself: "Point at something or
# someone nearby", "point_to", "Show the player where something is".
_POINTS_OUT = re.compile(r"^point|\bpoint (?:at|to|out)\b|\bshow (?:the player )?(?:which|where)\b")


def _spoken(action: Action) -> str:
    """An action's name and description, as words."""
    return f"{action.name.replace('_', ' ')} {action.description}".lower()


# Where one request of a line may end and the next begin: "Scan me for spores, then get me
# a field kit.", "Seal the ward and bump the quarantine up to level 3."
_REQUEST_CLAUSES = re.compile(
    r"[.!?;]\s+|,\s*(?:and\s+)?(?:then\s+)?|\s+(?:and(?:\s+then)?|then)\s+"
)
# A clause opened by one of these tells or asks; it asks for nothing to be done ("I got
# thrown across the cargo bay. Scan everything.").
_NOT_ASKING = frozenset(
    re.findall(
        r"\S+",
        "i i'm i've i'd i'll we we're you you're he he's she she's it it's they they're there "
        "there's this that these those my our your his her their the a an what who why how "
        "when where which is are do does did was were has have had if because but for in "
        "at on with from of by about after before",
    )
)
# A verb and whom it is for: "make me", "pour us" (``HintFinder._framed``); not "let me",
# "excuse me" nor a preposition's "to me".
_FRAMED = re.compile(r"\b([a-z]+) (?:me|us)\b")
_NOT_FRAMING = frozenset(
    re.findall(
        r"\S+",
        "let excuse to for with at of from about on by like than behind near beside and or "
        "but you it that this tell ask",
    )
)
# An amount and what it is counted in: "8 litres", "a litre", "5 hours".
_AMOUNT = re.compile(r"(?:\b\d+(?:\.\d+)?|\ban?)\s+([a-z]+)")
UNIT_LETTERS = 4  # a shorter word of a number's name is no unit ("cue", "din")
# What follows the verb of a clause that asks ("bump the quarantine up", "start the slow
# bell", "row me over"), not a noun's "in" ("Fire in the galley! Sound the alarm!").
_AFTER_VERB = frozenset(
    re.findall(r"\S+", "the a an me us it them him her my your our some that this those these")
)
# A person fetched or told by name: "grab Dr. Aziz for me", "ask Ruth to...", "page Tom".
_FETCHING = "get|fetch|grab|call|bring|page|buzz|ask|tell|send for|radio|find"


def _as_value(entry: str, values: set[str]) -> list[str]:
    """``entry`` as one of ``values``: itself, or the one value whose words it holds ("burn
    kit": "burn"); none when it holds several or none."""
    if entry in values:
        return [entry]
    held = [v for v in values if set(v.lower().split()) <= set(entry.lower().split())]
    return held if len(held) == 1 else []


def _labels(player: str, letter: str) -> bool:
    """Whether ``player`` says the one-letter value ``letter`` as a label ("tank A", "flush
    B."), not as the article or pronoun ("a loose bolt", "A tray fell.", "I think")."""
    for m in re.finditer(rf"(?<![\w'-]){re.escape(letter.upper())}(?![\w'-])", player):
        opens = not player[: m.start()].strip() or player[: m.start()].rstrip()[-1] in ".!?"
        if not (opens and re.match(r"\s+[a-z]", player[m.end() :])):
            return True
    return False


@functools.lru_cache(maxsize=256)
def _fetched(person: str) -> re.Pattern[str]:
    words = "|".join(re.escape(w) for w in re.findall(r"[a-z]{3,}", person.lower()))
    return re.compile(rf"\b(?:{_FETCHING}) (?:\w+\.? )?(?:{words or '$^'})\b")


# Words before a clause's verb: "and then", "please", "could you".
_FILLER = re.compile(
    r"^(?:(?:and|then|also|now|please|just|oh|ok|okay|right|so)\b,?\s*|"
    r"(?:can|could|would|will) you\s+(?:please\s+)?)+"
)


# Verbs too light to tell an action by when they open a request ("Make me a small knife"
# is forge_item's, not gesture's "Make a gesture"; "Set off the fireworks").
_NOT_OPENING = frozenset(["make", "set", "put", "let", "keep", "go", "come"])
# Verbs that lend a request to the noun after them ("give him a scan", "run a check").
_LIGHT = frozenset(["give", "get", "have", "do", "run", "take"])
# Words that end a light verb's object: "give the bell a slow ring so the boats...".
_ENDS_OBJECT = frozenset(
    re.findall(
        r"\S+",
        "so on for to in at with before after while when because if and or but then from of by "
        "he she they it's he's she's they're i i'm we",
    )
)
_SUBJECTS = frozenset(["you", "i", "we", "they", "he", "she", "it", "ye", "y'all"])
# Past participles not made by "-ed": "get the lamp lit".
_PARTICIPLES = {
    "lit": "light",
    "rung": "ring",
    "sold": "sell",
    "sent": "send",
    "brought": "bring",
    "made": "make",
    "done": "do",
    "fed": "feed",
    "swept": "sweep",
    "built": "build",
}


def _verb_forms(word: str) -> set[str]:
    """The verbs ``word`` may be: itself ("scan"), or the verb of a participle ("sealed",
    "stopped", "saved", "lit")."""
    forms = {word, _PARTICIPLES.get(word, word)}
    if word.endswith("ed") and len(word) > 4:
        stem = word[:-2]
        forms |= {stem, word[:-1]}  # sealed -> seal, saved -> save
        if len(stem) > 2 and stem[-1] == stem[-2]:
            forms.add(stem[:-1])  # stopped -> stop
    return forms


class Earlier(Protocol):
    """The exchange before a line, as hints read it."""

    @property
    def player(self) -> str: ...
    @property
    def said(self) -> str: ...
    @property
    def calls(self) -> tuple[str, ...]: ...


@dataclass(frozen=True)
class HintFinder:
    """Finds the hints for lines said to one character in one scene."""

    scene: Scene
    space: ActionSpace
    intents: IntentHints | None
    action_words: str = ""  # the actions' names and descriptions: "script" may be one
    known: frozenset[str] = frozenset()  # every word of the sheet and its knowledge
    # The scene's people by the roles the sheet's lore gives them ({"bosun": "Wren ..."}).
    roles: Mapping[str, str] = field(default_factory=dict)
    # ... and by the words it describes them by ({"Sir Brannoc": {"boar": 1.0, ...}}).
    looks: Mapping[str, Mapping[str, float]] = field(default_factory=dict)

    def named(self, player: str) -> list[str]:
        """Scene entries and choice values the player named, picked together: "a piece of
        that lardy cake" names the scene's lardy cake, not the "carrot cake" of a choice;
        the scene's people named by their roles ("Point out the gunner") or looks ("the
        knight with the boar"), things by their looks ("the yellow one") and choice values
        by their meanings ("Call the knights to the tilt")."""
        return self._named_and_roles(player)[0]

    def _named_and_roles(self, player: str) -> tuple[list[str], list[tuple[str, str]], bool]:
        """``named``; of it, those found by role or by looks, each with its kind; and
        whether a person was found by looks."""
        found = self._named(player)
        by_role = self._by_role(player, found)
        by_looks = [] if by_role else self._by_looks(player, found)
        if by_looks:
            # "the knight with the boar on his shield": Sir Brannoc, not the Kestrel Knight
            # its "knight" names.
            found = [n for n in found if n not in self.scene.characters]
        extra = [(p, "character") for p in by_role or by_looks]
        extra += [(t, "object") for t in self._thing_by_looks(player, found)]
        return found + [n for n, _ in extra if n not in found], extra, bool(by_looks)

    def _by_looks(self, player: str, names: Sequence[str]) -> list[str]:
        """The scene's person ``player`` points out by the words the lore describes them
        by, when it names no one of the scene whole."""
        low = player.lower()
        if any(p.lower() in low for p in names if p in self.scene.characters):
            return []
        people = {p: self.looks[p] for p in self.scene.characters if p in self.looks}
        return named_by_looks(player, people)

    def _fetched_by_role(self, player: str) -> bool:
        """Whether ``player`` asks for someone fetched by a role the lore gives them: "Get
        the physician!" (Brother Anselm, "the physician" in the sheet's lore)."""
        return any(
            m.group(1) in self.roles or m.group(1).removesuffix("s") in self.roles
            for m in _FETCH_ROLE.finditer(player.lower())
        )

    def _thing_by_looks(self, player: str, names: Sequence[str]) -> list[str]:
        """The scene's object ``player`` points out by the words the lore describes it by
        ("the yellow battery-powered one": the cordless drill, "the yellow one" in the
        lore), when it names none."""
        objects = self.scene.objects
        if not self.looks or any(n in objects for n in names):
            return []
        things = {o: self.looks[o] for o in objects if o in self.looks}
        return named_by_looks(player, things, things=True)

    def _by_role(self, player: str, names: Sequence[str]) -> list[str]:
        """The scene's people ``player`` names by their roles, but for a role's word that is
        part of a thing named ("the cat waiting area" is no cat)."""
        used = {w for name in names for w in name.lower().split()}
        roles = {w: p for w, p in self.roles.items() if w not in used}
        people = set(self.scene.characters)
        return [p for p in named_by_role(player, roles) if p in people]

    def _named(self, player: str) -> list[str]:
        names = self._entries()
        labels: list[str] = []
        choices: list[ChoiceParam] = []
        for action in self.space.actions:
            for param in action.parameters.values():
                if isinstance(param, ChoiceParam):
                    names += [v for v in param.values if v not in names]
                    choices.append(param)
                elif isinstance(param, NumberParam):
                    labels += number_labels(param)
        # A number's label only when its last word is said with the rest ("on full
        # lockdown" for "4 full station lockdown"), not one of its words alone ("the
        # station computer").
        said = set(re.findall(r"[a-z']+", player.lower()))
        found = [n for n in picked(player, names) if len(n) > 1 or _labels(player, n)]
        for param in choices:
            # "Call the knights to the tilt.": "to arms", which the parameter's description
            # says is "knights to the tilt", when the line names none of its values.
            if param.description and not set(param.values) & set(found):
                meant = meanings(param.description, tuple(param.values))
                found += [v for v in named_by_meaning(player, meant) if v not in found]
        return found + [
            label
            for label in labels
            if label.split()[-1] in said
            and (len(label.split()) == 1 or len(said & set(label.split())) >= 2)
        ]

    def find(self, player: str, last: Earlier | None = None) -> Hints:
        """The hints for ``player``'s line; ``last`` is the exchange before it, if any."""
        names, extra, by_looks = self._named_and_roles(player)
        named = tuple(mentions(player, self.scene))
        if by_looks:
            named = tuple(e for e in named if e[0] not in self.scene.characters)
        # People named by role or looks, and things by looks, are in the scene's line too:
        # "Old Fergus (character)" (kind "character", so a line that summons by role still
        # prefers the actions that bring someone: "Can you buzz your orderly?").
        shown = {name for name, _ in named}
        named += tuple(e for e in extra if e[0] not in shown)
        if self.intents is None or not player.strip():
            return Hints(named)
        asked = False
        done: list[str] = []  # the actions of the request before, asked again
        if last is not None:
            if points_back(player, self.intents.verbs):
                # "Take me there, please." after "What's in Gallery One?": what the line
                # points at is what the last line (or, failing it, the reply) named.
                before = mentions(last.player, self.scene) or mentions(last.said, self.scene)
                named += tuple(entry for entry in before if entry not in named)
                names += [name for name, _ in before if name not in names]
            # "And a newspaper.", "Same again for my husband." after a request the character
            # acted on asks for more, of the same action unless it names what another takes.
            asked = bool(last.calls) and again(player, bool(names))
            done = [key.split("{", 1)[0] for key in last.calls] if asked else []
        if sends_regards(player, self.action_words):
            # "Ta-ra, love. Give Shep a pat for me.": a kindness passed on, no action
            # (call_over(Shep) was taken).
            return Hints(named, (NO_ACTION,), self.intents.verbs)
        if asks_for_code(player, self.action_words):
            # "Write me a Python script that counts lift tickets.": no action (walk_to(lift
            # gate) was taken, the lift gate named).
            return Hints(named, (NO_ACTION,), self.intents.verbs)
        if self.intents.pays and settles(player):
            # "What do I owe you?" at a till: the action that takes the money, though the
            # line is put as a question (the baker answered with the price and took none).
            return Hints(named, self.intents.pays[:1], self.intents.verbs, asked=True)
        if asks_fact(player) and not requests(player, self.intents.verbs):
            # "How much is a sourdough loaf?": told, not handed over (hand_over was taken).
            return Hints(named, (NO_ACTION,), self.intents.verbs)
        fetching = summons(player) or self._fetched_by_role(player)
        boost = self._for_things(player, names, fetching)
        # "Splash and dash, just eight litres.": an amount in what an action counts in;
        # "Make me a small knife": asked as an action's example asks ("make me a new hinge").
        # "Four of us, and the little room over the stove": a party's size is the number of
        # the actions that count people (assign_bunk's bunks, "one per sleeper").
        more = self._counted(player) + self._framed(player) + self._for_party(player)
        boost += [a for a in more if a not in boost]
        # A thing asked for by need, when nothing named says which ("Got a spare?").
        meant = None if boost or fetching else self._by_need(player, asked)
        if meant is not None:
            boost = [a for a in meant.actions if self.space.get(a) is not None]
            asked = True
            names.append(meant.value)
            named += ((meant.value, meant.kind),)
        opened = self._opened(player) if boost else None
        if opened and not done:
            # "Flush the root tank, the potatoes have got rot.", "Write in the log that...":
            # the one action whose own verb opens the request, not those taking what the
            # rest names (plant and harvest take the potatoes, hand_over the log).
            boost = [opened]
        if done:
            boost = [a for a in done if a in boost] or boost or done
        places = self.space.fitting(self.scene.entries("location"))
        going = leads(player)
        # "Come with me to the quarantine ward.": asks to go somewhere, a request.
        asked = asked or going
        if going and not any(kind == "place" for _, kind in named):
            # "Show me where you keep the saddles.": the actions that take a place, though the
            # line names none (the place is for the model to pick).
            boost += [a for a in places if a not in boost]
        people: list[str] = []
        asked = asked or fetching  # "Ask the life support guy to come look at the scrubbers."
        if fetching and not any(kind == "person" for _, kind in named):
            # "Get your mechanic over here, my radio's busted.": the actions that take a
            # person, though the line names none (the mechanic is for the model to find).
            people = self.space.fitting(self.scene.entries("character"))
            # Of those, the ones that bring someone ("Page a crew member ... to come to the
            # med bay"), not scan_patient or give_stim, which take a person too.
            people = [a for a in people if self._calls_over(a)] or people
            boost += [a for a in people if a not in boost]
        # "Two croissants, cheers.": a thing an action takes, asked for without a verb.
        asked = asked or (bool(boost) and orders(player, names, self._units))
        boost += [
            a.name
            for a in self.space.actions
            if a.name not in boost and names_action(player, a.name, names)
        ]
        if not boost and _PASS_ME.search(player.lower()):
            # "Pass me those clippers", "Give me whatever you use.": the action that hands
            # things over (not "give me the order", "give her the go", "lend me your car").
            boost = [a.name for a in self.space.actions if self._hands_over(a.name)][:1]
        if len(boost) > 1 and _HAND_ME.search(player.lower()):
            # "Pass me the gaffer tape.": the action that hands it over, not point_at, which
            # takes the tape too (and was nearer in the embedder's eyes).
            boost = [a for a in boost if self._hands_over(a)] or boost
        if len(boost) > 1 and fetching and not going and any(k == "person" for _, k in named):
            # "Sir Piers took a lance in the ribs! Get the physician!": the action that
            # brings someone (summon), not point_out, which takes the physician too.
            boost = [a for a in boost if self._calls_over(a)] or boost
        if len(boost) > 1 and (going or people):
            # "..., let's head over to the bench for boots.": to the boot bench, not fit_boots;
            # "get your mechanic over here, my radio's busted": whistle_for, not tune_radio.
            boost = [a for a in boost if a in (places if going else people)] or boost
        relay = relays(player) and [a.name for a in self.space.actions if self._says_words(a)]
        if relay:
            # "Tell Lena to box this lap.": words passed on by the action that says them
            # (radio_driver's message), not call_over, which takes Lena.
            boost, asked = relay, True
        told: list[str] = []
        if len(boost) > 1:
            # "Could you get this letter up to the abbey?": book_flight and send_post both
            # take the abbey; the letter is send_post's ("Take a letter or small parcel...").
            told = [
                a.name
                for a in self.space.actions
                if a.name in boost and describes(player, a.description, names)
            ]
            boost = told or boost
        likely = tuple(self.intents.rank(player, boost=boost, asked=asked))
        if len(told) > 1 and NO_ACTION not in likely and self._apart(player, told, names):
            # "Size 38 boots for my son, and a beginner pass for him": two requests, each
            # speaking of its own action ("boots", "pass"); the grammar allows both.
            likely += tuple(a for a in told if a not in likely)
        lent = self._lent(player, names)
        if lent and likely and likely[0] != lent[0]:
            # "Give Pike the head-to-toe scan", "Get the lamp lit": the verb lends the
            # request to the noun or participle after it, which is another action's own verb
            # (scan_patient, light_lamp), not give_stim's "give" nor rent_boat's "get".
            name, light = lent
            likely = (name, *(a for a in likely if a != name and not self._opens(a, light)))
        # "Where's the spare nose cone?": a thing or person of the scene, not a place.
        # ("Where's Jade? Call her up.": asked for more than where she is.)
        where = (
            asks_where(player)
            and any(kind != "place" for _, kind in named)
            and not requests(player, self.intents.verbs)
        )
        which = identifies(player)
        pointing = (which or where) and [
            a for a in self.space.actions if _POINTS_OUT.search(_spoken(a))
        ]
        if pointing:
            # "Which one's the captain?" is shown by pointing, words beside it (offered
            # beside "none", the model told it in words: 5 of 11 such dev lines, whose
            # authors all expected the pointing); "Where's the spare nose cone?" may be told.
            likely = (pointing[0].name,) if which else (pointing[0].name, NO_ACTION)
            asked = asked or which
        least = self._things(player, likely)
        asked_for = self._by_clause(player) if NO_ACTION not in likely else []
        if len(asked_for) > 1 and likely and likely[0] in asked_for:
            # "Scan me for spores, then get me a field kit.", "Light the lamp and start the
            # slow bell": one request per clause, each for an action of its own; both calls.
            # In the order asked: the game does them in the order they come.
            likely = tuple(dict.fromkeys((*asked_for, *likely)))
            least = max(least, len(asked_for))
        if (
            likely
            and not boost
            and not (pointing and which)
            and NO_ACTION not in likely
            and all(map(self._on_scene, likely))
            and not refers(player)
        ):
            # "Could you lend me your car?": every action offered acts on something of the
            # scene, and the line names nothing any of them takes, not even by "it" or
            # "him"; it may ask for what is not there, so it is not forced (call_over(player)
            # was taken).
            likely += (NO_ACTION,)
        digits = corrected(as_digits(player, self._entries()))
        beyond = [a for a in likely if self._out_of_range(digits, a)]
        unable = bool(beyond)
        if beyond:
            # "Ring twenty bells!" of a bell struck 1 to 8 times, "Put line six on" of lines
            # 1 to 4: the amount is said of that action, and none of its values is it, so
            # the line asks what cannot be done (ring_bell(2) and set_fader were taken).
            likely, least = (NO_ACTION,), 1
        if not names and not named and self._never_heard(player):
            # "Row me all the way to France.": a name the character never heard of is none
            # of the things its actions choose from (row_to(mainland) was taken); so is a
            # thing asked for by words it never heard ("sell me an outboard motor").
            kept = tuple(a for a in likely if a == NO_ACTION or not self._chooses(a))
            if kept != likely:
                likely, least = kept or (NO_ACTION,), 1
                unable = likely == (NO_ACTION,)
        return Hints(named, likely, self.intents.verbs, asked, least, unable)

    def _by_need(self, player: str, asked: bool) -> Meant | None:
        """The thing ``player`` asks for by need, not by name ("I forgot the thin sheet
        sack. Got a spare?": the sleeping bag liner), when one of those the actions give is
        clearly nearest in the embedder's eyes; only where the ranking alone would not act,
        or acts as the thing's own action first ("Pour me a grog" stays pour_rum, not the
        grappling hook "grog" is near in letters; "Make the rain stop" is no order for wet
        tyres)."""
        if self.intents is None or leads(player) or not wants(player, self.intents.verbs):
            return None
        meant = self.intents.meant(player, self.scene)
        if meant is None:
            return None
        ranked = self.intents.rank(player, asked=asked)
        return meant if not ranked or ranked[0] in (NO_ACTION, *meant.actions) else None

    def _out_of_range(self, digits: str, name: str) -> bool:
        """Whether ``digits`` (the line, its numbers in digits) asks action ``name`` for an
        amount none of its values can be."""
        action = self.space.get(name)
        return action is not None and out_of_range(digits, action)

    def _never_heard(self, player: str) -> bool:
        """Whether ``player``'s line holds a name, or asks for a thing or to be taken to a
        place, that neither the sheet nor the scene has by any word."""
        if not self.known:
            return False
        known = self.known | words(" ".join(self._entries()))
        return bool(
            strangers(player, known)
            or unheard_things(player, known)
            or unheard_places(player, known)
        )

    def _chooses(self, name: str) -> bool:
        """Whether action ``name`` takes one of a list: a scene entry or a choice."""
        return self._takes(name, SceneParam | ChoiceParam)

    def _entries(self) -> list[str]:
        """The names of the scene's entries, of every kind."""
        return [name for _, field in KINDS for name in getattr(self.scene, field)]

    def _takes(self, name: str, kind: type | UnionType) -> bool:
        """Whether action ``name`` has a parameter of ``kind``."""
        action = self.space.get(name)
        return action is not None and any(isinstance(p, kind) for p in action.parameters.values())

    @property
    def _units(self) -> list[str]:
        """What the actions count in, by their numbers' names ("litres", "portions")."""
        return [w for a in self.space.actions for w in sorted(self._counts_in(a))]

    def _for_things(self, player: str, names: Sequence[str], fetching: bool) -> list[str]:
        """The actions that take what ``player`` named. When the line names a thing (an
        object, a choice value) and a person it does not summon, the person is most often
        whom the thing is for ("Can I grab a wormer for Biscuit?", "10 Synulox for Luna"):
        the actions taking the person but not the thing (check_in takes the pet) drop out,
        unless one's own verb opens a clause ("Check Biscuit in, he's due a wormer")."""
        boost = self.space.fitting(names)
        people = set(self.scene.characters)
        named = people & set(names)
        if not named or fetching or any(_fetched(p).search(player.lower()) for p in named):
            return boost  # "Could you grab Dr. Aziz for me?": the person is fetched
        places = set(self.scene.locations)
        things = [n for n in names if n not in people and n not in places]
        if not things:
            return boost
        for_things = self.space.fitting(things)
        if not for_things:
            return boost
        clauses = [c.strip().lower() for c in _REQUEST_CLAUSES.split(player)]
        opening = {re.sub(r"^[^a-z]+", "", c).split(" ", 1)[0] for c in clauses if c}
        return [
            a.name
            for a in self.space.actions
            if a.name in boost and (a.name in for_things or action_verbs(a) & opening)
        ]

    def _by_clause(self, player: str) -> list[str]:
        """The actions asked for clause by clause, when every clause that asks for one asks
        for a single action of its own: opened by the action's verb ("Scan me for spores"),
        naming its own thing ("bump the quarantine up") or what only it takes ("get me a
        field kit"); or, in a line of nothing but orders, naming a thing or an amount
        ("Softs and thirty litres"). Empty when any such clause could be more than one
        action."""
        found: list[str] = []
        ordered: list[str] = []  # the clauses that are orders, no verb in them
        asks = False  # a clause asks with a verb; then an order may be its argument
        for clause in _REQUEST_CLAUSES.split(player):
            clause = _FILLER.sub("", clause.strip().lower())
            if not clause:
                continue
            words = clause.split()
            fits = self._opened_with(words[0])
            # "Harvest two kilos of chard": opened by harvest's verb, though plant takes
            # the chard and counts in kilos too.
            order = self._ordered(clause) if len(fits) != 1 else []
            if len(order) > 1:
                return []
            if order:
                ordered += [a for a in order if a not in ordered]
                continue
            if words[0] in _NOT_ASKING or (clause.endswith("?") and not requests(clause)):
                continue
            verb_shaped = len(words) > 1 and words[1] in _AFTER_VERB
            if not (fits or verb_shaped or requests(clause)):
                continue  # no verb of the sheet's, no request, not a verb's shape
            asks = True  # ("Put me down for the dinghy, six hours.": one call)
            if not fits:
                # The action's own thing first: "start the slow bell" is ring_fog_bell's,
                # though point_at takes the fog bell too.
                fits = {a.name for a in self.space.actions if names_action(clause, a.name)}
            if not fits:
                names = self.named(clause)
                fits = set(self.space.fitting(names))
                # One that lists the thing among its values over one that takes anything
                # ("get me a field kit": issue_kit, not point_at).
                fits = {a for a in fits if self._lists(a, names)} or fits
            fits = self._narrowed(clause, fits) if len(fits) > 1 else fits
            if len(fits) > 1:
                return []
            found += [a for a in fits if a not in found]
        return found if asks else ordered

    def _narrowed(self, clause: str, fits: set[str]) -> set[str]:
        """Of the actions a clause may ask for, the one it names something of ("call Marcus
        to the stage": call_to_stage, not call_cue), or the one that hands over what it
        asks to be handed ("give me a cutlass": hand_out, not point_at); else all."""
        names = self.named(clause)
        taking = fits & set(self.space.fitting(names)) if names else set()
        if len(taking) == 1:
            return taking
        if _HAND_ME.search(clause):
            handing = {a for a in fits if self._hands_over(a)}
            if len(handing) == 1:
                return handing
        return fits

    def _opened(self, player: str) -> str | None:
        """The one action whose own verb opens the clauses of ``player`` that ask for
        something ("Flush the root tank, ..."), if one does."""
        fits: set[str] = set()
        for raw in _REQUEST_CLAUSES.split(player):
            clause = _FILLER.sub("", raw.strip().lower())
            first = re.match(r"[a-z]+", clause)
            if first is None or (clause.endswith("?") and not requests(raw)):
                continue
            verb = first.group(0)
            if verb in _LIGHT or verb in _NOT_OPENING:
                continue
            fits |= self._opened_with(verb)
        return fits.pop() if len(fits) == 1 else None

    def _opened_with(self, verb: str) -> set[str]:
        """The actions ``verb`` is an own verb of ("flush": flush_tank)."""
        return {a.name for a in self.space.actions if verb in action_verbs(a)}

    def _ordered(self, clause: str) -> list[str]:
        """The actions a clause of nothing but an order asks for (``orders``): those taking
        what it names ("softs": change_tyres), or counting in what it counts in ("thirty
        litres": add_fuel). "For the ward" says whom the order is for, and orders nothing."""
        if clause.startswith("for "):
            return []
        names = self.named(clause)
        if not orders(clause, names, self._units):
            return []
        fits = set(self.space.fitting(names))
        fits = {a for a in fits if self._lists(a, names)} or fits
        return sorted(fits | set(self._counted(clause)))

    def _framed(self, player: str) -> list[str]:
        """The one action whose examples ask with the verb ``player`` asks with, before "me"
        or "us": "Make me a small knife" is forge_item's, whose example is "can you make me
        a new hinge?" (its own verbs are "forge" and "start"; "make" is gesture's)."""
        said = set(_FRAMED.findall(player.lower())) - _NOT_FRAMING
        if not said:
            return []
        found = [
            a.name
            for a in self.space.actions
            if said & {v for e in a.examples for v in _FRAMED.findall(e.player.lower())}
        ]
        return found if len(found) == 1 else []

    def _counted(self, text: str) -> list[str]:
        """The actions whose numbers count in what ``text`` gives an amount in: "eight
        litres" (or "8 litres", "a litre") is add_fuel's."""
        said = set(_AMOUNT.findall(as_digits(text).lower()))
        said |= {w + "s" for w in said}
        return [a.name for a in self.space.actions if said & self._counts_in(a)]

    def _for_party(self, text: str) -> list[str]:
        """The actions with a number that counts people, when ``text`` gives a party's
        size ("three of us", "we're a dozen")."""
        if party_size(as_digits(text)) is None:
            return []
        return [
            a.name
            for a in self.space.actions
            if any(counts_people(name, p) for name, p in a.parameters.items())
        ]

    @staticmethod
    def _counts_in(action: Action) -> set[str]:
        """The words of the names of ``action``'s numbers: "litres", "portions"."""
        return {
            w
            for name, p in action.parameters.items()
            if isinstance(p, NumberParam)
            for w in name.split("_")
            if len(w) >= UNIT_LETTERS
        }

    def _lent(self, player: str, names: Sequence[str]) -> tuple[str, str] | None:
        """The action whose own verb a light verb's clause says after it, as a noun ("give
        Pike the head-to-toe scan", "give the bell a slow ring") or a participle ("get the
        lamp lit", "have the hatch sealed"), with that light verb; None when no clause is
        so."""
        named = {w for name in names for w in name.lower().split()}
        for clause in _REQUEST_CLAUSES.split(player):
            words = self._light_clause(clause)
            if not words:
                continue
            after: list[str] = []
            for word in words[1:]:
                if word in _ENDS_OBJECT:
                    break
                after.append(word)
            for word in after:
                if word in named:  # "give me the ring": a ring of the scene, not ring_bell
                    continue
                for action in self.space.actions:
                    verbs = action_verbs(action)
                    if words[0] not in verbs and verbs & _verb_forms(word):
                        return action.name, words[0]
                # "Get a car down there!": the one action named for the thing (send_car);
                # not hand_over's "over" ("Get Kit over here").
                owners = [a.name for a in self.space.actions if word in a.name.split("_")[1:]]
                if len(owners) == 1 and len(word) > 2 and word not in PARTICLES:
                    return owners[0], words[0]
        return None

    @staticmethod
    def _light_clause(clause: str) -> list[str]:
        """The words of ``clause`` when a light verb opens it as a request ("give Pike the
        scan"), not as a question's auxiliary ("do you take cards?")."""
        clause = _FILLER.sub("", clause.strip().lower())
        words = re.findall(r"[a-z][a-z'-]*", clause)
        if len(words) < 3 or words[0] not in _LIGHT or words[1] in _SUBJECTS:
            return []
        return words if not clause.endswith("?") or requests(clause) else []

    def _opens(self, name: str, verb: str) -> bool:
        """Whether ``verb`` is one of action ``name``'s own verbs."""
        action = self.space.get(name)
        return action is not None and verb in action_verbs(action)

    def _things(self, player: str, likely: Sequence[str]) -> int:
        """How many things ``player`` asks of the one likely action, each named by words of
        its own and joined by "and" or a comma: "a snowboard, and the black helmet to go
        with it" is two (one call was made); "the red or the black helmet" is one."""
        action = self.space.get(likely[0]) if len(likely) == 1 else None
        if action is None or not both(player):
            return 1
        # What each of its lists holds: "Two burn packs and a trauma kit" are two of one
        # parameter's choices; "the dinghy for two hours" fills two parameters, one call.
        lists = [
            set(self.space.values(p) or ()) if isinstance(p, SceneParam) else set(p.values)
            for p in action.parameters.values()
            if isinstance(p, SceneParam | ChoiceParam)
        ]
        names = self._entries() + sorted({v for values in lists for v in values})
        told = apart(player, list(dict.fromkeys(names)))
        # A thing told by a scene entry holding a value's words is that value: "two burn
        # packs and a trauma kit" tells the entries "burn kit" and "trauma kit", the
        # values "burn" and "trauma".
        return max([1, *(len({v for e in told for v in _as_value(e, values)}) for values in lists)])

    def _lists(self, name: str, names: Sequence[str]) -> bool:
        """Whether action ``name`` has a parameter whose own list of values holds one of
        ``names`` (not one that takes any entry of the scene)."""
        action = self.space.get(name)
        return action is not None and any(
            isinstance(p, SceneParam | ChoiceParam) and p.values and set(p.values) & set(names)
            for p in action.parameters.values()
        )

    def _calls_over(self, name: str) -> bool:
        """Whether action ``name`` brings someone over, by its name or description."""
        action = self.space.get(name)
        return action is not None and bool(_CALLS_OVER.search(_spoken(action)))

    @staticmethod
    def _says_words(action: Action) -> bool:
        """Whether ``action`` passes words on: a text to say, over a radio or a tannoy."""
        return any(isinstance(p, StringParam) for p in action.parameters.values()) and bool(
            _SAYS_WORDS.search(_spoken(action))
        )

    def _hands_over(self, name: str) -> bool:
        """Whether action ``name`` hands something over, by its name or description."""
        action = self.space.get(name)
        return action is not None and bool(_HANDS_OVER.search(_spoken(action)))

    def _on_scene(self, name: str) -> bool:
        """Whether action ``name`` takes a scene entry (an object, place or person)."""
        return self._takes(name, SceneParam)

    def _apart(self, player: str, told: Sequence[str], names: Sequence[str]) -> bool:
        """Whether each of the ``told`` actions is spoken of by a word of ``player`` that
        no other one's description holds ("lane" tells assign_lane from set_bumpers not)."""
        words = [
            telling(player, a.description, names) for a in self.space.actions if a.name in told
        ]
        return all(w - set().union(*(o for o in words if o is not w)) for w in words)
