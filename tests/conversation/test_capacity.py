"""The capacity measured at start: one turn's model time -> sessions, with test doubles."""

from __future__ import annotations

from npc.conversation import capacity
from npc.providers.fakes import ScriptedModel, ScriptedRecognizer
from tests.conversation.conftest import MakeRuntime


def test_a_slow_machine_serves_fewer_sessions_never_none(make_runtime: MakeRuntime) -> None:
    fast = capacity.measure(make_runtime(ScriptedModel(piece_s=0.001)), limit=64)
    slow = capacity.measure(
        make_runtime(ScriptedModel(piece_s=0.05), asr=ScriptedRecognizer(delay_s=0.3)), limit=64
    )
    assert set(fast.parts) == {"asr", "prompt", "write", "speak"}
    assert slow.turn_s > fast.turn_s and 1 <= slow.sessions < fast.sessions
    hopeless = capacity.measure(make_runtime(asr=ScriptedRecognizer(delay_s=5.0)), limit=64)
    assert hopeless.sessions == 1  # the first player is always served
    assert capacity.measure(make_runtime(ScriptedModel()), limit=3).sessions <= 3
    assert "sessions (one turn:" in fast.describe()
