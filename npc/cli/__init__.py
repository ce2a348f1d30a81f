"""The ``npc`` command line."""

from __future__ import annotations

import sys

from npc.errors import NpcError


def main() -> None:
    """Entry point: errors npc raises on purpose print as one clear message, never a traceback."""
    from npc.cli import chat, check, knowledge, models, serve, sheets, simulate, talk  # noqa: F401  (each module registers its commands)
    from npc.cli.app import app, errors

    try:
        app()
    except NpcError as exc:
        errors.print(f"[red]error:[/red] {exc.message}")
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)
