"""Which LLM a simulation uses when the user picked none."""

from __future__ import annotations

import pytest

import npc.simulate.model as sim_model
from npc.config import Settings
from npc.simulate.model import SIMULATION_LLM, simulation_settings


@pytest.mark.parametrize(
    ("update", "asked", "has_1_5b", "llm", "says"),
    [
        ({}, None, True, SIMULATION_LLM, "npc[quality]"),
        ({}, None, False, None, "pip install 'npc[quality]'"),
        ({}, "/models/mine.gguf", True, "/models/mine.gguf", "(--model)"),
        (
            {"models": {"llm": "qwen2.5-coder-0.5b-instruct-q4_k_m"}},
            None,
            True,
            "qwen2.5-coder-0.5b-instruct-q4_k_m",
            "the settings'",
        ),
        ({"llm": {"endpoint": "http://127.0.0.1:8080/v1"}}, None, True, None, "provider"),
    ],
)
def test_the_simulation_model(
    monkeypatch: pytest.MonkeyPatch,
    update: dict[str, object],
    asked: str | None,
    has_1_5b: bool,
    llm: str | None,
    says: str,
) -> None:
    monkeypatch.setattr(sim_model, "installed", lambda name: has_1_5b)
    settings = Settings.model_validate(update)
    chosen, line = simulation_settings(settings, asked)
    assert chosen.models.llm == llm
    assert says in line
    assert settings.models.llm == update.get("models", {}).get("llm")  # type: ignore[union-attr]
