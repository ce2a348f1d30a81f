"""npc: a local-first runtime for game characters that listen, think, act and speak."""

__version__ = "0.1.0"
