"""The actions a character can take in the current scene, with each parameter's allowed values."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from npc.character.sheet import (
    Action,
    CharacterSheet,
    ChoiceParam,
    NumberParam,
    Param,
    SceneParam,
    StringParam,
)


@dataclass(frozen=True, slots=True)
class Scene:
    """What is in the game world around the character now."""

    objects: tuple[str, ...] = ()
    locations: tuple[str, ...] = ()
    characters: tuple[str, ...] = ()

    @classmethod
    def of(cls, sheet: CharacterSheet) -> Scene:
        s = sheet.scene
        return cls(tuple(s.objects), tuple(s.locations), tuple(s.characters))

    def entries(self, kind: str) -> tuple[str, ...]:
        """The scene's entries of a parameter type (``entity``: objects and characters)."""
        if kind == "entity":
            return self.objects + self.characters
        return {"object": self.objects, "location": self.locations, "character": self.characters}[
            kind
        ]


@dataclass(frozen=True, slots=True)
class ActionSpace:
    """The sheet's actions bound to a scene: scene-typed parameters get concrete values."""

    actions: tuple[Action, ...]
    scene: Scene

    @classmethod
    def build(cls, sheet: CharacterSheet, scene: Scene | None = None) -> ActionSpace:
        return cls(tuple(sheet.actions), scene or Scene.of(sheet))

    def values(self, param: Param) -> tuple[str, ...] | None:
        """The allowed values of an enumerated parameter now; None for strings and numbers."""
        if isinstance(param, ChoiceParam):
            return tuple(param.values)
        if isinstance(param, SceneParam):
            present = self.scene.entries(param.type)
            if param.values is None:
                return present
            return tuple(v for v in param.values if v in present)
        return None

    def callable_actions(self) -> tuple[Action, ...]:
        """Actions whose required enumerated parameters have at least one value now."""
        return tuple(a for a in self.actions if self._callable(a))

    def _callable(self, action: Action) -> bool:
        for param in action.parameters.values():
            values = self.values(param)
            if param.required and values is not None and not values:
                return False
        return True

    def only(self, names: Iterable[str]) -> ActionSpace:
        """The same space with only the named actions."""
        keep = set(names)
        return ActionSpace(tuple(a for a in self.actions if a.name in keep), self.scene)

    def fitting(self, mentioned: Iterable[str]) -> list[str]:
        """Actions with a parameter that can take one of the ``mentioned`` scene entries or
        choice values ("give me a shrug": gesture), or a number by its label ("deck
        lockdown" for a level described "... 3 deck lockdown, 4 full station lockdown")."""
        names = set(mentioned)
        out = []
        for action in self.actions:
            for param in action.parameters.values():
                values = self.values(param)
                if values is None and isinstance(param, NumberParam):
                    values = tuple(number_labels(param))
                if values and names & set(values):
                    out.append(action.name)
                    break
        return out

    def get(self, name: str) -> Action | None:
        return next((a for a in self.actions if a.name == name), None)

    def signatures(self) -> Iterable[str]:
        """One line per action for the prompt, e.g. ``fetch(item: an object in the scene
        [what to bring]) - Go and get ...``: a parameter's description follows its type in
        brackets, since the author wrote it for the choice ("trauma: heavy bleeding and
        fractures", "1 when not said")."""
        for action in self.actions:
            params = ", ".join(
                f"{name}: {_describe(p)}"
                + (f" [{' '.join(p.description.split())}]" if p.description.strip() else "")
                + ("" if p.required else " (optional)")
                for name, p in action.parameters.items()
            )
            yield f"{action.name}({params}) - {action.description}"


def _describe(param: Param) -> str:
    if isinstance(param, SceneParam):
        if param.values:
            return "one of " + ", ".join(param.values)
        if param.type == "entity":
            return "an object or a person in the scene"
        return f"{'an' if param.type == 'object' else 'a'} {param.type} in the scene"
    if isinstance(param, ChoiceParam):
        return "one of " + ", ".join(param.values)
    if isinstance(param, StringParam):
        return f"text up to {param.max_length} characters"
    assert isinstance(param, NumberParam)
    kind = "whole number" if param.integer else "number"
    return f"{kind} from {param.minimum:g} to {param.maximum:g}"


# A number's label in its parameter's description: "0 none, 1 advisory, 2 masks and scans,
# 3 deck lockdown, 4 full station lockdown", "1 = gentle; 2 = firm".
_LABEL = re.compile(
    r"(?:^|[,;(])\s*(-?\d+)\s*(?:[:=]|-|\u2013|is|for|means)?\s*([a-z][a-z' -]*[a-z])\s*(?=[,;)]|$)"
)
# Labels too plain to name a setting when said ("none of your business").
_PLAIN_LABELS = frozenset(["none", "off", "on", "no", "yes", "normal", "default", "nothing"])


def number_labels(param: NumberParam) -> dict[str, int]:
    """The labels a whole-number parameter's description gives its values, when it gives
    two or more within its range; the plain ones ("none", "off") left out."""
    if not param.integer:
        return {}
    found = {
        label.strip(): int(n)
        for n, label in _LABEL.findall(param.description.lower())
        if param.minimum <= int(n) <= param.maximum
    }
    if len(found) < 2:
        return {}
    return {label: n for label, n in found.items() if label not in _PLAIN_LABELS}
