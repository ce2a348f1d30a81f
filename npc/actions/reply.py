"""The shape of every reply, as a grammar the model is held to and a JSON schema.

A reply is one JSON object written in a fixed, compact layout, e.g.::

    {"say": "Coming right up.", "emotion": "happy", "intensity": 2,
     "actions": [{"name": "fetch", "item": "ramen bowl"}]}

``say`` comes first so speech can start while the model is still deciding the actions
(``docs/mind.md`` has the measurements behind that order). The grammar's enums come from
the current scene, so an action can only name objects, places and characters that exist.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from npc.actions.space import ActionSpace, number_labels
from npc.character.sheet import Action, NumberParam, Param, StringParam

MAX_ACTIONS = 3
INTENSITIES = (1, 2, 3)  # low, medium, high; one token each
SAY_FIRST = ("say", "emotion", "intensity", "actions")
ACT_FIRST = ("actions", "emotion", "intensity", "say")
# The reply's first words, then the actions, then the rest of the speech: the game gets the
# actions while the first words are playing (docs/mind.md).
SAY_ACT_SAY = ("say", "actions", "more", "emotion", "intensity")
# The actions, then the speech: the game gets them before the first word is spoken.
ACT_SAY = ("actions", "say", "emotion", "intensity")
SPEECH_FIELDS = ("say", "more")
# The layouts a server can be set to (``llm.reply_layout``); actions first is only for benches.
LAYOUTS: dict[str, tuple[str, ...]] = {
    "say_first": SAY_FIRST,
    "say_act_say": SAY_ACT_SAY,
    "act_on_request": SAY_FIRST,
}
# A layout's replies to a line that must act (a plain request the hints tie to actions).
ON_REQUEST: dict[str, tuple[str, ...]] = {"act_on_request": ACT_SAY}
OPENING_CHARS = 48  # "say" before the actions in SAY_ACT_SAY: a few words
# How a reply to what no action can do opens (``ReplyFormat.refuse``): each followed by a
# space or a mark, so "No" is no "Now". "I'm afraid" alone made "I'm afraid." and "I'm
# afraid, kid. Let's go inters." (pit crew chief, asked for 200 litres in a 90-litre tank).
REFUSING = (
    *("No", "Sorry", "I can't", "I cannot", "I'm afraid not", "I'm afraid I can't"),
    *("Not", "Can't"),
)
OPENING_WORDS = 8
# Characters allowed in speech: Latin scripts and typographic punctuation for Latin-script
# languages (keeps a small model from drifting into other scripts); anything printable otherwise.
# Never the marks of code or markup, which are not speech either.
CODE_MARKS = r"{}\[\]<>|`#_*~^=()"
LATIN_SPEECH = r'[^"\\\x00-\x1f\x7f\u0250-\u2012\u2028-\U0010ffff' + CODE_MARKS + "]"
ANY_SPEECH = r'[^"\\\x00-\x1f\x7f' + CODE_MARKS + "]"
TEXT_VALUE = r'[^"\\\x00-\x1f\x7f]'  # a text parameter's value
LATIN_LANGUAGES = frozenset(
    ["en", "fr", "de", "es", "it", "pt", "nl", "sv", "da", "no", "fi", "pl", "cs", "sk", "hu"]
)


@dataclass(frozen=True)
class ReplyFormat:
    """Grammar, schema and examples for one character's replies in one scene."""

    space: ActionSpace
    emotions: tuple[str, ...]
    order: tuple[str, ...] = SAY_FIRST
    language: str = "en"
    prefer: frozenset[str] = frozenset()  # values the player named: enums narrow to them
    # The player asked for a level's very bottom ("kill the lights", "music off"): a number
    # that starts at 0 is 0, unless a label of it was named.
    bottom: bool = False
    must_act: bool = False  # at least one action (a plain request the hints tie to actions)
    # The line asks for what no action can do ("Row me all the way to France."): the speech
    # opens with one of ``REFUSING`` whose first word is not banned. Opening freely, the
    # 0.5B model said it was done ("I'll take you to Cornwall", "200 litres in, Olly!").
    refuse: bool = False
    least: int = 1  # with must_act, at least this many ("a snowboard and the black helmet")

    @property
    def assistant_prefix(self) -> str:
        """The reply's opening, fixed by the format and so given rather than generated."""
        first = self.order[0]
        return '{"' + first + '": ' + ('"' if first == "say" else "[")

    def render(
        self, say: str, emotion: str, intensity: int, actions: Sequence[dict[str, Any]]
    ) -> str:
        """The canonical text of a reply (used for examples and the dialogue history)."""
        say = say.strip()
        fields = {"say": say, "emotion": emotion, "intensity": intensity, "actions": list(actions)}
        if "more" in self.order:
            fields["say"], fields["more"] = opening(say)
        return json.dumps({k: fields[k] for k in self.order}, ensure_ascii=False)

    @property
    def speech(self) -> str:
        """The grammar's class of characters speech may use."""
        return LATIN_SPEECH if self.language in LATIN_LANGUAGES else ANY_SPEECH

    def grammar(self, banned: Iterable[str] = ()) -> str:
        """GBNF for what follows ``assistant_prefix``; the speech may not open with a word
        that starts with one of ``banned`` (any case): the player's own first word, or what
        a guard stopped."""
        rules: dict[str, str] = {}
        rules["speech"] = f'"\\"" {self.speech}* "\\""'
        rules["emotion"] = _alternatives(_lit(json.dumps(e)) for e in self.emotions)
        rules["intensity"] = _alternatives(_lit(str(i)) for i in INTENSITIES)
        callable_actions = self.space.callable_actions()
        for action in callable_actions:
            rules[f"act-{_rule(action.name)}"] = self._action_rule(action, rules)
        if callable_actions:
            one = _alternatives(f"act-{_rule(a.name)}" for a in callable_actions)
            rules["action"] = one
            rules["actions"] = '"[" ' + self._some_actions()
        else:
            rules["actions"] = '"[]"'
        banned_words = [b.lower() for b in banned if b]
        say_tail = "first-tail" if self.order[0] == "say" else "say-tail"
        refusing = self._refusing(banned_words)
        if refusing:
            banned_words = []
        value = {
            "say": "speech" if not (banned_words or refusing) else '"\\"" ' + say_tail,
            "more": "speech",
            "emotion": "emotion",
            "intensity": "intensity",
            "actions": "actions",
        }
        parts: list[str] = []
        for i, name in enumerate(self.order):
            if i == 0:
                # The prefix already opened the first value: '{"say": "' or '{"actions": ['.
                parts.append("first-tail")
            else:
                parts.append(_lit(f', "{name}": ') + f" {value[name]}")
        if self.order[0] == "say":
            limit = OPENING_CHARS if "more" in self.order else None
            if refusing:
                rules["first-tail"] = _opening_with(self.speech, refusing, limit)
            else:
                rules.update(_unbanned(self.speech, banned_words, limit))
        else:
            rules["first-tail"] = self._actions_tail(callable_actions)
            if refusing:  # the speech comes later: it opens so there
                rules[say_tail] = _opening_with(self.speech, refusing, None)
            elif banned_words:  # the speech comes later: its opening is banned there
                rules.update(_unbanned(self.speech, banned_words, None, root=say_tail))
        root = " ".join(parts) + ' "}"'
        return "\n".join([f"root ::= {root}"] + [f"{k} ::= {v}" for k, v in rules.items()])

    def _refusing(self, banned: Sequence[str]) -> list[str]:
        """The openings of ``REFUSING`` the speech may take when ``refuse`` (none else)."""
        if not self.refuse:
            return []

        def allowed(opening: str) -> bool:
            first = opening.split()[0].lower()
            return not any(
                first.startswith(b[:-1]) if b.endswith("*") else first == b for b in banned
            )

        return [o for o in REFUSING if allowed(o)]

    def _actions_tail(self, callable_actions: Sequence[Action]) -> str:
        if not callable_actions:
            return '"]"'
        return self._some_actions()

    def _some_actions(self) -> str:
        if self.must_act:
            least = min(max(self.least, 1), MAX_ACTIONS)
            return f'action ( ", " action ){{{least - 1},{MAX_ACTIONS - 1}}} "]"'
        return f'( action ( ", " action ){{0,{MAX_ACTIONS - 1}}} )? "]"'

    def _action_rule(self, action: Action, rules: dict[str, str]) -> str:
        out = _lit('{"name": ' + json.dumps(action.name))
        for pname, param in action.parameters.items():
            vrule = f"v-{_rule(action.name)}-{_rule(pname)}"
            rules[vrule] = self._value_rule(param)
            piece = f"{_lit(', ' + json.dumps(pname) + ': ')} {vrule}"
            out += f" {piece}" if param.required else f" ( {piece} )?"
        return out + ' "}"'

    def _value_rule(self, param: Param) -> str:
        values = self.space.values(param)
        if values is not None and self.prefer & set(values):
            values = tuple(v for v in values if v in self.prefer)
        if values is not None:
            return _alternatives(_lit(json.dumps(v, ensure_ascii=False)) for v in values)
        if isinstance(param, StringParam):
            return f'"\\"" {TEXT_VALUE}{{0,{param.max_length}}} "\\""'
        assert isinstance(param, NumberParam)
        said = {n for label, n in number_labels(param).items() if label in self.prefer}
        if not said and self.bottom and param.minimum == 0:
            said = {0}  # "Kill the house lights": its level's 0
        if len(said) == 1:  # "Set the quarantine to deck lockdown": its number, 3
            return _lit(str(said.pop()))
        if param.integer and param.maximum - param.minimum <= 50:
            lo, hi = int(param.minimum), int(param.maximum)
            return _alternatives(_lit(str(i)) for i in range(lo, hi + 1))
        sign = '"-"? ' if param.minimum < 0 else ""
        frac = "" if param.integer else ' ( "." [0-9]{1,3} )?'
        return f"{sign}[0-9]{{1,9}}{frac}"

    def json_schema(self) -> dict[str, Any]:
        """The same constraint for providers that take JSON schema (OpenAI-compatible servers)."""
        calls = [self._action_schema(a) for a in self.space.callable_actions()]
        props: dict[str, Any] = {
            "say": {"type": "string", "maxLength": OPENING_CHARS if "more" in self.order else 400},
            "more": {"type": "string", "maxLength": 400},
            "emotion": {"enum": list(self.emotions)},
            "intensity": {"enum": list(INTENSITIES)},
            "actions": {
                "type": "array",
                "maxItems": MAX_ACTIONS,
                "items": {"anyOf": calls} if calls else {"not": {}},
            },
        }
        return {
            "type": "object",
            "properties": {k: props[k] for k in self.order},
            "required": list(self.order),
            "additionalProperties": False,
        }

    def _action_schema(self, action: Action) -> dict[str, Any]:
        props: dict[str, Any] = {"name": {"const": action.name}}
        for pname, param in action.parameters.items():
            values = self.space.values(param)
            if values is not None:
                props[pname] = {"enum": list(values)}
            elif isinstance(param, StringParam):
                props[pname] = {"type": "string", "maxLength": param.max_length}
            else:
                assert isinstance(param, NumberParam)
                props[pname] = {
                    "type": "integer" if param.integer else "number",
                    "minimum": param.minimum,
                    "maximum": param.maximum,
                }
        required = ["name"] + [n for n, p in action.parameters.items() if p.required]
        return {
            "type": "object",
            "properties": props,
            "required": required,
            "additionalProperties": False,
        }


