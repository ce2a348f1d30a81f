"""Load character sheets from YAML and check what pydantic alone cannot.

Cross-field checks (duplicate actions, enums naming objects the scene lacks, the default
emotion) and file-system checks (knowledge files, voices) report at the exact line too.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from npc.actions.space import ActionSpace, Scene
from npc.actions.validate import validate_call
from npc.assets import BUNDLED, bundled_names
from npc.character.sheet import CharacterSheet, ExpectedCall, SceneParam, TurnTest
from npc.errors import ActionError, Problem, SheetError
from npc.yamlfile import Loc, load_model, problem_at

KNOWLEDGE_SUFFIXES = (".md", ".txt", ".markdown")
PACKS_DIR = "packs"


@dataclass(frozen=True, slots=True)
class LoadedSheet:
    """A validated sheet and the file it came from (relative paths resolve from its folder)."""

    sheet: CharacterSheet
    path: Path

    @property
    def base_dir(self) -> Path:
        return self.path.parent

    def knowledge_files(self) -> list[Path]:
        """Every knowledge file the sheet names, folders expanded, in a stable order."""
        files: list[Path] = []
        for entry in self.sheet.knowledge.files:
            files.extend(_expand(self.base_dir / entry))
        for pack in self.sheet.knowledge.packs:
            files.extend(_expand(self.base_dir / PACKS_DIR / pack))
        return files


def load_sheet(path: Path) -> LoadedSheet:
    """Load and check one sheet; raises SheetError listing every problem found."""
    sheet, doc = load_model(path, CharacterSheet)
    problems = list(check_sheet(sheet, path, doc))
    if problems:
        raise SheetError(problems)
    return LoadedSheet(sheet, path)


def sheet_paths(paths: Iterable[Path]) -> list[Path]:
    """YAML files among ``paths``; folders are searched (not recursively)."""
    found: list[Path] = []
    for p in paths:
        if p.is_dir():
            found.extend(sorted(q for q in p.iterdir() if q.suffix in (".yaml", ".yml")))
        else:
            found.append(p)
    return found


def load_characters(folder: Path) -> dict[str, LoadedSheet]:
    """Every sheet in ``folder`` by id; raises SheetError with all problems of all files."""
    sheets: dict[str, LoadedSheet] = {}
    problems: list[Problem] = []
    for path in sheet_paths([folder]):
        try:
            loaded = load_sheet(path)
        except SheetError as exc:
            problems.extend(exc.problems)
            continue
        other = sheets.get(loaded.sheet.id)
        if other is not None:
            problems.append(
                Problem(
                    str(path),
                    1,
                    1,
                    "id",
                    f"id {loaded.sheet.id!r} is already used by {other.path}; expected a unique id",
                )
            )
        sheets[loaded.sheet.id] = loaded
    if problems:
        raise SheetError(problems)
    return sheets


def check_sheet(sheet: CharacterSheet, path: Path, doc: Any) -> Iterable[Problem]:
    """Problems that span fields or touch the file system."""

    def at(loc: Loc, message: str) -> Problem:
        return problem_at(path, doc, loc, message)

    emotions = sheet.emotions
    if emotions.default not in emotions.allowed:
        yield at(
            ("emotions", "default"),
            f"{emotions.default!r} is not among the allowed "
            f"emotions; expected one of: {', '.join(emotions.allowed)}",
        )
    for i, talk in enumerate(sheet.examples):
        if talk.emotion is not None and talk.emotion not in emotions.allowed:
            yield at(
                ("examples", i, "emotion"),
                f"{talk.emotion!r} is not among the allowed emotions; "
                f"expected one of: {', '.join(emotions.allowed)}",
            )
    for field in ("objects", "locations", "characters"):
        for name, count in Counter(getattr(sheet.scene, field)).items():
            if count > 1:
                yield at(("scene", field), f"{name!r} is listed {count} times; expected once")
    seen: set[str] = set()
    space = ActionSpace.build(sheet)
    for i, action in enumerate(sheet.actions):
        if action.name in seen:
            yield at(
                ("actions", i, "name"),
                f"duplicate action {action.name!r}; expected each action name once",
            )
        seen.add(action.name)
        if "name" in action.parameters:
            yield at(
                ("actions", i, "parameters", "name"),
                "'name' is reserved for the action's own name; expected another parameter name",
            )
        for j, example in enumerate(action.examples):
            try:
                validate_call(space, {**example.args, "name": action.name})
            except ActionError as exc:
                yield at(("actions", i, "examples", j, "args"), f"{exc.message}")
        for pname, param in action.parameters.items():
            if isinstance(param, SceneParam) and param.values is not None:
                scene = Scene.of(sheet).entries(param.type)
                what = KIND_NAMES[param.type]
                for j, value in enumerate(param.values):
                    if value not in scene:
                        yield at(
                            ("actions", i, "parameters", pname, "values", j),
                            f"{value!r} is not {what} of the scene; "
                            f"expected one of: "
                            f"{', '.join(scene) or '(the scene has none)'}",
                        )
    yield from _check_tests(sheet, space, at)
    yield from _check_files(sheet, path, at)


def _check_tests(sheet: CharacterSheet, space: ActionSpace, at: Any) -> Iterable[Problem]:
    """A test's expected calls must be calls the character can make in its own scene."""
    for i, test in enumerate(sheet.tests):
        turns: list[tuple[Loc, TurnTest]] = [(("tests", i), test)]
        if test.turns:
            turns = [(("tests", i, "turns", j), t) for j, t in enumerate(test.turns)]
        for loc, turn in turns:
            lists: list[tuple[Loc, list[ExpectedCall]]] = [((*loc, "actions"), turn.actions or [])]
            lists += [((*loc, "or_actions", k), c) for k, c in enumerate(turn.or_actions)]
            for where, calls in lists:
                for n, call in enumerate(calls):
                    try:
                        validate_call(space, {**call.args, "name": call.name})
                    except ActionError as exc:
                        yield at((*where, n), exc.message)


def _check_files(sheet: CharacterSheet, path: Path, at: Any) -> Iterable[Problem]:
    base = path.parent
    for i, entry in enumerate(sheet.knowledge.files):
        target = base / entry
        if not target.exists():
            yield at(
                ("knowledge", "files", i),
                f"{entry!r} does not exist (looked in {base}); "
                "expected a .md or .txt file or a folder of them, relative to the sheet",
            )
        elif target.is_file() and target.suffix not in KNOWLEDGE_SUFFIXES:
            yield at(
                ("knowledge", "files", i),
                f"{entry!r} is not a knowledge file; expected "
                f"one of: {', '.join(KNOWLEDGE_SUFFIXES)}",
            )
    for i, pack in enumerate(sheet.knowledge.packs):
        if not (base / PACKS_DIR / pack).is_dir():
            yield at(
                ("knowledge", "packs", i),
                f"no pack {pack!r}; expected a folder {PACKS_DIR}/{pack} beside the sheet",
            )
    voice = sheet.voice.piper
    if voice not in BUNDLED and not (base / voice).is_file():
        yield at(
            ("voice", "piper"),
            f"unknown voice {voice!r}; expected a bundled voice "
            f"({', '.join(bundled_names('tts'))}) or a path to a piper .onnx file",
        )


KIND_NAMES = {
    "object": "an object",
    "location": "a location",
    "character": "a character",
    "entity": "an object or a character",
}


def _expand(target: Path) -> list[Path]:
    if target.is_dir():
        return sorted(p for p in target.rglob("*") if p.suffix in KNOWLEDGE_SUFFIXES)
    return [target] if target.is_file() else []
