"""Real servers for the shared-store tests: a throwaway PostgreSQL and a ``chroma run``.

Each listens on a free loopback port, lives in a temporary folder and is started once per
test process (``postgres_server()``, ``chroma_server()``) and stopped when the process ends.
PostgreSQL comes from Debian's ``postgresql`` package (``.ci/run`` installs it under CI);
``initdb`` refuses to run as root, so as root the server runs as the ``postgres`` user.
"""

from __future__ import annotations

import atexit
import glob
import itertools
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

STARTUP_TIMEOUT_S = 60


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def unavailable(why: str) -> None:
    """Skip, or under CI fail: CI must run every shared-store test."""
    if os.environ.get("CI"):
        pytest.fail(f"CI must run the shared-store tests, but {why}")
    pytest.skip(why)


def postgres_bin() -> Path | None:
    """The folder of the newest PostgreSQL server binaries on this machine."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3])
    )
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("initdb")
    return Path(on_path).parent if on_path else None


class PostgresServer:
    """``initdb`` + ``postgres`` in a temporary folder, trusting loopback connections."""

    def __init__(self) -> None:
        bindir = postgres_bin()
        if bindir is None:
            unavailable("PostgreSQL is not installed (apt-get install postgresql)")
        assert bindir is not None
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="npc-pg-"))
        self._user: str | None = None
        if os.geteuid() == 0:  # initdb refuses root
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError:
                unavailable("running as root and there is no postgres user to run PostgreSQL")
            self._user = "postgres"
            os.chown(self.folder, owner.pw_uid, owner.pw_gid)
        data = self.folder / "data"
        log = self.folder / "server.log"
        self._run(
            [str(bindir / "initdb"), "-D", str(data), "-U", "npc", "--auth=trust", "-E", "UTF8"]
        )
        self._log = open(log, "ab")  # noqa: SIM115 (open for the server's whole life)
        options = {"listen_addresses": "127.0.0.1", "unix_socket_directories": str(self.folder)}
        settings = [arg for k, v in options.items() for arg in ("-c", f"{k}={v}")]
        self.proc = subprocess.Popen(
            [str(bindir / "postgres"), "-D", str(data), "-p", str(self.port), *settings],
            stdout=self._log,
            stderr=subprocess.STDOUT,
            user=self._user,
            cwd=self.folder,
        )
        self._names = itertools.count(1)
        self._wait(log)

    def _run(self, cmd: list[str]) -> None:
        done = subprocess.run(
            cmd, user=self._user, cwd=self.folder, capture_output=True, text=True, timeout=120
        )
        if done.returncode != 0:
            raise RuntimeError(f"{cmd[0]} failed: {done.stderr or done.stdout}")

    def _wait(self, log: Path) -> None:
        import psycopg

        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while True:
            try:
                psycopg.connect(self.url("postgres"), connect_timeout=2).close()
                return
            except psycopg.OperationalError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(
                        f"PostgreSQL did not start: {log.read_text(errors='replace')[-2000:]}"
                    ) from None
                time.sleep(0.2)

    def url(self, database: str) -> str:
        return f"postgresql://npc@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """The URL of a new, empty database (one per test keeps tests apart)."""
        import psycopg

        name = f"t{os.getpid()}_{next(self._names)}"
        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return self.url(name)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)  # PostgreSQL's fast shutdown
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()
        shutil.rmtree(self.folder, ignore_errors=True)


class ChromaServer:
    """``chroma run`` (from the chromadb package) with its telemetry off."""

    def __init__(self) -> None:
        chroma = Path(sys.executable).parent / "chroma"
        exe = str(chroma) if chroma.exists() else shutil.which("chroma")
        if exe is None:
            unavailable("the chroma CLI is not installed (it comes with chromadb)")
        assert exe is not None
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="npc-chroma-"))
        self.proc = subprocess.Popen(
            [
                exe,
                "run",
                "--path",
                str(self.folder),
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
        )
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while True:
            try:
                urllib.request.urlopen(f"{self.url}/api/v2/heartbeat", timeout=1).close()
                return
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"the chroma server did not start on {self.url}") from None
                time.sleep(0.2)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


_postgres: PostgresServer | None = None
_chroma: ChromaServer | None = None


def postgres_server() -> PostgresServer:
    """The test process's PostgreSQL, started on first use."""
    global _postgres
    if _postgres is None:
        _postgres = PostgresServer()
        atexit.register(_postgres.stop)
    return _postgres


def chroma_server() -> ChromaServer:
    """The test process's chroma server, started on first use."""
    global _chroma
    if _chroma is None:
        _chroma = ChromaServer()
        atexit.register(_chroma.stop)
    return _chroma
