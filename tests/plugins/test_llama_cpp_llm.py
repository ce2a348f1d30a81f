"""The llama.cpp provider with the real bundled model."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

from npc.actions.reply import ACT_SAY, REFUSING, SAY_ACT_SAY, SAY_FIRST, ReplyFormat
from npc.actions.space import ActionSpace
from npc.actions.validate import validate_call
from npc.conversation.scheduler import Job
from npc.errors import ModelLoadError, ProviderError
from npc.providers.base import ChatMessage, GenerationRequest, Level
from npc.runtime import Runtime
from plugins.llama_cpp_llm import LlamaCppModel
from plugins.llama_sampler import draft as _draft

SYSTEM = ChatMessage("system", "You are a terse assistant. Answer in one short sentence.")


def ask(text: str, key: str = "test") -> GenerationRequest:
    msgs = (SYSTEM, ChatMessage("user", text))
    return GenerationRequest(msgs, max_tokens=24, temperature=0, cache_key=key)


def test_streams_text_and_reuses_the_prompt_prefix(runtime: Runtime) -> None:
    llm: LlamaCppModel = runtime.llm
    first = "".join(llm.stream(ask("Name a colour.")))
    assert first.strip()
    "".join(llm.stream(ask("Name a fruit.")))
    stats = llm.last_stats
    # Everything up to the user's words came from the cache.
    assert stats.cached_tokens >= llm.count_tokens(SYSTEM.content)
    assert stats.generated_tokens > 0


def test_grammar_constrained_replies_always_parse_and_validate(runtime: Runtime) -> None:
    loaded = runtime.character("jin")
    space = ActionSpace.build(loaded.sheet)
    fmt = ReplyFormat(space, tuple(loaded.sheet.emotions.allowed))
    for line in ("grab me the soy sauce", "tell me a joke", "bring me a dragon"):
        req = GenerationRequest(
            (
                ChatMessage("system", "You are Jin, a ramen chef. Reply as JSON."),
                ChatMessage("user", line),
            ),
            assistant_prefix=fmt.assistant_prefix,
            grammar=fmt.grammar(),
            max_tokens=120,
            temperature=0.7,
            cache_key="test-grammar",
        )
        text = fmt.assistant_prefix + "".join(runtime.llm.stream(req))
        reply = json.loads(text)
        assert reply["emotion"] in loaded.sheet.emotions.allowed
        for call in reply["actions"]:
            validate_call(space, call)


@pytest.mark.parametrize("order", [SAY_FIRST, ACT_SAY, SAY_ACT_SAY])
def test_a_reply_that_must_refuse_opens_with_a_refusal_in_every_layout(
    runtime: Runtime, order: tuple[str, ...]
) -> None:
    loaded = runtime.character("jin")
    space = ActionSpace.build(loaded.sheet).only(["none"])
    fmt = ReplyFormat(space, tuple(loaded.sheet.emotions.allowed), order, refuse=True)
    req = GenerationRequest(
        (
            ChatMessage("system", "You are Jin, a ramen chef. Reply as JSON."),
            ChatMessage("user", "Sure thing! Row me all the way to France, would you?"),
        ),
        assistant_prefix=fmt.assistant_prefix,
        grammar=fmt.grammar(["sure*"]),
        max_tokens=80,
        temperature=0,
        cache_key="test-refuse",
    )
    reply = json.loads(fmt.assistant_prefix + "".join(runtime.llm.stream(req)))
    assert reply["say"].startswith(REFUSING), reply["say"]
    assert reply["actions"] == []


def test_cancel_stops_generation(runtime: Runtime) -> None:
    job = Job(Level.RESPOND)
    pieces = []
    for piece in runtime.llm.stream(ask("Count from one to fifty in words."), job):
        pieces.append(piece)
        if len(pieces) == 3:
            job.cancel()
    assert 3 <= len(pieces) <= 3 + 5  # what one step had already written


def test_prompt_over_the_context_is_a_clear_error(runtime: Runtime) -> None:
    with pytest.raises(ProviderError, match="more than the context"):
        list(runtime.llm.stream(ask("word " * 5000)))


def test_stable_prefix_state_is_cached_on_disk(runtime: Runtime, tmp_path: Path) -> None:
    llm: LlamaCppModel = runtime.llm
    fresh = LlamaCppModel(llm.path, threads=2, context=1024, slots=1, state_dir=tmp_path)
    req = GenerationRequest(
        (SYSTEM, ChatMessage("user", "hi")),
        stable_messages=1,
        max_tokens=4,
        temperature=0,
        cache_key="a",
    )
    list(fresh.stream(req))
    assert len(list(tmp_path.glob("*.kv"))) == 1
    other = LlamaCppModel(llm.path, threads=2, context=1024, slots=1, state_dir=tmp_path)
    list(other.stream(req))
    assert other.last_stats.cached_tokens >= llm.count_tokens(SYSTEM.content)


def test_a_file_that_is_not_a_model_fails_clearly(tmp_path: Path) -> None:
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(b"not a gguf file" * 100)
    with pytest.raises(ModelLoadError, match="expected a GGUF model file"):
        LlamaCppModel(bad)
    with pytest.raises(ModelLoadError, match="does not exist"):
        LlamaCppModel(tmp_path / "missing.gguf")


def test_dropping_old_dialogue_slides_the_cache_instead_of_reevaluating(
    runtime: Runtime,
) -> None:
    llm: LlamaCppModel = runtime.llm
    turns = [
        ChatMessage("user" if i % 2 == 0 else "assistant", f"Line number {i} " * 12)
        for i in range(8)
    ]
    ask_ = lambda msgs: GenerationRequest(  # noqa: E731
        (SYSTEM, *msgs, ChatMessage("user", "and now?")),
        max_tokens=4,
        temperature=0,
        cache_key="test-shift",
    )
    list(llm.stream(ask_(turns)))
    list(llm.stream(ask_(turns[2:])))  # the oldest exchange left the prompt
    stats = llm.last_stats
    assert stats.shifted_tokens > 0
    assert stats.prompt_tokens - stats.cached_tokens < 20  # only the new tail was evaluated
    reference = "".join(llm.stream(ask_(turns[2:])))
    fresh = LlamaCppModel(llm.path, threads=2, context=2048, slots=1)
    assert "".join(fresh.stream(ask_(turns[2:]))) == reference


def test_a_cancelled_prefill_stops_early_and_keeps_what_it_read(runtime: Runtime) -> None:
    llm: LlamaCppModel = runtime.llm
    job = Job(Level.READ_AHEAD)
    job.cancel()
    long_line = "Tell me about " + "noodles and broth, " * 40
    llm.prefill(ask(long_line), job)
    assert llm.last_stats.steps == 0  # stopped before its first batch
    llm.prefill(ask(long_line))
    read = llm.last_stats.prompt_tokens - llm.last_stats.cached_tokens
    assert read > 100
    "".join(llm.stream(ask(long_line)))
    assert llm.last_stats.cached_tokens >= llm.last_stats.prompt_tokens - 1


def test_work_that_can_wait_reads_its_prompt_in_smaller_batches(runtime: Runtime) -> None:
    """Each step is one unit nobody can interrupt: work that may be overtaken (a reply begun
    on a pause, a read-ahead) reads in small batches, a reply a player waits for in large."""
    llm: LlamaCppModel = runtime.llm
    line = "Tell me about the noodles, " + "the pork and the eggs, " * 30
    llm.prefill(ask(line, key="test-small"), Job(Level.TENTATIVE))
    small = llm.last_stats.steps
    llm.prefill(ask(line, key="test-large"), Job(Level.RESPOND))
    large = llm.last_stats.steps
    assert small > large >= 1


def test_urgent_work_overtakes_work_that_can_wait(runtime: Runtime) -> None:
    """A long warm-up is running; a reply a player waits for goes first, between its steps."""
    llm: LlamaCppModel = runtime.llm
    warm = Job(Level.WARM)
    long_prompt = ask("Remember this: " + "a bowl of shoyu ramen with an egg, " * 30)
    long_prompt = GenerationRequest(long_prompt.messages, cache_key="test-warm", max_tokens=1)
    order: list[str] = []
    warming = threading.Thread(
        target=lambda: (llm.prefill(long_prompt, warm), order.append("warm"))
    )
    warming.start()
    time.sleep(0.3)  # the warm-up is reading
    reply = "".join(llm.stream(ask("Name a colour."), Job(Level.RESPOND)))
    order.append("reply")
    warming.join(600)
    assert reply.strip() and order == ["reply", "warm"]


def test_conversations_write_together_and_each_gets_the_reply_it_would_get_alone(
    runtime: Runtime,
) -> None:
    llm: LlamaCppModel = runtime.llm
    lines = ["Name a fruit.", "Name a city.", "Name an animal.", "Name a colour."]
    alone = ["".join(llm.stream(ask(line, key=f"alone-{i}"))) for i, line in enumerate(lines)]
    together: dict[int, str] = {}
    shared: list[float] = []

    def talk(i: int) -> None:
        # As a reply does: urgent until its first words are out, then due as audio runs out.
        job, pieces = Job(Level.RESPOND), []
        for piece in llm.stream(ask(lines[i], key=f"together-{i}"), job):
            pieces.append(piece)
            job.become(Level.SPEAK, time.monotonic() + 0.5)
        together[i] = "".join(pieces)
        shared.append(job.figures["shared_steps"])

    threads = [threading.Thread(target=talk, args=(i,)) for i in range(len(lines))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert [together[i] for i in range(len(lines))] == alone
    assert sum(shared) > 0  # some steps carried several conversations' tokens


def test_many_threads_warming_new_conversations_at_once_run_clean(runtime: Runtime) -> None:
    """Issue 23's crash: 8 threads each warming a new cache key while slots were evicted
    freed a llama.cpp context another thread was using (SIGSEGV). One engine thread owns
    every llama.cpp call now; more keys than slots only wait for a free sequence."""
    llm: LlamaCppModel = runtime.llm
    errors: list[BaseException] = []

    def warm(i: int) -> None:
        try:
            for round_ in range(3):
                request = ask(
                    f"Warm-up {i}.{round_}: " + "noodles " * (5 + i), key=f"stress-{i}-{round_}"
                )
                llm.prefill(request, Job(Level.WARM))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=warm, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    assert not errors and not any(t.is_alive() for t in threads)
    assert "".join(llm.stream(ask("Name a colour.")))  # the model still answers


def test_stopping_a_conversation_s_work_frees_it_within_a_step(runtime: Runtime) -> None:
    llm: LlamaCppModel = runtime.llm
    job = Job(Level.SPEAK)
    stream = llm.stream(ask("Count from one to fifty in words.", key="test-stop"), job)
    next(stream)
    job.cancel()
    started = time.monotonic()
    rest = list(stream)
    assert time.monotonic() - started < 2.0 and len(rest) <= 1 + 4  # at most one step's tokens


def test_drafts_come_from_the_latest_place_the_last_tokens_appeared() -> None:
    history = [1, 2, 3, 4, 5, 9, 1, 2, 3, 7, 8, 6, 1, 2]
    assert _draft(history, 3, 4) == [7, 8, 6, 1]  # the later "1 2 3", not the first
    assert _draft(history, 3, 1) == [7]
    assert _draft(history, 4, 4) == []  # "2 3 4"... no: "1 2 4" never appeared
    assert _draft([5, 6], 7, 4) == []


def jin_reply(runtime: Runtime, line: str, key: str) -> GenerationRequest:
    loaded = runtime.character("jin")
    fmt = ReplyFormat(ActionSpace.build(loaded.sheet), tuple(loaded.sheet.emotions.allowed))
    example = fmt.render("One bowl, coming right up.", "happy", 2, [])
    return GenerationRequest(
        (
            ChatMessage("system", "You are Jin, a ramen chef. Reply as JSON."),
            ChatMessage("user", "hello"),
            ChatMessage("assistant", example),
            ChatMessage("user", line),
        ),
        assistant_prefix=fmt.assistant_prefix,
        grammar=fmt.grammar(),
        max_tokens=80,
        temperature=0,
        cache_key=key,
    )


def test_drafting_gives_the_reply_token_by_token_generation_gives(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    llm: LlamaCppModel = runtime.llm
    line = "grab me a bowl of ramen"
    monkeypatch.setattr(llm._engine, "_draft_max", 0)
    plain = "".join(llm.stream(jin_reply(runtime, line, "test-plain")))
    monkeypatch.setattr(llm._engine, "_draft_max", 4)
    drafted = "".join(llm.stream(jin_reply(runtime, line, "test-drafted")))
    stats = llm.last_stats
    assert drafted == plain
    # The JSON between the fields repeats the example: most drafts are taken.
    assert stats.accepted_tokens > stats.generated_tokens // 3
    # Drafts the model did not choose left the cache: the next prompt, which carries the
    # reply, finds all of it there.
    asked = jin_reply(runtime, line, "test-drafted")
    reply = ChatMessage("assistant", asked.assistant_prefix + drafted)
    follow = GenerationRequest(
        (*asked.messages, reply, ChatMessage("user", "thanks")),
        max_tokens=1,
        cache_key="test-drafted",
    )
    tokens, _ = llm.prompt_tokens(follow)
    list(llm.stream(follow))
    assert llm.last_stats.cached_tokens >= len(tokens) - llm.count_tokens("user\nthanks") - 8


def test_a_prompt_read_ahead_in_full_starts_the_reply_at_once(runtime: Runtime) -> None:
    llm: LlamaCppModel = runtime.llm
    request = jin_reply(runtime, "where is the storage room?", "test-ahead")
    llm.prefill(request)
    "".join(llm.stream(request))
    # Nothing read again but the last token, whose logits start the reply.
    assert llm.last_stats.cached_tokens == llm.last_stats.prompt_tokens - 1


def test_a_step_whose_work_is_cancelled_stops_mid_way_and_keeps_nothing(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The work is cancelled once its step has begun: the abort watcher raises the flag and
    llama.cpp stops the step at its next node; nothing of it stays in the cache, and the
    engine goes on."""
    import llama_cpp

    llm: LlamaCppModel = runtime.llm
    abort = llm._engine._abort
    assert abort.available
    job = Job(Level.RESPOND)
    decode, codes = llama_cpp.llama_decode, []

    def cancel_then_decode(ctx: object, batch: object) -> int:
        job.cancel()
        deadline = time.monotonic() + 5
        while abort._flag[0] != b"\1" and time.monotonic() < deadline:
            time.sleep(0.001)  # the watcher looks every 10 ms
        codes.append(decode(ctx, batch))
        return codes[-1]

    line = "Tell me about the ramen, " + "the pork, the broth and the eggs, " * 20
    monkeypatch.setattr(llama_cpp, "llama_decode", cancel_then_decode)
    llm.prefill(ask(line, key="test-abort"), job)
    monkeypatch.setattr(llama_cpp, "llama_decode", decode)
    assert codes == [2]  # llama.cpp's "aborted"
    assert llm.last_stats.steps == 0
    llm.prefill(ask(line, key="test-abort"))
    assert llm.last_stats.cached_tokens == 0  # the aborted step left nothing behind
    assert "".join(llm.stream(ask("Name a colour.", key="test-abort")))
