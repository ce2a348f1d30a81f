"""Putting the character's words back into a transcript, by sound.

Whisper tiny.en writes a word it does not know as words it does: "tonkotsu" -> "tumkatu",
"tantanmen" -> "tantrum in", "Mika" -> "Micah". ``VocabularyCorrector`` compares each run
of one to three heard words with the vocabulary's entries by a sound key and replaces a run
that sounds close enough by the entry. Pure text, no model: well under a millisecond a
transcript (docs/benchmarks.md, "Listening").

The sound key: letters mapped to sound classes (b/p, d/t/th, k/c/g/q, f/v/ph, s/z/soft c,
sh/ch/j, m/n/ng, l, r, w and y before a vowel), each vowel group one ``V``, repeats merged,
silent h and final e dropped. Keys are compared with an edit distance in which vowels and
near sounds (r/l, s/sh, p/f) cost half.

Real words are guarded, because Whisper mostly writes real words and most of them are
right. A heard run is changed only when

* no word of it is one of the vocabulary's own words (or its plural or singular: "noodles"
  stays beside "Neon Noodle");
* not every word of it is a common English word (``common_words.txt``, ~13,000 words):
  "Micah" and "tumkatu" are not, and become "Mika" and "tonkotsu"; "tantrum" is not either,
  so "tantrum in" becomes "tantanmen" (and "what a tantrum" at Jin's counter would too).
  "short" (for "shoyu"), "needle" (for "noodle"), "missile" (for "miso") and "me so" stay:
  a common word that sounds like the menu is more often what was said, and the text alone
  cannot tell;
* it begins with the entry's first sound (a mishearing keeps it), and a run of several
  words does not begin with a function word ("me a shoy" is not "miso"), unless the entry
  begins with a vowel ("a Kato" may be "Hokkaido");
* it sounds within ``max(1, 0.2 x the entry's key)`` of the entry (vowels and near sounds
  count half); an entry with fewer than three consonants ("Jin", "miso", "shoyu") needs the
  same key, or its end cut off by a vowel or a near sound ("shoy," for "shoyu"); an entry
  of fewer than three sounds ("bow", "laugh") is never a target.

Entries are the vocabulary's terms, and the uncommon words of its multi-word terms on
their own ("spicy tantanmen" gives "tantanmen" too). The bounds were tuned on the listening
bench's dev split (bench/listen_correct.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

COMMON_WORDS = Path(__file__).with_name("common_words.txt")
MAX_RUN = 3  # heard words replaced by one entry at most: "ton of katsu"
RATIO = 0.2  # the distance allowed, per sound of the entry's key
MIN_CONSONANTS = 3  # entries with fewer consonants ("Haru", "Jin") must sound nearly the same
SHORT_BOUND = 0.5  # their distance allowed: one vowel or near sound ("shoy" -> "shoyu")
# A run of several words never begins with one of these: "me a shoy" is not "miso".
FUNCTION_WORDS = frozenset(
    {"a", "an", "and", "are", "at", "by", "for", "from", "i", "in", "is", "it", "me", "my"}
    | {"of", "on", "or", "our", "so", "the", "to", "we", "with", "you", "your"}
)
_WORD = re.compile(r"[A-Za-z0-9']+")
_JOINER = re.compile(r"[\s-]+")  # what may stand between the words of one run
_DIGITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
_NEAR = {frozenset(p) for p in ("RL", "SX", "PF", "VR", "VW", "VY")}
_VOWELS = frozenset("aeiouy")


@dataclass(frozen=True, slots=True)
class Change:
    """One replacement: the heard words, the entry put in their place, how far they were."""

    heard: str
    entry: str
    distance: float


@dataclass(frozen=True, slots=True)
class _Entry:
    text: str
    key: str
    consonants: int


@dataclass(frozen=True, slots=True)
class _Token:
    start: int
    end: int
    plain: str  # lower case, no apostrophes
    key: str
    open: bool  # may be part of a changed run: not a vocabulary word, has a sound
    common: bool
    joined: bool  # only spaces or hyphens between it and the next word


class VocabularyCorrector:
    """Corrects transcripts against one vocabulary (build once per character and scene)."""

    def __init__(self, terms: Iterable[str]) -> None:
        """``terms``: the vocabulary's entries, most important first."""
        terms = tuple(terms)
        common = common_words()
        entries: dict[str, _Entry] = {}
        known: set[str] = set()
        for term in terms:
            words = [w.lower().replace("'", "") for w in _WORD.findall(term)]
            known.update(words)
            parts = [term] if len(words) == 1 else [term, *_uncommon_words(term, common)]
            for part in parts:
                key = sound_key(part)
                if len(key) >= 3 and part.lower() not in entries:  # not "bow" (PV), "laugh" (LV)
                    entries[part.lower()] = _Entry(part, key, _consonants(key))
        self.terms = tuple(terms)
        self._entries = tuple(entries.values())
        self._by_first: dict[str, list[_Entry]] = {}
        for entry in self._entries:  # a mishearing keeps the first sound: "Micah", "tumkatu"
            self._by_first.setdefault(entry.key[0], []).append(entry)
        self._known = frozenset(known)
        self._common = common
        # Partials and the final of a turn repeat their words: each run's key is matched once.
        self._matches: dict[str, tuple[float, _Entry] | None] = {}

    @property
    def entries(self) -> tuple[str, ...]:
        """What heard words may become."""
        return tuple(e.text for e in self._entries)

    def correct(self, text: str) -> str:
        """``text`` with runs of words that sound like an entry replaced by it."""
        return self.changes(text)[0]

    def changes(self, text: str) -> tuple[str, list[Change]]:
        """The corrected text and each replacement made (what the bench counts)."""
        if not self._entries or not text:
            return text, []
        tokens = self._tokens(text)
        found: list[tuple[float, int, int, _Entry]] = []
        for i, first in enumerate(tokens):
            key, common = "", True
            for n, token in enumerate(tokens[i : i + MAX_RUN], 1):
                if not token.open:
                    break
                key = key + token.key[key[-1:] == token.key[0] :]  # "TT" across words said once
                common = common and token.common
                if n > 1 and first.plain in FUNCTION_WORDS and key[0] != "V":
                    pass  # "me a shoy" is not "miso"; but "a Kato" may be "Hokkaido"
                elif not common:  # a run of common words only is left as heard
                    match = self._match(key)
                    if match is not None:
                        found.append((match[0] / len(match[1].key), i, n, match[1]))
                if not token.joined:
                    break
        return self._apply(text, tokens, found)

    def _tokens(self, text: str) -> list[_Token]:
        matches = list(_WORD.finditer(text))
        tokens = []
        for i, m in enumerate(matches):
            plain = m.group(0).lower().replace("'", "")
            key = sound_key(plain) if plain else ""
            after = matches[i + 1].start() if i + 1 < len(matches) else m.end()
            joined = i + 1 < len(matches) and _JOINER.fullmatch(text, m.end(), after) is not None
            spoken = bool(key) and not self._is_known(plain)
            base = m.group(0).lower().partition("'")[0]  # "that's", "I'll": as common as "that"
            tokens.append(
                _Token(m.start(), m.end(), plain, key, spoken, base in self._common, joined)
            )
        return tokens

    def _match(self, key: str) -> tuple[float, _Entry] | None:
        if key in self._matches:
            return self._matches[key]
        best: tuple[float, _Entry] | None = None
        for entry in self._by_first.get(key[0], ()):
            if entry.consonants >= MIN_CONSONANTS:
                bound = max(1.0, RATIO * len(entry.key))
            else:  # a short entry: the same sounds, or its end cut off ("shoy," for "shoyu")
                bound = SHORT_BOUND if len(key) < len(entry.key) else 0.0
            if abs(len(key) - len(entry.key)) > 2 * bound:
                continue
            distance = sound_distance(key, entry.key, bound)
            if distance <= bound and (best is None or distance < best[0]):
                best = (distance, entry)
        if len(self._matches) > 4096:
            self._matches.clear()
        self._matches[key] = best
        return best

    def _is_known(self, word: str) -> bool:
        known = self._known
        return word in known or word + "s" in known or (word[-1:] == "s" and word[:-1] in known)

    def _apply(
        self, text: str, tokens: list[_Token], found: list[tuple[float, int, int, _Entry]]
    ) -> tuple[str, list[Change]]:
        taken: set[int] = set()
        chosen: list[tuple[int, int, _Entry, float]] = []
        # The closest first; of equally close, the longer run ("tantrum in", not "tantrum").
        for score, i, n, entry in sorted(found, key=lambda f: (f[0], -f[2], f[1])):
            span = set(range(i, i + n))
            if not span & taken:
                taken |= span
                chosen.append((i, n, entry, score * len(entry.key)))
        out, changes, at = [], [], 0
        for i, n, entry, distance in sorted(chosen, key=lambda c: c[0]):
            first, last = tokens[i], tokens[i + n - 1]
            heard = text[first.start : last.end]
            out += [text[at : first.start], _cased(entry.text, heard)]
            changes.append(Change(heard, entry.text, distance))
            at = last.end
        out.append(text[at:])
        return "".join(out), changes


