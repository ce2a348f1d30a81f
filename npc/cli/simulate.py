"""``npc simulate SCENARIO``: run a scenario many times between two characters and score it.

Resumable: run the same command again with the same ``--out`` and only the missing runs
run. ``--human ROLE`` lets you type one side; ``--ray auto|ADDRESS`` spreads runs over a
Ray cluster.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import typer
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from npc.cli.app import app, console, errors
from npc.config import Settings, load_settings
from npc.runtime import Runtime
from npc.simulate.batch import (
    Batch,
    BatchOptions,
    BatchResult,
    Executor,
    LocalExecutor,
    RunFailure,
)
from npc.simulate.errors import SimulationError
from npc.simulate.loading import LoadedScenario, load_scenario
from npc.simulate.records import RunPlan, RunRecord, Utterance
from npc.simulate.sides import LineSource, TypedLines
from npc.simulate.store import RunStore
from npc.simulate.worker import SimulationWorker

# Tests swap this to share one Runtime (models loaded once per test session).
make_runtime: Callable[[Settings], Runtime] = Runtime


@app.command()
def simulate(
    scenario: Path = typer.Argument(..., help="A scenario file, e.g. scenarios/triage.yaml."),  # noqa: B008
    runs: int = typer.Option(1, "--runs", min=1, help="How many conversations in the batch."),
    variation: str | None = typer.Option(
        None, help="Run only this variation (default: cycle through all)."
    ),
    out: Path | None = typer.Option(  # noqa: B008
        None, help="Output folder (default: runs/SCENARIO[-VARIATION]); reuse it to resume."
    ),
    audio: bool = typer.Option(False, "--audio", help="Render every line to WAV + visemes."),
    human: str | None = typer.Option(None, help="Type this participant's lines yourself."),
    ray: str | None = typer.Option(
        None, help="Run on Ray: 'auto' (a running cluster, else a local one) or an address."
    ),
    workers: int | None = typer.Option(None, min=1, help="Ray actors (default: CPUs/threads)."),
    max_turns: int | None = typer.Option(None, min=1, help="Override the scenario's turns."),
    judge: bool = typer.Option(True, "--judge/--no-judge", help="Use the LLM judge."),
) -> None:
    """Run NPC-to-NPC conversations of a scenario; write transcripts, reports and a summary."""
    settings = load_settings()
    loaded = load_scenario(scenario, settings.characters_dir)
    if human is not None and human not in loaded.scenario.participants:
        names = ", ".join(loaded.scenario.participants)
        raise SimulationError(f"--human {human}: no such participant; expected one of: {names}")
    if human is not None and ray is not None:
        raise SimulationError("--human and --ray do not mix; a person types in this terminal")
    options = BatchOptions(runs, variation, max_turns, audio, human, judge)
    folder = out or Path("runs") / "-".join(x for x in (loaded.scenario.id, variation) if x)
    store = RunStore(folder, loaded, options.identity())
    executor = _executor(loaded, settings, options, ray, workers)
    if human is not None:
        batch = Batch(loaded, store, options, executor, LivePrinter(human))
        result = _run(batch, folder)
    else:
        with BarProgress(loaded) as progress:
            batch = Batch(loaded, store, options, executor, progress)
            progress.total(runs, len(batch.pending()[1]))
            result = _run(batch, folder)
    _print_summary(loaded, result, folder)
    if result.failed:
        raise typer.Exit(1)


def _executor(
    loaded: LoadedScenario,
    settings: Settings,
    options: BatchOptions,
    ray: str | None,
    workers: int | None,
) -> Executor:
    if ray is not None:
        from npc.simulate.ray_pool import RayExecutor

        return RayExecutor(
            loaded,
            settings,
            address=ray,
            workers=workers,
            audio=options.audio,
            judge=options.judge,
        )
    humans: dict[str, LineSource] = {}
    if options.human is not None:
        humans[options.human] = TypedLines(out=lambda text: console.print(escape(text)))
    worker = SimulationWorker(
        make_runtime(settings), loaded, audio=options.audio, judge=options.judge, humans=humans
    )
    return LocalExecutor(worker)


def _run(batch: Batch, folder: Path) -> BatchResult:
    try:
        return batch.run()
    except KeyboardInterrupt:
        done = len(batch.store.done())
        errors.print(
            f"interrupted: {done} finished run(s) are safe in {folder}; run the same "
            "command again to resume",
            markup=False,
        )
        raise typer.Exit(130) from None


class BarProgress:
    """A rich progress bar over the batch, naming the run and turn in progress."""

    def __init__(self, loaded: LoadedScenario) -> None:
        self.loaded = loaded
        self.bar = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=console,
        )
        self.task = self.bar.add_task("starting", total=None)
        self.plans: dict[str, RunPlan] = {}

    def __enter__(self) -> BarProgress:
        self.bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.bar.stop()

    def total(self, runs: int, done: int) -> None:
        self.bar.update(self.task, total=runs, completed=done, description="loading models")

    def started(self, plan: RunPlan) -> None:
        self.plans[plan.run_id] = plan
        self.bar.update(self.task, description=f"run {plan.run_id} ({plan.variation or 'base'})")

    def utterance(self, u: Utterance) -> None:
        plan = self.plans.get(u.run_id)
        limit = f"/{plan.max_turns}" if plan else ""
        self.bar.update(self.task, description=f"run {u.run_id} turn {u.turn}{limit}")

    def finished(self, record: RunRecord) -> None:
        self.bar.advance(self.task)

    def failed(self, failure: RunFailure) -> None:
        self.bar.console.print(
            f"[red]run {failure.plan.run_id} failed[/red] after {failure.attempts} "
            f"attempt(s): {escape(failure.error)}"
        )
        self.bar.advance(self.task)


class LivePrinter:
    """Prints the conversation as it happens (for a person playing one side)."""

    def __init__(self, human: str) -> None:
        self.human = human

    def started(self, plan: RunPlan) -> None:
        console.print(f"[bold]run {plan.run_id}[/bold] ({plan.variation or 'base'}); /quit ends")

    def utterance(self, u: Utterance) -> None:
        if u.speaker == self.human:
            return
        feel = f" [magenta]({escape(u.emotion)})[/magenta]" if u.emotion else ""
        acts = "".join(f" [yellow][{escape(a.name)}][/yellow]" for a in u.actions)
        console.print(f"[bold cyan]{escape(u.name)}>[/bold cyan] {escape(u.text)}{feel}{acts}")

    def finished(self, record: RunRecord) -> None:
        console.print(f"[dim]run {record.plan.run_id} ended: {record.stopped_by}[/dim]")

    def failed(self, failure: RunFailure) -> None:
        console.print(f"[red]run {failure.plan.run_id} failed: {escape(failure.error)}[/red]")


def _print_summary(loaded: LoadedScenario, result: BatchResult, folder: Path) -> None:
    summary = result.summary
    table = Table(title=f"{loaded.scenario.id}: {summary['finished']} of {summary['planned']} runs")
    table.add_column("rubric item")
    table.add_column("pass rate", justify="right")
    table.add_column("passed/scored", justify="right")
    for item in summary["items"].values():
        rate = item["pass_rate"]
        table.add_row(
            escape(item["text"]),
            "n/a" if rate is None else f"{rate * 100:.0f}%",
            f"{item['passed']}/{item['passed'] + item['failed']}",
        )
    console.print(table)
    goal = summary["goal"]
    console.print(
        f"goal reached in {goal['reached']} run(s); turns to goal: "
        f"{goal['turns_to_goal']['mean']}; this call ran {len(result.ran)}, skipped "
        f"{len(result.skipped)} already done, {len(result.failed)} failed"
    )
    console.print(f"report: {folder / 'report.html'} and {folder / 'report.md'}")
