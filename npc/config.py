"""Settings from ``npc.toml`` and ``NPC_*`` environment variables.

Environment variables win over the file; nested fields use ``__``:
``NPC_MODELS__LLM=/models/my.gguf``, ``NPC_SERVER__PORT=9000``. The file is ``npc.toml`` in
the working directory, or the one ``NPC_CONFIG`` names.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from npc.errors import ConfigError


def _xdg(var: str, fallback: str) -> Path:
    return Path(os.environ.get(var) or Path.home() / fallback) / "npc"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ModelSettings(_Section):
    """Which model each role uses: a bundled name, a local path, or ``hf:owner/repo/file``."""

    llm: str | None = None
    asr: str | None = None
    tts: str | None = None
    embedder: str | None = None
    answer_llm: str | None = Field(
        None,
        description="A second local model for the replies that can take no action (questions, "
        "small talk): the bundled 1.5B grounds more answers, at its own speed on those turns; "
        "`llm` still routes every turn and takes the actions. Unset: `llm` does it all.",
    )


class ProviderSettings(_Section):
    """Which registered provider implements each role (see ``npc.providers.registry``)."""

    llm: str = "llama_cpp"
    asr: str = "faster_whisper"
    vad: str = "silero"
    tts: str = "piper"
    embedder: str = "onnx"


class LLMSettings(_Section):
    threads: int = Field(default_factory=lambda: max(1, min(os.cpu_count() or 2, 8)), ge=1)
    context: int = Field(4096, ge=512, description="Tokens of context per conversation.")
    slots: int = Field(
        8,
        ge=1,
        le=256,
        description="Conversations whose prompts the local model keeps cached at once (one "
        "KV-cache sequence each, in one batched context of context * slots tokens); a "
        "conversation beyond them waits, one that was evicted reads its prompt again.",
    )
    max_reply_tokens: int = Field(120, ge=8, le=2048)
    temperature: float = Field(
        0.0, ge=0, le=2, description="0 = greedy: the most accurate actions (bench/actions.py)"
    )
    seed: int = 7
    history_turns: int = Field(
        6, ge=1, le=100, description="Exchanges kept in the prompt; older ones live in memory."
    )
    prefill_partial: bool = Field(
        True,
        description="Evaluate the prompt from partial transcripts while the player speaks; "
        "it pauses while speech recognition runs (docs/benchmarks.md).",
    )
    reply_on_pause: bool = Field(
        True,
        description="Start the reply as soon as the player pauses, from the transcript so "
        "far; nothing is sent until the end of turn is decided, and it is dropped unheard if "
        "they go on (docs/benchmarks.md).",
    )
    draft_tokens: int = Field(
        4,
        ge=0,
        le=16,
        description="Tokens proposed per model call while generating, copied from where the "
        "last few tokens appeared earlier in the prompt (prompt lookup); the model checks them "
        "in one batch and keeps those it would have chosen itself, so the reply is the same, "
        "faster. 0: off (docs/benchmarks.md).",
    )
    first_phrase_words: int = Field(
        2,
        ge=0,
        le=40,
        description="The first phrase of a reply goes to speech after this many words even "
        "without a comma or a full stop, so the character starts speaking sooner; fewer words "
        "start sooner and sound choppier. 0: wait for a mark (docs/benchmarks.md).",
    )
    reply_layout: Literal["act_on_request", "say_first", "say_act_say"] = Field(
        "act_on_request",
        description="How a reply is written: act_on_request (speech first, but a plain "
        "request that the routing ties to actions alone gets its actions before the speech, "
        "so the game can animate them as the first words play); say_first (all the speech, "
        "then emotion and actions: the actions reach the game after the first words); "
        "say_act_say (the first phrase, the actions, then the rest of the speech; the 0.5B "
        "model's speech gets worse). docs/mind.md has the figures.",
    )
    flash_attention: Literal["off", "on", "auto"] = Field(
        "off",
        description="llama.cpp flash attention. Off by default: on this kind of CPU it halved "
        "prompt evaluation speed at 2000 tokens of context (docs/benchmarks.md); try on or "
        "auto with a GPU build.",
    )
    endpoint: str | None = Field(
        None, description="URL of an OpenAI-compatible server to use instead of llama.cpp."
    )
    endpoint_model: str = "default"
    endpoint_format: Literal["auto", "json_schema", "json_object"] = Field(
        "auto",
        description="How the reply's JSON schema is sent to the endpoint: json_schema (the "
        "standard structured-output form: vLLM, SGLang, TGI, OpenAI), json_object (llama.cpp's "
        "servers), or auto (json_schema, switching for good when the server asks for the other).",
    )
    endpoint_api_key: str | None = Field(None, description="Sent as 'Authorization: Bearer'.")


class ASRSettings(_Section):
    threads: int = Field(default_factory=lambda: max(1, min(os.cpu_count() or 2, 8)), ge=1)
    end_of_turn_ms: int = Field(250, ge=50, le=3000)
    partial_ms: int = Field(
        300,
        ge=50,
        le=5000,
        description="While the player speaks, the turn so far is transcribed this often (when "
        "speech recognition keeps up) and the reply's prompt read from it; more often keeps "
        "that read closer to the final words and costs more recognition (docs/benchmarks.md).",
    )
    pause_ms: int = Field(
        64,
        ge=20,
        le=3000,
        description="After this much quiet the turn so far is transcribed (with this much "
        "audio after the speech) and the reply begins, unheard until the end of turn is "
        "decided; shorter starts sooner and wastes more work on pauses within a sentence; "
        "keep it below end_of_turn_ms (docs/benchmarks.md).",
    )
    max_turn_seconds: float = Field(30.0, ge=1, le=600)
    vocabulary_words: int = Field(
        40,
        ge=0,
        le=200,
        description="The character's words (names, menu, scene) given to the recogniser as its "
        "prompt, at most this many: heard right far more often, each call slower "
        "(docs/benchmarks.md, Listening); 0: none.",
    )
    correct_vocabulary: bool = Field(
        True,
        description="Put the character's words back into each transcript by sound "
        '("tumkatu" -> "tonkotsu"; real English words are left alone): more of the '
        "sheet's words heard right, well under a millisecond a transcript "
        "(docs/benchmarks.md, Listening).",
    )


class KnowledgeSettings(_Section):
    """Where knowledge and memory live, and how retrieval ranks."""

    url: str | None = Field(
        None,
        description="URL of a chroma server (http://host:port) to use instead of the local "
        "store under data_dir/chroma.",
    )
    database_url: str | None = Field(
        None,
        description="Where player memory lives: a PostgreSQL URL "
        "(postgresql://user:password@host:5432/npc) shared by several servers (needs the "
        "postgres extra), or sqlite:///path; unset: SQLite at data_dir/memory.sqlite3 "
        "(docs/deploy.md).",
    )
    chunk_chars: int = Field(700, ge=100, le=4000, description="Upper bound of a chunk's size.")
    max_file_bytes: int = Field(
        2_000_000, ge=1024, description="Knowledge files above this size are refused."
    )
    min_score: float = Field(0.25, ge=0, le=1, description="Hits scoring below are dropped.")
    keyword_weight: float = Field(
        0.35, ge=0, le=1, description="Share of the keyword score in the fused score."
    )
    memory_turns: int = Field(
        24, ge=2, description="Verbatim turns kept per player before the oldest are summarised."
    )
    memory_summaries: int = Field(
        40, ge=2, description="Summaries kept per player before the oldest are merged."
    )
    recency_half_life_h: float = Field(
        72.0, gt=0, description="Hours after which a memory's recency score halves."
    )


class ServerSettings(_Section):
    host: str = "127.0.0.1"
    port: int = Field(8765, ge=0, le=65535)
    token: str | None = None
    max_message_bytes: int = Field(1 << 20, ge=1024)
    max_sessions: int = Field(32, ge=1, description="Sessions at most, whatever the capacity.")
    capacity: int | None = Field(
        None,
        ge=1,
        description="Sessions served at once before new ones are refused with server_busy. "
        "None: measured when `npc serve` starts (docs/benchmarks.md, capacity).",
    )
    max_connections: int = Field(
        256, ge=1, description="Open connections at most, started or not (HTTP 503 beyond)."
    )
    idle_timeout_s: float = Field(300.0, gt=0)
    start_timeout_s: float = Field(
        30.0, gt=0, description="A connection that sends no valid `start` within this closes."
    )
    busy_retry_s: float = Field(
        15.0, gt=0, description="The retry_after_s a refused session is told to wait."
    )


class Settings(BaseSettings):
    """All of npc's settings."""

    model_config = SettingsConfigDict(
        env_prefix="NPC_", env_nested_delimiter="__", extra="forbid", toml_file="npc.toml"
    )

    characters_dir: Path = Path("characters")
    data_dir: Path = Field(default_factory=lambda: _xdg("XDG_DATA_HOME", ".local/share"))
    cache_dir: Path = Field(default_factory=lambda: _xdg("XDG_CACHE_HOME", ".cache"))
    models: ModelSettings = Field(default_factory=ModelSettings)
    providers: ProviderSettings = Field(default_factory=ProviderSettings)
    llm: LLMSettings = Field(default_factory=LLMSettings)
    asr: ASRSettings = Field(default_factory=ASRSettings)
    server: ServerSettings = Field(default_factory=ServerSettings)
    knowledge: KnowledgeSettings = Field(default_factory=KnowledgeSettings)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml = os.environ.get("NPC_CONFIG", "npc.toml")
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls, toml))


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment and npc.toml; a bad value raises ConfigError."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
        raise ConfigError(
            "invalid settings (npc.toml or NPC_* variables):\n  " + "\n  ".join(lines)
        ) from None
    except ValueError as exc:  # a TOML syntax error
        raise ConfigError(f"cannot read the settings file: {exc}") from None
