"""The character's mind for one conversation: prompt, streamed reply, emotion and actions.

``respond`` turns a player line into events: the reply text as it is generated, phrases
ready to speak, one emotion, and validated action calls. Game events and action results
wait in a queue and are shown to the model with the next turn.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from npc.actions.intent import (
    NO_ACTION,
    IntentHints,
    asks_name,
    requests,
)
from npc.actions.reply import LAYOUTS, ON_REQUEST, SAY_ACT_SAY, SAY_FIRST, ReplyFormat
from npc.actions.space import ActionSpace, Scene
from npc.actions.validate import validate_call
from npc.character.loader import LoadedSheet
from npc.character.looks import looks
from npc.character.prompt import (
    mentions,
    scene_text,
    standing_knowledge,
    system_prompt,
    unsaid,
    user_text,
)
from npc.character.roles import lore_text, roles
from npc.character.secrets import secret_words
from npc.character.sheet import ChoiceParam
from npc.character.vocabulary import sheet_words
from npc.config import LLMSettings
from npc.errors import ActionError
from npc.events import ActionCall, ErrorEvent, Event
from npc.mind.echo import echoes, repeats
from npc.mind.echo import words as _words
from npc.mind.guard import SpeechGuard
from npc.mind.hints import HintFinder, Hints
from npc.mind.numbers import as_digits, corrected
from npc.mind.probes import AFFIRMATIONS, asks_if_machine, asks_yes_or_no, probes, touches
from npc.mind.ranges import asks_bottom
from npc.mind.recall import Note
from npc.mind.units import action_units, in_units
from npc.mind.writer import DEFAULT_REFUSAL, ReplyWriter, ban_forms, first_word
from npc.providers.base import ChatMessage, Control, GenerationRequest, LanguageModel


class Recall(Protocol):
    """Where the mind gets notes for a turn: knowledge and what it remembers of the player."""

    def notes(
        self, query: str, in_dialogue: Sequence[str] = (), *, question: bool = False
    ) -> list[Note]:
        """Notes for ``query``; ``in_dialogue`` are player lines the prompt already holds;
        ``question``: it asks something and for nothing done (its answer may be a note)."""
        ...

    def memories(self) -> list[str]: ...


@dataclass
class _Ahead:
    """What the latest prefill put in the prompt before the player's words."""

    words: list[str]  # the player's words it evaluated, as ``_words`` gives them
    notes: list[Note]
    hints: Hints


# The player's earlier lines a reply may not say back (a small model copies its dialogue).
HEARD_BEFORE = 8
# A partial and the final words are the same line when they open with the same two words
# and most of the partial's words are in the final.
SAME_OPENING = 2
SAME_WORDS = 0.6
# Where sampling stops in each layout: what follows is decided greedily.
GREEDY_AFTER = {SAY_FIRST: '", "emotion": ', SAY_ACT_SAY: '", "actions": '}


@dataclass
class Exchange:
    """One turn as the model sees it in the dialogue."""

    user: str
    reply: str
    turn_id: int = 0  # 0: from memory, before this conversation
    player: str = ""  # the player's own words in ``user``
    # The reply only repeated the player's line. Kept out of the prompt: a small model
    # copies its own dialogue, and one such exchange there makes every later reply an echo
    # (docs/mind.md). The conversation's memory still has it.
    echo: bool = False
    said: str = ""  # what the character said
    # The reply said again what an earlier one said: kept out of the prompt too, for the
    # same reason (one "Hello. I'm Elowen." there, and every later reply was that line).
    repeat: bool = False
    calls: tuple[str, ...] = ()  # the reply's actions, as ``call_key`` writes them

    @property
    def shown(self) -> bool:
        """Whether the model reads this exchange in the dialogue."""
        return not (self.echo or self.repeat)


