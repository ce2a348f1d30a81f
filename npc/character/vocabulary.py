"""The words a character has ever been given, and the names and things in a line it has
never heard.

"Row me all the way to France.", "Drop me off in Cornwall": a name the sheet and its
knowledge never mention is nothing of the character's world, so an action over the scene's
things (row_to a listed destination) cannot be what the line asks for, however near its
words are (the 0.5B rowed to the mainland, escorted to the cabin; issue 18, dev split).
So with a thing asked for by words the sheet never uses: "Could you sell me an outboard
motor?" of a lighthouse keeper (sell(lamp oil) was taken), "give me some morphine" of a
triage nurse; and with a place asked to be taken to by words it never uses: "Fly me to the
moon." of a gryphon roost (book_flight(Highmere) was taken).
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from pathlib import Path

from npc.character.loader import LoadedSheet

_WORD = re.compile(r"[a-z0-9]+")
# Where a sentence (or a quotation) starts: its first word's capital says nothing.
_STARTS = re.compile(r"(?<=[.!?:;])\s+|[\"\u201c\u201d(]")
_POSSESSIVE = re.compile(r"['\u2019]s$")
_TOKEN = re.compile(r"[^\W\d_][\w'-]*")
# Capitalised mid-sentence though they name no one: times, the player, titles before a name.
_NOT_NAMES = frozenset(
    re.findall(
        r"\S+",
        """i i'm i'll i'd i've ok okay god monday tuesday wednesday thursday friday saturday sunday
    mondays tuesdays wednesdays thursdays fridays saturdays sundays january february march
    april may june july august september october november december christmas easter mr mrs
    ms miss dr doctor sir madam captain mister""",
    )
)


# A thing asked to be handed, sold or made for the speaker: "sell me an outboard motor",
# "fetch me a cup of tea". The words up to a preposition, a conjunction or the clause's end.
_ASKED_THING = re.compile(
    r"\b(?:sell|give|hand|pass|get|fetch|bring|lend|plant|brew|make|pour|cut|order|find|grab"
    r"|buy|rent) (?:me|us) (?:up )?(?:(?:a|an|some|the|your|one|another|a few|a couple of"
    r"|a dozen|a bit of|a little) )?([a-z][a-z' -]*?)(?=[,.!?;:]| (?:for|to|from|with|off|on"
    r"|in|at|so|and|or|that|if|while|before|please|would|will|can|could|now|then|right)\b|$)"
)
# A place the speaker asks to be taken, flown or put through to: "fly me to the moon",
# "upgrade us to the penthouse suite". Only "me" or "us": in "bring the soup to my table"
# the place is a detail of a request that can still be done.
_ASKED_PLACE = re.compile(
    r"\b(?:take|fly|row|drive|sail|ferry|carry|escort|walk|lead|bring|get|move|upgrade"
    r"|transfer|send|put|show|beam) (?:me|us) (?:all the way |straight |right |back |over "
    r"|out |down |up |across |through )?(?:to|into|onto) (?:the |a |an |my |your |our )?"
    r"([a-z][a-z' -]*?)(?=[,.!?;:]| (?:for|to|from|with|off|on|in|at|so|and|or|that|if"
    r"|while|before|please|would|will|can|could|now|then|right|like|by|tonight|today"
    r"|tomorrow)\b|$)"
)
# Words of such a line that say how much or which, not what: "a cup of tea", "one of those
# twelves" (a bowling ball's weight), "whatever you use".
_NOT_THINGS = frozenset(
    re.findall(
        r"\S+",
        """a an the of some any my your our his her their this that these those it them one
    ones another other something anything whatever what bit lot few couple dozen pair piece
    cup cups glass glasses pint pints bottle bottles box boxes bag bags slice slices bowl
    plate handful drop nip little more same new old big small good nice proper real quick
    you use i we he she they out here there up down away back through across over home
    inside outside ready going started done sorted zero two three four five six seven eight
    nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen
    twenty thirty forty fifty sixty seventy eighty ninety hundred""",
    )
)


def fold(text: str) -> str:
    """``text`` in lower case without accents: "Tomás" is "tomas"."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> set[str]:
    return set(_WORD.findall(fold(text)))


@functools.lru_cache(maxsize=256)
def _file_text(path: Path, stamp: int) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""  # ingest reports the file


@functools.lru_cache(maxsize=256)
def _file_words(path: Path, stamp: int) -> frozenset[str]:
    return frozenset(words(_file_text(path, stamp)))


def _stamped(loaded: LoadedSheet) -> list[tuple[Path, int]]:
    """The sheet's knowledge files with their modification times (read again once
    changed)."""
    out = []
    for path in loaded.knowledge_files():
        try:
            out.append((path, path.stat().st_mtime_ns))
        except OSError:
            continue
    return out


def knowledge_texts(loaded: LoadedSheet) -> list[str]:
    """The text of each of the sheet's knowledge files."""
    return [_file_text(path, stamp) for path, stamp in _stamped(loaded)]


def sheet_words(loaded: LoadedSheet) -> frozenset[str]:
    """Every word of the sheet (its tests aside: they are never the character's) and of its
    knowledge files."""
    sheet = loaded.sheet.model_dump(mode="json", exclude={"tests"})
    found = words(json.dumps(sheet, ensure_ascii=False))
    for path, stamp in _stamped(loaded):
        found |= _file_words(path, stamp)
    return frozenset(found)


def strangers(line: str, known: frozenset[str]) -> list[str]:
    """The names inside ``line``'s sentences ("Cornwall", not the first word of one, nor
    "LX") that are none of ``known``'s words."""
    out = []
    for sentence in _STARTS.split(line):
        for word in _TOKEN.findall(sentence)[1:]:
            low = _POSSESSIVE.sub("", fold(word))  # "Porthcarrow's harbour"
            name = word[0].isupper() and word[1:2].islower() and low not in _NOT_NAMES
            if name and not words(low) <= known:
                out.append(word)
    return out


def _heard(word: str, known: frozenset[str]) -> bool:
    """Whether ``word`` or its singular or plural is one of ``known``."""
    forms = {word, word + "s", word.removesuffix("s"), word.removesuffix("es")}
    return bool(forms & known) or word.removesuffix("s") in _NOT_THINGS


def unheard_things(line: str, known: frozenset[str]) -> list[str]:
    """The things ``line`` asks to be given, sold or made ("sell me an outboard motor")
    whose every word is none of ``known``'s: nothing the character has, by any name it
    knows. "Fetch me a cup of tea" asks for tea; "one of those twelves" and "whatever you
    use" name nothing, nor does "get me out of here"."""
    return _unheard(_ASKED_THING, line, known)


def unheard_places(line: str, known: frozenset[str]) -> list[str]:
    """The places ``line`` asks the speaker be taken to ("fly me to the moon") whose every
    word is none of ``known``'s: nowhere the character knows, so no destination of its."""
    return _unheard(_ASKED_PLACE, line, known)


def _unheard(pattern: re.Pattern[str], line: str, known: frozenset[str]) -> list[str]:
    out = []
    for found in pattern.finditer(fold(line)):
        thing = found.group(1).strip()
        said = [w for w in _WORD.findall(thing) if w not in _NOT_THINGS]
        if said and not any(_heard(w, known) for w in said):
            out.append(thing)
    return out
