"""What a request means when it names none of the things an action chooses from.

Players ask by need as often as by name: "I forgot the thin sheet sack you're meant to
sleep in. Got a spare?" for the sleeping bag liner, "Could you make us up something to eat
on the summit?" for the packed lunch (whose description says "bread, cheese ... wrapped to
take on the route"). The word-level hints find nothing in such a line, and the 0.5B model
then answered "none" (an eleventh blind pair, issue 18: most of its command misses). The
bundled embedder puts the line near the thing's name, and nearer its meaning when the
sheet gives one; it still misses many ("Have you a light I could wear?" is nearer the
helmet than the headtorch, both weakly).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from npc.actions.space import Scene
from npc.character.looks import described
from npc.character.sheet import CharacterSheet, ChoiceParam, SceneParam

Embed = Callable[[Sequence[str]], NDArray[np.float32]]

# The best thing counts when the line scores this much against it and leads the next
# thing by this much (read off the dev split's commands that name no value; below the
# bar, lines that ask for nothing an action gives were matched as often as needs were).
BAR = 0.4
LEAD = 0.05


@dataclass(frozen=True)
class Meant:
    """A thing a line asks for by need: its value, the parameter's kind ("object", or a
    choice parameter's name) and the actions that take it."""

    value: str
    kind: str
    actions: tuple[str, ...]


@dataclass(frozen=True)
class _Takes:
    """What one parameter of an action chooses from: ``values``, or (None) whatever of
    ``kind`` the scene holds now; ``said``: what the description says values mean."""

    action: str
    kind: str  # "object", "place", or a choice parameter's name as words
    values: tuple[str, ...] | None
    said: tuple[tuple[str, str], ...]
    scene: bool = True  # the values are the scene's (else a choice's, always there)

    def entries(self, scene: Scene) -> list[str]:
        if not self.scene:
            return list(self.values or ())
        now = scene.objects if self.kind == "object" else scene.locations
        return [v for v in self.values if v in now] if self.values is not None else list(now)

    def text(self, value: str) -> str:
        """What is embedded for ``value``: its name, and its meaning when the sheet says."""
        meaning = dict(self.said).get(value.lower())
        return f"{value}: {meaning}" if meaning else value


def _takes(sheet: CharacterSheet) -> list[_Takes]:
    out = []
    for action in sheet.actions:
        for name, param in action.parameters.items():
            said = tuple(described(param.description))
            if isinstance(param, ChoiceParam):
                words = name.replace("_", " ")
                out.append(_Takes(action.name, words, tuple(param.values), said, scene=False))
            elif isinstance(param, SceneParam) and param.type != "character":
                # (an entity's people are fetched and pointed at by name or by role)
                kind = "place" if param.type == "location" else "object"
                values = None if param.values is None else tuple(param.values)
                out.append(_Takes(action.name, kind, values, said))
    return out


class ThingIndex:
    """The things a character's actions choose from, each embedded once: the sheet's
    when built, those the game brings into the scene when first met."""

    def __init__(self, sheet: CharacterSheet, embed: Embed) -> None:
        self._embed = embed
        self._takes = _takes(sheet)
        self._vectors: dict[str, NDArray[np.float32]] = {}
        self._candidates(Scene.of(sheet))  # the sheet's own things, embedded now

    def _candidates(self, scene: Scene) -> dict[str, tuple[str, str, list[str]]]:
        """Each thing the actions take in ``scene``: its kind, text and actions."""
        found: dict[str, tuple[str, str, list[str]]] = {}
        for takes in self._takes:
            for value in takes.entries(scene):
                entry = found.setdefault(value, (takes.kind, takes.text(value), []))
                if takes.action not in entry[2]:
                    entry[2].append(takes.action)
        missing = [t for _, t, _ in found.values() if t not in self._vectors]
        if missing:
            # (a plain dict: two sessions may embed one new thing twice, harmlessly)
            self._vectors.update(zip(missing, self._embed(missing), strict=True))
        return found

    def meant(self, vector: NDArray[np.float32], scene: Scene) -> Meant | None:
        """The thing a line (its embedding ``vector``) asks for when one is clearly nearest
        of those the actions take in ``scene`` now."""
        found = self._candidates(scene)
        if not found:
            return None
        values = list(found)
        scores = np.stack([self._vectors[found[v][1]] for v in values]) @ vector
        order = np.argsort(-scores)
        best = float(scores[order[0]])
        second = float(scores[order[1]]) if len(order) > 1 else -1.0
        if best < BAR or best - second < LEAD:
            return None
        kind, _, actions = found[values[int(order[0])]]
        return Meant(values[int(order[0])], kind, tuple(actions))
