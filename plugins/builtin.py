"""Registers npc's in-tree providers. Model libraries are imported only when a provider is built."""

from __future__ import annotations

from typing import Any

from npc.providers.registry import ProviderContext, ProviderRegistry


def _llama_cpp(ctx: ProviderContext) -> Any:
    from plugins.llama_cpp_llm import LlamaCppModel

    return LlamaCppModel.from_context(ctx)


def _openai(ctx: ProviderContext) -> Any:
    from plugins.openai_llm import OpenAICompatibleModel

    return OpenAICompatibleModel.from_context(ctx)


def _whisper(ctx: ProviderContext) -> Any:
    from plugins.faster_whisper_asr import WhisperRecognizer

    return WhisperRecognizer.from_context(ctx)


def _silero(ctx: ProviderContext) -> Any:
    from plugins.silero_vad import SileroVad

    return SileroVad.from_context(ctx)


def _piper(ctx: ProviderContext) -> Any:
    from plugins.piper_tts import PiperSynthesizer

    return PiperSynthesizer.from_context(ctx)


def _embedder(ctx: ProviderContext) -> Any:
    from plugins.onnx_embedder import OnnxEmbedder

    return OnnxEmbedder.from_context(ctx)


def register(registry: ProviderRegistry) -> None:
    """Add every built-in provider to ``registry``."""
    registry.add("llm", "llama_cpp", _llama_cpp)
    registry.add("llm", "openai", _openai)
    registry.add("asr", "faster_whisper", _whisper)
    registry.add("vad", "silero", _silero)
    registry.add("tts", "piper", _piper)
    registry.add("embedder", "onnx", _embedder)
