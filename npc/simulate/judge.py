"""The judge: one short, grammar-constrained question per rubric item or goal, answered by
pointing at the line that decides it.

A small model asked "is this true?" answers "true" to nearly everything (issue 24: 15 of 15,
a statement and its negation alike). So the judge must first name the line that shows the
statement (by its number, from the lines of the speaker that matters) and only then give a
verdict; a "true" without such a line is not a pass. The answer is always
``{"line": N, "verdict": true|false, "reason": "..."}``: the grammar (or, for providers
without grammars, the JSON schema) leaves the model no other shape, and no line number that
is not in the transcript. The transcript comes before the question, so successive questions
about one run reuse the transcript's evaluated prompt and only evaluate the question.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from npc.errors import NpcError
from npc.providers.base import ChatMessage, GenerationRequest, LanguageModel
from npc.simulate.records import Evidence, Utterance

REASON_CHARS = 160
JUDGE_SYSTEM = (
    "You check transcripts of role-play conversations used to train staff. Each line of the "
    "transcript has a number. You get one statement about the conversation. First find the "
    "line that best shows whether the statement is true, then decide. Answer with one JSON "
    'object: {"line": N, "verdict": true or false, "reason": "..."}. "line" is the number of '
    "that line, or 0 when no line supports the statement. The verdict is true only when the "
    "line you name clearly shows the statement is true; when no line does, the verdict is "
    'false. "reason" is one short sentence about that line.'
)
PREFIX = '{"line": '


@dataclass(frozen=True, slots=True)
class Verdict:
    """The judge's answer; ``passed`` None when the answer could not be read."""

    passed: bool | None
    reason: str
    evidence: tuple[Evidence, ...] = ()


def render_transcript(utterances: Sequence[Utterance], numbered: bool = False) -> str:
    """The transcript as the judge (and the Markdown report) reads it."""
    lines = []
    for u in utterances:
        head = f"{u.turn}. " if numbered else ""
        said = f"{u.name} ({u.speaker}): {u.text}" if u.text else f"{u.name}: (silent)"
        lines.append(head + said)
        for a in u.actions:
            args = ", ".join(f"{k}={v}" for k, v in a.args.items())
            lines.append(f"  [{u.name} does {a.name}({args})]")
    return "\n".join(lines)


def grammar(turns: Sequence[int]) -> str:
    """GBNF for the answer after ``PREFIX``: one of ``turns`` (or 0), a verdict, a reason."""
    choices = " | ".join(f'"{t}"' for t in sorted({0, *turns}))
    return (
        'root ::= line ", \\"verdict\\": " verdict ", \\"reason\\": \\"" reason "\\"}"\n'
        f"line ::= {choices}\n"
        'verdict ::= "true" | "false"\n'
        f'reason ::= [^"\\\\\\x00-\\x1f]{{1,{REASON_CHARS}}}\n'
    )


def schema(turns: Sequence[int]) -> dict[str, object]:
    """The same answer as a JSON schema, for providers without grammars."""
    return {
        "type": "object",
        "properties": {
            "line": {"type": "integer", "enum": sorted({0, *turns})},
            "verdict": {"type": "boolean"},
            "reason": {"type": "string", "maxLength": REASON_CHARS},
        },
        "required": ["line", "verdict", "reason"],
    }


class Judge:
    """Asks the shared model questions about transcripts, each answered with a line."""

    def __init__(self, llm: LanguageModel, *, cache_key: str, max_tokens: int = 72) -> None:
        self.llm = llm
        self.cache_key = cache_key
        self.max_tokens = max_tokens

    def request(
        self, utterances: Sequence[Utterance], statement: str, speaker: str | None = None
    ) -> GenerationRequest:
        turns = [u.turn for u in utterances if speaker is None or u.speaker == speaker]
        who = ""
        if speaker is not None:
            name = next((u.name for u in utterances if u.speaker == speaker), speaker)
            who = f" Only lines of {name} ({speaker}) count."
        user = (
            f"Transcript:\n{render_transcript(utterances, numbered=True)}\n\n"
            f"Statement: {statement.strip()}{who}\nWhich line shows whether it is true, and "
            "is it true?"
        )
        return GenerationRequest(
            messages=(ChatMessage("system", JUDGE_SYSTEM), ChatMessage("user", user)),
            assistant_prefix=PREFIX,
            grammar=grammar(turns),
            json_schema=schema(turns),
            max_tokens=self.max_tokens,
            temperature=0.0,  # the same transcript should get the same verdict
            cache_key=self.cache_key,
            stable_messages=1,
        )

    def ask(
        self, utterances: Sequence[Utterance], statement: str, *, speaker: str | None = None
    ) -> Verdict:
        """Whether ``statement`` holds for the transcript (only ``speaker``'s lines count
        when given), with the judge's reason and the line it pointed at."""
        try:
            text = "".join(self.llm.stream(self.request(utterances, statement, speaker)))
        except NpcError as exc:
            return Verdict(None, f"the judge failed: {exc.message}")
        return parse_verdict(text, utterances)


def parse_verdict(text: str, utterances: Sequence[Utterance] = ()) -> Verdict:
    """Read the judge's reply (what followed the prefix). A "true" must name a line of the
    transcript, which becomes the evidence; a cut-off reason is kept as is."""
    full = PREFIX + text
    try:
        data = json.loads(full)
        turn, verdict, reason = int(data["line"]), bool(data["verdict"]), str(data["reason"])
    except (ValueError, KeyError, TypeError):
        head, _, rest = text.partition(",")
        if not head.strip().isdigit() or '"verdict": ' not in rest:
            return Verdict(None, f"unreadable answer from the judge: {text[:80]!r}")
        turn = int(head.strip())
        after = rest.split('"verdict": ', 1)[1]
        verdict = after.startswith("true")
        _, _, reason = after.partition('"reason": "')
        reason = (reason.rstrip('"} \n') or "(no reason given)") + " (cut off)"
    line = next((u for u in utterances if u.turn == turn), None)
    evidence = (Evidence(line.turn, line.speaker, line.text),) if line is not None else ()
    reason = reason.strip()
    if verdict and line is None:
        return Verdict(False, f"no line shows it (the judge said true without one: {reason})")
    return Verdict(verdict, reason, evidence)
