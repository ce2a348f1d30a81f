"""A scripted language model and runtime for tests of the batch machinery (no model work)."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from typing import Any

from npc.config import Settings
from npc.providers.base import GenerationRequest, LLMCapabilities


class ScriptedLLM:
    """Answers every reply request with the next scripted line, every judge with a pass that
    points at the last line it may name."""

    llm_capabilities = LLMCapabilities()
    context_size = 4096

    def __init__(self, lines: list[str] | None = None, emotion: str = "calm") -> None:
        self.lines = itertools.cycle(lines or ["I hear you. Let me check your ankle."])
        self.emotion = emotion
        self.requests: list[GenerationRequest] = []

    def count_tokens(self, text: str) -> int:
        return len(text) // 4 + 1

    def prefill(self, request: GenerationRequest, control: Any = None) -> None:
        pass

    def stream(self, request: GenerationRequest, control: Any = None) -> Iterator[str]:
        self.requests.append(request)
        if request.assistant_prefix.startswith('{"verdict"'):
            allowed = re.search(r"^line ::= (.*)$", request.grammar or "", re.MULTILINE)
            last = max(int(n) for n in re.findall(r'"(\d+)"', allowed.group(1))) if allowed else 0
            yield f'true, "line": {last}, "reason": "scripted"}}'
            return
        line = next(self.lines)
        yield f'{line}", "emotion": "{self.emotion}", "intensity": 2, "actions": []}}'


class FakeRuntime:
    """What ``SimulationWorker`` needs from a ``Runtime``: settings, an LLM and voices."""

    def __init__(self, settings: Settings, llm: Any, voice: Any = None) -> None:
        self.settings = settings
        self.llm = llm
        self._voice = voice

    knowledge: Any = None  # no lore or memory: the scripted model ignores notes anyway

    def voice(self, loaded: Any) -> Any:
        return self._voice

    def intents(self, loaded: Any) -> Any:
        return None


class ScriptedServer:
    """Stands in for a trainee run's ``NpcClient``: hands out scripted server messages and
    records what was sent."""

    def __init__(self, messages: list[Any]) -> None:
        self.messages = list(messages)
        self.sent: list[Any] = []

    async def receive(self) -> Any:
        return self.messages.pop(0)

    async def send(self, message: Any) -> None:
        self.sent.append(message)
