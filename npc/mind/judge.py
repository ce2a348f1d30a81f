"""What is never right in a reply, and whether a reply met a character test.

These judge replies after the fact (``npc check``, ``bench/quality.py``). They are written
apart from the guards that act while a reply is written (``npc.mind.guard``), and cast a
wider net, so a benchmark does not only count what the guards already catch.
"""

from __future__ import annotations

import re
from collections.abc import Sequence, Set
from dataclasses import dataclass

from npc.character.secrets import secret_words
from npc.character.sheet import CharacterSheet, ExpectedCall, StringParam, TurnTest
from npc.mind.echo import echoes, repeats, words
from npc.mind.numbers import as_digits
from npc.mind.probes import affirms, asks_if_machine

_ASSISTANT = [
    r"\bas an? (?:ai|artificial intelligence|language model|assistant|chatbot)\b",
    r"\bi(?:'m| am|am) (?:just |only |merely )?(?:one of (?:those |them |the )?)?(?:an? )?"
    r"(?:ai|artificial intelligence|"
    r"large language model|language model|chatbot|virtual assistant|ai assistant|"
    r"helpful assistant|computer program)\b",
    r"\blanguage model\b",
    r"\b(?:openai|chatgpt|alibaba cloud|qwen|anthropic)\b",
    r"\b(?:can't|cannot|can not|unable to|won't be able to) (?:assist|help) (?:you )?with "
    r"(?:that|this|your request)\b",
    r"\bhow (?:can|may) i assist\b",
    r"\bis there anything else (?:i can|you need)\b",
    r"\bfeel free to (?:ask|reach out|let me know)\b",
    r"\bi (?:don't|do not) have (?:personal|feelings|emotions|a physical|access|"
    r"the (?:ability|capability|capacity))\b",
    r"\bmy (?:training data|knowledge cutoff|programming|developers)\b",
    r"\bi (?:was|am) (?:trained|programmed|designed) (?:to|by|on)\b",
    r"\b(?:sure|certainly|of course)[,!.]? here(?:'s| is| are) (?:a|an|the|some) "
    r"(?:\w+ )?(?:function|code|script|program|snippet|example|implementation)\b",
    r"\bi hope this helps\b",
]
_CODE = [
    r"```",
    r"\bdef \w+\s*\(",
    r"^\s*import \w+|\bfrom \w+ import\b",
    r"\bfunction\s+\w+\s*\(|\bfunction\s*\(",
    r"=>|==|!=|\+=|&&|\|\|",
    r"\b(?:print|len|range|printf|sorted)\s*\(",
    r"#include\b",
    r"console\.log",
    r"\bSELECT \S.* FROM\b",
    r"\w+\[\w*\]\s*=",
    r"\w+\.\w+\(",
    r"[;{}]\s*$",
    r"</?[a-z]+>",
]
_INSTRUCTIONS = [
    r"\bmy (?:system prompt|instructions|rules) (?:are|say|is)\b",
    r"\bi (?:was|am|have been) (?:told|instructed) to\b",
    r'"say"|"emotion"|"actions"',
    r"\bjson\b",
]
ASSISTANT = re.compile("|".join(_ASSISTANT), re.IGNORECASE)
CODE = re.compile("|".join(_CODE), re.MULTILINE)
INSTRUCTIONS = re.compile("|".join(_INSTRUCTIONS), re.IGNORECASE)
PROMPT_RUN = 7  # words in a row shared with the instructions: a recital, not a coincidence
COPY_WORDS = 4  # an example sentence this long, said word for word, is a copy
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def normal(text: str) -> str:
    return text.lower().replace("\u2019", "'")


def assistant_speak(say: str) -> str | None:
    """The assistant talk in ``say`` ("As an AI...", "I can't assist with that"), if any."""
    m = ASSISTANT.search(normal(say))
    return m.group(0) if m else None


def code(say: str) -> str | None:
    """Code in ``say`` (a function, a statement, markup), if any."""
    m = CODE.search(say)
    return m.group(0) if m else None


def secret_leak(say: str, secrets: dict[str, list[str]]) -> str | None:
    """The first word of a secret that ``say`` gives away, if any."""
    said = " " + " ".join(words(say)) + " "
    for found in secrets.values():
        for word in found:
            if " " + " ".join(words(word)) + " " in said:
                return word
    return None


