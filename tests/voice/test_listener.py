"""The listener with the real Silero VAD, Whisper tiny.en and speech (piper and recorded)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterable
from typing import Any

import numpy as np
import pytest

from npc.errors import AudioFormatError
from npc.events import (
    Event,
    FinalTranscript,
    PartialTranscript,
    SpeechPaused,
    SpeechStarted,
    SpeechStopped,
)
from npc.providers.base import Level, Transcript
from npc.providers.fakes import RecordingGate
from npc.voice.listener import Listener
from plugins.faster_whisper_asr import WhisperRecognizer
from plugins.silero_vad import SileroVad
from tests.voice.conftest import (
    SR,
    Utterance,
    frames_of,
    listen,
    pcm_chunks,
    shared_audio,
    silence,
    speech_end,
    synthesize,
    word_error_rate,
)

pytestmark = pytest.mark.slow
WINDOW_S = 512 / SR
EOT_S = 0.25


def of(kind: type, events: Iterable[Event]) -> list:  # type: ignore[type-arg]
    return [e for e in events if isinstance(e, kind)]


def check_turn_order(events: list[Event]) -> None:
    """Each turn: started, stopped, one final; ids increase; turns do not overlap."""
    open_id = None
    for e in events:
        if isinstance(e, SpeechStarted):
            assert open_id is None
            open_id = e.turn_id
        elif isinstance(e, SpeechStopped):
            assert e.turn_id == open_id and e.decided_s >= e.at_s
            open_id = None
    ids = [e.turn_id for e in of(SpeechStarted, events)]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert [e.turn_id for e in of(FinalTranscript, events)] == ids


def heard(events: list[Event]) -> str:
    """The words the player is taken to have said: each turn's final, where a turn that
    rejoins the one before stands for both."""
    finals = {e.turn_id: e.text for e in of(FinalTranscript, events)}
    for started in of(SpeechStarted, events):
        if started.rejoins is not None:
            finals.pop(started.rejoins, None)
    return " ".join(finals[t] for t in sorted(finals))


def trimmed(audio: np.ndarray) -> np.ndarray:
    """``audio`` without its leading and trailing quiet."""
    end = speech_end(audio)
    start = audio.size / SR - speech_end(audio[::-1].copy())
    return audio[int(start * SR) : int(end * SR)]


async def test_twenty_sentences(whisper: WhisperRecognizer, silero: SileroVad, sentences) -> None:
    parts, ends = [silence(0.5)], []
    offset = 0.5
    for s in sentences:
        ends.append(offset + speech_end(s.audio))
        parts += [s.audio, silence(1.0)]
        offset += s.audio.size / SR + 1.0
    listener = Listener(whisper, silero, language="en", end_of_turn_ms=EOT_S * 1000)
    events = await listen(listener, pcm_chunks(np.concatenate(parts)))

    check_turn_order(events)
    stops, finals = of(SpeechStopped, events), of(FinalTranscript, events)
    assert len(stops) == len(sentences) == len(finals)
    delays = [stop.decided_s - end for stop, end in zip(stops, ends, strict=True)]
    print("end of speech -> end of turn decided (stream s):", np.round(delays, 3))
    assert max(delays) <= EOT_S + WINDOW_S + 1e-6
    assert min(delays) > EOT_S / 2  # the player was not cut off
    reference = " ".join(s.text for s in sentences)
    wer = word_error_rate(reference, " ".join(f.text for f in finals))
    print(f"WER {wer:.3f}")
    assert wer <= 0.10, [f.text for f in finals]


async def test_a_mid_sentence_pause_does_not_end_the_turn(
    whisper: WhisperRecognizer, silero: SileroVad, settings
) -> None:
    first, second = synthesize(settings, ["I was walking to the market", "when I saw the dragon."])
    audio = np.concatenate(
        [silence(0.5), trimmed(first), silence(0.15), trimmed(second), silence(1.0)]
    )
    events = await listen(Listener(whisper, silero, language="en"), pcm_chunks(audio))
    finals = of(FinalTranscript, events)
    assert len(finals) == 1 and len(of(SpeechStopped, events)) == 1
    assert (
        word_error_rate("I was walking to the market when I saw the dragon", finals[0].text) < 0.2
    )


async def test_a_pause_is_announced_with_the_words_so_far_and_speech_after_it_resumes(
    whisper: WhisperRecognizer, silero: SileroVad, settings
) -> None:
    """Fed in real time: the mid-sentence pause gives SpeechPaused then SpeechResumed; the
    pause at the end gives SpeechPaused with the very words of the final transcript."""
    first, second = synthesize(settings, ["Bring me a bowl of ramen", "and some green tea."])
    audio = np.concatenate(
        [silence(0.3), trimmed(first), silence(2.0), trimmed(second), silence(6.5)]
    )
    # Pauses long enough for a transcription on a busy machine (CI, 2 cores shared with a
    # bench: the last pause's words took over 1.6 s once); the turn ends after 2.5 s of
    # silence, and not before the words of the pause are known (up to 6 s).
    listener = Listener(
        whisper, silero, language="en", end_of_turn_ms=2500, unfinished_hold_ms=6000
    )
    events = await listen(listener, pcm_chunks(audio), pace_s=0.02)
    kinds = [type(e).__name__ for e in events if not isinstance(e, PartialTranscript)]
    assert kinds == [
        "SpeechStarted",
        "SpeechPaused",
        "SpeechResumed",
        "SpeechPaused",
        "SpeechStopped",
        "FinalTranscript",
    ]
    paused, final = of(SpeechPaused, events), of(FinalTranscript, events)[0]
    assert "ramen" in paused[0].text.lower() and "tea" not in paused[0].text.lower()
    assert paused[1].text == final.text
    assert word_error_rate("Bring me a bowl of ramen and some green tea", final.text) <= 0.2


def with_pause(audio: np.ndarray, pause_s: float) -> np.ndarray:
    """``audio`` with its longest quiet stretch inside the speech (piper's comma pause) set
    to ``pause_s``."""
    frames = audio[: audio.size // 160 * 160].reshape(-1, 160)
    loud = np.flatnonzero(np.sqrt((frames**2).mean(axis=1)) > 0.003)
    i = int(np.argmax(np.diff(loud)))
    start, end = (loud[i] + 1) * 160, loud[i + 1] * 160
    return np.concatenate([audio[:start], silence(pause_s), audio[end:]])


@pytest.mark.parametrize("pause_s", [0.3, 0.7])
async def test_a_turn_going_on_after_a_comma_pause_is_heard_with_the_one_before(
    whisper: WhisperRecognizer, silero: SileroVad, settings, pause_s: float
) -> None:
    """The pause ends a turn (it is longer than the end-of-turn wait); the next turn rejoins
    it, so its final holds the whole line. Without rejoining it holds the second part only."""
    [line] = synthesize(settings, ["Grab me a bowl of ramen, please."])
    audio = np.concatenate([silence(0.5), with_pause(line, pause_s), silence(1.5)])
    for rejoin_ms, expected in ((1000, "grab me a bowl of ramen please"), (0, "please")):
        listener = Listener(whisper, silero, language="en", rejoin_ms=rejoin_ms)
        events = await listen(listener, pcm_chunks(audio))
        check_turn_order(events)
        first, second = of(SpeechStarted, events)
        assert second.rejoins == (first.turn_id if rejoin_ms else None)
        final = of(FinalTranscript, events)[-1]
        assert word_error_rate(expected, final.text) <= 0.15, final.text
    assert word_error_rate("grab me a bowl of ramen please", heard(events)) <= 0.15


@pytest.mark.parametrize("hold_ms", [0, 1500])
async def test_words_that_read_unfinished_hold_the_turn(
    whisper: WhisperRecognizer, silero: SileroVad, settings, hold_ms: float
) -> None:
    """Fed in real time, a 600 ms pause after "I was walking to the market and" ends the
    turn on silence alone; waiting for the words, it does not: they read unfinished."""
    first, second = synthesize(settings, ["I was walking to the market and", "I saw a dragon."])
    audio = np.concatenate(
        [silence(0.3), trimmed(first), silence(0.6), trimmed(second), silence(2.0)]
    )
    listener = Listener(whisper, silero, language="en", rejoin_ms=0, unfinished_hold_ms=hold_ms)
    events = await listen(listener, pcm_chunks(audio), pace_s=0.02)
    check_turn_order(events)
    assert len(of(SpeechStarted, events)) == (1 if hold_ms else 2)
    said = " ".join(f.text for f in of(FinalTranscript, events))
    assert word_error_rate("I was walking to the market and I saw a dragon", said) <= 0.2, said


async def test_after_the_character_answered_the_next_turn_starts_afresh(
    whisper: WhisperRecognizer, silero: SileroVad, settings
) -> None:
    [line] = synthesize(settings, ["Grab me a bowl of ramen, please."])
    audio = np.concatenate([silence(0.5), with_pause(line, 0.5), silence(1.5)])
    listener = Listener(whisper, silero, language="en", rejoin_ms=1000)
    events: list[Event] = []
    async for event in listener.run(frames_of(pcm_chunks(audio), pace_s=0.001)):
        events.append(event)
        if isinstance(event, SpeechStopped) and event.turn_id == 1:
            listener.replied()  # the reply to the first part was heard
    _, second = of(SpeechStarted, events)
    assert second.rejoins is None
    assert "ramen" not in of(FinalTranscript, events)[-1].text.lower()


async def test_the_prompt_makes_the_menu_heard_and_can_change(
    whisper: WhisperRecognizer, silero: SileroVad, settings
) -> None:
    """Plain Whisper mishears "shoyu"; told the sheet's words, it hears it."""
    from npc.character.loader import load_sheet
    from npc.config import ASRSettings
    from npc.voice.vocabulary import Vocabulary
    from tests.conftest import CHARACTERS

    [line] = synthesize(settings, ["One shoyu ramen and a green tea."])
    audio = np.concatenate([silence(0.5), line, silence(1.0)])
    words = ASRSettings().vocabulary_words
    prompt = Vocabulary.of(load_sheet(CHARACTERS / "jin.yaml")).prompt(words)
    listener = Listener(whisper, silero, language="en")
    assert listener.prompt is None
    plain = of(FinalTranscript, await listen(listener, pcm_chunks(audio)))[0].text
    # Plain Whisper heard "show you" on the machines this was written on; on one CI
    # machine (2026-12-02, another CPU) it heard "1. shoyu raman": there only the
    # prompted transcript below is checked.
    listener = Listener(whisper, silero, language="en", prompt="")
    listener.prompt = prompt  # a scene update sets it mid-session
    told = of(FinalTranscript, await listen(listener, pcm_chunks(audio)))[0].text
    assert "shoyu" in told.lower(), (told, plain)


async def test_the_correction_puts_back_a_word_the_prompt_did_not_fix(
    whisper: WhisperRecognizer, silero: SileroVad, settings
) -> None:
    """Told Jin's words (the live path's 40), Whisper still hears "Hokkaido" as "a Kato";
    corrected towards the sheet's whole vocabulary, the final says "Hokkaido"."""
    from npc.character.loader import load_sheet
    from npc.config import ASRSettings
    from npc.voice.vocabulary import Vocabulary
    from tests.conftest import CHARACTERS

    [line] = synthesize(settings, ["Is the miso from Hokkaido?"])
    audio = np.concatenate([silence(0.5), line, silence(1.0)])
    vocabulary = Vocabulary.of(load_sheet(CHARACTERS / "jin.yaml"))
    prompt = vocabulary.prompt(ASRSettings().vocabulary_words)

    async def final(**kwargs: Any) -> str:
        listener = Listener(whisper, silero, language="en", prompt=prompt, **kwargs)
        return of(FinalTranscript, await listen(listener, pcm_chunks(audio)))[0].text

    told = await final(correct_vocabulary=False)
    assert "hokkaido" not in told.lower(), "Whisper hears it: pick a harder word"
    corrected = await final(vocabulary=vocabulary.terms)
    assert "Hokkaido" in corrected, (told, corrected)
    assert word_error_rate("Is the miso from Hokkaido?", corrected) < word_error_rate(
        "Is the miso from Hokkaido?", told
    )


@pytest.mark.parametrize(
    ("name", "channel", "text"),
    [
        (
            "jfk.flac",
            None,
            "And so my fellow Americans, ask not what your country can do for you, "
            "ask what you can do for your country.",
        ),
        (
            "stereo_diarization.wav",
            0,
            "He began a confused complaint against the wizard, who had vanished behind the "
            "curtain on the left.",
        ),
        ("stereo_diarization.wav", 1, "The horizon seems extremely distant."),
    ],
)
async def test_recorded_speech(
    whisper: WhisperRecognizer, silero: SileroVad, name: str, channel: int | None, text: str
) -> None:
    audio = np.concatenate([shared_audio(name, channel=channel), silence(1.0)])
    events = await listen(Listener(whisper, silero, language="en"), pcm_chunks(audio))
    check_turn_order(events)
    said = heard(events)
    assert word_error_rate(text, said) <= 0.15, said


async def test_real_time_pacing(whisper: WhisperRecognizer, silero: SileroVad, sentences) -> None:
    """Fed at the microphone's pace, the final comes soon after the end of turn."""
    utterance: Utterance = sentences[0]
    audio = np.concatenate([silence(0.3), utterance.audio, silence(0.8)])
    listener = Listener(whisper, silero, language="en")
    stopped_at, final_at, partials = 0.0, 0.0, 0
    async for event in listener.run(frames_of(pcm_chunks(audio), pace_s=0.02)):
        partials += isinstance(event, PartialTranscript)
        if isinstance(event, SpeechStopped):
            stopped_at = time.perf_counter()
        elif isinstance(event, FinalTranscript):
            final_at = time.perf_counter()
            assert word_error_rate(utterance.text, event.text) <= 0.2
    assert stopped_at and final_at and partials
    print(f"end of turn -> final transcript: {final_at - stopped_at:.3f} s (wall clock)")
    assert final_at - stopped_at < 2.0  # generous: the machine is shared


@pytest.mark.parametrize("rate", [8_000, 44_100, 48_000])
async def test_other_sample_rates(
    whisper: WhisperRecognizer, silero: SileroVad, sentences, rate: int
) -> None:
    utterance = sentences[1]
    audio = np.concatenate([silence(0.3), utterance.audio, silence(0.8)])
    listener = Listener(whisper, silero, language="en", sample_rate=rate)
    events = await listen(listener, pcm_chunks(audio, rate=rate))
    finals = of(FinalTranscript, events)
    assert len(finals) == 1 and word_error_rate(utterance.text, finals[0].text) <= 0.2


async def test_float_frames_and_chosen_turn_ids(
    whisper: WhisperRecognizer, silero: SileroVad, sentences
) -> None:
    audio = np.concatenate([silence(0.3), sentences[2].audio, silence(0.8)])
    ids = iter(range(42, 100))
    listener = Listener(whisper, silero, language="en", new_turn_id=lambda: next(ids))

    async def frames() -> AsyncIterator[np.ndarray]:
        for i in range(0, audio.size, 320):
            yield audio[i : i + 320]

    events = [e async for e in listener.run(frames())]
    assert {e.turn_id for e in events if hasattr(e, "turn_id")} == {42}
    assert next(ids) == 43


async def test_push_to_talk_waits_for_end_turn(
    whisper: WhisperRecognizer, silero: SileroVad, sentences
) -> None:
    listener = Listener(whisper, silero, language="en", push_to_talk=True)
    speech = np.concatenate([silence(0.3), sentences[3].audio, silence(1.5)])

    async def frames() -> AsyncIterator[bytes]:
        for chunk in pcm_chunks(speech):
            yield chunk
        listener.end_turn()  # the button is released after 1.5 s of silence
        for chunk in pcm_chunks(silence(0.5)):
            yield chunk

    events = [e async for e in listener.run(frames())]
    stops = of(SpeechStopped, events)
    assert len(stops) == 1 and stops[0].decided_s == pytest.approx(speech.size / SR, abs=0.04)
    finals = of(FinalTranscript, events)
    assert word_error_rate(sentences[3].text, finals[0].text) <= 0.2


async def test_stream_ending_mid_turn_still_gives_a_final(
    whisper: WhisperRecognizer, silero: SileroVad, sentences
) -> None:
    audio = np.concatenate([silence(0.3), trimmed(sentences[4].audio)])
    events = await listen(Listener(whisper, silero, language="en"), pcm_chunks(audio))
    check_turn_order(events)
    assert len(of(FinalTranscript, events)) == 1


async def test_bad_audio_is_refused(whisper: WhisperRecognizer, silero: SileroVad) -> None:
    with pytest.raises(AudioFormatError, match="sample rate"):
        Listener(whisper, silero, sample_rate=4_000)
    with pytest.raises(AudioFormatError, match="even number of bytes"):
        await listen(Listener(whisper, silero), [b"\x00\x00" * 160, b"\x00" * 321])


@pytest.mark.parametrize("amplitude", [0.0, 0.05, 0.3])
async def test_silence_and_noise_make_no_turn(
    whisper: WhisperRecognizer, silero: SileroVad, amplitude: float
) -> None:
    noise = np.random.default_rng(1).normal(0, amplitude, 5 * SR).astype(np.float32)
    events = await listen(Listener(whisper, silero, language="en"), pcm_chunks(noise))
    assert not [e for e in of(FinalTranscript, events) if e.text]
    assert not of(SpeechStarted, events)


async def test_clipped_speech(whisper: WhisperRecognizer, silero: SileroVad, sentences) -> None:
    utterance = sentences[5]
    loud = np.clip(utterance.audio * 8, -1, 1)
    audio = np.concatenate([silence(0.3), loud, silence(0.8)])
    events = await listen(Listener(whisper, silero, language="en"), pcm_chunks(audio))
    finals = of(FinalTranscript, events)
    assert len(finals) == 1 and word_error_rate(utterance.text, finals[0].text) <= 0.3


async def test_long_monologue_is_cut_into_turns_with_bounded_memory(
    whisper: WhisperRecognizer, silero: SileroVad, sentences
) -> None:
    """Two minutes of talk with only short breaths: turns of at most max_turn_seconds."""
    pieces = [p for s in sentences for p in (trimmed(s.audio), silence(0.12))]
    audio = np.concatenate(pieces * 2)
    listener = Listener(whisper, silero, language="en", max_turn_seconds=8)
    held = []

    async def frames() -> AsyncIterator[bytes]:
        for chunk in pcm_chunks(audio):
            held.append(listener.buffered_s)
            yield chunk

    events = [e async for e in listener.run(frames())]
    check_turn_order(events)
    finals = of(FinalTranscript, events)
    assert len(finals) >= audio.size / SR / 8
    assert max(f.audio_s for f in finals) <= 8.0 + 1e-6
    assert max(held) <= 8.0 + 2.5
    reference = " ".join(s.text for s in sentences) * 2
    assert word_error_rate(reference, " ".join(f.text for f in finals)) <= 0.25


async def test_asr_is_called_once_at_a_time(silero: SileroVad, sentences) -> None:
    """A slow recognizer: partials are skipped, never overlapped, and finals still come."""

    class SlowAsr:
        capabilities = WhisperRecognizer.__dict__.get("capabilities")
        running = 0
        calls = 0

        def transcribe(self, audio, *, language=None, prompt=None):  # type: ignore[no-untyped-def]
            from npc.providers.base import Transcript

            SlowAsr.running += 1
            SlowAsr.calls += 1
            assert SlowAsr.running == 1
            time.sleep(0.3)
            SlowAsr.running -= 1
            return Transcript(f"{audio.size}", "en", 0.0)

    audio = np.concatenate([silence(0.3), sentences[6].audio, silence(0.8)] * 2)
    events = await listen(Listener(SlowAsr(), silero), pcm_chunks(audio), pace_s=0.002)
    check_turn_order(events)
    assert len(of(FinalTranscript, events)) == 2
    assert SlowAsr.calls < audio.size / SR / 0.4 + 4


async def test_each_asr_call_takes_its_turn_at_the_urgency_of_what_it_is_for(
    silero: SileroVad, sentences
) -> None:
    """Partials feed the read-ahead (LISTEN); the words of a pause and the final are what the
    player waits for (RESPOND). Every call runs inside the gate, none outside it."""
    gate = RecordingGate()
    inside: list[bool] = []

    class WatchedAsr:
        def transcribe(self, audio, *, language=None, prompt=None):  # type: ignore[no-untyped-def]
            inside.append(gate.inside)
            return Transcript("words", "en", 0.0)

    audio = np.concatenate([silence(0.3), sentences[6].audio, silence(0.8)])
    listener = Listener(WatchedAsr(), silero, gate=gate, partial_interval_ms=300)
    events = await listen(listener, pcm_chunks(audio), pace_s=0.002)
    assert of(FinalTranscript, events) and inside and all(inside)
    levels = [u.level for u in gate.units]
    assert Level.LISTEN in levels and levels[-1] is Level.RESPOND
    assert len(levels) == len(inside)


async def test_consumer_may_stop_early(whisper: WhisperRecognizer, silero: SileroVad, sentences):
    audio = np.concatenate([silence(0.3), sentences[7].audio, silence(0.8)])
    async for event in Listener(whisper, silero, language="en").run(frames_of(pcm_chunks(audio))):
        if isinstance(event, SpeechStarted):
            break
    await asyncio.sleep(0)
