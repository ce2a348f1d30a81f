"""The local LLM on llama.cpp: one model in memory, every conversation in one batched engine.

Why not ``llama_cpp.Llama``: it holds one conversation per instance and applies a grammar to
the whole vocabulary at every step. Here the weights load once and one engine thread
(``plugins.llama_engine``) serves every conversation from one context: each keeps the tokens
it has evaluated, their steps run together in one batch, and the most urgent work goes first.
This module is the provider's face: tokenizing prompts (message by message, so a growing
conversation keeps its exact tokens), budget checks, and the KV states of stable prefixes
saved across restarts.
"""

from __future__ import annotations

import ctypes
import hashlib
import logging
import os
import re
import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import llama_cpp
import numpy as np
from llama_cpp import _internals as internals

from npc.errors import ModelLoadError, ProviderError
from npc.providers.base import ComputeGate, Control, GenerationRequest, LLMCapabilities
from npc.providers.registry import ProviderContext
from plugins.chat_template import ChatTemplate
from plugins.llama_engine import Engine, Stats, Work, _NoControl, results

log = logging.getLogger(__name__)


# What llama.cpp logs as errors when a step is aborted (ggml's status 1), and its clean-up.
# A step that first slides cached tokens back (the engine's dropped dialogue block) computes
# the K-shift under the same abort callback; aborted there, llama.cpp logs "failed to compute
# K-shift" and keeps the shift pending for the next step (it resets it only on success).
ABORT_NOISE = re.compile(
    rb"failed with error 1\b|compute status: 1\b|removing memory module entries"
    rb"|failed to decode, ret = 2\b|failed to compute K-shift\b"
)


@llama_cpp.llama_log_callback  # type: ignore[untyped-decorator]
def _forward_log(level: int, text: bytes, _: Any) -> None:
    # llama.cpp is chatty on stderr; keep its warnings and errors in our log only.
    if level in (3, 4) and text:
        if ABORT_NOISE.search(text):  # a cancelled step, stopped on purpose (llama_abort)
            log.debug(text.decode(errors="replace"))
            return
        log.log(logging.WARNING if level == 3 else logging.ERROR, text.decode(errors="replace"))


llama_cpp.llama_log_set(_forward_log, ctypes.c_void_p(0))

DRAFT_MAX = 4  # tokens proposed per model call while generating
# llama.cpp's flash_attn_type values. Its "auto" enables flash attention on CPUs too, where
# it evaluated prompts at half the speed (docs/benchmarks.md).
FLASH_ATTENTION = {"auto": -1, "off": 0, "on": 1}


