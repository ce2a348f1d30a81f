"""The scenario file: who talks to whom, where, about what, for how long, and how it is scored.

Scenarios are YAML validated by these pydantic models (unknown fields are refused);
``npc.simulate.loading`` adds the checks that span fields (a goal for a participant that does
not exist, a character sheet that cannot be found) at their own line and column.

A *turn* is one utterance: the opening line is turn 1, the reply to it turn 2, and so on.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

IDENTIFIER = r"^[a-z][a-z0-9_]*$"
Name = Annotated[str, Field(pattern=IDENTIFIER)]


class Strict(BaseModel):
    """Base for scenario models: unknown fields are an error, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Participant(Strict):
    """One side of the conversation: a character sheet in a role (the key, e.g. ``nurse``)."""

    character: str = Field(
        min_length=1,
        description="A character id from the characters folder, or a path to a sheet "
        "(relative to the scenario file).",
    )
    events: list[str] = Field(
        default_factory=list,
        description="Game events the participant knows of at the start (shown with its first "
        "turn).",
    )
    helps: bool = Field(
        False,
        description="This participant's part is to help the other (the staff side: a nurse, "
        "a sales rep). Lines where the other side offers help or this side thanks the other "
        "for its help are then role inversions. Unset on both: read from the conversation.",
    )


class Setting(Strict):
    """Where the conversation happens; objects and places replace the sheets' default scene."""

    description: str = Field(
        min_length=1, description="Told to every participant as part of its instructions."
    )
    objects: list[str] | None = None
    locations: list[str] | None = None


class Opening(Strict):
    """Who speaks first, and with what line (generated in character when ``line`` is empty)."""

    by: Name = Field(description="The participant who opens.")
    line: str | None = Field(None, min_length=1)


class _Stop(Strict):
    id: Name | None = Field(None, description="Names the condition in reports (default: type).")
    success: bool = Field(
        True,
        description="Whether stopping here means the goal was reached (counts for turns to "
        "goal); false for a failure such as the patient walking out.",
    )


class PhraseStop(_Stop):
    """Stop when an utterance matches a regular expression (case-insensitive)."""

    type: Literal["phrase"]
    pattern: str = Field(min_length=1)
    speaker: Name | None = Field(None, description="Only this participant's lines count.")


class ActionStop(_Stop):
    """Stop when a participant takes an action (e.g. the patient sits down)."""

    type: Literal["action"]
    action: Name
    speaker: Name | None = None
    args: dict[str, str | int | float] = Field(
        default_factory=dict, description="Only a call with these arguments counts."
    )


class GoalStop(_Stop):
    """Stop when the judge finds the goal reached; asked every ``every`` turns."""

    type: Literal["goal"]
    goal: str = Field(min_length=1, description="A statement the judge checks, in plain words.")
    unless: str | None = Field(
        None,
        min_length=1,
        description="A statement that, if the judge finds it true, means not yet.",
    )
    speaker: Name | None = Field(
        None,
        description="Whose lines must show it (the judge has to point at one of them); "
        "default: either participant's.",
    )
    every: int = Field(2, ge=1, description="Ask the judge every this many turns.")
    after_turn: int = Field(2, ge=1, description="The first turn after which to ask.")


StopCondition = Annotated[PhraseStop | ActionStop | GoalStop, Field(discriminator="type")]


class Variation(Strict):
    """A variant of the scenario (e.g. the patient's temperament) for one participant.

    Goals, events and personality traits are added to the sheet's; a speaking style, example
    lines, a default emotion and an opening line replace the sheet's (a calm patient must not
    learn its lines from an angry sheet's examples, nor open with the angry opening).
    """

    participant: Name
    description: str = ""
    goals: list[str] = Field(default_factory=list, description="Extra goals for the participant.")
    events: list[str] = Field(
        default_factory=list,
        description="Extra game events shown with the participant's first turn.",
    )
    personality: list[str] = Field(
        default_factory=list, description="Extra personality traits for the participant."
    )
    speaking_style: str | None = Field(
        None, min_length=1, description="Replaces the sheet's speaking style."
    )
    example_lines: list[str] | None = Field(
        None, min_length=1, description="Replace the sheet's example lines."
    )
    emotion: str | None = Field(
        None, min_length=1, description="Replaces the sheet's default emotion."
    )
    opening: str | None = Field(
        None,
        min_length=1,
        description="The opening line when this participant opens (replaces opening.line).",
    )

    @model_validator(mode="after")
    def _adds_something(self) -> Variation:
        changes = (self.goals, self.events, self.personality, self.speaking_style)
        more = (self.example_lines, self.emotion, self.opening)
        if not any(changes) and all(x is None for x in more):
            raise ValueError(
                "a variation changes nothing; expected goals, events, personality, "
                "speaking_style, example_lines, emotion or opening"
            )
        return self


class RegexCheck(Strict):
    """Passes when a participant's lines match ``must`` (at least once) and never ``must_not``."""

    type: Literal["regex"]
    speaker: Name
    must: str | None = None
    must_not: str | None = None
    within_turns: int | None = Field(None, ge=1, description="Only turns up to this one count.")

    @model_validator(mode="after")
    def _one_pattern(self) -> RegexCheck:
        if self.must is None and self.must_not is None:
            raise ValueError("expected 'must', 'must_not' or both")
        return self


