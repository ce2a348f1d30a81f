"""The character sheet: who a character is, what it knows and what it can do.

Sheets are YAML files validated by these pydantic models (unknown fields are refused).
Checks that need more than one field at a time, or the file system, live in ``checks.py``
so that every problem can be reported at its own line and column.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

IDENTIFIER = r"^[a-z][a-z0-9_]*$"


class Strict(BaseModel):
    """Base for sheet models: unknown fields are an error, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Voice(Strict):
    """The piper voice the character speaks with."""

    piper: str = Field(
        "en_US-joe-medium",
        description="A bundled voice name (see `npc models`) or a path to a piper .onnx file, "
        "relative to the sheet.",
    )
    rate: float = Field(1.0, ge=0.5, le=2.0, description="Speaking rate; 1.0 is the voice's own.")


class Knowledge(Strict):
    """What the character knows, beyond its backstory."""

    facts: list[str] = Field(
        default_factory=list,
        description="Short facts, one per item; in every prompt when they fit in 1200 characters.",
    )
    files: list[str] = Field(
        default_factory=list,
        description="Markdown or text files and folders of them, relative to the sheet.",
    )
    packs: list[str] = Field(
        default_factory=list,
        description="Shared knowledge packs (folders under characters/packs/) several "
        "characters use.",
    )


class Emotions(Strict):
    """The emotions the character's face can show."""

    allowed: list[str] = Field(
        default_factory=lambda: ["neutral", "happy", "sad", "angry", "surprised", "afraid"],
        min_length=1,
    )
    default: str = "neutral"


class Guardrails(Strict):
    """How the character stays in character and what it will not discuss."""

    refuse_topics: list[str] = Field(default_factory=list)
    in_character: str = Field(
        "Never say you are an AI, a model or an assistant; stay in character.",
        description="How to answer questions about being an AI or about the instructions.",
    )
    refusal: str = Field(
        "",
        description='How the character says no, in its own voice ("Not at my forge, '
        'stranger."). It sets the tone of refusals, and is said as it is when a reply has '
        "to be replaced (it turned into assistant talk, code or a secret).",
    )


class Secret(Strict):
    """A fact the character knows but does not tell (or tells only when ``tell_when`` holds).

    Written as a plain string or as a mapping with ``fact``. A secret never told is kept out
    of the prompt (a small model asked about it gives it away; it cannot tell what it does
    not know), and a reply that says one of its ``words`` is stopped before it is spoken. A
    secret with ``tell_when`` is in the prompt with its condition; the model decides.
    """

    fact: str = Field(min_length=1, description="What the character knows.")
    tell_when: str = Field(
        "",
        description='When the character may tell it ("only to someone who shows the royal '
        'seal"); empty: never.',
    )
    words: list[str] = Field(
        default_factory=list,
        description="Words that give the secret away (names, places). Default: the fact's "
        "names and numbers that the rest of the sheet does not mention.",
    )

    @model_validator(mode="before")
    @classmethod
    def _from_string(cls, data: Any) -> Any:
        return {"fact": data} if isinstance(data, str) else data


class Scene(Strict):
    """The default scene: what a game starts a session with unless it sends its own."""

    objects: list[str] = Field(default_factory=list)
    locations: list[str] = Field(default_factory=list)
    characters: list[str] = Field(default_factory=list)


class _Param(Strict):
    description: str = ""
    required: bool = True


class SceneParam(_Param):
    """A parameter whose value is one of the scene's objects, locations or characters;
    ``entity`` takes an object or a character ("point at the anvil", "point at Vell").

    ``values`` narrows the choice to some of them; without it any entry of the current
    scene is allowed (the game may change the scene during a session).
    """

    type: Literal["object", "location", "character", "entity"]
    values: list[str] | None = None


class ChoiceParam(_Param):
    """A parameter with a fixed set of values that do not come from the scene."""

    type: Literal["choice"]
    values: list[str] = Field(min_length=1)


class StringParam(_Param):
    """Free text the model writes (``text``; ``string`` is the same type)."""

    type: Literal["text", "string"]
    max_length: int = Field(60, ge=1, le=500)


class NumberParam(_Param):
    type: Literal["number"]
    minimum: float
    maximum: float
    integer: bool = False

    @model_validator(mode="after")
    def _range(self) -> NumberParam:
        if self.minimum > self.maximum:
            raise ValueError(
                f"minimum {self.minimum} is above maximum {self.maximum}; "
                "expected minimum <= maximum"
            )
        return self


Param = Annotated[SceneParam | ChoiceParam | StringParam | NumberParam, Field(discriminator="type")]


EXAMPLE_NOTE = (
    " Examples teach the manner, not the words: the model is told to answer in its own words, "
    "but a small model may still repeat an example's reply when a line is close to it, so keep "
    "them short and varied."
)


class ActionExample(Strict):
    """A player line that should lead to the action, with the call and the reply, for the model."""

    player: str = Field(min_length=1)
    args: dict[str, str | int | float] = Field(default_factory=dict)
    say: str = Field(min_length=1, description="What the character says as it acts." + EXAMPLE_NOTE)


class DialogueExample(Strict):
    """A player line and the character's answer, to teach the model the character's manner:
    questions answered without acting, impossible requests refused, and so on."""

    player: str = Field(min_length=1)
    say: str = Field(min_length=1, description="The character's answer." + EXAMPLE_NOTE)
    emotion: str | None = Field(None, description="One of emotions.allowed.")


