"""Run a character's tests against the real model: each in a fresh conversation, every reply
judged (``npc.mind.judge``). ``npc check`` and ``bench/quality.py`` both use this."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from npc.character.loader import LoadedSheet
from npc.character.prompt import instructions
from npc.character.sheet import CharacterTest, TurnTest
from npc.mind.judge import Sheetwise, Verdict, judge
from npc.mind.mind import Mind, TurnResult
from npc.mind.recall import KnowledgeRecall
from npc.runtime import Runtime

Calls = tuple[tuple[str, dict[str, object]], ...]


@dataclass(frozen=True)
class TurnRecord:
    """One turn of a test as it went: what was said and done, and the verdict."""

    test: int  # the test's index in the sheet
    turn: int  # the turn's index in the test
    turns: int  # how many turns the test has
    kind: str  # the test's kind ("" when the sheet does not say)
    expected: TurnTest
    say: str
    calls: Calls
    verdict: Verdict
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return self.verdict.passed


class CharacterChecker:
    """Runs one character's tests; the character's knowledge must be ingested already."""

    def __init__(
        self,
        runtime: Runtime,
        loaded: LoadedSheet,
        *,
        key: str = "check",
        order: tuple[str, ...] | None = None,
    ) -> None:
        self.runtime = runtime
        self.loaded = loaded
        self.order = order
        self.key = f"{key}:{loaded.sheet.id}"
        probe = self.mind()
        self.sheetwise = Sheetwise.of(loaded.sheet, instructions(loaded.sheet, probe.format))

    def mind(self) -> Mind:
        """A fresh conversation, as a live session's (lore, no player memory)."""
        sheet = self.loaded.sheet
        runtime = self.runtime
        return Mind(
            self.loaded,
            runtime.llm,
            runtime.settings.llm,
            recall=KnowledgeRecall(runtime.knowledge, sheet.id, None),
            cache_key=self.key,
            intents=runtime.intents(self.loaded),
            order=self.order,
            answer_llm=runtime.answer_llm,
        )

    async def run(
        self,
        index: int,
        test: CharacterTest,
        on_turn: Callable[[TurnRecord], None] = lambda _: None,
    ) -> list[TurnRecord]:
        """Run test ``index``; ``on_turn`` hears of each turn as it ends."""
        mind = self.mind()
        records: list[TurnRecord] = []
        earlier: list[str] = []
        turns = test.all_turns()
        for n, turn in enumerate(turns):
            for event in turn.events:
                mind.add_event(event)
            result = TurnResult()
            async for _ in mind.respond(n + 1, turn.player, result=result):
                pass
            calls: Calls = tuple((a.name, dict(a.args)) for a in result.actions)
            for call in result.actions:  # the game obliges
                mind.add_action_result(call.action_id, True)
            verdict = judge(turn, result.say, calls, self.sheetwise, earlier)
            record = TurnRecord(
                index,
                n,
                len(turns),
                test.kind or "",
                turn,
                result.say,
                calls,
                verdict,
                result.timings,
            )
            earlier.append(result.say)
            records.append(record)
            on_turn(record)
        return records