class EmotionCheck(Strict):
    """Emotion conditions on one participant's lines (each given condition must hold)."""

    type: Literal["emotion"]
    speaker: Name
    reaches: list[str] | None = Field(
        None, description="Shows one of these at least once (within ``within_turns``)."
    )
    never: list[str] | None = Field(None, description="Never shows any of these.")
    ends_in: list[str] | None = Field(None, description="Its last line shows one of these.")
    within_turns: int | None = Field(None, ge=1)

    @model_validator(mode="after")
    def _one_condition(self) -> EmotionCheck:
        if self.reaches is None and self.never is None and self.ends_in is None:
            raise ValueError("expected 'reaches', 'never' or 'ends_in'")
        return self


class ActionRef(Strict):
    """An action, and the arguments a call must have to count."""

    action: Name
    args: dict[str, str | int | float] = Field(default_factory=dict)


class ActionCheck(Strict):
    """Passes when a participant takes (or, with ``taken: false``, never takes) an action:
    ``action`` (with ``args``), or any of the actions in ``any_of``."""

    type: Literal["action"]
    speaker: Name
    action: Name | None = None
    args: dict[str, str | int | float] = Field(
        default_factory=dict, description="Only a call with these arguments counts."
    )
    any_of: list[ActionRef] | None = Field(
        None, min_length=1, description="Any of these counts (instead of action and args)."
    )
    taken: bool = True
    within_turns: int | None = Field(None, ge=1)

    @model_validator(mode="after")
    def _one_way(self) -> ActionCheck:
        if (self.action is None) == (self.any_of is None):
            raise ValueError("expected either 'action' (with optional 'args') or 'any_of'")
        if self.any_of is not None and self.args:
            raise ValueError("'args' goes with 'action'; give each entry of 'any_of' its own")
        return self

    def refs(self) -> list[ActionRef]:
        """The actions that count."""
        if self.any_of is not None:
            return list(self.any_of)
        assert self.action is not None
        return [ActionRef(action=self.action, args=self.args)]


class TurnsCheck(Strict):
    """Conditions on the number of turns, and on when a success stop condition fired."""

    type: Literal["turns"]
    max: int | None = Field(None, ge=1, description="The conversation took at most this many.")
    min: int | None = Field(None, ge=1)
    goal_within: int | None = Field(
        None, ge=1, description="A success stop condition fired by this turn."
    )

    @model_validator(mode="after")
    def _one_condition(self) -> TurnsCheck:
        if self.max is None and self.min is None and self.goal_within is None:
            raise ValueError("expected 'max', 'min' or 'goal_within'")
        return self


class JudgeCheck(Strict):
    """The judge decides the item's statement over the transcript, pointing at the line that
    shows it."""

    type: Literal["judge"]
    question: str | None = Field(
        None,
        description="What to ask the judge (one concrete claim works best); the item's text "
        "when empty.",
    )
    unless: str | None = Field(
        None, min_length=1, description="A claim that, if the judge finds it true, fails the item."
    )
    speaker: Name | None = Field(
        None,
        description="Whose lines decide it (the judge must point at one of them); default: "
        "either participant's.",
    )


Check = Annotated[
    RegexCheck | EmotionCheck | ActionCheck | TurnsCheck | JudgeCheck,
    Field(discriminator="type"),
]


class RubricItem(Strict):
    """One thing a good conversation does, and how to check it."""

    id: Name
    text: str = Field(min_length=1, description="The item in plain words, for the report.")
    check: Check


class Scenario(Strict):
    """A conversation between two characters, run many times and scored."""

    id: Name
    title: str = ""
    participants: dict[Name, Participant] = Field(
        description="Exactly two participants by role (e.g. nurse, patient); the role names "
        "them everywhere else in the file."
    )
    setting: Setting
    goals: dict[Name, list[str]] = Field(
        default_factory=dict,
        description="Each participant's goals for this scenario, added to its sheet's goals.",
    )
    opening: Opening
    turns: int = Field(ge=1, le=200, description="At most this many utterances.")
    stop: list[StopCondition] = Field(default_factory=list)
    variations: dict[Name, Variation] = Field(default_factory=dict)
    rubric: list[RubricItem] = Field(default_factory=list)
    seed: int = Field(1, ge=0, description="Run i samples with seed + i.")
    temperature: float = Field(
        0.7,
        gt=0,
        le=2,
        description="Sampling temperature of the characters' lines, so that runs differ "
        "(emotions, actions and the judge are always the likeliest choice).",
    )
    emotion_scale: dict[str, float] = Field(
        default_factory=dict,
        description="How positive each emotion is, from -1 to 1, for the emotion plots "
        "(added to the built-in scale).",
    )

    @field_validator("turns", mode="before")
    @classmethod
    def _positive_turns(cls, value: object) -> object:
        if value == 0:
            raise ValueError("turns is 0; expected at least 1 (the opening line is turn 1)")
        return value

    @field_validator("participants")
    @classmethod
    def _two(cls, value: dict[str, Participant]) -> dict[str, Participant]:
        if len(value) != 2:
            raise ValueError(
                f"{len(value)} participant(s); expected exactly two (e.g. nurse and patient)"
            )
        if all(p.helps for p in value.values()):
            raise ValueError(
                "both participants have helps: true; set it on the one whose part is to help "
                "the other (or on neither)"
            )
        return value

    @field_validator("emotion_scale")
    @classmethod
    def _in_range(cls, value: dict[str, float]) -> dict[str, float]:
        for name, v in value.items():
            if not -1 <= v <= 1:
                raise ValueError(f"{name}: {v} is outside -1..1; expected a value from -1 to 1")
        return value

    def partner(self, name: str) -> str:
        """The other participant's name."""
        return next(p for p in self.participants if p != name)
