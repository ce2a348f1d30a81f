"""How far each kind of check agrees with a careful reader, and which checks are advisory.

``bench/judge_agreement.py`` scores labelled transcripts (``bench/data/agreement/``) and
writes what it measured on the held-out part into ``agreement.json`` beside this module.
Reports read it: a check type whose held-out Cohen's kappa is under its target is marked
"advisory" wherever its verdicts are shown, so nobody takes them for an expert's.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

AGREEMENT_FILE = Path(__file__).with_name("agreement.json")

# Cohen's kappa a check type must reach on held-out transcripts (issue 24): rules are
# expected to be near exact; a judge reading meaning is allowed more disagreement.
TARGETS: dict[str, float] = {
    "regex": 0.8,
    "emotion": 0.8,
    "action": 0.8,
    "turns": 0.8,
    "roles": 0.8,
    "judge": 0.6,
    "goal": 0.6,
}

MODEL_READ = frozenset({"judge", "goal"})  # verdicts a model gives, not a rule


def cohen_kappa(pairs: Sequence[tuple[bool, bool]]) -> float | None:
    """Cohen's kappa of (check, reader) verdicts; None when chance agreement is total
    (both always gave the same single answer), where kappa is undefined."""
    n = len(pairs)
    if n == 0:
        return None
    observed = sum(1 for a, b in pairs if a == b) / n
    a_yes = sum(1 for a, _ in pairs if a) / n
    b_yes = sum(1 for _, b in pairs if b) / n
    chance = a_yes * b_yes + (1 - a_yes) * (1 - b_yes)
    if chance >= 1.0:
        return None
    return (observed - chance) / (1 - chance)


@dataclass(frozen=True, slots=True)
class Agreement:
    """One check type's agreement with the labels of one set of transcripts."""

    kind: str
    n: int
    accuracy: float
    kappa: float | None
    target: float

    @property
    def advisory(self) -> bool:
        """Below target (or not measurable): its verdicts are hints, not scores."""
        return self.kappa is None or self.kappa < self.target

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "advisory": self.advisory}


def agreement(kind: str, pairs: Sequence[tuple[bool, bool]]) -> Agreement:
    """The figures for ``pairs`` of (check verdict, reader's label)."""
    n = len(pairs)
    accuracy = sum(1 for a, b in pairs if a == b) / n if n else 0.0
    return Agreement(kind, n, accuracy, cohen_kappa(pairs), TARGETS.get(kind, 0.8))


@dataclass(frozen=True, slots=True)
class Measured:
    """What the last agreement bench measured, as reports use it."""

    by_kind: dict[str, Agreement]
    source: str  # how it was measured (the bench's command, the data's size)
    judge_model: str = "none"  # the model whose verdicts the judge and goal figures are

    def advisory(self, kind: str) -> bool:
        """Whether verdicts of ``kind`` are advisory; a kind never measured is."""
        found = self.by_kind.get(kind)
        return found is None or found.advisory

    def note(self, kind: str) -> str:
        found = self.by_kind.get(kind)
        if found is None:
            return f"{kind}: not measured against a reader's labels"
        kappa = "n/a" if found.kappa is None else f"{found.kappa:.2f}"
        # A model's figures say nothing of another model's verdicts: name the one measured.
        model = f" ({self.judge_model} as judge)" if kind in MODEL_READ else ""
        return (
            f"{kind}: kappa {kappa} (target {found.target:.1f}), accuracy "
            f"{found.accuracy:.0%} on {found.n} held-out labels{model}"
        )


def load_measured(path: Path = AGREEMENT_FILE) -> Measured:
    """The stored figures; none (every check advisory) when the file is missing."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return Measured({}, "not measured")
    by_kind = {
        kind: Agreement(kind, v["n"], v["accuracy"], v["kappa"], v["target"])
        for kind, v in data.get("heldout", {}).items()
    }
    return Measured(by_kind, str(data.get("command", "")), str(data.get("judge_model", "none")))
