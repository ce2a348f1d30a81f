"""One conversation of a scenario: the cast for a run, then turns until a stop condition.

Each participant gets its sheet with the scenario folded in (the setting, its goals and its
variation), so everything that stays the same for the whole run sits in the stable system
prompt, which the model caches on disk and loads rather than evaluates.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from typing import Any

from npc.actions.intent import IntentHints
from npc.actions.reply import SAY_FIRST
from npc.actions.space import Scene
from npc.character.loader import LoadedSheet
from npc.config import LLMSettings
from npc.mind.mind import Mind, Recall
from npc.providers.base import LanguageModel
from npc.simulate.farewell import FAREWELL, closed
from npc.simulate.framing import FramedModel
from npc.simulate.guard import Person, Said, line_flaws
from npc.simulate.judge import Judge, judge_item
from npc.simulate.loading import LoadedScenario
from npc.simulate.records import GoalCheck, RunPlan, RunRecord, Utterance, matches
from npc.simulate.scenario import ActionStop, GoalStop, PhraseStop, StopCondition, Variation
from npc.simulate.seeding import SeededModel
from npc.simulate.sides import Line, Side, SimulatedSide

OnUtterance = Callable[[Utterance], None]


def cast_sheet(loaded: LoadedScenario, participant: str, variation: str | None) -> LoadedSheet:
    """The participant's sheet with the scenario's setting, goals and variation added."""
    scenario = loaded.scenario
    base = loaded.sheets[participant]
    sheet = base.sheet
    var = _variation(loaded, participant, variation)
    goals = [*sheet.goals, *scenario.goals.get(participant, [])]
    personality = list(sheet.personality)
    update: dict[str, Any] = {}
    if var is not None:
        goals += var.goals
        personality += var.personality
        if var.speaking_style is not None:
            update["speaking_style"] = var.speaking_style
        if var.example_lines is not None:
            update["example_lines"] = list(var.example_lines)
        if var.emotion is not None:
            update["emotions"] = sheet.emotions.model_copy(update={"default": var.emotion})
    partner = scenario.partner(participant)
    situation = (
        f"Now: {scenario.setting.description.strip()} You are the {participant}; you are "
        f"talking with {loaded.name(partner)}, the {partner}."
    )
    backstory = f"{sheet.backstory.strip()}\n{situation}".strip()
    update |= {"goals": goals, "personality": personality, "backstory": backstory}
    return LoadedSheet(sheet.model_copy(update=update), base.path)


def _variation(loaded: LoadedScenario, participant: str, variation: str | None) -> Variation | None:
    """The variation of this run, when it changes this participant."""
    var = loaded.scenario.variations.get(variation) if variation else None
    return var if var is not None and var.participant == participant else None


def opening_line(loaded: LoadedScenario, variation: str | None) -> str | None:
    """The scripted opening of a run: the variation's, else the scenario's (None: the
    opener speaks in its own words)."""
    opening = loaded.scenario.opening
    var = _variation(loaded, opening.by, variation)
    if var is not None and var.opening is not None:
        return var.opening
    return opening.line


def cast_of(loaded: LoadedScenario) -> dict[str, Person]:
    """Each participant's role and character name, as the guard knows them."""
    return {
        role: Person(role, loaded.name(role), helps=part.helps)
        for role, part in loaded.scenario.participants.items()
    }


def reminder(loaded: LoadedScenario, participant: str, variation: str | None) -> str:
    """The note that goes with each of the participant's turns."""
    me = loaded.name(participant)
    partner = loaded.scenario.partner(participant)
    other = loaded.name(partner).split()[0]
    text = f"Stay {me}, the {participant}; answer {other}'s last line in new words"
    var = _variation(loaded, participant, variation)
    if var is not None and var.personality:
        text += f"; you are {', '.join(var.personality)}"
    if var is not None and var.speaking_style:
        # The variation's manner fades first over a long dialogue: "Oh, thank you. I mean
        # it!" from the belligerent patient after one line of the nurse.
        text += f". How you speak: {var.speaking_style.rstrip('.')}"
    return text + "."


def start_events(loaded: LoadedScenario, participant: str, variation: str | None) -> list[str]:
    """Game events the participant knows of when the conversation starts."""
    events = list(loaded.scenario.participants[participant].events)
    var = _variation(loaded, participant, variation)
    if var is not None:
        events += var.events
    return events


