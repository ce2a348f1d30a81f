"""The llama.cpp provider with the real bundled model."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

from npc.actions.reply import ReplyFormat
from npc.actions.space import ActionSpace
from npc.actions.validate import validate_call
from npc.errors import ModelLoadError, ProviderError
from npc.providers.base import ChatMessage, GenerationRequest
from npc.runtime import Runtime
from npc.threads import Hold
from plugins.llama_cpp_llm import TENTATIVE_STEP, LlamaCppModel, _draft

SYSTEM = ChatMessage("system", "You are a terse assistant. Answer in one short sentence.")


def ask(text: str, **kw: object) -> GenerationRequest:
    msgs = (SYSTEM, ChatMessage("user", text))
    return GenerationRequest(msgs, max_tokens=24, temperature=0, cache_key="test", **kw)  # type: ignore[arg-type]


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


def test_cancel_stops_generation(runtime: Runtime) -> None:
    cancel = threading.Event()
    pieces = []
    for piece in runtime.llm.stream(ask("Count from one to fifty in words.", cancel=cancel)):
        pieces.append(piece)
        if len(pieces) == 3:
            cancel.set()
    assert len(pieces) == 3


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
    cancel = threading.Event()
    cancel.set()
    long_line = "Tell me about " + "noodles and broth, " * 40
    llm.prefill(ask(long_line, cancel=cancel))
    assert llm.last_stats.prefill_s < 1.0  # stopped before the first small batch
    llm.prefill(ask(long_line))
    read = llm.last_stats.prompt_tokens - llm.last_stats.cached_tokens
    assert read > 100
    "".join(llm.stream(ask(long_line)))
    assert llm.last_stats.cached_tokens >= llm.last_stats.prompt_tokens - 1


def test_a_hold_pauses_generation_between_tokens(runtime: Runtime) -> None:
    hold = Hold()
    pieces: list[str] = []
    released = threading.Timer(0.5, hold.release)
    for piece in runtime.llm.stream(ask("Count from one to ten in words.", hold=hold)):
        pieces.append(piece)
        if len(pieces) == 1:
            hold.hold()
            started = time.monotonic()
            released.start()
        if len(pieces) == 2:
            assert time.monotonic() - started >= 0.4
            break
    assert len(pieces) == 2


def test_a_held_prefill_waits_between_batches(runtime: Runtime) -> None:
    """The prefill run beside speech recognition waits while ASR holds the cores."""
    llm: LlamaCppModel = runtime.llm
    hold, cancel = Hold(), threading.Event()
    hold.hold()
    threading.Timer(0.5, hold.release).start()
    started = time.monotonic()
    llm.prefill(ask("Where do you buy your pork bones, friend?", cancel=cancel, hold=hold))
    assert time.monotonic() - started >= 0.4
    assert llm.last_stats.prompt_tokens > llm.last_stats.cached_tokens


def test_a_reply_not_yet_sure_stops_while_reading_when_cancelled(runtime: Runtime) -> None:
    """A reply begun on a pause: cancelled before the player's turn is over, it ends
    without a token and keeps what it read; confirmed, it reads the rest at once."""
    llm: LlamaCppModel = runtime.llm
    line = "What goes into the broth, and " + "how long does it simmer, " * 12
    sure, cancel = threading.Event(), threading.Event()
    cancel.set()
    assert list(llm.stream(ask(line, sure=sure, cancel=cancel))) == []
    assert llm.last_stats.generated_tokens == 0
    sure.set()
    assert "".join(llm.stream(ask(line, sure=sure, cancel=threading.Event())))
    assert llm.last_stats.generated_tokens > 0


def test_a_reply_confirmed_while_reading_reads_the_rest_in_one_batch(runtime: Runtime) -> None:
    llm: LlamaCppModel = runtime.llm
    sure = threading.Event()
    batches: list[int] = []
    decode = llm._decode

    def counting(slot: object, chunk: list[int]) -> None:
        batches.append(len(chunk))
        if len(batches) == 1:
            sure.set()  # the end of turn is decided during the first batch
        decode(slot, chunk)  # type: ignore[arg-type]

    llm._decode = counting  # type: ignore[method-assign]
    try:
        line = "Tell me about the noodles, " + "the pork and the eggs, " * 30
        for _ in llm.stream(ask(line, sure=sure, cancel=threading.Event())):
            break
    finally:
        del llm._decode
    assert batches[0] == TENTATIVE_STEP < batches[1]  # a step first, then the rest at once


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
    monkeypatch.setattr(llm, "_draft_max", 0)
    plain = "".join(llm.stream(jin_reply(runtime, line, "test-plain")))
    monkeypatch.setattr(llm, "_draft_max", 4)
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
    assert llm.last_stats.cached_tokens == llm.last_stats.prompt_tokens  # nothing read again
