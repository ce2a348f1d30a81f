"""Fixtures for the client tests: one live server per test session (see ``support``)."""

from __future__ import annotations

import gc
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
        # Finalise the sessions' leftovers now: left for later, a finaliser that compiles code
        # can run inside pytest's own compile and trip CPython 3.11's "AST constructor
        # recursion depth mismatch".
        gc.collect()
