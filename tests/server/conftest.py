"""A real ``npc serve`` on a loopback port, shared by the server tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from npc.runtime import Runtime
from server.app import NpcServer


@pytest.fixture(scope="session")
async def server(runtime: Runtime) -> AsyncIterator[NpcServer]:
    srv = NpcServer(runtime, runtime.settings.server.model_copy(update={"port": 0}))
    ws = await srv.start()
    srv.port = next(iter(ws.sockets)).getsockname()[1]  # type: ignore[attr-defined]
    yield srv
    ws.close()
    await ws.wait_closed()


@pytest.fixture
def url(server: NpcServer) -> str:
    return f"ws://127.0.0.1:{server.port}"  # type: ignore[attr-defined]
