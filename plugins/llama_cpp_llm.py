"""The local LLM on llama.cpp: one model in memory, a few KV-cache slots, fast constrained decoding.

Why not ``llama_cpp.Llama``: it loads the weights per instance and applies a grammar to the
whole vocabulary at every step. Here the weights load once and several contexts ("slots",
one per character or conversation) share them, each keeping the tokens it has evaluated so
a prompt that extends the previous one only evaluates its new tail. Sampling tries the
model's own choice against the grammar first and only masks the full vocabulary when that
choice is rejected (the same trick llama.cpp's own sampler uses), which keeps constrained
decoding close to the speed of free text.

Generation also drafts: a reply repeats much of its prompt (the JSON between fields, the
examples' phrasing, names from the notes), so the tokens that followed the last few tokens
where they appeared before are read together with the next token, and each is kept only if
the model, sampling as usual, chooses it. One model call then often yields several tokens,
and the reply is the one the model would have written token by token.
"""

from __future__ import annotations

import codecs
import ctypes
import hashlib
import logging
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import llama_cpp
import numpy as np
from llama_cpp import _internals as internals

from npc.errors import ModelLoadError, ProviderError
from npc.providers.base import GenerationRequest, LLMCapabilities
from npc.providers.registry import ProviderContext
from npc.threads import Hold
from plugins.chat_template import ChatTemplate

log = logging.getLogger(__name__)


@llama_cpp.llama_log_callback  # type: ignore[untyped-decorator]
def _forward_log(level: int, text: bytes, _: Any) -> None:
    # llama.cpp is chatty on stderr; keep its warnings and errors in our log only.
    if level in (3, 4) and text:
        log.log(logging.WARNING if level == 3 else logging.ERROR, text.decode(errors="replace"))


llama_cpp.llama_log_set(_forward_log, ctypes.c_void_p(0))


DRAFT_MAX = 4  # tokens proposed per model call while generating
DRAFT_MATCH = 3  # tokens that must repeat earlier text before what followed it is proposed


@dataclass
class _Slot:
    """A llama.cpp context and the tokens its KV cache holds."""

    ctx: Any
    batch: Any
    tokens: list[int] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    logits_at: int = -1  # the cache length whose last token's logits the context holds


@dataclass
class GenerationStats:
    """What the last generation on this model cost (for benchmarks and turn timings)."""

    prompt_tokens: int = 0
    cached_tokens: int = 0
    prefill_s: float = 0.0
    generated_tokens: int = 0
    generate_s: float = 0.0
    grammar_fallbacks: int = 0
    shifted_tokens: int = 0  # dropped from the cache by shifting instead of re-evaluating
    drafted_tokens: int = 0  # proposed by prompt lookup while generating
    accepted_tokens: int = 0  # of those, the ones the model chose too


