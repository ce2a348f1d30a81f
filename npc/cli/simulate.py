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
from npc.simulate.batch_report import outcome_lines
from npc.simulate.errors import SimulationError
from npc.simulate.loading import LoadedScenario, load_scenario
from npc.simulate.model import simulation_settings
from npc.simulate.records import RunPlan, RunRecord, Utterance
from npc.simulate.sides import TypedLines
from npc.simulate.store import RunStore
from npc.simulate.trainee import (
    MIC_COMMAND,
    PLAY_COMMAND,
    MicInput,
    Player,
    TraineeInput,
    TypedInput,
    WavInput,
)
from npc.simulate.worker import SimulationWorker, Trainee

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
    model: str | None = typer.Option(
        None,
        help="LLM of the characters and the judge: a bundled name or a path (default: the "
        "settings' model if they name one, else qwen2.5-coder-1.5b-instruct-q4_k_m where "
        "npc[quality] is installed, else the 0.5B; an OpenAI-compatible endpoint is set with "
        "NPC_LLM__ENDPOINT).",
    ),
    audio: bool = typer.Option(False, "--audio", help="Render every line to WAV + visemes."),
    human: str | None = typer.Option(
        None, help="Play this participant yourself, through a server as a game would (typed)."
    ),
    wav: list[Path] | None = typer.Option(  # noqa: B008
        None, help="With --human: speak these WAV files instead of typing, one per turn."
    ),
    mic: bool = typer.Option(False, "--mic", help="With --human: speak into the microphone."),
    mic_command: str = typer.Option(
        MIC_COMMAND, help="What records the microphone (16 kHz mono PCM16 on its output)."
    ),
    play: bool | None = typer.Option(
        None, "--play/--no-play", help="Play the character's voice (default: with --mic)."
    ),
    play_command: str = typer.Option(
        PLAY_COMMAND, help="What plays speech (PCM16 on its input; {rate} is the sample rate)."
    ),
    ray: str | None = typer.Option(
        None, help="Run on Ray: 'auto' (a running cluster, else a local one) or an address."
    ),
    workers: int | None = typer.Option(None, min=1, help="Ray actors (default: CPUs/threads)."),
    max_turns: int | None = typer.Option(None, min=1, help="Override the scenario's turns."),
    retries: int = typer.Option(
        2, min=0, max=5, help="Ask again for a line that echoes, inverts roles or repeats."
    ),
    judge: bool = typer.Option(True, "--judge/--no-judge", help="Use the LLM judge."),
) -> None:
    """Run NPC-to-NPC conversations of a scenario; write transcripts, reports and a summary."""
    settings, which = simulation_settings(load_settings(), model)
    console.print(f"[dim]{escape(which)}[/dim]")
    loaded = load_scenario(scenario, settings.characters_dir)
    if human is not None and human not in loaded.scenario.participants:
        names = ", ".join(loaded.scenario.participants)
        raise SimulationError(f"--human {human}: no such participant; expected one of: {names}")
    if human is not None and ray is not None:
        raise SimulationError("--human and --ray do not mix; a person plays in this terminal")
    if human is None and (wav or mic):
        raise SimulationError("--wav and --mic speak for a person: add --human ROLE")
    if wav and mic:
        raise SimulationError("give --wav files or --mic, not both")
    options = BatchOptions(
        runs, variation, max_turns, audio, human, judge, retries, settings.models.llm
    )
    folder = out or Path("runs") / "-".join(x for x in (loaded.scenario.id, variation) if x)
    store = RunStore(folder, loaded, options.identity())
    trainee = None
    if human is not None:
        trainee = _trainee(human, wav or [], mic, mic_command, play, play_command)
    executor = _executor(loaded, settings, options, ray, workers, trainee)
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


def _trainee(
    human: str, wav: list[Path], mic: bool, mic_command: str, play: bool | None, player: str
) -> Trainee:
    def show(text: str) -> None:
        console.print(escape(text))

    source: TraineeInput
    if wav:
        missing = [str(p) for p in wav if not p.is_file()]
        if missing:
            raise SimulationError(f"no such WAV file: {', '.join(missing)}")
        source = WavInput(wav)
    elif mic:
        source = MicInput(mic_command, show)
    else:
        source = TypedInput(TypedLines(out=show))
    speak = mic if play is None else play
    return Trainee(human, source, Player(player) if speak else None, show)


def _executor(
    loaded: LoadedScenario,
    settings: Settings,
    options: BatchOptions,
    ray: str | None,
    workers: int | None,
    trainee: Trainee | None,
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
            retries=options.retries,
        )
    worker = SimulationWorker(
        make_runtime(settings),
        loaded,
        audio=options.audio,
        judge=options.judge,
        retries=options.retries,
        trainee=trainee,
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
    table.add_column("check")
    table.add_column("pass rate", justify="right")
    table.add_column("passed/scored", justify="right")
    for item in summary["items"].values():
        rate = item["pass_rate"]
        kind = item["kind"] + (" [dim](advisory)[/dim]" if item.get("advisory") else "")
        table.add_row(
            escape(item["text"]),
            kind,
            "n/a" if rate is None else f"{rate * 100:.0f}%",
            f"{item['passed']}/{item['passed'] + item['failed']}",
        )
    console.print(table)
    for line in outcome_lines(summary):
        console.print(escape(line))
    time = summary["time"]
    console.print(
        f"this call ran {len(result.ran)}, skipped {len(result.skipped)} already done, "
        f"{len(result.failed)} failed; {time['runs_per_hour']} runs per hour, "
        f"{time['turns_per_minute']} turns per minute (per run's own time)"
    )
    console.print(f"report: {folder / 'report.html'} and {folder / 'report.md'}")
