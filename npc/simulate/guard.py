"""Lines that break a simulated conversation: echoes, role inversions, self-repeats, loops.

Small models copy what is in their prompt: the other side's last line ("Alright, I have a few
months left to pay" from the manager, after the tenant said it), their own earlier lines, or
both in turn until the conversation cycles. Each finding names the line it copies and the
words, so a report can show the evidence and the simulation can ask for another line.

- echo: a long run of words copied from one of the other side's lines;
- inversion: the line speaks as the other side: it copies a run of their first-person words
  ("I have a few months left"), opens with a speaker label ("Dale:"), claims the other's name
  or role ("I'm the nurse", said by the patient), addresses the speaker by its own name, or
  takes the other side's part in helping: the side that was helped offers help ("Is there
  anything else I can do for you?", said by the customer), or the side that helps thanks the
  other for its help ("I appreciate your help", said by the rep);
- self_repeat: a long run of words (or the whole line) from the speaker's own earlier line,
  or a short line said again after nothing but short lines ("Sorry." / "I apologize." /
  "Sorry.");
- loop: both sides repeat their lines of two turns before, one after the other (short lines
  too: "Sorry." / "Okay." / "Sorry." / "Okay.").
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Literal

from npc.knowledge.chunking import SENTENCE_END
from npc.mind.echo import words

FlawKind = Literal["echo", "inversion", "self_repeat", "loop"]
FLAW_KINDS: tuple[FlawKind, ...] = ("echo", "inversion", "self_repeat", "loop")

COPY_RUN = 6  # this many words copied in a row is a copy, whatever the line's length
SHORT_RUN = 4  # a shorter run counts when it is most of the line ...
SHORT_SHARE = 0.6  # ... this share of the shorter line's words
FIRST_PERSON = frozenset({"i", "i'm", "i've", "i'll", "i'd", "my", "me", "mine", "myself"})
NAME_CLAIM = r"(?:i'm|i am|my name is)"
ROLE_CLAIM = r"(?:i'm|i am|speaking as)\s+(?:the|a|an|your)"
# The helping side's words and the helped side's. Which side helps is the scenario's
# ``helps``, else read from the conversation (``_helper``).
HELP_OFFER = re.compile(
    r"\b(?:anything else (?:i|we) can do for you|anything else (?:i|we) can help (?:you )?with|"
    r"(?:how|what) can i (?:do for you|help you)|how may i (?:help|assist) you|"
    r"(?:can|may) i help you|i'm here to help(?: you)?(?=$|[.,!?]| if | whenever )|"
    r"let me know if (?:you need|there's|there is) anything|feel free to (?:ask|reach out)|"
    r"(?:if|should) you need anything|"
    r"don't hesitate to (?:ask|let me know|reach out|contact)|"
    r"(?:i'm|i am) (?:glad|happy) to (?:help|assist)(?: you)?(?=$|[.,!?]))"
)
# Thanks for help, not for "support": a rep thanks a customer for their support (their
# business) in character.
HELP_THANKS = re.compile(
    r"\b(?:thanks?|thank you) for (?:your|the|all your) (?:help|assistance)\b|"
    r"\bappreciate (?:your|the|all your) (?:help|assistance)\b|"
    r"\bthanks? (?:you )?for being so helpful\b"
)


@dataclass(frozen=True, slots=True)
class Person:
    """A participant as the guard knows it: its role key, its character's name, and whether
    its part is to help the other (the scenario's ``helps``)."""

    role: str
    name: str
    helps: bool = False

    @property
    def first_name(self) -> str:
        return self.name.split()[0] if self.name.split() else self.name


@dataclass(frozen=True, slots=True)
class Said:
    """A line already in the conversation."""

    turn: int
    role: str
    text: str


@dataclass(frozen=True, slots=True)
class Flaw:
    """What is wrong with the line of ``turn``; ``copied_turn`` is the line it copies (0: none)."""

    kind: FlawKind
    turn: int
    evidence: str
    copied_turn: int = 0

    def describe(self) -> str:
        where = f" (from turn {self.copied_turn})" if self.copied_turn else ""
        return f"{self.kind}{where}: {self.evidence}"


def _run(a: list[str], b: list[str]) -> tuple[int, int]:
    """The longest run of words ``a`` shares with ``b``: (its start in ``a``, its length)."""
    match = SequenceMatcher(None, a, b, autojunk=False).find_longest_match(0, len(a), 0, len(b))
    return match.a, match.size


def _copies(mine: list[str], theirs: list[str]) -> tuple[int, int] | None:
    start, size = _run(mine, theirs)
    shorter = min(len(mine), len(theirs))
    if size >= COPY_RUN or (size >= SHORT_RUN and size >= SHORT_SHARE * shorter):
        return start, size
    return None


def _first_person_run(mine: list[str], theirs: list[str]) -> str | None:
    """A run of the other's words about themselves ("i can't lose this job") in this line."""
    blocks = SequenceMatcher(None, mine, theirs, autojunk=False).get_matching_blocks()
    for block in blocks:
        run = mine[block.a : block.a + block.size]
        if block.size >= SHORT_RUN and FIRST_PERSON & set(run):
            return " ".join(run)
    return None


def _same(a: list[str], b: list[str], least: int = 3) -> bool:
    return bool(a) and a == b and len(a) >= least


def _stuck_on_short_lines(mine: list[str], speaker: str, earlier: Sequence[Said]) -> int:
    """The turn a short line repeats when the speaker's last line was short too and this
    one says the line before it again ("Sorry." / "I apologize." / "Sorry."); 0 if not.

    A short line said twice in a row ("Okay." answering twice) is not a repeat: the minimum
    lengths of the other checks let short lines pass, and alone they are often fine.
    """
    if not mine or len(mine) >= SHORT_RUN:
        return 0
    own = [s for s in earlier if s.role == speaker][-2:]
    if len(own) < 2:
        return 0
    older, last = own
    if len(words(last.text)) < SHORT_RUN and words(older.text) == mine:
        return older.turn
    return 0


def line_flaws(
    text: str, turn: int, speaker: str, earlier: Sequence[Said], cast: Mapping[str, Person]
) -> list[Flaw]:
    """The flaws of ``speaker``'s line ``text`` at ``turn``, after the lines ``earlier``."""
    me = cast[speaker]
    other = next(p for role, p in cast.items() if role != speaker)
    mine = words(text)
    flaws: list[Flaw] = []
    flaws += _claims(text, turn, me, other)
    flaws += _helping(text, turn, earlier, me, other)
    for said in reversed(earlier):
        theirs = words(said.text)
        if said.role == speaker:
            hit = _copies(mine, theirs)
            if hit is not None or _same(mine, theirs):
                start, size = hit or (0, len(mine))
                copied = " ".join(mine[start : start + size])
                flaws.append(Flaw("self_repeat", turn, f'"{copied}"', said.turn))
                break
    else:
        repeated = _stuck_on_short_lines(mine, speaker, earlier)
        if repeated:
            flaws.append(Flaw("self_repeat", turn, f'"{" ".join(mine)}"', repeated))
    for said in reversed(earlier):
        if said.role == speaker:
            continue
        theirs = words(said.text)
        own_words = _first_person_run(mine, theirs)
        if own_words is not None:
            flaws.append(Flaw("inversion", turn, f'"{own_words}"', said.turn))
            break
        hit = _copies(mine, theirs)
        if hit is not None:
            start, size = hit
            flaws.append(Flaw("echo", turn, f'"{" ".join(mine[start : start + size])}"', said.turn))
            break
    if _loops(turn, speaker, mine, earlier):
        flaws.append(Flaw("loop", turn, "both sides repeat their lines of two turns before"))
    return flaws


def clean_part(
    text: str, turn: int, speaker: str, earlier: Sequence[Said], cast: Mapping[str, Person]
) -> str:
    """The sentences of a flawed line that are fine, when dropping the others leaves a line
    with no flaw of at least two words; "" when there is no such part.

    After its retries a side keeps its last line, flaws and all; most often one sentence of
    it copies the other side ("I have been dealing with issues for the past twelve years.")
    and the rest answers them, so the rest is what is said."""
    sentences = [s for s in SENTENCE_END.split(text.strip()) if s]
    kept = [s for s in sentences if not line_flaws(s, turn, speaker, earlier, cast)]
    if not kept or len(kept) == len(sentences):
        return ""
    part = " ".join(kept)
    if len(words(part)) < 2 or line_flaws(part, turn, speaker, earlier, cast):
        return ""
    return part


def _claims(text: str, turn: int, me: Person, other: Person) -> list[Flaw]:
    """A speaker label, the other's name or role claimed, or the speaker's own name used to
    address someone: the line is written from the other side."""
    lowered = text.lower().strip()
    labels = {me.role, other.role, me.first_name.lower(), other.first_name.lower()}
    labels |= {me.name.lower(), other.name.lower()}
    label = re.match(r"^([\w .'-]{2,40}):", lowered)
    if label and label.group(1).strip() in labels:
        return [Flaw("inversion", turn, f'opens with the label "{label.group(1).strip()}:"')]
    claims = [rf"\b{NAME_CLAIM}\s+{re.escape(n)}\b" for n in {other.first_name, other.name}]
    claims.append(rf"\b{ROLE_CLAIM}\s+{re.escape(other.role)}\b")
    for pattern in claims:
        claim = re.search(pattern.lower(), lowered)
        if claim:
            return [Flaw("inversion", turn, f'claims to be the other side: "{claim.group(0)}"')]
    own = re.escape(me.first_name.lower())
    vocative = re.search(rf"(?:^{own}\s*[,!]|[,]\s*{own}\s*[.!?]*$|[,]\s*{own}\s*[,.!?])", lowered)
    if vocative:
        return [Flaw("inversion", turn, f'addresses itself by name: "{vocative.group(0).strip()}"')]
    return []


def _lowered(text: str) -> str:
    return text.lower().replace("\u2019", "'")


def _helper(earlier: Sequence[Said], me: Person, other: Person) -> str | None:
    """The side that helps: the one the scenario names, else the one the first two signs
    in the conversation (an offer of help, or thanks for it) both point at; None otherwise.

    Read from the conversation, one early slip would make every later line of the right
    side look wrong ("I appreciate your help", said by the rep, then the rep's offers), so
    two signs that disagree leave it undecided; two that agree decide it for good, so a
    later inversion does not undo it."""
    for person in (me, other):
        if person.helps:
            return person.role
    other_of = {me.role: other.role, other.role: me.role}
    signs: list[str] = []
    for said in earlier:
        lowered = _lowered(said.text)
        if HELP_OFFER.search(lowered):
            signs.append(said.role)
        if HELP_THANKS.search(lowered):
            signs.append(other_of.get(said.role, said.role))
        if len(signs) >= 2:
            return signs[0] if signs[0] == signs[1] else None
    return None


def _helping(
    text: str, turn: int, earlier: Sequence[Said], me: Person, other: Person
) -> list[Flaw]:
    """The helped side offering help, or the helping side thanking for help: the line takes
    the other side's part."""
    helper = _helper(earlier, me, other)
    if helper is None:
        return []
    lowered = _lowered(text)
    if helper != me.role and (offer := HELP_OFFER.search(lowered)):
        return [Flaw("inversion", turn, f'offers help as the other side does: "{offer.group(0)}"')]
    if helper == me.role and (thanks := HELP_THANKS.search(lowered)):
        return [Flaw("inversion", turn, f'thanks the other side for help: "{thanks.group(0)}"')]
    return []


def _loops(turn: int, speaker: str, mine: list[str], earlier: Sequence[Said]) -> bool:
    """This line repeats the speaker's line of two turns before, and the other side's last
    line repeated theirs: the conversation goes round in a circle."""
    if len(earlier) < 3:
        return False
    last, two_back, three_back = earlier[-1], earlier[-2], earlier[-3]
    if two_back.role != speaker or last.role == speaker:
        return False
    return _again(mine, words(two_back.text)) and _again(words(last.text), words(three_back.text))


def _again(line: list[str], before: list[str]) -> bool:
    """``line`` says ``before`` again: a copied run, or the same words however few."""
    return _copies(line, before) is not None or _same(line, before, least=1)


def flaw_kind(described: str) -> str:
    """The kind of a flaw as ``Flaw.describe`` wrote it ("echo (from turn 3): ...")."""
    return described.split(":", 1)[0].split(" (", 1)[0].strip()


def transcript_flaws(lines: Sequence[Said], cast: Mapping[str, Person]) -> list[Flaw]:
    """Every flaw of every line, each line judged against the lines before it."""
    out: list[Flaw] = []
    for i, said in enumerate(lines):
        out += line_flaws(said.text, said.turn, said.role, lines[:i], cast)
    return out
