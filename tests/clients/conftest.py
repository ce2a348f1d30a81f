"""Fixtures for the client tests: one live server per test session (see ``support``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from npc.config import Settings
from npc.runtime import Runtime
from tests.clients.support import LiveServer


@pytest.fixture(scope="session")
def live_server(settings: Settings) -> Iterator[LiveServer]:
    runtime = Runtime(settings)
    runtime.warm()  # as `npc serve` does: models, knowledge and every character's prompt
    server = LiveServer(runtime)
    try:
        server.start()
        yield server
    finally:
        server.close()
