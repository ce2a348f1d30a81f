"""Speech synthesis with piper (VITS voices, ONNX), with phoneme timings for lip sync.

Piper only reports how long each phoneme lasts when the voice's ONNX graph exposes its
duration tensor (``Ceil``). We mark that tensor as an output in memory with the ``onnx``
package, as ``piper.patch_voice_with_alignment`` does on disk, so the installed voice file is
never rewritten.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from npc.errors import ModelLoadError, ProviderError
from npc.providers.base import Capabilities, Control, PhonemeTiming, SynthesizedSpeech
from npc.providers.registry import ProviderContext

_LOG = logging.getLogger(__name__)

MAX_PIECE_CHARS = 400  # longer run-on sentences are cut at a comma or space
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|(?<=[.!?…][\"')\]”’])\s+|\n\s*\n")
_ABBREVIATIONS = frozenset(
    ["mr.", "mrs.", "ms.", "dr.", "st.", "mt.", "jr.", "sr.", "prof.", "vs.", "e.g.", "i.e."]
)
_CLAUSE_END = re.compile(r"[,;:]\s")


class PiperSynthesizer:
    """A piper voice loaded once, yielding one ``SynthesizedSpeech`` per sentence.

    Safe to share between threads: onnxruntime sessions accept concurrent ``run`` calls, and
    piper serialises its espeak-ng phonemizer with its own lock.
    """

    capabilities: Capabilities

    def __init__(self, model_path: str | Path, *, config_path: str | Path | None = None) -> None:
        """Load the voice at ``model_path`` (``.onnx``, its ``.onnx.json`` beside it)."""
        model_path = Path(model_path)
        config = Path(config_path) if config_path is not None else Path(f"{model_path}.json")
        for path, what in ((model_path, "voice model"), (config, "voice config")):
            if not path.is_file():
                raise ModelLoadError(
                    f"piper {what} {path} does not exist; a piper voice is a .onnx file "
                    f"with its .onnx.json config beside it"
                )
        self._voice = _load_with_alignments(model_path, config)
        voice_config = self._voice.config
        self.sample_rate: int = int(voice_config.sample_rate)
        self._length_scale = float(voice_config.length_scale)
        language = str(voice_config.espeak_voice).split("-")[0]
        self.capabilities = Capabilities(
            streaming=False, languages=(language,), sample_rate=self.sample_rate
        )

    @classmethod
    def from_context(cls, ctx: ProviderContext) -> PiperSynthesizer:
        """Build from the registry: the tts model resolved by ``npc.assets``."""
        if ctx.model is None:
            raise ModelLoadError("the piper provider needs a tts model; none was resolved")
        configs = [p for p in ctx.model.extra if p.name.endswith(".onnx.json")]
        return cls(ctx.model.path, config_path=configs[0] if configs else None)

    def synthesize(
        self, text: str, *, rate: float = 1.0, control: Control | None = None
    ) -> Iterator[SynthesizedSpeech]:
        """Speak ``text`` a sentence at a time; ``rate`` 2.0 is twice as fast as the voice.
        Once ``control`` is cancelled the sentence being synthesized is stopped within
        ``WATCH_S`` (a long one takes about a second) and nothing more is said."""
        if not rate > 0:
            raise ValueError(f"rate must be positive, got {rate}")
        from piper import SynthesisConfig

        syn_config = SynthesisConfig(length_scale=self._length_scale / rate)
        for piece in split_sentences(text):
            if control is not None and control.cancelled:
                return
            speech = self._synthesize_piece(piece, syn_config, control)
            if speech is not None:
                yield speech

    def _synthesize_piece(
        self, text: str, syn_config: Any, control: Control | None
    ) -> SynthesizedSpeech | None:
        # Piper may split a piece further (it cuts at "Dr."): join its chunks so that each
        # result carries exactly the text it speaks.
        pcm = bytearray()
        timings: list[PhonemeTiming] = []
        try:
            with self._stoppable(control):
                for chunk in self._voice.synthesize(text, syn_config, include_alignments=True):
                    audio: bytes = chunk.audio_int16_bytes
                    pcm += audio
                    timings += _chunk_timings(chunk, len(audio) // 2)
        except Exception as exc:  # onnxruntime and espeak raise their own types
            if control is not None and control.cancelled:
                return None  # stopped on purpose (onnxruntime's terminate flag)
            raise ProviderError(f"piper could not synthesize {text[:60]!r}: {exc}") from exc
        if not pcm:
            return None
        return SynthesizedSpeech(bytes(pcm), self.sample_rate, text, tuple(timings))

    @contextmanager
    def _stoppable(self, control: Control | None) -> Iterator[None]:
        """Runs of the voice's model on this thread can be stopped by ``control``."""
        session = self._voice.session
        if control is None or not isinstance(session, _StoppableSession):
            yield
            return
        import onnxruntime

        options = onnxruntime.RunOptions()
        session.local.options = options
        try:
            with _WATCHER.watch(control, options):
                yield
        finally:
            session.local.options = None


def split_sentences(text: str, max_chars: int = MAX_PIECE_CHARS) -> list[str]:
    """Sentences of ``text`` (blank ones dropped), run-ons cut to at most ``max_chars``."""
    pieces: list[str] = []
    for sentence in _sentences(text):
        sentence = " ".join(sentence.split())
        while len(sentence) > max_chars:
            cut = _last_break(sentence, max_chars)
            pieces.append(sentence[:cut].strip())
            sentence = sentence[cut:].strip()
        if sentence:
            pieces.append(sentence)
    return [p for p in pieces if p]