class LlamaCppModel:
    """A GGUF chat model on llama.cpp, shared by every session of the process."""

    llm_capabilities = LLMCapabilities(prefix_cache=True, grammar=True, prefill=True)

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
    ) -> None:
        """``state_dir`` keeps the KV state of each stable prefix on disk across restarts;
        ``draft``: tokens proposed per model call by prompt lookup while generating (0: off)."""
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
        self._threads = threads
        self._context = min(context, self._model.n_ctx_train())
        self._batch = batch
        self._seed = seed
        self._flash = FLASH_ATTENTION[flash_attention]
        self._draft_max = draft
        self._max_slots = slots
        self._slots: OrderedDict[str, _Slot] = OrderedDict()
        self._slots_lock = threading.Lock()
        self._n_vocab = self._model.n_vocab()
        self.template = ChatTemplate.from_metadata(self._model.metadata())
        self.last_stats = GenerationStats()
        self._memo: OrderedDict[str, list[int]] = OrderedDict()
        layout = f"flash={flash_attention}"
        self._states = PrefixStates(state_dir, path, layout) if state_dir is not None else None

    @classmethod
    def from_context(cls, ctx: ProviderContext) -> LlamaCppModel:
        assert ctx.model is not None
        s = ctx.settings.llm
        return cls(
            ctx.model.path,
            threads=s.threads,
            context=s.context,
            seed=s.seed,
            state_dir=ctx.settings.cache_dir / "llm-states",
            flash_attention=s.flash_attention,
            draft=s.draft_tokens,
        )

    @property
    def context_size(self) -> int:
        return self._context

    # -- text and tokens -------------------------------------------------------------

    def count_tokens(self, text: str) -> int:
        return len(self.tokenize(text))

    def tokenize(self, text: str) -> list[int]:
        tokens: list[int] = self._model.tokenize(text.encode("utf-8"), False, True)
        return tokens

    def prompt_tokens(self, request: GenerationRequest) -> tuple[list[int], int]:
        """The prompt's tokens and how many of them form the stable prefix.

        ChatML prompts are tokenized message by message (the boundaries are special tokens),
        so a conversation that grows keeps exactly the tokens it had, and a reply this model
        generated is reused token for token rather than re-tokenized.
        """
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
        cached = self._memo.get(text)
        if cached is not None:
            self._memo.move_to_end(text)
            return cached
        tokens = self.tokenize(text)
        self._remember(text, tokens)
        return tokens

    def _remember(self, text: str, tokens: list[int]) -> None:
        self._memo[text] = tokens
        while len(self._memo) > 512:
            self._memo.popitem(last=False)

    # -- the LanguageModel protocol --------------------------------------------------

    def prefill(self, request: GenerationRequest) -> None:
        tokens, stable = self.prompt_tokens(request)
        self._check_budget(tokens, 0)
        slot = self._slot(request.cache_key)
        with slot.lock:
            self._evaluate(slot, tokens, stable, request.cancel, request.hold)

    def stream(self, request: GenerationRequest) -> Iterator[str]:
        tokens, stable = self.prompt_tokens(request)
        self._check_budget(tokens, request.max_tokens)
        slot = self._slot(request.cache_key)
        with slot.lock:
            yield from self._generate(slot, tokens, stable, request)

    # -- internals -------------------------------------------------------------------

    def _check_budget(self, tokens: Sequence[int], max_tokens: int) -> None:
        if len(tokens) + max_tokens > self._context:
            raise ProviderError(
                f"the prompt is {len(tokens)} tokens and the reply may take {max_tokens}, "
                f"more than the context of {self._context}; shorten the history or raise "
                "NPC_LLM__CONTEXT"
            )

    def _slot(self, key: str) -> _Slot:
        with self._slots_lock:
            slot = self._slots.get(key)
            if slot is not None:
                self._slots.move_to_end(key)
                return slot
            if len(self._slots) >= self._max_slots:
                self._evict_idle()
            params = llama_cpp.llama_context_default_params()
            params.n_ctx = self._context
            params.n_batch = self._batch
            params.n_ubatch = self._batch
            params.n_threads = self._threads
            params.n_threads_batch = self._threads
            params.flash_attn_type = self._flash
            ctx = internals.LlamaContext(model=self._model, params=params, verbose=False)
            batch = internals.LlamaBatch(n_tokens=self._batch, embd=0, n_seq_max=1, verbose=False)
            slot = _Slot(ctx, batch)
            self._slots[key] = slot
            return slot

    def _evict_idle(self) -> None:
        for key, slot in list(self._slots.items()):  # oldest first
            if not slot.lock.locked():
                del self._slots[key]
                slot.ctx.close()
                return
        # Every slot is busy: allow one more rather than block a live conversation.

    def _evaluate(
        self,
        slot: _Slot,
        tokens: list[int],
        stable: int = 0,
        cancel: threading.Event | None = None,
        hold: Hold | None = None,
        sure: threading.Event | None = None,
    ) -> bool:
        """Make the slot's KV cache hold exactly ``tokens``, logits ready for the last one;
        False when ``cancel`` stopped it first.

        With ``cancel`` (a prefill a reply may overtake, or a reply the player may not want
        yet), the new tokens go in smaller batches (a reply's until ``sure`` is set), and
        evaluation stops at the first one after ``cancel`` is set: what was evaluated stays
        cached, and the next request waits at most one such batch for the model. ``hold``
        pauses it between batches (speech recognition needs the cores).
        """
        common = _common_prefix(slot.tokens, tokens)
        shifted = self._drop_block(slot, tokens, common)
        if shifted:
            common = _common_prefix(slot.tokens, tokens)
        if common == len(tokens) and slot.logits_at != common:
            common -= 1  # re-evaluate the last token to get its logits
        slot.ctx.kv_cache_seq_rm(-1, common, -1)
        del slot.tokens[common:]
        if slot.logits_at != len(slot.tokens):
            slot.logits_at = -1
        stats = self.last_stats = GenerationStats(
            prompt_tokens=len(tokens), cached_tokens=common, shifted_tokens=shifted
        )
        start = time.perf_counter()
        if self._states is not None and common < stable < len(tokens):
            prefix = tokens[:stable]
            if self._states.load(slot, prefix):
                common = stats.cached_tokens = stable
            else:
                self._feed(slot, tokens, common, stable)
                self._states.save(slot)
                common = stable
        done = self._feed(slot, tokens, common, len(tokens), cancel, hold, sure)
        stats.prefill_s = time.perf_counter() - start
        return done

    def _drop_block(self, slot: _Slot, tokens: list[int], common: int) -> int:
        """When the new prompt is the cached one minus a block (old dialogue left the prompt),
        remove that block from the KV cache and slide the rest back instead of evaluating it
        all again. Returns how many tokens were dropped."""
        rest = len(tokens) - common
        if rest < SHIFT_MATCH or len(slot.tokens) <= common or not self._can_shift(slot):
            return 0
        probe = tokens[common : common + SHIFT_MATCH]
        cached = slot.tokens
        for gap in range(1, len(cached) - common - SHIFT_MATCH + 1):
            if cached[common + gap : common + gap + SHIFT_MATCH] == probe:
                slot.ctx.kv_cache_seq_rm(0, common, common + gap)
                slot.ctx.kv_cache_seq_shift(0, common + gap, -1, -gap)
                del cached[common : common + gap]
                slot.logits_at = -1
                return gap
        return 0

    def _can_shift(self, slot: _Slot) -> bool:
        return bool(llama_cpp.llama_memory_can_shift(slot.ctx.memory))

    def _feed(
        self,
        slot: _Slot,
        tokens: list[int],
        start: int,
        end: int,
        cancel: threading.Event | None = None,
        hold: Hold | None = None,
        sure: threading.Event | None = None,
    ) -> bool:
        i = start
        while i < end:
            if hold is not None:
                hold.wait(cancel)
            if cancel is not None and cancel.is_set():
                return False
            step = self._batch
            if cancel is not None:
                if sure is None:
                    step = PREFILL_STEP
                elif not sure.is_set():
                    step = TENTATIVE_STEP
            self._decode(slot, tokens[i : min(i + step, end)])
            i += step
        return True

    def _decode(self, slot: _Slot, chunk: list[int], all_logits: bool = False) -> None:
        slot.batch.set_batch(batch=chunk, n_past=len(slot.tokens), logits_all=all_logits)
        try:
            slot.ctx.decode(slot.batch)
        except RuntimeError as exc:
            slot.tokens.clear()  # the cache state is unknown now; start over next time
            slot.logits_at = -1
            slot.ctx.kv_cache_clear()
            raise ProviderError(f"llama.cpp failed to evaluate the prompt: {exc}") from None
        slot.tokens.extend(chunk)
        slot.logits_at = len(slot.tokens)

    def _generate(
        self, slot: _Slot, tokens: list[int], stable: int, request: GenerationRequest
    ) -> Iterator[str]:
        # A reply not yet sure reads in steps that its cancel can stop.
        cancel = request.cancel if request.sure is not None else None
        if not self._evaluate(slot, tokens, stable, cancel, sure=request.sure):
            return
        stats = self.last_stats
        generated: list[int] = []
        text = ""
        seed = self._seed if request.seed is None else request.seed
        sampler = _Sampler(self._model, self._n_vocab, request, seed)
        decided = False
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        start = time.perf_counter()
        drafts: list[int] = []  # proposed after a token, read with it, checked one by one
        checked = 0  # drafts the model chose too, so far
        read = False  # ``token`` is in the cache already (a draft the model chose)
        try:
            token = sampler.sample(slot.ctx.ctx)
            while True:
                if request.cancel is not None and request.cancel.is_set():
                    return
                if llama_cpp.llama_vocab_is_eog(self._model.vocab, token):
                    return
                stats.generated_tokens += 1
                generated.append(token)
                piece = decoder.decode(self._model.token_to_piece(token, False).rstrip(b"\0"))
                if piece:
                    text += piece
                    yield piece
                if not decided and request.greedy_after and request.greedy_after in text:
                    decided = True
                    sampler.go_greedy()
                if len(generated) >= request.max_tokens:
                    return
                if not read:
                    if request.hold is not None:
                        request.hold.wait(request.cancel)
                    limit = min(self._draft_max, request.max_tokens - len(generated) - 1)
                    drafts = _draft(slot.tokens, token, limit) if limit > 0 else []
                    self._decode(slot, [token, *drafts], all_logits=bool(drafts))
                    checked = 0
                    stats.drafted_tokens += len(drafts)
                # The model's own choice after ``token``; a draft that matches it is already
                # read, so the next choice costs no model call.
                token = sampler.sample(slot.ctx.ctx, checked if drafts else -1)
                read = checked < len(drafts) and token == drafts[checked]
                if read:
                    checked += 1
                    stats.accepted_tokens += 1
                    continue
                if checked < len(drafts):  # drop the drafts after the first wrong one
                    keep = len(slot.tokens) - (len(drafts) - checked)
                    slot.ctx.kv_cache_seq_rm(-1, keep, -1)
                    del slot.tokens[keep:]
                    slot.logits_at = -1
                drafts, checked = [], 0
        finally:
            if self.template.source is None:
                # The next prompt will carry this reply; let it reuse these very tokens.
                head = "<|im_start|>assistant\n" + request.assistant_prefix
                self._remember(
                    f"{head}{text}<|im_end|>\n",
                    self._segment(head) + generated + self._segment("<|im_end|>\n"),
                )
            stats.generate_s = time.perf_counter() - start
            stats.grammar_fallbacks = sampler.fallbacks
            sampler.close()


