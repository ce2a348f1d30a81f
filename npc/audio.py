"""Client audio: validation and conversion to what the models hear (16 kHz mono float32).

Clients send PCM16 little-endian mono at 8-48 kHz. Everything here is pure (numpy + soxr):
no I/O, no model. ``ClientAudio`` converts a stream chunk by chunk, keeping the resampler's
state so chunk boundaries leave no clicks; ``AudioBuffer`` holds a bounded stretch of
converted audio addressed by absolute stream sample, for turn buffers and pre-roll.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import soxr
from numpy.typing import NDArray

from npc.errors import AudioFormatError
from npc.providers.base import ASR_SAMPLE_RATE

MIN_SAMPLE_RATE = 8_000
MAX_SAMPLE_RATE = 48_000
PCM16_FORMATS = ("pcm16", "pcm_s16le", "s16le")

Audio = NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class AudioFormat:
    """What a client promised to send; ``check()`` raises AudioFormatError if npc can't take it."""

    sample_rate: int
    encoding: str = "pcm16"
    channels: int = 1

    def check(self) -> AudioFormat:
        if self.encoding.lower() not in PCM16_FORMATS:
            raise AudioFormatError(
                f"audio encoding {self.encoding!r} is not supported; "
                f"send PCM16 little-endian ({' or '.join(repr(f) for f in PCM16_FORMATS)})"
            )
        if self.channels != 1:
            raise AudioFormatError(
                f"audio has {self.channels} channels; send mono (mix the channels down first)"
            )
        check_sample_rate(self.sample_rate)
        return self


def check_sample_rate(sample_rate: int) -> int:
    """``sample_rate`` if npc accepts it, else AudioFormatError."""
    if (
        isinstance(sample_rate, bool)
        or not isinstance(sample_rate, int)
        or not MIN_SAMPLE_RATE <= sample_rate <= MAX_SAMPLE_RATE
    ):
        raise AudioFormatError(
            f"sample rate {sample_rate!r} Hz is not supported; "
            f"send audio at {MIN_SAMPLE_RATE}-{MAX_SAMPLE_RATE} Hz (16000 is best)"
        )
    return sample_rate


def pcm16_to_float32(data: bytes | bytearray | memoryview) -> Audio:
    """PCM16 little-endian bytes -> float32 samples in [-1, 1)."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise AudioFormatError(
            f"audio must be PCM16 bytes, got {type(data).__name__}; send binary frames"
        )
    if len(data) % 2:
        raise AudioFormatError(
            f"PCM16 audio must have an even number of bytes, got {len(data)}; "
            "a frame was cut inside a sample"
        )
    samples = np.frombuffer(data, dtype="<i2")
    return (samples.astype(np.float32) / 32768.0).astype(np.float32, copy=False)


def float32_to_pcm16(audio: NDArray[np.floating]) -> bytes:
    """Float samples in [-1, 1] -> PCM16 little-endian bytes (out-of-range values are clipped)."""
    scaled = np.clip(np.asarray(audio, dtype=np.float32) * 32768.0, -32768, 32767)
    return bytes(np.rint(scaled).astype("<i2").tobytes())


def as_float32(audio: NDArray[np.generic]) -> Audio:
    """A mono int16 or float array -> float32 in [-1, 1]; anything else is AudioFormatError."""
    arr = np.asarray(audio)
    if arr.ndim != 1:
        raise AudioFormatError(f"audio arrays must be 1-D (mono), got shape {arr.shape}")
    if arr.dtype == np.int16:
        return (arr.astype(np.float32) / 32768.0).astype(np.float32, copy=False)
    if arr.dtype.kind == "f":
        out = arr.astype(np.float32, copy=False)
        if not np.all(np.isfinite(out)):
            raise AudioFormatError("audio contains NaN or infinite samples")
        return out
    raise AudioFormatError(f"audio arrays must be int16 or float, got {arr.dtype}")


class StreamResampler:
    """Resamples a float32 stream chunk by chunk, keeping the filter state between chunks."""

    def __init__(self, in_rate: int, out_rate: int = ASR_SAMPLE_RATE) -> None:
        self.in_rate = check_sample_rate(in_rate)
        self.out_rate = out_rate
        self._stream = (
            None if in_rate == out_rate else soxr.ResampleStream(in_rate, out_rate, 1, "float32")
        )

    def process(self, audio: Audio, *, last: bool = False) -> Audio:
        """Resample the next chunk; ``last`` flushes what the filter still holds."""
        if self._stream is None:
            return audio
        out: Audio = self._stream.resample_chunk(audio, last=last)
        return out

    def reset(self) -> None:
        if self._stream is not None:
            self._stream.clear()


def resample(audio: Audio, in_rate: int, out_rate: int = ASR_SAMPLE_RATE) -> Audio:
    """Resample a whole clip."""
    if in_rate == out_rate:
        return audio
    out: Audio = soxr.resample(audio, in_rate, out_rate).astype(np.float32, copy=False)
    return out


def to_asr_audio(data: bytes, sample_rate: int) -> Audio:
    """A whole PCM16 mono clip at ``sample_rate`` -> 16 kHz float32."""
    return resample(pcm16_to_float32(data), check_sample_rate(sample_rate))


class ClientAudio:
    """Converts a client's stream (PCM16 bytes or arrays at ``sample_rate``) to 16 kHz float32."""

    def __init__(self, sample_rate: int = ASR_SAMPLE_RATE) -> None:
        self.format = AudioFormat(sample_rate).check()
        self._resampler = StreamResampler(sample_rate)

    def convert(self, frame: bytes | bytearray | memoryview | NDArray[np.generic]) -> Audio:
        """The next frame, converted; may be empty while the resampler fills its filter."""
        audio = as_float32(frame) if isinstance(frame, np.ndarray) else pcm16_to_float32(frame)
        return self._resampler.process(audio)

    def flush(self) -> Audio:
        """What the resampler still holds at the end of the stream."""
        return self._resampler.process(np.zeros(0, np.float32), last=True)


class AudioBuffer:
    """Audio addressed by absolute stream sample; old samples are dropped explicitly."""

    def __init__(self) -> None:
        self._chunks: list[Audio] = []
        self._start = 0  # stream sample of the first held sample
        self._size = 0

    @property
    def start(self) -> int:
        return self._start

    @property
    def end(self) -> int:
        """Stream sample just after the last held sample."""
        return self._start + self._size

    def append(self, audio: Audio) -> None:
        if audio.size:
            self._chunks.append(audio)
            self._size += audio.size

    def slice(self, start: int, end: int) -> Audio:
        """A copy of samples [start, end), clamped to what is held."""
        start, end = max(start, self._start), min(end, self.end)
        if end <= start:
            return np.zeros(0, np.float32)
        self._compact()
        return self._chunks[0][start - self._start : end - self._start].copy()

    def drop_before(self, sample: int) -> None:
        """Forget everything before stream sample ``sample``."""
        cut = min(max(sample, self._start), self.end) - self._start
        if cut <= 0:
            return
        self._compact()
        rest = self._chunks[0][cut:] if self._chunks else np.zeros(0, np.float32)
        self._chunks = [rest.copy()] if rest.size else []
        self._start += cut
        self._size -= cut

    def _compact(self) -> None:
        if len(self._chunks) > 1:
            self._chunks = [np.concatenate(self._chunks)]
