"""The shared language model, sampling each request of one run with that run's seed.

Runs of a batch must differ: with the same prompt and the same seed the model writes the
same conversation, so request *n* of a run is sampled with ``seed * 1000 + n``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from npc.providers.base import Control, GenerationRequest, LanguageModel, LLMCapabilities


class SeededModel:
    """``llm`` with the sampling seed of request *n* of this run set to ``seed * 1000 + n``."""

    def __init__(self, llm: LanguageModel, seed: int) -> None:
        self.llm = llm
        self.seed = seed
        self.llm_capabilities: LLMCapabilities = llm.llm_capabilities
        self._count = 0

    @property
    def context_size(self) -> int:
        return int(getattr(self.llm, "context_size", 4096))

    @property
    def last_stats(self) -> object:
        """The provider's figures for its last request (prompt tokens read), if it keeps any."""
        return getattr(self.llm, "last_stats", None)

    def count_tokens(self, text: str) -> int:
        return self.llm.count_tokens(text)

    def prefill(self, request: GenerationRequest, control: Control | None = None) -> None:
        self.llm.prefill(request, control)

    def stream(self, request: GenerationRequest, control: Control | None = None) -> Iterator[str]:
        self._count += 1
        seed = self.seed * 1000 + self._count
        yield from self.llm.stream(dataclasses.replace(request, seed=seed), control)
