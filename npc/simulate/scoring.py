"""Score a finished run against the scenario's rubric: rules first, then the LLM judge.

Rules (regex, emotion, action, turn counts) are pure functions of the record; the judge is
asked only for ``judge`` items, one short question each.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from npc.simulate.judge import Judge
from npc.simulate.records import ItemScore, RunRecord, Utterance, matches
from npc.simulate.scenario import (
    ActionCheck,
    Check,
    EmotionCheck,
    JudgeCheck,
    RegexCheck,
    RubricItem,
    TurnsCheck,
)


def score_run(
    record: RunRecord, rubric: Sequence[RubricItem], judge: Judge | None
) -> list[ItemScore]:
    """Every rubric item's result; judge items are unscored (None) without a judge."""
    out = []
    for item in rubric:
        check = item.check
        if isinstance(check, JudgeCheck):
            if judge is None:
                passed, reason = None, "no judge in this run"
            else:
                verdict = judge.ask(record.utterances, check.question or item.text)
                passed, reason = verdict.passed, verdict.reason
        else:
            passed, reason = check_rule(check, record)
        out.append(ItemScore(item.id, item.text, check.type, passed, reason))
    return out


def check_rule(check: Check, record: RunRecord) -> tuple[bool, str]:
    """A rule's verdict and why."""
    if isinstance(check, RegexCheck):
        return _regex(check, record.utterances)
    if isinstance(check, EmotionCheck):
        return _emotion(check, record.utterances)
    if isinstance(check, ActionCheck):
        return _action(check, record.utterances)
    if isinstance(check, TurnsCheck):
        return _turns(check, record)
    raise TypeError(f"{check.type} is not a rule")


def _lines(utterances: Sequence[Utterance], speaker: str, within: int | None) -> list[Utterance]:
    return [u for u in utterances if u.speaker == speaker and (within is None or u.turn <= within)]


def _window(within: int | None) -> str:
    return f" by turn {within}" if within is not None else ""


def _regex(check: RegexCheck, utterances: Sequence[Utterance]) -> tuple[bool, str]:
    lines = _lines(utterances, check.speaker, check.within_turns)
    if check.must_not is not None:
        bad = re.compile(check.must_not, re.IGNORECASE)
        for u in lines:
            match = bad.search(u.text)
            if match:
                return False, f"turn {u.turn}: {match.group(0)!r} matches /{check.must_not}/"
    if check.must is not None:
        good = re.compile(check.must, re.IGNORECASE)
        for u in lines:
            match = good.search(u.text)
            if match:
                return True, f"turn {u.turn}: {match.group(0)!r} matches /{check.must}/"
        return False, f"no line of {check.speaker}{_window(check.within_turns)} matches"
    return True, f"no line of {check.speaker} matches /{check.must_not}/"


def _emotion(check: EmotionCheck, utterances: Sequence[Utterance]) -> tuple[bool, str]:
    every = _lines(utterances, check.speaker, None)
    lines = _lines(utterances, check.speaker, check.within_turns)
    reasons = []
    if check.never is not None:
        hit = next((u for u in every if u.emotion in check.never), None)
        if hit is not None:
            return False, f"turn {hit.turn}: {check.speaker} was {hit.emotion}"
        reasons.append(f"never {'/'.join(check.never)}")
    if check.reaches is not None:
        hit = next((u for u in lines if u.emotion in check.reaches), None)
        if hit is None:
            shown = ", ".join(u.emotion for u in lines) or "no lines"
            return False, f"{check.speaker}{_window(check.within_turns)} showed only: {shown}"
        reasons.append(f"turn {hit.turn}: {hit.emotion}")
    if check.ends_in is not None:
        last = every[-1].emotion if every else "(no lines)"
        if last not in check.ends_in:
            return False, f"{check.speaker} ended {last}"
        reasons.append(f"ended {last}")
    return True, "; ".join(reasons)


def _action(check: ActionCheck, utterances: Sequence[Utterance]) -> tuple[bool, str]:
    lines = _lines(utterances, check.speaker, check.within_turns)
    hit = next(
        (u for u in lines if any(matches(a, check.action, check.args) for a in u.actions)), None
    )
    window = _window(check.within_turns)
    if check.taken:
        if hit is None:
            return False, f"{check.speaker} never did {check.action}{window}"
        return True, f"turn {hit.turn}: {check.action}"
    if hit is not None:
        return False, f"turn {hit.turn}: {check.speaker} did {check.action}"
    return True, f"{check.speaker} never did {check.action}{window}"


def _turns(check: TurnsCheck, record: RunRecord) -> tuple[bool, str]:
    turns = record.turns
    if check.max is not None and turns > check.max:
        return False, f"{turns} turns, more than {check.max}"
    if check.min is not None and turns < check.min:
        return False, f"{turns} turns, fewer than {check.min}"
    if check.goal_within is not None:
        if not record.goal_reached:
            return False, f"the goal was not reached ({record.stopped_by})"
        if record.stop_turn > check.goal_within:
            return False, f"goal reached at turn {record.stop_turn}, after {check.goal_within}"
        return True, f"goal reached at turn {record.stop_turn} ({record.stopped_by})"
    return True, f"{turns} turns"
