"""A live ``npc serve`` for the client tests, and the system tools those tests need.

One server runs at a time, in this process (its own event loop in a thread), sharing one
Runtime so the models load once per test session. ``stop()`` then ``start()`` gives a new
server on the same port, which is what a client sees when the server is restarted.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import os
import shutil
import socket
import subprocess
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

import pytest

from npc.runtime import Runtime

STARTUP_TIMEOUT_S = 60
APT_TIMEOUT_S = 900


class LiveServer:
    """``server.app.NpcServer`` on a free loopback port, in a background event loop."""

    def __init__(self, runtime: Runtime, **settings: Any) -> None:
        """``settings``: server settings to change (``idle_timeout_s=2``, say)."""
        self.runtime = runtime
        self.settings = settings
        self.port = free_port()
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()
        self._server: Any = None

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/"

    def start(self) -> None:
        self._call(self._start())

    def stop(self) -> None:
        self._call(self._stop())

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.stop()
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        if not self._thread.is_alive():
            self.loop.close()

    def _call(self, coro: Any) -> Any:
        future: Future[Any] = asyncio.run_coroutine_threadsafe(coro, self.loop)
        return future.result(STARTUP_TIMEOUT_S)

    async def _start(self) -> None:
        from server.app import NpcServer

        settings = self.runtime.settings.server.model_copy(
            update={**self.settings, "host": "127.0.0.1", "port": self.port}
        )
        self._server = await NpcServer(self.runtime, settings).start()

    async def _stop(self) -> None:
        if self._server is None:
            return
        server, self._server = self._server, None
        server.close()  # also closes every open connection (code 1001, going away)
        await server.wait_closed()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def ensure_apt_packages(binary: str, packages: list[str]) -> str | None:
    """Install ``packages`` with apt when ``binary`` is missing; None, or why it cannot be."""
    return _ensure(lambda: shutil.which(binary) is not None, binary, packages)


def require_tool(binary: str, packages: list[str]) -> None:
    """Skip (or, under CI, fail) when a system tool cannot be installed here."""
    _require(ensure_apt_packages(binary, packages))


def require_file(path: str, packages: list[str]) -> None:
    """Like ``require_tool``, for a file a package installs (a header, say)."""
    _require(_ensure(lambda: os.path.exists(path), path, packages))


def _require(why: str | None) -> None:
    if why is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"CI must run the client tests, but {why}")
    pytest.skip(why)


def _ensure(present: Callable[[], bool], what: str, packages: list[str]) -> str | None:
    if present():
        return None
    if os.geteuid() != 0:
        return f"{what} is missing and installing {' '.join(packages)} needs root"
    if shutil.which("apt-get") is None:
        return f"{what} is missing and this system has no apt-get"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (
        ["apt-get", "update", "-q"],
        ["apt-get", "install", "-y", "-q", "--no-install-recommends", *packages],
    ):
        done = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=APT_TIMEOUT_S, check=False
        )
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
            return f"`{' '.join(command)}` failed: {' / '.join(tail)}"
    return None if present() else f"{what} is still missing after apt-get install"


def require_python_module(name: str, install: str) -> Any:
    """Import ``name``; skip (or, under CI, fail) with how to install it when it is missing."""
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        why = f"{name} is not installed ({exc}); {install}"
    if os.environ.get("CI"):
        pytest.fail(f"CI must run the client tests, but {why}")
    pytest.skip(why)
