"""Sentence embeddings with onnxruntime and ``tokenizers`` (all-MiniLM-L6-v2, int8 by default).

The model outputs one vector per token; a sentence vector is their mean over the attention
mask, L2-normalised, so a dot product is the cosine similarity. Sessions are loaded once per
process per model file (``OnnxEmbedder.shared``) and may be called from several threads.

``OnnxEmbeddingFunction`` declares the same model to chromadb (1.5 API: ``name``,
``get_config``, ``build_from_config``, registered by name) so a collection's configuration
names our model instead of chromadb's default one, which would try to download weights.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort
from chromadb.api.types import Documents, EmbeddingFunction, Embeddings, Space
from chromadb.utils.embedding_functions import register_embedding_function
from numpy.typing import NDArray
from tokenizers import Tokenizer

from npc.errors import ModelLoadError, ProviderError
from npc.providers.registry import ProviderContext

MAX_TOKENS = 256  # all-MiniLM-L6-v2 was trained on sequences up to 256 word pieces
BATCH_SIZE = 32
SMALL_BATCH = 2  # up to this many texts run on the single-threaded session
RECENT_QUERIES = 64  # single texts whose embedding is kept
CHROMA_NAME = "npc_onnx"


class OnnxEmbedder:
    """Text -> unit-length float32 rows; implements ``npc.providers.base.Embedder``."""

    dimension: int

    def __init__(
        self,
        model_path: Path,
        tokenizer_path: Path,
        *,
        threads: int | None = None,
        max_tokens: int = MAX_TOKENS,
        batch_size: int = BATCH_SIZE,
        name: str | None = None,
    ) -> None:
        self.model_path = Path(model_path)
        self.tokenizer_path = Path(tokenizer_path)
        self.name = name or self.model_path.parent.name
        self.batch_size = batch_size
        try:
            tokenizer = Tokenizer.from_file(str(self.tokenizer_path))
            # Two sessions: a query (one short text) gains nothing from more threads, and
            # spinning threads lose badly when the LLM or ASR share the cores; batches at
            # ingest do gain from them.
            query_session = _session(self.model_path, 1, spinning=False)
            batch_threads = threads or max(1, min(os.cpu_count() or 1, 4))
            session = (
                query_session
                if batch_threads == 1
                else _session(self.model_path, batch_threads, spinning=True)
            )
        except Exception as exc:  # onnxruntime and tokenizers raise their own kinds
            raise ModelLoadError(
                f"cannot load the embedder {self.model_path} with {self.tokenizer_path}: {exc}; "
                "check both files (npc models) or configure another embedder"
            ) from exc
        # The shipped tokenizer pads every input to 128: pad to the longest instead.
        tokenizer.enable_truncation(max_tokens)
        tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        self._tokenizer = tokenizer
        self._session = session
        self._query_session = query_session
        self._inputs = {i.name for i in session.get_inputs()}
        self.dimension = int(session.get_outputs()[0].shape[-1])
        # InferenceSession.run is thread-safe; the tokenizer's padding state is shared, so
        # encoding takes a lock (it is a small part of the time).
        self._lock = threading.Lock()
        # A turn's words are looked up in the lore and in memory, one embedding each.
        self._recent: OrderedDict[str, NDArray[np.float32]] = OrderedDict()

    @classmethod
    def from_context(cls, ctx: ProviderContext) -> OnnxEmbedder:
        """Build from the registry's context (the resolved model and its tokenizer)."""
        model = ctx.model
        if model is None or not model.extra:
            raise ModelLoadError(
                "the onnx embedder needs a model.onnx and a tokenizer.json; configure "
                "models.embedder as a bundled name (npc models lists them)"
            )
        return cls.shared(model.path, model.extra[0], name=model.name)

    @classmethod
    def shared(
        cls, model_path: Path, tokenizer_path: Path, *, name: str | None = None
    ) -> OnnxEmbedder:
        """The process-wide embedder for these files, loaded on first use."""
        key = (str(Path(model_path).resolve()), str(Path(tokenizer_path).resolve()))
        with _shared_lock:
            found = _shared.get(key)
            if found is None:
                found = _shared[key] = cls(model_path, tokenizer_path, name=name)
            return found

    def embed(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """One unit-length row per text (shape ``(len(texts), dimension)``)."""
        if len(texts) == 1:
            return self._embed_one(texts[0])[None, :]
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return out
        # Similar lengths in a batch waste less compute on padding.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), self.batch_size):
            idx = order[start : start + self.batch_size]
            out[idx] = self._embed_batch([texts[i] for i in idx])
        return out

    def _embed_one(self, text: str) -> NDArray[np.float32]:
        with self._lock:
            found = self._recent.get(text)
            if found is not None:
                self._recent.move_to_end(text)
                return found.copy()
        row: NDArray[np.float32] = self._embed_batch([text])[0]
        with self._lock:
            self._recent[text] = row
            while len(self._recent) > RECENT_QUERIES:
                self._recent.popitem(last=False)
        return row.copy()

    def _embed_batch(self, texts: list[str]) -> NDArray[np.float32]:
        with self._lock:
            encoded = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encoded], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feeds["token_type_ids"] = np.zeros_like(ids)
        session = self._query_session if len(texts) <= SMALL_BATCH else self._session
        try:
            hidden = session.run(None, feeds)[0]
        except Exception as exc:
            raise ProviderError(f"the embedder failed on a batch of {len(texts)}: {exc}") from exc
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1.0)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        unit: NDArray[np.float32] = (pooled / np.maximum(norms, 1e-12)).astype(np.float32)
        return unit

    def embedding_function(self) -> OnnxEmbeddingFunction:
        """This embedder as a chromadb ``EmbeddingFunction``."""
        return OnnxEmbeddingFunction(self)


