"""One conversation of a scenario: the cast for a run, then turns until a stop condition.

Each participant gets its sheet with the scenario folded in (the setting, its goals and its
variation), so everything that stays the same for the whole run sits in the stable system
prompt, which the model caches on disk and loads rather than evaluates.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from npc.actions.intent import IntentHints
from npc.actions.space import Scene
from npc.character.loader import LoadedSheet
from npc.config import LLMSettings
from npc.mind.mind import Mind, Recall
from npc.providers.base import LanguageModel
from npc.simulate.judge import Judge
from npc.simulate.loading import LoadedScenario
from npc.simulate.records import RunPlan, RunRecord, Utterance, matches
from npc.simulate.scenario import ActionStop, GoalStop, PhraseStop, StopCondition
from npc.simulate.seeding import SeededModel
from npc.simulate.sides import Line, Side, SimulatedSide

OnUtterance = Callable[[Utterance], None]


def cast_sheet(loaded: LoadedScenario, participant: str, variation: str | None) -> LoadedSheet:
    """The participant's sheet with the scenario's setting, goals and variation added."""
    scenario = loaded.scenario
    base = loaded.sheets[participant]
    sheet = base.sheet
    var = scenario.variations.get(variation) if variation else None
    mine = var is not None and var.participant == participant
    goals = [*sheet.goals, *scenario.goals.get(participant, [])]
    personality = list(sheet.personality)
    if var is not None and mine:
        goals += var.goals
        personality += var.personality
    partner = loaded.name(scenario.partner(participant))
    situation = f"Now: {scenario.setting.description.strip()} You are talking with {partner}."
    backstory = f"{sheet.backstory.strip()}\n{situation}".strip()
    update: dict[str, Any] = {"goals": goals, "personality": personality, "backstory": backstory}
    return LoadedSheet(sheet.model_copy(update=update), base.path)


def start_events(loaded: LoadedScenario, participant: str, variation: str | None) -> list[str]:
    """Game events the participant knows of when the conversation starts."""
    events = list(loaded.scenario.participants[participant].events)
    var = loaded.scenario.variations.get(variation) if variation else None
    if var is not None and var.participant == participant:
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
) -> SimulatedSide:
    """A participant played by its Mind, seeded for this run, with its own cache slot.

    ``recall`` and ``intents`` are the same helpers a live session's mind gets.
    """
    scenario = loaded.scenario
    sheet = cast_sheet(loaded, participant, plan.variation)
    if scenario.temperature is not None:
        settings = settings.model_copy(update={"temperature": scenario.temperature})
    mind = Mind(
        sheet,
        SeededModel(llm, plan.seed * 10 + list(scenario.participants).index(participant)),
        settings,
        cache_key=f"sim:{plan.run_id}:{participant}",
        partner=loaded.name(scenario.partner(participant)),
        recall=recall,
        intents=intents,
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
    return SimulatedSide(mind)


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
        heard: str | None = None
        for turn in range(1, self.plan.max_turns + 1):
            who = order[(turn - 1) % 2]
            script = self.scenario.opening.line if turn == 1 else None
            line = await self.sides[who].speak(turn, heard, script)
            if line.ended:
                record.stopped_by, record.stop_turn = f"{who}_left", turn - 1
                return record
            utterance = self._utterance(turn, who, line)
            record.utterances.append(utterance)
            self.on_utterance(utterance)
            self._tell_partner(who, line)
            stop = self._stop(turn, utterance, record)
            if stop is not None:
                record.stopped_by = stop.id or stop.type
                record.stop_turn, record.goal_reached = turn, stop.success
                return record
            heard = line.text
        record.stop_turn = record.turns
        return record

    def _utterance(self, turn: int, who: str, line: Line) -> Utterance:
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
        )

    def _tell_partner(self, who: str, line: Line) -> None:
        partner = self.sides[self.scenario.partner(who)]
        for action in line.actions:
            args = ", ".join(f"{k}={v}" for k, v in action.args.items())
            partner.observe(f"{self.sides[who].name} does {action.name}({args})")

    def _stop(self, turn: int, utterance: Utterance, record: RunRecord) -> StopCondition | None:
        for stop in self.scenario.stop:
            if _holds(stop, turn, utterance, record, self.judge):
                return stop
        return None


def _holds(
    stop: StopCondition, turn: int, u: Utterance, record: RunRecord, judge: Judge | None
) -> bool:
    if isinstance(stop, PhraseStop):
        mine = stop.speaker is None or stop.speaker == u.speaker
        return mine and re.search(stop.pattern, u.text, re.IGNORECASE) is not None
    if isinstance(stop, ActionStop):
        mine = stop.speaker is None or stop.speaker == u.speaker
        return mine and any(matches(a, stop.action, stop.args) for a in u.actions)
    assert isinstance(stop, GoalStop)
    due = turn >= stop.after_turn and (turn - stop.after_turn) % stop.every == 0
    if judge is None or not due:
        return False
    return judge.ask(record.utterances, stop.goal).passed is True
