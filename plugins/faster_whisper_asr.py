"""Speech recognition with faster-whisper (CTranslate2 Whisper models, int8 on the CPU).

Tuned for short conversational turns: the language is given (no detection pass), greedy
decoding at temperature 0 with no fallback, no timestamps, no conditioning on earlier text
and no built-in VAD (the listener already cut the turn).

Whisper pads every clip to 30 s, and on a small CPU the encoder's pass over those 30 s is
most of the cost of a short turn (tiny.en: ~0.4 s of ~0.5 s for a 3 s clip). With
``fit_window`` (the default) the encoder only sees the clip plus ``FIT_PAD_S`` of silence,
which CTranslate2 accepts; that is 3-5x faster with the same words on our test speech. A
clipped window often makes Whisper say the clip twice ("Where's the storage room? Where's
the storage room"): the echo is cut off. A result that still runs to its length limit or
repeats itself (three words recur, or one word is all it says, twice or more: "Yes. Yes."
for "Yes.") is redone with the full 30 s window (~0.6 s on 2 cores).
"""

from __future__ import annotations

import re
import threading
import zlib
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from npc.errors import ModelLoadError, ProviderError
from npc.providers.base import ASR_SAMPLE_RATE, Capabilities, Transcript
from npc.providers.registry import ProviderContext

FIT_PAD_S = 1.0  # silence after the clip; less made Whisper loop more (its repeats are cut now)
FIT_MAX_S = 25.0  # longer clips use the normal 30 s window
TOKENS_PER_S = 8  # generous: fast speech is ~5 tokens a second
MAX_COMPRESSION = 2.4  # faster-whisper's threshold for "this text repeats itself"
NO_SPEECH, MIN_LOGPROB = 0.6, -1.0  # faster-whisper's defaults for dropping silence


