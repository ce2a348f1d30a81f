"""What each side of a run is told every turn."""

from __future__ import annotations

from npc.simulate.conversation import reminder
from npc.simulate.loading import load_scenario
from tests.simulate.conftest import CHARACTERS, ROOT


def test_the_reminder_carries_the_variation_s_temperament_and_manner() -> None:
    loaded = load_scenario(ROOT / "scenarios/triage.yaml", CHARACTERS)
    angry = reminder(loaded, "patient", "belligerent")
    assert angry.startswith("Stay Dale Porter, the patient; answer ")
    assert "you are aggressive" in angry
    assert "How you speak: Shouts short, angry sentences" in angry
    assert angry.endswith("explained the wait.")
    # The other side, and a run without a variation, get only who they are.
    nurse = reminder(loaded, "nurse", "belligerent")
    assert "aggressive" not in nurse and "How you speak" not in nurse
    assert "How you speak" not in reminder(loaded, "patient", None)
