"""Sampling for the llama.cpp engine: top-k/top-p/temperature with a grammar checked on the
chosen token first, and prompt-lookup drafts.

Checking the model's own choice against the grammar first, and masking the whole vocabulary
only when that choice is rejected (the trick llama.cpp's own sampler uses), keeps constrained
decoding close to the speed of free text.
"""

from __future__ import annotations

import ctypes
import math
from collections.abc import Sequence
from typing import Any

import llama_cpp
import numpy as np

from npc.errors import ProviderError
from npc.providers.base import GenerationRequest

DRAFT_MATCH = 3  # tokens that must repeat earlier text before what followed it is proposed


def draft(history: Sequence[int], token: int, limit: int) -> list[int]:
    """Prompt lookup: the tokens that followed the latest earlier occurrence of the last
    ``DRAFT_MATCH`` tokens (``history`` then ``token``). Replies repeat their prompt a lot:
    the JSON between the fields, the examples' phrasing, names and facts from the notes."""
    tail = [*history[-(DRAFT_MATCH - 1) :], token]
    for i in range(len(history) - DRAFT_MATCH, -1, -1):
        if history[i] == tail[0] and list(history[i : i + DRAFT_MATCH]) == tail:
            return list(history[i + DRAFT_MATCH : i + DRAFT_MATCH + limit])
    return []


def common_prefix(a: Sequence[int], b: Sequence[int]) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


class Sampler:
    """Top-k/top-p/temperature sampling with a grammar checked on the chosen token first."""

    def __init__(self, model: Any, n_vocab: int, request: GenerationRequest, seed: int) -> None:
        self.fallbacks = 0
        self._chain = llama_cpp.llama_sampler_chain_init(
            llama_cpp.llama_sampler_chain_default_params()
        )
        # A mild penalty on recent tokens stops a small model looping ("come, come, come");
        # after top-k, since scanning the whole vocabulary for repeats is slow.
        llama_cpp.llama_sampler_chain_add(self._chain, llama_cpp.llama_sampler_init_top_k(40))
        llama_cpp.llama_sampler_chain_add(
            self._chain, llama_cpp.llama_sampler_init_penalties(n_vocab, 64, 1.15, 0.0, 0.0)
        )
        if request.temperature <= 0:
            llama_cpp.llama_sampler_chain_add(self._chain, llama_cpp.llama_sampler_init_greedy())
        else:
            for s in (
                llama_cpp.llama_sampler_init_top_p(0.95, 1),
                llama_cpp.llama_sampler_init_temp(request.temperature),
                llama_cpp.llama_sampler_init_dist(seed),
            ):
                llama_cpp.llama_sampler_chain_add(self._chain, s)
        self._grammar = None
        if request.grammar:
            self._grammar = llama_cpp.llama_sampler_init_grammar(
                model.vocab, request.grammar.encode("utf-8"), b"root"
            )
            if not self._grammar:
                self.close()
                raise ProviderError("llama.cpp rejected the reply grammar (a bug in npc)")
        self._n_vocab = n_vocab
        self._one = (llama_cpp.llama_token_data * 1)()
        self._all: Any = None

    def go_greedy(self) -> None:
        """From now on take the likeliest allowed token (decisions after free-form speech)."""
        if self._chain:
            llama_cpp.llama_sampler_free(self._chain)
        self._chain = llama_cpp.llama_sampler_chain_init(
            llama_cpp.llama_sampler_chain_default_params()
        )
        llama_cpp.llama_sampler_chain_add(self._chain, llama_cpp.llama_sampler_init_greedy())

    def sample(self, ctx: Any, index: int = -1) -> int:
        """The next token from the logits of batch position ``index`` (-1: the last)."""
        token: int = llama_cpp.llama_sampler_sample(self._chain, ctx, index)
        if self._grammar is None:
            return token
        if not self._allowed(token):
            self.fallbacks += 1
            token = self._constrained(ctx, index)
        llama_cpp.llama_sampler_accept(self._grammar, token)
        return token

    def _allowed(self, token: int) -> bool:
        self._one[0].id = token  # type: ignore[assignment]
        self._one[0].logit = 0.0
        self._one[0].p = 0.0
        arr = llama_cpp.llama_token_data_array(data=self._one, size=1, selected=-1, sorted=False)
        llama_cpp.llama_sampler_apply(self._grammar, ctypes.byref(arr))
        return bool(self._one[0].logit != -math.inf)

    def _constrained(self, ctx: Any, index: int) -> int:
        if self._all is None:
            self._all = (llama_cpp.llama_token_data * self._n_vocab)()
            self._view = np.ctypeslib.as_array(self._all)
            self._ids = np.arange(self._n_vocab, dtype=np.int32)
        logits = np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(ctx, index), (self._n_vocab,))
        self._view["id"] = self._ids
        self._view["logit"] = logits
        self._view["p"] = 0.0
        arr = llama_cpp.llama_token_data_array(
            data=self._all, size=self._n_vocab, selected=-1, sorted=False
        )
        llama_cpp.llama_sampler_apply(self._grammar, ctypes.byref(arr))
        if not np.isfinite(self._view["logit"]).any():
            raise ProviderError("the reply grammar allows no token here (a bug in npc)")
        llama_cpp.llama_sampler_apply(self._chain, ctypes.byref(arr))
        return int(self._all[arr.selected].id)

    def close(self) -> None:
        if self._chain:
            llama_cpp.llama_sampler_free(self._chain)
            self._chain = None
        if self._grammar:
            llama_cpp.llama_sampler_free(self._grammar)
            self._grammar = None
