"""JSON schemas generated from the pydantic models, written beside what they describe."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from npc.character.sheet import CharacterSheet


def character_schema() -> dict[str, Any]:
    schema = CharacterSheet.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "npc character sheet"
    return schema


def protocol_schema() -> dict[str, Any]:
    from pydantic import TypeAdapter

    from npc.protocol.messages import PROTOCOL_VERSION, ClientMessage, ServerMessage

    client = TypeAdapter[Any](ClientMessage).json_schema(ref_template="#/$defs/{model}")
    server = TypeAdapter[Any](ServerMessage).json_schema(ref_template="#/$defs/{model}")
    defs = {**client.pop("$defs", {}), **server.pop("$defs", {})}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": f"npc wire protocol {PROTOCOL_VERSION}",
        "description": "JSON text frames; see docs/protocol.md. Binary frames carry PCM16.",
        "$defs": {**defs, "ClientMessage": client, "ServerMessage": server},
        "oneOf": [{"$ref": "#/$defs/ClientMessage"}, {"$ref": "#/$defs/ServerMessage"}],
    }


def _scenario_schema() -> dict[str, Any]:
    from npc.simulate.loading import scenario_schema

    return scenario_schema()


# Each generated file, relative to the repository root, and what produces it.
GENERATED: dict[str, Callable[[], dict[str, Any]]] = {
    "characters/schema.json": character_schema,
    "docs/protocol.schema.json": protocol_schema,
    "scenarios/schema.json": _scenario_schema,
}


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def stale(root: Path) -> list[str]:
    """Generated files under ``root`` that differ from what the models produce now."""
    out = []
    for rel, make in GENERATED.items():
        path = root / rel
        if not path.is_file() or path.read_text(encoding="utf-8") != render(make()):
            out.append(rel)
    return out


def write(root: Path) -> list[str]:
    """Regenerate every schema file under ``root``; returns the paths written."""
    for rel, make in GENERATED.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render(make()), encoding="utf-8")
    return list(GENERATED)
