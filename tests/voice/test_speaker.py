"""Speaker: sentences of speech with visemes, at the rate the client asked for."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from npc.config import Settings
from npc.providers.base import Capabilities, Control, PhonemeTiming, SynthesizedSpeech
from npc.voice.speaker import Speaker
from plugins.piper_tts import PiperSynthesizer
from tests.plugins.conftest import load_piper
from tests.visemes.coverage import assert_covers


class ScriptedSynth:
    """Two sentences of silence with fixed phoneme timings; remembers the rate asked for."""

    capabilities = Capabilities(sample_rate=22050)

    def __init__(self) -> None:
        self.rates: list[float] = []

    def synthesize(
        self, text: str, *, rate: float = 1.0, control: Control | None = None
    ) -> Iterator[SynthesizedSpeech]:
        self.rates.append(rate)
        for sentence in text.split(". "):
            timings = (("^", 1000), ("b", 3000), ("ˈ", 500), ("a", 6000), ("ɪ", 4000), ("$", 7))
            phonemes = tuple(PhonemeTiming(p, n) for p, n in timings)
            pcm = bytes(2 * sum(n for _, n in timings))
            yield SynthesizedSpeech(pcm, 22050, sentence, phonemes)


def test_one_event_per_sentence() -> None:
    synth = ScriptedSynth()
    events = list(Speaker(synth, rate=1.5).speak(7, 3, "Hi. There. You"))
    expected = [(7, 3, "Hi"), (7, 4, "There"), (7, 5, "You")]
    assert [(e.turn_id, e.index, e.text) for e in events] == expected
    assert synth.rates == [1.5]
    assert all(e.sample_rate == 22050 and len(e.pcm) == 2 * 14507 for e in events)
    assert [v.viseme for v in events[0].visemes] == ["sil", "PP", "aa", "ih", "sil"]


@pytest.mark.parametrize("output_rate", [8000, 16000, 24000, 44100, 48000])
def test_resampling_keeps_the_visemes_on_the_audio(output_rate: int) -> None:
    (native,) = Speaker(ScriptedSynth()).speak(1, 0, "Hi")
    (event,) = Speaker(ScriptedSynth(), output_rate=output_rate).speak(1, 0, "Hi")
    assert event.sample_rate == output_rate
    assert abs(len(event.pcm) / 2 - 14507 * output_rate / 22050) <= 2
    assert_covers(event.visemes, event.duration_ms)
    assert [v.viseme for v in event.visemes] == [v.viseme for v in native.visemes]
    for a, b in zip(event.visemes, native.visemes, strict=True):
        assert a.duration_ms == pytest.approx(b.duration_ms, abs=0.1)


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="rate"):
        Speaker(ScriptedSynth(), rate=0)
    with pytest.raises(ValueError, match="output_rate"):
        Speaker(ScriptedSynth(), output_rate=0)


@pytest.fixture(scope="module")
def piper(settings: Settings) -> PiperSynthesizer:
    return load_piper(settings)


@pytest.mark.slow
@pytest.mark.parametrize("output_rate", [None, 16000, 48000])
def test_real_voice_at_each_output_rate(piper: PiperSynthesizer, output_rate: int | None) -> None:
    text = "Bob may buy maple pie. Five vivid fish! She chose this one."
    events = list(Speaker(piper, output_rate=output_rate).speak(2, 0, text))
    assert [e.index for e in events] == [0, 1, 2]
    for event in events:
        assert event.sample_rate == (output_rate or 22050)
        assert_covers(event.visemes, event.duration_ms)
    assert "PP" in {v.viseme for v in events[0].visemes}
    assert "FF" in {v.viseme for v in events[1].visemes}


@pytest.mark.slow
def test_real_voice_empty_text(piper: PiperSynthesizer) -> None:
    assert list(Speaker(piper).speak(1, 0, "  ")) == []
