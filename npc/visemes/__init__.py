"""Mouth shapes for speech: espeak-ng IPA phonemes -> the 15 Oculus/OVR visemes, timed.

Pure functions, no I/O. ``viseme_track`` turns a chunk's phoneme timings into ``Viseme``
events that cover the chunk exactly; ``viseme_weights`` samples such a track into per-frame
blend weights. The table and its reasoning are in ``docs/visemes.md``.
"""

from npc.visemes.frames import as_vector, viseme_weights
from npc.visemes.table import PHONEME_VISEMES, SILENCE, VISEMES, symbol_kind, viseme_for
from npc.visemes.track import viseme_track

__all__ = [
    "PHONEME_VISEMES",
    "SILENCE",
    "VISEMES",
    "as_vector",
    "symbol_kind",
    "viseme_for",
    "viseme_track",
    "viseme_weights",
]
