"""Test doubles for the mind's stages."""

from __future__ import annotations

from collections.abc import Sequence


class ScriptedIntents:
    """Test double for IntentHints: the likely actions for each line, as scripted."""

    def __init__(self, ranks: dict[str, list[str]], pays: tuple[str, ...] = ()) -> None:
        self.ranks = ranks
        self.verbs = None  # no verbs of the sheet's own: the common request patterns only
        self.pays = pays  # the actions that take the player's money
        self.seen: list[tuple[str, list[str], bool]] = []  # (line, boost, asked)

    def rank(self, line: str, boost: Sequence[str] = (), asked: bool = False) -> list[str]:
        self.seen.append((line, list(boost), asked))
        return self.ranks.get(line, ["none"])
