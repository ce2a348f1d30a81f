"""Runs plans of one scenario on one ``Runtime``: conversation, scoring, and audio if asked.

The same worker serves the in-process batch and each Ray actor, so both produce the same
records; it writes nothing itself (the batch's ``RunStore`` does, in one place).
"""

from __future__ import annotations

import asyncio
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from npc.mind.recall import KnowledgeRecall
from npc.runtime import Runtime
from npc.simulate.audio import render_audio
from npc.simulate.conversation import Conversation, OnUtterance, simulated_side
from npc.simulate.judge import Judge
from npc.simulate.loading import LoadedScenario
from npc.simulate.records import RunPlan, RunRecord
from npc.simulate.scoring import score_run
from npc.simulate.sides import Side
from npc.simulate.trainee import (
    KeptAudio,
    Player,
    ServedSide,
    TraineeInput,
    TraineeServer,
    TraineeSide,
)


@dataclass(frozen=True)
class Trainee:
    """A person playing ``role``: where their turns come from, and how they hear replies."""

    role: str
    source: TraineeInput
    player: Player | None = None
    show: Callable[[str], None] = print


@dataclass
class RunOutput:
    """A finished run and the extra files of its folder (audio), by relative path."""

    record: RunRecord
    files: dict[str, bytes] = field(default_factory=dict)


class SimulationWorker:
    """Runs one plan at a time with the models of ``runtime`` (loaded once, on first use)."""

    def __init__(
        self,
        runtime: Runtime,
        loaded: LoadedScenario,
        *,
        audio: bool = False,
        judge: bool = True,
        retries: int = 2,
        trainee: Trainee | None = None,
    ) -> None:
        """``retries``: how often a broken line is asked for again (``SimulatedSide``);
        ``trainee``: a person plays one participant, through a server (``npc.simulate.trainee``)."""
        self.runtime = runtime
        self.loaded = loaded
        self.audio = audio
        self.use_judge = judge
        self.retries = retries
        self.trainee = trainee
        self.id = f"{socket.gethostname()}:{os.getpid()}"
        self._ingested = False
        self._server: TraineeServer | None = None

    def _recall(self, character_id: str) -> KnowledgeRecall | None:
        """Lore for a simulated participant, as live sessions get (no player memory)."""
        knowledge = self.runtime.knowledge
        if knowledge is None:
            return None
        if not self._ingested:  # incremental: unchanged files cost nothing
            for sheet in self.loaded.sheets.values():
                knowledge.ingest(sheet)
                knowledge.warm(sheet.sheet.id)
            self._ingested = True
        return KnowledgeRecall(knowledge, character_id, None)

    def run(self, plan: RunPlan, on_utterance: OnUtterance | None = None) -> RunOutput:
        """Run ``plan`` to the end (blocking; not from inside an event loop)."""
        return asyncio.run(self.run_async(plan, on_utterance))

    async def run_async(self, plan: RunPlan, on_utterance: OnUtterance | None = None) -> RunOutput:
        start = time.perf_counter()
        llm = self.runtime.llm
        judge = Judge(llm, cache_key=f"sim:{plan.run_id}:judge") if self.use_judge else None
        files: dict[str, bytes] = {}
        if self.trainee is not None:
            record, files = await self._with_trainee(plan, judge, on_utterance, self.trainee)
        else:
            sides: dict[str, Side] = {}
            for name in self.loaded.scenario.participants:
                sheet = self.loaded.sheets[name]
                recall = await asyncio.to_thread(self._recall, sheet.sheet.id)
                sides[name] = simulated_side(
                    self.loaded,
                    name,
                    plan,
                    llm,
                    self.runtime.settings.llm,
                    recall=recall,
                    intents=self.runtime.intents(sheet),
                    retries=self.retries,
                )
            record = await Conversation(self.loaded, plan, sides, judge, on_utterance).run()
        # Scoring waits for the whole conversation: the judge and the minds share one model.
        record.scores = await asyncio.to_thread(
            score_run, record, self.loaded.scenario.rubric, judge
        )
        if self.audio and self.trainee is None:
            files = render_audio(self.runtime, self.loaded.sheets, record.utterances)
        record.duration_s = time.perf_counter() - start
        record.worker = self.id
        return RunOutput(record, files)

    async def _with_trainee(
        self, plan: RunPlan, judge: Judge | None, on_utterance: OnUtterance | None, t: Trainee
    ) -> tuple[RunRecord, dict[str, bytes]]:
        """The run with a person on one side, the other served as to a game."""
        if self._server is None:
            self._server = TraineeServer(self.runtime, self.loaded, t.role)
        server = self._server
        kept = KeptAudio()
        other = server.role
        speech = t.source.audio or t.player is not None or self.audio
        async with server.session(plan, audio=speech) as (link, _):
            sides: dict[str, Side] = {
                t.role: TraineeSide(self.loaded.name(t.role), t.role, link, t.source, kept),
                other: ServedSide(
                    self.loaded.name(other), other, link, kept, show=t.show, player=t.player
                ),
            }
            record = await Conversation(self.loaded, plan, sides, judge, on_utterance).run()
        return record, kept.files

    def close(self) -> None:
        """Stop what the worker started for a person (its server's folder)."""
        if self._server is not None:
            self._server.close()
            self._server = None
