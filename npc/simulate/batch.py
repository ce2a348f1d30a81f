"""A batch: plan the runs, skip those already stored, run the rest on an executor, report.

Executors (in-process here, Ray in ``npc.simulate.ray_pool``) turn plans into finished runs
or failures; the batch alone writes to the output folder, so the format is the same
whichever ran them.
"""

from __future__ import annotations

import json
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from npc.errors import NpcError
from npc.simulate.batch_report import batch_files, runs_table
from npc.simulate.errors import SimulationError
from npc.simulate.loading import LoadedScenario
from npc.simulate.records import RunPlan, RunRecord, Utterance
from npc.simulate.report import run_files
from npc.simulate.store import RunStore
from npc.simulate.summary import summarise
from npc.simulate.worker import RunOutput, SimulationWorker

MAX_ATTEMPTS = 3


@dataclass(frozen=True)
class BatchOptions:
    """What to run; everything but ``runs`` must match to resume a folder."""

    runs: int = 1
    variation: str | None = None
    max_turns: int | None = None
    audio: bool = False
    human: str | None = None
    judge: bool = True
    retries: int = 2
    model: str | None = None  # the LLM of the characters and the judge (None: the settings')

    def identity(self) -> dict[str, Any]:
        """The options a resumed batch must share with the stored one."""
        return {
            "variation": self.variation,
            "max_turns": self.max_turns,
            "audio": self.audio,
            "human": self.human,
            "judge": self.judge,
            "retries": self.retries,
            "model": self.model,
        }


def plan_runs(loaded: LoadedScenario, options: BatchOptions) -> list[RunPlan]:
    """The same plans for the same scenario and options, always (what makes resuming exact).

    Without ``variation``, runs cycle through the scenario's variations in file order.
    """
    scenario = loaded.scenario
    if options.variation is not None and options.variation not in scenario.variations:
        known = ", ".join(scenario.variations) or "none"
        raise SimulationError(f"no variation {options.variation!r}; expected one of: {known}")
    cycle: list[str | None] = list(scenario.variations) or [None]
    turns = options.max_turns or scenario.turns
    return [
        RunPlan(
            run_id=f"{i + 1:04d}",
            index=i,
            seed=scenario.seed + i,
            variation=options.variation or cycle[i % len(cycle)],
            max_turns=turns,
        )
        for i in range(options.runs)
    ]


@dataclass
class RunFailure:
    """A run that failed on its last attempt."""

    plan: RunPlan
    error: str
    attempts: int


Outcome = RunOutput | RunFailure


class Executor(Protocol):
    """Runs plans and yields each one's outcome as it finishes (in any order)."""

    def run(self, plans: list[RunPlan], progress: BatchProgress) -> Iterator[Outcome]: ...


class BatchProgress(Protocol):
    """What a batch reports while it runs (the CLI draws it with rich)."""

    def started(self, plan: RunPlan) -> None: ...

    def utterance(self, utterance: Utterance) -> None: ...

    def finished(self, record: RunRecord) -> None: ...

    def failed(self, failure: RunFailure) -> None: ...


class NoProgress:
    """Reports nothing."""

    def started(self, plan: RunPlan) -> None: ...

    def utterance(self, utterance: Utterance) -> None: ...

    def finished(self, record: RunRecord) -> None: ...

    def failed(self, failure: RunFailure) -> None: ...


class LocalExecutor:
    """Runs plans one after another in this process, on one worker (models loaded once)."""

    def __init__(self, worker: SimulationWorker, max_attempts: int = MAX_ATTEMPTS) -> None:
        self.worker = worker
        self.max_attempts = max_attempts

    def run(self, plans: list[RunPlan], progress: BatchProgress) -> Iterator[Outcome]:
        for plan in plans:
            progress.started(plan)
            for attempt in range(1, self.max_attempts + 1):
                try:
                    output = self.worker.run(plan, progress.utterance)
                except NpcError as exc:
                    if exc.retryable and attempt < self.max_attempts:
                        continue
                    yield RunFailure(plan, f"{exc.code}: {exc.message}", attempt)
                except Exception as exc:  # a bug in one run must not cost the others
                    yield RunFailure(plan, _describe(exc), attempt)
                else:
                    output.record.attempt = attempt
                    yield output
                break


@dataclass
class BatchResult:
    """What a call to ``Batch.run`` did, and the batch's state after it."""

    ran: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)


class Batch:
    """Runs the missing runs of a batch into its store, then writes the summary and reports."""

    def __init__(
        self,
        loaded: LoadedScenario,
        store: RunStore,
        options: BatchOptions,
        executor: Executor,
        progress: BatchProgress | None = None,
    ) -> None:
        self.loaded = loaded
        self.store = store
        self.options = options
        self.executor = executor
        self.progress = progress or NoProgress()

    def pending(self) -> tuple[list[RunPlan], list[str]]:
        """The plans still to run, and the ids of those already done."""
        plans = plan_runs(self.loaded, self.options)
        self.store.plan(plans)
        done = self.store.done()
        return [p for p in plans if p.run_id not in done], sorted(done & {p.run_id for p in plans})

    def run(self, on_commit: Callable[[RunRecord], None] | None = None) -> BatchResult:
        """Run what is missing; an interruption keeps every run finished so far."""
        todo, skipped = self.pending()
        result = BatchResult(skipped=skipped)
        try:
            for outcome in self.executor.run(todo, self.progress):
                if isinstance(outcome, RunFailure):
                    self.store.failed(outcome.plan.run_id, outcome.error, outcome.attempts)
                    result.failed.append(outcome.plan.run_id)
                    self.progress.failed(outcome)
                    continue
                record = outcome.record
                reports = run_files(self.loaded, record)
                if self.store.commit(record, outcome.files, reports):
                    result.ran.append(record.plan.run_id)
                self.progress.finished(record)
                if on_commit is not None:
                    on_commit(record)
        finally:
            result.summary = self.write_reports()
        return result

    def write_reports(self) -> dict[str, Any]:
        """``summary.json``, ``report.md`` and ``report.html`` from every stored run."""
        records = self.store.records()
        planned = {p["run_id"] for p in self.store.manifest["planned"]}
        failed = {k: v for k, v in self.store.manifest["failed"].items() if k in planned}
        summary = summarise(self.loaded, records, failed, planned=len(planned))
        summary["runs_table"] = runs_table(records)
        self.store.write("summary.json", json.dumps(summary, indent=2) + "\n")
        for name, text in batch_files(self.loaded, summary, records).items():
            self.store.write(name, text)
        return summary


def _describe(exc: BaseException) -> str:
    last = traceback.extract_tb(exc.__traceback__)[-1:] if exc.__traceback__ else []
    where = f" at {last[0].filename}:{last[0].lineno}" if last else ""
    return f"{type(exc).__name__}: {exc}{where}"