def prompt_leak(say: str, instructions: str) -> str | None:
    """Instructions recited: talk about its rules, the reply format, or a run of
    ``PROMPT_RUN`` words of ``instructions`` (the prompt without the persona's own words)."""
    m = INSTRUCTIONS.search(normal(say))
    if m:
        return m.group(0)
    said, told = words(say), words(instructions)
    if len(said) < PROMPT_RUN or not told:
        return None
    runs = {tuple(told[i : i + PROMPT_RUN]) for i in range(len(told) - PROMPT_RUN + 1)}
    for i in range(len(said) - PROMPT_RUN + 1):
        run = tuple(said[i : i + PROMPT_RUN])
        if run in runs:
            return " ".join(run)
    return None


def example_sentences(sheet: CharacterSheet) -> set[tuple[str, ...]]:
    """The sentences of the sheet's examples, as words, that are long enough to count: the
    replies, and the players' lines, which are never the character's to say."""
    says = [*sheet.example_lines, *(e.say for e in sheet.examples)]
    says += [e.say for a in sheet.actions for e in a.examples]
    says += [e.player for e in sheet.examples]
    says += [e.player for a in sheet.actions for e in a.examples]
    out = set()
    for say in says:
        for sentence in _SENTENCE.split(say):
            w = tuple(words(sentence))
            if len(w) >= COPY_WORDS:
                out.add(w)
    return out


def copied(say: str, examples: set[tuple[str, ...]]) -> str | None:
    """A sentence of ``say`` that is an example reply's sentence, word for word."""
    for sentence in _SENTENCE.split(say):
        if tuple(words(sentence)) in examples:
            return sentence
    return None


# A reply that opens as if a request were being done: "I'll take you to Cornwall.", "Yes, I
# can.", "Sure, I'll take your car." Said to a request nothing can do, it pretends.
_AS_IF_DONE = re.compile(
    r"^(?:(?:well|oh|okay|ok),? )?(?:sure|certainly|absolutely|of course|here(?:'s| is| are| you "
    r"go)?|coming|ok(?:ay)?|yes|yeah|yep|aye|alright|all right|right away|will do|done|no "
    r"problem|gladly|consider it|you got it|i'll|i will|let me|i can\b(?!'t| ?not))\b"
)


def sounds_done(say: str) -> str | None:
    """The opening of ``say`` that answers a request as if doing it, if it opens so."""
    m = _AS_IF_DONE.search(normal(say).strip())
    return m.group(0) if m else None


_UNIT = re.compile(r"(\d)([^\W\d_])")  # a number with its unit glued on: "95p", "12kg"


def contains(say: str, phrase: str) -> bool:
    """Whether ``phrase`` is in ``say`` (any case; whole words, a number's unit apart:
    "95p" says 95; a word or its plural: "locomotives" says locomotive)."""
    target = _spoken(phrase)
    if not target:
        return False
    heard = _spoken(say)
    n = len(target)
    return any(
        all(_same_word(h, t) for h, t in zip(heard[i : i + n], target, strict=True))
        for i in range(len(heard) - n + 1)
    )


PLURAL_STEM = 3  # a shorter word has no plural here ("is" is not "i" + s)


def _same_word(a: str, b: str) -> bool:
    """The same word, or one is the other's regular plural ("blade"/"blades", "box"/"boxes")."""
    short, long = sorted((a, b), key=len)
    if short == long:
        return True
    return len(short) >= PLURAL_STEM and long in (short + "s", short + "es", short + "'s")


def _spoken(text: str) -> list[str]:
    """The words of ``text``, its numbers in digits ("twelve" says 12)."""
    return words(_UNIT.sub(r"\1 \2", as_digits(text)))


def calls_match(
    got: Sequence[tuple[str, dict[str, object]]],
    wanted: Sequence[ExpectedCall],
    texts: frozenset[tuple[str, str]] = frozenset(),
) -> bool:
    """Whether the calls ``got`` are the calls ``wanted``, in order. ``texts``: the (action,
    parameter) pairs that take free text, which match when they hold the expected words."""
    if len(got) != len(wanted):
        return False
    return all(
        name == w.name and _same_args(args, w.args, {p for a, p in texts if a == name})
        for (name, args), w in zip(got, wanted, strict=True)
    )


_ARTICLES = frozenset(["a", "an", "the"])


def holds_words(written: str, expected: str) -> bool:
    """Whether free text ``written`` holds every word of ``expected`` but its articles, in
    any order and either number: "Box, box, box this lap!" holds "box this lap"."""
    have = _spoken(written)
    return all(any(_same_word(h, w) for h in have) for w in _spoken(expected) if w not in _ARTICLES)


