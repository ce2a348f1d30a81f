"""Chat templates: messages -> the prompt text a model was trained on.

ChatML (Qwen and many others) is rendered directly; any other template from a GGUF file's
metadata is rendered with jinja2, as the model's authors wrote it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from npc.providers.base import ChatMessage

CHATML_START = "<|im_start|>"


@dataclass(frozen=True)
class ChatTemplate:
    """Renders a conversation ending with the start of the assistant's reply."""

    source: str | None = None  # a jinja2 template; None means ChatML
    bos: str = ""
    eos: str = ""

    @classmethod
    def from_metadata(cls, metadata: Mapping[str, str]) -> ChatTemplate:
        source = metadata.get("tokenizer.chat_template")
        if not source or CHATML_START in source:
            return cls()
        return cls(source)

    def render(self, messages: Sequence[ChatMessage]) -> str:
        if self.source is None:
            turns = [f"<|im_start|>{m.role}\n{m.content}<|im_end|>\n" for m in messages]
            return "".join(turns) + "<|im_start|>assistant\n"
        text: str = self._jinja().render(
            messages=[{"role": m.role, "content": m.content} for m in messages],
            add_generation_prompt=True,
            bos_token=self.bos,
            eos_token=self.eos,
        )
        return text

    def _jinja(self) -> Any:
        from jinja2.sandbox import ImmutableSandboxedEnvironment

        env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
        return env.from_string(self.source or "")
