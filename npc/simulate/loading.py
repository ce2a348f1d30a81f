"""Load a scenario file, resolve its characters and check what pydantic alone cannot.

Every problem is reported at file:line:column, like a character sheet's; a participant whose
sheet has problems brings the sheet's own problems along.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from npc.character.loader import LoadedSheet, load_sheet, sheet_paths
from npc.errors import Problem, ScenarioError, SheetError
from npc.simulate.scenario import (
    ActionCheck,
    ActionStop,
    EmotionCheck,
    GoalStop,
    JudgeCheck,
    PhraseStop,
    RegexCheck,
    Scenario,
)
from npc.yamlfile import Loc, load_model, problem_at, read_yaml


@dataclass(frozen=True)
class LoadedScenario:
    """A checked scenario, the sheet of each participant and the file's digest."""

    scenario: Scenario
    path: Path
    sheets: dict[str, LoadedSheet]
    sha256: str

    def name(self, participant: str) -> str:
        """The character's own name (what the other side calls it)."""
        return self.sheets[participant].sheet.name

    @property
    def stop_ids(self) -> set[str]:
        """What ``RunRecord.stopped_by`` says when a stop condition ended a run."""
        return {stop.id or stop.type for stop in self.scenario.stop}


def load_scenario(path: Path, characters_dir: Path) -> LoadedScenario:
    """Load and check ``path``; raises ScenarioError listing every problem found."""
    scenario, doc = load_model(path, Scenario, error=ScenarioError)
    sheets, problems = _resolve_sheets(scenario, path, doc, characters_dir)
    problems += list(check_scenario(scenario, sheets, path, doc))
    if problems:
        raise ScenarioError(problems)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return LoadedScenario(scenario, path, sheets, digest)


def scenario_schema() -> dict[str, Any]:
    """The JSON schema of scenario files (for ``scenarios/schema.json``)."""
    schema = Scenario.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "npc simulation scenario"
    return schema


def _resolve_sheets(
    scenario: Scenario, path: Path, doc: Any, characters_dir: Path
) -> tuple[dict[str, LoadedSheet], list[Problem]]:
    sheets: dict[str, LoadedSheet] = {}
    problems: list[Problem] = []
    by_id = _sheet_files(characters_dir)
    for name, part in scenario.participants.items():
        ref = part.character
        looks_like_path = ref.endswith((".yaml", ".yml")) or "/" in ref
        file = (path.parent / ref) if looks_like_path else by_id.get(ref)
        if file is None or not file.is_file():
            known = ", ".join(sorted(by_id)) or "none"
            problems.append(
                problem_at(
                    path,
                    doc,
                    ("participants", name, "character"),
                    f"no character {ref!r}; expected a sheet id from {characters_dir} "
                    f"({known}) or a path to a sheet relative to the scenario",
                )
            )
            continue
        try:
            sheets[name] = load_sheet(file)
        except SheetError as exc:
            problems.append(
                problem_at(
                    path,
                    doc,
                    ("participants", name, "character"),
                    f"the sheet {file} has {len(exc.problems)} problem(s), listed below; "
                    "expected a valid sheet (see npc validate)",
                )
            )
            problems.extend(exc.problems)
    return sheets, problems


def _sheet_files(folder: Path) -> dict[str, Path]:
    """Sheet id -> file for every sheet in ``folder`` (parsed only, not validated)."""
    out: dict[str, Path] = {}
    if not folder.is_dir():
        return out
    for file in sheet_paths([folder]):
        try:
            doc = read_yaml(file)
        except SheetError:
            continue  # a broken sheet has no usable id; naming it reports its problems
        sheet_id = doc.get("id") if isinstance(doc, dict) else None
        if isinstance(sheet_id, str):
            out.setdefault(sheet_id, file)
    return out


