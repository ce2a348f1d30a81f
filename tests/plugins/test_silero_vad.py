"""Silero VAD streamed one window at a time, as the listener feeds it."""

from __future__ import annotations

import numpy as np
import pytest
from faster_whisper.vad import get_vad_model

from npc.config import Settings
from npc.providers.base import VoiceActivityDetector
from npc.providers.registry import registry
from plugins.silero_vad import WINDOW_SAMPLES, SileroVad
from tests.voice.conftest import load_vad, shared_audio, silence

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def vad() -> SileroVad:
    return load_vad()


def test_is_a_voice_activity_detector(vad: SileroVad) -> None:
    assert isinstance(vad, VoiceActivityDetector)
    assert vad.window_samples == WINDOW_SAMPLES == 512


def test_registry_builds_it(settings: Settings) -> None:
    assert isinstance(registry().create("vad", "silero", settings), SileroVad)


def test_streaming_matches_faster_whisper_over_the_whole_file(vad: SileroVad) -> None:
    audio = shared_audio("jfk.flac")
    audio = audio[: audio.size // WINDOW_SAMPLES * WINDOW_SAMPLES]
    expected = np.asarray(get_vad_model()(audio)).reshape(-1)
    stream = vad.new_stream()
    got = [stream.speech_probability(w) for w in audio.reshape(-1, WINDOW_SAMPLES)]
    assert np.allclose(got, expected, atol=1e-5)


def test_speech_and_silence(vad: SileroVad) -> None:
    stream = vad.new_stream()
    speech = shared_audio("jfk.flac")[16_000:48_000]
    quiet = stream.speech_probabilities(silence(1.0)[: 31 * WINDOW_SAMPLES])
    loud = stream.speech_probabilities(speech[: 62 * WINDOW_SAMPLES])
    assert quiet.max() < 0.2
    assert loud.max() > 0.8 and np.mean(loud > 0.5) > 0.4  # JFK pauses in this second


def test_streams_keep_their_own_state(vad: SileroVad) -> None:
    speech = shared_audio("jfk.flac")[16_000 : 16_000 + 20 * WINDOW_SAMPLES]
    a, b = vad.new_stream(), vad.new_stream()
    for window in speech.reshape(-1, WINDOW_SAMPLES)[:10]:
        a.speech_probability(window)
    window = speech[-WINDOW_SAMPLES:]
    fresh = b.speech_probability(window)
    a.reset()
    assert a.speech_probability(window) == pytest.approx(fresh, abs=1e-6)


def test_wrong_window_size_is_refused(vad: SileroVad) -> None:
    with pytest.raises(ValueError, match="512"):
        vad.new_stream().speech_probability(np.zeros(100, np.float32))
