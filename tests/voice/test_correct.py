"""The vocabulary correction: the sheet's words put back by sound, real words left alone."""

from __future__ import annotations

import time

import pytest

from npc.character.loader import load_sheet
from npc.voice.correct import (
    Change,
    VocabularyCorrector,
    common_words,
    sound_distance,
    sound_key,
)
from npc.voice.vocabulary import Vocabulary
from tests.conftest import CHARACTERS

# Jin's words, and "noodles" as a menu item would be.
JIN = VocabularyCorrector([*Vocabulary.of(load_sheet(CHARACTERS / "jin.yaml")).terms, "noodles"])


@pytest.mark.parametrize(
    ("heard", "corrected"),
    [
        # The mishearings seen on the listening bench and in the issue.
        ("One tumkatu at table two, please.", "One tonkotsu at table two, please."),
        ("I'll have the spicy tantrum in tonight.", "I'll have the spicy tantanmen tonight."),
        ("Where is Micah tonight?", "Where is Mika tonight?"),
        ("One ton of katsu please.", "One tonkotsu please."),
        ("Well, I think I'll have the shoy,", "Well, I think I'll have the shoyu,"),
        ("Why does Mr. Soto keep coming back?", "Why does Mr. Sato keep coming back?"),
        ("Did your grandmother, Hari, teach you?", "Did your grandmother, Haru, teach you?"),
        ("Is the miso from a Kato?", "Is the miso from Hokkaido?"),
        ("Tumkatu for me.", "Tonkotsu for me."),  # a sentence's first word keeps its capital
    ],
)
def test_misheard_sheet_words_are_put_back(heard: str, corrected: str) -> None:
    assert JIN.correct(heard) == corrected


@pytest.mark.parametrize(
    "heard",
    [
        "I need a short break.",  # "short" for "shoyu": a common word is never changed
        "Give me the needle.",  # "needle" sounds one sound short of "noodles"
        "A bowl of needles.",  # sounds exactly like "noodles", but a real word: left as heard
        "Make me so happy.",  # "me so" sounds like "miso": two common words stay
        "See you on Thursday.",  # near "Tuesday"
        "I love noodles.",  # already right
        "Make me a soy ramen.",  # "soy" is one of the vocabulary's own words (soy sauce)
        "Is the ajitama egg still jammy?",  # "jammy" is longer than "Jin": not cut to it
        "Tell me about the weather.",
        "",
    ],
)
def test_ordinary_words_are_left_alone(heard: str) -> None:
    assert JIN.changes(heard) == (heard, [])


def test_each_change_says_what_was_heard_and_how_far() -> None:
    text, changes = JIN.changes("One tumkatu and a Micah special.")
    assert text == "One tonkotsu and a Mika special."
    assert changes == [Change("tumkatu", "tonkotsu", 1.0), Change("Micah", "Mika", 0.0)]


def test_runs_stop_at_punctuation() -> None:
    """Words across a comma or a full stop are never one run."""
    assert JIN.correct("I want a ton. Of katsu, none.") == "I want a ton. Of katsu, none."
    assert JIN.correct("I want a ton of katsu, none.") == "I want a tonkotsu, none."


def test_rarer_real_words_are_not_protected() -> None:
    """Only the common-word list protects a word: a rarer one that sounds like the menu
    is changed (the price of "tantrum in" -> "tantanmen")."""
    assert JIN.correct("What a tantrum.") == "What a tantanmen."


def test_a_multi_word_entry_gives_its_uncommon_words() -> None:
    corrector = VocabularyCorrector(["spicy tantanmen", "Mr. Sato", "front door"])
    assert corrector.entries == ("spicy tantanmen", "tantanmen", "Mr. Sato", "Sato", "front door")


def test_no_vocabulary_changes_nothing() -> None:
    assert VocabularyCorrector([]).changes("One tumkatu please.") == ("One tumkatu please.", [])


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("tonkotsu", "TVNKVTSV"),
        ("tumkatu", "TVNKVTV"),
        ("tantrum in", "TVNTRVNVN"),
        ("Mika", "NVKV"),
        ("Micah", "NVKV"),
        ("shoyu", "XVYV"),
        ("kitchen", "KVXVN"),
        ("noodles", "NVTLS"),
        ("table 2", "TVPLTWV"),  # digits spelled: "table two"
        ("Kowloon-9", "KVLVNVN"),  # "n n" across words said once
    ],
)
def test_sound_keys(text: str, key: str) -> None:
    assert sound_key(text) == key


def test_sound_distance_counts_vowels_and_near_sounds_half() -> None:
    assert sound_distance("TVNKVTSV", "TVNKVTSV") == 0
    assert sound_distance("XVYV", "XVY") == 0.5  # a vowel
    assert sound_distance("RV", "LV") == 0.5  # r / l
    assert sound_distance("TVN", "KVN") == 1
    assert sound_distance("TVNKVTSV", "PVL", bound=1.0) > 1.0  # stops early, still too far


def test_the_common_word_list_is_shipped_and_plain() -> None:
    words = common_words()
    assert 10_000 < len(words) < 20_000
    assert {"short", "needle", "thursday", "the", "a"} <= words
    assert not {"tonkotsu", "shoyu", "micah", "tantrum", "tant"} & words


def test_a_transcript_is_corrected_well_under_a_millisecond() -> None:
    """Not a benchmark (bench/listen_correct.py times it): a guard against a slip into
    something quadratic, with a hundredfold margin."""
    corrector = VocabularyCorrector(Vocabulary.of(load_sheet(CHARACTERS / "jin.yaml")).terms)
    line = "Just tets you will sit and tangle one at table two every night, says Micah."
    start = time.perf_counter()
    for i in range(20):
        corrector.correct(f"{line} {i}")
    assert (time.perf_counter() - start) / 20 < 0.1
