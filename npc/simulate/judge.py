"""The judge: short, grammar-constrained questions about a transcript, each answered with a
verdict, the line that decides it and a one-sentence reason.

A small model asked "is this true?" answers "true" to nearly everything (issue 24: 15 of 15,
a statement and its negation alike; here the 1.5B model still said true to 13 of 16 labelled
items when it had to name a line first, and picked "A" 18 of 18 times when asked to choose
between a statement and its opposite). What helped, measured on labelled transcripts
(``bench/judge_agreement.py``): worked examples of true and false answers from another
setting ahead of the question, and statements that make one concrete claim ("the nurse
asked where it hurts"), not a comparison ("with empathy rather than arguing"). A compound
item asks its claim and, with ``unless``, the claim that would sink it.

The answer is always ``{"verdict": true|false, "line": N, "reason": "..."}``: the grammar
(or, for providers without grammars, the JSON schema) allows only the numbers of the lines
of the speaker that counts (or 0), and a "true" without a line is not a pass. The named line
is the evidence in reports.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

from npc.errors import NpcError
from npc.providers.base import ChatMessage, GenerationRequest, LanguageModel
from npc.simulate.records import Evidence, Utterance

REASON_CHARS = 100
JUDGE_SYSTEM = (
    "You check transcripts of role-play conversations used to train staff. Decide whether the "
    "statement is true: true only when a line clearly shows it, false otherwise. Many "
    'statements are false. Answer with one JSON object: {"verdict": true or false, "line": N, '
    '"reason": "..."}; "line" is the number of the line that decides (0 when no line shows '
    'the statement), "reason" one short sentence about it.'
)
PREFIX = '{"verdict": '

# Worked examples from another setting, so they teach the answer's shape and that "false" is
# a common answer without saying anything about the scenarios being judged.
EXAMPLE = (
    (1, "guest", "Tom Bell", "My room is freezing and nobody answered the phone."),
    (2, "receptionist", "Mia Ross", "That's not my department."),
    (3, "guest", "Tom Bell", "Then whose is it?"),
    (4, "receptionist", "Mia Ross", "Maintenance comes at nine. Take it up with them."),
)
EXAMPLE_ANSWERS = (
    ("The receptionist apologised for the cold room.", "false", 0, "Mia never apologises."),
    (
        "The receptionist told the guest when maintenance comes.",
        "true",
        4,
        "Line 4 says maintenance comes at nine.",
    ),
    ("The receptionist asked which room it was.", "false", 0, "Mia asks Tom nothing."),
    (
        "The receptionist brushed the guest off instead of helping.",
        "true",
        2,
        "Line 2 says it is not her department.",
    ),
)


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
    """GBNF for the answer after ``PREFIX``: a verdict, one of ``turns`` (or 0), a reason."""
    choices = " | ".join(f'"{t}"' for t in sorted({0, *turns}))
    return (
        'root ::= verdict ", \\"line\\": " line ", \\"reason\\": \\"" reason "\\"}"\n'
        'verdict ::= "true" | "false"\n'
        f"line ::= {choices}\n"
        f'reason ::= [^"\\\\\\x00-\\x1f]{{1,{REASON_CHARS}}}\n'
    )


def schema(turns: Sequence[int]) -> dict[str, object]:
    """The same answer as a JSON schema, for providers without grammars."""
    return {
        "type": "object",
        "properties": {
            "verdict": {"type": "boolean"},
            "line": {"type": "integer", "enum": sorted({0, *turns})},
            "reason": {"type": "string", "maxLength": REASON_CHARS},
        },
        "required": ["verdict", "line", "reason"],
    }


def _question(transcript: str, statement: str, who: str) -> str:
    only = f" Only lines of {who} count." if who else ""
    return (
        f"Transcript:\n{transcript}\n\nStatement: {statement.strip()}{only}\n"
        "Is the statement true of this transcript?"
    )


def _examples() -> list[ChatMessage]:
    transcript = "\n".join(f"{t}. {name} ({role}): {text}" for t, role, name, text in EXAMPLE)
    out = []
    for statement, verdict, line, reason in EXAMPLE_ANSWERS:
        answer = f'{PREFIX}{verdict}, "line": {line}, "reason": "{reason}"}}'
        out += [
            ChatMessage("user", _question(transcript, statement, "Mia Ross (receptionist)")),
            ChatMessage("assistant", answer),
        ]
    return out


class Judge:
    """Asks the shared model questions about transcripts, each answered with a line.

    The instructions and the worked examples are the same for every question, so the model
    evaluates them once and keeps them (on disk with llama.cpp); a question costs its
    transcript (once per run) and its own few tokens.
    """

    def __init__(self, llm: LanguageModel, *, cache_key: str, max_tokens: int = 48) -> None:
        self.llm = llm
        self.cache_key = cache_key
        self.max_tokens = max_tokens
        self.preamble = (ChatMessage("system", JUDGE_SYSTEM), *_examples())

    def request(
        self, utterances: Sequence[Utterance], statement: str, speaker: str | None = None
    ) -> GenerationRequest:
        turns = [u.turn for u in utterances if speaker is None or u.speaker == speaker]
        who = ""
        if speaker is not None:
            name = next((u.name for u in utterances if u.speaker == speaker), speaker)
            who = f"{name} ({speaker})"
        user = _question(render_transcript(utterances, numbered=True), statement, who)
        return GenerationRequest(
            messages=(*self.preamble, ChatMessage("user", user)),
            assistant_prefix=PREFIX,
            grammar=grammar(turns),
            json_schema=schema(turns),
            max_tokens=self.max_tokens,
            temperature=0.0,  # the same transcript should get the same verdict
            cache_key=self.cache_key,
            stable_messages=len(self.preamble),
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


def judge_item(
    judge: Judge,
    utterances: Sequence[Utterance],
    claim: str,
    *,
    unless: str | None = None,
    speaker: str | None = None,
) -> Verdict:
    """``claim`` holds and, when given, ``unless`` does not: one question, or two."""
    verdict = judge.ask(utterances, claim, speaker=speaker)
    if verdict.passed is not True or unless is None:
        return verdict
    against = judge.ask(utterances, unless, speaker=speaker)
    if against.passed is None:
        return Verdict(None, f"{verdict.reason}; then: {against.reason}", verdict.evidence)
    if against.passed:
        return Verdict(False, f"but {against.reason}", against.evidence)
    return verdict


def parse_verdict(text: str, utterances: Sequence[Utterance] = ()) -> Verdict:
    """Read the judge's reply (what followed the prefix). A "true" must name a line of the
    transcript, which becomes the evidence; a cut-off reason is kept as is."""
    try:
        data = json.loads(PREFIX + text)
        verdict, turn, reason = bool(data["verdict"]), int(data["line"]), str(data["reason"])
    except (ValueError, KeyError, TypeError):
        match = re.match(r'\s*(true|false), "line": (\d+)(?:, "reason": "(.*))?', text, re.DOTALL)
        if match is None:
            return Verdict(None, f"unreadable answer from the judge: {text[:80]!r}")
        verdict, turn = match.group(1) == "true", int(match.group(2))
        reason = (match.group(3) or "").rstrip('"} \n') or "(no reason given)"
        reason += " (cut off)"
    line = next((u for u in utterances if u.turn == turn), None)
    evidence = (Evidence(line.turn, line.speaker, line.text),) if line is not None else ()
    reason = reason.strip()
    if verdict and line is None:
        return Verdict(False, f"no line shows it (the judge said true without one: {reason})")
    return Verdict(verdict, reason, evidence)
