"""One reply written by the model: its stream parsed into events, every phrase past the guard.

When the guard stops a reply before anything of it was said or done, the model is asked
again with the offending opening word banned by the grammar (providers without grammars
are not asked again); so it is, once per reply, when what was said breaks off mid-sentence
("I've been"), the new reply said after a dash. After that, or once a sentence was said,
the speech ends where it stands (or, when nothing was said, or nothing after a break-off,
with the sheet's refusal line). Once something was said
to a line that asks for something done, the model writes on unheard, so the reply's emotion
and actions still go out; to any other line it stops there. See ``npc.mind.guard`` for what
is stopped.
"""

from __future__ import annotations

import itertools
import json
import re
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field, replace
from typing import Any

from npc.actions.reply import ReplyFormat
from npc.errors import NpcError
from npc.events import Emotion, ErrorEvent, Event, Phrase, ReplyText
from npc.mind.guard import Call, SpeechGuard
from npc.mind.parser import SPEECH, ActionItem, Field, ReplyParser, SayText
from npc.mind.phrases import PhraseSplitter
from npc.mind.restart import Restart
from npc.providers.base import Control, GenerationRequest, LanguageModel, Level, Urgency
from npc.threads import iterate_in_thread

INTENSITY = {1: 0.35, 2: 0.65, 3: 1.0}
ATTEMPTS = 3  # the first reply and up to two more, each with one more opening banned
# Said when a reply had to be stopped before any of it was spoken, and the sheet gives no
# refusal line of its own: neutral enough for any character.
DEFAULT_REFUSAL = "Hm. Let's talk about something else."
APOLOGIES = ("sorry*", "apolog*", "unfortunately*")  # banned too after assistant talk
BREAK_OFF = " \u2014"  # shown after words cut short, before the reply that starts again


class _Attempt:
    """The control of one attempt: cancelled with the turn, or when the guard stops it."""

    def __init__(self, outer: Control | None) -> None:
        self.outer = outer
        self.stopped = False
        self._urgency = Urgency.now(Level.RESPOND)
        self._figures: dict[str, float] = {}

    @property
    def cancelled(self) -> bool:
        return self.stopped or (self.outer is not None and self.outer.cancelled)

    @property
    def urgency(self) -> Urgency:
        return self.outer.urgency if self.outer is not None else self._urgency

    @property
    def figures(self) -> dict[str, float]:
        return self.outer.figures if self.outer is not None else self._figures


@dataclass
class _Draft:
    """What one attempt has written so far."""

    parser: ReplyParser
    splitter: PhraseSplitter
    speech: str = ""  # all the speech written, said or not
    held: list[str] = field(default_factory=list)  # phrases the guard holds back
    stopped: str = ""  # why the guard stopped it
    acted: bool = False  # an action or the emotion went out
    rest: Restart | None = None  # in say_act_say's "more": its repeat of the opening left out
    calls: list[Any] = field(default_factory=list)  # the actions it wrote, as written


