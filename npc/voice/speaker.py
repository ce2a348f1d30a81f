"""Text -> ``SpeechAudio`` events: synthesized PCM16, resampled if asked, with timed visemes."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import soxr

from npc.events import SpeechAudio
from npc.providers.base import Control, SpeechSynthesizer, SynthesizedSpeech
from npc.visemes import viseme_track


class Speaker:
    """Speaks text with one synthesizer, at one speaking rate and output sample rate.

    ``output_rate`` None keeps the voice's own rate. Each sentence is resampled on its own:
    chunks are independent, so a client can play any of them without the previous one.
    """

    def __init__(
        self, synth: SpeechSynthesizer, *, rate: float = 1.0, output_rate: int | None = None
    ) -> None:
        if not rate > 0:
            raise ValueError(f"rate must be positive, got {rate}")
        if output_rate is not None and output_rate <= 0:
            raise ValueError(f"output_rate must be positive, got {output_rate}")
        self.synth = synth
        self.rate = rate
        self.output_rate = output_rate

    def speak(
        self, turn_id: int, first_index: int, text: str, control: Control | None = None
    ) -> Iterator[SpeechAudio]:
        """One ``SpeechAudio`` per sentence of ``text``, numbered from ``first_index``; none
        more once ``control`` is cancelled."""
        index = first_index
        for speech in self.synth.synthesize(text, rate=self.rate, control=control):
            yield self._to_event(turn_id, index, speech)
            index += 1

    def _to_event(self, turn_id: int, index: int, speech: SynthesizedSpeech) -> SpeechAudio:
        pcm, sample_rate = speech.pcm, speech.sample_rate
        if self.output_rate is not None and self.output_rate != sample_rate:
            samples = np.frombuffer(pcm, dtype=np.int16)
            pcm = soxr.resample(samples, sample_rate, self.output_rate).tobytes()
            sample_rate = self.output_rate
        # The timings count samples at the voice's rate; stretch them onto the audio we send.
        duration_ms = len(pcm) / 2 / sample_rate * 1000
        visemes = viseme_track(speech.phonemes, speech.sample_rate, duration_ms=duration_ms)
        return SpeechAudio(turn_id, index, pcm, sample_rate, speech.text, visemes)
