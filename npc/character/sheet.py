"""The character sheet: who a character is, what it knows and what it can do.

Sheets are YAML files validated by these pydantic models (unknown fields are refused).
Checks that need more than one field at a time, or the file system, live in ``checks.py``
so that every problem can be reported at its own line and column.
"""

from __future__ import annotations

from typing import Annotated, Literal

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

    facts: list[str] = Field(default_factory=list, description="Short facts, one per item.")
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


class Scene(Strict):
    """The default scene: what a game starts a session with unless it sends its own."""

    objects: list[str] = Field(default_factory=list)
    locations: list[str] = Field(default_factory=list)
    characters: list[str] = Field(default_factory=list)


class _Param(Strict):
    description: str = ""
    required: bool = True


class SceneParam(_Param):
    """A parameter whose value is one of the scene's objects, locations or characters.

    ``values`` narrows the choice to some of them; without it any entry of the current
    scene is allowed (the game may change the scene during a session).
    """

    type: Literal["object", "location", "character"]
    values: list[str] | None = None


class ChoiceParam(_Param):
    """A parameter with a fixed set of values that do not come from the scene."""

    type: Literal["choice"]
    values: list[str] = Field(min_length=1)


class StringParam(_Param):
    type: Literal["string"]
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


class ActionExample(Strict):
    """A player line that should lead to the action, with the call and the reply, for the model."""

    player: str = Field(min_length=1)
    args: dict[str, str | float] = Field(default_factory=dict)
    say: str = Field(min_length=1, description="What the character says as it acts.")


class DialogueExample(Strict):
    """A player line and the character's answer, to teach the model the character's manner:
    questions answered without acting, impossible requests refused, and so on."""

    player: str = Field(min_length=1)
    say: str = Field(min_length=1)
    emotion: str | None = None


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
    voice: Voice = Field(default_factory=lambda: Voice())
    knowledge: Knowledge = Field(default_factory=Knowledge)
    emotions: Emotions = Field(default_factory=Emotions)
    guardrails: Guardrails = Field(default_factory=lambda: Guardrails())
    scene: Scene = Field(default_factory=Scene)
    actions: list[Action] = Field(default_factory=list)

    def action(self, name: str) -> Action | None:
        """The action called ``name``, or None."""
        return next((a for a in self.actions if a.name == name), None)
