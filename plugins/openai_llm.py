"""An OpenAI-compatible chat endpoint as the LLM: vLLM, SGLang, TGI, OpenAI, llama.cpp's servers.

For a GPU box or an inference cluster serving many games. The reply's shape goes in the
standard structured-output form, ``response_format: {"type": "json_schema", "json_schema":
{"name", "schema", "strict"}}``, which those servers enforce while they generate, so the
reply holds to the character's actions and the scene's objects. llama-cpp-python's server
knows only an older form, ``{"type": "json_object", "schema": ...}`` (which the others read
as "any JSON"): ``schema_form="json_object"`` sends that, and the default ``"auto"`` sends
the standard form and switches to the older one for good when a server refuses it with an
answer that names ``json_object`` as the type it takes. Whatever the server did, the mind
checks every action call against the scene before the game sees it
(``npc.actions.validate``), as on the local path.

The server cannot continue an assistant message we started, so its output repeats the
reply's opening, which is stripped here. Where the server reports token usage (vLLM, SGLang,
OpenAI, llama.cpp), ``last_stats`` says how much of the prompt it had cached.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

import httpx

from npc.errors import ProviderError
from npc.providers.base import Control, GenerationRequest, LLMCapabilities
from npc.providers.registry import ProviderContext

log = logging.getLogger(__name__)

SchemaForm = Literal["auto", "json_schema", "json_object"]
SCHEMA_NAME = "npc_reply"


@dataclass
class EndpointStats:
    """What the last generation cost, as far as the server says (the same fields as the
    local model's stats, for turn timings and benchmarks)."""

    prompt_tokens: int = 0
    cached_tokens: int = 0  # of those, read from the server's prefix cache
    prefill_s: float = 0.0  # until the first piece of text
    generated_tokens: int = 0
    generate_s: float = 0.0


class OpenAICompatibleModel:
    """Streams chat completions from ``{endpoint}/v1/chat/completions``."""

    llm_capabilities = LLMCapabilities(prefix_cache=False, grammar=False, prefill=False)

    def __init__(
        self,
        endpoint: str,
        model: str = "default",
        *,
        api_key: str | None = None,
        timeout: float = 120.0,
        schema_form: SchemaForm = "auto",
    ) -> None:
        """``schema_form``: how the reply's JSON schema is sent (see the module docstring)."""
        self.endpoint = endpoint.rstrip("/")
        self.model = model
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.Client(timeout=timeout, headers=headers)
        self.context_size = 4096
        self.schema_form: Literal["json_schema", "json_object"] = (
            "json_object" if schema_form == "json_object" else "json_schema"
        )
        self._may_switch = schema_form == "auto"
        self.last_stats = EndpointStats()

    @classmethod
    def from_context(cls, ctx: ProviderContext) -> OpenAICompatibleModel:
        s = ctx.settings.llm
        if not s.endpoint:
            raise ProviderError(
                "the openai provider needs NPC_LLM__ENDPOINT (e.g. http://127.0.0.1:8000)"
            )
        return cls(
            s.endpoint, s.endpoint_model, api_key=s.endpoint_api_key, schema_form=s.endpoint_format
        )

    def count_tokens(self, text: str) -> int:
        return len(text) // 4 + 1  # an estimate: only used to budget the history

    def prefill(self, request: GenerationRequest, control: Control | None = None) -> None:
        """Nothing to do: the server caches prompts on its own, if it can."""

    def stream(self, request: GenerationRequest, control: Control | None = None) -> Iterator[str]:
        if _cancelled(control):
            return
        url = f"{self.endpoint}/v1/chat/completions"
        stats = self.last_stats = EndpointStats()
        start = time.perf_counter()
        opening = _Opening(request.assistant_prefix)
        try:
            response = self._open(url, request)
            try:
                for event in _events(response.iter_lines()):
                    _count(event, stats)
                    if _cancelled(control):
                        return  # closing the stream tells the server to stop generating
                    for piece in _texts(event):
                        out = opening.take(piece)
                        if out:
                            if not stats.prefill_s:
                                stats.prefill_s = time.perf_counter() - start
                            yield out
            finally:
                response.close()
        except httpx.HTTPError as exc:
            raise ProviderError(
                f"cannot reach the LLM endpoint {url}: {exc}", retryable=True
            ) from None
        finally:
            stats.generate_s = time.perf_counter() - start - stats.prefill_s

    def _open(self, url: str, request: GenerationRequest) -> httpx.Response:
        """The streaming response, after switching to llama.cpp's schema form if the server
        refused the standard one and that is allowed."""
        response = self._send(url, request)
        if response.status_code == 200:
            return response
        detail = _detail(response)
        if (
            self._may_switch
            and self.schema_form == "json_schema"
            and _refuses_form(response, detail)
        ):
            log.warning(
                "%s refused the json_schema response format (%s); sending llama.cpp's "
                "json_object form with the schema from now on",
                self.endpoint,
                detail[:120],
            )
            self.schema_form = "json_object"
            response = self._send(url, request)
            if response.status_code == 200:
                return response
            detail = _detail(response)
        if _refuses_form(response, detail):
            raise ProviderError(
                f"{url} answered {response.status_code}: {detail}; this server does not take "
                "the json_schema response format (a llama-cpp-python server needs the "
                "json_object schema form)"
            )
        raise ProviderError(
            f"{url} answered {response.status_code}: {detail}",
            retryable=response.status_code >= 500 or response.status_code == 429,
        )

    def _send(self, url: str, request: GenerationRequest) -> httpx.Response:
        body = request_body(request, self.model, self.schema_form)
        response = self._client.send(
            self._client.build_request("POST", url, json=body), stream=True
        )
        return response


def request_body(
    request: GenerationRequest, model: str, schema_form: Literal["json_schema", "json_object"]
) -> dict[str, Any]:
    """The chat completion request for ``request`` as it goes on the wire."""
    body: dict[str, Any] = {
        "model": model,
        "messages": [{"role": m.role, "content": m.content} for m in request.messages],
        "stream": True,
        "stream_options": {"include_usage": True},
        "max_tokens": request.max_tokens,
        "temperature": request.temperature,
    }
    if request.seed is not None:
        body["seed"] = request.seed
    schema = request.json_schema
    if schema is not None and schema_form == "json_schema":
        body["response_format"] = {
            "type": "json_schema",
            "json_schema": {"name": SCHEMA_NAME, "schema": schema, "strict": True},
        }
    elif schema is not None:
        body["response_format"] = {"type": "json_object", "schema": schema}
    return body


def _cancelled(control: Control | None) -> bool:
    """Whether the caller gave up on this reply."""
    return control is not None and control.cancelled


def _detail(response: httpx.Response) -> str:
    try:
        text = response.read().decode(errors="replace")
    finally:
        response.close()
    return " ".join(text.split())[:300]


def _refuses_form(response: httpx.Response, detail: str) -> bool:
    """The server does not take the json_schema type and says it takes json_object
    (llama-cpp-python answers 500 with its validation error). A server that takes the type
    but cannot compile a schema says otherwise, and is not switched to a weaker form."""
    return (
        response.status_code in (400, 422, 500)
        and "response_format" in detail
        and "json_object" in detail
    )


def _events(lines: Iterator[str]) -> Iterator[dict[str, Any]]:
    """The events of a server-sent-events chat completion stream."""
    for line in lines:
        if not line.startswith("data:"):
            continue
        data = line[5:].strip()
        if data == "[DONE]":
            return
        try:
            event = json.loads(data)
        except json.JSONDecodeError:
            raise ProviderError(f"the LLM endpoint sent a malformed event: {data[:120]}") from None
        if isinstance(event, dict) and "error" in event:
            raise ProviderError(f"the LLM endpoint failed mid-reply: {str(event['error'])[:300]}")
        yield event


def _texts(event: dict[str, Any]) -> Iterator[str]:
    for choice in event.get("choices") or []:
        text = (choice.get("delta") or {}).get("content")
        if text:
            yield text


def _count(event: dict[str, Any], stats: EndpointStats) -> None:
    """Token usage, sent in the last event when ``stream_options.include_usage`` is honoured."""
    usage = event.get("usage")
    if not isinstance(usage, dict):
        return
    stats.prompt_tokens = int(usage.get("prompt_tokens") or 0)
    stats.generated_tokens = int(usage.get("completion_tokens") or 0)
    details = usage.get("prompt_tokens_details") or {}
    stats.cached_tokens = int(details.get("cached_tokens") or 0)


class _Opening:
    """Drops the reply's opening (``{"say": "``) that the server writes out itself.

    Whitespace may differ (``{ "say":"``), so non-space characters are matched.
    """

    def __init__(self, prefix: str) -> None:
        self._want = [c for c in prefix if not c.isspace()]
        self._done = not self._want

    def take(self, piece: str) -> str:
        if self._done:
            return piece
        for i, ch in enumerate(piece):
            if ch.isspace():
                continue
            if ch != self._want[0]:
                raise ProviderError(
                    f"the LLM endpoint's reply did not follow the schema "
                    f"(expected {''.join(self._want)!r}, got {piece[i:]!r})"
                )
            self._want.pop(0)
            if not self._want:
                self._done = True
                return piece[i + 1 :]
        return ""
