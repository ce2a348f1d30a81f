"""Check an action call against the action space; the last gate before the game."""

from __future__ import annotations

from typing import Any

from npc.actions.space import ActionSpace
from npc.character.sheet import ChoiceParam, NumberParam, StringParam
from npc.errors import ActionError


def validate_call(space: ActionSpace, call: Any) -> tuple[str, dict[str, Any]]:
    """Return ``(name, args)`` of a valid call, or raise ActionError saying what is wrong.

    ``call`` is ``{"name": ..., <param>: <value>, ...}`` as the model produced it.
    """
    if not isinstance(call, dict):
        raise ActionError(f"an action call must be an object, got {type(call).__name__}")
    name = call.get("name")
    action = space.get(name) if isinstance(name, str) else None
    if action is None:
        known = ", ".join(a.name for a in space.actions) or "none"
        raise ActionError(f"unknown action {name!r}; the character's actions are: {known}")
    args = {k: v for k, v in call.items() if k != "name"}
    unknown = sorted(set(args) - set(action.parameters))
    if unknown:
        raise ActionError(
            f"{action.name} has no parameter {', '.join(map(repr, unknown))}; "
            f"expected: {', '.join(action.parameters) or 'no parameters'}"
        )
    out: dict[str, Any] = {}
    for pname, param in action.parameters.items():
        if pname not in args:
            if param.required:
                raise ActionError(f"{action.name} needs {pname!r}")
            continue
        value = args[pname]
        allowed = space.values(param)
        if isinstance(param, ChoiceParam):
            if value not in param.values:
                raise ActionError(
                    f"{action.name}.{pname} = {value!r} is not one of its choices; "
                    f"expected one of: {', '.join(param.values)}"
                )
        elif allowed is not None:
            if value not in allowed:
                raise ActionError(
                    f"{action.name}.{pname} = {value!r} is not in the scene now; "
                    f"expected one of: {', '.join(allowed) or '(none in the scene)'}"
                )
        elif isinstance(param, StringParam):
            if not isinstance(value, str) or len(value) > param.max_length:
                raise ActionError(
                    f"{action.name}.{pname} must be text of at most {param.max_length} characters"
                )
        else:
            assert isinstance(param, NumberParam)
            value = _number(action.name, pname, param, value)
        out[pname] = value
    return action.name, out


def _number(action: str, pname: str, param: NumberParam, value: Any) -> float | int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ActionError(f"{action}.{pname} must be a number, got {value!r}")
    if param.integer and value != int(value):
        raise ActionError(f"{action}.{pname} must be a whole number, got {value!r}")
    if not param.minimum <= value <= param.maximum:
        raise ActionError(
            f"{action}.{pname} = {value!r} is outside {param.minimum:g}..{param.maximum:g}"
        )
    return int(value) if param.integer else float(value)
