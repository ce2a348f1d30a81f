"""Client audio validation and conversion."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from npc.audio import (
    AudioBuffer,
    AudioFormat,
    ClientAudio,
    StreamResampler,
    as_float32,
    float32_to_pcm16,
    pcm16_to_float32,
    resample,
    to_asr_audio,
)
from npc.errors import AudioFormatError


def tone(rate: int, seconds: float = 1.0, hz: float = 440.0) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    return (0.5 * np.sin(2 * np.pi * hz * t)).astype(np.float32)


def test_pcm16_round_trip() -> None:
    audio = np.array([0.0, 0.5, -0.5, -1.0, 0.999], np.float32)
    pcm = float32_to_pcm16(audio)
    assert len(pcm) == 10
    assert np.allclose(pcm16_to_float32(pcm), audio, atol=1 / 32768)


def test_out_of_range_samples_are_clipped() -> None:
    assert pcm16_to_float32(float32_to_pcm16(np.array([3.0, -3.0], np.float32))).tolist() == [
        32767 / 32768,
        -1.0,
    ]


@given(st.binary(max_size=400).filter(lambda b: len(b) % 2 == 0))
def test_any_even_bytes_decode_in_range(data: bytes) -> None:
    audio = pcm16_to_float32(data)
    assert audio.dtype == np.float32 and audio.size == len(data) // 2
    assert np.all((audio >= -1) & (audio < 1))
    assert float32_to_pcm16(audio) == data


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (lambda: pcm16_to_float32(b"\x00\x01\x02"), "even number of bytes"),
        (lambda: pcm16_to_float32("text"), "PCM16 bytes"),  # type: ignore[arg-type]
        (lambda: ClientAudio(4_000), "sample rate"),
        (lambda: ClientAudio(96_000), "sample rate"),
        (lambda: AudioFormat(16_000, encoding="opus").check(), "encoding"),
        (lambda: AudioFormat(16_000, channels=2).check(), "mono"),
        (lambda: as_float32(np.zeros((2, 10), np.float32)), "1-D"),
        (lambda: as_float32(np.zeros(10, np.int32)), "int16 or float"),
        (lambda: as_float32(np.array([np.nan], np.float32)), "NaN"),
        (lambda: to_asr_audio(b"\x00\x00", 100), "sample rate"),
    ],
)
def test_bad_audio_is_refused_clearly(bad, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(AudioFormatError, match=message):
        bad()


@pytest.mark.parametrize("rate", [8_000, 11_025, 16_000, 22_050, 44_100, 48_000])
def test_stream_conversion_matches_whole_clip(rate: int) -> None:
    """Chunk by chunk (20 ms) gives the same 16 kHz audio as converting the whole clip."""
    audio = tone(rate)
    client = ClientAudio(rate)
    step = rate // 50
    out = [
        client.convert(float32_to_pcm16(audio[i : i + step])) for i in range(0, audio.size, step)
    ]
    streamed = np.concatenate([*out, client.flush()])
    whole = to_asr_audio(float32_to_pcm16(audio), rate)
    assert abs(streamed.size - 16_000) <= 2
    n = min(streamed.size, whole.size) - 200
    assert np.allclose(streamed[100:n], whole[100:n], atol=2e-3)
    # the tone survives: its energy is where it was
    spectrum = np.abs(np.fft.rfft(streamed[:16_000]))
    assert abs(int(np.argmax(spectrum)) - 440) <= 2


def test_same_rate_passes_through() -> None:
    audio = tone(16_000, 0.1)
    assert StreamResampler(16_000).process(audio) is audio
    assert resample(audio, 16_000) is audio


def test_arrays_are_accepted() -> None:
    client = ClientAudio(16_000)
    ints = np.array([0, 16384, -16384], np.int16)
    assert client.convert(ints).tolist() == [0.0, 0.5, -0.5]
    assert client.convert(np.array([0.25], np.float64)).dtype == np.float32


def test_buffer_slices_by_stream_sample() -> None:
    buffer = AudioBuffer()
    for i in range(5):
        buffer.append(np.full(100, i, np.float32))
    assert (buffer.start, buffer.end) == (0, 500)
    assert buffer.slice(150, 250).tolist() == [1.0] * 50 + [2.0] * 50
    buffer.drop_before(320)
    assert (buffer.start, buffer.end) == (320, 500)
    assert buffer.slice(0, 330).tolist() == [3.0] * 10  # clamped to what is held
    assert buffer.slice(600, 700).size == 0
    buffer.drop_before(10_000)
    assert (buffer.start, buffer.end) == (500, 500)
