"""The shared language model, sampling each request of one run with that run's seed.

Runs of a batch must differ: with the same prompt and the same seed the model writes the
same conversation, so request *n* of a run is sampled with ``seed * 1000 + n``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from npc.providers.base import Control, GenerationRequest, LanguageModel, LLMCapabilities


class ModelOver:
    """``llm`` with each request rewritten by ``rewrite`` on its way; everything else is
    the wrapped model's."""

    def __init__(self, llm: LanguageModel) -> None:
        self.llm = llm
        self.llm_capabilities: LLMCapabilities = llm.llm_capabilities

    @property
    def context_size(self) -> int:
        return int(getattr(self.llm, "context_size", 4096))

    @property
    def last_stats(self) -> object:
        """The provider's figures for its last request (prompt tokens read), if it keeps any."""
        return getattr(self.llm, "last_stats", None)

    def count_tokens(self, text: str) -> int:
        return self.llm.count_tokens(text)

    def rewrite(self, request: GenerationRequest, *, sampled: bool) -> GenerationRequest:
        """``sampled``: the request is written (stream), not only read ahead (prefill)."""
        return request

    def prefill(self, request: GenerationRequest, control: Control | None = None) -> None:
        self.llm.prefill(self.rewrite(request, sampled=False), control)

    def stream(self, request: GenerationRequest, control: Control | None = None) -> Iterator[str]:
        yield from self.llm.stream(self.rewrite(request, sampled=True), control)


class SeededModel(ModelOver):
    """``llm`` with the sampling seed of request *n* of this run set to ``seed * 1000 + n``."""

    def __init__(self, llm: LanguageModel, seed: int) -> None:
        super().__init__(llm)
        self.seed = seed
        self._count = 0

    def rewrite(self, request: GenerationRequest, *, sampled: bool) -> GenerationRequest:
        if not sampled:
            return request
        self._count += 1
        return dataclasses.replace(request, seed=self.seed * 1000 + self._count)
