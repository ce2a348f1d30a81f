"""Test doubles for the mind's stages."""

from __future__ import annotations

from collections.abc import Sequence

from npc.actions.space import Scene
from npc.actions.things import Meant


class ScriptedIntents:
    """Test double for IntentHints: the likely actions for each line, as scripted."""

    def __init__(
        self,
        ranks: dict[str, list[str]],
        pays: tuple[str, ...] = (),
        meanings: dict[str, Meant] | None = None,
    ) -> None:
        self.ranks = ranks
        self.meanings = meanings or {}  # the thing each line asks for by need
        self.verbs = None  # no verbs of the sheet's own: the common request patterns only
        self.pays = pays  # the actions that take the player's money
        self.seen: list[tuple[str, list[str], bool]] = []  # (line, boost, asked)

    def rank(self, line: str, boost: Sequence[str] = (), asked: bool = False) -> list[str]:
        self.seen.append((line, list(boost), asked))
        return self.ranks.get(line, ["none"])

    def meant(self, line: str, scene: Scene) -> Meant | None:
        found = self.meanings.get(line)
        if found is None or found.kind not in ("object", "place"):
            return found
        return found if found.value in scene.objects + scene.locations else None