def check_scenario(
    scenario: Scenario, sheets: dict[str, LoadedSheet], path: Path, doc: Any
) -> Iterator[Problem]:
    """Problems that span fields: names of participants, emotions, actions, patterns."""
    names = list(scenario.participants)

    def at(loc: Loc, message: str) -> Problem:
        return problem_at(path, doc, loc, message)

    def participant(loc: Loc, name: str | None) -> Iterator[Problem]:
        if name is not None and name not in scenario.participants:
            yield at(loc, f"no participant {name!r}; expected one of: {', '.join(names)}")

    yield from participant(("opening", "by"), scenario.opening.by)
    for name in scenario.goals:
        if name not in scenario.participants:
            yield at(
                ("goals", name),
                f"goals for {name!r}, who is not a participant; expected one of: "
                f"{', '.join(names)}",
            )
    for vname, var in scenario.variations.items():
        yield from participant(("variations", vname, "participant"), var.participant)
        if var.emotion is not None and var.participant in sheets:
            allowed = sheets[var.participant].sheet.emotions.allowed
            if var.emotion not in allowed:
                yield at(
                    ("variations", vname, "emotion"),
                    f"{var.participant} cannot show {var.emotion!r}; expected one of: "
                    f"{', '.join(allowed)}",
                )
    for i, stop in enumerate(scenario.stop):
        if isinstance(stop, PhraseStop | ActionStop | GoalStop):
            yield from participant(("stop", i, "speaker"), stop.speaker)
        if isinstance(stop, PhraseStop):
            yield from _pattern(at, ("stop", i, "pattern"), stop.pattern)
        if isinstance(stop, ActionStop):
            yield from _actions(at, ("stop", i), stop.action, stop.args, stop.speaker, sheets)
    seen: set[str] = set()
    for i, item in enumerate(scenario.rubric):
        if item.id in seen:
            yield at(("rubric", i, "id"), f"duplicate rubric id {item.id!r}; expected unique ids")
        seen.add(item.id)
        check = item.check
        loc: Loc = ("rubric", i, "check")
        if isinstance(check, RegexCheck | EmotionCheck | ActionCheck | JudgeCheck):
            yield from participant((*loc, "speaker"), check.speaker)
        if isinstance(check, RegexCheck):
            for key in ("must", "must_not"):
                pattern = getattr(check, key)
                if pattern is not None:
                    yield from _pattern(at, (*loc, key), pattern)
        if isinstance(check, EmotionCheck) and check.speaker in sheets:
            allowed = sheets[check.speaker].sheet.emotions.allowed
            for key in ("reaches", "never", "ends_in"):
                for j, emotion in enumerate(getattr(check, key) or ()):
                    if emotion not in allowed:
                        yield at(
                            (*loc, key, j),
                            f"{check.speaker} cannot show {emotion!r}; expected one of: "
                            f"{', '.join(allowed)}",
                        )
        if isinstance(check, ActionCheck) and check.action is not None:
            yield from _actions(at, loc, check.action, check.args, check.speaker, sheets)
        if isinstance(check, ActionCheck) and check.any_of is not None:
            for j, ref in enumerate(check.any_of):
                where = (*loc, "any_of", j)
                yield from _actions(at, where, ref.action, ref.args, check.speaker, sheets)


def _pattern(at: Any, loc: Loc, pattern: str) -> Iterable[Problem]:
    try:
        re.compile(pattern)
    except re.error as exc:
        yield at(loc, f"invalid regular expression: {exc}; expected a Python regex")


def _actions(
    at: Any,
    loc: Loc,
    action: str,
    args: dict[str, Any],
    speaker: str | None,
    sheets: dict[str, LoadedSheet],
) -> Iterable[Problem]:
    if speaker is not None and speaker not in sheets:
        return  # an unknown speaker is reported once, at its own line
    candidates = [sheets[speaker]] if speaker is not None else list(sheets.values())
    found = [a for c in candidates if (a := c.sheet.action(action)) is not None]
    if candidates and not found:
        known = sorted({a.name for c in candidates for a in c.sheet.actions})
        yield at(
            (*loc, "action"), f"no action {action!r}; expected one of: {', '.join(known) or 'none'}"
        )
        return
    for key in args:
        if found and not any(key in a.parameters for a in found):
            params = ", ".join(sorted({p for a in found for p in a.parameters})) or "none"
            yield at((*loc, "args", key), f"{action} has no parameter {key!r}; expected: {params}")
