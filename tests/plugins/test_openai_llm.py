"""The OpenAI-compatible provider against a real llama-cpp-python server on loopback."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator

import pytest

from npc.actions.reply import ReplyFormat
from npc.actions.space import ActionSpace
from npc.actions.validate import validate_call
from npc.errors import ProviderError
from npc.providers.base import ChatMessage, GenerationRequest
from npc.runtime import Runtime
from plugins.openai_llm import OpenAICompatibleModel, _Opening


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def endpoint(runtime: Runtime, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    cmd = [
        sys.executable,
        "-m",
        "llama_cpp.server",
        "--model",
        str(runtime.llm.path),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--n_ctx",
        "2048",
        "--n_threads",
        "2",
    ]
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


def test_a_reply_in_the_character_schema(endpoint: str, runtime: Runtime) -> None:
    loaded = runtime.character("jin")
    space = ActionSpace.build(loaded.sheet)
    fmt = ReplyFormat(space, tuple(loaded.sheet.emotions.allowed))
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
    text = fmt.assistant_prefix + "".join(llm.stream(req))
    reply = json.loads(text)
    assert reply["say"] and reply["emotion"] in loaded.sheet.emotions.allowed
    for call in reply["actions"]:
        validate_call(space, call)


def test_unreachable_endpoint_is_a_retryable_provider_error() -> None:
    llm = OpenAICompatibleModel(f"http://127.0.0.1:{free_port()}")
    with pytest.raises(ProviderError, match="cannot reach") as info:
        list(llm.stream(GenerationRequest((ChatMessage("user", "hi"),))))
    assert info.value.retryable


def test_opening_is_matched_across_pieces_and_whitespace() -> None:
    o = _Opening('{"say": "')
    assert [o.take(p) for p in ["{ ", '"sa', 'y":"Hel', "lo"]] == ["", "", "Hel", "lo"]
    with pytest.raises(ProviderError, match="did not follow"):
        _Opening('{"say": "').take('{"emotion"')