@dataclass
class TurnResult:
    """What a turn produced, for memory and timings."""

    say: str = ""
    emotion: str = ""
    actions: list[ActionCall] = field(default_factory=list)
    reply_text: str = ""
    events: list[str] = field(default_factory=list)  # game events this turn answered
    prompt_tokens: int = 0  # prompt tokens the model evaluated for this turn (0: unknown)
    timings: dict[str, float] = field(default_factory=dict)
    restart_at: int = 0  # where in ``say`` the reply after a break-off starts (0: none)
    dropped: list[str] = field(default_factory=list)  # calls not passed on (``call_key``)

    @property
    def kept_say(self) -> str:
        """What the dialogue keeps of ``say``: after a break-off, the new reply alone (a model
        that reads "I've been \u2014 ..." back opens its next replies so)."""
        return self.say[self.restart_at :].strip()


BARE_ANSWERS = ("yes", "yeah", "yep", "no", "nah", "aye")  # "no" bans "not", "nope" too


def call_key(name: str, args: dict[str, Any]) -> str:
    """One action call as a comparable string: its name and arguments."""
    return name + json.dumps(args, sort_keys=True)


class Mind:
    """One character's side of one conversation."""

    def __init__(
        self,
        loaded: LoadedSheet,
        llm: LanguageModel,
        settings: LLMSettings,
        *,
        recall: Recall | None = None,
        cache_key: str | None = None,
        order: tuple[str, ...] | None = None,
        clock: Callable[[], float] = time.perf_counter,
        partner: str = "Player",
        intents: IntentHints | None = None,
        whole_replies: bool = False,
        on_request: tuple[str, ...] | None = None,
        answer_llm: LanguageModel | None = None,
    ) -> None:
        """``partner`` names who the character talks to in the dialogue (another character's
        name in a simulation); ``cache_key`` picks the prompt cache slot (one per session);
        ``order`` (the reply's layout) defaults to the settings' ``reply_layout``, and
        ``on_request`` (the layout of a reply to a line that must act) with it;
        ``whole_replies``: the guard reads each reply whole before any of it is said (no
        voice waits on a first phrase: simulations); ``answer_llm`` writes the replies that
        can take no action (``model_for``)."""
        self.whole_replies = whole_replies
        self.sheet = loaded.sheet
        self.known = standing_knowledge(loaded)
        self._words = sheet_words(loaded)
        self._lore = lore_text(loaded)
        self._units = action_units(self.sheet.actions)
        self.llm = llm
        self.answer_llm = answer_llm
        self.settings = settings
        self.recall = recall
        self.cache_key = cache_key or self.sheet.id
        self.order = order or LAYOUTS[settings.reply_layout]
        self.on_request = on_request if order else ON_REQUEST.get(settings.reply_layout)
        self.history: list[Exchange] = []
        self.pending: list[str] = []  # game events and action results for the next turn
        self._done: set[str] = set()  # those of ``pending`` that report an action done
        self._failed: set[str] = set()  # ... and those that report one failed
        self.calls: dict[str, ActionCall] = {}
        self._ids = itertools.count(1)
        self._clock = clock
        self.partner = partner
        self._memories: list[str] | None = None
        self._ahead: _Ahead | None = None
        self._notes_memo: tuple[tuple[str, tuple[str, ...]], list[Note]] | None = None
        self._hints_memo: tuple[tuple[str, Scene, int], Hints] | None = None
        self.intents = intents
        self.secrets = [w for found in secret_words(self.sheet).values() for w in found]
        sheet = self.sheet
        self.examples = [*sheet.example_lines, *(e.say for e in sheet.examples)]
        self._action_examples = {a.name: [e.say for e in a.examples] for a in sheet.actions}
        self.examples += [say for says in self._action_examples.values() for say in says]
        # The examples' player lines are never the character's: "I'll need a helmet, the dark
        # one" came back as the reply to three lines of the ski desk (fourth blind pair).
        self._asked = [e.player for e in sheet.examples]
        self._asked += [e.player for a in sheet.actions for e in a.examples]
        # What the actions speak of: a sheet whose actions write scripts may be asked for one.
        self._action_words = " ".join(f"{a.name} {a.description}" for a in sheet.actions)
        self.set_scene(Scene.of(self.sheet))

    # -- the world ------------------------------------------------------------------

    def set_scene(self, scene: Scene) -> None:
        self.scene = scene
        self.format = ReplyFormat(
            ActionSpace.build(self.sheet, scene),
            tuple(self.sheet.emotions.allowed),
            self.order,
            self.sheet.language,
        )
        self.finder = HintFinder(
            scene,
            self.format.space,
            self.intents,
            self._action_words,
            self._words,
            roles(self._lore, scene.characters),
            looks(self._lore, [*scene.characters, *scene.objects]),
        )
        self._system = system_prompt(self.sheet, self.format, self.known)
        self.unsaid = unsaid(self.sheet, self.format)
        self._grammar = self.format.grammar()

    def add_event(self, text: str) -> None:
        """A game event ("the player looted the store") the character will react to."""
        self.pending.append(text.strip())
        self._notes_memo = None  # memory may hold it now

    def add_action_result(self, action_id: str, ok: bool, detail: str = "") -> None:
        """The game's report on an action; raises ActionError for an id never sent."""
        call = self.calls.get(action_id)
        if call is None:
            raise ActionError(f"no action with id {action_id!r} was sent in this session")
        args = ", ".join(f"{k}={v}" for k, v in call.args.items())
        outcome = "done" if ok else "failed"
        report = f"your action {call.name}({args}) {outcome}"
        report += f": {detail.strip()}" if detail.strip() else ""
        self.pending.append(report)
        (self._done if ok else self._failed).add(report)

    def reacts(self, events: Sequence[str], player: str = "") -> bool:
        """Whether ``events`` may call for any action: a failed action does (it may be tried
        again); an action done does not (it kept every turn after an action off the routing,
        and the model did the same again: "how long until Titan?" moved the crate again). A
        game event does, unless the player's line asks for nothing done about it: "[Engineer
        Pim arrives] He's here." had Ines walk to the hold, "[a soldier stares at Tobin]
        What does he want?" had Brenna point at Tobin; that line is routed as any other."""
        if any(e in self._failed for e in events):
            return True
        verbs = self.intents.verbs if self.intents is not None else None
        if player.strip() and not requests(player, verbs):
            return False
        return any(e not in self._done for e in events)

    # -- prompts ----------------------------------------------------------------------

    def _messages(self, current: str | None) -> list[ChatMessage]:
        if self._memories is None:
            # Read once per conversation: what is learned later is in the dialogue itself,
            # and a changing line here would make the model re-read the whole dialogue.
            self._memories = self.recall.memories() if self.recall else []
        msgs = [
            ChatMessage("system", self._system),
            ChatMessage("system", scene_text(self.scene, self._memories)),
        ]
        for ex in self.history:
            if ex.shown:
                msgs += [ChatMessage("user", ex.user), ChatMessage("assistant", ex.reply)]
        if current is not None:
            msgs.append(ChatMessage("user", current))
        return msgs

    def hints(self, player: str) -> Hints:
        """What the prompt points out for ``player``'s words: scene entries they named and
        the likely actions."""
        key = (player, self.scene, len(self.history))
        if self._hints_memo is None or self._hints_memo[0] != key:
            self._hints_memo = key, self._find_hints(player)
        return self._hints_memo[1]

    def _find_hints(self, player: str) -> Hints:
        last = self.history[-1] if self.history and self.history[-1].turn_id else None
        return self.finder.find(player, last)

    def _user(
        self,
        player: str,
        notes: Sequence[Note],
        hints: Hints | None = None,
        events: Sequence[str] | None = None,
    ) -> str:
        hints = hints or Hints(tuple(mentions(player, self.scene)))
        return user_text(
            in_units(corrected(as_digits(player, self._names())), self._units),
            knowledge=[n.text for n in notes],
            events=self.pending if events is None else events,
            player_name=self.partner,
            mentioned=hints.named,
            likely=hints.likely,
        )

    def _names(self) -> list[str]:
        """The scene's entries and the actions' choice values, whose numbers stay words."""
        scene = self.scene
        choices = [
            str(v)
            for a in self.sheet.actions
            for p in a.parameters.values()
            if isinstance(p, ChoiceParam)
            for v in p.values
        ]
        return [*scene.objects, *scene.locations, *scene.characters, *choices]

    def _grammar_for(
        self,
        likely: Sequence[str],
        named: Sequence[str],
        banned: frozenset[str],
        must_act: bool = False,
        reacting: bool = False,
        order: tuple[str, ...] | None = None,
        least: int = 1,
        bottom: bool = False,
        refuse: bool = False,
    ) -> str:
        """The reply grammar, narrowed to the likely actions when the hints give any, with
        the speech's ``banned`` openings; ``refuse``: the line asks for what no action can
        do, and the speech opens with a refusal (``ReplyFormat.refuse``).

        The model decides with what arguments, and whether to act unless ``must_act``; the
        hints only keep it from reaching for an unrelated action.
        """
        if not likely or reacting:  # (``format_for``: another order only when narrowed)
            return self._grammar if not banned else self.format.grammar(banned)
        fmt = ReplyFormat(
            self.format.space.only(likely),
            self.format.emotions,
            order or self.order,
            self.format.language,
            prefer=frozenset(named),
            must_act=must_act,
            least=least,
            bottom=bottom,
            refuse=refuse,
        )
        return fmt.grammar(banned)

    def request(
        self,
        player: str,
        notes: Sequence[Note],
        *,
        open_ended: bool = False,
        hints: Hints | None = None,
        narrow: Hints | None = None,
        banned: frozenset[str] | None = None,
        events: Sequence[str] | None = None,
    ) -> GenerationRequest:
        """The request for ``player``'s line; ``hints`` (default: from the line) go in the
        prompt, ``narrow`` (default: ``hints``) picks the actions the grammar allows, and
        the speech may not open with ``banned`` (default: the player's own first word);
        ``events`` (default: those pending) are what happened since the last turn."""
        self._trim_history()
        hints = hints or self.hints(player)
        narrow = narrow or hints
        banned = self.banned_openings(player) if banned is None else banned
        events = self.pending if events is None else events
        fmt = self.format_for(player, narrow, events)
        return GenerationRequest(
            messages=tuple(self._messages(self._user(player, notes, hints, events))),
            assistant_prefix=fmt.assistant_prefix,
            grammar=self._grammar_for(
                narrow.likely,
                self.finder.named(player) or [name for name, _ in narrow.named],
                banned,
                narrow.must_act(player),
                self.reacts(events, player),
                fmt.order,
                narrow.least,
                asks_bottom(as_digits(player, self._names())),
                narrow.unable,
            ),
            json_schema=fmt.json_schema(),
            max_tokens=self.settings.max_reply_tokens,
            temperature=self.settings.temperature,
            cache_key=self.cache_key,
            stable_messages=1,
            open_ended=open_ended,
            # Speech is sampled for variety; emotion and actions are decided greedily (in
            # say_act_say, the speech after the actions too: one switch per reply).
            greedy_after=GREEDY_AFTER.get(fmt.order),
        )

    def model_for(self, player: str, narrow: Hints, events: Sequence[str]) -> LanguageModel:
        """The model that writes this turn's reply: ``answer_llm`` (when there is one) for a
        reply that can take no action, where all it does is say something (a question, small
        talk: the hints allow no action and no game event asks for a reaction); else ``llm``,
        which takes the actions."""
        if self.answer_llm is None:
            return self.llm
        if not self.sheet.actions:
            return self.answer_llm
        if self.reacts(events, player) or tuple(narrow.likely) != (NO_ACTION,):
            return self.llm
        return self.answer_llm

    def format_for(self, player: str, narrow: Hints, events: Sequence[str]) -> ReplyFormat:
        """The reply's format this turn: in ``on_request``'s layout when the line must act
        (and no game event asks for a reaction), so the game gets the actions before the
        first word is spoken; else the character's."""
        if self.on_request and narrow.must_act(player) and not self.reacts(events):
            return replace(self.format, order=self.on_request)
        return self.format

    def examples_to_avoid(self, likely: Sequence[str]) -> list[str]:
        """The sheet's example lines a reply may not paste: all but those of the actions the
        turn likely asks for. "One bowl, coming right up" fits an order for a bowl; stopping it
        there made the model try again and lose the action (issue 18's guard, measured on
        bench/latency.py: 5-6 of 12 of Jin's replies asked again)."""
        fitting = set(self.own_examples(likely))
        return [e for e in self.examples if e not in fitting] + self._asked

    def own_examples(self, likely: Sequence[str]) -> list[str]:
        """The example replies of the ``likely`` actions: a sentence of theirs may open a
        reply, not be tacked on after its first sentence (``SpeechGuard``)."""
        return [say for name in likely for say in self._action_examples.get(name, [])]

    def refusal_fits(self, player: str, events: Sequence[str], command: bool) -> bool:
        """Whether the sheet's refusal line may answer ``player`` after ``events``: a
        request, a probe, a refused topic or the secret's words. Said to small talk, to a
        lore question or to a game event, it answered nothing ("Not on my desk, pal. Next."
        to "How long you been a cop, Sarge?" and to a brick through the window)."""
        text = " ".join([*events, player])
        verbs = self.intents.verbs if self.intents is not None else None
        if player.strip() and (command or requests(player, verbs)):
            return True
        topics = [*self.sheet.guardrails.refuse_topics, *self.secrets]
        return probes(text) or touches(text, topics)

    @staticmethod
    def banned_openings(player: str) -> frozenset[str]:
        """A reply may not open with the player's first word: a small model often answers a
        line by saying it back ("Bring me the ladle." to "bring me the ladle"). Short lines
        cannot be echoed (``echoes``), so they ban nothing of theirs. Nor with a yes to
        "Are you an AI?": the guard stops "an AI" only after "Yes, I am" was said."""
        banned: list[str] = []
        if asks_if_machine(player):
            banned += [form for word in AFFIRMATIONS for form in ban_forms(word)]
        if len(_words(player)) >= 3:
            banned += ban_forms(first_word(player))
        return frozenset(banned)

    @staticmethod
    def answer_first(player: str, notes: Sequence[Note], hints: Hints) -> frozenset[str]:
        """A yes-no question asking for nothing done, with lore beside it, is answered with
        the lore first, not a bare yes or no: the 0.5B model said "Yes, breakfast is extra."
        with "...it is included in the ticket." in its note, and "No." to "Has anyone died
        from it?" beside "...two have died of it."
        """
        if not asks_yes_or_no(player) or hints.asks_for_action(player):
            return frozenset()
        if not any(n.source.startswith("lore:") for n in notes):
            return frozenset()
        return frozenset(form for word in BARE_ANSWERS for form in ban_forms(word))

    def _trim_history(self) -> None:
        # Old exchanges leave the prompt (memory keeps them; the model's cache slides the rest
        # back rather than reading it again); the newest always stay.
        shown = [i for i, e in enumerate(self.history) if e.shown]
        if len(shown) > self.settings.history_turns:
            del self.history[: shown[-self.settings.history_turns]]
        while len(self.history) > 2 and self._too_long():
            del self.history[0]

    def _too_long(self) -> bool:
        count: Callable[[str], int] = self.llm.count_tokens
        size = (
            count(self._system)
            + 120
            + sum(count(e.user) + count(e.reply) + 10 for e in self.history if e.shown)
        )
        budget = getattr(self.llm, "context_size", 4096) - self.settings.max_reply_tokens - 400
        return size > budget

    def notes(self, player: str) -> list[Note]:
        if not player.strip():
            return []
        # Asked its name, the 0.5B model answered with another name of the scene ("Ruth
        # Adeyemi, you're the new tyre runner." to "What do I call you?"), its own being
        # only at the top of the prompt: a note beside the line says it.
        own = [Note(f"Your name is {self.sheet.name}.", "name")] if asks_name(player) else []
        if not self.recall:
            return own
        # The final words are often the last partial's, looked up moments ago (an embedding
        # and a query each, ~10-30 ms after the player stops).
        in_dialogue = [e.player for e in self.history if e.player]
        question = player.rstrip().endswith("?") and not self.hints(player).asks_for_action(player)
        key = (player, tuple(in_dialogue))
        if self._notes_memo is None or self._notes_memo[0] != key:
            self._notes_memo = key, self.recall.notes(player, in_dialogue, question=question)
        return own + list(self._notes_memo[1])

    def _settled(self, player: str, notes: list[Note], hints: Hints) -> tuple[list[Note], Hints]:
        """What the prefill put before the player's words, where it holds all that the final
        words found: that part of the prompt (and the words after it) is already read. More
        than needed is harmless; the grammar still follows the final words."""
        ahead, self._ahead = self._ahead, None
        # Later words often revise earlier ones ("close to now" -> "close tonight").
        if ahead is None or not ahead.words:
            return notes, hints
        final = _words(player)
        opening = ahead.words[:SAME_OPENING]
        heard = set(final)
        kept = sum(w in heard for w in ahead.words)
        if final[: len(opening)] != opening or kept < SAME_WORDS * len(ahead.words):
            return notes, hints  # read from another line
        if {n.source for n in notes} <= {n.source for n in ahead.notes}:
            notes = ahead.notes
            if ahead.hints.covers(hints):
                hints = ahead.hints
        return notes, hints

    def warm(self, control: Control | None = None) -> None:
        """Evaluate the conversation so far (persona, scene, earlier exchanges, the opening
        of the player's next line) between turns: a returning player's history is otherwise
        read when they first speak, and every token read now is one less after they stop."""
        self._trim_history()
        self._ahead = None  # a read-ahead of a turn that got no reply
        messages = (*self._messages(None), ChatMessage("user", ""))
        request = GenerationRequest(
            messages, cache_key=self.cache_key, stable_messages=1, open_ended=True
        )
        for llm in (self.llm, self.answer_llm):
            if llm is not None:
                llm.prefill(request, control)

    def prefill(self, partial: str, notes: Sequence[Note], control: Control | None = None) -> None:
        """Evaluate the prompt of a reply to ``partial`` while the player is still speaking,
        betting that they stop there: when the final words are the same, the reply's prompt
        is read already; when they go on, only what follows the words they share is read
        again. Cancelling ``control`` stops it early (the reply is about to start)."""
        # The notes and hints stay for final words that are the same line (``_settled``);
        # the partial's last word often changes ("bra" -> "broth"): it is not compared.
        words = _words(" ".join(partial.split()[:-1]))
        ahead = self._ahead = _Ahead(words, list(notes), self.hints(partial))
        llm = self.model_for(partial, ahead.hints, self.pending)
        llm.prefill(self.request(partial, notes, hints=ahead.hints), control)

    # -- a turn ------------------------------------------------------------------------

    async def respond(
        self,
        turn_id: int,
        player: str,
        *,
        notes: Sequence[Note] | None = None,
        control: Control | None = None,
        result: TurnResult | None = None,
        hurry: Callable[[], bool] | None = None,
    ) -> AsyncIterator[Event]:
        """Stream the reply to ``player`` (empty: react to pending game events); cancelling
        ``control`` stops it; ``hurry()`` true: the voice is about to fall silent, so end the
        next phrase soon."""
        result = result if result is not None else TurnResult()
        start = self._clock()
        narrow = self.hints(player)
        if notes is None:
            notes, hints = self._settled(player, self.notes(player), narrow)
        else:
            notes, hints = list(notes), narrow
        banned = self.banned_openings(player) | self.answer_first(player, notes, narrow)
        first = self.request(player, notes, hints=hints, narrow=narrow, banned=banned)
        command = narrow.asks_for_action(player)
        user = first.messages[-1].content
        events, self.pending = self.pending, []
        result.events = events
        reacting = self.reacts(events, player)
        fmt = self.format_for(player, narrow, events)
        self._done &= set(events)  # kept while a retracted turn may put them back
        self._failed &= set(events)

        def request_for(more: frozenset[str]) -> GenerationRequest:
            if not more - banned:
                return first
            # The tries after a stop answer the same events (they are no longer pending).
            return self.request(
                player, notes, hints=hints, narrow=narrow, banned=banned | more, events=events
            )

        writer = ReplyWriter(
            llm=self.model_for(player, narrow, events),
            format=fmt,
            guard=SpeechGuard(
                player,
                self.secrets,
                self.earlier_replies(player),
                self.examples_to_avoid(narrow.likely),
                self.sheet.name,
                [a.name for a in self.sheet.actions],
                command=command,
                unsaid=self.unsaid,
                refusal=self.sheet.guardrails.refusal,
                role=self.sheet.role,
                personality=self.sheet.personality,
                scene=[*self.scene.objects, *self.scene.locations, *self.scene.characters],
                own_examples=self.own_examples(narrow.likely),
                heard_before=[e.player for e in self.history[-HEARD_BEFORE:] if e.player],
                refusal_fits=self.refusal_fits(player, events, command),
            ),
            request_for=request_for,
            act=lambda call: self._action(turn_id, call, result, asked=command or reacting),
            emotions=tuple(self.sheet.emotions.allowed),
            default_emotion=self.sheet.emotions.default,
            refusal=self.sheet.guardrails.refusal or DEFAULT_REFUSAL,
            turn_id=turn_id,
            result=result,
            control=control,
            # In say_act_say the opening is the first phrase, said whole (``opening``).
            first_phrase_words=0 if "more" in fmt.order else self.settings.first_phrase_words,
            hurry=hurry,
            clock=self._clock,
            start=start,
            banned=set(banned),
            act_unheard=command,
            whole=self.whole_replies,
        )
        # The exchange is in the dialogue from the start, so a reply cut short (barge-in,
        # a closed connection) is still there for ``interrupted`` or ``retract`` to amend.
        exchange = Exchange(user, "", turn_id, player)
        self.history.append(exchange)
        try:
            async for event in writer.events():
                yield event
        finally:
            exchange.reply = self._reply_text(writer, result)
            exchange.calls = tuple(call_key(a.name, a.args) for a in result.actions)
            self._judge(exchange, result.kept_say)
        if not writer.emotion_sent:
            yield writer.emotion(None)
        result.timings["reply_done"] = (self._clock() - start) * 1000

    def _reply_text(self, writer: ReplyWriter, result: TurnResult) -> str:
        """The reply as the dialogue keeps it: as generated (so the model's cache reuses
        it), or rebuilt valid when it was cut short or stopped by the guard."""
        if writer.parser.complete and not (result.timings.get("guard") or result.dropped):
            return writer.format.assistant_prefix + result.reply_text
        actions = [{"name": a.name, **a.args} for a in result.actions]
        emotion = result.emotion or self.sheet.emotions.default
        # In the turn's own layout: actions first when they were written first.
        return writer.format.render(result.kept_say, emotion, 1, actions)

    def _action(self, turn_id: int, call: Any, result: TurnResult, asked: bool) -> Event | None:
        """The event for a call the model wrote; None for one the game already carried out
        (below)."""
        try:
            name, args = validate_call(self.format.space, call)
        except ActionError as exc:  # the grammar should prevent this; never pass it on
            return ErrorEvent(
                turn_id,
                exc.code,
                f"the model proposed an invalid action: {exc.message}",
                fatal=False,
            )
        key = call_key(name, args)
        if not asked and self._latest_call(name) == key:
            # A small model copies the actions in its own dialogue: after "put it in the
            # lift bay", "how long until Titan?" and "do you like this life?" moved the
            # same crate to the same bay again. Unasked, the same call again is dropped, and
            # the dialogue keeps the reply without it.
            result.dropped.append(key)
            return None
        event = ActionCall(turn_id, f"a{turn_id}.{next(self._ids)}", name, args)
        self.calls[event.action_id] = event
        result.actions.append(event)
        return event

    def _latest_call(self, name: str) -> str | None:
        """The character's latest call of the action ``name`` in this dialogue."""
        for exchange in reversed(self.history):
            for key in reversed(exchange.calls):
                if key.startswith(name + "{"):
                    return key
        return None

    def remember(self, player: str, said: str, actions: Sequence[dict[str, Any]]) -> None:
        """Put an earlier exchange (from memory, after a reconnect) into the dialogue."""
        reply = self.format.render(said, self.sheet.emotions.default, 1, list(actions))
        user = self._user(player, [])
        calls = tuple(
            call_key(a["name"], {k: v for k, v in a.items() if k != "name"}) for a in actions
        )
        exchange = Exchange(user, reply, player=player, calls=calls)
        self._judge(exchange, said)
        self.history.append(exchange)

    def _judge(self, exchange: Exchange, said: str) -> None:
        """Record what was said, and whether the model should read it again."""
        exchange.said = said.strip()
        exchange.echo = echoes(said, exchange.player)
        earlier = [e.said for e in self.history if e is not exchange]
        exchange.repeat = repeats(said, earlier)

    def earlier_replies(self, player: str = "") -> list[str]:
        """What the character said in this conversation, oldest first, but to the same line
        as ``player``: the same line may have the same answer ("One bowl, coming right up,
        friend." to a returning player's "grab me a bowl of ramen", remembered from their
        last visit, was stopped as a repeat after "One bowl," had gone out)."""
        same = _words(player)
        return [e.said for e in self.history if e.said and not (same and _words(e.player) == same)]

    def _exchange(self, turn_id: int) -> Exchange | None:
        return next((e for e in reversed(self.history) if e.turn_id == turn_id), None)

    def interrupted(self, turn_id: int, spoken: str, result: TurnResult) -> None:
        """The player cut the reply short: the dialogue keeps only what was actually said."""
        if self.amend(turn_id, spoken, result):
            self.pending.append("the player interrupted you")

    def amend(self, turn_id: int, said: str, result: TurnResult) -> bool:
        """The dialogue keeps ``said`` as the turn's reply, with the turn's emotion and
        actions; False when the turn is not in the dialogue."""
        exchange = self._exchange(turn_id)
        if exchange is None:
            return False
        actions = [{"name": a.name, **a.args} for a in result.actions]
        emotion = result.emotion or self.sheet.emotions.default
        exchange.reply = self.format.render(said.strip(), emotion, 1, actions)
        exchange.calls = tuple(call_key(a.name, a.args) for a in result.actions)
        self._judge(exchange, said)
        return True

    def retract(self, turn_id: int, result: TurnResult) -> None:
        """Forget a turn that never reached the player (they were not finished speaking);
        the game events it answered wait for the next turn again."""
        exchange = self._exchange(turn_id)
        if exchange is not None:
            self.history.remove(exchange)
        self.pending[:0] = result.events