@cache
def common_words() -> frozenset[str]:
    """The shipped list of common English words (lower case)."""
    lines = COMMON_WORDS.read_text(encoding="utf-8").splitlines()
    return frozenset(w for w in lines if w and not w.startswith("#"))


@lru_cache(maxsize=8192)
def sound_key(text: str) -> str:
    """The sound classes of ``text``'s letters (see the module doc): "tonkotsu" -> "TVNKVTSV"."""
    words = _WORD.findall(text.lower().replace("'", ""))
    spelled = (_DIGITS[int(w)] if w.isdigit() and int(w) <= 10 else w for w in words)
    return _merge("".join(_word_key(w) for w in spelled))


def sound_distance(a: str, b: str, bound: float = float("inf")) -> float:
    """Edit distance between two sound keys: a vowel or a near sound costs half; stops early
    (returning more than ``bound``) once every path is past ``bound``."""
    indel, sub = _INDEL, _SUB
    row = [0.0]
    for y in b:
        row.append(row[-1] + indel[y])
    for x in a:
        gap = indel[x]
        left = row[0] + gap
        new = [left]
        for j, y in enumerate(b, 1):
            left = min(row[j] + gap, left + indel[y], row[j - 1] + sub[x, y])
            new.append(left)
        if min(new) > bound:
            return min(new)
        row = new
    return row[-1]


