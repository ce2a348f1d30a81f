"""``npc chat CHARACTER``: a typed conversation in the terminal, playing the game's side too.

Commands: ``/event TEXT`` (a game event), ``/result ID ok|fail [DETAIL]`` (an action's
outcome), ``/scene objects=a,b locations=c people=d`` (change the scene), ``/quit``.
"""

from __future__ import annotations

import asyncio
import shlex

import typer

from npc.actions.space import Scene
from npc.cli.app import app, console
from npc.config import load_settings
from npc.errors import NpcError
from npc.events import ActionCall, Emotion, ErrorEvent, Phrase, ReplyText
from npc.mind.mind import Mind, TurnResult
from npc.runtime import Runtime


@app.command()
def chat(character: str = typer.Argument(..., help="Character id, e.g. jin.")) -> None:
    """Talk to a character by typing; see its reply stream, emotion and actions."""
    runtime = Runtime(load_settings())
    loaded = runtime.character(character)
    console.print("[dim]loading models...[/dim]")
    mind = Mind(loaded, runtime.llm, runtime.settings.llm)
    console.print(
        f"Talking to [bold]{loaded.sheet.name}[/bold] ({loaded.sheet.role}). "
        "/event, /result, /scene, /quit"
    )
    turn = 0
    while True:
        try:
            line = console.input("[bold green]you>[/bold green] ").strip()
        except EOFError:
            break
        if not line:
            continue
        if line.startswith("/"):
            if line in ("/quit", "/exit"):
                break
            try:
                react = _command(mind, line)
            except (NpcError, ValueError) as exc:
                console.print(f"[red]{exc}[/red]")
                continue
            if not react:
                continue
            line = ""
        turn += 1
        asyncio.run(_turn(mind, turn, line))


def _command(mind: Mind, line: str) -> bool:
    """Apply a game-side command; True when the character should react now."""
    name, _, rest = line.partition(" ")
    if name == "/event":
        mind.add_event(rest)
        return True
    if name == "/result":
        parts = shlex.split(rest)
        if len(parts) < 2 or parts[1] not in ("ok", "fail"):
            raise ValueError("usage: /result ACTION_ID ok|fail [detail]")
        mind.add_action_result(parts[0], parts[1] == "ok", " ".join(parts[2:]))
        return False
    if name == "/scene":
        fields = dict(p.split("=", 1) for p in shlex.split(rest))

        def pick(key: str, old: tuple[str, ...]) -> tuple[str, ...]:
            return tuple(v.strip() for v in fields[key].split(",")) if key in fields else old

        s = mind.scene
        mind.set_scene(
            Scene(
                pick("objects", s.objects),
                pick("locations", s.locations),
                pick("people", s.characters),
            )
        )
        console.print(f"[dim]scene: {mind.scene}[/dim]")
        return False
    raise ValueError(f"unknown command {name}; try /event, /result, /scene, /quit")


async def _turn(mind: Mind, turn: int, line: str) -> None:
    result = TurnResult()
    console.print(f"[bold cyan]{mind.sheet.name}>[/bold cyan] ", end="")
    async for event in mind.respond(turn, line, result=result):
        if isinstance(event, ReplyText):
            console.print(event.text, end="", markup=False)
        elif isinstance(event, Emotion):
            console.print(
                f"\n  [magenta]emotion: {event.emotion} ({event.intensity:.2f})[/magenta]", end=""
            )
        elif isinstance(event, ActionCall):
            args = ", ".join(f"{k}={v!r}" for k, v in event.args.items())
            console.print(
                f"\n  [yellow]action {event.action_id}: {event.name}({args})[/yellow]", end=""
            )
        elif isinstance(event, ErrorEvent):
            console.print(f"\n  [red]{event.code}: {event.message}[/red]", end="")
        elif isinstance(event, Phrase):
            pass
    t = result.timings
    console.print(
        f"\n  [dim]first token {t.get('first_token', 0):.0f} ms, first phrase "
        f"{t.get('first_phrase', 0):.0f} ms, done {t.get('reply_done', 0):.0f} ms[/dim]"
    )
