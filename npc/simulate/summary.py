"""Aggregate the runs of a batch: pass rate per rubric item, turns to goal, emotion over time.

``summarise`` returns plain JSON-ready data (``summary.json``); the reports draw from it.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from npc.simulate.agreement import load_measured
from npc.simulate.guard import flaw_kind
from npc.simulate.loading import LoadedScenario
from npc.simulate.plot import valence
from npc.simulate.records import RunRecord

MEASURED = load_measured()


def summarise(
    loaded: LoadedScenario,
    records: Sequence[RunRecord],
    failed: Mapping[str, Any] | None = None,
    planned: int | None = None,
) -> dict[str, Any]:
    """The batch's figures, overall and per variation."""
    scenario = loaded.scenario
    by_variation: dict[str, list[RunRecord]] = defaultdict(list)
    for r in records:
        by_variation[r.plan.variation or "base"].append(r)
    return {
        "scenario": scenario.id,
        "scenario_file": str(loaded.path),
        "scenario_sha256": loaded.sha256,
        "planned": planned if planned is not None else len(records),
        "finished": len(records),
        "failed": dict(failed or {}),
        "run_ids": [r.plan.run_id for r in records],
        **_figures(loaded, records),
        "by_variation": {name: _figures(loaded, rs) for name, rs in sorted(by_variation.items())},
    }


def _figures(loaded: LoadedScenario, records: Sequence[RunRecord]) -> dict[str, Any]:
    goal = [r.stop_turn for r in records if r.goal_reached]
    durations = [r.duration_s for r in records]
    turns = sum(r.turns for r in records)
    stopped = sum(1 for r in records if r.stopped_by in loaded.stop_ids)
    return {
        "runs": len(records),
        "items": _items(loaded, records),
        "roles": roles(records),
        "stopped_by_condition": {"runs": stopped, "rate": _rate(stopped, len(records))},
        "goal": {
            "reached": len(goal),
            "rate": _rate(len(goal), len(records)),
            "turns_to_goal": _stats(goal),
        },
        "turns": _stats([r.turns for r in records]),
        "stopped_by": dict(Counter(r.stopped_by for r in records)),
        "emotion_over_time": _emotions(loaded, records),
        "time": {
            "run_s": _stats(durations),
            "turns_per_s": round(turns / sum(durations), 4) if sum(durations) else None,
            "turns_per_minute": round(turns / sum(durations) * 60, 2) if sum(durations) else None,
            "runs_per_hour": round(len(records) / sum(durations) * 3600, 1)
            if sum(durations)
            else None,
        },
    }


def roles(records: Sequence[RunRecord]) -> dict[str, Any]:
    """How often the characters' own lines (not scripted, not a person's) broke their roles,
    as found by ``npc.simulate.guard`` on the lines that were kept, and how many lines were
    taken back and asked for again."""
    lines = [u for r in records for u in r.utterances if u.source == "model"]
    found: Counter[str] = Counter()
    for u in lines:
        found.update({flaw_kind(f) for f in u.flaws})
    loops = sum(1 for r in records if any("loop" in map(flaw_kind, u.flaws) for u in r.utterances))
    out: dict[str, Any] = {"model_lines": len(lines)}
    for kind in ("echo", "inversion", "self_repeat"):
        out[kind] = {"lines": found[kind], "rate": _rate(found[kind], len(lines))}
    out["loop"] = {"runs": loops, "rate": _rate(loops, len(records))}
    retried = [u for u in lines if u.rejected]
    out["retried"] = {
        "lines": len(retried),
        "rate": _rate(len(retried), len(lines)),
        "taken_back": sum(len(u.rejected) for u in lines),
    }
    return out


def _items(loaded: LoadedScenario, records: Sequence[RunRecord]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in loaded.scenario.rubric:
        results = [s.passed for r in records for s in r.scores if s.id == item.id]
        passed = sum(1 for p in results if p is True)
        failed = sum(1 for p in results if p is False)
        out[item.id] = {
            "text": item.text,
            "kind": item.check.type,
            "passed": passed,
            "failed": failed,
            "unscored": len(results) - passed - failed,
            "pass_rate": _rate(passed, passed + failed),
            "advisory": MEASURED.advisory(item.check.type),
        }
    return out


def _emotions(loaded: LoadedScenario, records: Sequence[RunRecord]) -> dict[str, Any]:
    """Per participant and turn: how many runs showed each emotion, and the mean valence."""
    scale = loaded.scenario.emotion_scale
    cells: dict[str, dict[int, list[tuple[str, float]]]] = defaultdict(lambda: defaultdict(list))
    for r in records:
        for u in r.utterances:
            v = valence(u.emotion, u.intensity, scale)
            if v is not None:
                cells[u.speaker][u.turn].append((u.emotion, v))
    out: dict[str, Any] = {}
    for speaker in loaded.scenario.participants:
        out[speaker] = [
            {
                "turn": turn,
                "n": len(values),
                "mean_valence": round(statistics.fmean(v for _, v in values), 3),
                "counts": dict(Counter(e for e, _ in values)),
            }
            for turn, values in sorted(cells[speaker].items())
        ]
    return out


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _stats(values: Sequence[float]) -> dict[str, float | None]:
    if not values:
        return {"mean": None, "median": None, "min": None, "max": None}
    return {
        "mean": round(statistics.fmean(values), 3),
        "median": round(float(statistics.median(values)), 3),
        "min": round(float(min(values)), 3),
        "max": round(float(max(values)), 3),
    }
