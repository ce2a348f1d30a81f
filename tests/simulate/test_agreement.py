"""Cohen's kappa, and what reports make of the stored agreement figures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from npc.simulate.agreement import agreement, cohen_kappa, load_measured


def test_kappa_of_known_tables() -> None:
    assert cohen_kappa([(True, True), (False, False)] * 5) == 1.0
    # 20 pairs: 8 both yes, 2 yes/no, 2 no/yes, 8 both no -> observed 0.8, chance 0.5
    pairs = [(True, True)] * 8 + [(True, False)] * 2 + [(False, True)] * 2 + [(False, False)] * 8
    assert cohen_kappa(pairs) == pytest.approx(0.6)
    # A check that always says yes agrees by chance only: kappa 0 whatever its accuracy.
    always = [(True, True)] * 9 + [(True, False)]
    assert cohen_kappa(always) == pytest.approx(0.0)
    assert agreement("judge", always).advisory  # 90% accurate, and still only a hint
    assert cohen_kappa([(True, True)] * 4) is None  # one class only: undefined
    assert cohen_kappa([]) is None


def test_stored_figures_mark_what_is_advisory(tmp_path: Path) -> None:
    path = tmp_path / "agreement.json"
    held = {
        "regex": {"n": 40, "accuracy": 0.95, "kappa": 0.9, "target": 0.8},
        "judge": {"n": 40, "accuracy": 0.7, "kappa": 0.41, "target": 0.6},
    }
    stored = {"command": "python bench/judge_agreement.py", "judge_model": "m1", "heldout": held}
    path.write_text(json.dumps(stored))
    measured = load_measured(path)
    assert not measured.advisory("regex")
    assert measured.advisory("judge") and measured.advisory("emotion")  # never measured
    assert "kappa 0.41 (target 0.6)" in measured.note("judge")
    assert measured.note("judge").endswith("(m1 as judge)")
    assert "as judge" not in measured.note("regex")  # a rule's figures hold for any model
    assert load_measured(tmp_path / "missing.json").advisory("regex")
