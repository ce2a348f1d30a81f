"""The LLM judge: one short, grammar-constrained question per rubric item or goal.

The answer is always ``{"pass": true|false, "reason": "..."}``: the grammar (or, for
providers without grammars, the JSON schema) leaves the model no other shape. The
transcript comes before the question, so successive questions about one run reuse the
transcript's evaluated prompt and only evaluate the question.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from npc.errors import NpcError
from npc.providers.base import ChatMessage, GenerationRequest, LanguageModel
from npc.simulate.records import Utterance

REASON_CHARS = 160
JUDGE_SYSTEM = (
    "You assess role-play conversations used to train staff. You get a transcript and one "
    "statement about it. Decide whether the transcript shows the statement is true. Answer "
    'with one JSON object: {"pass": true, "reason": "..."} when it is clearly true, '
    '{"pass": false, "reason": "..."} otherwise. The reason is one short sentence that '
    "quotes or points to the lines that decided it."
)
JUDGE_GRAMMAR = rf"""root ::= verdict ", \"reason\": \"" reason "\"}}"
verdict ::= "true" | "false"
reason ::= [^"\\\x00-\x1f]{{1,{REASON_CHARS}}}
"""
JUDGE_SCHEMA: dict[str, object] = {
    "type": "object",
    "properties": {
        "pass": {"type": "boolean"},
        "reason": {"type": "string", "maxLength": REASON_CHARS},
    },
    "required": ["pass", "reason"],
}
PREFIX = '{"pass": '


@dataclass(frozen=True, slots=True)
class Verdict:
    """The judge's answer; ``passed`` None when the answer could not be read."""

    passed: bool | None
    reason: str


def render_transcript(utterances: Sequence[Utterance]) -> str:
    """The transcript as the judge (and the Markdown report) reads it."""
    lines = []
    for u in utterances:
        lines.append(f"{u.name} ({u.speaker}): {u.text}" if u.text else f"{u.name}: (silent)")
        for a in u.actions:
            args = ", ".join(f"{k}={v}" for k, v in a.args.items())
            lines.append(f"  [{u.name} does {a.name}({args})]")
    return "\n".join(lines)


class Judge:
    """Asks the shared model yes/no questions about transcripts."""

    def __init__(self, llm: LanguageModel, *, cache_key: str, max_tokens: int = 64) -> None:
        self.llm = llm
        self.cache_key = cache_key
        self.max_tokens = max_tokens

    def request(self, utterances: Sequence[Utterance], statement: str) -> GenerationRequest:
        user = (
            f"Transcript:\n{render_transcript(utterances)}\n\n"
            f"Statement: {statement.strip()}\nIs the statement true of this transcript?"
        )
        return GenerationRequest(
            messages=(ChatMessage("system", JUDGE_SYSTEM), ChatMessage("user", user)),
            assistant_prefix=PREFIX,
            grammar=JUDGE_GRAMMAR,
            json_schema=JUDGE_SCHEMA,
            max_tokens=self.max_tokens,
            temperature=0.0,  # the same transcript should get the same verdict
            cache_key=self.cache_key,
            stable_messages=1,
        )

    def ask(self, utterances: Sequence[Utterance], statement: str) -> Verdict:
        """Whether ``statement`` holds for the transcript, with the judge's reason."""
        try:
            text = "".join(self.llm.stream(self.request(utterances, statement)))
        except NpcError as exc:
            return Verdict(None, f"the judge failed: {exc.message}")
        return parse_verdict(text)


def parse_verdict(text: str) -> Verdict:
    """Read the judge's reply (what followed the prefix); a cut-off reason is kept as is."""
    full = PREFIX + text
    try:
        data = json.loads(full)
        return Verdict(bool(data["pass"]), str(data["reason"]).strip())
    except (ValueError, KeyError, TypeError):
        pass
    head = text.lstrip()
    verdict = True if head.startswith("true") else False if head.startswith("false") else None
    _, _, reason = text.partition('"reason": "')
    reason = reason.rstrip('"} \n') or "(no reason given)"
    if verdict is None:
        return Verdict(None, f"unreadable answer from the judge: {text[:80]!r}")
    return Verdict(verdict, f"{reason} (cut off)")