class ExpectedCall(Strict):
    """An action a test expects, with exactly these arguments (a free-text one holds these
    words)."""

    name: str = Field(pattern=IDENTIFIER)
    args: dict[str, str | int | float] = Field(
        default_factory=dict,
        description="Every argument of the call: a choice, scene entry or number exactly "
        "(any case); a text parameter's value holds these words, in any order ('box this "
        "lap' matches 'Box, box, box this lap!').",
    )

    def label(self) -> str:
        return f"{self.name}({', '.join(f'{k}={v}' for k, v in self.args.items())})"


class TurnTest(Strict):
    """One turn of a character test: what happens, what the player says, what must follow."""

    player: str = Field("", description="The player's line; empty: react to the events.")
    events: list[str] = Field(
        default_factory=list, description="Game events that happen just before the line."
    )
    actions: list[ExpectedCall] | None = Field(
        None,
        description="The actions expected, in order ([]: none); unset: not checked. When "
        "another order is as right, list it in or_actions.",
    )
    or_actions: list[list[ExpectedCall]] = Field(
        default_factory=list, description="Other acceptable action lists."
    )
    mentions: list[str] = Field(
        default_factory=list,
        description=(
            "The reply must contain at least one of these (any case, whole words; a "
            "word's plural counts; a number in words or digits)."
        ),
    )
    avoid: list[str] = Field(
        default_factory=list,
        description="The reply must contain none of these (any case, whole words; a word's "
        "plural counts; a number in words or digits).",
    )

    @model_validator(mode="after")
    def _something_happens(self) -> TurnTest:
        if not self.player.strip() and not self.events:
            raise ValueError("a test turn needs a player line or events; expected either")
        return self


TestKind = Literal[
    "command", "lore", "small_talk", "impossible", "adversarial", "event", "conversation"
]
TEST_KINDS: tuple[str, ...] = get_args(TestKind)


class CharacterTest(TurnTest):
    """A line to say to the character (or a conversation of several), and what must follow.

    Every reply is also checked for what is never right: an empty reply, assistant talk
    ("as an AI"), code, the prompt or a secret given away, the player's line repeated, a yes
    to "Are you an AI?".
    """

    player: str = Field("", description="The player's line (or use turns).")
    kind: TestKind | None = Field(
        None, description="What the line tests, for reports: " + ", ".join(TEST_KINDS) + "."
    )
    turns: list[TurnTest] = Field(
        default_factory=list,
        description="A conversation: these turns in order, each checked (instead of player).",
    )

    @model_validator(mode="after")
    def _something_happens(self) -> CharacterTest:
        if self.turns and (self.player or self.events or self.actions is not None):
            raise ValueError(
                "a test has either turns or a single line (player, events, actions); got both"
            )
        if not self.turns and not self.player.strip() and not self.events:
            raise ValueError("a test needs a player line, events or turns; expected one of them")
        return self

    def all_turns(self) -> list[TurnTest]:
        """The turns to run, in order (a single line is one turn)."""
        if self.turns:
            return list(self.turns)
        return [TurnTest.model_validate(self.model_dump(exclude={"kind", "turns"}))]


class Action(Strict):
    """An action the game can execute for the character, with typed parameters."""

    name: str = Field(pattern=IDENTIFIER, description="snake_case, unique within the sheet")
    description: str = Field(min_length=1)
    parameters: dict[Annotated[str, Field(pattern=IDENTIFIER)], Param] = Field(
        default_factory=dict, description="Named parameters; 'name' is reserved."
    )
    needs_reply: bool = Field(
        True, description="Whether the character also says something when it acts."
    )
    refusable: bool = Field(
        True, description="Whether the character may refuse the player's request to do it."
    )
    examples: list[ActionExample] = Field(
        default_factory=list,
        description="Player lines that should lead to this action, with the call and a reply.",
    )


class CharacterSheet(Strict):
    """A whole character: identity, voice, knowledge, behaviour and actions."""

    id: str = Field(pattern=IDENTIFIER, description="Stable id used by clients and stores.")
    name: str = Field(min_length=1)
    role: str = Field(min_length=1)
    language: str = Field("en", pattern=r"^[a-z]{2}$", description="ISO 639-1 code.")
    backstory: str = ""
    personality: list[str] = Field(default_factory=list)
    speaking_style: str = ""
    example_lines: list[str] = Field(default_factory=list)
    examples: list[DialogueExample] = Field(
        default_factory=list,
        description="Exchanges without actions (questions, refusals) shown to the model.",
    )
    goals: list[str] = Field(default_factory=list)
    secrets: list[Secret] = Field(
        default_factory=list,
        description="Facts the character knows but does not tell (a string, or a mapping "
        "with fact, tell_when and words).",
    )
    voice: Voice = Field(default_factory=lambda: Voice())
    knowledge: Knowledge = Field(default_factory=Knowledge)
    emotions: Emotions = Field(default_factory=Emotions)
    guardrails: Guardrails = Field(default_factory=lambda: Guardrails())
    scene: Scene = Field(default_factory=Scene)
    actions: list[Action] = Field(default_factory=list)
    tests: list[CharacterTest] = Field(
        default_factory=list,
        description="Lines to say to the character and what must follow; `npc check` runs "
        "them against the model. Never shown to the model.",
    )

    def action(self, name: str) -> Action | None:
        """The action called ``name``, or None."""
        return next((a for a in self.actions if a.name == name), None)
