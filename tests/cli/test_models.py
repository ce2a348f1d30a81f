from __future__ import annotations

from tests.cli.test_sheets import npc


def test_models_lists_all_roles_verified() -> None:
    out = npc("models")
    assert out.returncode == 0, out.stderr + out.stdout
    for role in ("llm", "asr", "tts", "embedder"):
        assert role in out.stdout
    assert out.stdout.count("verified") == 4
    assert out.stdout.count("bundled") == 4
