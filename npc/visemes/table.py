"""Which mouth shape (Oculus/OVR viseme) each espeak-ng IPA symbol makes.

Piper's English voices emit one IPA code point per phoneme (``t`` ``ʃ`` for "ch", ``a`` ``ɪ``
for "eye"), plus stress marks, length marks, diacritics, word spaces and punctuation. Voices
with vowel clusters emit multi-character phonemes (``aɪ``); both shapes are handled here.

Symbols fall into three kinds:

- *shapes*: map straight to a viseme (``PHONEME_VISEMES``);
- *modifiers*: have no shape of their own and lend their time to a neighbour
  (``PREFIX``: the following phoneme, ``SUFFIX``: the preceding one, ``BOUNDARY``: both);
- anything else: the shape of its first known character, or ``sil``.
"""

from __future__ import annotations

import unicodedata
from typing import Final, Literal

VISEMES: Final[tuple[str, ...]] = (
    "sil",
    "PP",
    "FF",
    "TH",
    "DD",
    "kk",
    "CH",
    "SS",
    "nn",
    "RR",
    "aa",
    "E",
    "ih",
    "oh",
    "ou",
)
"""The 15 Oculus/OVR visemes, in the order their blendshapes are usually numbered."""

SILENCE: Final = "sil"

_GROUPS: Final[dict[str, str]] = {
    # lips closed
    "PP": "p b m ɓ ʙ β ɸ ʘ",
    # lower lip to upper teeth
    "FF": "f v ɱ ʋ ⱱ",
    # tongue between the teeth
    "TH": "θ ð",
    # tongue tip on the ridge; the flap of American "butter"
    "DD": "t d ɾ ʈ ɖ ɗ ɽ ʇ",
    # back of the tongue; velar nasal of "sing"
    "kk": "k g ɡ ŋ c ɟ ʄ q ɢ x ɣ χ ʁ ɠ ʛ ɴ ɰ ʕ ħ ʜ ʢ ʡ ǂ ǁ ǃ",
    # lips pushed out: "she", "measure", "church", "judge"
    "CH": "ʃ ʒ ɕ ʑ ʂ ʐ ç ʝ ɧ tʃ dʒ tɕ dʑ",
    "SS": "s z ts dz",
    # tongue up, mouth a little open: "no", "low"; syllabic n/l
    "nn": "n l ɫ ɲ ɳ ɭ ʎ ʟ ɬ ɮ ɺ ǀ",
    # American r, and the r-coloured vowels of "butter" and "bird"
    "RR": "r ɹ ɻ ʀ ɚ ɝ ɹ̩",
    # open vowels: "father", "cat", "cup", "about"
    "aa": "a ɑ æ ɐ ʌ ɶ aɪ aʊ aɪə aʊə",
    # mid front and central vowels: "bed", "the", "bird" (non-rhotic)
    "E": "e ɛ ə ɜ ɘ ɞ ε eɪ eə ɛə",
    # close front vowels and the glide of "yes"
    "ih": "i ɪ ɨ ᵻ j ɪə iə",
    # mid back rounded vowels: "law", "go", "lot" (British)
    "oh": "o ɔ ɒ ɤ ɵ oʊ əʊ ɔɪ ɔː",
    # close rounded vowels and the glide of "we"
    "ou": "u ʊ ʉ ɯ w ʍ y ʏ ø œ ɥ ʊə",
}

PHONEME_VISEMES: Final[dict[str, str]] = {
    symbol: viseme for viseme, symbols in _GROUPS.items() for symbol in symbols.split()
}
"""IPA symbol (one or more code points) -> viseme."""

AFFRICATES: Final[frozenset[str]] = frozenset({"tʃ", "dʒ", "ts", "dz", "tɕ", "dʑ"})
"""Stop + fricative pairs that piper emits as two phonemes but the mouth makes as one shape."""

PUNCTUATION: Final[frozenset[str]] = frozenset(".,;:!?¡¿-–—…\"'()[]{}«»“”‘’_^$#|‖")
"""Pauses, and piper's pad (_), sentence start (^) and end ($) markers: the mouth at rest."""

STRESS: Final[frozenset[str]] = frozenset("ˈˌ")
PREFIX: Final[frozenset[str]] = STRESS | frozenset("hɦ")
"""Stress marks, and /h/ (the mouth already takes the following vowel's shape)."""

SUFFIX: Final[frozenset[str]] = frozenset(
    "ːˑ˞"
    + "ʰʲʷˠˤⁿˡ"
    + "ʔ"
    + "↓↑˥˦˧˨˩"
    + "\u0303\u0329\u032a\u032f\u0327\u0325\u0324\u0330\u031a\u0361"
)
"""Length, secondary articulation, the glottal stop (a held mouth), tone and combining marks."""

BOUNDARY: Final[frozenset[str]] = frozenset(" \t\n")
"""Word boundaries: the transition from one word to the next, shared by both neighbours."""

Kind = Literal["shape", "prefix", "suffix", "boundary"]


def symbol_kind(phoneme: str) -> Kind:
    """Whether ``phoneme`` has a mouth shape of its own or lends its time to a neighbour."""
    if phoneme in PHONEME_VISEMES or phoneme in PUNCTUATION:
        return "shape"
    if phoneme and all(ch in BOUNDARY for ch in phoneme):
        return "boundary"
    if phoneme and all(ch in PREFIX for ch in phoneme):
        return "prefix"
    if phoneme and all(ch in SUFFIX or _is_combining(ch) for ch in phoneme):
        return "suffix"
    return "shape"


def viseme_for(phoneme: str) -> str:
    """The viseme for one IPA phoneme; never raises (unknown symbols give ``sil``).

    Multi-character phonemes are looked up whole, then without modifiers (``ɑ̃`` -> ``ɑ``,
    ``n̩`` -> ``n``), then by their first character that has a shape.
    """
    found = PHONEME_VISEMES.get(phoneme)
    if found is not None:
        return found
    if phoneme in PUNCTUATION:
        return SILENCE
    base = "".join(ch for ch in phoneme if not _is_modifier(ch))
    found = PHONEME_VISEMES.get(base) or PHONEME_VISEMES.get(unicodedata.normalize("NFC", base))
    if found is not None:
        return found
    for ch in unicodedata.normalize("NFD", base):
        found = PHONEME_VISEMES.get(ch)
        if found is not None:
            return found
        # Latin letters outside the IPA set (piper's map has them): their IPA reading.
        found = PHONEME_VISEMES.get(ch.lower())
        if found is not None:
            return found
    return SILENCE


def _is_combining(ch: str) -> bool:
    return unicodedata.combining(ch) != 0


def _is_modifier(ch: str) -> bool:
    return ch in STRESS or ch in SUFFIX or ch in BOUNDARY or _is_combining(ch)
