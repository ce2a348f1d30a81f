"""The llama.cpp engine: every conversation's model work in one context, one thread, one batch.

Each conversation (``cache_key``) has a sequence of its own in one llama.cpp context with a
unified KV cache: the tokens it has evaluated stay cached, so a prompt that extends the last
one evaluates only its new tail, and conversations with the same persona share the cells of
that stable prefix (copied, not evaluated again). One thread does all of it, so no two calls
ever touch llama.cpp's state at once.

Each step is one ``llama_decode``: the most urgent work (``Control.urgency``) goes first, as
a chunk of its prompt or its next token(s), and every other reply that is writing adds its
next token(s) to the same batch: several players' tokens cost little more than one player's
(the weights are read once per step). A step whose work is cancelled stops mid-way
(``llama_abort``). Each step is one unit of work on the process's compute
gate, so speech recognition and synthesis take their turn between steps by urgency.

Generation drafts by prompt lookup (``llama_sampler.draft``): the tokens that followed the
last few tokens where they appeared before are read with the next token, and each is kept
only if the model, sampling as usual, chooses it too.
"""

from __future__ import annotations

import codecs
import logging
import queue
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import llama_cpp

from npc.errors import ProviderError
from npc.providers.base import ComputeGate, Control, GenerationRequest, Level, Urgency
from plugins.llama_abort import StepAbort
from plugins.llama_sampler import Sampler, common_prefix, draft

log = logging.getLogger(__name__)

# Prompt tokens read in one step, by urgency: a step is not interrupted for more urgent work
# (only when its own work is cancelled), so work that may be overtaken reads in small
# batches (~0.1-0.4 s on two cores) and the urgent in large ones.
CHUNK = {
    Level.RESPOND: 64,
    Level.SPEAK: 64,
    Level.TENTATIVE: 32,
    Level.LISTEN: 16,
    Level.READ_AHEAD: 16,
    Level.SPEAK_AHEAD: 16,
    Level.WARM: 32,
}
STEP_TOKENS = 96  # at most this many tokens in one step, the leader's chunk and riders
SHIFT_MATCH = 32  # tokens that must match to recognise where the kept dialogue resumes
_END = object()
ABORTED = 2  # llama_decode's code for a step stopped by the abort callback


class _Aborted(Exception):
    """A step stopped mid-way because work in it was cancelled (``StepAbort``)."""


@dataclass
class Seq:
    """One conversation's sequence in the KV cache, and the tokens it holds."""

    id: int
    key: str = ""
    tokens: list[int] = field(default_factory=list)
    work: Work | None = None  # the work using it now (one at a time)


@dataclass
class Stats:
    """What one piece of work cost (for turn timings and benchmarks)."""

    prompt_tokens: int = 0
    cached_tokens: int = 0
    shared_tokens: int = 0  # the stable prefix copied from another conversation's cells
    shifted_tokens: int = 0  # dropped from the cache by shifting instead of re-evaluating
    prefill_s: float = 0.0
    generated_tokens: int = 0
    generate_s: float = 0.0
    drafted_tokens: int = 0
    accepted_tokens: int = 0
    grammar_fallbacks: int = 0
    steps: int = 0  # decode steps it took part in
    shared_steps: int = 0  # of those, steps with other conversations' tokens too


class _NoControl:
    """For callers without a scheduler: never cancelled, someone is waiting."""

    def __init__(self) -> None:
        self.urgency = Urgency.now(Level.RESPOND)
        self.figures: dict[str, float] = {}

    @property
    def cancelled(self) -> bool:
        return False