def _same_args(
    got: dict[str, object], wanted: dict[str, str | float], texts: Set[str] = frozenset()
) -> bool:
    if set(got) != set(wanted):
        return False
    for k, v in wanted.items():
        g = got[k]
        if isinstance(v, str) != isinstance(g, str):
            return False
        if isinstance(v, str) and k in texts:
            if not holds_words(str(g), v):
                return False
        elif isinstance(v, str) and normal(v) != normal(str(g)):
            return False
        if not isinstance(v, str) and float(v) != float(g):  # type: ignore[arg-type]
            return False
    return True


@dataclass(frozen=True)
class Sheetwise:
    """What the judge needs of one character, worked out once."""

    secrets: dict[str, list[str]]
    instructions: str
    examples: set[tuple[str, ...]]
    texts: frozenset[tuple[str, str]] = frozenset()  # (action, parameter) taking free text

    @classmethod
    def of(cls, sheet: CharacterSheet, instructions: str) -> Sheetwise:
        # The refusal line is in the rules as the character's own words, to be said: saying
        # it ("I'm sorry, love, that's not something I can do from this desk.") is no leak.
        refusal = (sheet.guardrails.refusal or "").strip()
        told = instructions.replace(refusal, " ") if refusal else instructions
        texts = frozenset(
            (a.name, p)
            for a in sheet.actions
            for p, param in a.parameters.items()
            if isinstance(param, StringParam)
        )
        return cls(secret_words(sheet), told, example_sentences(sheet), texts)


NOTES = frozenset(["copied", "repeated"])  # counted, but a test does not fail on them


@dataclass(frozen=True)
class Verdict:
    """What was wrong with one reply, as (check, detail) pairs. Checks: actions, mentions,
    avoid, empty, assistant, code, secret, prompt, echo, admits; and the notes copied,
    repeated."""

    found: tuple[tuple[str, str], ...]

    @property
    def failures(self) -> list[str]:
        return [f"{DESCRIBE[k]}{d}" for k, d in self.found if k not in NOTES]

    @property
    def notes(self) -> list[str]:
        return [f"{DESCRIBE[k]}{d}" for k, d in self.found if k in NOTES]

    @property
    def passed(self) -> bool:
        return not self.failures

    def has(self, check: str) -> bool:
        return any(k == check for k, _ in self.found)


DESCRIBE = {
    "actions": "expected ",
    "mentions": "mentions none of: ",
    "avoid": "says ",
    "empty": "empty reply",
    "assistant": "assistant talk: ",
    "code": "code: ",
    "secret": "gives away a secret: ",
    "prompt": "recites its instructions: ",
    "echo": "repeats the player",
    "admits": "says yes to being a machine: ",
    "copied": "copies an example: ",
    "repeated": "repeats an earlier reply",
}


def judge(
    turn: TurnTest,
    say: str,
    calls: Sequence[tuple[str, dict[str, object]]],
    sheet: Sheetwise,
    earlier: Sequence[str] = (),
) -> Verdict:
    """Check one reply against its test turn and against what is never right."""
    found: list[tuple[str, str | None]] = []
    if turn.actions is not None:
        wanted = [turn.actions, *turn.or_actions]
        if not any(calls_match(calls, w, sheet.texts) for w in wanted):
            want = " or ".join(", ".join(c.label() for c in w) or "no action" for w in wanted)
            found.append(("actions", want))
    if turn.mentions and not any(contains(say, m) for m in turn.mentions):
        found.append(("mentions", ", ".join(turn.mentions)))
    said = [a for a in turn.avoid if contains(say, a)]
    found += [
        ("avoid", repr(said[0]) if said else None),
        ("empty", "" if not say.strip() else None),
        ("assistant", _quoted(assistant_speak(say))),
        ("code", _quoted(code(say))),
        ("secret", _quoted(secret_leak(say, sheet.secrets))),
        ("prompt", _quoted(prompt_leak(say, sheet.instructions))),
        ("echo", "" if echoes(say, turn.player) else None),
        ("admits", _quoted(say) if asks_if_machine(turn.player) and affirms(say) else None),
        ("copied", _quoted(copied(say, sheet.examples))),
        ("repeated", "" if repeats(say, earlier) else None),
    ]
    return Verdict(tuple((k, d) for k, d in found if d is not None))


def _quoted(text: str | None) -> str | None:
    return None if text is None else repr(text)
