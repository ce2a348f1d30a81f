"""The OpenAI-compatible provider against a real llama-cpp-python server on loopback.

The server (``python -m llama_cpp.server``, the dev extra) serves the bundled model with
one or two threads; the tests keep to a handful of short generations.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from npc.actions.reply import ReplyFormat
from npc.actions.space import ActionSpace, Scene
from npc.actions.validate import validate_call
from npc.assets import resolve
from npc.character.loader import LoadedSheet, load_sheet
from npc.config import Settings
from npc.conversation.scheduler import Job
from npc.errors import ProviderError
from npc.events import ActionCall, ErrorEvent, Event
from npc.mind.mind import Mind
from npc.providers.base import ChatMessage, GenerationRequest, Level
from plugins.openai_llm import OpenAICompatibleModel, _events, _Opening, request_body
from tests.conftest import CHARACTERS

SCHEMA = {"type": "object", "properties": {"say": {"type": "string"}}, "required": ["say"]}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def endpoint(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """llama-cpp-python's OpenAI-compatible server with the bundled model, for this module."""
    model = resolve("llm", None, settings.cache_dir)
    port = free_port()
    cmd = [sys.executable, "-m", "llama_cpp.server", "--model", str(model.path)]
    cmd += ["--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048"]
    # One thread: on a busy 2-core machine two threads generated 1-3 tokens/s against
    # 14-15 for one (llama.cpp's threads wait on each other by spinning).
    cmd += ["--n_threads", "1", "--n_threads_batch", "1"]
    # The server logs a lot: a file, not a pipe that would fill up and stall it.
    log = (tmp_path_factory.mktemp("llama-server") / "server.log").open("w+")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 600
        while True:
            try:
                urllib.request.urlopen(url + "/v1/models", timeout=2)
                break
            except OSError:
                if proc.poll() is not None:
                    log.seek(0)
                    pytest.fail(log.read()[-2000:])
                if time.time() > deadline:
                    pytest.fail("the llama-cpp-python server did not start in 600 s")
                time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        proc.wait(30)
        log.close()


@pytest.fixture(scope="module")
def jin() -> LoadedSheet:
    return load_sheet(CHARACTERS / "jin.yaml")


COOK = """
id: cook
name: Cook
role: the cook of a small noodle kitchen
emotions: {allowed: [neutral, happy, surprised], default: neutral}
scene: {objects: [ramen bowl, green tea, knife]}
actions:
  - name: fetch
    description: Go and get an object and bring it to the player.
    parameters:
      item: {type: object, description: the object to bring}
    examples:
      - {player: I need a knife, args: {item: knife}, say: "Careful, it's sharp."}
      - {player: some tea please, args: {item: green tea}, say: "Here, hot tea."}
"""


@pytest.fixture(scope="module")
def cook(tmp_path_factory: pytest.TempPathFactory) -> LoadedSheet:
    """A small sheet (a short prompt keeps the server's work small) whose own example
    fetches the knife."""
    path = tmp_path_factory.mktemp("sheets") / "cook.yaml"
    path.write_text(COOK)
    return load_sheet(path)


def test_the_standard_json_schema_form_goes_on_the_wire_by_default() -> None:
    request = GenerationRequest((ChatMessage("user", "hi"),), json_schema=SCHEMA, seed=3)
    llm = OpenAICompatibleModel("http://127.0.0.1:1")
    body = request_body(request, "m", llm.schema_form)
    assert body["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "npc_reply", "schema": SCHEMA, "strict": True},
    }
    assert (
        body["stream"]
        and body["seed"] == 3
        and body["messages"] == [{"role": "user", "content": "hi"}]
    )
    llama = OpenAICompatibleModel("http://127.0.0.1:1", schema_form="json_object")
    assert request_body(request, "m", llama.schema_form)["response_format"] == {
        "type": "json_object",
        "schema": SCHEMA,
    }
    free = GenerationRequest((ChatMessage("user", "hi"),))
    assert "response_format" not in request_body(free, "m", "json_schema")


def test_a_streamed_reply_in_the_character_schema(endpoint: str, jin: LoadedSheet) -> None:
    space = ActionSpace.build(jin.sheet)
    fmt = ReplyFormat(space, tuple(jin.sheet.emotions.allowed))
    llm = OpenAICompatibleModel(endpoint)
    req = GenerationRequest(
        (
            ChatMessage("system", "You are Jin, a ramen chef. Reply with a JSON object."),
            ChatMessage("user", "Player: grab me a bowl of ramen"),
        ),
        assistant_prefix=fmt.assistant_prefix,
        json_schema=fmt.json_schema(),
        max_tokens=100,
        temperature=0,
    )
    pieces = list(llm.stream(req))
    reply = json.loads(fmt.assistant_prefix + "".join(pieces))
    assert len(pieces) > 3  # streamed, not one block at the end
    assert reply["say"] and reply["emotion"] in jin.sheet.emotions.allowed
    for call in reply["actions"]:
        validate_call(space, call)
    # The standard form went first; this server refused it, so it now gets llama.cpp's.
    assert llm.schema_form == "json_object"
    assert llm.last_stats.prefill_s > 0