def opening(say: str) -> tuple[str, str]:
    """A reply's first words and the rest, as SAY_ACT_SAY writes them: up to the last mark
    within the first ``OPENING_WORDS`` words ("One bowl, coming right up," / "friend."),
    else the first three words. The opening is the first phrase spoken, whole: long enough
    to be still playing when the actions written after it reach the game."""
    words = say.split()
    for i in range(min(len(words), OPENING_WORDS) - 1, -1, -1):
        head = " ".join(words[: i + 1])
        if words[i][-1] in ",.!?;:" and len(head) <= OPENING_CHARS:
            return head, " ".join(words[i + 1 :])
    return " ".join(words[:3]), " ".join(words[3:])


def _opening_with(speech: str, openings: Sequence[str], limit: int | None) -> str:
    """A speech value's text and closing quote that opens with one of ``openings``, then a
    space or a mark; ``limit`` caps its length."""
    rest = f"{speech}*" if limit is None else f"{speech}{{0,{max(0, limit - 12)}}}"
    return f'{_alternatives(_lit(o) for o in openings)} [ ,.!] {rest} "\\""'


def _unbanned(
    speech: str, banned: list[str], limit: int | None, root: str = "first-tail"
) -> dict[str, str]:
    """Rules for the first speech value's text and closing quote (rule ``root``) such
    that its first word is none of ``banned`` (lowercase; ``stem*`` bans every word that
    starts with the stem): a trie of the banned words, which the text may leave at any
    character that makes another word, and then go on freely. ``limit`` caps its length."""
    stems = {b[:-1] for b in banned if b.endswith("*")}
    whole = {b for b in banned if not b.endswith("*")}
    every = stems | whole
    rules: dict[str, str] = {}
    names: dict[str, str] = {"": root}

    def rest(depth: int) -> str:
        if limit is None:
            return f"{speech}*"
        return f"{speech}{{0,{max(0, limit - depth - 1)}}}"

    def node(prefix: str) -> None:
        nexts = sorted({b[len(prefix)] for b in every if b.startswith(prefix) and b != prefix})
        taken = "".join(_class_escape(x) for c in nexts for x in sorted({c, c.upper()}))
        options = []
        if prefix and prefix not in whole:
            options.append('"\\""')
        if prefix in whole:
            # The banned word is written out: only a longer word may go on from here: after
            # one letter any letter ("I": "It's"), after more only a contraction ("Can't").
            # Letters glued on a written-out word made "I'mjin" and the like.
            allowed = _LETTERS + "'" if len(prefix) == 1 else "'"
            letters = "".join(x for x in allowed if x not in taken)
            free = f"[{letters}]" if letters else ""
        else:
            # Speech opens with a word: not a space (which would slip past the bans).
            free = speech[:-1] + taken + ("" if prefix else " ") + "]"
        if free:
            options.append(f"{free} {rest(len(prefix))} " + '"\\""')
        for c in nexts:
            longer = prefix + c
            if longer in stems:
                continue  # every word from this stem is banned: no way on
            names[longer] = f"ban-{len(names)}"
            both = "".join(_class_escape(x) for x in sorted({c, c.upper()}))
            options.append(f"[{both}] {names[longer]}")
            node(longer)
        # Every way on banned ("can" and "can'*"): the word alone ends the speech.
        rules[names[prefix]] = " | ".join(options or ['"\\""'])

    node("")
    return rules


_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _class_escape(ch: str) -> str:
    return "\\" + ch if ch in "]\\^-[" else ch


def _lit(text: str) -> str:
    """A GBNF string literal."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _alternatives(items: Iterable[str]) -> str:
    return "( " + " | ".join(items) + " )"


def _rule(name: str) -> str:
    return name.replace("_", "-").lower()
