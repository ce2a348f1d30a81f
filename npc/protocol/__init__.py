"""The wire protocol between a game client and ``npc serve`` (see docs/protocol.md)."""
