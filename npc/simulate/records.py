"""What a run produces: plain records, and their JSON form (one transcript line per utterance)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class RunPlan:
    """One conversation to run: its id, sampling seed and variation (None: the base scenario)."""

    run_id: str
    index: int
    seed: int
    variation: str | None
    max_turns: int


@dataclass(frozen=True, slots=True)
class ActionTaken:
    name: str
    args: dict[str, Any] = field(default_factory=dict)


def matches(action: ActionTaken, name: str, args: dict[str, Any]) -> bool:
    """Whether ``action`` is a call of ``name`` with (at least) the arguments ``args``."""
    return action.name == name and all(action.args.get(k) == v for k, v in args.items())


@dataclass(frozen=True, slots=True)
class Rejected:
    """A line a side said first and took back, and why (an echo, an inversion, a repeat)."""

    text: str
    flaws: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Utterance:
    """One line of the conversation; ``source`` is model, script (the opening line) or human."""

    run_id: str
    turn: int
    speaker: str  # the participant's role in the scenario, e.g. "nurse"
    name: str  # the character's name, e.g. "Sam Okafor"
    text: str
    emotion: str
    intensity: float
    actions: tuple[ActionTaken, ...] = ()
    timings: dict[str, float] = field(default_factory=dict)
    source: str = "model"
    errors: tuple[str, ...] = ()
    flaws: tuple[str, ...] = ()  # what is still wrong with the line (``npc.simulate.guard``)
    rejected: tuple[Rejected, ...] = ()  # lines taken back before this one

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Utterance:
        actions = tuple(ActionTaken(a["name"], dict(a.get("args", {}))) for a in data["actions"])
        rejected = tuple(Rejected(r["text"], tuple(r["flaws"])) for r in data.get("rejected", ()))
        return cls(
            **{
                **data,
                "actions": actions,
                "errors": tuple(data.get("errors", ())),
                "flaws": tuple(data.get("flaws", ())),
                "rejected": rejected,
            },
        )


@dataclass(frozen=True, slots=True)
class Evidence:
    """The line that decided a verdict: its turn, who said it, and the words that count."""

    turn: int
    speaker: str
    quote: str

    def describe(self) -> str:
        return f'turn {self.turn} ({self.speaker}): "{self.quote}"'


@dataclass(frozen=True, slots=True)
class ItemScore:
    """One rubric item's result for one run; ``passed`` None when it could not be judged."""

    id: str
    text: str
    kind: str  # the check's type: regex, emotion, action, turns or judge
    passed: bool | None
    reason: str
    evidence: tuple[Evidence, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ItemScore:
        evidence = tuple(Evidence(**e) for e in data.get("evidence", ()))
        return cls(**{**data, "evidence": evidence})


@dataclass(frozen=True, slots=True)
class GoalCheck:
    """One time a ``goal`` stop condition was asked, and the judge's verdict then."""

    stop: str
    turn: int
    passed: bool | None
    reason: str
    evidence: tuple[Evidence, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> GoalCheck:
        evidence = tuple(Evidence(**e) for e in data.get("evidence", ()))
        return cls(**{**data, "evidence": evidence})


@dataclass
class RunRecord:
    """A finished conversation, its stop reason and its scores."""

    plan: RunPlan
    utterances: list[Utterance] = field(default_factory=list)
    stopped_by: str = "max_turns"
    stop_turn: int = 0
    goal_reached: bool = False
    scores: list[ItemScore] = field(default_factory=list)
    goal_checks: list[GoalCheck] = field(default_factory=list)
    duration_s: float = 0.0
    attempt: int = 1
    worker: str = ""

    @property
    def turns(self) -> int:
        return len(self.utterances)

    def to_json(self) -> dict[str, Any]:
        """The run without its transcript (``result.json``; the transcript has its own file)."""
        return {
            "run_id": self.plan.run_id,
            "plan": asdict(self.plan),
            "turns": self.turns,
            "stopped_by": self.stopped_by,
            "stop_turn": self.stop_turn,
            "goal_reached": self.goal_reached,
            "scores": [s.to_json() for s in self.scores],
            "goal_checks": [g.to_json() for g in self.goal_checks],
            "duration_s": round(self.duration_s, 3),
            "attempt": self.attempt,
            "worker": self.worker,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any], utterances: list[Utterance]) -> RunRecord:
        return cls(
            plan=RunPlan(**data["plan"]),
            utterances=utterances,
            stopped_by=data["stopped_by"],
            stop_turn=data["stop_turn"],
            goal_reached=data["goal_reached"],
            scores=[ItemScore.from_json(s) for s in data["scores"]],
            goal_checks=[GoalCheck.from_json(g) for g in data.get("goal_checks", [])],
            duration_s=data["duration_s"],
            attempt=data["attempt"],
            worker=data["worker"],
        )


def transcript_jsonl(utterances: list[Utterance]) -> str:
    """The transcript as JSON Lines, one utterance per line."""
    return "".join(json.dumps(u.to_json(), ensure_ascii=False) + "\n" for u in utterances)


def parse_transcript(text: str) -> list[Utterance]:
    return [Utterance.from_json(json.loads(line)) for line in text.splitlines() if line.strip()]
