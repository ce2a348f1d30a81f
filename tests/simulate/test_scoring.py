"""Rubric rules over hand-made transcripts (no model), and reading the judge's answers."""

from __future__ import annotations

import pytest

from npc.simulate.judge import Verdict, grammar, judge_item, parse_verdict, render_transcript
from npc.simulate.records import ActionTaken, Evidence, RunPlan, RunRecord, Utterance
from npc.simulate.scenario import ActionCheck, EmotionCheck, RegexCheck, TurnsCheck
from npc.simulate.scoring import check_rule

LINES = [
    ("patient", "Three hours! Nobody tells me anything!", "angry", ()),
    ("nurse", "I can see your ankle really hurts. Let me check it.", "concerned", ("take_vitals",)),
    ("patient", "Fine. How long now?", "angry", ()),
    ("nurse", "I can't promise a time, but you're next after the ambulance.", "calm", ()),
    ("patient", "Okay. I'll sit down.", "neutral", ("sit_down",)),
]


def record(lines: list[tuple[str, str, str, tuple[str, ...]]] = LINES, **kw: object) -> RunRecord:
    names = {"nurse": "Sam", "patient": "Dale"}
    utterances = [
        Utterance(
            "0001", i, who, names[who], text, emotion, 0.65, tuple(ActionTaken(a) for a in acts)
        )
        for i, (who, text, emotion, acts) in enumerate(lines, 1)
    ]
    rec = RunRecord(RunPlan("0001", 0, 1, None, 10), utterances, stop_turn=len(utterances))
    for key, value in kw.items():
        setattr(rec, key, value)
    return rec


@pytest.mark.parametrize(
    ("check", "passed"),
    [
        (RegexCheck(type="regex", speaker="nurse", must=r"\b(hurt|hurts|pain)\b"), True),
        (RegexCheck(type="regex", speaker="nurse", must=r"\bhurts\b", within_turns=1), False),
        (RegexCheck(type="regex", speaker="nurse", must_not=r"\d+\s*(minutes|hours)"), True),
        (RegexCheck(type="regex", speaker="patient", must_not=r"three hours"), False),
        (RegexCheck(type="regex", speaker="nurse", must="ankle", must_not="promise"), False),
    ],
)
def test_regex(check: RegexCheck, passed: bool) -> None:
    assert check_rule(check, record())[0] is passed


def test_regex_reason_points_at_the_turn_and_quotes_it() -> None:
    check = RegexCheck(type="regex", speaker="nurse", must_not=r"can't promise")
    passed, why, evidence = check_rule(check, record())
    assert (passed, why) == (False, "turn 4: \"can't promise\" matches /can't promise/")
    assert evidence == (Evidence(4, "nurse", LINES[3][1]),)


@pytest.mark.parametrize(
    ("kw", "passed"),
    [
        ({"reaches": ["neutral"]}, True),
        ({"reaches": ["neutral"], "within_turns": 4}, False),
        ({"never": ["angry"]}, False),
        ({"ends_in": ["neutral", "relieved"]}, True),
        ({"never": ["sad"], "ends_in": ["angry"]}, False),
    ],
)
def test_emotion(kw: dict[str, object], passed: bool) -> None:
    check = EmotionCheck(type="emotion", speaker="patient", **kw)  # type: ignore[arg-type]
    assert check_rule(check, record())[0] is passed


def test_action_taken_or_not() -> None:
    taken = ActionCheck(type="action", speaker="nurse", action="take_vitals", within_turns=2)
    assert check_rule(taken, record())[:2] == (True, "turn 2: take_vitals()")
    assert check_rule(taken, record())[2][0].turn == 2
    never = ActionCheck(type="action", speaker="patient", action="sit_down", taken=False)
    assert check_rule(never, record())[:2] == (False, "turn 5: patient did sit_down()")


def test_any_of_several_actions_counts() -> None:
    either = ActionCheck.model_validate(
        {
            "type": "action",
            "speaker": "patient",
            "any_of": [{"action": "move_to", "args": {"place": "exit"}}, {"action": "sit_down"}],
        }
    )
    assert check_rule(either, record())[:2] == (True, "turn 5: sit_down()")
    with pytest.raises(ValueError, match="either 'action'"):
        ActionCheck.model_validate({"type": "action", "speaker": "nurse"})


def test_turn_counts_and_turns_to_goal() -> None:
    assert check_rule(TurnsCheck(type="turns", max=5), record())[0] is True
    assert check_rule(TurnsCheck(type="turns", max=4), record())[0] is False
    assert check_rule(TurnsCheck(type="turns", min=6), record())[0] is False
    goal = TurnsCheck(type="turns", goal_within=6)
    assert check_rule(goal, record())[0] is False  # ran out of turns
    reached = record(goal_reached=True, stopped_by="sat_down")
    assert check_rule(goal, reached)[:2] == (True, "goal reached at turn 5 (sat_down)")
    assert check_rule(TurnsCheck(type="turns", goal_within=4), reached)[0] is False


def test_judge_answers_name_their_line_and_are_read_even_when_cut_off() -> None:
    lines = record().utterances
    said = parse_verdict('true, "line": 2, "reason": "The nurse says it hurts."}', lines)
    assert said.passed is True and said.evidence == (Evidence(2, "nurse", LINES[1][1]),)
    cut = parse_verdict('false, "line": 4, "reason": "The nurse never', lines)
    assert cut.passed is False and cut.reason.endswith("(cut off)")
    assert parse_verdict("maybe", lines).passed is None


def test_a_true_without_a_line_is_not_a_pass() -> None:
    verdict = parse_verdict('true, "line": 0, "reason": "It seems so."}', record().utterances)
    assert verdict.passed is False and "without one" in verdict.reason


def test_transcript_for_the_judge_shows_actions() -> None:
    text = render_transcript(record().utterances[:2], numbered=True)
    assert text.splitlines() == [
        "1. Dale (patient): Three hours! Nobody tells me anything!",
        "2. Sam (nurse): I can see your ankle really hurts. Let me check it.",
        "  [Sam does take_vitals()]",
    ]


def test_the_judge_may_only_name_lines_of_the_speaker_that_counts() -> None:
    grammar_text = grammar([2, 4])
    assert 'line ::= "0" | "2" | "4"' in grammar_text


class AnswersByClaim:
    """A judge double: true for the claims it is given, false for any other."""

    def __init__(self, true: set[str]) -> None:
        self.true = true

    def ask(self, utterances: object, statement: str, *, speaker: str | None = None) -> Verdict:
        if statement in self.true:
            return Verdict(True, f"yes: {statement}", (Evidence(2, "nurse", "x"),))
        return Verdict(False, f"no: {statement}")


def test_a_compound_item_fails_when_its_unless_holds() -> None:
    lines = record().utterances
    kind, rude = "The nurse was kind.", "The nurse was rude."
    assert judge_item(AnswersByClaim({kind}), lines, kind, unless=rude).passed is True  # type: ignore[arg-type]
    sunk = judge_item(AnswersByClaim({kind, rude}), lines, kind, unless=rude)  # type: ignore[arg-type]
    assert sunk.passed is False and sunk.reason == f"but yes: {rude}"
    assert judge_item(AnswersByClaim(set()), lines, kind, unless=rude).passed is False  # type: ignore[arg-type]
