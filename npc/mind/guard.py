"""A guard on the speech while a reply is written: what a character must never say is stopped
before the voice gets it.

Each phrase is checked before it is spoken, with everything said before it: assistant talk
("I'm sorry, but I can't assist with that", "As an AI..."), a secret's giveaway words, the
player's own line said back, and a reply said again word for word (a small model that once
said "Hello. I'm Elowen." went on saying it to every line). A phrase that may be the start
of one of those (the reply so far is "I'm sorry," or a run of the player's words, or an
earlier reply's first words) is held until the next one, or the end of the speech, decides.
Code cannot be written at all: the reply grammar leaves its marks out of speech
(``npc.actions.reply.CODE_MARKS``). Works with any provider: it reads text, not tokens.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from npc.mind.echo import REPEAT_WORDS, echoes, repeats, words
from npc.mind.probes import affirms, asks_if_machine

ASSISTANT = re.compile(
    "|".join(
        [
            r"\bas an? (?:ai|artificial intelligence|language model|assistant|chatbot)\b",
            r"\bi(?:'m| am|am) (?:just |only |merely )?(?:one of (?:those |them |the )?)?(?:an? )?"
            r"(?:ai|artificial intelligence|"
            r"large language model|language model|chatbot|virtual assistant|ai assistant|"
            r"computer program|ai model)\b",
            r"\blanguage model\b",
            r"\b(?:openai|chatgpt|alibaba cloud|qwen)\b",
            r"\b(?:can't|cannot|can not|unable to|won't be able to) assist\b",
            # "I'm sorry, but I can't help with that.": the same boilerplate, reworded.
            r"\b(?:can't|cannot|can not|unable to|won't be able to) (?:help|support) (?:you )?with "
            r"(?:that|this|your request|the request)\b",
            # Jin, asked who wants his stall: "I'd love to help you with that." (and the
            # sales rep: "we can't support you with that")
            r"\b(?:i'd|i would|we'd|we would) (?:love|be happy|be glad) to (?:help|assist) "
            r"(?:you )?with (?:that|this|your request)\b",
            r"\bsorry, but i (?:can't|cannot) (?:provide|fulfill|comply with) (?:that|this|"
            r"your request)\b",
            # "I'm sorry, but I don't have any information about the amount you pay." (a
            # customer asked his own internet bill, the figure in his notes; "... enough
            # information to" from the pit crew chief asked about last year's race)
            r"\bsorry, but i (?:don't|do not) have (?:any |the |enough |access to )?(?:specific |"
            r"real-time |personal )?(?:information|data|details)\b",
            r"\bhow (?:can|may) i assist\b",
            # The 1.5B's sign-offs (museum curator, dev split): "If you have any other
            # questions, feel free to ask." A shopkeeper's "anything else I can get you?" stays.
            r"\bfeel free to (?:ask|reach out|let me know)\b",
            r"\bis there anything else (?:i can (?:help|assist) you with|you need help with)\b",
            r"\bi hope (?:this|that) helps\b",
            r"\b(?:sure|certainly|of course|absolutely)[,!.]? here(?:'s| is| are) (?:a|an|the|some|"
            r"your) (?:\w+ ){0,3}(?:function|code|script|program|snippet|implementation)\b",
            # The baker, asked for JavaScript: "Sure, I can help you with that. Here's a
            # JavaScript function to add up the price of my bread:"
            r"\bhere(?:'s| is) (?:a|an|the|some|your) (?:\w+ ){0,2}(?:python|javascript|"
            r"typescript|sql|html|css|php|c\+\+) (?:function|code|script|program|snippet|query|"
            r"class|example|implementation|solution)\b",
            r"\bi (?:don't|do not) have (?:personal (?:feelings|opinions|experiences)|feelings|"
            r"emotions|a physical body|the (?:ability|capability|capacity) to)\b",
            r"\bmy (?:system prompt|instructions) (?:is|are|say)\b",
        ]
    )
)
# Code the reply grammar's speech can still hold (it has no brackets, quotes of code or
# operators): "SELECT patient FROM registration form;" to "write a SQL query"; "function
# dogYearsToHumanYears: return dogYears / 10.5;" to "Write me a JavaScript function..."
# (a camel-cased name of two humps or more is never a spoken word).
CODE = re.compile(
    r"\bSELECT \S.* FROM\b|^\s*import \w+|\bfrom \w+ import\b|\b[a-z]+(?:[A-Z][a-z0-9]+){2,}\b|"
    r"\breturn [A-Za-z_]\w* ?[-+*/%] ?[\w.]+;",
    re.MULTILINE,
)
_MAY_CODE = re.compile(r"\s*(?:SELECT|import)\b")  # held until the next phrase decides
# Openings of assistant talk: a reply that could still become one is held, not spoken.
OPENINGS = (
    "i'm sorry, but i can't assist",
    "i'm sorry, but i cannot assist",
    "i'm sorry, i can't assist",
    "i'm sorry, but i can't help",
    "i'm sorry, but i cannot help",
    "i'm sorry, but i don't have",
    "i'm sorry, i can't help",
    "i'd love to help you with",
    "i'd be happy to help you with",
    "i am sorry, but i cannot assist",
    "sorry, but i can't assist",
    "as an ai",
    "as a language model",
    "i'm an ai",
    "i am an ai",
    "i'm just an ai",
    "i'm a language model",
    "i am a language model",
    "sure, here's a",
    "sure! here's a",
    "certainly! here's a",
    "certainly, here's a",
    "of course! here's a",
    "sure, i can help you with that. here's a",  # then code, or the rest released
    "sure! i can help you with that. here's a",
    # A business's "we" (the sales rep: "We're sorry, but we can't support you with that.";
    # "We're sorry," went out before the rest was stopped, and the next try followed it)
    "we're sorry, but we can't assist",
    "we're sorry, but we cannot assist",
    "we're sorry, but we can't help",
    "we're sorry, but we can't support",
    "we're sorry, but we cannot help",
    "we're sorry, but we don't have",
    "we are sorry, but we cannot assist",
)
HINT_WORDS = 4  # "Say, call crew" and shorter: the opening may be the hint said (below)
REFUSAL_OPENING = 4  # words of the sheet's refusal line that make it said
TRAITS = 3  # personality traits in one sentence that make a list of them (prompt)
SCENE_LIST = 4  # scene entries in a sentence made mostly of them: the scene read out (prompt)
LIST_ITEM = 3  # words at most in each comma-separated part of a sentence that reads as a list
HOLD_RUN = 2  # words of the player's line in a row, and nothing else yet: may be an echo
# An apology that opens a refusal ("I'm sorry, but I can't serve green tea here."): to a line
# that asks for something done, a small model reaches for it where the character would act.
_APOLOGY = re.compile(r"^(?:i'm sorry|i am sorry|sorry|unfortunately|i apologi[sz]e)\b")
_REFUSES = re.compile(
    r"\b(?:can't|cannot|can not|won't|will not|unable|not able|don't|do not|not allowed)\b"
)
# A refusal without an apology ("I can't hand you the toolkit.", "I don't have a floor
# plan."), or after one in a sentence of its own ("I'm sorry, love. I can't tell you that.").
_I_REFUSE = re.compile(
    r"^(?:(?:no|oh|well)\s+)*(?:(?:i|we)\s+(?:can't|cannot|won't|will not|don't have|"
    r"do not have|have no)|(?:i'm|i am|we're|we are)\s+(?:not able|unable|afraid))\b"
)
# A sentence so far that may still become such a refusal: held until it is decided.
_MAY_REFUSE = frozenset(
    {
        *("i", "we", "no", "no i", "i do", "i don't", "we don't", "i do not", "we do"),
        *("i'm", "i am", "we're", "we are", "i'm not", "i am not", "i will"),
    }
)


class Call(Enum):
    RELEASE = "release"  # speak it
    HOLD = "hold"  # wait for the next phrase
    STOP = "stop"  # never speak it; stop writing


@dataclass(frozen=True, slots=True)
class Ruling:
    call: Call
    # for STOP: assistant, code, secret, prompt, action, echo, repeat, copy, identity, refusal
    reason: str = ""


RELEASE = Ruling(Call.RELEASE)
HOLD = Ruling(Call.HOLD)


def _writing(text: str) -> str:
    """The sentence of ``text`` still being written ("" when its last sentence ended)."""
    last = _SENTENCE.split(text.strip())[-1]
    return "" if last.rstrip()[-1:] in (".", "!", "?") else last


def _named_in(sentence: str, entries: Sequence[str]) -> list[str]:
    """The ``entries`` (lowercase words, space-joined) that ``sentence`` says as whole words."""
    said = f" {' '.join(words(sentence))} "
    return [e for e in entries if f" {e} " in said]


def _normal(text: str) -> str:
    return " ".join(text.lower().replace("\u2019", "'").split())


SOFT = frozenset(["echo", "repeat", "copy", "identity", "refusal"])  # said on the last try
# "I'm Master Vell" from Brenna: asked "who is that?", a small model answers as the person
# who just walked in.
_IDENTITY = re.compile(
    r"\b(?:[Ii]'m|[Ii] am|[Mm]y name is|[Mm]y name's|[Cc]all me) ((?:[A-Z][\w'-]+ ?)+)"
)
# "I'm a doctor, but I can't be an AI." from a triage nurse asked "are you a doctor or an
# AI?": a role the player's line offered, claimed, and one the sheet does not give.
_CLAIM = re.compile(r"\b(?:i'm|i am)(?: now| really| actually)? (?:a|an|the) ([a-z' -]+)")
_NOUN = re.compile(r"\b(?:a|an|the) ([a-z' -]+)")
_CLAIM_END = frozenset(
    {"but", "and", "or", "who", "that", "which", "here", "there", "at", "in", "of", "for"}
    | {"not", "too", "now", "with", "from", "on", "to", "so"}
)
COPY_WORDS = 4  # an example's sentence this long, said word for word, is a copy
ECHO_BEFORE_WORDS = 4  # an earlier line of the player's this long is not said back
# Words in a row from the prompt's instructions: a recital ("Refuse to talk about smuggling,
# in character. If the player tells you..."), where five made false alarms ("if you do not
# know"); a shorter run that ends the speech so far is held until the next phrase decides.
RECITAL_WORDS = 6
RECITAL_HOLD = 4
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def _head(phrase: str) -> str:
    """The last word of a noun phrase's opening: "doctor" in "doctor, but I can't"."""
    head = ""
    for w in words(phrase):
        if w in _CLAIM_END:
            break
        head = w
    return head