def _sentences(text: str) -> Iterator[str]:
    start = 0
    for end in _SENTENCE_END.finditer(text):
        words = text[max(start, end.start() - 40) : end.start()].split()
        word = words[-1].lstrip("\"'(“‘") if words else ""
        if word.lower() in _ABBREVIATIONS or re.fullmatch(r"[A-Z]\.", word):
            continue  # "Dr. Smith", "J. R. R. Tolkien": one sentence
        yield text[start : end.start()]
        start = end.end()
    yield text[start:]


def _last_break(sentence: str, max_chars: int) -> int:
    """Where to cut a run-on: after the last comma, else the last space, else hard."""
    window = sentence[: max_chars + 1]
    commas = [m.end() for m in _CLAUSE_END.finditer(window)]
    if commas and commas[-1] > max_chars // 2:
        return commas[-1]
    space = window.rfind(" ")
    return space if space > 0 else max_chars


def _chunk_timings(chunk: Any, num_samples: int) -> list[PhonemeTiming]:
    """Phoneme timings of one piper chunk, summing exactly to ``num_samples``."""
    alignments = chunk.phoneme_alignments
    if alignments:
        timings = [PhonemeTiming(a.phoneme, int(a.num_samples)) for a in alignments]
    else:
        # Piper drops alignments when a phoneme has no id in the voice; spread evenly.
        _LOG.warning("piper gave no alignments for %r; timing phonemes evenly", chunk.phonemes)
        phonemes = list(chunk.phonemes) or [" "]
        share, extra = divmod(num_samples, len(phonemes))
        timings = [PhonemeTiming(p, share + (i < extra)) for i, p in enumerate(phonemes)]
    return _fit(timings, num_samples)


def _fit(timings: list[PhonemeTiming], num_samples: int) -> list[PhonemeTiming]:
    """Absorb any rounding difference at the end, so the counts add up to the audio."""
    excess = sum(t.samples for t in timings) - num_samples
    out = list(timings)
    i = len(out) - 1
    while excess > 0 and i >= 0:  # too long: trim from the end
        cut = min(excess, out[i].samples)
        out[i] = PhonemeTiming(out[i].phoneme, out[i].samples - cut)
        excess -= cut
        i -= 1
    if excess < 0:  # too short: the last phoneme (end of sentence) lasts longer
        out[-1] = PhonemeTiming(out[-1].phoneme, out[-1].samples - excess)
    return out


def _load_with_alignments(model_path: Path, config_path: Path) -> Any:
    """Load the voice with its duration tensor exposed, or say why that is impossible."""
    try:
        import onnx
        import onnxruntime
        from piper import PiperVoice
        from piper.config import PiperConfig
        from piper.patch_voice_with_alignment import add_alignment_output
    except ImportError as exc:
        raise ModelLoadError(
            f"piper with alignments needs piper-tts and onnx ({exc}); "
            f"install them with: pip install 'piper-tts[alignment]'"
        ) from exc
    try:
        config = PiperConfig.from_dict(json.loads(config_path.read_text(encoding="utf-8")))
    except (ValueError, KeyError, TypeError) as exc:
        raise ModelLoadError(
            f"{config_path} is not a piper voice config ({exc!r}); use the .onnx.json "
            f"published with the voice"
        ) from exc
    try:
        model = onnx.load(str(model_path))
        if len(model.graph.output) < 2:  # not patched on disk already
            add_alignment_output(model)
        session = onnxruntime.InferenceSession(
            model.SerializeToString(), providers=["CPUExecutionProvider"]
        )
    except ValueError as exc:  # no single Ceil tensor: not a VITS duration graph we know
        raise ModelLoadError(
            f"the piper voice {model_path} exposes no phoneme durations ({exc}), so visemes "
            f"cannot be timed; use a piper VITS voice exported by piper's own training code"
        ) from exc
    except Exception as exc:  # onnx/onnxruntime raise their own types for bad files
        raise ModelLoadError(f"could not load the piper voice {model_path}: {exc}") from exc
    if len(session.get_outputs()) < 2:
        raise ModelLoadError(f"the piper voice {model_path} has no duration output after patching")
    return PiperVoice(session=_StoppableSession(session), config=config)


WATCH_S = 0.01  # how often cancelled sentences are looked for


class _StoppableSession:
    """An onnxruntime session whose runs take the ``RunOptions`` set for the calling thread
    (piper calls ``run`` itself and passes none): setting their ``terminate`` flag from
    another thread stops a run mid-way."""

    def __init__(self, session: Any) -> None:
        self._session = session
        self.local = threading.local()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._session, name)

    def run(self, output_names: Any, input_feed: Any, run_options: Any = None) -> Any:
        options = getattr(self.local, "options", None) or run_options
        return self._session.run(output_names, input_feed, options)


class _Watcher:
    """One thread, running only while some sentence is watched, that sets the terminate flag
    of each run whose work was cancelled."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._watched: dict[int, tuple[Control, Any]] = {}
        self._thread: threading.Thread | None = None

    @contextmanager
    def watch(self, control: Control, options: Any) -> Iterator[None]:
        with self._lock:
            self._watched[id(options)] = (control, options)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="piper-stop", daemon=True)
                self._thread.start()
        try:
            yield
        finally:
            with self._lock:
                self._watched.pop(id(options), None)

    def _run(self) -> None:
        while True:
            time.sleep(WATCH_S)
            with self._lock:
                if not self._watched:
                    self._thread = None
                    return
                watched = list(self._watched.values())
            for control, options in watched:
                if control.cancelled:
                    options.terminate = True


_WATCHER = _Watcher()
