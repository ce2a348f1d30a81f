"""YAML documents validated by pydantic models, with problems at file:line:column.

ruamel.yaml keeps the position of every key and value; pydantic reports each problem at a
path of keys and indices. Walking that path through the YAML gives the line and column a
designer needs ("jin.yaml:41:11: actions[2].parameters.item.values[0]: ...").
"""

from __future__ import annotations

import types
import typing
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError

from npc.errors import Problem, SheetError

M = TypeVar("M", bound=BaseModel)
Loc = Sequence[int | str]

MAX_YAML_BYTES = 2_000_000


def read_yaml(path: Path, error: type[SheetError] = SheetError) -> Any:
    """Parse ``path`` keeping positions; syntax errors and duplicate keys raise ``error``."""
    name = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_YAML_BYTES:
            raise error(
                [
                    Problem(
                        name, 1, 1, "", f"file is {size} bytes; expected at most {MAX_YAML_BYTES}"
                    )
                ]
            )
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise error([Problem(name, 1, 1, "", f"not UTF-8 text ({exc.reason})")]) from None
    except OSError as exc:
        raise error([Problem(name, 1, 1, "", f"cannot read the file: {exc.strerror}")]) from None
    yaml = YAML(typ="rt")
    try:
        return yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        what = " ".join(part for part in (exc.context, exc.problem) if part)
        if "duplicate key" in what:
            what = "duplicate key; each key may appear once in a mapping"
        raise error([Problem(name, line, col, "", f"invalid YAML: {what}")]) from None


def load_model(path: Path, model: type[M], error: type[SheetError] = SheetError) -> tuple[M, Any]:
    """Read ``path`` and validate it as ``model``; returns the model and the raw document."""
    doc = read_yaml(path, error)
    if not isinstance(doc, CommentedMap):
        raise error([Problem(str(path), 1, 1, "", "expected a mapping of fields at the top level")])
    try:
        return model.model_validate(_plain(doc)), doc
    except ValidationError as exc:
        raise error([_problem(path, doc, model, e) for e in exc.errors()]) from None


def problem_at(path: Path, doc: Any, loc: Loc, message: str, *, at_key: bool = False) -> Problem:
    """A problem located at ``loc`` inside ``doc`` (as far as the path exists)."""
    line, col = locate(doc, loc, at_key=at_key)
    return Problem(str(path), line, col, dotted(loc), message)


def locate(doc: Any, loc: Loc, *, at_key: bool = False) -> tuple[int, int]:
    """1-based line and column of the deepest node of ``loc`` that exists in ``doc``.

    A scalar is located at its value, unless ``at_key`` (an unknown field: point at its name).
    """
    node = doc
    line, col = _own_position(doc)
    for part in loc:
        if isinstance(node, CommentedMap) and part in node:
            scalar = _is_scalar(node[part]) and not at_key
            line, col = node.lc.value(part) if scalar else node.lc.key(part)
            node = node[part]
        elif isinstance(node, CommentedSeq) and isinstance(part, int) and 0 <= part < len(node):
            line, col = node.lc.item(part)
            node = node[part]
        # Parts that are not in the document (a union's tag, a missing key) are skipped.
    return line + 1, col + 1


def dotted(loc: Loc) -> str:
    """``("actions", 2, "name")`` -> ``actions[2].name``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _own_position(node: Any) -> tuple[int, int]:
    lc = getattr(node, "lc", None)
    return (lc.line, lc.col) if lc is not None and lc.line is not None else (0, 0)


def _is_scalar(value: Any) -> bool:
    return not isinstance(value, CommentedMap | CommentedSeq)


def _plain(node: Any) -> Any:
    if isinstance(node, CommentedMap):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, CommentedSeq):
        return [_plain(v) for v in node]
    return node


def _problem(path: Path, doc: Any, model: type[BaseModel], err: ErrorDetails) -> Problem:
    loc = _document_loc(doc, err["loc"], keep_last=err["type"] == "missing")
    extra = err["type"] == "extra_forbidden"
    return problem_at(path, doc, loc, _message(model, err, loc), at_key=extra)


def _document_loc(
    doc: Any, loc: tuple[int | str, ...], *, keep_last: bool
) -> tuple[int | str, ...]:
    """Drop the parts pydantic adds that are not in the document (discriminator tags).

    ``keep_last`` keeps a final part that is absent: a missing field is named at its parent.
    """
    out: list[int | str] = []
    node = doc
    for i, part in enumerate(loc):
        present = (isinstance(node, CommentedMap) and part in node) or (
            isinstance(node, CommentedSeq) and isinstance(part, int) and part < len(node)
        )
        if present:
            out.append(part)
            node = node[part]
        elif keep_last and i == len(loc) - 1:
            out.append(part)
    return tuple(out)


def _message(model: type[BaseModel], err: ErrorDetails, loc: Loc) -> str:
    kind = err["type"]
    ctx = err.get("ctx", {})
    if kind == "extra_forbidden":
        fields = _fields_at(model, list(err["loc"][:-1]))
        expected = f"; expected one of: {', '.join(fields)}" if fields else ""
        name = err["loc"][-1]
        if err["input"] is None and isinstance(name, str) and " " in name.strip():
            # "{type: number, description: strikes, one per half hour}": YAML ends the value
            # at the comma and reads the rest as a field with no value.
            expected += "; a comma ends an unquoted value in {...}: quote the value before it"
        return f"unknown field{expected}"
    if kind == "missing":
        return "missing; this field is required"
    if kind == "union_tag_invalid":
        return f"unknown type {ctx.get('tag')!r}; expected one of: {ctx.get('expected_tags')}"
    if kind == "union_tag_not_found":
        return f"missing 'type'; expected one of: {ctx.get('expected_tags')}"
    if kind == "string_pattern_mismatch":
        return f"{err['input']!r} does not match {ctx.get('pattern')}; expected lower_snake_case"
    if kind == "value_error":
        return str(ctx.get("error", err["msg"]))
    return f"{err['msg'][0].lower()}{err['msg'][1:]} (got {_short(err['input'])})"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _fields_at(model: type[BaseModel], loc: list[int | str]) -> list[str]:
    """The field names of the model found by following ``loc`` from ``model``."""
    current: Any = model
    for part in loc:
        current = _step(current, part)
        if current is None:
            return []
    models = [m for m in _candidates(current) if isinstance(m, type) and issubclass(m, BaseModel)]
    return sorted({name for m in models for name in m.model_fields})


def _step(tp: Any, part: int | str) -> Any:
    for cand in _candidates(tp):
        if isinstance(cand, type) and issubclass(cand, BaseModel):
            if isinstance(part, str) and part in cand.model_fields:
                return cand.model_fields[part].annotation
            if isinstance(part, str) and part in _tags(cand):
                return cand  # pydantic put a discriminated union's tag into the path
            continue
        origin, args = typing.get_origin(cand), typing.get_args(cand)
        if origin is list and isinstance(part, int):
            return args[0]
        if origin is dict and isinstance(part, str):
            return args[1]
    return None


def _tags(model: type[BaseModel]) -> tuple[Any, ...]:
    field = model.model_fields.get("type")
    return typing.get_args(field.annotation) if field is not None else ()


def _candidates(tp: Any) -> list[Any]:
    """Unwrap Annotated, Optional and unions into the types that may stand at a place."""
    if typing.get_origin(tp) is typing.Annotated:
        return _candidates(typing.get_args(tp)[0])
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        return [c for arg in typing.get_args(tp) for c in _candidates(arg)]
    return [tp]
