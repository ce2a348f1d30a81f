"""Runs plans of one scenario on one ``Runtime``: conversation, scoring, and audio if asked.

The same worker serves the in-process batch and each Ray actor, so both produce the same
records; it writes nothing itself (the batch's ``RunStore`` does, in one place).
"""

from __future__ import annotations

import asyncio
import os
import socket
import time
from dataclasses import dataclass, field

from npc.mind.recall import KnowledgeRecall
from npc.runtime import Runtime
from npc.simulate.audio import render_audio
from npc.simulate.conversation import Conversation, OnUtterance, simulated_side
from npc.simulate.judge import Judge
from npc.simulate.loading import LoadedScenario
from npc.simulate.records import RunPlan, RunRecord
from npc.simulate.scoring import score_run
from npc.simulate.sides import HumanSide, LineSource, Side


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
        humans: dict[str, LineSource] | None = None,
    ) -> None:
        self.runtime = runtime
        self.loaded = loaded
        self.audio = audio
        self.use_judge = judge
        self.humans = humans or {}
        self.id = f"{socket.gethostname()}:{os.getpid()}"
        self._ingested = False

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
        sides: dict[str, Side] = {}
        for name in self.loaded.scenario.participants:
            source = self.humans.get(name)
            if source is not None:
                sides[name] = HumanSide(self.loaded.name(name), source)
            else:
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
                )
        judge = Judge(llm, cache_key=f"sim:{plan.run_id}:judge") if self.use_judge else None
        record = await Conversation(self.loaded, plan, sides, judge, on_utterance).run()
        # Scoring waits for the whole conversation: the judge and the mind share one model.
        record.scores = await asyncio.to_thread(
            score_run, record, self.loaded.scenario.rubric, judge
        )
        files = (
            render_audio(self.runtime, self.loaded.sheets, record.utterances) if self.audio else {}
        )
        record.duration_s = time.perf_counter() - start
        record.worker = self.id
        return RunOutput(record, files)