@dataclass
class Work:
    """A prompt to evaluate and, for ``generate``, a reply to write after it."""

    request: GenerationRequest
    control: Control
    prompt: list[int]
    stable: int
    generate: bool
    out: queue.Queue[Any] = field(default_factory=queue.Queue)
    stats: Stats = field(default_factory=Stats)
    seq: Seq | None = None
    fed: int = 0  # prompt tokens in the cache
    started: float = 0.0
    abandoned: bool = False  # the caller stopped listening
    sampler: Sampler | None = None
    pending: int | None = None  # the last chosen token, sent out but not yet evaluated
    drafts: list[int] = field(default_factory=list)
    generated: list[int] = field(default_factory=list)
    text: str = ""
    greedy: bool = False
    decoder: Any = field(default_factory=lambda: codecs.getincrementaldecoder("utf-8")("replace"))

    @property
    def urgency(self) -> Urgency:
        return self.control.urgency.current(time.monotonic())

    @property
    def stopped(self) -> bool:
        return self.abandoned or self.control.cancelled

    @property
    def writing(self) -> bool:
        return self.pending is not None


class Engine:
    """Runs all work on one model, from one thread (see the module docstring)."""

    def __init__(
        self,
        model: Any,
        *,
        context: int,
        slots: int,
        threads: int,
        batch: int,
        flash: int,
        seed: int,
        draft_max: int,
        gate: ComputeGate,
        states: Any = None,
        remember: Callable[[Work], None] = lambda work: None,
    ) -> None:
        """``context`` tokens per conversation, ``slots`` conversations cached at once."""
        from llama_cpp import _internals as internals

        params = llama_cpp.llama_context_default_params()
        params.n_ctx = context * slots
        params.n_batch = params.n_ubatch = max(batch, STEP_TOKENS)
        params.n_seq_max = slots
        params.kv_unified = True
        params.n_threads = params.n_threads_batch = threads
        params.flash_attn_type = flash
        self._model = model
        self._ctx = internals.LlamaContext(model=model, params=params, verbose=False)
        self._mem = llama_cpp.llama_get_memory(self._ctx.ctx)
        self._batch = llama_cpp.llama_batch_init(params.n_batch, 0, 1)
        self._abort = StepAbort(self._ctx.ctx)
        self._seqs = OrderedDict((i, Seq(i)) for i in range(slots))  # least recently used first
        self._seed = seed
        self._draft_max = draft_max
        self._gate = gate
        self._states = states
        self._remember = remember
        self._n_vocab = model.n_vocab()
        self._works: list[Work] = []
        self._lock = threading.Condition()
        self._closed = False
        self.last_stats = Stats()
        self._thread = threading.Thread(target=self._run, name="llama-engine", daemon=True)
        self._thread.start()

    # -- what callers use (any thread) ---------------------------------------------------

    def submit(self, work: Work) -> None:
        with self._lock:
            if self._closed:
                raise ProviderError("the LLM engine is closed")
            work.started = time.perf_counter()
            self._works.append(work)
            self._lock.notify()

    def close(self, timeout: float = 2.0) -> bool:
        """Stop taking work; what is in progress ends with a ProviderError after the current
        step, and the KV cache is freed (the thread is a daemon: a step still running does
        not keep the process up). True when the engine has stopped within ``timeout``."""
        with self._lock:
            self._closed = True
            self._lock.notify()
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def urgency(self) -> Urgency:
        """The most urgent work waiting now (the gate asks while the engine waits for it)."""
        works = list(self._works)
        return min((w.urgency for w in works), default=Urgency(Level.WARM, time.monotonic()))

    # -- the engine thread --------------------------------------------------------------

    def _run(self) -> None:
        while True:
            with self._lock:
                while not self._works and not self._closed:
                    self._lock.wait()
                if self._closed:
                    for work in self._works:
                        self._finish(work, ProviderError("the LLM engine was closed"))
                    self._abort.close()
                    self._free()
                    return
            try:
                self._step()
            except Exception as exc:  # never leave a caller waiting forever
                log.exception("LLM engine step failed")
                self._reset(exc)

    def _free(self) -> None:
        """Give back the KV cache and the batch (the largest part of the engine's memory);
        here, on the engine's own thread, no step can be using them."""
        llama_cpp.llama_batch_free(self._batch)
        self._ctx.close()  # type: ignore[no-untyped-call]
        self._seqs.clear()

    def _step(self) -> None:
        for work in list(self._works):
            if work.stopped:
                self._finish(work)
        ready = [w for w in self._works if self._ready(w)]
        if not ready:
            with self._lock:  # waiting for a sequence to come free
                self._lock.wait(0.01)
            return
        with self._gate.hold(self.urgency):
            ready = sorted(
                (w for w in self._works if w.seq is not None and not w.stopped),
                key=lambda w: w.urgency,
            )
            if not ready:
                return
            plan = self._plan(ready)
            try:
                self._decode(plan)
            except _Aborted:
                return  # its stopped work ends next step; the others go again, unchanged
        for work, tokens in plan:
            try:
                self._take(work, tokens, plan)
            except ProviderError as exc:  # this reply only (a grammar that allows nothing)
                self._finish(work, exc)

    def _ready(self, work: Work) -> bool:
        """Give ``work`` its sequence if it has none; False while it must wait for one."""
        if work.seq is not None:
            return True
        seq = self._seq_for(work.request.cache_key)
        if seq is None:
            return False
        seq.work, work.seq = work, seq
        self._sync(work, seq)
        if work.fed == len(work.prompt):  # a prefill of what is cached already
            self._prompt_read(work, -1)
            return False
        return True

    def _seq_for(self, key: str) -> Seq | None:
        for seq in self._seqs.values():
            if seq.key == key:
                if seq.work is not None:
                    return None  # the conversation's earlier work is still on it
                self._seqs.move_to_end(seq.id)
                return seq
        for seq in self._seqs.values():  # least recently used first
            if seq.work is None:
                llama_cpp.llama_memory_seq_rm(self._mem, seq.id, -1, -1)
                seq.key, seq.tokens = key, []
                self._seqs.move_to_end(seq.id)
                return seq
        return None

    # -- the prompt: what is cached already -------------------------------------------------

    def _sync(self, work: Work, seq: Seq) -> None:
        """Make the sequence hold the longest cached part of the prompt."""
        prompt, stats = work.prompt, work.stats
        stats.prompt_tokens = len(prompt)
        if common_prefix(seq.tokens, prompt) < work.stable:
            stats.shared_tokens = self._share_prefix(seq, prompt[: work.stable])
        common = common_prefix(seq.tokens, prompt)
        stats.shifted_tokens = self._drop_block(seq, prompt, common)
        if stats.shifted_tokens:
            common = common_prefix(seq.tokens, prompt)
        if common == len(prompt) and work.generate:
            common -= 1  # the last token is evaluated again: its logits start the reply
        llama_cpp.llama_memory_seq_rm(self._mem, seq.id, common, -1)
        del seq.tokens[common:]
        work.fed = stats.cached_tokens = common

    def _share_prefix(self, seq: Seq, prefix: list[int]) -> int:
        """Copy the cells of ``prefix`` from a conversation that has it, or from disk."""
        if not prefix:
            return 0
        for other in self._seqs.values():
            if other is not seq and other.tokens[: len(prefix)] == prefix:
                llama_cpp.llama_memory_seq_rm(self._mem, seq.id, -1, -1)
                llama_cpp.llama_memory_seq_cp(self._mem, other.id, seq.id, 0, len(prefix))
                seq.tokens = list(prefix)
                return len(prefix)
        if self._states is not None and self._states.load(self._ctx.ctx, seq.id, prefix):
            seq.tokens = list(prefix)
            return len(prefix)
        return 0

    def _drop_block(self, seq: Seq, prompt: list[int], common: int) -> int:
        """When the new prompt is the cached one minus a block (old dialogue left the prompt),
        remove that block from the cache and slide the rest back instead of evaluating it
        all again. Returns how many tokens were dropped."""
        cached = seq.tokens
        if len(prompt) - common < SHIFT_MATCH or len(cached) <= common:
            return 0
        if not llama_cpp.llama_memory_can_shift(self._mem):
            return 0
        probe = prompt[common : common + SHIFT_MATCH]
        for gap in range(1, len(cached) - common - SHIFT_MATCH + 1):
            if cached[common + gap : common + gap + SHIFT_MATCH] == probe:
                llama_cpp.llama_memory_seq_rm(self._mem, seq.id, common, common + gap)
                llama_cpp.llama_memory_seq_add(self._mem, seq.id, common + gap, -1, -gap)
                del cached[common : common + gap]
                return gap
        return 0

    # -- one step -----------------------------------------------------------------------

    def _plan(self, ready: list[Work]) -> list[tuple[Work, list[int]]]:
        """The leader's prompt chunk or next tokens, and the next tokens of every other
        reply that is writing (riders cost little: the weights are read once a step)."""
        leader = ready[0]
        plan = [(leader, self._next_tokens(leader))]
        room = STEP_TOKENS - len(plan[0][1])
        for work in ready[1:]:
            if work.writing:
                tokens = self._next_tokens(work)
                if len(tokens) <= room:
                    plan.append((work, tokens))
                    room -= len(tokens)
        return plan

    def _next_tokens(self, work: Work) -> list[int]:
        if work.pending is None:  # still reading its prompt
            end = min(len(work.prompt), work.fed + CHUNK[work.urgency.level])
            if self._states is not None and work.fed < work.stable <= end:
                end = work.stable  # stop there to save the stable prefix's state
            return work.prompt[work.fed : end]
        limit = min(self._draft_max, work.request.max_tokens - len(work.generated) - 1)
        assert work.seq is not None
        work.drafts = draft(work.seq.tokens, work.pending, limit) if limit > 0 else []
        return [work.pending, *work.drafts]

    def _decode(self, plan: list[tuple[Work, list[int]]]) -> None:
        batch, i = self._batch, 0
        for work, tokens in plan:
            assert work.seq is not None
            pos = len(work.seq.tokens)
            reading = work.pending is None
            last_of_prompt = reading and work.fed + len(tokens) == len(work.prompt)
            for j, token in enumerate(tokens):
                batch.token[i] = token
                batch.pos[i] = pos + j
                batch.n_seq_id[i] = 1
                batch.seq_id[i][0] = work.seq.id
                if reading:
                    batch.logits[i] = work.generate and last_of_prompt and j == len(tokens) - 1
                else:
                    batch.logits[i] = True
                i += 1
        batch.n_tokens = i
        self._abort.running([work for work, _ in plan], lambda work: work.stopped)
        try:
            code = llama_cpp.llama_decode(self._ctx.ctx, batch)
        finally:
            self._abort.done()
        if code == ABORTED:
            raise _Aborted
        if code != 0:
            raise ProviderError(f"llama.cpp failed to evaluate the prompt (code {code})")

    def _take(self, work: Work, tokens: list[int], plan: list[tuple[Work, list[int]]]) -> None:
        """Record what the step evaluated for ``work``; sample a writing reply's next tokens."""
        assert work.seq is not None
        index = 0  # where the work's tokens sit in the batch
        for other, its in plan:
            if other is work:
                break
            index += len(its)
        work.seq.tokens.extend(tokens)
        work.stats.steps += 1
        work.stats.shared_steps += len(plan) > 1
        if work.pending is None:
            work.fed += len(tokens)
            if self._states is not None and work.fed == work.stable:
                self._states.save(self._ctx.ctx, work.seq.id, work.seq.tokens)
            if work.fed == len(work.prompt):
                self._prompt_read(work, index + len(tokens) - 1)
        else:
            self._accept(work, index)

    def _prompt_read(self, work: Work, logits_at: int) -> None:
        stats = work.stats
        stats.prefill_s = time.perf_counter() - work.started
        work.control.figures.update(
            prompt_tokens=stats.prompt_tokens,
            cached_tokens=stats.cached_tokens,
            prefill_ms=stats.prefill_s * 1000,
        )
        if not work.generate:
            self._finish(work)
            return
        seed = self._seed if work.request.seed is None else work.request.seed
        work.sampler = Sampler(self._model, self._n_vocab, work.request, seed)
        self._choose(work, work.sampler.sample(self._ctx.ctx, logits_at))

    def _accept(self, work: Work, index: int) -> None:
        """Sample after the pending token and each draft in turn, keeping drafts the model
        chooses too; the first one it does not choose and those after it leave the cache."""
        assert work.sampler is not None and work.seq is not None
        drafts, checked = work.drafts, 0
        work.stats.drafted_tokens += len(drafts)
        while True:
            token = work.sampler.sample(self._ctx.ctx, index + checked)
            if checked < len(drafts) and token == drafts[checked]:
                checked += 1
                work.stats.accepted_tokens += 1
                if not self._emit(work, token):
                    break
                continue
            break
        if checked < len(drafts):
            keep = len(work.seq.tokens) - (len(drafts) - checked)
            llama_cpp.llama_memory_seq_rm(self._mem, work.seq.id, keep, -1)
            del work.seq.tokens[keep:]
        work.drafts = []
        if work.pending is not None:  # not finished while taking the drafts
            self._choose(work, token)

    def _choose(self, work: Work, token: int) -> None:
        """``token`` is the reply's next: send it out, and read it in the next step."""
        work.pending = None
        if self._emit(work, token):
            work.pending = token

    def _emit(self, work: Work, token: int) -> bool:
        """Send ``token``'s text out; False when the reply is complete."""
        request = work.request
        if llama_cpp.llama_vocab_is_eog(self._model.vocab, token):
            self._finish(work)
            return False
        work.stats.generated_tokens += 1
        work.generated.append(token)
        piece = work.decoder.decode(self._model.token_to_piece(token, False).rstrip(b"\0"))
        if piece:
            work.text += piece
            work.out.put(piece)
        if not work.greedy and request.greedy_after and request.greedy_after in work.text:
            work.greedy = True
            assert work.sampler is not None
            work.sampler.go_greedy()
        if len(work.generated) >= request.max_tokens:
            self._finish(work)
            return False
        return True

    # -- endings --------------------------------------------------------------------------

    def _finish(self, work: Work, error: BaseException | None = None) -> None:
        if work not in self._works:
            return
        with self._lock:
            self._works.remove(work)
        if work.seq is not None:
            work.seq.work = None
        work.pending = None  # a chosen token not yet read: the cache ends before it
        if work.sampler is not None:
            work.stats.grammar_fallbacks = work.sampler.fallbacks
            work.sampler.close()
            work.sampler = None
        if work.generate:
            work.stats.generate_s = time.perf_counter() - work.started - work.stats.prefill_s
            self._remember(work)
        work.control.figures.update(
            generated_tokens=work.stats.generated_tokens, shared_steps=work.stats.shared_steps
        )
        self.last_stats = work.stats
        work.out.put(error if error is not None else _END)

    def _reset(self, error: Exception) -> None:
        """A failed step leaves the cache in an unknown state: start over, tell everyone."""
        llama_cpp.llama_memory_clear(self._mem, True)
        for seq in self._seqs.values():
            seq.tokens = []
        failure = error if isinstance(error, ProviderError) else ProviderError(str(error))
        for work in list(self._works):
            self._finish(work, failure)


def results(work: Work) -> Iterator[str]:
    """The pieces a ``Work`` sends out, until it ends (raises what it failed with)."""
    while True:
        item = work.out.get()
        if item is _END:
            return
        if isinstance(item, BaseException):
            raise item
        yield item
