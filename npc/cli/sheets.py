"""``npc validate`` and ``npc schema``: check character sheets and scenarios, regenerate JSON
schemas."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from npc import schemas
from npc.character.loader import load_characters, load_sheet, sheet_paths
from npc.cli.app import app, console, errors
from npc.config import load_settings
from npc.errors import Problem, SheetError
from npc.simulate.loading import load_scenario
from npc.yamlfile import read_yaml


@app.command()
def validate(
    paths: list[Path] = typer.Argument(  # noqa: B008
        ..., help="Sheet or scenario files, or folders of them."
    ),
    characters: Path | None = typer.Option(  # noqa: B008
        None, help="Where scenarios find their sheets (default: the settings' characters_dir)."
    ),
) -> None:
    """Check character sheets and simulation scenarios; every problem prints as
    file:line:column: field: message."""
    problems: list[Problem] = []
    files = sheet_paths(paths)
    scenarios = [p for p in files if p.exists() and is_scenario(p)]
    sheets = [p for p in files if p not in scenarios]
    for path in sheets:
        if not path.exists():
            problems.append(Problem(str(path), 1, 1, "", "no such file or folder"))
            continue
        try:
            load_sheet(path)
        except SheetError as exc:
            problems.extend(exc.problems)
    for folder in {p for p in paths if p.is_dir() and any(s.parent == p for s in sheets)}:
        try:
            load_characters(folder)
        except SheetError as exc:  # only the cross-file problems are new here
            problems.extend(p for p in exc.problems if p not in problems)
    if scenarios:
        folder = characters or load_settings().characters_dir
        for path in scenarios:
            try:
                load_scenario(path, folder)
            except SheetError as exc:  # ScenarioError, and the problems of the sheets named
                problems.extend(p for p in exc.problems if p not in problems)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems or not files:
        if not files:
            print("no character sheets or scenarios (.yaml) found", file=sys.stderr)
        raise typer.Exit(1)
    counts = [f"{len(sheets)} sheet(s)"] if sheets else []
    counts += [f"{len(scenarios)} scenario(s)"] if scenarios else []
    console.print(f"{' and '.join(counts)} OK")


def is_scenario(path: Path) -> bool:
    """Whether a YAML file is a simulation scenario (it has participants) rather than a sheet.

    A file that cannot be read is treated as a sheet, whose checks report why."""
    try:
        doc = read_yaml(path)
    except SheetError:
        return False
    return isinstance(doc, dict) and "participants" in doc


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