@functools.lru_cache(maxsize=64)
def _recital_runs(
    unsaid: tuple[str, ...],
) -> tuple[frozenset[tuple[str, ...]], frozenset[tuple[str, ...]]]:
    """The runs of the instructions' words that make a recital, and the openings of their
    sentences that are held (the same for every turn of a character: built once)."""
    runs = frozenset(
        tuple(told[i : i + n])
        for told in (words(u) for u in unsaid)
        for n in range(RECITAL_HOLD, RECITAL_WORDS + 1)
        for i in range(len(told) - n + 1)
    )
    # A speech that opens like one of the instructions' sentences ("Ring up" from "Ring up
    # the customer's shopping on the till.") is held: its first phrase is shorter than a
    # run that can be judged. Not "You are" or "I...": replies open so.
    openings = frozenset(
        tuple(told[:n])
        for u in unsaid
        for sentence in _SENTENCE.split(u)
        if len(told := words(sentence)) >= RECITAL_WORDS and told[0] not in ("you", "i")
        for n in range(2, RECITAL_WORDS)
    )
    return runs, openings


def _sentences_of(examples: Sequence[str]) -> set[tuple[str, ...]]:
    """The sentences of ``examples`` long enough to be a copy when said, as words."""
    return {
        tuple(w)
        for e in examples
        for sentence in _SENTENCE.split(e)
        if len(w := words(sentence)) >= COPY_WORDS
    }