class LlamaCppModel:
    """A GGUF chat model on llama.cpp, shared by every session of the process."""

    llm_capabilities = LLMCapabilities(
        prefix_cache=True, grammar=True, prefill=True, local=True, batches_sessions=True
    )

    def __init__(
        self,
        path: Path,
        *,
        threads: int = 2,
        context: int = 4096,
        slots: int = 4,
        batch: int = 256,
        seed: int = 7,
        state_dir: Path | None = None,
        flash_attention: str = "off",
        draft: int = DRAFT_MAX,
        gate: ComputeGate | None = None,
    ) -> None:
        """``context``: tokens per conversation; ``slots``: conversations kept cached at once;
        ``state_dir`` keeps the KV state of each stable prefix on disk across restarts;
        ``draft``: tokens proposed per model call by prompt lookup (0: off); ``gate``: the
        process's compute gate (None: this model's work is not ordered with other models')."""
        if not path.is_file():
            raise ModelLoadError(f"LLM model file {path} does not exist")
        params = llama_cpp.llama_model_default_params()
        try:
            self._model = internals.LlamaModel(path_model=str(path), params=params, verbose=False)
        except (ValueError, RuntimeError) as exc:
            raise ModelLoadError(
                f"llama.cpp could not load {path}: {exc}; expected a GGUF model file"
            ) from None
        self.path = path
        self._context = min(context, self._model.n_ctx_train())
        self.template = ChatTemplate.from_metadata(self._model.metadata())
        self._memo: OrderedDict[str, list[int]] = OrderedDict()
        self._memo_lock = threading.Lock()
        self._closed = False
        layout = f"flash={flash_attention}"
        states = PrefixStates(state_dir, path, layout) if state_dir is not None else None
        if gate is None:
            from npc.conversation.scheduler import Unscheduled

            gate = Unscheduled()
        self._engine = Engine(
            self._model,
            context=self._context,
            slots=slots,
            threads=threads,
            batch=batch,
            flash=FLASH_ATTENTION[flash_attention],
            seed=seed,
            draft_max=draft,
            gate=gate,
            states=states,
            remember=self._remember_reply,
        )

    @classmethod
    def from_context(cls, ctx: ProviderContext) -> LlamaCppModel:
        assert ctx.model is not None
        s = ctx.settings.llm
        return cls(
            ctx.model.path,
            threads=s.threads,
            context=s.context,
            slots=s.slots,
            seed=s.seed,
            state_dir=ctx.settings.cache_dir / "llm-states",
            flash_attention=s.flash_attention,
            draft=s.draft_tokens,
            gate=ctx.gate,
        )

    @property
    def context_size(self) -> int:
        return self._context

    @property
    def last_stats(self) -> Stats:
        """What the last finished piece of work cost (benchmarks; racy with several users)."""
        return self._engine.last_stats

    def close(self) -> None:
        """Stop the engine (work in progress ends with a ProviderError) and free the model
        once the engine has stopped; the model is not used again (tokenizing raises)."""
        if self._closed:
            return
        self._closed = True
        if self._engine.close():
            self._model.close()  # type: ignore[no-untyped-call]

    def _check_open(self) -> None:
        if self._closed:
            raise ProviderError("the LLM is closed")

    # -- text and tokens -------------------------------------------------------------

    def count_tokens(self, text: str) -> int:
        return len(self.tokenize(text))

    def tokenize(self, text: str) -> list[int]:
        self._check_open()
        tokens: list[int] = self._model.tokenize(text.encode("utf-8"), False, True)
        return tokens

    def prompt_tokens(self, request: GenerationRequest) -> tuple[list[int], int]:
        """The prompt's tokens and how many of them form the stable prefix.

        ChatML prompts are tokenized message by message (the boundaries are special tokens),
        so a conversation that grows keeps exactly the tokens it had, and a reply this model
        generated is reused token for token rather than re-tokenized.
        """
        self._check_open()
        tokens: list[int] = []
        if self._model.add_bos_token() and self._model.token_bos() >= 0:
            tokens.append(self._model.token_bos())
        if self.template.source is not None:
            text = self.template.render(request.messages)
            return tokens + self.tokenize(text + request.assistant_prefix), 0
        stable = 0
        last = len(request.messages) - 1
        for i, m in enumerate(request.messages):
            end = "" if (i == last and request.open_ended) else "<|im_end|>\n"
            tokens += self._segment(f"<|im_start|>{m.role}\n{m.content}{end}")
            if i + 1 == request.stable_messages:
                stable = len(tokens)
        if not request.open_ended:
            tokens += self._segment("<|im_start|>assistant\n" + request.assistant_prefix)
        return tokens, stable

    def _segment(self, text: str) -> list[int]:
        with self._memo_lock:
            cached = self._memo.get(text)
            if cached is not None:
                self._memo.move_to_end(text)
                return cached
        tokens = self.tokenize(text)
        self._remember(text, tokens)
        return tokens

    def _remember(self, text: str, tokens: list[int]) -> None:
        with self._memo_lock:
            self._memo[text] = tokens
            while len(self._memo) > 512:
                self._memo.popitem(last=False)

    def _remember_reply(self, work: Work) -> None:
        """The next prompt will carry this reply: let it reuse these very tokens."""
        if self.template.source is None:
            head = "<|im_start|>assistant\n" + work.request.assistant_prefix
            self._remember(
                f"{head}{work.text}<|im_end|>\n",
                self._segment(head) + work.generated + self._segment("<|im_end|>\n"),
            )

    # -- the LanguageModel protocol --------------------------------------------------

    def prefill(self, request: GenerationRequest, control: Control | None = None) -> None:
        for _ in results(self._submit(request, control, generate=False)):
            pass

    def stream(self, request: GenerationRequest, control: Control | None = None) -> Iterator[str]:
        work = self._submit(request, control, generate=True)
        try:
            yield from results(work)
        finally:
            work.abandoned = True  # the caller stopped reading: stop writing

    def _submit(self, request: GenerationRequest, control: Control | None, generate: bool) -> Work:
        tokens, stable = self.prompt_tokens(request)
        budget = request.max_tokens if generate else 0
        if len(tokens) + budget > self._context:
            raise ProviderError(
                f"the prompt is {len(tokens)} tokens and the reply may take {budget}, "
                f"more than the context of {self._context}; shorten the history or raise "
                "NPC_LLM__CONTEXT"
            )
        work = Work(request, control or _NoControl(), tokens, stable, generate)
        self._engine.submit(work)
        return work


class PrefixStates:
    """KV states of stable prompt prefixes, saved as files keyed by model and tokens."""

    def __init__(self, folder: Path, model_path: Path, layout: str = "") -> None:
        """``layout`` names context settings that change the saved cache's layout (flash
        attention stores V differently), so a state is only loaded where it fits."""
        self.folder = folder
        stat = model_path.stat()
        self._model_id = f"{model_path.name}:{stat.st_size}:{layout}".encode()

    def _file(self, tokens: Sequence[int]) -> Path:
        digest = hashlib.sha256(self._model_id)
        digest.update(np.asarray(tokens, dtype=np.int32).tobytes())
        return self.folder / f"{digest.hexdigest()[:32]}.kv"

    def load(self, ctx: Any, seq: int, tokens: Sequence[int]) -> bool:
        """Put the saved state of ``tokens`` into sequence ``seq``; False when none is saved."""
        path = self._file(tokens)
        try:
            data = path.read_bytes()
        except OSError:
            return False
        buf = (ctypes.c_uint8 * len(data)).from_buffer_copy(data)
        if llama_cpp.llama_state_seq_set_data(ctx, buf, len(data), seq) == 0:
            log.warning("could not restore the cached prompt state %s; evaluating it", path)
            llama_cpp.llama_memory_seq_rm(llama_cpp.llama_get_memory(ctx), seq, -1, -1)
            return False
        return True

    def save(self, ctx: Any, seq: int, tokens: Sequence[int]) -> None:
        size = llama_cpp.llama_state_seq_get_size(ctx, seq)
        buf = (ctypes.c_uint8 * size)()
        written = llama_cpp.llama_state_seq_get_data(ctx, buf, size, seq)
        path = self._file(tokens)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
            tmp.write_bytes(bytes(buf)[:written])
            tmp.replace(path)
        except OSError as exc:  # only a missed speed-up
            log.warning("could not cache the prompt state in %s: %s", self.folder, exc)
