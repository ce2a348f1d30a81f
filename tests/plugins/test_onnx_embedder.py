from __future__ import annotations

import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from npc.config import Settings
from npc.providers.base import Embedder
from npc.providers.registry import registry
from plugins.onnx_embedder import CHROMA_NAME, OnnxEmbedder, OnnxEmbeddingFunction


@pytest.fixture(scope="module")
def onnx(settings: Settings) -> OnnxEmbedder:
    built = registry().create("embedder", "onnx", settings)
    assert isinstance(built, OnnxEmbedder)
    return built


def test_unit_rows_and_meaning(onnx: OnnxEmbedder) -> None:
    assert isinstance(onnx, Embedder) and onnx.dimension == 384
    v = onnx.embed(["a bowl of ramen", "a bowl of noodle soup", "GPU memory bandwidth", ""])
    assert v.shape == (4, 384) and v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert v[0] @ v[1] > v[0] @ v[2] + 0.2
    assert onnx.embed([]).shape == (0, 384)


def test_batching_and_padding_do_not_change_vectors(onnx: OnnxEmbedder) -> None:
    texts = [f"sentence {i} " + "word " * (i * 7) for i in range(70)]
    together = onnx.embed(texts)
    alone = np.stack([onnx.embed([t])[0] for t in texts[:5]])
    assert np.allclose(together[:5], alone, atol=1e-4)


def test_a_repeated_query_is_embedded_once(onnx: OnnxEmbedder) -> None:
    calls: list[list[str]] = []
    batch = onnx._embed_batch

    def counting(texts: list[str]) -> np.ndarray:
        calls.append(texts)
        return batch(texts)

    onnx._embed_batch = counting  # type: ignore[method-assign]
    try:
        first = onnx.embed(["where is the storage room, repeated"])
        first[0, 0] = 9.0  # the caller's copy; the one kept stays intact
        again = onnx.embed(["where is the storage room, repeated"])
    finally:
        del onnx._embed_batch
    assert len(calls) == 1 and abs(again[0, 0]) < 1
    assert np.allclose(np.linalg.norm(again, axis=1), 1.0, atol=1e-5)


def test_long_texts_are_truncated_not_refused(onnx: OnnxEmbedder) -> None:
    long = "the stall has a red lantern. " * 400
    truncated = onnx.embed([long, "the stall has a red lantern. " * 60])
    assert np.isfinite(truncated).all()
    assert truncated[0] @ truncated[1] > 0.99  # both are cut to the same 256 tokens


def test_thread_safe(onnx: OnnxEmbedder) -> None:
    texts = [f"question number {i} about the monorail" for i in range(24)]
    serial = onnx.embed(texts)
    with ThreadPoolExecutor(4) as pool:
        rows = list(pool.map(lambda t: onnx.embed([t])[0], texts))
    assert np.allclose(np.stack(rows), serial, atol=1e-4)


def test_loaded_once_per_process(onnx: OnnxEmbedder, settings: Settings) -> None:
    assert registry().create("embedder", "onnx", settings) is onnx


def test_chroma_embedding_function_is_declared_without_warnings(
    onnx: OnnxEmbedder, tmp_path: Path
) -> None:
    import chromadb

    ef = onnx.embedding_function()
    assert ef.name() == CHROMA_NAME and not ef.is_legacy()
    config = ef.get_config()
    rebuilt = OnnxEmbeddingFunction.build_from_config(config)
    assert rebuilt.get_config() == config and rebuilt.embedder is onnx
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        client = chromadb.PersistentClient(path=str(tmp_path))
        col = client.get_or_create_collection("probe", embedding_function=ef)
        col.add(ids=["a", "b"], documents=["ramen broth", "GPU cooling"])
        found = client.get_collection("probe").query(query_texts=["soup"], n_results=1)
    assert found["ids"] == [["a"]]
    assert client.get_collection("probe").configuration["embedding_function"].name() == CHROMA_NAME
