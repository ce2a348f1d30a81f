"""The IPA -> viseme table."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from npc.assets import BUNDLED
from npc.visemes import PHONEME_VISEMES, VISEMES, symbol_kind, viseme_for


def test_the_fifteen_oculus_visemes() -> None:
    assert VISEMES == (
        "sil", "PP", "FF", "TH", "DD", "kk", "CH", "SS", "nn", "RR", "aa", "E", "ih", "oh", "ou",
    )  # fmt: skip
    assert set(PHONEME_VISEMES.values()) <= set(VISEMES)


@pytest.mark.parametrize(
    ("phonemes", "viseme"),
    [
        ("p b m", "PP"),
        ("f v", "FF"),
        ("θ ð", "TH"),
        ("t d ɾ", "DD"),
        ("k g ɡ ŋ", "kk"),
        ("tʃ dʒ ʃ ʒ", "CH"),
        ("s z", "SS"),
        ("n l ɫ", "nn"),
        ("r ɹ ɚ ɝ", "RR"),
        ("a ɑ æ ʌ ɐ aɪ aʊ", "aa"),
        ("e ɛ ə ɜ eɪ", "E"),
        ("i ɪ ᵻ j", "ih"),
        ("o ɔ ɒ oʊ ɔɪ", "oh"),
        ("u ʊ w", "ou"),
        (". , ! ? ; : ^ $ _", "sil"),
    ],
)
def test_examples(phonemes: str, viseme: str) -> None:
    for phoneme in phonemes.split():
        assert viseme_for(phoneme) == viseme, phoneme


@pytest.mark.parametrize(
    ("phoneme", "kind"),
    [
        *[("ˈ", "prefix"), ("ˌ", "prefix"), ("h", "prefix"), ("ː", "suffix"), ("ʔ", "suffix")],
        *[("\u0329", "suffix"), ("\u0303", "suffix"), ("ʲ", "suffix"), (" ", "boundary")],
        *[("a", "shape"), (".", "shape"), ("☃", "shape")],
    ],
)
def test_modifier_kinds(phoneme: str, kind: str) -> None:
    assert symbol_kind(phoneme) == kind


@pytest.mark.parametrize(
    ("phoneme", "viseme"),
    [
        *[("n̩", "nn"), ("l̩", "nn"), ("ɑ̃", "aa"), ("ˈa", "aa"), ("iː", "ih"), ("tʰ", "DD")],
        *[("ɔ̃ː", "oh"), ("B", "PP"), ("☃", "sil"), ("", "sil")],
    ],
)
def test_combined_and_unknown_symbols(phoneme: str, viseme: str) -> None:
    assert viseme_for(phoneme) == viseme


def test_every_symbol_of_the_bundled_voice_is_handled() -> None:
    """Each symbol the voice knows is a shape with a viseme, a modifier or a pause."""
    config_part = BUNDLED["en_US-joe-medium"].extra[0]
    id_map = json.loads(config_part.locate().read_text(encoding="utf-8"))["phoneme_id_map"]
    silent_shapes = {ch for ch in ".,;:!?-\"'()^$_#" if ch in id_map} | set("0123456789")
    for symbol in id_map:
        kind = symbol_kind(symbol)
        if kind != "shape" or symbol in silent_shapes:
            continue
        assert viseme_for(symbol) != "sil", f"{symbol!r} (U+{ord(symbol[0]):04X}) has no shape"


@given(st.text(max_size=6))
def test_never_raises(phoneme: str) -> None:
    assert viseme_for(phoneme) in VISEMES
    assert symbol_kind(phoneme) in {"shape", "prefix", "suffix", "boundary"}
