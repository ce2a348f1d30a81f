from __future__ import annotations

from pathlib import Path

import pytest

from npc.config import load_settings
from npc.errors import ConfigError


def test_defaults_bind_localhost() -> None:
    s = load_settings()
    assert s.server.host == "127.0.0.1" and s.server.port == 8765


def test_env_and_toml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    toml = tmp_path / "npc.toml"
    toml.write_text('[models]\nllm = "/models/a.gguf"\n[server]\nport = 9000\n')
    monkeypatch.setenv("NPC_CONFIG", str(toml))
    monkeypatch.setenv("NPC_SERVER__PORT", "9100")
    s = load_settings()
    assert s.models.llm == "/models/a.gguf"
    assert s.server.port == 9100  # the environment wins over the file


def test_bad_values_are_a_config_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NPC_SERVER__PORT", "not-a-port")
    with pytest.raises(ConfigError, match="server.port"):
        load_settings()
    monkeypatch.delenv("NPC_SERVER__PORT")
    toml = tmp_path / "npc.toml"
    toml.write_text("[server\n")
    monkeypatch.setenv("NPC_CONFIG", str(toml))
    with pytest.raises(ConfigError, match="cannot read the settings file"):
        load_settings()


def test_flash_attention_is_off_by_default_and_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_settings().llm.flash_attention == "off"
    monkeypatch.setenv("NPC_LLM__FLASH_ATTENTION", "on")
    assert load_settings().llm.flash_attention == "on"
    monkeypatch.setenv("NPC_LLM__FLASH_ATTENTION", "fast")
    with pytest.raises(ConfigError, match="llm.flash_attention"):
        load_settings()
