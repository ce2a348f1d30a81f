"""Hints for a turn's prompt and grammar, from the player's words: the scene entries they
named, the likely actions (best first, "none" among them when the line may ask for none),
whether the line must act, and how many calls it asks for.

Pure: the same line, scene, actions and exchange before give the same hints, so every rule
here is tested with tables of lines (tests/mind/test_hints.py and the routing tables of
tests/mind/test_mind.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from npc.actions.intent import (
    NO_ACTION,
    IntentHints,
    SheetVerbs,
    again,
    asks_about,
    asks_for_code,
    both,
    leads,
    points_back,
    refers,
    requests,
    settles,
    summons,
)
from npc.actions.space import ActionSpace, Scene
from npc.character.prompt import (
    KINDS,
    apart,
    describes,
    mentions,
    names_action,
    orders,
    picked,
    telling,
)
from npc.character.sheet import ChoiceParam, SceneParam


@dataclass(frozen=True)
class Hints:
    """Pointers for the model in a turn's prompt, from the player's words."""

    named: tuple[tuple[str, str], ...] = ()  # (scene entry, its kind)
    likely: tuple[str, ...] = ()  # likely actions, best first
    verbs: SheetVerbs | None = None  # the sheet's own request verbs
    asked: bool = False  # the line asks for something by what came before ("And a pen.")
    least: int = 1  # calls a line that must act asks for ("a snowboard and the black helmet")

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
        ("could you...", "give me...") and every likely action is one (no "none")."""
        if not self.likely or NO_ACTION in self.likely:
            return False
        return self.asked or requests(player, self.verbs)


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

    def named(self, player: str) -> list[str]:
        """Scene entries and choice values the player named, picked together: "a piece of
        that lardy cake" names the scene's lardy cake, not the "carrot cake" of a choice."""
        names = [name for _, field in KINDS for name in getattr(self.scene, field)]
        for action in self.space.actions:
            for param in action.parameters.values():
                if isinstance(param, ChoiceParam):
                    names += [v for v in param.values if v not in names]
        return picked(player, names)

    def find(self, player: str, last: Earlier | None = None) -> Hints:
        """The hints for ``player``'s line; ``last`` is the exchange before it, if any."""
        named = tuple(mentions(player, self.scene))
        if self.intents is None or not player.strip():
            return Hints(named)
        names = self.named(player)
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
        if asks_for_code(player, self.action_words):
            # "Write me a Python script that counts lift tickets.": no action (walk_to(lift
            # gate) was taken, the lift gate named).
            return Hints(named, (NO_ACTION,), self.intents.verbs)
        if self.intents.pays and settles(player):
            # "What do I owe you?" at a till: the action that takes the money, though the
            # line is put as a question (the baker answered with the price and took none).
            return Hints(named, self.intents.pays[:1], self.intents.verbs, asked=True)
        boost = self.space.fitting(names)
        if done:
            boost = [a for a in done if a in boost] or boost or done
        places = self.space.fitting(self.scene.entries("location"))
        going = leads(player)
        if going and not any(kind == "place" for _, kind in named):
            # "Show me where you keep the saddles.": the actions that take a place, though the
            # line names none (the place is for the model to pick).
            boost += [a for a in places if a not in boost]
        people: list[str] = []
        if summons(player) and not any(kind == "person" for _, kind in named):
            # "Get your mechanic over here, my radio's busted.": the actions that take a
            # person, though the line names none (the mechanic is for the model to find).
            people = self.space.fitting(self.scene.entries("character"))
            boost += [a for a in people if a not in boost]
        # "Two croissants, cheers.": a thing an action takes, asked for without a verb.
        asked = asked or (bool(boost) and orders(player, names))
        boost += [
            a.name
            for a in self.space.actions
            if a.name not in boost and names_action(player, a.name, names)
        ]
        if len(boost) > 1 and (going or people):
            # "..., let's head over to the bench for boots.": to the boot bench, not fit_boots;
            # "get your mechanic over here, my radio's busted": whistle_for, not tune_radio.
            boost = [a for a in boost if a in (places if going else people)] or boost
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
        if (
            likely
            and not boost
            and NO_ACTION not in likely
            and all(map(self._on_scene, likely))
            and not refers(player)
        ):
            # "Could you lend me your car?": every action offered acts on something of the
            # scene, and the line names nothing any of them takes, not even by "it" or
            # "him"; it may ask for what is not there, so it is not forced (call_over(player)
            # was taken).
            likely += (NO_ACTION,)
        return Hints(named, likely, self.intents.verbs, asked, self._things(player, likely))

    def _things(self, player: str, likely: Sequence[str]) -> int:
        """How many things ``player`` asks of the one likely action, each named by words of
        its own and joined by "and" or a comma: "a snowboard, and the black helmet to go
        with it" is two (one call was made); "the red or the black helmet" is one."""
        action = self.space.get(likely[0]) if len(likely) == 1 else None
        if action is None or not both(player):
            return 1
        takes = {
            v
            for p in action.parameters.values()
            if isinstance(p, SceneParam)
            for v in self.space.values(p) or ()
        }
        entries = [name for _, field in KINDS for name in getattr(self.scene, field)]
        return max(1, len([e for e in apart(player, entries) if e in takes]))

    def _on_scene(self, name: str) -> bool:
        """Whether action ``name`` takes a scene entry (an object, place or person)."""
        action = self.space.get(name)
        return action is not None and any(
            isinstance(p, SceneParam) for p in action.parameters.values()
        )

    def _apart(self, player: str, told: Sequence[str], names: Sequence[str]) -> bool:
        """Whether each of the ``told`` actions is spoken of by a word of ``player`` that
        no other one's description holds ("lane" tells assign_lane from set_bumpers not)."""
        words = [
            telling(player, a.description, names) for a in self.space.actions if a.name in told
        ]
        return all(w - set().union(*(o for o in words if o is not w)) for w in words)
