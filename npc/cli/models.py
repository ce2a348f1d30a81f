"""``npc models``: where each role's model resolves from, its size, and its sha256 check."""

from __future__ import annotations

import typer
from rich.table import Table

from npc.assets import ROLES, resolve
from npc.cli.app import app, console
from npc.config import load_settings
from npc.errors import ModelAssetError


@app.command()
def models(
    quick: bool = typer.Option(False, "--quick", help="Trust earlier checks (size and mtime)."),
) -> None:
    """List the model for each role (llm, asr, tts, embedder) and verify bundled files."""
    settings = load_settings()
    table = Table("role", "model", "source", "size", "sha256", "path")
    failed = False
    for role in ROLES:
        spec = getattr(settings.models, role)
        try:
            m = resolve(role, spec, settings.cache_dir, full_check=not quick)
        except ModelAssetError as exc:
            failed = True
            table.add_row(role, spec or "(default)", "-", "-", f"[red]{exc.message}[/red]", "-")
            continue
        check = (
            f"[green]verified[/green] {m.sha256[:12]}"
            if m.verified and m.sha256
            else "[yellow]not checked (user file)[/yellow]"
        )
        table.add_row(role, m.name, m.source, f"{m.size / 1e6:.1f} MB", check, str(m.path))
    console.print(table)
    if failed:
        raise typer.Exit(1)