def test_the_standard_form_alone_is_refused_by_llama_cpp_python_clearly(endpoint: str) -> None:
    llm = OpenAICompatibleModel(endpoint, schema_form="json_schema")
    request = GenerationRequest((ChatMessage("user", "hi"),), json_schema=SCHEMA, max_tokens=8)
    with pytest.raises(
        ProviderError, match="answered 500.*needs the json_object schema form"
    ) as info:
        list(llm.stream(request))
    assert not info.value.retryable


class SchemaIgnoringEndpoint:
    """A test double for a server that does not hold replies to npc's schema (as vLLM does
    with a bare ``json_object``): the real endpoint, asked for a reply that fetches the knife
    whatever the scene holds."""

    def __init__(self, llm: OpenAICompatibleModel) -> None:
        self.llm = llm
        self.llm_capabilities = llm.llm_capabilities

    def stream(self, request: GenerationRequest, control: Any = None) -> Iterator[str]:
        schema = request.json_schema
        assert schema is not None
        knife = {
            "type": "array",
            "minItems": 1,
            "items": {"const": {"name": "fetch", "item": "knife"}},
        }
        forced = {**schema, "properties": {**schema["properties"], "actions": knife}}
        yield from self.llm.stream(replace(request, json_schema=forced), control)

    def prefill(self, request: GenerationRequest, control: Any = None) -> None:
        pass

    def count_tokens(self, text: str) -> int:
        return self.llm.count_tokens(text)


async def reply(mind: Mind, line: str) -> list[Event]:
    return [event async for event in mind.respond(1, line)]


async def test_an_action_outside_the_scene_cannot_come_back(
    endpoint: str, cook: LoadedSheet, settings: Settings
) -> None:
    # The knife is not in this scene, though the sheet's own example fetches it.
    scene = Scene.of(cook.sheet)
    scene = replace(scene, objects=tuple(o for o in scene.objects if o != "knife"))
    llm_settings = settings.llm.model_copy(update={"max_reply_tokens": 60})
    llm = OpenAICompatibleModel(endpoint)

    # The server holds the reply to the scene's schema: asked for the knife, the model
    # (which fetches the knife when it is there) can only reach for what is in the scene.
    held = Mind(cook, llm, llm_settings)
    held.set_scene(scene)
    events = await reply(held, "Bring me the knife now.")
    calls = [e for e in events if isinstance(e, ActionCall)]
    assert not [e for e in events if isinstance(e, ErrorEvent)]
    assert calls, events
    assert all(c.name == "fetch" and c.args["item"] in scene.objects for c in calls)

    # A server that let the knife through would still not get it past npc's validation.
    loose = Mind(cook, SchemaIgnoringEndpoint(llm), llm_settings)
    loose.set_scene(scene)
    events = await reply(loose, "Bring me the knife now.")
    assert not [e for e in events if isinstance(e, ActionCall)]
    errors = [e for e in events if isinstance(e, ErrorEvent)]
    assert errors, events
    assert "invalid action" in errors[0].message and "knife" in errors[0].message


def test_a_cancelled_reply_stops_streaming(endpoint: str) -> None:
    llm = OpenAICompatibleModel(endpoint)
    job = Job(Level.RESPOND)
    request = GenerationRequest(
        (ChatMessage("user", "Count from one to one hundred in words."),),
        max_tokens=60,
        temperature=0,
    )
    pieces = []
    for piece in llm.stream(request, job):
        pieces.append(piece)
        job.cancel()
    assert len(pieces) == 1


def test_unreachable_endpoint_is_a_retryable_provider_error() -> None:
    llm = OpenAICompatibleModel(f"http://127.0.0.1:{free_port()}")
    with pytest.raises(ProviderError, match="cannot reach") as info:
        list(llm.stream(GenerationRequest((ChatMessage("user", "hi"),))))
    assert info.value.retryable


def test_stream_events_errors_and_usage() -> None:
    lines = [
        ": keep-alive",
        'data: {"choices": [{"delta": {"content": "Hi"}}]}',
        'data: {"choices": [], "usage": {"prompt_tokens": 9, "completion_tokens": 1, '
        '"prompt_tokens_details": {"cached_tokens": 8}}}',
        "data: [DONE]",
        'data: {"choices": [{"delta": {"content": "never read"}}]}',
    ]
    events: list[dict[str, Any]] = list(_events(iter(lines)))
    assert len(events) == 2 and events[1]["usage"]["prompt_tokens_details"]["cached_tokens"] == 8
    with pytest.raises(ProviderError, match="malformed event"):
        list(_events(iter(["data: {oops"])))
    with pytest.raises(ProviderError, match="failed mid-reply: .*out of memory"):
        list(_events(iter(['data: {"error": {"message": "out of memory"}}'])))


def test_opening_is_matched_across_pieces_and_whitespace() -> None:
    o = _Opening('{"say": "')
    assert [o.take(p) for p in ["{ ", '"sa', 'y":"Hel', "lo"]] == ["", "", "Hel", "lo"]
    with pytest.raises(ProviderError, match="did not follow"):
        _Opening('{"say": "').take('{"emotion"')
