"""Run a batch on a Ray cluster: a pool of actors, each loading the models once.

Each actor builds its own ``Runtime`` and takes one run at a time; the driver hands out the
plans and writes every finished run itself (``RunStore``), so the output is the same as in
process. When an actor dies mid-run only that run is lost: the driver replaces the actor
and runs the plan again (up to ``max_attempts``); runs already written are never touched.

Ray is optional (``pip install ray``) and imported only here, only when asked for.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any

from npc.config import Settings, load_settings
from npc.errors import NpcError
from npc.runtime import Runtime
from npc.simulate.batch import MAX_ATTEMPTS, BatchProgress, Outcome, RunFailure
from npc.simulate.errors import SimulationError
from npc.simulate.loading import LoadedScenario
from npc.simulate.records import RunPlan
from npc.simulate.worker import RunOutput, SimulationWorker

OnSubmit = Callable[[RunPlan, int, Any], None]  # plan, attempt, actor handle


def import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise SimulationError(
            "--ray needs Ray, which is not installed; run: pip install 'ray==2.60.0'"
        ) from None
    return ray


class SimulationActor:
    """A Ray actor: one ``Runtime`` (models loaded on the first run) serving many runs."""

    def __init__(
        self,
        settings: dict[str, Any],
        loaded: LoadedScenario,
        audio: bool,
        judge: bool,
        retries: int = 2,
    ) -> None:
        self.runtime = Runtime(load_settings(**settings))
        self.worker = SimulationWorker(
            self.runtime, loaded, audio=audio, judge=judge, retries=retries
        )

    def run(self, plan: RunPlan) -> RunOutput:
        return self.worker.run(plan)

    def pid(self) -> int:
        return os.getpid()


class RayExecutor:
    """Runs plans on ``workers`` actors of the cluster at ``address``.

    ``address`` "auto" joins the running cluster, or starts a local one if none runs; a
    ``ray://`` or ``host:port`` address joins that one; None starts a local one. Each actor reserves
    ``settings.llm.threads`` CPUs, so the default pool fills the cluster's CPUs.
    """

    def __init__(
        self,
        loaded: LoadedScenario,
        settings: Settings,
        *,
        address: str | None = "auto",
        workers: int | None = None,
        audio: bool = False,
        judge: bool = True,
        retries: int = 2,
        max_attempts: int = MAX_ATTEMPTS,
        on_submit: OnSubmit | None = None,
    ) -> None:
        self.ray = import_ray()
        self.loaded = loaded
        self.settings = settings
        self.address = address
        self.workers = workers
        self.audio = audio
        self.judge = judge
        self.retries = retries
        self.max_attempts = max_attempts
        self.on_submit = on_submit
        self._actor_class: Any = None
        self._actors: list[Any] = []
        self._connected_here = False

    def connect(self) -> None:
        """Join (or start) the cluster unless this process is already connected."""
        ray = self.ray
        if ray.is_initialized():
            return
        try:
            try:
                if self.address is None:
                    _local_worker_priority()
                ray.init(address=self.address, include_dashboard=False, log_to_driver=False)
            except ConnectionError:
                if self.address != "auto":
                    raise
                _local_worker_priority()
                ray.init(include_dashboard=False, log_to_driver=False)  # none running: start one
            self._connected_here = True
        except (ConnectionError, RuntimeError, ValueError) as exc:
            raise SimulationError(
                f"cannot reach a Ray cluster at {self.address!r}: {exc}; start one with "
                "'ray start --head' or pass its address"
            ) from None

    def close(self) -> None:
        """Disconnect if ``connect`` connected (a local cluster it started stops with it)."""
        if self._connected_here:
            self.ray.shutdown()
            self._connected_here = False

    def pool_size(self, runs: int) -> int:
        threads = self.settings.llm.threads
        cpus = int(self.ray.cluster_resources().get("CPU", threads))
        wanted = self.workers or max(1, cpus // threads)
        return max(1, min(wanted, runs))

    def _new_actor(self) -> Any:
        if self._actor_class is None:
            self._actor_class = self.ray.remote(num_cpus=self.settings.llm.threads, max_restarts=0)(
                SimulationActor
            )
        settings = _portable(self.settings)
        actor = self._actor_class.remote(
            settings, self.loaded, self.audio, self.judge, self.retries
        )
        self._actors.append(actor)
        return actor

    def run(self, plans: list[RunPlan], progress: BatchProgress) -> Iterator[Outcome]:
        if not plans:
            return
        self.connect()
        ray = self.ray
        queue: deque[tuple[RunPlan, int]] = deque((p, 1) for p in plans)
        inflight: dict[Any, tuple[Any, RunPlan, int]] = {}
        actors = [self._new_actor() for _ in range(self.pool_size(len(plans)))]

        def submit(actor: Any) -> None:
            plan, attempt = queue.popleft()
            if attempt == 1:
                progress.started(plan)
            inflight[actor.run.remote(plan)] = (actor, plan, attempt)
            if self.on_submit is not None:
                self.on_submit(plan, attempt, actor)

        try:
            for actor in actors:
                if queue:
                    submit(actor)
            while inflight:
                [ref], _ = ray.wait(list(inflight), num_returns=1)
                actor, plan, attempt = inflight.pop(ref)
                outcome, actor = self._collect(ref, actor, plan, attempt, queue)
                if outcome is not None:
                    yield outcome
                if queue:
                    submit(actor)
        finally:
            # Finished or interrupted: no actor outlives the batch (each holds a model).
            for actor in self._actors:
                ray.kill(actor)
            self._actors.clear()

    def _collect(
        self, ref: Any, actor: Any, plan: RunPlan, attempt: int, queue: deque[tuple[RunPlan, int]]
    ) -> tuple[Outcome | None, Any]:
        """The run's outcome (None when it goes back in the queue) and the actor to reuse."""
        ray = self.ray
        exceptions = ray.exceptions
        try:
            output: RunOutput = ray.get(ref)
        except (exceptions.RayActorError, exceptions.WorkerCrashedError) as exc:
            # The worker process died: this run is lost, the others are safe. Retry it.
            ray.kill(actor)
            actor = self._new_actor()
            if attempt < self.max_attempts:
                queue.appendleft((plan, attempt + 1))
                return None, actor
            return RunFailure(plan, f"the worker died on every attempt: {exc}", attempt), actor
        except exceptions.RayTaskError as exc:
            cause = exc.cause if isinstance(exc.cause, BaseException) else exc
            retryable = isinstance(cause, NpcError) and cause.retryable
            if retryable and attempt < self.max_attempts:
                queue.appendleft((plan, attempt + 1))
                return None, actor
            text = f"{cause.code}: {cause.message}" if isinstance(cause, NpcError) else str(cause)
            return RunFailure(plan, text, attempt), actor
        output.record.attempt = attempt
        return output, actor


def _local_worker_priority() -> None:
    """Run a local cluster's workers at normal priority (Ray's default is nice 15).

    The workers are this command's whole workload; at nice 15 they lose every core to
    anything else running on the machine. A cluster started elsewhere keeps its setting
    (``RAY_worker_niceness=0 ray start --head`` does the same there).
    """
    os.environ.setdefault("RAY_worker_niceness", "0")


def _portable(settings: Settings) -> dict[str, Any]:
    """The settings as plain data with absolute paths (an actor may start in another folder)."""
    data: dict[str, Any] = settings.model_dump(mode="json")
    for key in ("characters_dir", "data_dir", "cache_dir"):
        data[key] = str(getattr(settings, key).resolve())
    return data
