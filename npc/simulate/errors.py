"""The simulation's own error (a child of ``NpcError``; scenario files raise ``ScenarioError``)."""

from __future__ import annotations

from npc.errors import NpcError


class SimulationError(NpcError):
    """A batch cannot run as asked: an output folder of another batch, a bad option, a run
    that failed on every attempt."""

    code = "simulation_error"
