"""Metadata filters in chromadb's ``where`` syntax, evaluated over rows held in memory.

Supported: ``{"key": value}``, ``{"key": {"$eq"|"$ne"|"$gt"|"$gte"|"$lt"|"$lte": value}}``,
``{"key": {"$in"|"$nin": [values]}}``, ``{"key": {"$contains"|"$not_contains": value}}`` (on
list values such as ``tags``), and ``{"$and": [...]}`` / ``{"$or": [...]}``. The same filter
can be handed to chromadb unchanged.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from npc.errors import KnowledgeError

Where = Mapping[str, Any]
Metadata = Mapping[str, Any]

_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "$eq": operator.eq,
    "$ne": operator.ne,
    "$gt": operator.gt,
    "$gte": operator.ge,
    "$lt": operator.lt,
    "$lte": operator.le,
    "$in": lambda value, options: value in options,
    "$nin": lambda value, options: value not in options,
    "$contains": lambda value, item: isinstance(value, list | tuple) and item in value,
    "$not_contains": lambda value, item: not (isinstance(value, list | tuple) and item in value),
}
_NEGATIVE = frozenset({"$ne", "$nin", "$not_contains"})


def mask(where: Where, metadatas: Sequence[Metadata]) -> NDArray[np.bool_]:
    """True for each row that ``where`` accepts; a malformed filter is a KnowledgeError."""
    test = compile_where(where)
    return np.fromiter((test(m) for m in metadatas), dtype=np.bool_, count=len(metadatas))


def compile_where(where: Where) -> Callable[[Metadata], bool]:
    """A predicate over one row's metadata."""
    if not isinstance(where, Mapping) or not where:
        raise KnowledgeError(f"bad filter {where!r}: expected a non-empty mapping")
    tests = [_clause(key, value) for key, value in where.items()]
    if len(tests) == 1:
        return tests[0]
    return lambda m: all(t(m) for t in tests)


def _clause(key: str, value: Any) -> Callable[[Metadata], bool]:
    if key in ("$and", "$or"):
        if not isinstance(value, list) or not value:
            raise KnowledgeError(f"bad filter: {key} takes a non-empty list of filters")
        parts = [compile_where(w) for w in value]
        join = all if key == "$and" else any
        return lambda m: join(p(m) for p in parts)
    if key.startswith("$"):
        raise KnowledgeError(f"bad filter: unknown operator {key!r}; expected $and or $or")
    if isinstance(value, Mapping):
        if len(value) != 1:
            raise KnowledgeError(f"bad filter on {key!r}: expected one operator, got {value!r}")
        op, operand = next(iter(value.items()))
        compare = _COMPARE.get(op)
        if compare is None:
            raise KnowledgeError(
                f"bad filter on {key!r}: unknown operator {op!r}; expected one of "
                + ", ".join(_COMPARE)
            )
        missing = op in _NEGATIVE  # chromadb: a row without the key passes only negations
        return lambda m: _test(compare, m.get(key), operand, missing)
    return lambda m: m.get(key) == value


def _test(compare: Callable[[Any, Any], bool], value: Any, operand: Any, missing: bool) -> bool:
    if value is None:
        return missing
    try:
        return bool(compare(value, operand))
    except TypeError:  # comparing a string to a number: no match, as in chromadb
        return False
