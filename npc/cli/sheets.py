"""``npc validate`` and ``npc schema``: check character sheets and regenerate JSON schemas."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from npc import schemas
from npc.character.loader import load_characters, load_sheet, sheet_paths
from npc.cli.app import app, console, errors
from npc.errors import Problem, SheetError


@app.command()
def validate(
    paths: list[Path] = typer.Argument(..., help="Sheet files or folders of them."),  # noqa: B008
) -> None:
    """Check character sheets; every problem prints as file:line:column: field: message."""
    problems: list[Problem] = []
    files = sheet_paths(paths)
    for path in files:
        if not path.exists():
            problems.append(Problem(str(path), 1, 1, "", "no such file or folder"))
            continue
        try:
            load_sheet(path)
        except SheetError as exc:
            problems.extend(exc.problems)
    for folder in {p for p in paths if p.is_dir()}:
        try:
            load_characters(folder)
        except SheetError as exc:  # only the cross-file problems are new here
            problems.extend(p for p in exc.problems if p not in problems)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems or not files:
        if not files:
            print("no character sheets (.yaml) found", file=sys.stderr)
        raise typer.Exit(1)
    console.print(f"{len(files)} sheet(s) OK")


@app.command()
def schema(
    check: bool = typer.Option(False, "--check", help="Exit 1 if a schema file is stale."),
    root: Path = typer.Option(Path("."), help="Repository root."),  # noqa: B008
) -> None:
    """Regenerate the JSON schemas (characters/schema.json, ...) from the models."""
    if check:
        old = schemas.stale(root)
        for rel in old:
            errors.print(f"{rel} is stale; run: npc schema", markup=False)
        raise typer.Exit(1 if old else 0)
    for rel in schemas.write(root):
        console.print(f"wrote {rel}")