def simulated_side(
    loaded: LoadedScenario,
    participant: str,
    plan: RunPlan,
    llm: LanguageModel,
    settings: LLMSettings,
    *,
    recall: Recall | None = None,
    intents: IntentHints | None = None,
    retries: int = 2,
) -> SimulatedSide:
    """A participant played by its Mind, seeded for this run, with its own cache slot.

    ``recall`` and ``intents`` are the same helpers a live session's mind gets; ``retries``
    is how often a flawed line is asked for again (``SimulatedSide``).
    """
    scenario = loaded.scenario
    sheet = cast_sheet(loaded, participant, plan.variation)
    settings = settings.model_copy(update={"temperature": scenario.temperature})
    partner = scenario.partner(participant)
    framed = FramedModel(
        llm,
        me=loaded.name(participant),
        my_role=participant,
        other=loaded.name(partner),
        role=partner,
    )
    mind = Mind(
        sheet,
        SeededModel(framed, plan.seed * 10 + list(scenario.participants).index(participant)),
        settings,
        cache_key=f"sim:{plan.run_id}:{participant}",
        partner=loaded.name(partner),
        recall=recall,
        intents=intents,
        order=SAY_FIRST,  # no audio to start early: the layout its runs were measured with
        # No voice waits on a first phrase, so the guard reads each line whole: a stop after
        # the first words were let out left lines like "I need" and "I apologize,".
        whole_replies=True,
    )
    setting = scenario.setting
    if setting.objects is not None or setting.locations is not None:
        own = sheet.sheet.scene
        mind.set_scene(
            Scene(
                tuple(setting.objects if setting.objects is not None else own.objects),
                tuple(setting.locations if setting.locations is not None else own.locations),
                tuple(own.characters),
            )
        )
    for event in start_events(loaded, participant, plan.variation):
        mind.add_event(event)
    return SimulatedSide(
        mind,
        role=participant,
        cast=cast_of(loaded),
        retries=retries,
        reminder=reminder(loaded, participant, plan.variation),
    )


class Conversation:
    """Runs one plan between two sides, stopping at the first stop condition that holds."""

    def __init__(
        self,
        loaded: LoadedScenario,
        plan: RunPlan,
        sides: dict[str, Side],
        judge: Judge | None,
        on_utterance: OnUtterance | None = None,
    ) -> None:
        self.loaded = loaded
        self.scenario = loaded.scenario
        self.plan = plan
        self.sides = sides
        self.judge = judge
        self.on_utterance = on_utterance or (lambda _: None)

    async def run(self) -> RunRecord:
        record = RunRecord(self.plan)
        opener = self.scenario.opening.by
        order = [opener, self.scenario.partner(opener)]
        cast = cast_of(self.loaded)
        heard: str | None = None
        said: list[Said] = []
        for turn in range(1, self.plan.max_turns + 1):
            who = order[(turn - 1) % 2]
            script = opening_line(self.loaded, self.plan.variation) if turn == 1 else None
            line = await self.sides[who].speak(turn, heard, script, said)
            if line.ended:
                record.stopped_by, record.stop_turn = f"{who}_left", turn - 1
                return record
            flaws = line_flaws(line.text, turn, who, said, cast)
            utterance = self._utterance(turn, who, line, tuple(f.describe() for f in flaws))
            record.utterances.append(utterance)
            said.append(Said(turn, who, line.text))
            self.on_utterance(utterance)
            self._tell_partner(who, line)
            stop = await self._stop(turn, utterance, record)
            if stop is None and closed(said):
                # Both said goodbye: whether the goal was reached is asked once more, now.
                stop = await self._stop(turn, utterance, record, final=True)
                if stop is None:
                    record.stopped_by, record.stop_turn = FAREWELL, turn
                    return record
            if stop is not None:
                record.stopped_by = stop.id or stop.type
                record.stop_turn, record.goal_reached = turn, stop.success
                return record
            heard = line.text
        record.stop_turn = record.turns
        return record

    def _utterance(self, turn: int, who: str, line: Line, flaws: tuple[str, ...]) -> Utterance:
        return Utterance(
            self.plan.run_id,
            turn,
            who,
            self.sides[who].name,
            line.text,
            line.emotion,
            line.intensity,
            line.actions,
            line.timings,
            line.source,
            line.errors,
            flaws,
            line.rejected,
        )

    def _tell_partner(self, who: str, line: Line) -> None:
        partner = self.sides[self.scenario.partner(who)]
        for action in line.actions:
            args = ", ".join(f"{k}={v}" for k, v in action.args.items())
            partner.observe(f"{self.sides[who].name} does {action.name}({args})")

    async def _stop(
        self, turn: int, utterance: Utterance, record: RunRecord, final: bool = False
    ) -> StopCondition | None:
        """The stop condition that holds after ``utterance``, if one does; ``final``: the
        conversation is over, so each goal stop is asked now (and only they are)."""
        for stop in self.scenario.stop:
            if isinstance(stop, GoalStop):
                name = stop.id or stop.type
                due = turn >= stop.after_turn and (turn - stop.after_turn) % stop.every == 0
                if final:  # unless it was asked at this very turn already
                    due = not any(c.stop == name and c.turn == turn for c in record.goal_checks)
                if self.judge is None or not due:
                    continue
                # The judge and the minds share one model: ask between turns, off the loop.
                verdict = await asyncio.to_thread(
                    judge_item,
                    self.judge,
                    record.utterances,
                    stop.goal,
                    unless=stop.unless,
                    speaker=stop.speaker,
                )
                record.goal_checks.append(
                    GoalCheck(name, turn, verdict.passed, verdict.reason, verdict.evidence)
                )
                if verdict.passed is True:
                    return stop
            elif not final and rule_stop_holds(stop, utterance):
                return stop
        return None


def rule_stop_holds(stop: PhraseStop | ActionStop, u: Utterance) -> bool:
    """Whether a phrase or action stop condition holds for the line ``u``."""
    if stop.speaker is not None and stop.speaker != u.speaker:
        return False
    if isinstance(stop, PhraseStop):
        return re.search(stop.pattern, u.text, re.IGNORECASE) is not None
    return any(matches(a, stop.action, stop.args) for a in u.actions)
