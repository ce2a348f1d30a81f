"""The simulation's error, kept in ``npc.errors`` with the rest of the tree."""

from npc.errors import SimulationError

__all__ = ["SimulationError"]
