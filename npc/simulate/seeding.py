"""The shared language model, sampling each request of one run with that run's seed.

Runs of a batch must differ: with the same prompt and the same seed the model writes the
same conversation. ``GenerationRequest`` has no seed yet, so until it does this wrapper sets
the llama.cpp provider's sampling seed around each generation (under a lock, since the
model is shared). When the request grows a ``seed`` field the wrapper uses it instead.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator
from typing import Any

from npc.providers.base import GenerationRequest, LanguageModel, LLMCapabilities

_REQUEST_HAS_SEED = "seed" in {f.name for f in dataclasses.fields(GenerationRequest)}
_SEED_LOCK = threading.Lock()


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

    def count_tokens(self, text: str) -> int:
        return self.llm.count_tokens(text)

    def prefill(self, request: GenerationRequest) -> None:
        self.llm.prefill(request)

    def stream(self, request: GenerationRequest) -> Iterator[str]:
        self._count += 1
        seed = self.seed * 1000 + self._count
        if _REQUEST_HAS_SEED:
            yield from self.llm.stream(dataclasses.replace(request, seed=seed))  # type: ignore[call-arg]
            return
        provider: Any = self.llm
        if not hasattr(provider, "_seed"):  # a provider without seeds: runs differ less
            yield from self.llm.stream(request)
            return
        with _SEED_LOCK:
            # The llama.cpp provider reads its seed when a generation starts; hold the lock
            # for the whole stream so no other run's generation starts with our seed.
            previous = provider._seed
            provider._seed = seed
            try:
                yield from self.llm.stream(request)
            finally:
                provider._seed = previous
