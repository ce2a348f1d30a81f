"""Score a finished run against the scenario's rubric: rules first, then the judge.

Rules (regex, emotion, action, turn counts) are pure functions of the record; the judge is
asked only for ``judge`` items, one short question each. Every verdict carries its reason
and the lines that decided it, so a report can show why an item passed or failed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from npc.simulate.judge import Judge, judge_item
from npc.simulate.records import ActionTaken, Evidence, ItemScore, RunRecord, Utterance, matches
from npc.simulate.scenario import (
    ActionCheck,
    Check,
    EmotionCheck,
    JudgeCheck,
    RegexCheck,
    RubricItem,
    TurnsCheck,
)

Verdict = tuple[bool, str, tuple[Evidence, ...]]  # passed, why, the lines that decided it


def score_run(
    record: RunRecord, rubric: Sequence[RubricItem], judge: Judge | None
) -> list[ItemScore]:
    """Every rubric item's result; judge items are unscored (None) without a judge."""
    out = []
    for item in rubric:
        check = item.check
        if isinstance(check, JudgeCheck):
            if judge is None:
                out.append(ItemScore(item.id, item.text, check.type, None, "no judge in this run"))
                continue
            verdict = judge_item(
                judge,
                record.utterances,
                check.question or item.text,
                unless=check.unless,
                speaker=check.speaker,
            )
            out.append(
                ItemScore(
                    item.id, item.text, check.type, verdict.passed, verdict.reason, verdict.evidence
                )
            )
        else:
            passed, reason, evidence = check_rule(check, record)
            out.append(ItemScore(item.id, item.text, check.type, passed, reason, evidence))
    return out


def check_rule(check: Check, record: RunRecord) -> Verdict:
    """A rule's verdict, why, and the lines that decided it."""
    if isinstance(check, RegexCheck):
        return _regex(check, record.utterances)
    if isinstance(check, EmotionCheck):
        return _emotion(check, record.utterances)
    if isinstance(check, ActionCheck):
        return _action(check, record.utterances)
    if isinstance(check, TurnsCheck):
        return _turns(check, record)
    raise TypeError(f"{check.type} is not a rule")


def _said(u: Utterance, quote: str | None = None) -> tuple[Evidence, ...]:
    return (Evidence(u.turn, u.speaker, u.text if quote is None else quote),)


def _lines(utterances: Sequence[Utterance], speaker: str, within: int | None) -> list[Utterance]:
    return [u for u in utterances if u.speaker == speaker and (within is None or u.turn <= within)]


def _window(within: int | None) -> str:
    return f" by turn {within}" if within is not None else ""


def _regex(check: RegexCheck, utterances: Sequence[Utterance]) -> Verdict:
    lines = _lines(utterances, check.speaker, check.within_turns)
    if check.must_not is not None:
        bad = re.compile(check.must_not, re.IGNORECASE)
        for u in lines:
            match = bad.search(u.text)
            if match:
                why = f"turn {u.turn}: {match.group(0)!r} matches /{check.must_not}/"
                return False, why, _said(u)
    if check.must is not None:
        good = re.compile(check.must, re.IGNORECASE)
        for u in lines:
            match = good.search(u.text)
            if match:
                return True, f"turn {u.turn}: {match.group(0)!r} matches /{check.must}/", _said(u)
        return False, f"no line of {check.speaker}{_window(check.within_turns)} matches", ()
    return True, f"no line of {check.speaker} matches /{check.must_not}/", ()


def _emotion(check: EmotionCheck, utterances: Sequence[Utterance]) -> Verdict:
    every = _lines(utterances, check.speaker, None)
    lines = _lines(utterances, check.speaker, check.within_turns)
    reasons = []
    evidence: tuple[Evidence, ...] = ()
    if check.never is not None:
        hit = next((u for u in every if u.emotion in check.never), None)
        if hit is not None:
            return False, f"turn {hit.turn}: {check.speaker} was {hit.emotion}", _said(hit)
        reasons.append(f"never {'/'.join(check.never)}")
    if check.reaches is not None:
        hit = next((u for u in lines if u.emotion in check.reaches), None)
        if hit is None:
            shown = ", ".join(u.emotion for u in lines) or "no lines"
            return False, f"{check.speaker}{_window(check.within_turns)} showed only: {shown}", ()
        reasons.append(f"turn {hit.turn}: {hit.emotion}")
        evidence += _said(hit)
    if check.ends_in is not None:
        last = every[-1] if every else None
        shown = last.emotion if last is not None else "(no lines)"
        if last is None or last.emotion not in check.ends_in:
            return False, f"{check.speaker} ended {shown}", _said(last) if last else ()
        reasons.append(f"ended {shown}")
        evidence += _said(last)
    return True, "; ".join(reasons), evidence


def _action(check: ActionCheck, utterances: Sequence[Utterance]) -> Verdict:
    lines = _lines(utterances, check.speaker, check.within_turns)
    refs = check.refs()
    names = " or ".join(r.action for r in refs)
    window = _window(check.within_turns)
    for u in lines:
        done = [a for a in u.actions if any(matches(a, r.action, r.args) for r in refs)]
        if done:
            said = _said(u)
            if check.taken:
                return True, f"turn {u.turn}: {_call(done[0])}", said
            return False, f"turn {u.turn}: {check.speaker} did {_call(done[0])}", said
    if check.taken:
        return False, f"{check.speaker} never did {names}{window}", ()
    return True, f"{check.speaker} never did {names}{window}", ()


def _call(action: ActionTaken) -> str:
    return f"{action.name}({', '.join(f'{k}={v}' for k, v in action.args.items())})"


def _turns(check: TurnsCheck, record: RunRecord) -> Verdict:
    turns = record.turns
    last = _said(record.utterances[-1]) if record.utterances else ()
    if check.max is not None and turns > check.max:
        return False, f"{turns} turns, more than {check.max}", ()
    if check.min is not None and turns < check.min:
        return False, f"{turns} turns, fewer than {check.min}", ()
    if check.goal_within is not None:
        if not record.goal_reached:
            return False, f"the goal was not reached ({record.stopped_by})", ()
        if record.stop_turn > check.goal_within:
            return (
                False,
                f"goal reached at turn {record.stop_turn}, after {check.goal_within}",
                last,
            )
        return True, f"goal reached at turn {record.stop_turn} ({record.stopped_by})", last
    return True, f"{turns} turns", ()
