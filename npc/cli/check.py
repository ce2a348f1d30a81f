"""``npc check``: run the tests of character sheets against the real model, as a gate for CI.

Each test is said to the character in a fresh conversation (with its knowledge, no player
memory); each reply must do what the test expects and nothing that is never right (see
``npc.mind.judge``). Prints one table per character and exits 1 when a test failed.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from npc.character.loader import LoadedSheet, load_sheet, sheet_paths
from npc.cli.app import app, console, errors
from npc.config import load_settings
from npc.mind.checks import CharacterChecker, TurnRecord
from npc.runtime import Runtime

SHOWN_CHARS = 70


@app.command()
def check(
    paths: list[Path] = typer.Argument(..., help="Sheet files or folders of them."),  # noqa: B008
    only: list[str] = typer.Option(  # noqa: B008
        [], "--only", help="Check only these character ids (repeatable)."
    ),
    verbose: bool = typer.Option(False, "-v", "--verbose", help="Show passing lines too."),
) -> None:
    """Say each sheet's test lines to its character with the real model; exit 1 on failures."""
    files = sheet_paths(paths)
    if not files:
        errors.print("no character sheets (.yaml) found")
        raise typer.Exit(1)
    sheets = [load_sheet(p) for p in files]  # a bad sheet stops here, before any model loads
    sheets = [s for s in sheets if not only or s.sheet.id in only]
    tested = [s for s in sheets if s.sheet.tests]
    for loaded in sheets:
        if not loaded.sheet.tests:
            errors.print(f"{loaded.path}: no tests; add a `tests:` list to the sheet")
    if not tested:
        errors.print("nothing to check")
        raise typer.Exit(1)
    with tempfile.TemporaryDirectory(prefix="npc-check-") as data:
        failed = asyncio.run(_check_all(tested, Path(data), verbose))
    if failed:
        raise typer.Exit(1)


async def _check_all(sheets: list[LoadedSheet], data: Path, verbose: bool) -> int:
    """Runs every test; returns how many failed."""
    runtime = Runtime(load_settings(data_dir=data))
    console.print("[dim]loading models...[/dim]")
    failed_tests = total = 0
    for loaded in sheets:
        runtime.knowledge.ingest(loaded)
        checker = CharacterChecker(runtime, loaded)
        rows: list[TurnRecord] = []
        for i, test in enumerate(loaded.sheet.tests):
            records = await checker.run(i, test)
            rows += records
            total += 1
            failed_tests += not all(r.passed for r in records)
        console.print(_table(loaded, rows, verbose))
    passed = total - failed_tests
    colour = "red" if failed_tests else "green"
    console.print(f"[{colour}]{passed}/{total} tests passed[/{colour}]")
    return failed_tests


def _table(loaded: LoadedSheet, rows: list[TurnRecord], verbose: bool) -> Table:
    sheet = loaded.sheet
    bad = sum(not r.passed for r in rows)
    title = f"{sheet.name} ({sheet.id}, {loaded.path}): {len(rows) - bad}/{len(rows)} lines pass"
    table = Table("#", "player", "said", "did", "result", title=title, title_justify="left")
    for r in rows:
        if r.passed and not verbose:
            continue
        line = r.expected.player or "(reacts)"
        if r.expected.events:
            line = "[" + "; ".join(r.expected.events) + "] " + line
        did = ", ".join(f"{n}({', '.join(f'{k}={v}' for k, v in a.items())})" for n, a in r.calls)
        verdict = (
            "[green]pass[/green]"
            if r.passed
            else "[red]FAIL[/red] " + escape("; ".join(r.verdict.failures))
        )
        if r.verdict.notes:
            verdict += " [yellow]" + escape("; ".join(r.verdict.notes)) + "[/yellow]"
        number = f"{r.test + 1}" + (f".{r.turn + 1}" if r.turns > 1 else "")
        table.add_row(number, escape(_cut(line)), escape(_cut(r.say)), escape(did or "-"), verdict)
    return table


def _cut(text: str) -> str:
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 3] + "..."
