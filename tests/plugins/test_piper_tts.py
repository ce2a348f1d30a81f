"""The piper speech synthesizer, with the real bundled voice."""

from __future__ import annotations

import threading
from pathlib import Path
from types import SimpleNamespace

import pytest

from npc.conversation.scheduler import Job
from npc.errors import ModelLoadError
from npc.providers.base import Level, SpeechSynthesizer, SynthesizedSpeech
from plugins.piper_tts import PiperSynthesizer, _chunk_timings, split_sentences

SENTENCES = ["Welcome to my shop, traveller.", "What can I get you?", "The ramen is fresh today!"]


def samples(speech: SynthesizedSpeech) -> int:
    return len(speech.pcm) // 2


class TestSplitSentences:
    def test_sentences(self) -> None:
        assert split_sentences(" ".join(SENTENCES)) == SENTENCES

    def test_abbreviations_and_initials_do_not_end_a_sentence(self) -> None:
        assert split_sentences("Dr. Smith met J. R. Hartley. He left.") == [
            "Dr. Smith met J. R. Hartley.",
            "He left.",
        ]

    def test_quotes_stay_with_their_sentence(self) -> None:
        assert split_sentences('"Run!" she said. Fine.') == ['"Run!"', "she said.", "Fine."]

    def test_blank(self) -> None:
        assert split_sentences("") == []
        assert split_sentences(" \n\t ") == []

    def test_run_ons_are_cut_at_clauses_or_spaces(self) -> None:
        pieces = split_sentences("one two three, " * 100, max_chars=100)
        assert all(len(p) <= 100 and p.endswith(",") for p in pieces)
        assert " ".join(pieces) == ("one two three, " * 100).strip()
        assert [len(p) for p in split_sentences("x" * 250, max_chars=100)] == [100, 100, 50]


class TestChunkTimings:
    """Piper's alignments made to add up to the audio, whatever piper reports."""

    @staticmethod
    def chunk(alignments: list[tuple[str, int]] | None, phonemes: str = "") -> SimpleNamespace:
        aligned = alignments and [SimpleNamespace(phoneme=p, num_samples=n) for p, n in alignments]
        return SimpleNamespace(phoneme_alignments=aligned, phonemes=list(phonemes))

    def test_exact_alignments_pass_through(self) -> None:
        timings = _chunk_timings(self.chunk([("^", 10), ("a", 20), ("$", 5)]), 35)
        assert [(t.phoneme, t.samples) for t in timings] == [("^", 10), ("a", 20), ("$", 5)]

    def test_short_alignments_lengthen_the_end(self) -> None:
        timings = _chunk_timings(self.chunk([("a", 20), ("$", 5)]), 30)
        assert [t.samples for t in timings] == [20, 10]

    def test_long_alignments_are_trimmed_from_the_end(self) -> None:
        timings = _chunk_timings(self.chunk([("a", 20), ("b", 8), ("$", 5)]), 22)
        assert [t.samples for t in timings] == [20, 2, 0]

    def test_missing_alignments_are_spread_over_the_phonemes(self) -> None:
        timings = _chunk_timings(self.chunk(None, "həlˈoʊ"), 100)
        assert [t.phoneme for t in timings] == list("həlˈoʊ")
        assert sum(t.samples for t in timings) == 100
        assert max(t.samples for t in timings) - min(t.samples for t in timings) <= 1


