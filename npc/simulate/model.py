"""Which LLM plays a simulation when the user picked none.

Simulations are not live voice: a slower, better model is worth it. The bundled 1.5B broke
2 roles in 120 lines where the 0.5B broke 14 in 80 (docs/simulate.md), at about the same
runs per hour, since far fewer lines are asked again. It is optional (``npc[quality]``),
so without it the settings' model plays, as it does when the user chose a model, a path or
an OpenAI-compatible endpoint.
"""

from __future__ import annotations

from npc.assets import installed
from npc.config import Settings

SIMULATION_LLM = "qwen2.5-coder-1.5b-instruct-q4_k_m"


def simulation_settings(settings: Settings, model: str | None = None) -> tuple[Settings, str]:
    """The settings a simulation runs with, and a line saying which model and why."""
    if model is not None:
        return _with_llm(settings, model), f"model: {model} (--model)"
    chosen = settings.models.llm
    if chosen is not None:
        return settings, f"model: {chosen} (the settings')"
    if settings.llm.endpoint is not None or settings.providers.llm != "llama_cpp":
        return settings, "model: the settings' LLM provider"
    if installed(SIMULATION_LLM):
        return _with_llm(settings, SIMULATION_LLM), f"model: {SIMULATION_LLM} (npc[quality])"
    return settings, (
        "model: the default 0.5B; the 1.5B breaks roles far less often: pip install 'npc[quality]'"
    )


def _with_llm(settings: Settings, model: str) -> Settings:
    return settings.model_copy(update={"models": settings.models.model_copy(update={"llm": model})})
