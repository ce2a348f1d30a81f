"""The errors npc raises, in one tree.

Every error says what was wrong and what to do about it. ``retryable`` tells a caller
whether the same call may succeed later (a busy model, a transient disk error).

    NpcError
    ├── ConfigError            settings or npc.toml are wrong
    ├── SheetError             a character sheet has problems (carries every Problem)
    ├── ModelAssetError        a model file is missing, corrupt or cannot be resolved
    ├── ProviderError          a provider (ASR, LLM, TTS, embedder) failed at run time
    │   └── ModelLoadError     a model file could not be loaded
    ├── KnowledgeError         the knowledge store or player memory failed
    ├── ActionError            an action call or action result is outside the schema
    ├── AudioFormatError       audio that is not what the session agreed to
    ├── ProtocolError          a wire message is malformed or not allowed now
    ├── ScenarioError          a simulation scenario has problems
    └── SimulationError        a simulation batch cannot run as asked
"""

from __future__ import annotations

from dataclasses import dataclass


class NpcError(Exception):
    """Base class of every error npc raises on purpose."""

    code = "npc_error"
    retryable = False

    def __init__(self, message: str, *, retryable: bool | None = None) -> None:
        super().__init__(message)
        self.message = message
        if retryable is not None:
            self.retryable = retryable


class ConfigError(NpcError):
    code = "config_error"


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem in a YAML file, located at file:line:column (1-based)."""

    file: str
    line: int
    column: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}"
        return (
            f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        )


class SheetError(NpcError):
    """A character sheet (or another YAML document) failed validation."""

    code = "invalid_sheet"

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class ScenarioError(SheetError):
    code = "invalid_scenario"


class SimulationError(NpcError):
    """A batch cannot run as asked: an output folder of another batch, a bad option, a run
    that failed on every attempt."""

    code = "simulation_error"


class ModelAssetError(NpcError):
    code = "model_asset_error"


class ProviderError(NpcError):
    code = "provider_error"


class ModelLoadError(ProviderError):
    code = "model_load_error"


class KnowledgeError(NpcError):
    code = "knowledge_error"


class ActionError(NpcError):
    code = "invalid_action"


class AudioFormatError(NpcError):
    code = "bad_audio"


class ProtocolError(NpcError):
    code = "bad_message"