class WhisperRecognizer:
    """A Whisper model loaded once and shared; calls are serialised by a lock."""

    def __init__(
        self,
        path: Path,
        *,
        threads: int = 2,
        compute_type: str = "int8",
        fit_window: bool = True,
    ) -> None:
        from faster_whisper import WhisperModel

        try:
            self._model: Any = WhisperModel(
                str(path), device="cpu", compute_type=compute_type, cpu_threads=threads
            )
        except Exception as exc:  # CTranslate2 raises RuntimeError/ValueError for bad folders
            raise ModelLoadError(f"cannot load the Whisper model in {path}: {exc}") from exc
        # CTranslate2 queues concurrent calls anyway; the lock also guards faster-whisper's
        # Python-side feature extractor, which keeps per-call state on the instance.
        self._lock = threading.Lock()
        self.fit_window = fit_window
        multilingual = bool(self._model.model.is_multilingual)
        self._multilingual = multilingual
        self.capabilities = Capabilities(
            streaming=False,
            languages=() if multilingual else ("en",),
            sample_rate=ASR_SAMPLE_RATE,
        )

    @classmethod
    def from_context(cls, ctx: ProviderContext) -> WhisperRecognizer:
        """Registry factory: the resolved model folder and ``settings.asr.threads``."""
        if ctx.model is None:
            raise ModelLoadError("the faster-whisper provider needs a model folder")
        return cls(ctx.model.path, threads=ctx.settings.asr.threads)

    def transcribe(
        self, audio: NDArray[np.float32], *, language: str | None = None, prompt: str | None = None
    ) -> Transcript:
        """Text of ``audio`` (16 kHz mono float32); an empty clip gives an empty transcript."""
        audio = np.asarray(audio, dtype=np.float32)
        if self.capabilities.languages:
            language = self.capabilities.languages[0]  # an English-only model: say so, quietly
        if audio.size == 0:
            return Transcript("", language or "", 1.0)
        try:
            with self._lock:
                if self.fit_window and audio.size <= FIT_MAX_S * ASR_SAMPLE_RATE:
                    fitted = self._transcribe_fitted(audio, language or "en", prompt)
                    if fitted is not None:
                        return fitted
                segments, info = self._model.transcribe(
                    audio,
                    language=language,
                    beam_size=1,
                    temperature=0,
                    without_timestamps=True,
                    condition_on_previous_text=False,
                    vad_filter=False,
                    initial_prompt=prompt or None,
                )
                found = list(segments)  # decoding happens while iterating
        except Exception as exc:  # CTranslate2 errors are untyped
            raise ProviderError(f"Whisper failed to transcribe: {exc}", retryable=True) from exc
        text = " ".join(s.text.strip() for s in found if s.text.strip())
        if _loops(text):  # greedy decoding at temperature 0 can loop here too: "w-w-w-w-..."
            text = _collapse_repeats(text)
        # One 30 s window holds a whole turn, so its segments share one no-speech estimate.
        no_speech = min((s.no_speech_prob for s in found), default=1.0)
        return Transcript(text, info.language, float(no_speech))

    def _transcribe_fitted(
        self, audio: NDArray[np.float32], language: str, prompt: str | None
    ) -> Transcript | None:
        """Encode only the clip (plus padding); None when the result looks like a loop."""
        import ctranslate2
        from faster_whisper.tokenizer import Tokenizer
        from faster_whisper.transcribe import get_suppressed_tokens

        model = self._model
        tokenizer = Tokenizer(
            model.hf_tokenizer, self._multilingual, task="transcribe", language=language
        )
        features = model.feature_extractor(audio)
        frames = min(features.shape[-1] + int(FIT_PAD_S * 100), 3000)
        features = np.pad(features, ((0, 0), (0, frames - features.shape[-1])))[:, :frames]
        encoded = model.model.encode(
            ctranslate2.StorageView.from_array(np.ascontiguousarray(features[None]))
        )
        tokens: list[int] = []
        if prompt:
            tokens = [tokenizer.sot_prev, *tokenizer.encode(" " + prompt.strip())[-200:]]
        tokens += [*tokenizer.sot_sequence, tokenizer.no_timestamps]
        budget = 12 + int(TOKENS_PER_S * audio.size / ASR_SAMPLE_RATE)
        result = model.model.generate(
            encoded,
            [tokens],
            beam_size=1,
            max_length=min(len(tokens) + budget, model.max_length),
            return_no_speech_prob=True,
            return_scores=True,
            suppress_blank=True,
            suppress_tokens=get_suppressed_tokens(tokenizer, [-1]),
        )[0]
        ids = [t for t in result.sequences_ids[0] if t < tokenizer.eot]
        said = tokenizer.decode(ids).strip()
        text = _without_echo(said)
        # Takes of the clip said over and over can run out the token budget; the first
        # take is still the transcript (the 30 s window costs 0.5 s more to find it).
        if (len(ids) >= budget - 1 and text == said) or _loops(text) or _one_word_twice(text):
            return None
        no_speech = float(result.no_speech_prob)
        # faster-whisper's own rule: likely silence, and the words are not confident
        avg_logprob = result.scores[0] * len(ids) / (len(ids) + 1)
        if no_speech > NO_SPEECH and avg_logprob < MIN_LOGPROB:
            text = ""
        return Transcript(text, language, no_speech)


def _without_echo(text: str) -> str:
    """``text`` without further takes of itself: "Can you pass this? Can you pass this" ->
    "Can you pass this?" (a take of two words or more, said again from its start at least
    two words long, once or several times, the last one possibly cut off)."""
    words = text.split()
    plain = [re.sub(r"[^\w']+", "", w.lower()) for w in words]
    last = len(words) - 1
    for take in range(2, last):
        if all(plain[i] == plain[i - take] for i in range(take, last)) and plain[
            last - take
        ].startswith(plain[last]):  # the last word may be cut off too: "Where's" -> "Where"
            return " ".join(words[:take])
    return text


def _one_word_twice(text: str) -> bool:
    """One word said over and over ("Please please", "Yes. Yes."): the fitted window's echo
    of a one-word clip, or a real "no no"; only the 30 s window tells them apart."""
    words = re.sub(r"[^\w' ]+", " ", text.lower()).split()
    return len(words) >= 2 and len(set(words)) == 1


def _collapse_repeats(text: str) -> str:
    """Runs of one piece said four times or more, said once: "so w-w-w-w-w" -> "so w-w"."""
    return re.sub(r"(.{1,30}?)\1{3,}", r"\1", text)


def _loops(text: str) -> bool:
    """Whisper is repeating itself: the text compresses too well, or three words recur."""
    data = text.encode()
    if data and len(data) / len(zlib.compress(data)) > MAX_COMPRESSION:
        return True
    words = re.sub(r"[^\w' ]+", " ", text.lower()).split()
    triples = list(zip(words, words[1:], words[2:], strict=False))
    return len(set(triples)) < len(triples)
