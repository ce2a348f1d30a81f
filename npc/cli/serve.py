"""``npc serve``: the websocket server with every character in characters/."""

from __future__ import annotations

import asyncio
import logging
import signal

import typer

from npc.cli.app import app, console
from npc.config import load_settings
from npc.runtime import Runtime


@app.command()
def serve(
    host: str = typer.Option(None, help="Address to bind (default 127.0.0.1)."),
    port: int = typer.Option(None, help="Port (default 8765)."),
    token: str = typer.Option(None, help="Token clients must send (required off localhost)."),
    warm: bool = typer.Option(True, help="Load models and prompt caches before accepting."),
) -> None:
    """Serve characters to game clients over websockets (and the playground at /)."""
    from server.app import NpcServer

    overrides = {
        k: v for k, v in {"host": host, "port": port, "token": token}.items() if v is not None
    }
    settings = load_settings()
    settings = settings.model_copy(update={"server": settings.server.model_copy(update=overrides)})
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    runtime = Runtime(settings)
    server = NpcServer(runtime)  # refuses a public bind without a token, before loading models
    if warm:
        console.print("loading models and characters...")
        runtime.warm(progress=lambda text: console.print(f"  {text}"))
        if settings.server.capacity is None:
            from npc.conversation.capacity import measure

            capacity = measure(runtime, limit=settings.server.max_sessions)
            server.capacity = capacity.sessions
            console.print(f"  capacity: {capacity.describe()}")
    asyncio.run(_serve(server))


async def _serve(server: object) -> None:
    from server.app import NpcServer

    assert isinstance(server, NpcServer)
    ws = await server.start()
    s = server.settings
    console.print(
        f"npc serving {len(server.runtime.characters)} characters on "
        f"ws://{s.host}:{s.port}  (playground: http://{s.host}:{s.port}/)"
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    del ws
    await server.stop()