# llama.cpp's flash_attn_type values. Its "auto" enables flash attention on CPUs too, where
# it evaluated prompts at half the speed (docs/benchmarks.md).
FLASH_ATTENTION = {"auto": -1, "off": 0, "on": 1}
PREFILL_STEP = 8  # tokens per batch of a prefill that a reply may overtake (~0.2 s)
# Tokens per batch of a reply begun on a pause: most prompt tails fit in one, which reads
# them ~30% faster than batches of 8; a player who goes on waits for one batch at most.
TENTATIVE_STEP = 32
SHIFT_MATCH = 32  # tokens that must match to recognise where the kept dialogue resumes


def _draft(history: Sequence[int], token: int, limit: int) -> list[int]:
    """Prompt lookup: the tokens that followed the latest earlier occurrence of the last
    ``DRAFT_MATCH`` tokens (``history`` then ``token``). Replies repeat their prompt a lot:
    the JSON between the fields, the examples' phrasing, names and facts from the notes."""
    tail = [*history[-(DRAFT_MATCH - 1) :], token]
    for i in range(len(history) - DRAFT_MATCH, -1, -1):
        if history[i] == tail[0] and list(history[i : i + DRAFT_MATCH]) == tail:
            return list(history[i + DRAFT_MATCH : i + DRAFT_MATCH + limit])
    return []


def _common_prefix(a: Sequence[int], b: Sequence[int]) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


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

    def load(self, slot: _Slot, tokens: list[int]) -> bool:
        path = self._file(tokens)
        try:
            data = path.read_bytes()
        except OSError:
            return False
        buf = (ctypes.c_uint8 * len(data)).from_buffer_copy(data)
        slot.ctx.kv_cache_clear()
        if llama_cpp.llama_state_seq_set_data(slot.ctx.ctx, buf, len(data), 0) == 0:
            log.warning("could not restore the cached prompt state %s; evaluating it", path)
            slot.ctx.kv_cache_clear()
            return False
        slot.tokens[:] = tokens
        slot.logits_at = -1
        return True

    def save(self, slot: _Slot) -> None:
        size = llama_cpp.llama_state_seq_get_size(slot.ctx.ctx, 0)
        buf = (ctypes.c_uint8 * size)()
        written = llama_cpp.llama_state_seq_get_data(slot.ctx.ctx, buf, size, 0)
        path = self._file(slot.tokens)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.write_bytes(bytes(buf)[:written])
            tmp.replace(path)
        except OSError as exc:  # only a missed speed-up
            log.warning("could not cache the prompt state in %s: %s", self.folder, exc)


class _Sampler:
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
