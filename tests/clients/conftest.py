"""Fixtures for the client tests: one live server per test session (see ``support``)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from npc.runtime import Runtime
from tests.clients.support import LiveServer


@pytest.fixture(scope="session")
def live_server(runtime: Runtime) -> Iterator[LiveServer]:
    """The test session's warm runtime (models loaded once) behind a server of its own."""
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
