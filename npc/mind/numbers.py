"""Numbers the player spells out, written as digits for the model ("twenty-two psi" -> "22
psi"): the 0.5B model copied "twenty-two" into a number argument as 23, "eight and a half"
as 8, "half a dozen" as 12 and "one point eight kilograms" as 8.0 (issue 18, dev split); it
copies digits as they are.

"one" stays a word ("the black one", "one of those"), and so does a number joined to a word
by a hyphen ("a three-day pass", "the one-man boat") or inside a name the caller keeps
("Gallery Two").
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_UNITS = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
_TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_DIGITS = {**{w: str(v) for w, v in _UNITS.items() if v < 10}, "oh": "0", "nought": "0"}
_UNIT = "|".join(sorted(_UNITS, key=len, reverse=True))
_DIGIT = "|".join(sorted(_DIGITS, key=len, reverse=True))
_TEN = "|".join(_TENS)
_SMALL = rf"(?:(?:{_TEN})(?:[- ](?:{_UNIT}))?|{_UNIT})"
# A number in words, with its hundreds ("a hundred and fifty") and its half or its decimals
# ("twelve point six"); not glued to a word by a hyphen. "A couple of" things are two.
_NUMBER = re.compile(
    rf"(?<![\w-])(?:(?P<dozen>(?:half a|a|(?P<dozens>{_UNIT})) dozen)|"
    rf"(?P<couple>a couple of)(?= )|"
    rf"(?P<small>{_SMALL}|an?(?= hundred(?![\w-]))|(?=point ))"
    rf"(?: hundred(?:(?: and)? (?P<rest>{_SMALL}))?)?"
    rf"(?:(?P<half> and a half)|(?P<point>\s?point(?: (?:{_DIGIT}))+))?)(?![\w-])",
    re.IGNORECASE,
)


def _value(words: str) -> int:
    """The value of a number under a hundred in words ("twenty-two", "seven")."""
    parts = re.split(r"[- ]", words.lower())
    if parts[0] in _TENS:
        return _TENS[parts[0]] + (_UNITS[parts[1]] if len(parts) > 1 else 0)
    return _UNITS[parts[0]]


def _digits(found: re.Match[str]) -> str:
    text = found.group(0)
    if found.group("dozen"):
        lead = text.lower().split()[0]
        if lead == "half":
            return "6"
        if lead == "a":
            return "12"
        return str(12 * _UNITS[lead]) if lead in _UNITS else text
    if found.group("couple"):
        return "2"
    small, point = found.group("small"), found.group("point")
    plain = not (found.group("half") or point or " hundred" in text.lower())
    if small.lower() == "one" and plain:
        return text  # "the black one", "one of those"
    if not small and not point:
        return text
    value: float = (1 if small.lower() in ("a", "an") else _value(small)) if small else 0
    if " hundred" in text.lower():
        value = value * 100 + (_value(found.group("rest")) if found.group("rest") else 0)
    if found.group("half"):
        return f"{value}.5"
    if point:
        return f"{int(value)}." + "".join(_DIGITS[d.lower()] for d in point.split()[1:])
    return str(int(value))


# "A metre and a half", "an hour and a half": one and a half of the unit.
_ONE_AND_HALF = re.compile(r"(?<![\w-])(?:a|an|one) ([a-z]+) and a half\b(?![\w-])", re.I)


def _one_and_half(found: re.Match[str]) -> str:
    unit = found.group(1)
    if unit.lower() in ("dozen", "half", "couple", *_UNITS, *_TENS):  # "an eight and a half"
        return found.group(0)
    if unit.lower() == "foot":
        return "1.5 feet"
    return f"1.5 {unit}{'es' if unit.lower().endswith(('s', 'x', 'ch', 'sh')) else 's'}"


def _convert(text: str) -> str:
    return _NUMBER.sub(_digits, _ONE_AND_HALF.sub(_one_and_half, text))


def as_digits(text: str, keep: Iterable[str] = ()) -> str:
    """``text`` with the numbers it spells out written as digits, but those inside one of
    ``keep`` (names of the scene, choice values) as written."""
    kept = [k for k in keep if k and k.lower() in text.lower()]
    if not kept:
        return _convert(text)
    # Names are cut out, the rest converted, and the names put back as they were.
    spans = re.compile("|".join(re.escape(k) for k in sorted(kept, key=len, reverse=True)), re.I)
    out, at = [], 0
    for m in spans.finditer(text):
        out.append(_convert(text[at : m.start()]))
        out.append(m.group(0))
        at = m.end()
    out.append(_convert(text[at:]))
    return "".join(out)


# The player taking an amount back: "Two of this mortice, please. No, hang on, make it four",
# "Twenty pills. Hmm, no, fifteen's plenty.", "a forty-one. Actually make it forty-two". The
# 0.5B model wrote the first amount (dev split, and a fresh sheet before it was read).
_CORRECTION = re.compile(
    r"\b(?:no|nah|actually|sorry|wait|hang on|scratch that|make (?:it|that))\b"
    r"(?:[\s,.\u2014-]+(?:no|wait|hang on|hmm|um|er|actually|sorry|make it|make that|"
    r"let's say|say|or rather|rather|i mean|i meant))*[\s,.\u2014-]+(?P<amount>\d+(?:\.\d+)?)\b",
    re.IGNORECASE,
)
_DIGITS_RUN = re.compile(r"(?<![\w.])\d+(?:\.\d+)?(?![\w.]*\d)")


def corrected(text: str) -> str:
    """``text`` (its numbers in digits) with an amount the player took back written as the
    one said instead, so the line says one amount: "2 of this mortice, please. No, hang on,
    make it 4" -> "4 of this mortice, please. No, hang on, make it 4"."""
    for fix in reversed(list(_CORRECTION.finditer(text))):
        before = list(_DIGITS_RUN.finditer(text, 0, fix.start()))
        if before:
            old = before[-1]
            text = text[: old.start()] + fix.group("amount") + text[old.end() :]
    return text
