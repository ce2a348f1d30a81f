"""An OpenAI-compatible chat endpoint as the LLM (llama.cpp's server, llama-cpp-python's, vLLM).

For a GPU box or a cluster serving many games. The reply's shape is sent as a JSON schema
(``response_format: {"type": "json_object", "schema": ...}``, which llama.cpp and
llama-cpp-python servers enforce); the server cannot continue an assistant message we
started, so its output repeats the reply's opening, which is stripped here.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx

from npc.errors import ProviderError
from npc.providers.base import Control, GenerationRequest, LLMCapabilities
from npc.providers.registry import ProviderContext


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
    ) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.model = model
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.Client(timeout=timeout, headers=headers)
        self.context_size = 4096

    @classmethod
    def from_context(cls, ctx: ProviderContext) -> OpenAICompatibleModel:
        s = ctx.settings.llm
        if not s.endpoint:
            raise ProviderError(
                "the openai provider needs NPC_LLM__ENDPOINT (e.g. http://127.0.0.1:8000)"
            )
        return cls(s.endpoint, s.endpoint_model)

    def count_tokens(self, text: str) -> int:
        return len(text) // 4 + 1  # an estimate: only used to budget the history

    def prefill(self, request: GenerationRequest, control: Control | None = None) -> None:
        """Nothing to do: the server caches prompts on its own, if it can."""

    def stream(self, request: GenerationRequest, control: Control | None = None) -> Iterator[str]:
        body: dict[str, Any] = {
            "model": self.model,
            "messages": [{"role": m.role, "content": m.content} for m in request.messages],
            "stream": True,
            "max_tokens": request.max_tokens,
            "temperature": request.temperature,
        }
        if request.json_schema is not None:
            body["response_format"] = {"type": "json_object", "schema": request.json_schema}
        opening = _Opening(request.assistant_prefix)
        url = f"{self.endpoint}/v1/chat/completions"
        try:
            with self._client.stream("POST", url, json=body) as response:
                if response.status_code != 200:
                    detail = response.read().decode(errors="replace")[:300]
                    raise ProviderError(
                        f"{url} answered {response.status_code}: {detail}",
                        retryable=response.status_code >= 500,
                    )
                for piece in _deltas(response.iter_lines()):
                    if control is not None and control.cancelled:
                        return
                    out = opening.take(piece)
                    if out:
                        yield out
        except httpx.HTTPError as exc:
            raise ProviderError(
                f"cannot reach the LLM endpoint {url}: {exc}", retryable=True
            ) from None


def _deltas(lines: Iterator[str]) -> Iterator[str]:
    """The text deltas of a server-sent-events chat completion stream."""
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
        for choice in event.get("choices", []):
            text = (choice.get("delta") or {}).get("content")
            if text:
                yield text


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
