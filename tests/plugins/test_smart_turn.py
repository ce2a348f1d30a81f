"""Smart Turn v3.2 from the pipecat-ai wheel: the file's check, its input, and its verdicts on
recorded people (it was trained on human speech: see docs/benchmarks.md for TTS voices)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

import plugins.smart_turn as smart_turn
from npc.errors import ModelAssetError
from npc.voice.end_of_turn import TurnCompletion
from plugins.smart_turn import SmartTurn
from tests.voice.conftest import SR, shared_audio, silence

pytestmark = pytest.mark.slow
# Where Whisper's word timestamps put the end of these words in jfk.flac (seconds).
JFK_MID_PHRASE = {"ask not": 4.52, "what your": 6.04, "you can do for": 9.92}


@pytest.fixture(scope="module")
def model() -> SmartTurn:
    try:
        return SmartTurn()
    except ModelAssetError as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"Smart Turn is not installed here ({exc}); ./npcw installs it")


def test_is_a_turn_completion(model: SmartTurn) -> None:
    assert isinstance(model, TurnCompletion)
    assert model.window_samples == 8 * SR


def test_hears_the_last_8_s_padded_on_the_left(model: SmartTurn) -> None:
    noise = np.random.default_rng(0).normal(0, 0.1, 20 * SR).astype(np.float32)
    features = model.features(noise[-SR:])
    assert features.shape == (1, 80, 800)
    assert np.ptp(features[0, :, :690], axis=1).max() < 1e-5  # 7 s of padding: flat in time
    assert np.ptp(features[0, :, -100:]) > 0
    np.testing.assert_array_equal(model.features(noise), model.features(noise[-8 * SR :]))


def test_a_finished_sentence_sounds_complete(model: SmartTurn) -> None:
    jfk = shared_audio("jfk.flac")
    assert model.complete_probability(jfk) > 0.5
    assert model.complete_probability(shared_audio("stereo_diarization.wav", channel=1)) > 0.5


@pytest.mark.parametrize(("words", "end_s"), JFK_MID_PHRASE.items())
def test_a_sentence_cut_mid_phrase_does_not(model: SmartTurn, words: str, end_s: float) -> None:
    jfk = shared_audio("jfk.flac")
    cut = np.concatenate([jfk[: int((end_s + 0.1) * SR)], silence(0.1)])
    assert model.complete_probability(cut) < 0.2, words


def test_silence_gives_a_probability(model: SmartTurn) -> None:
    assert 0.0 <= model.complete_probability(silence(2.0)) <= 1.0


def test_a_wrong_file_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fake = tmp_path / "smart-turn-v3.2-cpu.onnx"
    fake.write_bytes(b"not the model")

    class Located:
        def locate(self) -> Path:
            return fake

    monkeypatch.setattr(smart_turn, "MODEL", Located())
    with pytest.raises(ModelAssetError, match="sha256"):
        smart_turn.bundled_model_path()
