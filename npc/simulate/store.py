"""A batch's output folder: a manifest, and one folder per finished run, written atomically.

Layout::

    OUT/manifest.json          the scenario (path, sha256), options, the planned runs, failures
    OUT/runs/0001/             transcript.jsonl, result.json, report.md, report.html, audio/
    OUT/summary.json, OUT/report.md, OUT/report.html

A run's folder is filled under a temporary name and renamed into place when complete, so a
run folder either holds a whole run or does not exist; the folders, not the manifest, say
which runs are done. Run again with the same folder and only the missing runs run.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from npc.simulate.errors import SimulationError
from npc.simulate.loading import LoadedScenario
from npc.simulate.records import RunPlan, RunRecord, parse_transcript, transcript_jsonl

FORMAT = 1
MANIFEST = "manifest.json"
RESULT = "result.json"
TRANSCRIPT = "transcript.jsonl"


class RunStore:
    """The output folder of one batch (one scenario, one set of options)."""

    def __init__(self, folder: Path, loaded: LoadedScenario, options: Mapping[str, Any]) -> None:
        """Open ``folder`` (created if needed); raises SimulationError if it holds another
        batch (another scenario file, or other options)."""
        self.folder = folder
        self.runs_dir = folder / "runs"
        self.loaded = loaded
        self.options = dict(options)
        self.runs_dir.mkdir(parents=True, exist_ok=True)
        self.manifest = self._open_manifest()
        for stale in self.runs_dir.glob(".tmp-*"):  # a run cut short by a crash
            shutil.rmtree(stale, ignore_errors=True)

    def _open_manifest(self) -> dict[str, Any]:
        path = self.folder / MANIFEST
        scenario = {
            "id": self.loaded.scenario.id,
            "path": str(self.loaded.path),
            "sha256": self.loaded.sha256,
        }
        if not path.is_file():
            return {
                "format": FORMAT,
                "scenario": scenario,
                "options": self.options,
                "planned": [],
                "failed": {},
            }
        try:
            manifest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise SimulationError(
                f"cannot read {path}: {exc}; expected a manifest written by npc simulate "
                "(use another --out folder)"
            ) from None
        if manifest.get("scenario", {}).get("sha256") != self.loaded.sha256:
            raise SimulationError(
                f"{self.folder} holds runs of another version of the scenario "
                f"({manifest.get('scenario', {}).get('path')}); use another --out folder, or "
                "restore that scenario file to resume"
            )
        if manifest.get("options") != self.options:
            raise SimulationError(
                f"{self.folder} holds runs made with other options ({manifest.get('options')}, "
                f"now {self.options}); use another --out folder or the same options"
            )
        return manifest

    # -- state ---------------------------------------------------------------------------

    def done(self) -> set[str]:
        """Ids of the runs whose folders are complete."""
        return {p.parent.name for p in self.runs_dir.glob(f"*/{RESULT}")}

    def plan(self, plans: list[RunPlan]) -> None:
        """Record the planned runs (a later, larger batch extends the list)."""
        known = {p["run_id"] for p in self.manifest["planned"]}
        self.manifest["planned"] += [_plan_json(p) for p in plans if p.run_id not in known]
        self._save_manifest()

    def commit(
        self, record: RunRecord, files: Mapping[str, bytes], reports: Mapping[str, str]
    ) -> bool:
        """Write one finished run atomically; False if that run was already stored."""
        run_id = record.plan.run_id
        final = self.runs_dir / run_id
        if final.exists():
            return False
        tmp = self.runs_dir / f".tmp-{run_id}-{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        content: dict[str, bytes] = {
            TRANSCRIPT: transcript_jsonl(record.utterances).encode(),
            **{name: text.encode() for name, text in reports.items()},
            **files,
            # Last: a folder with result.json is a finished run.
            RESULT: (json.dumps(record.to_json(), indent=2) + "\n").encode(),
        }
        for name, data in content.items():
            _write(tmp / name, data)
        try:
            tmp.rename(final)
        except OSError:  # another process stored it first; keep theirs
            shutil.rmtree(tmp, ignore_errors=True)
            return False
        self.manifest["failed"].pop(run_id, None)
        self._save_manifest()
        return True

    def failed(self, run_id: str, error: str, attempts: int) -> None:
        self.manifest["failed"][run_id] = {"error": error, "attempts": attempts}
        self._save_manifest()

    def records(self) -> list[RunRecord]:
        """Every finished run, in run-id order."""
        out = []
        for run_id in sorted(self.done()):
            folder = self.runs_dir / run_id
            result = json.loads((folder / RESULT).read_text(encoding="utf-8"))
            transcript = parse_transcript((folder / TRANSCRIPT).read_text(encoding="utf-8"))
            out.append(RunRecord.from_json(result, transcript))
        return out

    def write(self, name: str, text: str) -> Path:
        """A batch-level file (summary, report), replaced atomically."""
        path = self.folder / name
        _write(path, text.encode())
        return path

    def _save_manifest(self) -> None:
        self.manifest["updated"] = datetime.now(UTC).isoformat(timespec="seconds")
        _write(self.folder / MANIFEST, (json.dumps(self.manifest, indent=2) + "\n").encode())


def _plan_json(plan: RunPlan) -> dict[str, Any]:
    return {
        "run_id": plan.run_id,
        "index": plan.index,
        "seed": plan.seed,
        "variation": plan.variation,
        "max_turns": plan.max_turns,
    }


def _write(path: Path, data: bytes) -> None:
    """Write through a temporary file and rename, so readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    tmp.replace(path)
