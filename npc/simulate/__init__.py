"""NPC-to-NPC simulation: scenario files, batches of conversations, scoring and reports.

    loaded = load_scenario(Path("scenarios/triage.yaml"), settings.characters_dir)
    options = BatchOptions(runs=20, variation="belligerent")
    store = RunStore(Path("runs/triage"), loaded, options.identity())   # resumable folder
    worker = SimulationWorker(Runtime(settings), loaded)                # models load once
    result = Batch(loaded, store, options, LocalExecutor(worker)).run()
    result.summary["items"]["acknowledged_pain"]["pass_rate"]

Modules: ``scenario`` (the pydantic models of a scenario file), ``loading`` (located
checks, ``scenario_schema``), ``records`` (``RunPlan``, ``Utterance``, ``RunRecord``),
``sides`` (a character's ``Mind`` or a person), ``conversation`` (one run's turns and stop
conditions), ``judge`` (the grammar-constrained LLM judge), ``scoring`` (rubric rules),
``worker`` (one run on one ``Runtime``), ``batch`` (planning, the in-process executor,
``Batch``), ``ray_pool`` (the Ray executor), ``store`` (the output folder), ``summary``,
``report`` and ``plot`` (aggregates, Markdown/HTML, inline SVG), ``audio`` (WAV + visemes).
"""

from npc.simulate.batch import Batch, BatchOptions, BatchResult, LocalExecutor, plan_runs
from npc.simulate.errors import SimulationError
from npc.simulate.judge import Judge, Verdict
from npc.simulate.loading import LoadedScenario, load_scenario, scenario_schema
from npc.simulate.records import RunPlan, RunRecord, Utterance
from npc.simulate.scenario import Scenario
from npc.simulate.store import RunStore
from npc.simulate.worker import RunOutput, SimulationWorker

__all__ = [
    "Batch",
    "BatchOptions",
    "BatchResult",
    "Judge",
    "LoadedScenario",
    "LocalExecutor",
    "RunOutput",
    "RunPlan",
    "RunRecord",
    "RunStore",
    "Scenario",
    "SimulationError",
    "SimulationWorker",
    "Utterance",
    "Verdict",
    "load_scenario",
    "plan_runs",
    "scenario_schema",
]