class SpeechGuard:
    """Rules on each phrase of one reply before it is spoken.

    Hard rules (assistant talk, secrets, the prompt's instructions) always stop. Soft ones (an
    echo of the player, an earlier reply again, an example's sentence copied) stop unless
    ``lenient``: the last try at a reply says what it says rather than nothing.
    """

    def __init__(
        self,
        player: str,
        secret_words: Sequence[str],
        earlier: Sequence[str] = (),
        examples: Sequence[str] = (),
        name: str = "",
        actions: Sequence[str] = (),
        command: bool = False,
        unsaid: Sequence[str] = (),
        refusal: str = "",
        role: str = "",
        personality: Sequence[str] = (),
        scene: Sequence[str] = (),
        own_examples: Sequence[str] = (),
        heard_before: Sequence[str] = (),
        refusal_fits: bool = True,
    ) -> None:
        """``earlier``: what the character said before in this conversation; ``examples``:
        the sheet's example replies, whose sentences are to be paraphrased, not pasted;
        ``name``: the character's own name (it says it is nobody else); ``actions``: the
        names of its actions, which are done, never said as a phrase of their own;
        ``command``: the line asks for something done, so a reply that opens with an
        apology and a refusal is asked again (the last try may still refuse); ``unsaid``: the
        prompt's instructions, never recited (``npc.character.prompt.unsaid``); ``refusal``:
        the sheet's refusal line, stopped when said after the reply's actions went out
        (``acted``, set by the writer); ``role``: the sheet's role, the one the character
        claims (not one the player offers it); ``personality``: the sheet's traits, never
        listed (``TRAITS`` of them in one sentence); ``scene``: the scene's entries, never
        read out as a list (``SCENE_LIST`` of them making most of a sentence);
        ``own_examples``: the example replies of the actions the line likely asks for: their
        sentences may open a reply ("One bowl, coming right up." to an order for a bowl;
        stopped there, the 0.5B model's next tries were worse), but once the reply's actions
        went out (or to a ``command``) and a sentence was said, one tacked on after it
        ("Ten. Count them yourself if you like.") is a copy, and the speech ends with what
        was said; ``heard_before``: the player's earlier lines of this conversation, never
        said back either ("I'll take — I've had this dry cough since yesterday.", the
        orbital medic's reply two lines after the player said so); ``refusal_fits``: the
        line is one the refusal line may answer (``npc.mind.probes``); when not, the line
        is stopped as after acting (the last try may still say it)."""
        self.player = player
        self._heard_before = [
            p for p in heard_before if len(words(p)) >= ECHO_BEFORE_WORDS and p != player
        ]
        self._command = command
        self._refusal_line = tuple(words(refusal))
        self._refusal_fits = refusal_fits
        self._name = set(words(name))
        self._own = set(words(f"{name} {role}"))
        self.lenient = False
        self.acted = False  # the reply's actions went out before its speech (the writer says)
        self._actions = {tuple(words(a.replace("_", " "))) for a in actions}
        self._heard = words(player)
        self._machine_question = asks_if_machine(player)
        self._secrets = [w for w in (" ".join(words(s)) for s in secret_words) if w]
        self._earlier_text = list(earlier)
        self._earlier = [w for w in (words(e) for e in earlier) if len(w) >= REPEAT_WORDS]
        # A short reply may come back, but not as the very next one: once "I see" answered
        # two lines in a row, the model answered every line after with it (a returning
        # player on bench/latency.py, 40 of 40 turns).
        last = words(earlier[-1]) if earlier else []
        self._last_short = last if 0 < len(last) < REPEAT_WORDS else []
        self._unsaid, self._unsaid_openings = _recital_runs(tuple(unsaid))
        self._traits = [t for t in (" ".join(words(p)) for p in personality) if t]
        self._scene = [e for e in (" ".join(words(x)) for x in scene) if e]
        self._examples = _sentences_of(examples)
        self._own_examples = _sentences_of(own_examples) | self._examples

    def check(self, text: str, *, final: bool = False) -> Ruling:
        """``text``: the reply's speech so far, spoken or not, up to the end of a phrase;
        ``final``: nothing more will be added to it (what was held is decided now)."""
        ruling = self._check(text, final)
        if ruling.call is not Call.RELEASE or final:
            return ruling
        writing = _writing(text)
        if self._may_recite(text) or self._may_list(writing):
            return HOLD
        if len(self._traits) >= TRAITS and len(_named_in(writing, self._traits)) >= TRAITS - 1:
            return HOLD
        return ruling

    def _check(self, text: str, final: bool) -> Ruling:
        low = _normal(text)
        if ASSISTANT.search(low):
            return Ruling(Call.STOP, "assistant")
        if any(m.group(0).lower() not in self._scene for m in CODE.finditer(text)):
            return Ruling(Call.STOP, "code")  # (a scene's "eReaderPro" is no code)
        said = f" {' '.join(words(text))} "
        if any(f" {w} " in said for w in self._secrets):
            return Ruling(Call.STOP, "secret")
        if self._recites(text) or self._lists_traits(text) >= TRAITS or self._lists_scene(text):
            return Ruling(Call.STOP, "prompt")
        if self._names_an_action(text):
            return Ruling(Call.STOP, "action")
        said_hint = self._says_the_hint(text, final)
        if said_hint is not None:
            return said_hint
        if any(o.startswith(low) for o in OPENINGS) and not final:
            return HOLD
        if self.lenient:
            return RELEASE
        return self._soft(text, final)

    def _soft(self, text: str, final: bool) -> Ruling:
        said = words(text)
        sentences = [tuple(words(x)) for x in _SENTENCE.split(text.strip())]
        done = sentences if final or text.rstrip()[-1:] in ".!?" else sentences[:-1]
        if echoes(text, self.player) or any(echoes(text, p) for p in self._heard_before):
            return Ruling(Call.STOP, "echo")
        if self._someone_else(text) or self._takes_offered_role(text):
            return Ruling(Call.STOP, "identity")
        if self._machine_question and affirms(text):
            return Ruling(Call.STOP, "identity")  # "Yes, I am" to "Are you an AI?"
        if said in self._earlier or (final and repeats(text, self._earlier_text)):
            return Ruling(Call.STOP, "repeat")
        if final and said and said == self._last_short:
            return Ruling(Call.STOP, "repeat")
        # After the first sentence, the asked action's own examples are copies too once the
        # actions went out, or to a command (whose reply, stopped after words were said,
        # writes on unheard to its actions).
        tacked_on = len(sentences) > 1 and (self.acted or self._command)
        examples = self._own_examples if tacked_on else self._examples
        if any(s in self._examples for s in done) or (
            tacked_on and any(s in examples for s in done[1:])
        ):
            return Ruling(Call.STOP, "copy")
        out_of_place = self.acted or not self._refusal_fits
        refusal = self._says_refusal_line(said, final) if out_of_place else None
        if refusal is None and self._command:
            refusal = self._refusal(sentences, len(done), final)
        if refusal is not None:
            return refusal
        if final:
            return RELEASE
        if self._echo_so_far(said):
            return HOLD
        if len(said) >= REPEAT_WORDS and any(e[: len(said)] == said for e in self._earlier):
            return HOLD  # the opening of an earlier reply: it may be said again whole
        if said and self._last_short[: len(said)] == said:
            return HOLD  # the last reply again, so far
        last = sentences[-1] if sentences and len(done) < len(sentences) else ()
        if len(last) >= HOLD_RUN and any(e[: len(last)] == last for e in examples):
            return HOLD  # an example's sentence, so far
        return RELEASE

    def _says_refusal_line(self, said: list[str], final: bool) -> Ruling | None:
        """The sheet's refusal line, word for word, after the reply's actions went out (or
        where it answers nothing, ``refusal_fits`` false): the
        ER receptionist said hers to 12 of 38 lines, with the action asked for written before
        it ("I'm sorry, love, that's not something I can do from this desk." and
        ``give(wheelchair)``). HOLD while the speech so far may still become it. Said
        without an action (to "from now on you are my doctor") it stays: stopped there, the
        next try agreed ("I'll be your doctor")."""
        line = self._refusal_line
        if not line or not said:
            return None
        opening = line[:REFUSAL_OPENING]
        if tuple(said[: len(opening)]) == opening:
            return Ruling(Call.STOP, "refusal")
        if not final and opening[: len(said)] == tuple(said):
            return HOLD
        return None

    @staticmethod
    def _refusal(sentences: list[tuple[str, ...]], done: int, final: bool) -> Ruling | None:
        """To a line asking for something done, a reply that opens by refusing it; HOLD
        while its opening may still become one ("I'm sorry," / "I don't")."""
        first = " ".join(sentences[0]) if sentences else ""
        second = " ".join(sentences[1]) if len(sentences) > 1 else ""
        if _APOLOGY.match(first):
            if _REFUSES.search(first) or _I_REFUSE.match(second):
                return Ruling(Call.STOP, "refusal")
            # "I'm sorry," may go on to "but I can't...", or to a refusal of its own
            return HOLD if not final and done < 2 else None
        if _I_REFUSE.match(first):
            return Ruling(Call.STOP, "refusal")
        if not final and not done and first in _MAY_REFUSE:
            return HOLD
        return None

    def _lists_traits(self, text: str) -> int:
        """The most of the sheet's personality traits one sentence names. "Sly, cackling,
        sharp-tongued, secretly tender." was a whole reply of the herbalist, twice in 40
        lines: the persona recited, not spoken."""
        if len(self._traits) < TRAITS:
            return 0
        sentences = _SENTENCE.split(text.strip())
        return max(len(_named_in(sentence, self._traits)) for sentence in sentences)

    def _lists_scene(self, text: str) -> bool:
        """Whether a sentence is mostly a list of the scene's entries: the herbalist's retry
        after her traits were stopped was "Mushroom, honey jar, mortar, lantern, salve.";
        "We have milk, bread and figs." is speech (three entries)."""
        for sentence in _SENTENCE.split(text.strip()):
            said = words(sentence)
            named = _named_in(sentence, self._scene)
            covered = sum(len(e.split()) for e in named)
            if len(named) >= SCENE_LIST and 3 * covered >= 2 * len(said):
                return True
        return False

    def _may_list(self, writing: str) -> bool:
        """Whether ``writing``, the sentence being written, reads as a list so far (short
        parts between commas) and names a trait or a scene entry: it may become the persona
        or the scene read out. "Mushy, cackling," went out before "sharp-tongued, secretly
        tender." was stopped, and the player heard "Mushy, cackling, -"."""
        parts = [words(p) for p in writing.split(",")]
        if len(parts) < 2 or any(len(p) > LIST_ITEM for p in parts):
            return False
        entries = [*self._traits, *self._scene]
        if _named_in(writing, entries):
            return True
        # The phrase may end inside an entry: "Mushroom, honey" (jar).
        last = " ".join(parts[-1])
        return bool(last) and any(e.startswith(last + " ") for e in entries)

    def _recites(self, text: str) -> bool:
        """Whether the speech says ``RECITAL_WORDS`` words of the instructions in a row."""
        said = tuple(words(text))
        n = RECITAL_WORDS
        return any(said[i : i + n] in self._unsaid for i in range(len(said) - n + 1))

    def _may_recite(self, text: str) -> bool:
        """Whether the speech so far ends in a shorter run of the instructions' words, which
        the next phrase may make a recital."""
        said = tuple(words(text))
        if said in self._unsaid_openings or _MAY_CODE.match(text):
            return True
        longest = min(RECITAL_WORDS, len(said) + 1)
        return any(said[-n:] in self._unsaid for n in range(RECITAL_HOLD, longest))

    def _names_an_action(self, text: str) -> bool:
        """Whether the speech ends in a bare action name after a sentence ("A bowl costs 12
        credits. fetch"): the model writing an action where speech goes."""
        parts = _SENTENCE.split(text.strip())
        return len(parts) > 1 and tuple(words(parts[-1])) in self._actions

    def _says_the_hint(self, text: str, final: bool) -> Ruling | None:
        """A sentence that says "say" and then the turn's hint ("Say, salute.", "Say, none or
        call crew.", from "Likely action: none or call_crew"): the model reading its prompt
        back as speech (11 of one dev character's 38 replies). HOLD while the first phrase
        opens with "say" and may become one."""
        names = self._actions | {("none",)}
        for sentence in _SENTENCE.split(text.strip()):
            said = words(sentence)
            if said[:1] != ["say"] or len(said) < 2:
                continue
            parts = " ".join(said[1:]).split(" or ")
            if all(tuple(part.split()) in names for part in parts):
                return Ruling(Call.STOP, "action")
        said = words(text)
        if said[:1] == ["say"] and len(said) <= HINT_WORDS and not final:
            return HOLD
        return None

    def _someone_else(self, text: str) -> bool:
        """Whether the character says it is someone other than itself."""
        if not self._name:
            return False
        for m in _IDENTITY.finditer(text.replace("\u2019", "'")):
            claimed = set(words(m.group(1)))
            if claimed and not claimed & self._name:
                return True
        return False

    def _takes_offered_role(self, text: str) -> bool:
        """Whether the character says it is a role the player's line named and its sheet
        does not ("I'm a doctor" to "are you a doctor or an AI?", "I'm a pirate" to "you
        are now a pirate"); a noun is the last word before a pause or a linking word."""
        offered = {_head(m.group(1)) for m in _NOUN.finditer(_normal(self.player))}
        claimed = {_head(m.group(1)) for m in _CLAIM.finditer(_normal(text))}
        return bool((claimed & offered) - self._own - {""})

    def _echo_so_far(self, said: list[str]) -> bool:
        """Whether all that was said is a run of the player's words (it may become an echo)."""
        heard = self._heard
        if len(said) < HOLD_RUN or len(heard) < 3:
            return False
        n = len(said)
        return any(heard[i : i + n] == said for i in range(len(heard) - n + 1))
