"""Amounts said in another unit than the one an action counts in, given in that unit too
("ninety centimetres" for a length in metres -> "90 centimetres (0.9 metres)"). The 0.5B
model copies the number it reads; it does not convert (dev split: "a bit of that
two-by-four, ninety centimetres long" for a length in metres).

An action's unit is read from its number's name and description ("litres", "length in
metres", "kilos"); a dimension counted in two units by the sheet is left alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from npc.character.sheet import Action, NumberParam


@dataclass(frozen=True)
class Unit:
    name: str  # the plural written in the hint
    dimension: str
    size: float  # in the dimension's base unit
    words: tuple[str, ...]  # whole words naming it
    short: tuple[str, ...] = ()  # symbols, only right after a number ("90cm", "2 kg")

    @property
    def idiomatic(self) -> bool:
        """Whether "a minute", "one second", "a day" are said of time without measuring it."""
        return self.dimension == "time"


def _spelt(word: str) -> tuple[str, ...]:
    """A metric unit's names, one and many, British and American ("litre", "liters")."""
    us = word[:-2] + "er"
    return word, word + "s", us, us + "s"


UNITS = (
    Unit("metres", "length", 1.0, _spelt("metre"), ("m",)),
    Unit("centimetres", "length", 0.01, _spelt("centimetre"), ("cm",)),
    Unit("millimetres", "length", 0.001, _spelt("millimetre"), ("mm",)),
    Unit("kilometres", "length", 1000.0, _spelt("kilometre"), ("km",)),
    Unit("inches", "length", 0.0254, ("inch", "inches")),
    Unit("feet", "length", 0.3048, ("foot", "feet"), ("ft",)),
    Unit("yards", "length", 0.9144, ("yard", "yards")),
    Unit("miles", "length", 1609.344, ("mile", "miles")),
    Unit("kilograms", "mass", 1.0, ("kilogram", "kilograms", "kilo", "kilos"), ("kg",)),
    Unit("grams", "mass", 0.001, ("gram", "grams", "gramme", "grammes"), ("g",)),
    Unit("tonnes", "mass", 1000.0, ("tonne", "tonnes")),
    Unit("pounds", "mass", 0.45359237, (), ("lb", "lbs")),  # "pounds": money as often
    Unit("ounces", "mass", 0.028349523, ("ounce", "ounces"), ("oz",)),
    Unit("litres", "volume", 1.0, _spelt("litre"), ("l",)),
    Unit("millilitres", "volume", 0.001, _spelt("millilitre"), ("ml",)),
    Unit("centilitres", "volume", 0.01, _spelt("centilitre"), ("cl",)),
    Unit("seconds", "time", 1.0, ("second", "seconds", "sec", "secs")),
    Unit("minutes", "time", 60.0, ("minute", "minutes", "min", "mins")),
    Unit("hours", "time", 3600.0, ("hour", "hours", "hr", "hrs")),
    Unit("days", "time", 86400.0, ("day", "days")),
)
BY_WORD = {w: u for u in UNITS for w in u.words}
_BY_SHORT = {s: u for u in UNITS for s in u.short}
# An amount: digits and a unit's name or symbol, or "one"/"a"/"an" and its name ("one metre
# eighty": numbers.as_digits leaves "one" a word).
_AMOUNT = re.compile(
    r"(?<![\w.])(?:(?P<n>\d+(?:\.\d+)?)(?:\s?(?P<short>"
    + "|".join(sorted(_BY_SHORT, key=len, reverse=True))
    + r")|\s(?P<word>[a-z]+))|(?P<one>one|an?)\s(?P<named>[a-z]+))(?![\w-])",
    re.IGNORECASE,
)
# "1 metre 80", "5 foot 10": a unit and the next smaller one (centimetres, inches: so many
# to one of it), the second's name left out.
_TWO_PART = {"metres": 100.0, "feet": 12.0}
_REST = re.compile(r" (?P<n>\d{1,2})(?!\w|\.\d)(?: ?(?P<next>[a-z]+))?", re.IGNORECASE)
_HALF = re.compile(r"(?<![\w-])half an? (?P<word>[a-z]+)\b", re.IGNORECASE)


def unit_of(name: str, param: NumberParam) -> Unit | None:
    """The unit a number parameter counts in, by its name ("litres", "kilos") or else the
    first unit its description names ("length in metres")."""
    for text in (name.replace("_", " "), param.description or ""):
        for word in re.findall(r"[a-z]+", text.lower()):
            if word in BY_WORD:
                return BY_WORD[word]
    return None


def action_units(actions: Iterable[Action]) -> dict[str, Unit]:
    """Each dimension's unit, where the sheet's numbers count that dimension in one unit."""
    found: dict[str, set[Unit]] = {}
    for action in actions:
        for name, param in action.parameters.items():
            if isinstance(param, NumberParam) and (unit := unit_of(name, param)):
                found.setdefault(unit.dimension, set()).add(unit)
    return {dim: next(iter(units)) for dim, units in found.items() if len(units) == 1}


def _number(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".") or "0"


def in_units(text: str, units: dict[str, Unit]) -> str:
    """``text`` (its numbers in digits) with each amount in a unit the actions do not count
    in followed by the amount in theirs: "90 centimetres (0.9 metres)"."""
    if not units:
        return text
    text = _HALF.sub(lambda m: _half(m, units), text)
    out, at = [], 0
    for found in _AMOUNT.finditer(text):
        unit = _unit(found)
        if unit is None or unit.dimension not in units or (found["one"] and unit.idiomatic):
            continue
        target, end = units[unit.dimension], found.end()
        value = float(found["n"]) if found["n"] else 1.0
        part = _TWO_PART.get(unit.name)
        rest = _REST.match(text, end) if part else None
        if part and rest and not _named_unit(rest["next"]):  # "1 metre 80": 1.8 metres
            value += float(rest["n"]) / part
            end = rest.end("n")
        elif target is unit:
            continue
        size = value * unit.size / target.size
        out.append(text[at:end] + f" ({_number(size)} {target.name})")
        at = end
    out.append(text[at:])
    return "".join(out)


def _half(found: re.Match[str], units: dict[str, Unit]) -> str:
    """Half of a unit in digits ("half a litre" -> "0.5 litre"), for a dimension counted."""
    unit = BY_WORD.get(found["word"].lower())
    return f"0.5 {found['word']}" if unit and unit.dimension in units else found[0]


# Symbols as written ("kg", "KG"); not "M" or "L" alone, which are as often letters.
_SHORTS = set(_BY_SHORT) | {s.upper() for s in _BY_SHORT if len(s) > 1}


def _named_unit(word: str | None) -> bool:
    """Whether ``word`` after "1 metre 80" says what 80 counts ("80 centimetres", "2 of")."""
    return word is not None and (word.lower() in BY_WORD or word in _SHORTS or word == "of")


def _unit(found: re.Match[str]) -> Unit | None:
    if found["short"]:
        return _BY_SHORT[found["short"].lower()] if found["short"] in _SHORTS else None
    return BY_WORD.get((found["word"] or found["named"]).lower())