_SYMBOLS = "VPTKFSXNLRWY"
_INDEL = {s: 0.5 if s == "V" else 1.0 for s in _SYMBOLS}
_SUB = {
    (x, y): 0.0 if x == y else 0.5 if frozenset((x, y)) in _NEAR else 1.0
    for x in _SYMBOLS
    for y in _SYMBOLS
}


@lru_cache(maxsize=16384)  # bounded: a server hears words without end
def _word_key(word: str) -> str:
    if len(word) > 3 and word.endswith("es") and word[-3] not in _VOWELS | {"s", "z", "x"}:
        word = word[:-2] + "s"  # "noodles": the e is silent
    elif len(word) > 2 and word.endswith("e") and word[-2] not in _VOWELS:
        word = word[:-1]  # "ladle", "wave"
    out: list[str] = []
    i = 0
    while i < len(word):
        symbol, step = _letter(word, i)
        out.append(symbol)
        i += step
    return "".join(out)


_PAIRS = {
    "tch": "X",
    "sh": "X",
    "ch": "X",
    "th": "T",
    "ph": "F",
    "ck": "K",
    "ng": "N",
    "wh": "W",
    "gh": "",
}


def _letter(word: str, i: int) -> tuple[str, int]:
    """The sound class at ``word[i]`` and how many letters it takes."""
    for size in (3, 2):
        if word[i : i + size] in _PAIRS:
            return _PAIRS[word[i : i + size]], size
    c = word[i]
    after = word[i + 1] if i + 1 < len(word) else ""
    if c in "wy" and after in _VOWELS - {"y"}:
        return c.upper(), 1  # a consonant before a vowel: "shoyu", "wave"
    if c == "y" and i > 0 and word[i - 1] in "aeiou":
        return "Y", 1  # a glide after a vowel: "shoy", "soy"
    if c in _VOWELS:
        return "V", 1
    if c == "c":
        return ("S" if after in "eiy" and after else "K"), 1
    if c == "x":
        return "KS", 1
    return _CLASSES.get(c, ""), 1


_CLASSES = {
    **dict.fromkeys("bp", "P"),
    **dict.fromkeys("dt", "T"),
    **dict.fromkeys("gkq", "K"),
    **dict.fromkeys("fv", "F"),
    **dict.fromkeys("sz", "S"),
    **dict.fromkeys("j", "X"),
    **dict.fromkeys("mn", "N"),
    "l": "L",
    "r": "R",
    "w": "",  # after a vowel: part of it ("bow", "saw")
    "h": "",
}


def _merge(key: str) -> str:
    """Repeats said once: "TT" -> "T", "VV" -> "V" (also across word boundaries)."""
    return re.sub(r"(.)\1+", r"\1", key)


def _consonants(key: str) -> int:
    return sum(1 for s in key if s != "V")


def _uncommon_words(term: str, common: frozenset[str]) -> list[str]:
    """The words of a multi-word term that may be heard alone: "spicy tantanmen" ->
    ["tantanmen"]; "Mr. Sato" -> ["Sato"]."""
    return [
        w for w in _WORD.findall(term) if len(w) >= 4 and w.lower() not in common and w.isalpha()
    ]


def _cased(entry: str, heard: str) -> str:
    """The entry as written, capitalised where the heard words began a sentence."""
    if heard[:1].isupper() and entry[:1].islower():
        return entry[:1].upper() + entry[1:]
    return entry
