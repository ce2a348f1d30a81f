"""The typer application every command module adds itself to."""

from __future__ import annotations

import typer
from rich.console import Console

app = typer.Typer(
    name="npc",
    help="npc: game characters that listen, think, act and speak, on your own machine.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console(highlight=False)
errors = Console(stderr=True, highlight=False)
