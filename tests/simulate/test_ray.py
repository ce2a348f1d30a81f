"""The batch on a local Ray cluster started here with two workers: same output, resumable,
and a worker killed mid-run costs only that run, which runs again; finished runs stay."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from npc.config import Settings
from npc.simulate.batch import Batch, BatchOptions
from npc.simulate.loading import load_scenario
from npc.simulate.records import RunPlan
from npc.simulate.store import RunStore
from tests.simulate.conftest import CHARACTERS

ray = pytest.importorskip("ray")
from npc.simulate.ray_pool import RayExecutor  # noqa: E402  (needs ray)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cluster() -> Iterator[None]:
    os.environ.setdefault("RAY_worker_niceness", "0")  # as RayExecutor does for its own
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def run_batch(
    scenario: Path, out: Path, settings: Settings, runs: int, workers: int = 2, **kw: Any
) -> tuple[Batch, list[str]]:
    loaded = load_scenario(scenario, CHARACTERS)
    options = BatchOptions(runs=runs, judge=False)
    store = RunStore(out, loaded, options.identity())
    # One thread per actor: llama.cpp's threads stall when Ray's own processes take a core.
    settings = settings.model_copy(update={"llm": settings.llm.model_copy(update={"threads": 1})})
    executor = RayExecutor(loaded, settings, address=None, workers=workers, judge=False, **kw)
    batch = Batch(loaded, store, options, executor)
    return batch, batch.run().ran


def _failures(out: Path) -> str:
    """Why runs failed, from the manifest, for an assertion's message."""
    return json.dumps(json.loads((out / "manifest.json").read_text())["failed"])


def test_a_batch_on_two_workers_writes_the_same_files_and_resumes(
    cluster: None, short_scenario: Path, tmp_path: Path, sim_settings: Settings
) -> None:
    batch, ran = run_batch(short_scenario, tmp_path, sim_settings, 2)
    assert sorted(ran) == ["0001", "0002"], _failures(tmp_path)
    workers = {r.worker for r in batch.store.records()}
    assert len(workers) == 2  # the two runs ran side by side, one in each actor
    run = tmp_path / "runs/0001"
    assert sorted(p.name for p in run.iterdir()) == [
        "emotion.svg",
        "report.html",
        "report.md",
        "result.json",
        "transcript.jsonl",
    ]
    result = json.loads((run / "result.json").read_text())
    assert result["worker"].split(":")[1] != str(os.getpid())  # ran in the actor
    lines = [json.loads(x) for x in (run / "transcript.jsonl").read_text().splitlines()]
    assert [u["speaker"] for u in lines] == ["patient", "nurse", "patient"]
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["finished"] == 2 and summary["time"]["turns_per_minute"] > 0
    _, more = run_batch(short_scenario, tmp_path, sim_settings, 3)  # resumed: one more run
    assert more == ["0003"]


def test_a_worker_killed_mid_run_loses_only_that_run(
    cluster: None, short_scenario: Path, tmp_path: Path, sim_settings: Settings
) -> None:
    kills: list[str] = []

    def kill_second_run(plan: RunPlan, attempt: int, actor: Any) -> None:
        if plan.run_id == "0002" and attempt == 1:
            kills.append(plan.run_id)
            # Let the run start, then kill the worker process under it.
            threading.Timer(1.0, ray.kill, [actor]).start()

    batch, ran = run_batch(
        short_scenario, tmp_path, sim_settings, 2, workers=1, on_submit=kill_second_run
    )
    assert kills == ["0002"]
    assert sorted(ran) == ["0001", "0002"], _failures(tmp_path)
    attempts = {r.plan.run_id: r.attempt for r in batch.store.records()}
    assert attempts == {"0001": 1, "0002": 2}
    assert sorted(p.name for p in (tmp_path / "runs").iterdir()) == ["0001", "0002"]
    assert json.loads((tmp_path / "manifest.json").read_text())["failed"] == {}
