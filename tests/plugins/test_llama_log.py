"""What of llama.cpp's error log is the noise of a step stopped on purpose."""

from __future__ import annotations

import pytest

from plugins.llama_cpp_llm import ABORT_NOISE


@pytest.mark.parametrize(
    ("text", "noise"),
    [
        (b"llama_decode: failed to decode, ret = 2\n", True),
        (b"graph_compute: ggml_backend_sched_graph_compute_async failed with error 1\n", True),
        # an abort during the K-shift: the shift stays pending (seen in CI's flood test)
        (b"update: failed to compute K-shift\n", True),
        (b"update: failed to allocate compute graph for K-shift\n", False),
        (b"llama_decode: failed to decode, ret = -1\n", False),
    ],
)
def test_abort_noise(text: bytes, noise: bool) -> None:
    assert bool(ABORT_NOISE.search(text)) is noise