@pytest.mark.slow
class TestPiperSynthesizer:
    def test_is_a_speech_synthesizer(self, piper: PiperSynthesizer) -> None:
        assert isinstance(piper, SpeechSynthesizer)
        assert piper.capabilities.sample_rate == 22050
        assert piper.capabilities.languages == ("en",)

    def test_speaks_several_sentences(self, piper: PiperSynthesizer) -> None:
        spoken = list(piper.synthesize(" ".join(SENTENCES)))
        assert [s.text for s in spoken] == SENTENCES
        for speech in spoken:
            assert speech.sample_rate == 22050
            assert samples(speech) > 0.3 * 22050
            assert len(speech.pcm) % 2 == 0

    def test_alignments_add_up_to_the_audio(self, piper: PiperSynthesizer) -> None:
        for speech in piper.synthesize(" ".join(SENTENCES)):
            assert sum(t.samples for t in speech.phonemes) == samples(speech)
            symbols = [t.phoneme for t in speech.phonemes]
            assert symbols[0] == "^" and symbols[-1] == "$"  # real alignments, not a spread
            assert len({t.samples for t in speech.phonemes}) > 3

    def test_a_faster_rate_is_shorter(self, piper: PiperSynthesizer) -> None:
        text = "I have travelled a very long way to find this place."
        normal = sum(samples(s) for s in piper.synthesize(text, rate=1.0))
        fast = sum(samples(s) for s in piper.synthesize(text, rate=2.0))
        assert fast < 0.7 * normal

    def test_rate_must_be_positive(self, piper: PiperSynthesizer) -> None:
        with pytest.raises(ValueError, match="rate"):
            list(piper.synthesize("Hi.", rate=0))

    @pytest.mark.parametrize("text", ["", "   ", "\n\n"])
    def test_blank_text_says_nothing(self, piper: PiperSynthesizer, text: str) -> None:
        assert list(piper.synthesize(text)) == []

    def test_a_long_paragraph_goes_sentence_by_sentence(self, piper: PiperSynthesizer) -> None:
        sentence = "The old mill by the river has been grinding flour for a hundred years. "
        paragraph = (sentence * 40)[:2000]
        spoken = list(piper.synthesize(paragraph))
        assert len(spoken) >= 25
        for speech in spoken:
            assert sum(t.samples for t in speech.phonemes) == samples(speech)
        assert " ".join(s.text for s in spoken) == " ".join(paragraph.split())

    def test_threads_can_share_one_voice(self, piper: PiperSynthesizer) -> None:
        results: list[list[SynthesizedSpeech]] = [[], []]

        def speak(i: int) -> None:
            results[i] = list(piper.synthesize("Two voices at once. Still fine."))

        threads = [threading.Thread(target=speak, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for spoken in results:
            assert len(spoken) == 2
            assert all(sum(t.samples for t in s.phonemes) == samples(s) for s in spoken)


RUN_ON = ", and then the road went on past the mill and the river and the old stone bridge" * 4


def test_cancelled_work_stops_the_sentence_being_synthesized(piper: PiperSynthesizer) -> None:
    # One long sentence: synthesizing it takes far longer than the cancel takes to land, so
    # nothing comes out only if the run itself was stopped (a closed session's voice).
    job = Job(Level.SPEAK)
    threading.Timer(0.02, job.cancel).start()
    assert list(piper.synthesize("So" + RUN_ON + ".", control=job)) == []
    assert list(piper.synthesize("Fine.", control=Job(Level.SPEAK)))  # the voice goes on


def test_cancelled_work_says_no_more_sentences(piper: PiperSynthesizer) -> None:
    job = Job(Level.SPEAK)
    spoken = []
    for speech in piper.synthesize(" ".join(SENTENCES), control=job):
        spoken.append(speech.text)
        job.cancel()
    assert spoken == SENTENCES[:1]


def test_loads_from_a_voice_path(piper: PiperSynthesizer) -> None:
    from npc.assets import BUNDLED

    voice = PiperSynthesizer(BUNDLED["en_US-joe-medium"].parts[0].locate())
    (speech,) = voice.synthesize("Hello.")
    assert sum(t.samples for t in speech.phonemes) == samples(speech)


def test_a_missing_voice_says_what_a_voice_is(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match=r"\.onnx\.json"):
        PiperSynthesizer(tmp_path / "nobody.onnx")


def test_a_broken_voice_fails_to_load(tmp_path: Path) -> None:
    from npc.assets import BUNDLED

    model = tmp_path / "broken.onnx"
    model.write_bytes(b"not a model")
    config = Path(f"{model}.json")
    config.write_text("{}")
    with pytest.raises(ModelLoadError, match="not a piper voice config"):
        PiperSynthesizer(model)
    config.write_bytes(BUNDLED["en_US-joe-medium"].extra[0].locate().read_bytes())
    with pytest.raises(ModelLoadError, match="could not load the piper voice .*broken.onnx"):
        PiperSynthesizer(model)