def _session(model: Path, threads: int, *, spinning: bool) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "1" if spinning else "0")
    return ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])


_shared: dict[tuple[str, str], OnnxEmbedder] = {}
_shared_lock = threading.Lock()


@register_embedding_function
class OnnxEmbeddingFunction(EmbeddingFunction[Documents]):
    """chromadb's view of an ``OnnxEmbedder``; its config names the model and tokenizer files."""

    def __init__(
        self,
        embedder: OnnxEmbedder | None = None,
        *,
        model: Path | None = None,
        tokenizer: Path | None = None,
    ) -> None:
        if embedder is not None:
            model, tokenizer = embedder.model_path, embedder.tokenizer_path
        if model is None or tokenizer is None:
            raise ValueError("give an OnnxEmbedder, or both model and tokenizer paths")
        self._embedder = embedder
        self._model = Path(model)
        self._tokenizer = Path(tokenizer)

    @property
    def embedder(self) -> OnnxEmbedder:
        """The embedder, loaded on first use when built from a stored config."""
        if self._embedder is None:
            self._embedder = OnnxEmbedder.shared(self._model, self._tokenizer)
        return self._embedder

    def __call__(self, input: Documents) -> Embeddings:
        return list(self.embedder.embed(list(input)))

    @staticmethod
    def name() -> str:
        return CHROMA_NAME

    def default_space(self) -> Space:
        return "cosine"

    def supported_spaces(self) -> list[Space]:
        return ["cosine", "ip", "l2"]  # rows are unit length, so all three rank alike

    def get_config(self) -> dict[str, Any]:
        return {"model": str(self._model), "tokenizer": str(self._tokenizer)}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> OnnxEmbeddingFunction:
        # Lazy: chromadb builds this whenever it reads a collection's configuration.
        return OnnxEmbeddingFunction(
            model=Path(config["model"]), tokenizer=Path(config["tokenizer"])
        )

    @staticmethod
    def validate_config(config: dict[str, Any]) -> None:
        for key in ("model", "tokenizer"):
            if not isinstance(config.get(key), str):
                raise ValueError(f"{CHROMA_NAME} config needs a {key!r} path")
