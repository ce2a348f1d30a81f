"""``npc ingest`` and ``npc ask``: load characters' lore into the store and query it."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from npc.character.loader import load_sheet, sheet_paths
from npc.cli.app import app, console, errors
from npc.config import load_settings
from npc.knowledge.ingest import IngestProgress, IngestReport
from npc.knowledge.store import KnowledgeStore
from npc.providers.registry import registry


def _store() -> KnowledgeStore:
    settings = load_settings()
    embedder = registry().create("embedder", settings.providers.embedder, settings)
    return KnowledgeStore(settings, embedder)


@app.command()
def ingest(
    paths: list[Path] = typer.Argument(..., help="Sheet files or folders of them."),  # noqa: B008
) -> None:
    """Ingest the knowledge files, facts and packs of characters (unchanged files are skipped)."""
    files = sheet_paths(paths)
    if not files:
        errors.print("no character sheets (.yaml) found")
        raise typer.Exit(1)
    sheets = [load_sheet(p) for p in files]  # a bad sheet stops here, before any work
    store = _store()
    table = Table("character", "ingested", "skipped", "removed", "failed", "chunks +/-")
    failed: list[tuple[str, str]] = []
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, TimeElapsedColumn(), console=console, transient=True) as bar:
        for loaded in sheets:
            task = bar.add_task(loaded.sheet.id, total=None)

            def advance(
                event: IngestProgress, task: TaskID = task, name: str = loaded.sheet.id
            ) -> None:
                label = f"{name}: {event.source}"
                bar.update(task, total=event.total, completed=event.done, description=label)

            report = store.ingest(loaded, advance)
            bar.update(task, description=loaded.sheet.id)
            table.add_row(loaded.sheet.id, *_counts(report))
            failed += report.failed
    console.print(table)
    for source, reason in failed:
        errors.print(f"[red]failed:[/red] {source}: {reason}")
    if failed:
        raise typer.Exit(1)


def _counts(report: IngestReport) -> list[str]:
    return [
        str(len(report.ingested)),
        str(len(report.skipped)),
        str(len(report.removed)),
        f"[red]{len(report.failed)}[/red]" if report.failed else "0",
        f"+{report.chunks_added} -{report.chunks_removed}",
    ]


@app.command()
def ask(
    character: str = typer.Argument(..., help="The character's id, e.g. jin."),
    question: str = typer.Argument(..., help="What the player asks."),
    k: int = typer.Option(3, "-k", help="How many hits to show."),
    min_score: float | None = typer.Option(
        None, "--min-score", help="Drop hits below this score (default: knowledge.min_score)."
    ),
) -> None:
    """Show the lore a character would retrieve for a question, with scores and sources."""
    hits = _store().retrieve(character, question, k, min_score=min_score)
    if not hits:
        console.print("no knowledge matches well enough")
        raise typer.Exit(1)
    for rank, hit in enumerate(hits, 1):
        where = f"{hit.source}:{hit.line_start}-{hit.line_end}"
        heading = f"  [dim]({hit.heading})[/dim]" if hit.heading else ""
        console.print(f"{rank}. [bold]{hit.score:.3f}[/bold]  {where}{heading}")
        console.print(f"   {' '.join(hit.text.split())}", markup=False)