@dataclass
class ReplyWriter:
    """Writes the reply to one turn (``Mind.respond`` makes one per turn)."""

    llm: LanguageModel
    format: ReplyFormat
    guard: SpeechGuard
    request_for: Callable[[frozenset[str]], GenerationRequest]  # the banned openings -> request
    # A proposed call -> ActionCall or ErrorEvent, or None for a call not passed on.
    act: Callable[[Any], Event | None]
    emotions: tuple[str, ...]
    default_emotion: str
    refusal: str
    turn_id: int
    result: Any  # TurnResult
    control: Control | None = None
    first_phrase_words: int = 2
    hurry: Callable[[], bool] | None = None
    clock: Callable[[], float] = time.perf_counter
    start: float = 0.0
    banned: set[str] = field(default_factory=set)  # openings the grammar forbids
    # Whether a reply stopped after words were said still writes on to its actions: only
    # when the line asks for one ("give me the axe"), since a stop often comes where the
    # model went astray, and what it does next to a question is rarely asked for.
    act_unheard: bool = True
    # Nothing is said before the guard has read the whole speech: a stop then leaves
    # nothing said, and the model is asked again (simulations, where no voice waits).
    whole: bool = False
    parser: ReplyParser = field(default_factory=ReplyParser)  # the last attempt's
    emotion_sent: bool = False
    _feeling: dict[str, Any] = field(default_factory=dict)
    _phrases: itertools.count[int] = field(default_factory=itertools.count)
    # An actions-first reply whose speech was stopped before a word: its actions went out,
    # and the next tries write only the speech after them (this text, given as fixed).
    _acted: str = ""

    async def events(self) -> AsyncIterator[Event]:
        # Without a grammar the ban cannot be applied: the same reply would come back.
        tries = ATTEMPTS if self.llm.llm_capabilities.grammar else 1
        for attempt in range(tries):
            # The last try says what it says, so that something is said; once words were
            # said (they broke off), a try after them stays strict and is cut where it errs.
            self.guard.lenient = attempt == tries - 1 and not self.result.say
            said_before = self.result.say
            draft = _Draft(ReplyParser(), self._splitter())
            self.parser = draft.parser
            async for event in self._write(draft):
                yield event
            if not draft.stopped:
                return
            self.result.timings.setdefault("guard", 0)
            self.result.timings["guard"] += 1
            opening = first_word(draft.speech)
            if draft.acted and self.format.order[0] == "actions":
                # Its actions went out before the speech: the next tries write the speech alone.
                self._acted = self._acted or self._actions_text(draft.calls)
            elif draft.acted:
                break
            if attempt == tries - 1 or not opening:
                break
            if self.result.say != said_before:  # this try said words before its stop
                if self.result.restart_at or self.whole or ends_sentence(self.result.say):
                    break  # a sentence stands; a reply breaks off once
                # Its first words went out mid-sentence ("I've been"): the player hears the
                # speaker break off and start again rather than stop there.
                self.result.say += BREAK_OFF
                self.result.restart_at = len(self.result.say)
                yield ReplyText(self.turn_id, BREAK_OFF)
            self.banned.update(ban_forms(opening))
            if draft.stopped in ("assistant", "refusal"):
                # Its first word banned, a refusal comes back as "Sorry, but I can't...".
                self.banned.update(APOLOGIES)
        # Stopped for good: what was said stands; if nothing was (or nothing after a
        # break-off), the refusal line.
        if not self.result.kept_say:
            splitter = self._splitter()
            for phrase in [*splitter.feed(self.refusal + " "), splitter.flush()]:
                for event in self._say(phrase) if phrase else []:
                    yield event

    def _actions_text(self, calls: list[Any]) -> str:
        """An actions-first reply up to its speech, with ``calls`` as its actions."""
        written = ", ".join(json.dumps(c, ensure_ascii=False) for c in calls)
        return f'{self.format.assistant_prefix}{written}], "say": "'

    def _request(self) -> GenerationRequest:
        request = self.request_for(frozenset(self.banned))
        if not self._acted:
            return request
        # Speech, emotion and intensity after the actions already written: "Sure, picture
        # thousands of tiny workers." (an example pasted) after hand_over(USB key) had left
        # only the refusal line to say, since the actions could not be written twice.
        speech = replace(self.format, order=tuple(f for f in self.format.order if f != "actions"))
        return replace(request, assistant_prefix=self._acted, grammar=speech.grammar(self.banned))

    def _splitter(self) -> PhraseSplitter:
        return PhraseSplitter(first_max_words=self.first_phrase_words, hurry=self.hurry)

    async def _write(self, draft: _Draft) -> AsyncIterator[Event]:
        request = self._request()
        control = _Attempt(self.control)
        draft.parser.feed(request.assistant_prefix)  # what it holds was handled already
        self.result.reply_text = ""
        try:
            stream = iterate_in_thread(lambda: self.llm.stream(request, control))
            async for piece in stream:
                if "first_token" not in self.result.timings:
                    self.result.timings["first_token"] = (self.clock() - self.start) * 1000
                    self._note_prompt_cost(control)
                self.result.reply_text += piece
                for item in draft.parser.feed(piece):
                    for event in self._handle(item, draft):
                        yield event
                    # Once words were said, what was said stands and no try follows: to a
                    # command the model writes on, unheard, to the emotion and actions (in
                    # say_first they come after the speech, and a stopped command lost its
                    # action). Otherwise: asked again, or the refusal, or the end.
                    if draft.stopped and not (self.result.say and self.act_unheard):
                        control.stopped = True
                        return
        except NpcError as exc:
            yield ErrorEvent(self.turn_id, exc.code, exc.message, fatal=False)
        for event in self._end_speech(draft):
            yield event

    def _note_prompt_cost(self, control: Control) -> None:
        """How long the model read this turn's prompt, and how many tokens it had to read
        (providers that say so, in the control's ``figures``)."""
        figures = control.figures
        if "prefill_ms" in figures:
            self.result.timings["prompt_eval"] = figures["prefill_ms"]
        if "prompt_tokens" in figures:
            cached = figures.get("cached_tokens", 0)
            self.result.prompt_tokens = int(figures["prompt_tokens"] - cached)

    def _handle(self, item: Any, draft: _Draft) -> list[Event]:
        if draft.stopped and (isinstance(item, SayText) or _speech_end(item)):
            return []  # unheard: the speech was stopped after words were said
        if isinstance(item, SayText):
            text = draft.rest.feed(item.text) if draft.rest is not None else item.text
            draft.speech += text
            return self._phrases_of(draft.splitter.feed(text), draft)
        if _speech_end(item):
            out: list[Event] = []
            if draft.rest is not None:
                text = draft.rest.flush()
                draft.speech += text
                out = self._phrases_of(draft.splitter.feed(text), draft)
            elif "more" in self.format.order:
                draft.rest = Restart(draft.speech)
            draft.speech += " "
            return out + self._end_speech(draft)
        if isinstance(item, Field) and item.name in ("emotion", "intensity"):
            self._feeling[item.name] = item.value
            if len(self._feeling) < 2:
                return []
            draft.acted = True
            if self.emotion_sent:  # a try after a stop: the face keeps the first one
                return []
            return [self.emotion(self._feeling["emotion"], self._feeling["intensity"])]
        if isinstance(item, ActionItem):
            draft.acted = True
            self.guard.acted = True  # a refusal said after it contradicts it
            draft.calls.append(item.call)
            event = self.act(item.call)
            return [event] if event is not None else []
        return []

    def _end_speech(self, draft: _Draft) -> list[Event]:
        """A speech field ended (or the reply did): its last words, and what was held."""
        # A space lets the splitter end the last phrase as it would mid-reply.
        phrases = draft.splitter.feed(" ")
        rest = draft.splitter.flush()
        out = self._phrases_of([*phrases, rest] if rest else phrases, draft)
        if draft.held and not draft.stopped:  # decided now: nothing more comes in this field
            ruling = self.guard.check(self._so_far(draft), final=True)
            if ruling.call is Call.STOP:
                draft.stopped = ruling.reason
                return out
            held, draft.held = draft.held, []
            for phrase in held:
                out += self._say(phrase)
        return out

    def _phrases_of(self, phrases: list[str], draft: _Draft) -> list[Event]:
        out: list[Event] = []
        for phrase in phrases:
            if draft.stopped:
                break
            draft.held.append(phrase)
            ruling = self.guard.check(self._so_far(draft))
            if ruling.call is Call.STOP:
                draft.stopped = ruling.reason
            elif ruling.call is Call.RELEASE and not self.whole:
                held, draft.held = draft.held, []
                for p in held:
                    out += self._say(p)
        return out

    def _so_far(self, draft: _Draft) -> str:
        """The reply the guard reads: what was said and what is held; after a break-off the
        new reply alone, read as a reply of its own ("Who do", an echo's opening, held)."""
        return " ".join([self.result.kept_say, *draft.held]).strip()

    def _say(self, phrase: str) -> list[Event]:
        text = (" " if self.result.say else "") + phrase
        self.result.say += text
        if "first_phrase" not in self.result.timings:
            self.result.timings["first_phrase"] = (self.clock() - self.start) * 1000
        return [ReplyText(self.turn_id, text), Phrase(self.turn_id, next(self._phrases), phrase)]

    def emotion(self, name: Any, intensity: Any = 1) -> Emotion:
        """The reply's emotion (the sheet's default for one it does not allow)."""
        if name not in self.emotions:
            name = self.default_emotion
        self.result.emotion = name
        self.emotion_sent = True
        return Emotion(self.turn_id, name, INTENSITY.get(intensity, 0.35))


def _speech_end(item: Any) -> bool:
    return isinstance(item, Field) and item.name in SPEECH


STEM_CHARS = 2  # a banned word this long is banned as a stem ("one": "One's", "Onerous")


def ban_forms(word: str) -> list[str]:
    """How the grammar bans ``word`` (lowercase) as a reply's first word: as a stem, so the
    model must open with another word from its first letters on; a one-letter word only as
    itself ("i" must not ban "It's").

    A grammar that let the model write a banned word out and then allowed only what makes
    it longer got glued or broken words from a model that meant the word: "I'mjin",
    "Oneramen", "One', coming right up"."""
    return [word + "*"] if len(word) >= STEM_CHARS or "'" in word else [word]


def ends_sentence(text: str) -> bool:
    """Whether ``text`` ends a sentence (its last mark, quotes aside, is . ! ? or \u2026)."""
    return text.rstrip(" \"'\u201d\u2019)").endswith((".", "!", "?", "\u2026"))


def first_word(text: str) -> str:
    """The first word of ``text``, lowercase."""
    m = re.match(r"\W*([\w']+)", text.lower().replace("\u2019", "'"))
    return m.group(1) if m else ""
