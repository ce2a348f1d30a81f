"""Stopping a llama.cpp step mid-way when the work in it was cancelled.

A step (one ``llama_decode``) of a loaded machine can take most of a second; a closed
session's step should not run to its end. llama.cpp calls an abort callback after each node
of the graph it computes. A Python callback would take the GIL hundreds of times a step, so
the callback is the C library's ``strlen`` over a two-byte flag: 0 while the step may go on,
1 to stop it (a C ``bool`` return reads the low byte of the ``size_t``, and the flag's
length is at most 1). No Python runs inside the step.

A watcher thread looks at the works of the running step every ``WATCH_S`` and sets the flag
when one of them has stopped; the engine then drops the step (llama.cpp has already removed
its tokens from the cache) and plans the next one without the stopped work.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import llama_cpp

WATCH_S = 0.01  # how often the running step's works are looked at


def _strlen() -> Any:
    names = ["msvcrt"] if sys.platform == "win32" else [None, ctypes.util.find_library("c")]
    for name in names:
        try:
            return ctypes.cast(ctypes.CDLL(name).strlen, ctypes.c_void_p).value
        except (OSError, AttributeError, TypeError):
            continue
    return None


class StepAbort:
    """The abort flag of one llama.cpp context, and the thread that raises it."""

    def __init__(self, ctx: Any) -> None:
        self._flag = ctypes.create_string_buffer(2)
        self._lock = threading.Lock()
        self._step = 0
        self._running: Sequence[Any] = ()
        self._stopped: Callable[[Any], bool] = lambda work: False
        self._wake = threading.Event()
        self._closed = False
        address = _strlen()
        self.available = address is not None
        if address is None:
            return
        self._callback = llama_cpp.ggml_abort_callback(address)  # kept: llama.cpp holds it
        data = ctypes.cast(self._flag, ctypes.c_void_p)
        llama_cpp.llama_set_abort_callback(ctx, self._callback, data)
        threading.Thread(target=self._watch, name="llama-abort", daemon=True).start()

    def running(self, works: Sequence[Any], stopped: Callable[[Any], bool]) -> None:
        """A step over ``works`` begins; it is stopped when ``stopped`` is true of one."""
        with self._lock:
            self._step += 1
            self._flag[0] = b"\0"
            self._running, self._stopped = works, stopped
        self._wake.set()

    def done(self) -> None:
        with self._lock:
            self._step += 1
            self._running = ()
            self._flag[0] = b"\0"
        self._wake.clear()

    def close(self) -> None:
        self._closed = True
        self._wake.set()

    def _watch(self) -> None:
        while not self._closed:
            self._wake.wait()
            with self._lock:
                step, works, stopped = self._step, self._running, self._stopped
            if any(stopped(work) for work in works):
                with self._lock:
                    if step == self._step:  # still that step: not one begun since
                        self._flag[0] = b"\1"
            time.sleep(WATCH_S)
